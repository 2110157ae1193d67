"""Transfer jobs from the command line: `weir transfers create|update|list|show|run|pause|
unpause|delete`. A job is a record and a generated DAG in the DAGs folder: it is listed with
the DAGs, runs like one, and its counters come back in `transfers list` and `show`."""

import json
import os
import unittest

from harness import WeirTestCase


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
        self.assertEqual(job["last_run_state"], "success")
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
        self.assertEqual(os.listdir(self.job_dir), [])
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


if __name__ == "__main__":
    unittest.main()
