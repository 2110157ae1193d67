"""What the black-box tests of each cloud lake share: a DAG that makes a CSV and puts it at a
target through a named connection, and the two tests every kind of lake passes (a lake_put to
an explicit URI, and a default lake in the cloud). A test class mixes CloudLakeTests into
WeirTestCase and says how its lake is reached (SCHEME, CONN_ARG, conn_env) and read back
independently of weir (read_object)."""

import hashlib
import json
import os
import subprocess
import sys

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


FETCH_DAG = """
dag_id: fetch
tasks:
  - task_id: download
    operator: http_download
    url: "BASE/trips.csv"
  - task_id: put
    operator: lake_put
    depends_on: [download]
    input: "{{ ti.xcom_pull('download').path }}"
    target: "lake://raw/trips/data.csv"
"""

HTTP_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                           "http_server.py")


def start_peer(argv):
    """Starts a test server that prints "PORT <n>" first; returns the process and the port."""
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise RuntimeError(f"{' '.join(argv)} did not start: {line!r}")
    return server, int(line.split()[1])


def stop_peer(server):
    server.terminate()
    server.wait()
    server.stdout.close()


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

    def test_http_download_skips_a_source_the_cloud_lake_still_holds(self):
        prefix = os.path.basename(self.home)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: {self.SCHEME}://{self.BUCKET}/{prefix}\n"
                    f"lake_conn_id: {self.CONN_ID}\n")
        root = os.path.join(self.home, "srv")
        os.makedirs(root)
        with open(os.path.join(root, "trips.csv"), "wb") as f:
            f.write(CSV)
        server = subprocess.Popen([sys.executable, HTTP_SERVER, "--root", root],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(server.stdout.close)
        self.addCleanup(server.wait)
        self.addCleanup(server.terminate)
        base = "http://127.0.0.1:" + server.stdout.readline().split()[1]
        self.write_dag("fetch.yaml", FETCH_DAG.replace("BASE", base))
        self.weir("dags", "test", "fetch", "2021-03-05", env=self.conn_env(), check=0)
        self.assertEqual(self.read_object(f"{prefix}/raw/trips/data.csv"), CSV)
        # The catalog holds the source's ETag and the object is still in the bucket: skipped.
        code, out, err = self.weir("dags", "test", "fetch", "2021-03-06", env=self.conn_env())
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"download\s+skipped")

    def test_lake_fsck_says_why_a_gcs_or_azure_lake_needs_no_sweep(self):
        if self.SCHEME == "s3":
            self.skipTest("an S3 lake's fsck aborts old uploads: test_s3_fsck.py, on radosgw")
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: {self.SCHEME}://{self.BUCKET}/x\nlake_conn_id: {self.CONN_ID}\n")
        code, out, err = self.weir("lake", "fsck", env=self.conn_env())
        self.assertEqual(code, 0, out + err)
        self.assertIn("nothing to sweep", out)
        self.assertIn("within a week" if self.SCHEME == "az" else "a week after", out)
