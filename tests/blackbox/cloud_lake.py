"""What the black-box tests of each cloud lake share: a DAG that makes a CSV and puts it at a
target through a named connection, and the two tests every kind of lake passes (a lake_put to
an explicit URI, and a default lake in the cloud). A test class mixes CloudLakeTests into
WeirTestCase and says how its lake is reached (SCHEME, CONN_ARG, conn_env) and read back
independently of weir (read_object)."""

import hashlib
import json
import os

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
    CONN_ARG: CONN_ID
"""


class CloudLakeTests:
    SCHEME = ""     # "gs", "az"
    CONN_ARG = ""   # lake_put's argument: gcp_conn_id, wasb_conn_id
    CONN_ID = ""    # the connection conn_env defines
    BUCKET = "lake"

    def conn_env(self, **kwargs):
        raise NotImplementedError

    def read_object(self, key):
        """The object's bytes as an independent client reads them, or None when absent."""
        raise NotImplementedError

    def write_land_dag(self, target):
        dag = (DAG.replace("TARGET", target).replace("CONN_ARG", self.CONN_ARG)
               .replace("CONN_ID", self.CONN_ID))
        self.write_dag("land.yaml", dag)

    def attempt_log(self):
        path = os.path.join(self.home, "logs", "land", "test__2021-03-05T00:00:00+00:00", "put",
                            "attempt-1.log")
        with open(path) as f:
            return f.read()

    def test_lake_put_publishes_to_a_cloud_target_through_its_connection(self):
        prefix = os.path.basename(self.home)
        key = f"{prefix}/raw/demo/year=2021/data.csv"
        uri = f"{self.SCHEME}://{self.BUCKET}/{key}"
        self.write_land_dag(uri)
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.read_object(key), CSV)
        (value,) = self.query("SELECT value FROM xcom WHERE task_id='put'")[0]
        xcom = json.loads(value)
        self.assertEqual(xcom["uri"], uri)
        self.assertEqual(xcom["sha256"], hashlib.sha256(CSV).hexdigest())
        self.assertNotIn("path", xcom)
        rows = self.query("SELECT store_uri, object_key, sha256 FROM lake_object")
        self.assertEqual(rows, [(f"{self.SCHEME}://{self.BUCKET}", key,
                                 hashlib.sha256(CSV).hexdigest())])

    def test_the_default_lake_can_be_in_the_cloud(self):
        prefix = os.path.basename(self.home)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: {self.SCHEME}://{self.BUCKET}/{prefix}\n"
                    f"lake_conn_id: {self.CONN_ID}\n")
        self.write_land_dag("lake://raw/demo/data.csv")
        self.weir("dags", "test", "land", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.read_object(f"{prefix}/raw/demo/data.csv"), CSV)
        code, out, err = self.weir("lake", "ls", "raw/demo", env=self.conn_env())
        self.assertEqual(code, 0, err)
        self.assertIn("raw/demo/data.csv", out)
