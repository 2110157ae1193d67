"""S3 lakes end to end: lake_put to an s3:// target through a named aws connection, a default
lake in an S3 bucket (weir.yaml `lake` + `lake_conn_id`), and refused keys. The server is
s3rver 5 (tests/js, installed by scripts/setup), which checks SigV4 signatures; objects are
read back with the tests' own signer, not weir's."""

import hashlib
import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import ROOT, WeirTestCase

sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from sigv4 import signed_request  # noqa: E402

CSV = b"VendorID,fare\n1,2.5\n"

DAG = """
dag_id: land
tasks:
  - task_id: make
    operator: bash
    command: printf 'VendorID,fare\\n1,2.5\\n' > "$WEIR_WORK_DIR/out.csv" && echo "$WEIR_WORK_DIR/out.csv"
  - task_id: put
    operator: lake_put
    depends_on: [make]
    input: "{{ ti.xcom_pull('make') }}"
    target: "TARGET"
    aws_conn_id: minio
"""


class S3Lake(WeirTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen(
            ["node", "--openssl-legacy-provider", os.path.join(ROOT, "tests", "js",
                                                               "s3_server.cjs")],
            stdout=subprocess.PIPE, text=True)
        line = cls.server.stdout.readline()
        if not line.startswith("PORT "):
            cls.server.kill()
            raise RuntimeError(f"s3rver did not start: {line!r}")
        cls.endpoint = f"http://127.0.0.1:{int(line.split()[1])}"

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()

    def conn_env(self, secret="S3RVER"):
        uri = (f"aws://S3RVER:{secret}@?endpoint_url="
               + urllib.parse.quote(self.endpoint, safe=""))
        return self.env(WEIR_CONN_MINIO=uri)

    def get_object(self, key):
        req = signed_request("GET", f"{self.endpoint}/lake/{key}", "S3RVER", "S3RVER")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def test_lake_put_publishes_to_an_s3_target_through_its_connection(self):
        prefix = os.path.basename(self.home)
        key = f"{prefix}/raw/demo/year=2021/data.csv"
        self.write_dag("land.yaml", DAG.replace("TARGET", f"s3://lake/{key}"))
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.get_object(key), CSV)
        (value,) = self.query("SELECT value FROM xcom WHERE task_id='put'")[0]
        xcom = json.loads(value)
        self.assertEqual(xcom["uri"], f"s3://lake/{key}")
        self.assertEqual(xcom["sha256"], hashlib.sha256(CSV).hexdigest())
        self.assertNotIn("path", xcom)
        rows = self.query("SELECT store_uri, object_key, sha256 FROM lake_object")
        self.assertEqual(rows, [("s3://lake", key, hashlib.sha256(CSV).hexdigest())])

    def test_the_default_lake_can_be_an_s3_bucket(self):
        prefix = os.path.basename(self.home)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: s3://lake/{prefix}\nlake_conn_id: minio\n")
        self.write_dag("land.yaml", DAG.replace("TARGET", "lake://raw/demo/data.csv"))
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.get_object(f"{prefix}/raw/demo/data.csv"), CSV)
        code, out, err = self.weir("config", "list", env=self.conn_env())
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"lake_conn_id\s+minio")

    def test_refused_keys_fail_the_task_with_s3s_reason_and_no_secret(self):
        prefix = os.path.basename(self.home)
        self.write_dag("land.yaml", DAG.replace("TARGET", f"s3://lake/{prefix}/x.csv"))
        code, out, err = self.weir("dags", "test", "land", "2021-03-05",
                                   env=self.conn_env(secret="Wrong-Secret-77"))
        self.assertEqual(code, 1, out + err)
        self.assertIn("403", out)
        self.assertIn("SignatureDoesNotMatch", out)
        log = os.path.join(self.home, "logs", "land", "test__2021-03-05T00:00:00+00:00", "put",
                           "attempt-1.log")
        with open(log) as f:
            text = f.read()
        for where in (out, err, text):
            self.assertNotIn("Wrong-Secret-77", where)
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.get_object(f"{prefix}/x.csv")
        self.assertEqual(e.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
