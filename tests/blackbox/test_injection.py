"""Run parameters never become code (issue 10): the shipped examples, triggered through the
CLI and the API with shell and SQL payloads in every param, run nothing but their own
commands and print each value as given; typed params and strict_conf refuse the rest
before a run exists."""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request

from harness import WEIR, WeirTestCase, unstamp

# Each payload would create the file {m} if the shell or the database read it as code.
PAYLOADS = [
    "$(touch {m})",
    "`touch {m}`",
    "x; touch {m}",
    "x' ; touch {m} ; echo '",
    'x" ; touch {m} ; echo "',
    "x\ntouch {m}",
    "x'); COPY (SELECT 1) TO '{m}'; SELECT ('",
]


class InjectionTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.markers = os.path.join(self.home, "markers")
        os.makedirs(self.markers)

    def payloads(self):
        """(payload, marker path) pairs, each with its own marker."""
        out = []
        for i, p in enumerate(PAYLOADS):
            marker = os.path.join(self.markers, f"m{i}")
            out.append((p.format(m=marker), marker))
        return out

    def assert_no_marker(self):
        self.assertEqual(os.listdir(self.markers), [], "a payload ran as code")

    def log(self, dag_id, run_id, task_id):
        path = os.path.join(self.home, "logs", dag_id, run_id, task_id, "attempt-1.log")
        with open(path, encoding="utf-8") as f:
            return unstamp(f.read())

    def dags_test(self, dag_id, date, conf):
        code, out, err = self.weir("dags", "test", dag_id, date, "--conf", json.dumps(conf),
                                   timeout=120)
        self.assertEqual(code, 0, f"{out}\n{err}")
        return re.search(r"^run (\S+) of ", out, re.M).group(1)

    def test_cli_runs_of_the_examples_print_payloads_and_run_none(self):
        self.copy_example("simple_dag.yaml")
        self.copy_example("example_params.yaml")
        for day, (payload, _) in enumerate(self.payloads(), start=1):
            date = f"2021-01-{day:02d}"
            run_id = self.dags_test("simple_dag", date,
                                    {"message": payload, "sleep_seconds": 0})
            # The printed line, not the log's header (which shows the command and arguments).
            self.assertIn(f"\n{payload} for {date} (covers",
                          self.log("simple_dag", run_id, "print_end"))
            run_id = self.dags_test("example_params", date, {"label": payload})
            show = self.log("example_params", run_id, "show")
            self.assertIn(f"\nlabel as one argument: {payload}\n", show)
            self.assertIn(f"label={payload}\n", show)
            self.assertIn("conf=" + json.dumps({"label": payload}), show)
            query = self.log("example_params", run_id, "query")
            self.assertIn(json.dumps(payload)[1:-1], query)
        self.assert_no_marker()

    def test_cli_refuses_what_typed_params_and_strict_conf_do_not_allow(self):
        self.copy_example("simple_dag.yaml")
        self.copy_example("example_params.yaml")
        payload, _ = self.payloads()[0]
        refused = [
            ("simple_dag", {"sleep_seconds": payload}, "param 'sleep_seconds'",
             "must be of type integer"),
            ("simple_dag", {"message": "x" * 501}, "param 'message'", "max_length"),
            ("simple_dag", {"cmd": payload}, 'conf key "cmd"', "strict_conf"),
            ("example_params", {"color": payload}, "param 'color'", "must be one of"),
            ("example_params", {"months": payload}, "param 'months'", "type integer"),
            ("example_params", {"region": payload}, "param 'region'", "must match the pattern"),
            ("example_params", {"region": "nyc\n"}, "param 'region'", "must match the pattern"),
            ("example_params", {"dry_run": payload}, "param 'dry_run'", "type boolean"),
            ("example_params", {"extra": payload}, 'conf key "extra"', "strict_conf"),
        ]
        for dag_id, conf, key, rule in refused:
            for command in (["dags", "trigger", dag_id], ["dags", "test", dag_id, "2021-01-01"]):
                code, out, err = self.weir(*command, "--conf", json.dumps(conf))
                self.assertEqual(code, 2, f"{command} {conf}: {out}\n{err}")
                self.assertIn(key, err)
                self.assertIn(rule, err)
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(0,)])
        self.assert_no_marker()

    def test_a_param_cannot_pick_a_template_file(self):
        # A .sql value is a file only when the DAG file writes it: a param ending in .sql used
        # to make weir read that file and render it (with var, conf, ...) as the query.
        self.write_dag("q.yaml", """
dag_id: q
params:
  query: {type: string, default: SELECT 1}
tasks:
  - task_id: run
    operator: sql
    conn: "duckdb://"
    sql: "{{ params.query }}"
""")
        with open(os.path.join(self.dags, "other.sql"), "w") as f:
            f.write("SELECT 'read and rendered: {{ ds }}' AS leak")
        code, out, err = self.weir("dags", "test", "q", "2021-01-01", "--conf",
                                   json.dumps({"query": "other.sql"}), timeout=120)
        self.assertEqual(code, 1, out)
        run_id = re.search(r"^run (\S+) of ", out, re.M).group(1)
        log = self.log("q", run_id, "run")
        self.assertNotIn("read and rendered", log)
        self.assertIn("syntax error", log)

    def test_api_triggers_run_by_the_scheduler_print_payloads_and_run_none(self):
        self.copy_example("example_params.yaml")
        self.copy_example("simple_dag.yaml")
        # The example as shipped, without a fortnight of catchup runs ahead of the test's.
        path = os.path.join(self.dags, "simple_dag.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("catchup: true", "catchup: false"))
        p = subprocess.run([WEIR, "users", "create", "olga", "--role", "op", "--password-stdin"],
                           input="pw-olga-123\n", text=True, env=self.env(), capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.start("scheduler")
        web = self.start("webserver", "--port", "0")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", web.startup_output).group(1)
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.login()

        runs = []
        for i, (payload, _) in enumerate(self.payloads()):
            status, run = self.call("POST", "/dags/example_params/dagRuns",
                                    {"conf": {"label": payload}, "dag_run_id": f"p{i}"})
            self.assertEqual(status, 200, run)
            runs.append(("example_params", f"p{i}", "show", f"label={payload}\n"))
            status, run = self.call("POST", "/dags/simple_dag/dagRuns",
                                    {"conf": {"message": payload, "sleep_seconds": 0},
                                     "dag_run_id": f"s{i}"})
            self.assertEqual(status, 200, run)
            runs.append(("simple_dag", f"s{i}", "print_end", f"\n{payload} for "))
        for dag_id, run_id, task_id, expected in runs:
            path = f"/dags/{dag_id}/dagRuns/{run_id}"
            self.wait_for(f"run {run_id}", lambda: self.call("GET", path)[1]["state"] in
                          ("success", "failed"), timeout=120)
            status, run = self.call("GET", path)
            self.assertEqual(run["state"], "success", run)
            status, log = self.call("GET", f"{path}/taskInstances/{task_id}/logs/1")
            self.assertEqual(status, 200, log)
            self.assertIn(expected, unstamp(log["content"]))
        self.assert_no_marker()

        payload, _ = self.payloads()[0]
        for dag_id, conf, words in [
                ("example_params", {"region": payload}, ["param 'region'", "pattern"]),
                ("example_params", {"cmd": payload}, ['conf key "cmd"', "strict_conf"]),
                ("simple_dag", {"sleep_seconds": payload}, ["param 'sleep_seconds'", "integer"]),
        ]:
            status, body = self.call("POST", f"/dags/{dag_id}/dagRuns", {"conf": conf})
            self.assertEqual(status, 400, body)
            for w in words:
                self.assertIn(w, body["error"]["message"])

    def login(self):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.csrf = None
        status, body = self.call("POST", "/auth/login",
                                 {"username": "olga", "password": "pw-olga-123"})
        self.assertEqual(status, 200, body)
        self.csrf = body["csrf_token"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
