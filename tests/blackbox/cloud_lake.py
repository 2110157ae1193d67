"""What the black-box tests of each cloud lake share: a DAG that makes a CSV and puts it at a
target through a named connection, and the two tests every kind of lake passes (a lake_put to
an explicit URI, and a default lake in the cloud). A test class mixes CloudLakeTests into
WeirTestCase and says how its lake is reached (SCHEME, CONN_ARG, conn_env) and read back
independently of weir (read_object). GcsFakePeer, S3rverPeer and AzuritePeer start a peer once per
test class (as endpoint) and read its objects back with a client that is not weir's."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

from harness import ROOT

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

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
JS = os.path.join(ROOT, "tests", "js")
HTTP_SERVER = os.path.join(FIXTURES, "http_server.py")
sys.path.insert(0, FIXTURES)
from sigv4 import signed_request  # noqa: E402


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



def read_or_none(req):
    """The body of a GET, or None on a 404."""
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


class GcsFakePeer:
    """The suite's GCS fake (tests/fixtures/gcs_fake.py, with its BigQuery) for project
    weir-test and bucket lake; objects are read with a token of the tests' own (the
    authorized-user grant), not weir's."""

    @classmethod
    def setUpClass(cls):
        cls.server, port = start_peer(
            ["/usr/bin/python3", os.path.join(FIXTURES, "gcs_fake.py"),
             "--service-account", os.path.join(FIXTURES, "gcs", "service_account.json"),
             "--authorized-user", os.path.join(FIXTURES, "gcs", "authorized_user.json"),
             "--project", "weir-test"])
        cls.endpoint = f"http://127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.server)

    def token(self):
        with open(os.path.join(FIXTURES, "gcs", "authorized_user.json")) as f:
            user = json.load(f)
        form = urllib.parse.urlencode({
            "grant_type": "refresh_token", "client_id": user["client_id"],
            "client_secret": user["client_secret"], "refresh_token": user["refresh_token"]})
        with urllib.request.urlopen(self.endpoint + "/token", form.encode(), timeout=30) as r:
            return json.load(r)["access_token"]

    def read_object(self, key):
        url = (f"{self.endpoint}/storage/v1/b/lake/o/{urllib.parse.quote(key, safe='')}"
               "?alt=media")
        return read_or_none(
            urllib.request.Request(url, headers={"Authorization": "Bearer " + self.token()}))


class S3rverPeer:
    """s3rver 5 (tests/js), which checks SigV4 signatures, keys S3RVER/S3RVER; objects are read
    with the tests' own signer, not weir's."""

    @classmethod
    def setUpClass(cls):
        cls.server, port = start_peer(
            ["node", "--openssl-legacy-provider", os.path.join(JS, "s3_server.cjs")])
        cls.endpoint = f"http://127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.server)

    def read_object(self, key):
        return read_or_none(
            signed_request("GET", f"{self.endpoint}/lake/{key}", "S3RVER", "S3RVER"))


class AzuritePeer:
    """azurite (tests/js), which verifies Shared Key signatures, account devstoreaccount1 with
    its key as key; blobs are read with Microsoft's own client (@azure/storage-blob)."""

    @classmethod
    def setUpClass(cls):
        cls.key = subprocess.run(["node", os.path.join(JS, "azurite.cjs"), "--print-key"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        cls.server, port = start_peer(["node", os.path.join(JS, "azurite.cjs")])
        cls.endpoint = f"http://127.0.0.1:{port}/devstoreaccount1"

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.server)

    def read_object(self, key):
        """The blob, or None when Microsoft's client cannot read it."""
        out = os.path.join(self.home, "by-microsoft")
        done = subprocess.run(["node", os.path.join(JS, "azure_client.cjs"), self.endpoint,
                               self.key, "get", "lake", key, out],
                              capture_output=True, text=True)
        if done.returncode != 0:
            return None
        with open(out, "rb") as f:
            return f.read()

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
