"""GCS lakes end to end: lake_put to a gs:// target through a google_cloud_platform connection
(a service account's key, Airflow's keyfile_dict), a default lake in a GCS bucket (weir.yaml
`lake` + `lake_conn_id`), `weir connections test`, and a refused key. The server is the suite's
fake (tests/fixtures/gcs_fake.py), which verifies the JWTs weir signs; objects are read back
with a token of the tests' own (the authorized-user grant), not weir's."""

import json
import os
import subprocess
import unittest

from cloud_lake import CloudLakeTests, GcsFakePeer
from harness import ROOT, WeirTestCase

FIXTURES = os.path.join(ROOT, "tests", "fixtures")


class GcsLake(GcsFakePeer, CloudLakeTests, WeirTestCase):
    SCHEME = "gs"
    CONN_ARG = "gcp_conn_id"
    CONN_ID = "gcp"

    def conn_env(self, key=None):
        with open(os.path.join(FIXTURES, "gcs", "service_account.json")) as f:
            keyfile = json.load(f)
        if key is not None:
            keyfile["private_key"] = key
        conn = {"conn_type": "google_cloud_platform",
                "extra": {"keyfile_dict": keyfile, "endpoint_url": self.endpoint,
                          "token_uri": self.endpoint + "/token", "project": "weir-test"}}
        return self.env(WEIR_CONN_GCP=json.dumps(conn))

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
        self.write_land_dag(f"gs://lake/{prefix}/x.csv")
        code, out, err = self.weir("dags", "test", "land", "2021-03-05",
                                   env=self.conn_env(key=other))
        self.assertEqual(code, 1, out + err)
        self.assertIn("invalid_grant", out)
        secret_line = other.splitlines()[5]
        for where in (out, err, self.attempt_log()):
            self.assertNotIn(secret_line, where)
        self.assertIsNone(self.read_object(f"{prefix}/x.csv"))


if __name__ == "__main__":
    unittest.main()
