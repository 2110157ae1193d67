"""A DAG whose file breaks after it loaded stays listed and scheduled with its last good
version, with the import error attached, also across a restart; fixing the file brings the
new version, deleting it makes the DAG "file gone"."""

import datetime
import os
import signal
import unittest

from harness import ApiClient, WeirTestCase, api_base, create_user

# Monthly, with every interval since start_date to catch up, one run at a time. Each run's
# task waits for its month's gate file, so the test decides when each run may finish (and
# so when the scheduler creates the next one).
GOOD = """dag_id: monthly
schedule: "@monthly"
start_date: {start}
catchup: true
max_active_runs: 1
tasks:
  - task_id: wait_for_gate
    operator: bash
    command: while [ ! -e "{gates}/{{{{ ds }}}}" ]; do sleep 0.05; done
"""


def months_back(n):
    """The first day of the month n months before this one, as YYYY-MM-DD."""
    today = datetime.date.today()
    index = today.year * 12 + today.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1).isoformat()


class LastGoodVersion(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.gates = os.path.join(self.home, "gates")
        os.makedirs(self.gates)
        self.months = [months_back(n) for n in range(5, 0, -1)]  # 5 ended intervals
        self.good = GOOD.format(start=self.months[0], gates=self.gates)
        self.path = self.write_dag("monthly.yaml", self.good)
        create_user(self, "vic", "viewer", "pw-vic-123")

    def open_gate(self, month):
        open(os.path.join(self.gates, month), "w").close()

    def start_processes(self):
        self.scheduler = self.start("scheduler")
        self.webserver = self.start("webserver", "--port", "0")
        self.api = ApiClient(api_base(self.webserver))
        status, body = self.api.login("vic", "pw-vic-123")
        self.assertEqual(status, 200, body)

    def stop_processes(self):
        for p in (self.scheduler, self.webserver):
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=60), 0)
            p.stdout.close()

    def run_of(self, month):
        for r in self.runs("monthly"):
            if r["logical_date"].startswith(month):
                return r
        return None

    def wait_run_state(self, month, state):
        return self.wait_for(f"the run of {month} {state}",
                             lambda: (r := self.run_of(month)) and r["state"] == state and r,
                             timeout=60)

    def version_id_of(self, month):
        return self.run_of(month)["version_id"]

    def api_dag(self):
        status, body = self.api.send("GET", "/dags/monthly")
        self.assertEqual(status, 200, body)
        return body

    def api_listed(self):
        status, body = self.api.send("GET", "/dags")
        self.assertEqual(status, 200, body)
        return {d["dag_id"]: d for d in body["dags"]}

    def assert_kept_with_error(self):
        """The broken DAG as the API and the CLI show it: listed, its schedule, its tasks,
        its next run, and the import error."""
        listed = self.wait_for("the DAG list to carry the import error",
                               lambda: self.api_listed().get("monthly", {}).get(
                                   "has_import_errors") and self.api_listed())
        for d in (listed["monthly"], self.api_dag()):
            self.assertTrue(d["is_active"], d)
            self.assertTrue(d["has_import_errors"], d)
            self.assertIn("monthly.yaml:", d["import_error"]["message"])
            self.assertIn("max_active_runs", d["import_error"]["message"])
            self.assertEqual(d["import_error"]["fileloc"], self.path)
            self.assertEqual(d["schedule"], "@monthly")
            self.assertNotEqual(d["schedule_description"], "Manual only")
            self.assertEqual(d["latest_version_id"], self.v1)
        detail = self.api_dag()
        self.assertEqual([t["task_id"] for t in detail["tasks"]], ["wait_for_gate"])
        self.assertEqual(detail["version_number"], 1)
        self.assertEqual(detail["max_active_runs"], 1)
        code, out, err = self.weir("dags", "list")
        self.assertEqual(code, 0, err)
        row = [line for line in out.splitlines() if line.startswith("monthly")]
        self.assertEqual(len(row), 1, out)
        self.assertIn("(import error)", row[0])
        self.assertIn("last good version", err)
        [listed_cli] = self.weir_json("dags", "list")
        self.assertTrue(listed_cli["has_import_errors"])
        self.assertIn("max_active_runs", listed_cli["import_error"])
        self.assertEqual(listed_cli["version"], 1)
        shown = self.weir_json("dags", "show", "monthly")
        self.assertTrue(shown["has_import_errors"])
        self.assertEqual(shown["max_active_runs"], 1)
        # A test runs the file as it is now, so it says why it cannot.
        code, _, err = self.weir("dags", "test", "monthly", self.months[0])
        self.assertEqual(code, 2)
        self.assertIn("does not load", err)
        self.assertIn("max_active_runs", err)

    def test_a_broken_file_keeps_the_dag_with_its_last_good_version(self):
        self.open_gate(self.months[0])
        self.start_processes()
        self.wait_run_state(self.months[0], "success")
        self.wait_run_state(self.months[1], "running")  # waits at its gate
        self.v1 = self.version_id_of(self.months[0])

        # The typo: the DAG stays, with the import error and its last good version.
        self.write_dag("monthly.yaml", self.good.replace("max_active_runs: 1",
                                                         "max_active_runs: two"))
        self.wait_for("the import error",
                      lambda: self.weir_json("dags", "errors"))
        self.assert_kept_with_error()
        # The scheduler goes on: the next month's run is created with the last good version.
        self.open_gate(self.months[1])
        self.wait_run_state(self.months[1], "success")
        self.wait_run_state(self.months[2], "running")
        self.assertEqual(self.version_id_of(self.months[2]), self.v1)

        # Restart while the file is broken: the last good version comes from the store.
        # Paused, the scheduler creates no run and leaves the running one be until unpaused.
        self.weir("dags", "pause", "monthly", check=0)
        self.open_gate(self.months[2])
        run_id = self.run_of(self.months[2])["run_id"]
        self.wait_for("the paused run's task to end", lambda: self.api.send(
            "GET", f"/dags/monthly/dagRuns/{run_id}/taskInstances/wait_for_gate")[1].get(
                "state") == "success")
        self.stop_processes()
        self.start_processes()
        self.assert_kept_with_error()
        self.assertIsNotNone(self.api_dag()["next_run"])
        for month in self.months[3:]:
            self.open_gate(month)
        self.weir("dags", "unpause", "monthly", check=0)
        for month in self.months[2:]:
            self.wait_run_state(month, "success")
            self.assertEqual(self.version_id_of(month), self.v1)

        # Fixed: the error goes and the new version is used.
        fixed = self.good.replace("max_active_runs: 1", "max_active_runs: 2")
        self.write_dag("monthly.yaml", fixed)
        detail = self.wait_for("the fixed version",
                               lambda: (d := self.api_dag())["version_number"] == 2 and d)
        self.assertFalse(detail["has_import_errors"])
        self.assertIsNone(detail["import_error"])
        self.assertEqual(detail["max_active_runs"], 2)
        self.assertFalse(self.api_listed()["monthly"]["has_import_errors"])
        self.assertEqual(self.weir_json("dags", "errors"), [])
        code, out, _ = self.weir("dags", "list")
        self.assertNotIn("import error", out)
        self.weir("dags", "trigger", "monthly", "--run-id", "after_fix", "--logical-date",
                  self.months[0], check=0)  # a month whose gate is open
        self.wait_for("the run after the fix", lambda: any(
            r["run_id"] == "after_fix" and r["state"] == "success"
            for r in self.runs("monthly")), timeout=60)
        [after_fix] = [r["version_id"] for r in self.runs("monthly") if r["run_id"] == "after_fix"]
        self.assertEqual(after_fix, detail["latest_version_id"])
        self.assertNotEqual(after_fix, self.v1)

        # Deleted: "file gone", as before.
        os.remove(self.path)
        self.wait_for("the DAG to be inactive", lambda: not self.api_dag()["is_active"])
        self.assertNotIn("monthly", self.api_listed())
        self.assertEqual(self.weir_json("dags", "list"), [])

    def test_a_dag_that_never_loaded_stays_an_import_error_only(self):
        self.write_dag("monthly.yaml", self.good.replace("max_active_runs: 1",
                                                         "max_active_runs: two"))
        self.assertEqual(self.weir_json("dags", "list"), [])
        self.assertEqual(len(self.weir_json("dags", "errors")), 1)

    def test_a_deleted_dag_whose_file_comes_back_broken_stays_gone(self):
        self.assertEqual([d["dag_id"] for d in self.weir_json("dags", "list")], ["monthly"])
        os.remove(self.path)
        self.assertEqual(self.weir_json("dags", "list"), [])
        self.write_dag("monthly.yaml", self.good.replace("max_active_runs: 1",
                                                         "max_active_runs: two"))
        self.assertEqual(self.weir_json("dags", "list"), [])
        self.assertEqual(len(self.weir_json("dags", "errors")), 1)


if __name__ == "__main__":
    unittest.main()
