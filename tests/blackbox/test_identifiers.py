"""One identifier rule for every id that becomes a path or a URL segment (docs/dag-reference.md,
Identifiers): run ids from the API and the CLI, variable keys and pool names are refused with
one message when they could leave their folder, forge a log line or be unreachable."""

import os

from harness import ApiClient, WeirTestCase, api_base, create_user

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
        create_user(self, "olga", "op", "pw-olga-123")
        create_user(self, "ada", "admin", "pw-ada-1234")
        proc = self.start("standalone")
        op = ApiClient(api_base(proc))
        status, login = op.login("olga", "pw-olga-123")
        self.assertEqual(status, 200, login)
        for evil in EVIL_RUN_IDS:
            status, body = op.send("POST", "/dags/simple_dag/dagRuns", {"dag_run_id": evil})
            self.assertEqual(status, 400, (evil, body))
            self.assertIn("bad run_id", body["error"]["message"])
        self.assertEqual(self.query("SELECT count(*) FROM dag_run WHERE run_type = 'manual'"),
                         [(0,)])
        self.assertFalse(os.path.exists(os.path.join(self.home, "escaped")))
        self.assertFalse(os.path.exists("/tmp/weir-abs-run"))

        admin = ApiClient(op.base)
        status, login = admin.login("ada", "pw-ada-1234")
        self.assertEqual(status, 200, login)
        status, body = admin.send("POST", "/variables", {"key": "../v", "value": "1"})
        self.assertEqual(status, 400, body)
        self.assertIn("bad variable key", body["error"]["message"])
        status, body = admin.send("POST", "/pools", {"name": "a/b", "slots": 1})
        self.assertEqual(status, 400, body)
        self.assertIn("bad pool", body["error"]["message"])
