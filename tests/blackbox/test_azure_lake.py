"""Azure Blob lakes end to end: lake_put to an az:// target through a wasb (azure_blob)
connection, a default lake in a container (weir.yaml `lake` + `lake_conn_id`), `weir
connections test`, and a refused key. The server is azurite (tests/js, installed by
scripts/setup), which verifies Shared Key signatures; blobs are read back with Microsoft's own
client (@azure/storage-blob), not weir's."""

import json
import os
import unittest

from cloud_lake import AzuritePeer, CloudLakeTests
from harness import WeirTestCase


class AzureLake(AzuritePeer, CloudLakeTests, WeirTestCase):
    SCHEME = "az"
    CONN_ARG = "wasb_conn_id"
    CONN_ID = "az"

    def conn_env(self, key=None):
        conn = {"conn_type": "wasb", "login": "devstoreaccount1",
                "password": key or self.key, "host": self.endpoint}
        return self.env(WEIR_CONN_AZ=json.dumps(conn))

    def test_connections_test_lists_the_containers(self):
        code, out, err = self.weir("connections", "test", "az", env=self.conn_env())
        self.assertEqual(code, 0, out + err)
        self.assertIn("container", out)
        self.assertIn(": lake", out)

    def test_a_wrong_key_fails_the_task_with_azures_code_and_no_secret(self):
        wrong = "V3Jvbmcta2V5LW5vdC10aGUtYWNjb3VudHMta2V5LXJlYWxseQ=="
        prefix = os.path.basename(self.home)
        self.write_land_dag(f"az://lake/{prefix}/x.csv")
        code, out, err = self.weir("dags", "test", "land", "2021-03-05",
                                   env=self.conn_env(key=wrong))
        self.assertEqual(code, 1, out + err)
        self.assertIn("403", out)
        self.assertIn("AuthorizationFailure", out)
        for where in (out, err, self.attempt_log()):
            self.assertNotIn(wrong, where)
        self.assertIsNone(self.read_object(f"{prefix}/x.csv"))


if __name__ == "__main__":
    unittest.main()
