"""Why a run or a task waits, with the real binary: a run held back by max_active_runs says so
(and names the run that holds it) in the API and in `weir tasks failed-deps`; a cleared run
is queued again with a fresh queued_at."""

import os
import unittest

from harness import ApiClient, WeirTestCase, api_base, create_user

# `hold` runs until the test creates the file `release` in the home: a run that stays
# active as long as the test needs, without a timing.
HOLD_DAG = """
dag_id: waits
max_active_runs: 1
tasks:
  - task_id: hold
    operator: bash
    command: while [ ! -e {release} ]; do sleep 0.1; done
  - task_id: after
    operator: bash
    depends_on: [hold]
    command: echo done
"""

QUICK_DAG = """
dag_id: quick
tasks:
  - task_id: only
    operator: bash
    command: echo quick
"""


class Waits(WeirTestCase):

    def run_of(self, dag_id, run_id):
        return next(r for r in self.runs(dag_id) if r["run_id"] == run_id)

    def ti_state(self, dag_id, run_id, task_id):
        rows = self.query("SELECT state FROM task_instance WHERE dag_id=? AND run_id=? AND "
                          "task_id=?", dag_id, run_id, task_id)
        return rows[0][0] if rows else None

    def test_a_run_held_by_max_active_runs_says_so_in_the_api_and_the_cli(self):
        release = os.path.join(self.home, "release")
        self.addCleanup(lambda: open(release, "w").close())
        self.write_dag("waits.yaml", HOLD_DAG.format(release=release))
        # A home that is set up already: standalone adds no example DAGs.
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("# defaults\n")
        proc = self.start("standalone")
        self.weir("dags", "unpause", "waits", check=0)
        create_user(self, "vic", "viewer", "pw-vic-123456")
        api = ApiClient(api_base(proc))
        self.assertEqual(api.login("vic", "pw-vic-123456")[0], 200)

        self.weir("dags", "trigger", "waits", "--run-id", "first", check=0)
        self.wait_for("first's hold to run",
                      lambda: self.ti_state("waits", "first", "hold") == "running")
        self.weir("dags", "trigger", "waits", "--run-id", "second", check=0)

        # The run: queued, waiting for max_active_runs, naming the run that is active.
        status, body = api.send("GET", "/dags/waits/dagRuns/second/dependencies")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "queued")
        self.assertEqual(body["status"], "waiting")
        self.assertEqual([d["code"] for d in body["dependencies"]], ["max_active_runs"])
        dep = body["dependencies"][0]
        self.assertEqual(dep["name"], "Max Active Runs")
        self.assertEqual(dep["details"], {"max_active_runs": 1, "running": 1, "runs": ["first"]})
        self.assertEqual(dep["reason"],
                         "max_active_runs: 1 of 1 runs of DAG 'waits' are running (first)")
        self.assertEqual(body["summary"], "Waiting for: " + dep["reason"])
        tasks = {t["task_id"]: t for t in body["task_instances"]}
        self.assertEqual([d["code"] for d in tasks["hold"]["dependencies"]],
                         ["run_not_started", "max_active_runs"])

        # Airflow's task instance endpoint says the same of one task.
        status, body = api.send("GET", "/dags/waits/dagRuns/second/taskInstances/hold/dependencies")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "none")
        self.assertEqual([d["name"] for d in body["dependencies"]],
                         ["Dagrun Running State", "Max Active Runs"])
        # In the active run, `after` waits for its upstream, with the trigger rule.
        status, body = api.send("GET", "/dags/waits/dagRuns/first/taskInstances/after/dependencies")
        self.assertEqual(status, 200, body)
        self.assertEqual([d["code"] for d in body["dependencies"]], ["upstream"])
        self.assertEqual(body["dependencies"][0]["details"],
                         {"trigger_rule": "all_success",
                          "upstream": [{"task_id": "hold", "state": "running"}]})
        status, body = api.send("GET", "/dags/waits/dagRuns/first/taskInstances/hold/dependencies")
        self.assertEqual((status, body["status"], body["dependencies"]), (200, "running", []))
        status, body = api.send("GET", "/dags/waits/dagRuns/second/taskInstances/nope/dependencies")
        self.assertEqual(status, 404, body)

        # The CLI: Airflow's `tasks failed-deps`.
        code, out, err = self.weir("tasks", "failed-deps", "waits", "hold", "second")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "Task instance dependencies not met:\n"
                              "Dagrun Running State: its run second has not started (queued)\n"
                              "Max Active Runs: max_active_runs: 1 of 1 runs of DAG 'waits' are "
                              "running (first)\n")
        deps = self.weir_json("tasks", "failed-deps", "waits", "hold", "second")
        self.assertEqual(deps["dependencies"][1]["details"]["runs"], ["first"])
        code, out, _ = self.weir("tasks", "failed-deps", "waits", "hold", "first")
        self.assertEqual((code, out), (0, "Task instance is running: it waits for nothing.\n"))
        code, _, err = self.weir("tasks", "failed-deps", "waits", "hold", "no_such_run")
        self.assertEqual(code, 3, err)

        # Released, both runs finish; then nothing waits.
        open(release, "w").close()
        self.wait_for("both runs to succeed", lambda: [r["state"] for r in self.runs("waits")] ==
                      ["success", "success"], timeout=60)
        code, out, _ = self.weir("tasks", "failed-deps", "waits", "after", "second")
        self.assertEqual((code, out),
                         (0, "Task instance is success: it runs again only when it is cleared.\n"))

    def test_a_cleared_run_is_queued_again_with_a_fresh_queued_at(self):
        self.write_dag("quick.yaml", QUICK_DAG)
        self.start("scheduler")
        self.weir("dags", "unpause", "quick", check=0)
        self.weir("dags", "trigger", "quick", "--run-id", "r", check=0)
        self.wait_for("the run to succeed", lambda: self.run_of("quick", "r")["state"] == "success")
        first = self.run_of("quick", "r")
        self.weir("tasks", "clear", "quick", "--run-id", "r", "--yes", check=0)
        cleared = self.run_of("quick", "r")
        # ISO 8601 UTC with microseconds: later is greater as text.
        self.assertGreater(cleared["queued_at"], first["queued_at"])
        self.assertGreater(cleared["queued_at"], first["end_date"])
        self.wait_for("the cleared run to succeed again",
                      lambda: self.run_of("quick", "r")["state"] == "success")
        again = self.run_of("quick", "r")
        self.assertEqual(again["queued_at"], cleared["queued_at"])
        self.assertGreaterEqual(again["start_date"], cleared["queued_at"])


if __name__ == "__main__":
    unittest.main()
