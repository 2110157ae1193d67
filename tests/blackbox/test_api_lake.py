"""The lake catalog through the REST API, with the real binary: two months of a small CSV
converted to Parquet and landed by `weir dags test`, then read back with an API token:
datasets, objects (by prefix and by dataset), the schema history with the added column,
and one object's history."""

import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from harness import WEIR, WeirTestCase

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "dags", "land_demo.yaml")



class ApiLakeTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        with open(FIXTURE) as f:
            self.write_dag("land_demo.yaml", f.read())
        for day in ("2021-01-01", "2021-01-01", "2021-02-01"):  # January twice: a replaced object
            code, out, err = self.weir("dags", "test", "land_demo", day, timeout=120)
            self.assertEqual(code, 0, out + err)
        p = subprocess.run([WEIR, "users", "create", "vic", "--role", "viewer", "--password-stdin"],
                           input="pw-vic-12345\n", text=True, env=self.env(), capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        code, out, err = self.weir("users", "token", "vic", "--name", "lake", "-o", "json")
        self.assertEqual(code, 0, err)
        self.token = json.loads(out)["token"]
        proc = self.start("webserver", "--port", "0")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1)
        self.base = f"http://127.0.0.1:{port}/api/v1"

    def get(self, path, **params):
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def test_datasets_objects_schema_and_history(self):
        status, body = self.get("/lake/datasets")
        self.assertEqual(status, 200, body)
        (ds,) = body["datasets"]
        self.assertEqual((ds["dataset"], ds["objects"], ds["rows"], ds["schema_version"]),
                         ("raw/demo", 2, 5, 2))

        status, body = self.get("/lake/objects", dataset="raw/demo")
        self.assertEqual((status, body["total_entries"]), (200, 2))
        by_uri = {o["uri"]: o for o in body["objects"]}
        feb = by_uri["lake://raw/demo/year=2021/month=02/demo.parquet"]
        self.assertEqual((feb["rows"], feb["schema_version"]), (3, 2))
        self.assertEqual([c["name"] for c in feb["columns"]], ["id", "fare", "tip"])
        self.assertEqual((feb["dag_id"], feb["task_id"], feb["try_number"]),
                         ("land_demo", "put", 1))
        self.assertTrue(feb["run_id"].startswith("test__2021-02-01"))
        self.assertRegex(feb["sha256"], r"^[0-9a-f]{64}$")
        # By prefix: the same objects; another dataset's name: none.
        status, body = self.get("/lake/objects", prefix="lake://raw/demo/year=2021/month=01/")
        self.assertEqual([o["uri"] for o in body["objects"]],
                         ["lake://raw/demo/year=2021/month=01/demo.parquet"])
        status, body = self.get("/lake/objects", dataset="raw/other")
        self.assertEqual((status, body["total_entries"]), (200, 0))

        status, body = self.get("/lake/schema", dataset="raw/demo")
        self.assertEqual(status, 200, body)
        versions = {v["version"]: v for v in body["versions"]}
        self.assertEqual([c["name"] for c in versions[1]["columns"]], ["id", "fare"])
        self.assertIn("tip", versions[2]["change"])
        # The current schema: the union of January's and February's columns.
        self.assertEqual(body["current"]["versions"], [1, 2])
        self.assertEqual([(c["name"], c["type"]) for c in body["current"]["columns"]],
                         [("id", "BIGINT"), ("fare", "DOUBLE"), ("tip", "DOUBLE")])
        status, body = self.get("/lake/schema", dataset="raw/nope")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))

        # January was landed twice: the history has both, the old one marked replaced.
        status, body = self.get("/lake/history", uri="lake://raw/demo/year=2021/month=01/demo.parquet")
        self.assertEqual((status, body["total_entries"]), (200, 2), body)
        newest, oldest = body["versions"]
        self.assertIsNone(newest["replaced_at"])
        self.assertIsNotNone(oldest["replaced_at"])

    def test_the_lake_needs_a_login(self):
        req = urllib.request.Request(self.base + "/lake/datasets")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 401)


if __name__ == "__main__":
    import unittest
    unittest.main()
