"""GCS lakes end to end: lake_put to a gs:// target through a google_cloud_platform connection
(a service account's key, Airflow's keyfile_dict), a default lake in a GCS bucket (weir.yaml
`lake` + `lake_conn_id`), `weir connections test`, and a refused key. The server is the suite's
fake (tests/fixtures/gcs_fake.py), which verifies the JWTs weir signs; objects are read back
with a token of the tests' own (the authorized-user grant), not weir's."""

import hashlib
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import ROOT, WeirTestCase

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
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
    gcp_conn_id: gcp
"""


class GcsLake(WeirTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(FIXTURES, "gcs_fake.py"),
             "--service-account", os.path.join(FIXTURES, "gcs", "service_account.json"),
             "--authorized-user", os.path.join(FIXTURES, "gcs", "authorized_user.json"),
             "--project", "weir-test"],
            stdout=subprocess.PIPE, text=True)
        line = cls.server.stdout.readline()
        if not line.startswith("PORT "):
            cls.server.kill()
            raise RuntimeError(f"gcs_fake.py did not start: {line!r}")
        cls.endpoint = f"http://127.0.0.1:{int(line.split()[1])}"

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()

    def conn_env(self, key=None):
        with open(os.path.join(FIXTURES, "gcs", "service_account.json")) as f:
            keyfile = json.load(f)
        if key is not None:
            keyfile["private_key"] = key
        conn = {"conn_type": "google_cloud_platform",
                "extra": {"keyfile_dict": keyfile, "endpoint_url": self.endpoint,
                          "token_uri": self.endpoint + "/token", "project": "weir-test"}}
        return self.env(WEIR_CONN_GCP=json.dumps(conn))

    def token(self):
        with open(os.path.join(FIXTURES, "gcs", "authorized_user.json")) as f:
            user = json.load(f)
        form = urllib.parse.urlencode({
            "grant_type": "refresh_token", "client_id": user["client_id"],
            "client_secret": user["client_secret"], "refresh_token": user["refresh_token"]})
        with urllib.request.urlopen(self.endpoint + "/token", form.encode(), timeout=30) as r:
            return json.load(r)["access_token"]

    def get_object(self, key):
        url = (f"{self.endpoint}/storage/v1/b/lake/o/{urllib.parse.quote(key, safe='')}"
               "?alt=media")
        req = urllib.request.Request(url, headers={"Authorization": "Bearer " + self.token()})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def test_lake_put_publishes_to_a_gs_target_through_its_connection(self):
        prefix = os.path.basename(self.home)
        key = f"{prefix}/raw/demo/year=2021/data.csv"
        self.write_dag("land.yaml", DAG.replace("TARGET", f"gs://lake/{key}"))
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.get_object(key), CSV)
        (value,) = self.query("SELECT value FROM xcom WHERE task_id='put'")[0]
        xcom = json.loads(value)
        self.assertEqual(xcom["uri"], f"gs://lake/{key}")
        self.assertEqual(xcom["sha256"], hashlib.sha256(CSV).hexdigest())
        self.assertNotIn("path", xcom)
        rows = self.query("SELECT store_uri, object_key, sha256 FROM lake_object")
        self.assertEqual(rows, [("gs://lake", key, hashlib.sha256(CSV).hexdigest())])

    def test_the_default_lake_can_be_a_gcs_bucket(self):
        prefix = os.path.basename(self.home)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: gs://lake/{prefix}\nlake_conn_id: gcp\n")
        self.write_dag("land.yaml", DAG.replace("TARGET", "lake://raw/demo/data.csv"))
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.get_object(f"{prefix}/raw/demo/data.csv"), CSV)
        code, out, err = self.weir("lake", "ls", "raw/demo", env=self.conn_env())
        self.assertEqual(code, 0, err)
        self.assertIn("raw/demo/data.csv", out)

    def test_connections_test_gets_a_token_and_lists_the_projects_buckets(self):
        code, out, err = self.weir("connections", "test", "gcp", env=self.conn_env())
        self.assertEqual(code, 0, out + err)
        self.assertIn("weir-test@weir-test.iam.gserviceaccount.com", out)
        self.assertIn("1 bucket in project weir-test: lake", out)

    def test_a_refused_key_fails_the_task_with_googles_answer_and_no_secret(self):
        # A well-formed key that is not the service account's: the fake's signature check
        # refuses its JWT, as Google's token endpoint does.
        other = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                                "-pkeyopt", "rsa_keygen_bits:2048"],
                               capture_output=True, text=True, check=True).stdout
        prefix = os.path.basename(self.home)
        self.write_dag("land.yaml", DAG.replace("TARGET", f"gs://lake/{prefix}/x.csv"))
        code, out, err = self.weir("dags", "test", "land", "2021-03-05",
                                   env=self.conn_env(key=other))
        self.assertEqual(code, 1, out + err)
        self.assertIn("invalid_grant", out)
        log = os.path.join(self.home, "logs", "land", "test__2021-03-05T00:00:00+00:00", "put",
                           "attempt-1.log")
        with open(log) as f:
            text = f.read()
        secret_line = other.splitlines()[5]
        for where in (out, err, text):
            self.assertNotIn(secret_line, where)
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.get_object(f"{prefix}/x.csv")
        self.assertEqual(e.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
