"""One identifier rule for every id that becomes a path or a URL segment (docs/dag-reference.md,
Identifiers): run ids from the API and the CLI, variable keys and pool names are refused with
one message when they could leave their folder, forge a log line or be unreachable."""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

from harness import WEIR, WeirTestCase

EVIL_RUN_IDS = ["../../escaped", "/tmp/weir-abs-run", "a/b", "x\n[weir] forged line", "..",
                "-rf", "a b"]


class IdentifierTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.copy_example("simple_dag.yaml")
        self.weir("dags", "list", check=0)

    def assert_refused(self, code, err, kind):
        self.assertEqual(code, 2, err)
        self.assertIn(f"bad {kind} ", err)
        self.assertIn("use 1 to 250 letters, digits", err)

    def test_cli_refuses_bad_run_ids_pools_and_variable_keys(self):
        for evil in EVIL_RUN_IDS:
            code, _, err = self.weir("dags", "trigger", "simple_dag", "--run-id=" + evil)
            self.assert_refused(code, err, "run_id")
            # The message quotes the id as JSON: a newline cannot start a line of its own.
            self.assertNotIn("\n[weir] forged", err)
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(0,)])
        code, _, err = self.weir("variables", "set", "a/b", "1")
        self.assert_refused(code, err, "variable key")
        code, _, err = self.weir("pools", "set", "../pool", "3")
        self.assert_refused(code, err, "pool")
        # Airflow-style ids still work.
        code, out, err = self.weir("dags", "trigger", "simple_dag",
                                   "--run-id", "manual__2026-01-01T00:00:00+00:00")
        self.assertEqual(code, 0, err)

    def test_api_refuses_bad_run_ids_with_400_and_writes_nothing_outside_logs(self):
        p = subprocess.run([WEIR, "users", "create", "olga", "--role", "op", "--password-stdin"],
                           input="pw-olga-123\n", text=True, env=self.env(),
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        proc = self.start("standalone")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1)
        base = f"http://127.0.0.1:{port}/api/v1"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def call(method, path, body, csrf=None):
            req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                         method=method,
                                         headers={"Content-Type": "application/json"})
            if csrf:
                req.add_header("X-CSRF-Token", csrf)
            try:
                with opener.open(req, timeout=10) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)

        status, login = call("POST", "/auth/login",
                             {"username": "olga", "password": "pw-olga-123"})
        self.assertEqual(status, 200, login)
        csrf = login["csrf_token"]
        for evil in EVIL_RUN_IDS:
            status, body = call("POST", "/dags/simple_dag/dagRuns", {"dag_run_id": evil}, csrf)
            self.assertEqual(status, 400, (evil, body))
            self.assertIn("bad run_id", body["error"]["message"])
        self.assertEqual(self.query("SELECT count(*) FROM dag_run WHERE run_type = 'manual'"),
                         [(0,)])
        self.assertFalse(os.path.exists(os.path.join(self.home, "escaped")))
        self.assertFalse(os.path.exists("/tmp/weir-abs-run"))

        ada = subprocess.run([WEIR, "users", "create", "ada", "--role", "admin",
                              "--password-stdin"], input="pw-ada-1234\n", text=True,
                             env=self.env(), capture_output=True)
        self.assertEqual(ada.returncode, 0, ada.stderr)
        jar.clear()
        status, login = call("POST", "/auth/login", {"username": "ada", "password": "pw-ada-1234"})
        self.assertEqual(status, 200, login)
        status, body = call("POST", "/variables", {"key": "../v", "value": "1"},
                            login["csrf_token"])
        self.assertEqual(status, 400, body)
        self.assertIn("bad variable key", body["error"]["message"])
        status, body = call("POST", "/pools", {"name": "a/b", "slots": 1}, login["csrf_token"])
        self.assertEqual(status, 400, body)
        self.assertIn("bad pool", body["error"]["message"])
