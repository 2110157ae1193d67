"""`weir scheduler` on its own: schedules with catchup, triggers, clear, pause, reloads."""

import json
import signal
import time
import unittest

from harness import DISTRIBUTED, WeirTestCase, iso_day


def daily_dag(dag_id, start, catchup, extra=""):
    return f"""
dag_id: {dag_id}
schedule: "@daily"
start_date: {start}
catchup: {"true" if catchup else "false"}
max_active_runs: 16
{extra}
tasks:
  - task_id: report
    operator: bash
    command: echo "{{{{ ds }}}}"
"""


def success_count(runs):
    return sum(1 for r in runs if r["state"] == "success")


class Scheduler(WeirTestCase):
    def test_catchup_creates_one_run_per_missed_day_with_its_interval(self):
        self.write_dag("daily.yaml", daily_dag("daily", iso_day(-10), True))
        proc = self.start("scheduler")
        runs = self.wait_for("10 successful runs",
                             lambda: (lambda r: r if success_count(r) == 10 else None)(
                                 self.runs("daily")))
        time.sleep(0.5)  # nothing more may appear
        runs = self.runs("daily")
        self.assertEqual(len(runs), 10)
        starts = sorted(r["data_interval_start"] for r in runs)
        expected = [iso_day(d) + "T00:00:00Z" for d in range(-10, 0)]
        self.assertEqual(starts, expected)
        for r in runs:
            self.assertEqual(r["run_type"], "scheduled")
            self.assertEqual(r["logical_date"], r["data_interval_start"])
            day = r["data_interval_start"][:10]
            nxt = [d for d in expected if d > r["data_interval_start"]]
            end = nxt[0] if nxt else iso_day(0) + "T00:00:00Z"
            self.assertEqual(r["data_interval_end"], end, day)
        # Each run rendered its own ds.
        xcoms = sorted(v for (v,) in self.query("SELECT value FROM xcom WHERE dag_id='daily'"))
        self.assertEqual(xcoms, sorted(json.dumps(iso_day(d)) for d in range(-10, 0)))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)

    def test_without_catchup_only_the_latest_interval_runs(self):
        self.write_dag("daily.yaml", daily_dag("daily", iso_day(-10), False))
        self.start("scheduler")
        self.wait_for("a successful run", lambda: success_count(self.runs("daily")) == 1)
        time.sleep(0.5)
        runs = self.runs("daily")
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["data_interval_start"], iso_day(-1) + "T00:00:00Z")
        self.assertEqual(runs[0]["data_interval_end"], iso_day(0) + "T00:00:00Z")

    def test_trigger_with_conf_and_a_bad_param_is_refused(self):
        self.copy_example("example_params.yaml")
        self.start("scheduler")
        self.weir("dags", "trigger", "example_params", "--conf", '{"color": "green"}', check=0)
        self.wait_for("the triggered run", lambda: success_count(self.runs("example_params")) == 1)
        (value,) = self.query("SELECT value FROM xcom WHERE dag_id='example_params' "
                              "AND task_id='show'")[0]
        self.assertIn("color=green", value)
        code, _, err = self.weir("dags", "trigger", "example_params", "--conf",
                                 '{"color": "purple"}')
        self.assertEqual(code, 2)
        self.assertIn("color", err)
        self.assertIn("yellow", err)
        self.assertEqual(len(self.runs("example_params")), 1)

    def test_clear_reruns_the_task_and_its_downstream(self):
        self.write_dag("c.yaml", """
dag_id: c
tasks:
  - {task_id: a, operator: bash, command: 'echo "try $WEIR_TRY_NUMBER"'}
  - {task_id: b, operator: bash, depends_on: [a], command: 'echo "after {{ ti.xcom_pull(''a'') }}"'}
""")
        self.start("scheduler")
        self.weir("dags", "trigger", "c", "--run-id", "r1", check=0)
        self.wait_for("the first run", lambda: success_count(self.runs("c")) == 1)
        code, out, err = self.weir("tasks", "clear", "c", "-t", "^a$", "--run-id", "r1", "-d", "-y")
        self.assertEqual(code, 0, err)
        self.assertIn("2 task instance(s) cleared", out)
        self.wait_for("b to run again", lambda: self.query(
            "SELECT try_number, state FROM task_instance WHERE dag_id='c' AND task_id='b'")
            == [(2, "success")])
        (value,) = self.query("SELECT value FROM xcom WHERE dag_id='c' AND task_id='b'")[0]
        self.assertEqual(json.loads(value), "after try 2")
        self.assertEqual([r["state"] for r in self.runs("c")], ["success"])

    def test_mark_failed_and_run_mark(self):
        self.write_dag("m.yaml", """
dag_id: m
tasks:
  - {task_id: a, operator: bash, command: 'true'}
""")
        self.weir("dags", "test", "m", "2021-01-01", check=0)
        run_id = "test__2021-01-01T00:00:00+00:00"
        self.weir("tasks", "mark", "m", "a", run_id, "--state", "failed", check=0)
        self.assertEqual(self.weir("tasks", "state", "m", "a", run_id)[1].strip(), "failed")
        self.weir("runs", "mark", "m", run_id, "--state", "failed", check=0)
        self.assertEqual(self.query("SELECT state FROM dag_run WHERE dag_id='m'"), [("failed",)])

    def test_pause_stops_new_runs_and_unpause_resumes_at_once(self):
        self.write_dag("p.yaml", daily_dag("p", iso_day(-3), True))
        self.weir("dags", "pause", "p", check=0)
        self.start("scheduler")
        time.sleep(1.5)
        self.assertEqual(self.runs("p"), [])
        started = time.time()
        self.weir("dags", "unpause", "p", check=0)
        self.wait_for("runs after unpause", lambda: success_count(self.runs("p")) == 3,
                      timeout=10)
        self.assertLess(time.time() - started, 5, "the wake file should start runs at once")

    def test_dag_files_are_reloaded_while_running(self):
        self.write_dag("one.yaml", daily_dag("one", iso_day(-1), True))
        self.start("scheduler")
        self.wait_for("one's run", lambda: success_count(self.runs("one")) == 1)
        self.write_dag("two.yaml", daily_dag("two", iso_day(-2), True))
        self.wait_for("two's runs", lambda: success_count(self.runs("two")) == 2, timeout=10)
        self.write_dag("three.yaml", "dag_id: three\ntasks: [{task_id: a, operator: nope}]\n")
        self.wait_for("three's import error",
                      lambda: any("three.yaml" in e["file"]
                                  for e in self.weir_json("dags", "errors")), timeout=10)
        ids = [d["dag_id"] for d in self.weir_json("dags", "list")]
        self.assertEqual(ids, ["one", "two"])

    def test_backfill_creates_runs_the_scheduler_runs(self):
        self.write_dag("b.yaml", daily_dag("b", "2021-01-01", False, "is_paused_upon_creation: false"))
        code, out, err = self.weir("dags", "backfill", "b", "-s", "2021-02-01", "-e", "2021-02-03")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.count("created"), 4)  # three rows, plus the summary line
        self.start("scheduler")
        self.wait_for("backfill runs", lambda: sum(
            1 for r in self.runs("b") if r["run_type"] == "backfill" and r["state"] == "success")
            == 3)
        days = sorted(r["logical_date"][:10] for r in self.runs("b") if r["run_type"] == "backfill")
        self.assertEqual(days, ["2021-02-01", "2021-02-02", "2021-02-03"])

    @unittest.skipIf(DISTRIBUTED, "on PostgreSQL with the Redis executor schedulers share the "
                     "work (test_distributed); the refusal is SQLite's")
    def test_a_second_scheduler_on_the_same_home_is_refused(self):
        self.start("scheduler")
        code, _, err = self.weir("scheduler", timeout=10)
        self.assertEqual(code, 4)
        self.assertIn("another weir scheduler", err)


if __name__ == "__main__":
    unittest.main()
