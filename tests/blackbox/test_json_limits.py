"""JSON from outside passes one parser with limits: a 60,000-deep conf crashed the whole process
(scheduler, API and UI) and 1e400 made a 500. Now both are refused with a clear error and
weir keeps serving."""

import http.cookiejar
import json
import re
import subprocess
import urllib.error
import urllib.request

from harness import WEIR, WeirTestCase


class JsonLimitsTest(WeirTestCase):

    def test_cli_refuses_deep_conf_and_huge_numbers(self):
        self.copy_example("simple_dag.yaml")
        code, _, err = self.weir("dags", "trigger", "simple_dag",
                                 "--conf", '{"a": ' + "[" * 60000 + "]" * 60000 + "}")
        self.assertEqual(code, 2, err)
        self.assertIn("--conf nests arrays and objects deeper than 64 levels", err)
        code, _, err = self.weir("dags", "trigger", "simple_dag", "--conf", '{"n": 1e400}')
        self.assertEqual(code, 2, err)
        self.assertIn("--conf", err)
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(0,)])

    def test_api_answers_400_to_deep_bodies_and_keeps_serving(self):
        self.copy_example("simple_dag.yaml")
        p = subprocess.run([WEIR, "users", "create", "olga", "--role", "op", "--password-stdin"],
                           input="pw-olga-123\n", text=True, env=self.env(),
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        proc = self.start("standalone")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1)
        base = f"http://127.0.0.1:{port}/api/v1"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

        def post(path, data, csrf=None):
            req = urllib.request.Request(base + path, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
            if csrf:
                req.add_header("X-CSRF-Token", csrf)
            try:
                with opener.open(req, timeout=10) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)

        status, login = post("/auth/login",
                             json.dumps({"username": "olga", "password": "pw-olga-123"}).encode())
        self.assertEqual(status, 200, login)
        deep = ('{"conf": {"a": ' + "[" * 60000 + "]" * 60000 + "}}").encode()
        status, body = post("/dags/simple_dag/dagRuns", deep, login["csrf_token"])
        self.assertEqual(status, 400, body)
        self.assertIn("deeper than 64 levels", body["error"]["message"])
        status, body = post("/dags/simple_dag/dagRuns", b'{"conf": {"n": 1e400}}',
                            login["csrf_token"])
        self.assertEqual(status, 400, body)
        self.assertIsNone(proc.poll(), "weir standalone died")
        with urllib.request.urlopen(base + "/health", timeout=10) as r:
            self.assertEqual(r.status, 200)
