"""Commands that name a run take its run id or its logical date; a run, task or command that
does not exist is named, with the closest ones, and the exit code is not 0."""

import json
import unittest

from harness import WeirTestCase

DAG = """
dag_id: monthly
schedule: "@monthly"
start_date: 2021-01-01
catchup: false
tasks:
  - task_id: download
    operator: bash
    command: echo "downloading {{ ds }}"
  - task_id: upload
    operator: bash
    depends_on: [download]
    command: echo uploaded
"""

FEB = "test__2021-02-01T00:00:00+00:00"


class CliLookup(WeirTestCase):
    def setUp(self):
        super().setUp()
        self.write_dag("monthly.yaml", DAG)
        for day in ("2021-02-01", "2021-04-01"):
            self.weir("dags", "test", "monthly", day, check=0)

    def test_a_logical_date_names_the_run_for_tasks_logs_and_state(self):
        code, out, err = self.weir("tasks", "logs", "monthly", "download", "2021-02-01")
        self.assertEqual(code, 0, err)
        self.assertIn("downloading 2021-02-01", out)
        code, out, err = self.weir("tasks", "state", "monthly", "download", "2021-02-01T00:00",
                                   "-o", "json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["run_id"], FEB)
        self.assertEqual(json.loads(out)["state"], "success")

    def test_a_logical_date_names_the_run_to_mark_and_clear(self):
        self.weir("tasks", "mark", "monthly", "upload", "2021-02-01", "--state", "failed", check=0)
        self.assertEqual(self.weir("tasks", "state", "monthly", "upload", FEB)[1].strip(),
                         "failed")
        code, out, err = self.weir("tasks", "clear", "monthly", "-r", "2021-02-01", "-t",
                                   "^upload$", "-y")
        self.assertEqual(code, 0, err)
        self.assertIn(FEB, out)
        code, out, err = self.weir("runs", "mark", "monthly", "2021-04-01", "--state", "failed")
        self.assertEqual(code, 0, err)
        self.assertIn("test__2021-04-01T00:00:00+00:00", out)

    def test_a_missing_run_is_named_with_the_closest_runs_and_exits_3(self):
        for args in (["tasks", "logs", "monthly", "download", "2021-03-01"],
                     ["tasks", "state", "monthly", "download", "2021-03-01"],
                     ["tasks", "mark", "monthly", "download", "2021-03-01", "--state", "success"],
                     ["tasks", "clear", "monthly", "-r", "2021-03-01", "-y"],
                     ["runs", "mark", "monthly", "2021-03-01", "--state", "failed"]):
            code, out, err = self.weir(*args)
            self.assertEqual(code, 3, f"{args}: {out}{err}")
            self.assertIn("DAG 'monthly' has no run '2021-03-01'", err, args)
            self.assertNotIn("no task", err, args)
            # The runs just before and after that date.
            self.assertIn(f"closest: {FEB}, test__2021-04-01T00:00:00+00:00", err, args)
        code, _, err = self.weir("tasks", "state", "monthly", "download", "test__2021-02-01")
        self.assertEqual(code, 3)
        self.assertIn(f"closest: {FEB}", err)

    def test_a_missing_task_is_named_with_the_closest_task(self):
        code, _, err = self.weir("tasks", "state", "monthly", "downlod", "2021-02-01")
        self.assertEqual(code, 3)
        self.assertIn(f"run '{FEB}' of DAG 'monthly' has no task 'downlod'", err)
        self.assertIn("did you mean 'download'", err)

    def test_an_unknown_command_is_named_with_the_closest_one_and_exits_2(self):
        code, _, err = self.weir("dags", "lst")
        self.assertEqual(code, 2)
        self.assertIn("'lst' is not a command of `weir dags`", err)
        self.assertIn("did you mean 'list'?", err)
        code, _, err = self.weir("tsks", "list", "monthly")
        self.assertEqual(code, 2)
        self.assertIn("'tsks' is not a command of `weir`", err)
        self.assertIn("did you mean 'tasks'?", err)


if __name__ == "__main__":
    unittest.main()
