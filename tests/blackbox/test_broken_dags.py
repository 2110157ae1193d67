"""Broken DAG files become precise import errors; good DAGs are unaffected."""

import json
import unittest

from harness import WeirTestCase

GOOD = """
dag_id: good
tasks:
  - task_id: hello
    operator: bash
    command: echo hello
"""

BROKEN = {
    "syntax.yaml": ("dag_id: syntax\ntasks:\n  - task_id: a\n    operator: bash\n"
                    "    command: [unclosed\n", ["syntax.yaml:", "YAML syntax error"]),
    "cycle.yaml": ("""dag_id: cycle
tasks:
  - {task_id: a, operator: empty, depends_on: [c]}
  - {task_id: b, operator: empty, depends_on: [a]}
  - {task_id: c, operator: empty, depends_on: [b]}
""", ["cycle.yaml:", "cycle", "a -> b -> c -> a"]),
    "upstream.yaml": ("""dag_id: upstream
tasks:
  - {task_id: extract, operator: empty}
  - {task_id: load, operator: empty, depends_on: [extrct]}
""", ["upstream.yaml:4:", "extrct", "did you mean 'extract'"]),
    "cron.yaml": ("""dag_id: cron
schedule: "0 25 * * *"
start_date: 2021-01-01
tasks:
  - {task_id: a, operator: empty}
""", ["cron.yaml:2:", "0 25 * * *", "hour"]),
    "operator.yaml": ("""dag_id: operator
tasks:
  - {task_id: a, operator: bashh, command: ls}
""", ["operator.yaml:3:", "unknown operator 'bashh'", "bash"]),
    "template.yaml": ("""dag_id: template
tasks:
  - task_id: a
    operator: bash
    command: echo {{ ds_nodsh }}
""", ["template.yaml:5:", "ds_nodsh", "did you mean 'ds_nodash'"]),
    "key.yaml": ("""dag_id: key
tasks:
  - task_id: a
    operator: bash
    command: ls
    retires: 3
""", ["key.yaml:6:5", "retires", "did you mean 'retries'"]),
    "duration.yaml": ("""dag_id: duration
tasks:
  - task_id: a
    operator: bash
    command: ls
    retry_delay: 10 parsecs
""", ["duration.yaml:6:", "10 parsecs"]),
    "date.yaml": ("""dag_id: date
schedule: "@daily"
start_date: 2021-13-45
tasks:
  - {task_id: a, operator: empty}
""", ["date.yaml:3:", "2021-13-45"]),
}


class BrokenDags(WeirTestCase):
    def test_each_broken_file_is_a_precise_import_error_and_good_dags_run(self):
        self.write_dag("good.yaml", GOOD)
        for name, (text, _) in BROKEN.items():
            self.write_dag(name, text)
        code, out, err = self.weir("dags", "errors")
        self.assertEqual(code, 0, err)
        for name, (_, expected) in BROKEN.items():
            for fragment in expected:
                self.assertIn(fragment, out, f"{name}: {fragment!r} missing from:\n{out}")
        errors = self.weir_json("dags", "errors")
        self.assertEqual(sorted(e["file"].rsplit("/", 1)[1] for e in errors), sorted(BROKEN))
        ids = [d["dag_id"] for d in self.weir_json("dags", "list")]
        self.assertEqual(ids, ["good"])
        code, out, _ = self.weir("dags", "test", "good", "2021-01-01")
        self.assertEqual(code, 0, out)

    def test_fixing_a_file_clears_its_error(self):
        self.write_dag("upstream.yaml", BROKEN["upstream.yaml"][0])
        self.assertEqual(len(self.weir_json("dags", "errors")), 1)
        self.write_dag("upstream.yaml", BROKEN["upstream.yaml"][0].replace("extrct", "extract"))
        self.assertEqual(self.weir_json("dags", "errors"), [])
        self.assertEqual([d["dag_id"] for d in self.weir_json("dags", "list")], ["upstream"])

    def test_a_broken_dag_named_on_the_command_line_says_why(self):
        self.write_dag("cycle.yaml", BROKEN["cycle.yaml"][0])
        code, _, err = self.weir("dags", "test", "cycle")
        self.assertEqual(code, 2)
        self.assertIn("does not load", err)
        self.assertIn("cycle", err)


if __name__ == "__main__":
    unittest.main()
