"""Clear and mark, Airflow's way, through the REST API and the CLI: a dry run lists exactly
the task instances a change would touch and changes nothing; upstream, downstream, past and
future widen it only when asked (a mark never cascades by default); a task instance set by
hand says who marked it, when and from which state, until it is cleared."""

import getpass
import re

from harness import ApiClient, WeirTestCase, api_base, create_user

# A failed to_parquet leaves upload and external_table upstream_failed.
PIPELINE = """dag_id: lake_load
schedule: "@monthly"
start_date: 2021-01-01
catchup: false
tasks:
  - task_id: extract
    operator: empty
  - task_id: to_parquet
    operator: bash
    command: exit 1
    depends_on: [extract]
  - task_id: upload
    operator: empty
    depends_on: [to_parquet]
  - task_id: external_table
    operator: empty
    depends_on: [upload]
"""

TASKS = ["extract", "to_parquet", "upload", "external_table"]


class MarksTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.write_dag("lake_load.yaml", PIPELINE)
        for day in ("2021-06-01", "2021-07-01"):
            self.weir("dags", "test", "lake_load", day, timeout=60)
        runs = {r["logical_date"][:10]: r["run_id"] for r in self.runs("lake_load")}
        self.june, self.july = runs["2021-06-01"], runs["2021-07-01"]

    def state(self, run, task):
        return self.weir_json("tasks", "state", "lake_load", task, run)

    def states(self, run):
        return {t: self.state(run, t)["state"] for t in TASKS}

    def api(self):
        create_user(self, "olga", "op", "pw-olga-123")
        proc = self.start("webserver", "--port", "0")
        client = ApiClient(api_base(proc))
        self.assertEqual(client.login("olga", "pw-olga-123")[0], 200)
        return client

    def listed(self, answer):
        status, body = answer
        self.assertEqual(status, 200, body)
        return [(t["run_id"], t["task_id"]) for t in body["task_instances"]]

    def test_api_dry_run_lists_then_applies_and_a_mark_is_recorded(self):
        api = self.api()
        before = self.states(self.july)
        self.assertEqual(before, {"extract": "success", "to_parquet": "failed",
                                  "upload": "upstream_failed",
                                  "external_table": "upstream_failed"})
        mark = {"dag_run_id": self.july, "task_id": "to_parquet", "new_state": "success"}
        # Airflow's endpoint is a dry run unless told otherwise, and marks only the task asked.
        self.assertEqual(self.listed(api.send("POST", "/dags/lake_load/updateTaskInstancesState",
                                              mark)),
                         [(self.july, "to_parquet")])
        self.assertEqual(
            self.listed(api.send("POST", "/dags/lake_load/updateTaskInstancesState",
                                 dict(mark, include_downstream=True))),
            [(self.july, "to_parquet"), (self.july, "upload"), (self.july, "external_table")])
        self.assertEqual(
            self.listed(api.send("POST", "/dags/lake_load/updateTaskInstancesState",
                                 dict(mark, include_upstream=True, include_past=True))),
            [(self.june, "to_parquet"), (self.july, "to_parquet")])  # extract is success already
        self.assertEqual(self.states(self.july), before, "a dry run changed something")

        # weir's own path: applied, without cascading.
        path = f"/dags/lake_load/dagRuns/{self.july}/taskInstances/to_parquet"
        status, marked = api.send("PATCH", path, {"state": "success"})
        self.assertEqual(status, 200, marked)
        self.assertEqual([t["task_id"] for t in marked["task_instances"]], ["to_parquet"])
        self.assertEqual(self.states(self.july), dict(before, to_parquet="success"))
        status, ti = api.send("GET", path)
        self.assertEqual(ti["state"], "success")
        self.assertEqual(ti["marked"]["by"], "olga")
        self.assertEqual(ti["marked"]["from_state"], "failed")
        self.assertRegex(ti["marked"]["at"], r"^\d{4}-\d\d-\d\dT")
        status, upload = api.send("GET", f"/dags/lake_load/dagRuns/{self.july}/taskInstances/upload")
        self.assertIsNone(upload["marked"])
        status, grid = api.send("GET", "/dags/lake_load/grid")
        self.assertEqual(grid["cells"][self.july]["to_parquet"]["marked"]["by"], "olga")
        self.assertNotIn("marked", grid["cells"][self.july]["upload"])
        self.assertNotIn("marked", grid["cells"][self.june]["to_parquet"])

        # clearTaskInstances: Airflow's defaults, a dry run of the failed ones only.
        clear = {"dag_run_id": self.july, "task_ids": ["to_parquet"], "include_downstream": True}
        self.assertEqual(self.listed(api.send("POST", "/dags/lake_load/clearTaskInstances", clear)),
                         [(self.july, "upload"), (self.july, "external_table")])
        self.assertEqual(
            self.listed(api.send("POST", "/dags/lake_load/clearTaskInstances",
                                 dict(clear, only_failed=False))),
            [(self.july, "to_parquet"), (self.july, "upload"), (self.july, "external_table")])
        self.assertEqual(self.states(self.july), dict(before, to_parquet="success"))
        self.assertEqual(
            self.listed(api.send("POST", "/dags/lake_load/clearTaskInstances",
                                 dict(clear, only_failed=False, dry_run=False))),
            [(self.july, "to_parquet"), (self.july, "upload"), (self.july, "external_table")])
        cleared = self.state(self.july, "to_parquet")
        self.assertEqual((cleared["state"], cleared["marked"]), ("none", None))

        # A run's mark: the dry run lists its unfinished task instances.
        run_path = f"/dags/lake_load/dagRuns/{self.july}"
        self.assertEqual(self.listed(api.send("PATCH", run_path, {"state": "success",
                                                                  "dry_run": True})),
                         [(self.july, "external_table"), (self.july, "to_parquet"),
                          (self.july, "upload")])
        self.assertEqual(self.state(self.july, "upload")["state"], "none")
        status, run = api.send("PATCH", run_path, {"state": "success"})
        self.assertEqual((status, run["state"]), (200, "success"))
        self.assertEqual(self.state(self.july, "upload")["marked"]["by"], "olga")

        # Bad requests name the field.
        status, err = api.send("POST", "/dags/lake_load/updateTaskInstancesState",
                               dict(mark, new_state="running"))
        self.assertEqual(status, 400)
        self.assertIn("new_state", err["error"]["message"])
        status, err = api.send("POST", "/dags/lake_load/clearTaskInstances", {"task_ids": "x"})
        self.assertEqual(status, 400)

    def test_cli_dry_run_upstream_and_marks_that_do_not_cascade(self):
        code, out, err = self.weir("tasks", "clear", "lake_load", "-r", self.july, "-t",
                                   "^to_parquet$", "--upstream", "--downstream", "--dry-run")
        self.assertEqual(code, 0, err)
        self.assertIn("4 task instance(s) would be cleared (dry run)", out)
        for task in TASKS:
            self.assertIn(task, out)
        self.assertEqual(self.state(self.july, "to_parquet")["state"], "failed")

        code, out, err = self.weir("tasks", "clear", "lake_load", "-r", self.july, "-t",
                                   "^extract$", "--past", "--dry-run", "-o", "json")
        self.assertEqual(code, 0, err)
        self.assertIn(self.june, out)

        code, out, err = self.weir("tasks", "mark", "lake_load", "to_parquet", self.july,
                                   "--state", "success")
        self.assertEqual(code, 0, err)
        self.assertIn("to_parquet failed -> success", out)
        self.assertNotIn("upload", out)
        self.assertEqual(self.state(self.july, "upload")["state"], "upstream_failed")
        code, out, err = self.weir("tasks", "state", "lake_load", "to_parquet", self.july)
        self.assertEqual(out, "success\n")  # scripts compare it
        self.assertRegex(err.strip(), r"^success \(marked by " + re.escape(getpass.getuser()) +
                         r" at \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC, was failed; its last try was 1\)$")
        marked = self.state(self.july, "to_parquet")["marked"]
        self.assertEqual((marked["by"], marked["from_state"]), (getpass.getuser(), "failed"))

        self.weir("tasks", "clear", "lake_load", "-r", self.july, "-t", "^to_parquet$", "-y",
                  check=0)
        self.assertEqual(self.state(self.july, "to_parquet")["marked"], None)


if __name__ == "__main__":
    import unittest
    unittest.main()


class AMarkFromAnotherProcessKillsTheRunningAttempt(WeirTestCase):
    """`weir webserver` runs no attempts: a mark made through it ends the attempt that the
    scheduler's executor started, by the pid and start time its try recorded (its whole
    process group)."""

    def test_marking_a_running_task_failed_through_the_webserver_kills_its_process_group(self):
        import os
        from test_faults import read_int
        from test_recovery import alive
        pidfile = os.path.join(self.home, "child.pid")
        self.write_dag("slow.yaml", f"""dag_id: slow
tasks:
  - task_id: wait
    operator: bash
    command: sleep 1000 & echo $! > {pidfile}; wait
""")
        self.start("scheduler")
        create_user(self, "olga", "op", "pw-olga-123")
        client = ApiClient(api_base(self.start("webserver", "--port", "0")))
        self.assertEqual(client.login("olga", "pw-olga-123")[0], 200)
        status, run = client.send("POST", "/dags/slow/dagRuns", {})
        self.assertEqual(status, 200, run)
        path = f"/dags/slow/dagRuns/{run['run_id']}/taskInstances/wait"
        self.wait_for("the task to run", lambda: read_int(pidfile) > 0
                      and client.send("GET", path)[1]["state"] == "running", timeout=60)
        child = read_int(pidfile)
        self.addCleanup(lambda: alive(child) and os.kill(child, 9))
        status, body = client.send("PATCH", path, {"state": "failed"})
        self.assertEqual(status, 200, body)
        self.wait_for("the attempt's process group to end", lambda: not alive(child), timeout=30)
        self.assertEqual(client.send("GET", path)[1]["state"], "failed")
