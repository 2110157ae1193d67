"""`weir dags test` never waits on the DAG's run limits, says what it waits for, and ends its
run when it is interrupted (Ctrl-C, SIGTERM, or kill -9 noticed by a scheduler)."""

import os
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import WEIR, WeirTestCase


def alive(pid):
    """True when pid runs; a zombie counts as dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# max_active_runs 1; `secs` says how long the task sleeps (600 for the run that fills the limit).
LIMITED = """
dag_id: limited
schedule: null
start_date: 2021-01-01
max_active_runs: 1
max_active_tasks: 1
params:
  secs: 0
tasks:
  - task_id: work
    operator: bash
    pool: {pool}
    command: sleep {{{{ params.secs }}}}; echo slept {{{{ params.secs }}}}
"""

TEST_RUN = "test__2021-03-01T00:00:00+00:00"


class DagsTestLimits(WeirTestCase):
    def running_pid(self, run_id):
        """The pid of run_id's running try, or None (also before weir made its database)."""
        try:
            rows = self.query("SELECT pid FROM task_try WHERE run_id=? AND state='running' AND "
                              "pid > 0", run_id)
        except sqlite3.OperationalError:
            return None
        return rows[0][0] if rows else None

    def fill_the_limits(self, pool="default_pool"):
        """A manual run of `limited` whose task sleeps, running under a scheduler."""
        self.write_dag("limited.yaml", LIMITED.format(pool=pool))
        self.weir("dags", "trigger", "limited", "--run-id", "long", "--conf", '{"secs": 600}',
                  check=0)
        self.start("scheduler")
        return self.wait_for("the long run's try to run", lambda: self.running_pid("long"),
                             timeout=60)

    def start_test(self, *args):
        p = subprocess.Popen([WEIR, "dags", "test", *args], env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        self.procs.append(p)
        self.addCleanup(p.stdout.close)
        return p

    def read_until(self, p, text, timeout=120):
        """Lines of p's output up to the first that contains text; fails when p ends first."""
        import select
        lines = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 1)
            if not ready:
                continue
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if text in line:
                return "".join(lines)
        self.fail(f"no line with {text!r} in the output of weir dags test:\n" + "".join(lines))

    def test_a_test_run_does_not_wait_for_max_active_runs_or_max_active_tasks(self):
        long_pid = self.fill_the_limits()
        # The long run holds the DAG's one run and one task slot; the test runs anyway.
        code, out, err = self.weir("dags", "test", "limited", "2021-03-01", timeout=120)
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"work\s+success")
        self.assertEqual(self.query("SELECT state FROM dag_run WHERE run_id=?", TEST_RUN),
                         [("success",)])
        self.assertTrue(alive(long_pid), "the other run goes on")
        self.assertEqual(self.query("SELECT state FROM dag_run WHERE run_id='long'"),
                         [("running",)])

    def test_a_test_run_that_waits_for_a_pool_says_so_and_ends_on_ctrl_c(self):
        self.weir("pools", "set", "api", "1", check=0)
        self.fill_the_limits(pool="api")
        p = self.start_test("limited", "2021-03-01")
        out = self.read_until(p, "waits:")
        self.assertRegex(out, r"work\s+waits: pool 'api' has 0 of 1 slots free")
        self.assertIn("limited.work of run long", out)
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1, out + rest)
        self.assertEqual(self.query("SELECT state FROM dag_run WHERE run_id=?", TEST_RUN),
                         [("failed",)])
        self.assertEqual(self.query("SELECT state FROM task_instance WHERE run_id=?", TEST_RUN),
                         [("failed",)])

    def write_sleeper(self):
        self.write_dag("sleeper.yaml", """
dag_id: sleeper
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: nap
    operator: bash
    retries: 3
    command: sleep 600
  - task_id: after
    operator: bash
    depends_on: [nap]
    command: echo after
""")

    def running_try_pid(self, run_id=TEST_RUN):
        return self.wait_for("the test's try to run", lambda: self.running_pid(run_id),
                             timeout=60)

    def assert_ended(self, pid):
        self.assertEqual(self.query("SELECT state FROM dag_run WHERE run_id=?", TEST_RUN),
                         [("failed",)])
        self.assertEqual(sorted(self.query(
            "SELECT task_id, state FROM task_instance WHERE run_id=?", TEST_RUN)),
            [("after", "failed"), ("nap", "failed")])
        self.assertEqual(self.query(
            "SELECT count(*) FROM task_try WHERE state IN ('queued', 'running')"), [(0,)])
        self.wait_for("the try's `sleep 600` to be killed", lambda: not alive(pid), timeout=30)

    def test_sigint_and_sigterm_end_the_test_run_and_kill_its_try(self):
        self.write_sleeper()
        for sig in (signal.SIGINT, signal.SIGTERM):
            p = self.start_test("sleeper", "2021-03-01")
            pid = self.running_try_pid()
            p.send_signal(sig)
            out, _ = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 1, out)
            self.assertIn("interrupted", out)
            self.assert_ended(pid)
            (note,) = self.query("SELECT note FROM dag_run WHERE run_id=?", TEST_RUN)[0]
            self.assertIn("SIGINT" if sig == signal.SIGINT else "SIGTERM", note)

    def test_a_running_scheduler_ends_the_test_run_of_a_killed_dags_test(self):
        self.write_sleeper()
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("heartbeat_interval: 1s\n")
        self.start("scheduler")
        p = self.start_test("sleeper", "2021-03-01")
        pid = self.running_try_pid()
        os.kill(p.pid, signal.SIGKILL)  # the weir process only: its try lives on
        p.wait()
        self.wait_for("the scheduler to end the test run", lambda: self.query(
            "SELECT state FROM dag_run WHERE run_id=?", TEST_RUN) == [("failed",)], timeout=60)
        self.assert_ended(pid)

    def test_a_starting_scheduler_ends_the_test_run_of_a_killed_dags_test(self):
        self.write_sleeper()
        p = self.start_test("sleeper", "2021-03-01")
        pid = self.running_try_pid()
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        self.start("scheduler")
        self.wait_for("the scheduler to end the test run", lambda: self.query(
            "SELECT state FROM dag_run WHERE run_id=?", TEST_RUN) == [("failed",)], timeout=60)
        self.assert_ended(pid)

    def test_a_scheduler_leaves_a_live_dags_test_alone(self):
        self.write_dag("short.yaml", """
dag_id: short
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: wait_for_file
    operator: bash
    command: 'while [ ! -e "$WEIR_HOME/go" ]; do sleep 0.1; done; echo went'
""")
        p = self.start_test("short", "2021-03-01")
        self.running_try_pid()
        self.start("scheduler")  # recovers orphans at start: the test's try is no orphan
        open(os.path.join(self.home, "go"), "w").close()
        out, _ = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, out)
        self.assertRegex(out, r"wait_for_file\s+success")


if __name__ == "__main__":
    unittest.main()
