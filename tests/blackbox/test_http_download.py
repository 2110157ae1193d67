"""http_download: a native operator run as a child weir process, fetching from the fixture
HTTP server, then lake_put recording the source so that the next run skips the download."""

import hashlib
import json
import os
import subprocess
import sys
import unittest

from harness import WeirTestCase

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "http_server.py")

DAG = """
dag_id: fetch
tasks:
  - task_id: download
    operator: http_download
    url: "{base}/redirect/1/yellow/trips_{{{{ logical_date.strftime('%Y-%m') }}}}.csv"
    retry_delay_seconds: 0.01
  - task_id: put
    operator: lake_put
    depends_on: [download]
    input: "{{{{ ti.xcom_pull('download').path }}}}"
    target: "lake://raw/trips/{{{{ logical_date.strftime('%Y-%m') }}}}.csv"
"""


class HttpDownload(WeirTestCase):
    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.home, "srv")
        os.makedirs(os.path.join(self.root, "yellow"))
        self.content = b"VendorID,fare\n" + b"".join(b"%d,%d.5\n" % (i % 3, i) for i in range(5000))
        with open(os.path.join(self.root, "yellow", "trips_2021-03.csv"), "wb") as f:
            f.write(self.content)
        self.server = subprocess.Popen([sys.executable, FIXTURE, "--root", self.root],
                                       stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.server.stdout.close)
        self.addCleanup(self.server.wait)
        self.addCleanup(self.server.terminate)
        self.base = "http://127.0.0.1:" + self.server.stdout.readline().split()[1]

    def xcom(self, task_id):
        rows = self.query("SELECT value FROM xcom WHERE task_id=?", task_id)
        return json.loads(rows[0][0]) if rows else None

    def test_downloads_then_skips_an_unchanged_source(self):
        self.write_dag("fetch.yaml", DAG.format(base=self.base))
        code, out, err = self.weir("dags", "test", "fetch", "2021-03-05")
        self.assertEqual(code, 0, out + err)
        got = self.xcom("download")
        self.assertEqual(got["sha256"], hashlib.sha256(self.content).hexdigest())
        self.assertEqual(got["final_url"], self.base + "/yellow/trips_2021-03.csv")
        with open(got["path"], "rb") as f:
            self.assertEqual(f.read(), self.content)
        self.assertEqual(self.xcom("put")["source_url"],
                         self.base + "/redirect/1/yellow/trips_2021-03.csv")

        # The catalog now knows the source's ETag: the same month again is a 304, skipped.
        code, out, err = self.weir("dags", "test", "fetch", "2021-03-05")
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"download\s+skipped")
        log = os.path.join(self.home, "logs", "fetch", "test__2021-03-05T00:00:00+00:00",
                           "download", "attempt-1.log")
        with open(log) as f:
            self.assertIn("skipped: source unchanged since lake://raw/trips/2021-03.csv was made",
                          f.read())

    def test_a_missing_file_fails_the_task_with_the_status_and_url(self):
        self.write_dag("fetch.yaml", DAG.format(base=self.base))
        code, out, _ = self.weir("dags", "test", "fetch", "2021-04-05")
        self.assertEqual(code, 1)
        self.assertRegex(out, r"download\s+failed: http_download: HTTP 404 Not Found from "
                         + self.base + "/redirect/1/yellow/trips_2021-04.csv")


if __name__ == "__main__":
    unittest.main()
