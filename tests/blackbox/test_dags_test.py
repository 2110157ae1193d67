"""`weir dags test`: the tutorial DAG runs whole, in the foreground, in about 3 s."""

import os
import time
import unittest

from harness import WeirTestCase


class DagsTest(WeirTestCase):
    def test_simple_dag_runs_every_task_in_a_few_seconds(self):
        self.copy_example("simple_dag.yaml")
        start = time.time()
        code, out, err = self.weir("dags", "test", "simple_dag", "2021-01-01")
        elapsed = time.time() - start
        self.assertEqual(code, 0, out + err)
        self.assertGreaterEqual(elapsed, 3.0)  # the DAG sleeps 3 s
        self.assertLess(elapsed, 6.0, "orchestration should add well under a second")
        for task in ("print_date", "sleep", "print_end"):
            self.assertRegex(out, rf"{task}\s+running")
            self.assertRegex(out, rf"{task}\s+success")
        self.assertIn("covers [2021-01-01T00:00:00+00:00, 2021-01-02T00:00:00+00:00)", out)
        rows = self.query("SELECT task_id, state FROM task_instance WHERE dag_id='simple_dag'")
        self.assertEqual(sorted(rows), [("print_date", "success"), ("print_end", "success"),
                                        ("sleep", "success")])
        run_id = "test__2021-01-01T00:00:00+00:00"
        log = os.path.join(self.home, "logs", "simple_dag", run_id, "print_end", "attempt-1.log")
        with open(log) as f:
            text = f.read()
        self.assertIn("[weir]", text.splitlines()[0])
        self.assertIn("finished the run for 2021-01-01", text)
        self.assertIn("exit status 0", text.splitlines()[-1])

    def test_a_failing_run_exits_1_and_names_the_failure(self):
        self.write_dag("bad.yaml", """
dag_id: bad
tasks:
  - task_id: boom
    operator: bash
    command: echo "disk full" >&2; exit 7
""")
        code, out, _ = self.weir("dags", "test", "bad", "2021-01-01")
        self.assertEqual(code, 1)
        self.assertRegex(out, r"boom\s+failed: bash command exited with status 7")
        code, out, _ = self.weir("tasks", "logs", "bad", "boom", "test__2021-01-01T00:00:00+00:00")
        self.assertEqual(code, 0)
        self.assertIn("disk full", out)

    def test_an_empty_task_runs_nothing_and_leaves_no_log_file(self):
        self.write_dag("fan.yaml", """
dag_id: fan
tasks:
  - task_id: start
    operator: empty
  - task_id: work
    operator: bash
    command: echo working
    depends_on: [start]
""")
        code, out, err = self.weir("dags", "test", "fan", "2021-01-01")
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"start\s+running")
        self.assertRegex(out, r"start\s+success")
        run_id = "test__2021-01-01T00:00:00+00:00"
        # The summary names the bash task's log and no file for the empty one.
        summary = {line.split()[0]: line.split() for line in out.splitlines()
                   if line.startswith(("start ", "work "))}
        self.assertEqual(len(summary["start"]), 4, out)  # task, state, tries, duration
        self.assertTrue(summary["work"][-1].endswith("attempt-1.log"), out)
        self.assertFalse(os.path.exists(os.path.join(self.home, "logs", "fan", run_id, "start")))
        self.assertEqual(self.query("SELECT try_number, state, log_path FROM task_try "
                                    "WHERE task_id='start'"), [(1, "success", "")])
        code, out, err = self.weir("tasks", "logs", "fan", "start", run_id)
        self.assertEqual((code, out), (0, "[weir] try 1 ran no process (an `empty` task has "
                                          "nothing to run), so it has no log\n"), err)

    def test_every_example_dag_succeeds(self):
        for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                                            "dags")):
            self.copy_example(name)
        for dag in ("example_trigger_rules", "example_params", "example_python",
                    "example_templates", "example_catchup"):
            code, out, err = self.weir("dags", "test", dag, "2021-03-05")
            self.assertEqual(code, 0, f"{dag}:\n{out}\n{err}")
        states = dict(self.query(
            "SELECT task_id, state FROM task_instance WHERE dag_id='example_trigger_rules'"))
        self.assertEqual(states, {
            "start": "success", "maybe_skip": "skipped", "will_fail": "failed",
            "process": "success", "after_skip": "skipped", "join": "success",
            "alert": "success", "cleanup": "success"})
        (xcom,) = self.query("SELECT value FROM xcom WHERE dag_id='example_python' AND "
                             "task_id='report'")[0]
        self.assertIn("total 16 for 2021-03-05", xcom)


if __name__ == "__main__":
    unittest.main()
