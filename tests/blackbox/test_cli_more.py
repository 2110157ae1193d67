"""`weir info`, `dags state`, `dags delete` (asks; refuses on a pipe without --yes),
`tasks logs -f` that ends with the try's status line, timestamps on every log line, and
`standalone --port`."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import unittest
import urllib.request

from harness import WEIR, WeirTestCase

DAG = """
dag_id: daily
schedule: "@daily"
start_date: 2021-01-01
catchup: false
tasks:
  - task_id: hello
    operator: bash
    command: |
      echo "hello {{ ds }}"
      echo "to stderr" >&2
  - task_id: slow
    operator: bash
    depends_on: [hello]
    command: |
      echo started
      sleep 2
      echo done
"""

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")
JAN1 = "test__2021-01-01T00:00:00+00:00"


class CliMore(WeirTestCase):
    def setUp(self):
        super().setUp()
        self.write_dag("daily.yaml", DAG)

    def test_info_says_what_this_weir_is_and_where_its_things_are(self):
        info = self.weir_json("info")
        self.assertRegex(info["version"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(info["home"], self.home)
        self.assertIn("1 DAGs, 0 import errors", info["dags_folder"])
        self.assertRegex(info["schema_version"], r"^\d+ \(this weir knows up to \d+\)$")
        self.assertEqual(info["scheduler"], "none has run on this database")
        self.assertTrue(info["duckdb"].startswith("v"), info["duckdb"])
        code, out, err = self.weir("info")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"(?m)^home\s+" + re.escape(self.home) + "$")

    def test_dags_state_takes_a_date_or_a_run_id(self):
        self.weir("dags", "test", "daily", "2021-01-01", check=0)
        self.assertEqual(self.weir("dags", "state", "daily", "2021-01-01", check=0)[1], "success\n")
        out = self.weir("dags", "state", "daily", JAN1, "-o", "json", check=0)[1]
        self.assertEqual(json.loads(out), {"dag_id": "daily", "run_id": JAN1, "state": "success"})
        code, _, err = self.weir("dags", "state", "daily", "2021-01-02")
        self.assertEqual(code, 3)
        self.assertIn(f"closest: {JAN1}", err)

    def test_dags_delete_asks_and_takes_the_runs_with_it(self):
        self.weir("dags", "test", "daily", "2021-01-01", check=0)
        self.weir("dags", "test", "daily", "2021-01-02", check=0)
        # On a pipe (no terminal to ask on) nothing is deleted without --yes.
        code, _, err = self.weir("dags", "delete", "daily")
        self.assertEqual(code, 2)
        self.assertIn("its 2 run(s)", err)
        self.assertIn("--yes", err)
        self.assertEqual(len(self.runs("daily")), 2)
        code, out, err = self.weir("dags", "delete", "daily", "--yes")
        self.assertEqual(code, 0, err)
        self.assertIn("deleted DAG daily and 2 run(s)", out)
        self.assertIn("still in the DAGs folder", out)
        self.assertEqual(self.query("SELECT COUNT(*) FROM task_instance")[0][0], 0)
        self.assertEqual(self.query("SELECT COUNT(*) FROM task_try")[0][0], 0)
        events = self.weir_json("audit", "list")
        self.assertEqual(events[0]["event"], "dag_delete")
        self.assertEqual(events[0]["dag_id"], "daily")
        # The file is still there: the DAG comes back, without runs.
        self.assertEqual([d["dag_id"] for d in self.weir_json("dags", "list")], ["daily"])
        self.assertEqual(self.runs("daily"), [])
        self.assertEqual(self.weir("dags", "delete", "nope", "--yes")[0], 3)

    def test_every_log_line_has_its_time_and_logs_follow_ends_with_the_status(self):
        sched = self.start("scheduler")
        self.weir("dags", "trigger", "daily", "-r", "r1", check=0)
        self.wait_for("slow to start", lambda: self.query(
            "SELECT state FROM task_instance WHERE run_id = 'r1' AND task_id = 'slow'")
            == [("running",)], timeout=60)
        code, out, err = self.weir("tasks", "logs", "daily", "slow", "r1", "-f", timeout=60)
        self.assertEqual(code, 0, err)
        lines = out.rstrip("\n").split("\n")
        self.assertRegex(lines[-1], r"\[weir\] exit status 0 after ")
        self.assertTrue(any(line.endswith(" done") for line in lines), out)
        for line in lines:
            self.assertRegex(line, STAMP, out)
        out = self.weir("tasks", "logs", "daily", "hello", "r1", check=0)[1]
        self.assertRegex(out, r"(?m)^\S+Z hello \d{4}-\d\d-\d\d$")
        self.assertRegex(out, r"(?m)^\S+Z to stderr$")
        sched.terminate()

    def test_logs_follow_of_a_killed_try_ends_with_how_it_ended(self):
        self.write_dag("daily.yaml", DAG.replace("sleep 2", "sleep 60"))
        self.start("scheduler")
        self.weir("dags", "trigger", "daily", "-r", "r1", check=0)
        self.wait_for("slow to start", lambda: self.query(
            "SELECT state FROM task_instance WHERE run_id = 'r1' AND task_id = 'slow'")
            == [("running",)], timeout=60)
        follow = subprocess.Popen([WEIR, "tasks", "logs", "daily", "slow", "r1", "-f"],
                                  env=self.env(), stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        try:
            self.weir("tasks", "mark", "daily", "slow", "r1", "--state", "failed", check=0)
            out, _ = follow.communicate(timeout=30)
        finally:
            follow.kill()
        self.assertEqual(follow.returncode, 0)
        last = out.rstrip("\n").split("\n")[-1]
        self.assertRegex(last, r"\[weir\] (killed|try 1 ended failed)", out)

    def test_logs_follow_stops_when_the_try_no_longer_heartbeats(self):
        self.write_dag("daily.yaml", DAG.replace("sleep 2", "sleep 60"))
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("heartbeat_interval: 1s\n")
        sched = self.start("scheduler")
        self.weir("dags", "trigger", "daily", "-r", "r1", check=0)
        self.wait_for("slow to start", lambda: self.query(
            "SELECT state FROM task_instance WHERE run_id = 'r1' AND task_id = 'slow'")
            == [("running",)], timeout=60)
        # The scheduler dies with its try still recorded as running: no one heartbeats it.
        os.killpg(sched.pid, signal.SIGKILL)
        code, out, err = self.weir("tasks", "logs", "daily", "slow", "r1", "-f", timeout=60)
        self.assertEqual(code, 0, err)
        self.assertIn("no heartbeat", out.rstrip("\n").split("\n")[-1])

    def test_standalone_listens_on_the_port_given(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = self.start("standalone", "--port", str(port))
        self.assertIn(f"http://127.0.0.1:{port}/", proc.startup_output)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=10) as r:
            self.assertEqual(json.load(r)["metadatabase"]["status"], "healthy")
        code, _, err = self.weir("standalone", "--port", "70000")
        self.assertNotEqual(code, 0)
        self.assertIn("--port", err)


if __name__ == "__main__":
    unittest.main()
