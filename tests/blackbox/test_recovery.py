"""kill -9 of weir at a bad moment: a restart loses and duplicates nothing."""

import os
import signal
import unittest

from harness import WeirTestCase, iso_day


def alive(pid):
    """True when pid runs. A killed process whose parent died may stay a zombie until init
    reaps it: that counts as dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Recovery(WeirTestCase):
    def test_a_killed_attempt_is_recorded_and_retried_and_the_run_completes(self):
        self.write_dag("long.yaml", """
dag_id: long
tasks:
  - task_id: work
    operator: bash
    retries: 1
    retry_delay: 1s
    command: 'if [ "$WEIR_TRY_NUMBER" = 1 ]; then sleep 60; fi; echo "done on try $WEIR_TRY_NUMBER"'
  - task_id: after
    operator: bash
    depends_on: [work]
    command: echo after
""")
        self.weir("dags", "trigger", "long", "--run-id", "r", check=0)
        first = self.start("scheduler")
        pid = self.wait_for("the first try to run", lambda: (lambda rows: rows[0][0] if rows and
                            rows[0][0] else None)(self.query(
                                "SELECT pid FROM task_try WHERE task_id='work' AND "
                                "try_number=1 AND state='running'")))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        self.start("scheduler")
        self.wait_for("the run to succeed", lambda: self.query(
            "SELECT state FROM dag_run WHERE dag_id='long'") == [("success",)], timeout=30)
        self.assertEqual(len(self.runs("long")), 1)
        tries = self.query("SELECT try_number, state, error FROM task_try WHERE task_id='work' "
                           "ORDER BY try_number")
        self.assertEqual([(t[0], t[1]) for t in tries], [(1, "failed"), (2, "success")])
        self.assertIn("lost", tries[0][2])
        self.assertFalse(alive(pid), "the orphaned `sleep 60` must be killed on restart")
        self.assertEqual(self.query(
            "SELECT count(*) FROM task_instance WHERE state IN ('queued','running','scheduled')"),
            [(0,)])
        (value,) = self.query("SELECT value FROM xcom WHERE task_id='work'")[0]
        self.assertIn("done on try 2", value)

    def test_no_scheduled_run_is_created_twice_across_a_kill(self):
        self.write_dag("d.yaml", f"""
dag_id: d
schedule: "@daily"
start_date: {iso_day(-3)}
max_active_runs: 1
tasks:
  - task_id: t
    operator: bash
    retries: 1
    retry_delay: 1s
    command: sleep 1
""")
        first = self.start("scheduler")
        self.wait_for("the first run to start", lambda: len(self.runs("d")) >= 1)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        self.start("scheduler")
        self.wait_for("three successful runs", lambda: sum(
            1 for r in self.runs("d") if r["state"] == "success") == 3, timeout=40)
        runs = self.runs("d")
        self.assertEqual(len(runs), 3)
        self.assertEqual(len({r["run_id"] for r in runs}), 3)


if __name__ == "__main__":
    unittest.main()
