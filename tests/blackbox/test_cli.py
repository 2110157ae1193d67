"""The command line: help, errors and exit codes, variables, rendering, standalone."""

import json
import os
import re
import unittest

from harness import EXAMPLES, WeirTestCase


class Cli(WeirTestCase):
    def test_version_and_help(self):
        self.assertEqual(self.weir("version")[1].strip(), "weir 0.1.0")
        code, out, _ = self.weir("--help")
        self.assertEqual(code, 0)
        for group in ("dags", "tasks", "runs", "db", "variables", "scheduler", "standalone"):
            self.assertIn(group, out)

    def test_unknown_dag_exits_3_with_a_suggestion(self):
        self.copy_example("simple_dag.yaml")
        code, _, err = self.weir("dags", "show", "simple_dgа")
        self.assertEqual(code, 3)
        code, _, err = self.weir("dags", "show", "simple_dg")
        self.assertEqual(code, 3)
        self.assertIn("did you mean 'simple_dag'", err)

    def test_bad_usage_exits_2(self):
        self.assertEqual(self.weir("dags", "frobnicate")[0], 2)

    def test_variables_and_env_override_in_templates(self):
        self.weir("variables", "set", "base_url", "https://example.org/data", check=0)
        self.assertEqual(self.weir("variables", "get", "base_url")[1].strip(),
                         "https://example.org/data")
        self.weir("variables", "set", "token", "s3cret", "--secret", check=0)
        listed = {v["key"]: v["value"] for v in self.weir_json("variables", "list")}
        self.assertEqual(listed, {"base_url": "https://example.org/data", "token": "***"})
        self.write_dag("v.yaml", """
dag_id: v
tasks:
  - task_id: get
    operator: bash
    command: curl {{ var.value.base_url }}/{{ ds_nodash }}.csv
""")
        args = json.loads(self.weir("tasks", "render", "v", "get", "2021-03-05", "-o", "json")[1])
        self.assertEqual(args["command"], "curl https://example.org/data/20210305.csv")
        args = json.loads(self.weir("tasks", "render", "v", "get", "2021-03-05", "-o", "json",
                                    env=self.env(WEIR_VAR_BASE_URL="http://127.0.0.1:9"))[1])
        self.assertEqual(args["command"], "curl http://127.0.0.1:9/20210305.csv")
        self.weir("variables", "delete", "base_url", check=0)
        code, _, err = self.weir("tasks", "render", "v", "get", "2021-03-05")
        self.assertNotEqual(code, 0)
        self.assertIn("base_url", err)

    def test_tasks_test_prints_the_log_and_records_nothing(self):
        self.copy_example("simple_dag.yaml")
        code, out, _ = self.weir("tasks", "test", "simple_dag", "print_end", "2021-01-01")
        self.assertEqual(code, 0)
        self.assertIn("finished the run for 2021-01-01", out)
        self.assertIn("task print_end success", out)
        self.assertEqual(self.query("SELECT count(*) FROM task_instance"), [(0,)])
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(0,)])

    def test_show_next_runs_and_runs_list(self):
        self.copy_example("example_templates.yaml")
        shown = self.weir_json("dags", "show", "example_templates")
        self.assertEqual(shown["timezone"], "Europe/Berlin")
        self.assertEqual([t["task_id"] for t in shown["tasks"]], ["dates", "use_xcom"])
        nxt = self.weir_json("dags", "next-runs", "example_templates", "-n", "2")
        self.assertEqual(len(nxt), 2)
        # 06:00 on day 2 of the month in Berlin is 05:00 or 04:00 UTC.
        for r in nxt:
            self.assertRegex(r["data_interval_start"], r"-02T0[45]:00:00Z")
        self.weir("dags", "test", "example_templates", "2021-03-02T06:00", check=0)
        runs = self.weir_json("runs", "list", "--state", "success")
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["data_interval_start"], "2021-03-02T05:00:00Z")
        self.assertEqual(runs[0]["data_interval_end"], "2021-04-02T04:00:00Z")
        self.assertEqual(self.weir("runs", "list", "--state", "nope")[0], 2)

    def test_standalone_creates_a_fresh_home_with_the_examples(self):
        home = os.path.join(self.home, "fresh")
        env = self.env(WEIR_HOME=home)
        # Looking around first must not keep standalone from adding the examples.
        self.weir("dags", "list", env=env, check=0)
        self.assertFalse(os.path.exists(os.path.join(home, "weir.yaml")))
        proc = self.start("standalone", env=env)
        self.assertIn("(created, with the example DAGs)", proc.startup_output)
        self.assertTrue(os.path.exists(os.path.join(home, "weir.yaml")))
        self.assertTrue(os.path.exists(os.path.join(home, "dags", "simple_dag.yaml")))
        shipped = len([n for n in os.listdir(EXAMPLES) if n.endswith(".yaml")])
        self.assertIn(f"{shipped} DAGs, 0 import errors", proc.startup_output)
        # The admin's random password: printed once, kept in a file only its owner reads.
        printed = re.search(r"login      admin / (\S+) \(also in (\S+)\)", proc.startup_output)
        self.assertIsNotNone(printed, proc.startup_output)
        path = os.path.join(home, "standalone_admin_password.txt")
        self.assertEqual(printed.group(2), path)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            self.assertEqual(f.read().strip(), printed.group(1))
        self.assertGreaterEqual(len(printed.group(1)), 20)
        self.assertRegex(proc.startup_output, r"api        http://127\.0\.0\.1:\d+/api/v1")


if __name__ == "__main__":
    unittest.main()
