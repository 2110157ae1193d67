"""S3 lakes end to end: lake_put to an s3:// target through a named aws connection, a default
lake in an S3 bucket (weir.yaml `lake` + `lake_conn_id`), and refused keys. The server is
s3rver 5 (tests/js, installed by scripts/setup), which checks SigV4 signatures; objects are
read back with the tests' own signer, not weir's."""

import os
import unittest
import urllib.parse

from cloud_lake import CloudLakeTests, S3rverPeer
from harness import WeirTestCase


class S3Lake(S3rverPeer, CloudLakeTests, WeirTestCase):
    SCHEME = "s3"
    CONN_ARG = "aws_conn_id"
    CONN_ID = "minio"

    def conn_env(self, secret="S3RVER"):
        uri = (f"aws://S3RVER:{secret}@?endpoint_url="
               + urllib.parse.quote(self.endpoint, safe=""))
        return self.env(WEIR_CONN_MINIO=uri)

    def test_config_list_shows_the_lake_connection(self):
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("lake: s3://lake/x\nlake_conn_id: minio\n")
        code, out, err = self.weir("config", "list", env=self.conn_env())
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"lake_conn_id\s+minio")

    def test_refused_keys_fail_the_task_with_s3s_reason_and_no_secret(self):
        prefix = os.path.basename(self.home)
        self.write_land_dag(f"s3://lake/{prefix}/x.csv")
        code, out, err = self.weir("dags", "test", "land", "2021-03-05",
                                   env=self.conn_env(secret="Wrong-Secret-77"))
        self.assertEqual(code, 1, out + err)
        self.assertIn("403", out)
        self.assertIn("SignatureDoesNotMatch", out)
        for where in (out, err, self.attempt_log()):
            self.assertNotIn("Wrong-Secret-77", where)
        self.assertIsNone(self.read_object(f"{prefix}/x.csv"))


if __name__ == "__main__":
    unittest.main()
