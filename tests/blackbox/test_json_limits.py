"""JSON from outside passes one parser with limits: a 60,000-deep conf crashed the whole process
(scheduler, API and UI) and 1e400 made a 500. Now both are refused with a clear error and
weir keeps serving."""

import urllib.request

from harness import ApiClient, WeirTestCase, api_base, create_user

DEEP = '{"a": ' + "[" * 60000 + "]" * 60000 + "}"


class JsonLimitsTest(WeirTestCase):

    def test_cli_refuses_deep_conf_and_huge_numbers(self):
        self.copy_example("simple_dag.yaml")
        code, _, err = self.weir("dags", "trigger", "simple_dag", "--conf", DEEP)
        self.assertEqual(code, 2, err)
        self.assertIn("--conf nests arrays and objects deeper than 64 levels", err)
        code, _, err = self.weir("dags", "trigger", "simple_dag", "--conf", '{"n": 1e400}')
        self.assertEqual(code, 2, err)
        self.assertIn("--conf", err)
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(0,)])

    def test_api_answers_400_to_deep_bodies_and_keeps_serving(self):
        self.copy_example("simple_dag.yaml")
        create_user(self, "olga", "op", "pw-olga-123")
        proc = self.start("standalone")
        api = ApiClient(api_base(proc))
        status, login = api.login("olga", "pw-olga-123")
        self.assertEqual(status, 200, login)
        status, body = api.send("POST", "/dags/simple_dag/dagRuns",
                                ('{"conf": ' + DEEP + "}").encode())
        self.assertEqual(status, 400, body)
        self.assertIn("deeper than 64 levels", body["error"]["message"])
        status, body = api.send("POST", "/dags/simple_dag/dagRuns", b'{"conf": {"n": 1e400}}')
        self.assertEqual(status, 400, body)
        self.assertIsNone(proc.poll(), "weir standalone died")
        with urllib.request.urlopen(api.base + "/health", timeout=10) as r:
            self.assertEqual(r.status, 200)
