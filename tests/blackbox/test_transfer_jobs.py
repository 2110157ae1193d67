"""Transfer jobs from the command line: `weir transfers create|update|list|show|run|pause|
unpause|delete`, and the same jobs through the REST API (/api/v1/transfers) of a running
scheduler and webserver. A job is a record and a generated DAG in the DAGs folder: it is
listed with the DAGs, runs like one, and its counters come back in `transfers list` and
`show`, and in the API with its per-object report."""

import json
import os
import unittest
import urllib.request

from harness import ApiClient, WeirTestCase, api_base, create_user


class TransferJobsTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.src = os.path.join(self.home, "src")
        self.dst = os.path.join(self.home, "dst")
        for rel, data in {"a/x.csv": "1,2\n", "a/y.csv": "3\n", "b/z.csv": "z\n"}.items():
            os.makedirs(os.path.dirname(os.path.join(self.src, rel)), exist_ok=True)
            with open(os.path.join(self.src, rel), "w") as f:
                f.write(data)
        self.job_dir = os.path.join(self.home, "dags", "transfers")

    def read_record(self):
        with open(os.path.join(self.job_dir, "nightly.job.json")) as f:
            return f.read()

    def create(self, *extra, check=None):
        return self.weir("transfers", "create", "nightly", "--source", f"file://{self.src}/",
                         "--sink", f"file://{self.dst}/", *extra, check=check)

    def test_a_job_is_a_dag_that_runs_and_reports_its_counters(self):
        code, out, err = self.create("--start-date", "2026-12-06", "--start-time", "02:30",
                                     "--repeat-interval", "6h", "--set", 'include_prefixes=["a/"]',
                                     "--description", "the a folder, four times a day")
        self.assertIn("every 6h from 2026-12-06 02:30 UTC", out)
        # The generated DAG: its intervals end at the service's start times.
        with open(os.path.join(self.job_dir, "nightly.yaml")) as f:
            dag = f.read()
        self.assertIn('schedule: "every 21600s"', dag)
        self.assertIn('start_date: "2026-12-05T20:30:00Z"', dag)
        (listed,) = [d for d in self.weir_json("dags", "list")
                     if d["dag_id"] == "nightly"]
        self.assertEqual(listed["tags"], ["transfer"])

        self.weir("dags", "test", "nightly", "2026-12-06", check=0)
        self.assertEqual(sorted(os.listdir(os.path.join(self.dst, "a"))), ["x.csv", "y.csv"])
        self.assertFalse(os.path.exists(os.path.join(self.dst, "b")))
        (job,) = self.weir_json("transfers", "list")
        self.assertEqual(job["name"], "nightly")
        self.assertEqual(job["last_run"]["state"], "success")
        self.assertEqual(job["last_run_summary"]["counters"]["objects_copied_to_sink"], 2)
        shown = self.weir_json("transfers", "show", "nightly")
        self.assertEqual(shown["schedule"]["repeat_interval"], "21600s")
        self.assertEqual(shown["runs"][0]["summary"]["counters"]["bytes_copied_to_sink"], 6)

        # run, pause and unpause act on the job's DAG.
        _, out, _ = self.weir("transfers", "run", "nightly", check=0)
        self.assertIn("Created run manual__", out)
        self.weir("transfers", "pause", "nightly", check=0)
        self.assertTrue(self.weir_json("transfers", "list")[0]["paused"])
        self.weir("transfers", "unpause", "nightly", check=0)
        self.assertFalse(self.weir_json("transfers", "list")[0]["paused"])

        # An update keeps what it does not name; a bad one changes nothing.
        self.weir("transfers", "update", "nightly", "--no-schedule", check=0)
        with open(os.path.join(self.job_dir, "nightly.yaml")) as f:
            self.assertIn("schedule: null", f.read())
        before = self.read_record()
        code, out, err = self.weir("transfers", "update", "nightly", "--start-date",
                                   "2026-12-06", "--repeat-interval", "30m")
        self.assertEqual(code, 2, out + err)
        self.assertIn("repeat_interval is 30m; it must be at least 1 hour", err)
        self.assertEqual(self.read_record(), before)
        record = json.loads(before)
        self.assertEqual(record["transfer_spec"]["include_prefixes"], ["a/"])
        self.assertEqual(record["description"], "the a folder, four times a day")

        # Who did what is in the audit log.
        events = [e["event"] for e in self.weir_json("audit", "list")]
        self.assertIn("transfer_job_create", events)
        self.assertIn("transfer_job_update", events)

        self.weir("transfers", "delete", "nightly", check=0)
        self.assertEqual(os.listdir(self.job_dir), [])
        code, _, err = self.weir("transfers", "show", "nightly")
        self.assertEqual(code, 3)
        self.assertIn("no transfer job named 'nightly'", err)

    def test_mistakes_are_refused_and_leave_nothing(self):
        code, _, err = self.create("--set", "delete_objects_unique_in_sink=true",
                                   "--set", "delete_objects_from_source_after_transfer=true")
        self.assertEqual(code, 2)
        self.assertIn("mutually exclusive", err)
        code, _, err = self.create("--start-date", "2026-02-30")
        self.assertEqual(code, 2)
        self.assertIn("2026-02-30 is not a day of the calendar", err)
        code, _, err = self.weir("transfers", "create", "../up", "--source",
                                 f"file://{self.src}/", "--sink", f"file://{self.dst}/")
        self.assertEqual(code, 2)
        self.assertIn("bad dag_id", err)
        # A name that another DAG has: refused, and the job's files are removed again.
        self.write_dag("nightly.yaml", "dag_id: nightly\ntasks: []\n")
        code, _, err = self.create()
        self.assertNotEqual(code, 0)
        self.assertIn("nightly", err)
        self.assertFalse(os.path.exists(self.job_dir) and os.listdir(self.job_dir))
        self.create("--json", "-", check=None)  # nothing on stdin: refused, not a crash

    def test_a_job_from_json_as_the_transfer_service_writes_it(self):
        job = {"name": "from_json",
               "transferSpec": {"source": f"file://{self.src}/", "sink": f"file://{self.dst}/",
                                "transferOptions": {"deleteObjectsUniqueInSink": True}},
               "schedule": {"scheduleStartDate": {"year": 2026, "month": 12, "day": 6},
                            "scheduleEndDate": {"year": 2026, "month": 12, "day": 6},
                            "startTimeOfDay": {"hours": 9, "minutes": 15}}}
        path = os.path.join(self.home, "job.json")
        with open(path, "w") as f:
            json.dump(job, f)
        _, out, _ = self.weir("transfers", "create", "from_json", "--json", path, check=0)
        self.assertIn("once at 2026-12-06 09:15 UTC", out)
        with open(os.path.join(self.job_dir, "from_json.yaml")) as f:
            dag = f.read()
        self.assertIn('schedule: "@once"', dag)
        self.assertIn("delete_objects_unique_in_sink: true", dag)

    def test_the_api_makes_a_job_the_scheduler_runs_and_serves_its_report(self):
        create_user(self, "otto", "op", "pw-otto-123")
        create_user(self, "vera", "viewer", "pw-vera-123")
        self.start("scheduler")
        web = self.start("webserver", "--port", "0")
        op, viewer = ApiClient(api_base(web)), ApiClient(api_base(web))
        self.assertEqual(op.login("otto", "pw-otto-123")[0], 200)
        self.assertEqual(viewer.login("vera", "pw-vera-123")[0], 200)
        job = {"name": "api_job", "transferSpec": {
            "source": f"file://{self.src}/", "sink": f"file://{self.dst}/",
            "objectConditions": {"includePrefixes": ["a/"]}}}
        status, body = op.send("POST", "/transfers/validate", dict(job, name="../x"))
        self.assertEqual((status, body["valid"], body["field"]), (200, False, "name"), body)
        self.assertEqual(viewer.send("POST", "/transfers", job)[0], 403)
        status, body = op.send("POST", "/transfers", job)
        self.assertEqual(status, 200, body)
        # The CLI sees the job the API made, and the DAG list has its DAG.
        self.assertEqual([j["name"] for j in self.weir_json("transfers", "list")], ["api_job"])
        status, body = op.send("POST", "/transfers/api_job/run", {})
        self.assertEqual(status, 200, body)
        run_id = body["run_id"]

        def finished():
            _, got = viewer.send("GET", "/transfers/api_job")
            run = got["runs"][0]
            return run if run["run"]["state"] in ("success", "failed") else None
        run = self.wait_for("the transfer run to finish", finished, timeout=60, interval=0.3)
        self.assertEqual(run["run"]["state"], "success", run)
        self.assertEqual(run["summary"]["counters"]["objects_copied_to_sink"], 2)
        self.assertEqual(sorted(os.listdir(os.path.join(self.dst, "a"))), ["x.csv", "y.csv"])

        quoted = urllib.request.quote(run_id, safe="")
        status, page = viewer.send("GET", f"/transfers/api_job/runs/{quoted}/report?action=copied")
        self.assertEqual(status, 200, page)
        self.assertEqual(sorted(e["key"] for e in page["entries"]), ["a/x.csv", "a/y.csv"])
        self.assertEqual(page["counts"], {"copied": 2})
        # The whole report, as a file to save.
        req = urllib.request.Request(f"{viewer.base}/transfers/api_job/runs/{quoted}/report.jsonl")
        with viewer.opener.open(req, timeout=10) as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
            self.assertIn("attachment; filename=\"api_job_", r.headers["Content-Disposition"])
            lines = [json.loads(line) for line in r.read().decode().splitlines()]
        self.assertEqual(sorted(line["key"] for line in lines), ["a/x.csv", "a/y.csv"])

        status, body = op.send("DELETE", "/transfers/api_job")
        self.assertEqual((status, body), (200, {"deleted": "api_job"}))
        self.assertEqual(self.weir_json("transfers", "list"), [])
        events = [e["event"] for e in self.weir_json("audit", "list")]
        self.assertIn("transfer_job_create", events)
        self.assertIn("transfer_job_delete", events)


if __name__ == "__main__":
    unittest.main()
