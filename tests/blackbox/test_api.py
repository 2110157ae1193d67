"""The REST API's read side with the real binary: weir webserver on a free port, the
scheduler's records behind it, JSON errors, pagination, logs, and paths that try to leave
the logs folder."""

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

from harness import WeirTestCase


class ApiTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.copy_example("simple_dag.yaml")
        self.copy_example("example_params.yaml")
        self.weir("variables", "set", "token", "s3cr3t", "--secret", check=0)
        self.weir("variables", "set", "base_url", "https://example.org", check=0)
        self.weir("dags", "test", "simple_dag", "2021-01-01", timeout=60, check=0)
        proc = self.start("webserver", "--port", "0")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output)
        self.assertIsNotNone(port, proc.startup_output)
        self.base = f"http://127.0.0.1:{port.group(1)}/api/v1"

    def get(self, path):
        """(status, JSON body)."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def test_dags_runs_task_instances_and_logs(self):
        status, health = self.get("/health")
        self.assertEqual(status, 200)
        self.assertEqual(health["metadatabase"]["status"], "healthy")

        status, dags = self.get("/dags")
        self.assertEqual(status, 200)
        self.assertEqual(dags["total_entries"], 2)
        by_id = {d["dag_id"]: d for d in dags["dags"]}
        self.assertEqual(by_id["simple_dag"]["schedule_description"], "Every day at 00:00 (UTC)")
        self.assertEqual(by_id["simple_dag"]["recent_runs"][0]["state"], "success")
        status, page = self.get("/dags?limit=1&offset=1")
        self.assertEqual([d["dag_id"] for d in page["dags"]], ["simple_dag"])
        self.assertEqual(page["total_entries"], 2)
        status, filtered = self.get("/dags?dag_id_pattern=PARAM")
        self.assertEqual([d["dag_id"] for d in filtered["dags"]], ["example_params"])

        status, dag = self.get("/dags/example_params")
        self.assertEqual(status, 200)
        self.assertIn("color", [p["name"] for p in dag["params"]])
        status, source = self.get("/dags/simple_dag/source")
        with open(os.path.join(self.dags, "simple_dag.yaml")) as f:
            self.assertEqual(source["source"], f.read())

        status, runs = self.get("/dags/simple_dag/dagRuns")
        self.assertEqual(runs["total_entries"], 1)
        run = runs["dag_runs"][0]
        self.assertEqual(run["data_interval_start"], "2021-01-01T00:00:00Z")
        run_path = "/dags/simple_dag/dagRuns/" + urllib.parse.quote(run["run_id"], safe="")
        status, tis = self.get(run_path + "/taskInstances")
        self.assertEqual({t["task_id"]: t["state"] for t in tis["task_instances"]},
                         {"print_date": "success", "sleep": "success", "print_end": "success"})
        status, ti = self.get(run_path + "/taskInstances/print_date")
        self.assertEqual(ti["tries"][0]["exit_code"], 0)
        self.assertIn("return_value", ti["xcom"])

        status, log = self.get(run_path + "/taskInstances/print_date/logs/1")
        self.assertEqual(status, 200)
        self.assertIn("dag simple_dag task print_date", log["content"])
        self.assertTrue(log["finished"])
        status, rest = self.get(run_path + f"/taskInstances/print_date/logs/1?offset={log['next_offset']}")
        self.assertEqual(rest["content"], "")
        self.assertEqual(rest["next_offset"], log["size"])

    def test_errors_are_json_and_paths_cannot_escape(self):
        status, body = self.get("/dags/nope")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        status, body = self.get("/dags?limit=5000")
        self.assertEqual(status, 400)
        self.assertIn("limit", body["error"]["message"])
        status, body = self.get("/no/such/thing")
        self.assertEqual(status, 404)
        # ../ in ids: the ids must name a task instance the store has, so nothing is read.
        for evil in ("%2E%2E%2F%2E%2E%2Fweir.yaml", "..%2F..%2F..%2Fetc%2Fpasswd"):
            status, body = self.get(f"/dags/simple_dag/dagRuns/{evil}/taskInstances/x/logs/1")
            self.assertEqual(status, 404, body)
            self.assertIn("error", body)
        status, body = self.get("/dags/simple_dag/dagRuns/x/taskInstances/y/logs/0")
        self.assertEqual(status, 400)

    def test_secrets_never_come_back(self):
        status, variables = self.get("/variables")
        values = {v["key"]: v["value"] for v in variables["variables"]}
        self.assertEqual(values, {"base_url": "https://example.org", "token": "***"})
        status, pools = self.get("/pools")
        self.assertIn("default_pool", [p["name"] for p in pools["pools"]])


if __name__ == "__main__":
    import unittest
    unittest.main()
