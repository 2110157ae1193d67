"""The web UI's files as weir webserver serves them: the page, its script and stylesheet
built into the binary, without login; revalidation by ETag; the security headers."""

import re
import urllib.error
import urllib.request

from harness import WeirTestCase


class UiAssetsTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        proc = self.start("webserver", "--port", "0")
        self.base = re.search(r"ui\s+(http://127\.0\.0\.1:\d+/)", proc.startup_output).group(1)

    def fetch(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_the_page_loads_its_script_and_stylesheet(self):
        status, headers, body = self.fetch("")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        page = body.decode()
        self.assertIn('<script defer src="/assets/app.js"></script>', page)
        self.assertIn('href="/assets/style.css"', page)
        status, headers, script = self.fetch("assets/app.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/javascript"))
        self.assertIn(b"/api/v1", script)  # the bundled app, talking to the API
        self.assertGreater(len(script), 10_000)
        status, headers, css = self.fetch("assets/style.css")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/css"))
        self.assertIn(b".s-success", css)

    def test_an_unchanged_file_is_not_sent_again(self):
        status, headers, _ = self.fetch("assets/app.js")
        etag = headers["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]+"$')
        self.assertEqual(headers["Cache-Control"], "no-cache")
        status, _, body = self.fetch("assets/app.js", {"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        status, _, body = self.fetch("assets/app.js", {"If-None-Match": '"stale"'})
        self.assertEqual(status, 200)

    def test_security_headers(self):
        _, headers, _ = self.fetch("")
        csp = headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")

    def test_an_unknown_file_is_a_json_404(self):
        status, headers, body = self.fetch("assets/nope.js")
        self.assertEqual(status, 404)
        self.assertIn(b'"not_found"', body)


if __name__ == "__main__":
    import unittest
    unittest.main()
