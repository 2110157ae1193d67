"""The DE Zoomcamp's data_ingestion_gcs_dag.py as weir ships it (examples/dags/
data_ingestion_gcs.yaml, and its S3 and Azure variants), run as they are for one month against
local peers: a taxi month served over HTTP from a real TLC sample (tests/fixtures/tlc), the GCS
fake with its BigQuery (tests/fixtures/gcs_fake.py, bigquery_fake.py), s3rver and azurite.

On Google Cloud the month lands in the bucket as Parquet, BigQuery gets the dataset, the external
table over the bucket's folder and the table partitioned by pickup day; without a connection
the upload fails naming the connection and how to add one, and BigQuery sees nothing. On S3 and
Azure the first three steps land the object; the DuckDB table over s3:// or az:// needs DuckDB's
httpfs or azure extension, which cannot be had here: without an extension folder, or with one
that lacks it, the task must say which extension, where weir looked and how to install it."""

import gzip
import json
import os
import re
import shutil
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

from cloud_lake import HTTP_SERVER, AzuritePeer, GcsFakePeer, S3rverPeer, start_peer, stop_peer
from harness import EXAMPLES, ROOT, WeirTestCase

FIXTURES = os.path.join(ROOT, "tests", "fixtures")

MONTH = "2021-01"
SAMPLE = os.path.join(FIXTURES, "tlc", "yellow_tripdata_2021-01_excel_dates.csv")
KEY = f"raw/yellow_tripdata/year=2021/month=01/yellow_tripdata_{MONTH}.parquet"
RUN_ID = "test__2021-01-01T00:00:00+00:00"
FIRST_THREE = ("download", "to_parquet", "upload")
# What BigQuery detects in the Parquet files (the fake detects what it is told), so that the
# partitioned table's PARTITION BY DATE(tpep_pickup_datetime) names a column that exists.
DETECTED = [{"name": "VendorID", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "tpep_pickup_datetime", "type": "TIMESTAMP", "mode": "NULLABLE"},
            {"name": "tpep_dropoff_datetime", "type": "TIMESTAMP", "mode": "NULLABLE"},
            {"name": "passenger_count", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "total_amount", "type": "FLOAT", "mode": "NULLABLE"}]
# Credentials weir would otherwise find in the environment.
AMBIENT = ("GOOGLE_APPLICATION_CREDENTIALS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
           "AWS_SESSION_TOKEN", "AWS_PROFILE", "AZURE_STORAGE_CONNECTION_STRING",
           "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN",
           "BIGQUERY_EMULATOR_HOST")

taxi = {}


def setUpModule():
    """One HTTP server for every test, with the DataTalksClub mirror's path for one month."""
    root = tempfile.mkdtemp(prefix="weir-zoomcamp-src-")
    os.makedirs(os.path.join(root, "yellow"))
    with open(SAMPLE, "rb") as f, open(os.path.join(
            root, "yellow", f"yellow_tripdata_{MONTH}.csv.gz"), "wb") as out:
        out.write(gzip.compress(f.read()))
    server, port = start_peer(["/usr/bin/python3", HTTP_SERVER, "--root", root])
    taxi.update(root=root, server=server, url=f"http://127.0.0.1:{port}")


def tearDownModule():
    stop_peer(taxi["server"])
    shutil.rmtree(taxi["root"], ignore_errors=True)


class ZoomcampTests:
    """Runs an example DAG as shipped (but with no retries, so that a failure shows at once) for
    January 2021, and reads back what its tasks recorded."""

    DAG = ""

    def install(self):
        with open(os.path.join(EXAMPLES, self.DAG + ".yaml")) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^  retries: .*$", "  retries: 0", text)
        self.assertEqual(n, 1, "the example's default_args should have retries")
        self.write_dag(self.DAG + ".yaml", text)

    def month_env(self, **extra):
        """The environment of a run: the taxi mirror as a variable, no ambient credentials."""
        env = self.env(WEIR_VAR_TAXI_BASE_URL=taxi["url"], **extra)
        for name in AMBIENT:
            env.pop(name, None)
        return env

    def run_month(self, env):
        self.install()
        code, out, err = self.weir("dags", "test", self.DAG, f"{MONTH}-01", env=env,
                                   timeout=120)
        return code, out + err

    def states(self):
        return dict(self.query("SELECT task_id, state FROM task_instance WHERE dag_id = ?",
                               self.DAG))

    def xcom(self, task_id):
        (value,) = self.query("SELECT value FROM xcom WHERE dag_id = ? AND task_id = ?",
                              self.DAG, task_id)[0]
        return json.loads(value)

    def error(self, task_id):
        return self.query("SELECT error FROM task_instance WHERE dag_id = ? AND task_id = ?",
                          self.DAG, task_id)[0][0] or ""

    def log(self, task_id):
        path = os.path.join(self.home, "logs", self.DAG, RUN_ID, task_id, "attempt-1.log")
        with open(path, encoding="utf-8") as f:
            return f.read()

    def assert_parquet(self, data):
        self.assertIsNotNone(data, f"{KEY} is not in the bucket")
        self.assertEqual(data[:4], b"PAR1")
        self.assertEqual(data[-4:], b"PAR1")

    def assert_external_table_needs(self, code, out, scheme, extension, why):
        """The first three steps land the object; the DuckDB table over the cloud folder fails,
        naming the extension and why it could not be loaded, in its error and its log."""
        self.assertEqual(code, 1, out)
        states = self.states()
        for task in FIRST_THREE:
            self.assertEqual(states[task], "success", (task, states, out))
        self.assertEqual(states["external_table"], "failed", states)
        self.assertEqual(self.xcom("upload")["uri"], f"{scheme}://lake/{KEY}")
        error = self.error("external_table")
        self.assertIn(f"reading {scheme}://lake/raw/", error)
        self.assertIn(f"needs DuckDB's {extension} extension, {why}", error)
        self.assertIn(f"INSTALL {extension}", error)
        self.assertIn(f"needs DuckDB's {extension} extension", self.log("external_table"))


class ZoomcampGcs(GcsFakePeer, ZoomcampTests, WeirTestCase):
    """data_ingestion_gcs against the GCS fake and its BigQuery, with a service account's key
    in the connection google_cloud_default."""

    DAG = "data_ingestion_gcs"

    def setUp(self):
        super().setUp()
        self.control("/__reset", {})
        self.control("/__control", {"bq_autodetect_fields": DETECTED})

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def conn_env(self):
        with open(os.path.join(FIXTURES, "gcs", "service_account.json")) as f:
            keyfile = json.load(f)
        conn = {"conn_type": "google_cloud_platform",
                "extra": {"keyfile_dict": keyfile, "endpoint_url": self.endpoint,
                          "bigquery_endpoint_url": self.endpoint,
                          "token_uri": self.endpoint + "/token", "project": "weir-test"}}
        return self.month_env(WEIR_CONN_GOOGLE_CLOUD_DEFAULT=json.dumps(conn),
                              WEIR_VAR_GCS_BUCKET="lake")

    def test_the_month_lands_in_gcs_and_bigquery_gets_both_tables(self):
        code, out = self.run_month(self.conn_env())
        self.assertEqual(code, 0, out)
        self.assertEqual(self.states(), dict.fromkeys(
            FIRST_THREE + ("bigquery_external_table", "bq_partitioned"), "success"), out)
        self.assert_parquet(self.read_object(KEY))
        self.assertEqual(self.xcom("upload")["uri"], f"gs://lake/{KEY}")

        bq = self.control("/__bigquery")
        self.assertEqual(sorted(bq["datasets"]), ["weir-test:trips_data_all"])
        self.assertEqual(bq["datasets"]["weir-test:trips_data_all"]["location"], "US")
        external = bq["tables"]["weir-test:trips_data_all.external_yellow_tripdata"]
        config = external["externalDataConfiguration"]
        self.assertEqual(config["sourceUris"], ["gs://lake/raw/yellow_tripdata/*.parquet"])
        self.assertEqual(config["sourceFormat"], "PARQUET")
        self.assertEqual(config["hivePartitioningOptions"]["mode"], "AUTO")
        self.assertTrue(config["hivePartitioningOptions"]["sourceUriPrefix"].startswith(
            "gs://lake/raw/yellow_tripdata"), config)
        # BigQuery found the month's partition folders: year and month are columns.
        columns = {f["name"]: f["type"] for f in external["schema"]["fields"]}
        self.assertEqual((columns.get("year"), columns.get("month")), ("INTEGER", "INTEGER"),
                         columns)

        partitioned = bq["tables"]["weir-test:trips_data_all.yellow_tripdata_partitioned"]
        self.assertEqual(partitioned["timePartitioning"],
                         {"type": "DAY", "field": "tpep_pickup_datetime"})
        (job,) = bq["jobs"].values()
        query = job["configuration"]["query"]
        self.assertIn("CREATE OR REPLACE TABLE trips_data_all.yellow_tripdata_partitioned",
                      query["query"])
        self.assertIs(query.get("useLegacySql"), False)
        self.assertEqual(job["status"]["state"], "DONE")
        self.assertNotIn("errorResult", job["status"])

        made = self.xcom("bigquery_external_table")
        self.assertEqual(made["warehouse"], "bigquery")
        self.assertTrue(made["table"].endswith("trips_data_all.external_yellow_tripdata"), made)
        self.assertEqual(made["files"], 1)
        ran = self.xcom("bq_partitioned")
        self.assertEqual(ran["connection"], "bigquery")
        self.assertEqual(ran["statement_type"], "CREATE_TABLE_AS_SELECT")
        self.assertEqual(ran["job_id"], job["jobReference"]["jobId"])
        self.assertEqual(ran["location"], "US")

    def test_without_a_connection_the_upload_says_which_and_how_to_add_it(self):
        # No connection, no GOOGLE_APPLICATION_CREDENTIALS, and a HOME without gcloud's
        # application-default credentials.
        code, out = self.run_month(self.month_env(WEIR_VAR_GCS_BUCKET="lake", HOME=self.home))
        self.assertEqual(code, 1, out)
        states = self.states()
        self.assertEqual((states["download"], states["to_parquet"], states["upload"]),
                         ("success", "success", "failed"), states)
        self.assertNotEqual(states["bigquery_external_table"], "success", states)
        self.assertNotEqual(states["bq_partitioned"], "success", states)
        error = self.error("upload")
        for phrase in ("no Google credentials", "connection 'google_cloud_default'",
                       "weir connections add google_cloud_default"):
            self.assertIn(phrase, error)
        self.assertIn("no Google credentials", out)
        self.assertIsNone(self.read_object(KEY))
        bq = self.control("/__bigquery")
        self.assertEqual((bq["datasets"], bq["tables"], bq["jobs"], bq["requests"]),
                         ({}, {}, {}, []))


class ZoomcampS3(S3rverPeer, ZoomcampTests, WeirTestCase):
    """data_ingestion_s3 against s3rver, with the connection aws_default."""

    DAG = "data_ingestion_s3"

    def test_the_month_lands_in_s3_and_the_table_over_it_needs_httpfs(self):
        uri = "aws://S3RVER:S3RVER@?endpoint_url=" + urllib.parse.quote(self.endpoint, safe="")
        ext = os.path.join(self.home, "extensions")
        os.makedirs(ext)
        code, out = self.run_month(self.month_env(WEIR_CONN_AWS_DEFAULT=uri,
                                                  WEIR_VAR_S3_BUCKET="lake",
                                                  WEIR_DUCKDB_EXTENSION_DIRECTORY=ext))
        self.assert_parquet(self.read_object(KEY))
        self.assert_external_table_needs(code, out, "s3", "httpfs",
                                         f"which is not in duckdb_extension_directory {ext}")


class ZoomcampAzure(AzuritePeer, ZoomcampTests, WeirTestCase):
    """data_ingestion_azure against azurite, with the connection wasb_default (Shared Key)."""

    DAG = "data_ingestion_azure"

    def test_the_month_lands_in_azure_and_the_table_over_it_needs_the_azure_extension(self):
        conn = {"conn_type": "wasb", "login": "devstoreaccount1", "password": self.key,
                "host": self.endpoint}
        code, out = self.run_month(self.month_env(WEIR_CONN_WASB_DEFAULT=json.dumps(conn),
                                                  WEIR_VAR_AZURE_CONTAINER="lake"))
        self.assert_parquet(self.read_object(KEY))
        self.assert_external_table_needs(code, out, "az", "azure",
                                         "and no duckdb_extension_directory is configured")


if __name__ == "__main__":
    unittest.main()
