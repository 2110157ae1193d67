"""The transfer operator between real stores: the file lake, s3rver (which checks SigV4
signatures) and azurite (which checks Shared Key). What weir copied is read back with clients
that are not weir's; a second run copies nothing; a mirror deletes what only the sink has; a
max_deletes guard stops a transfer before it changes anything."""

import base64
import hashlib
import json
import os
import sys
import unittest
import urllib.parse
import urllib.request

from cloud_lake import (HTTP_SERVER, AzuritePeer, S3rverPeer, signed_request, start_peer,
                        stop_peer)
from harness import WeirTestCase

# Keys a transfer must carry through unchanged: a space, unicode, '+', '%' and an empty object.
FILES = {
    "raw/trips/2021 01.csv": b"VendorID,fare\n1,2.5\n",
    "raw/trips/\u00fc+%.csv": b"x\n",
    "raw/trips/empty": b"",
}

DAG = """
dag_id: ship
tasks:
  - task_id: to_s3
    operator: transfer
    source: lake://raw/
    sink: s3://lake/%(prefix)s/
    sink_conn_id: s3rver
  - task_id: s3_to_azure
    operator: transfer
    depends_on: [to_s3]
    source: s3://lake/%(prefix)s/
    source_conn_id: s3rver
    sink: az://lake/%(prefix)s/
    sink_conn_id: azurite
  - task_id: s3_to_s3_elsewhere
    operator: transfer
    depends_on: [to_s3]
    source: s3://lake/%(prefix)s/
    source_conn_id: s3rver
    sink: s3://lake/%(prefix)s-elsewhere/
    sink_conn_id: s3rver_eu
  - task_id: backup_in_azure
    operator: transfer
    depends_on: [s3_to_azure]
    source: az://lake/%(prefix)s/
    source_conn_id: azurite
    sink: az://lake/%(prefix)s-backup/
    sink_conn_id: azurite
  - task_id: mirror_back
    operator: transfer
    depends_on: [s3_to_azure]
    source: az://lake/%(prefix)s/
    source_conn_id: azurite
    sink: file://%(mirror)s/
    delete_objects_unique_in_sink: true
    max_deletes: %(max_deletes)s
"""

# A URL list fetched into S3, then a manifest (kept in S3 too) picking two of its objects.
LISTS_DAG = """
dag_id: lists
tasks:
  - task_id: from_urls
    operator: transfer
    url_list: %(url_list)s
    sink: s3://lake/%(prefix)s/web/
    sink_conn_id: s3rver
    max_failures: 1
  - task_id: by_manifest
    operator: transfer
    depends_on: [from_urls]
    trigger_rule: all_done
    source: s3://lake/%(prefix)s/web/
    source_conn_id: s3rver
    manifest: s3://lake/%(prefix)s/lists/manifest.csv
    sink: file://%(picked)s/
"""


class Both:
    """s3rver and azurite at once: each peer's class set-up, its server and endpoint kept
    under its own name."""

    @classmethod
    def setUpClass(cls):
        S3rverPeer.setUpClass.__func__(cls)
        cls.s3_server, cls.s3_endpoint = cls.server, cls.endpoint
        AzuritePeer.setUpClass.__func__(cls)
        cls.az_server, cls.az_endpoint = cls.server, cls.endpoint

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.s3_server)
        stop_peer(cls.az_server)


class TransferTest(Both, WeirTestCase):

    def setUp(self):
        super().setUp()
        for key, data in FILES.items():
            path = os.path.join(self.home, "lake", key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        # The peers serve every test of the class: each test has its own folder in them.
        self.prefix = os.path.basename(self.home)
        self.mirror = os.path.join(self.home, "mirror")
        os.makedirs(self.mirror)
        with open(os.path.join(self.mirror, "stray.txt"), "w") as f:
            f.write("only in the sink\n")

    def run_env(self):
        s3 = "aws://S3RVER:S3RVER@?endpoint_url=" + urllib.parse.quote(self.s3_endpoint, safe="")
        az = json.dumps({"conn_type": "wasb", "login": "devstoreaccount1", "password": self.key,
                         "host": self.az_endpoint})
        # The same server through another region: to weir another service, so that the copy
        # between them streams through memory rather than staying on the server.
        return self.env(WEIR_CONN_S3RVER=s3, WEIR_CONN_S3RVER_EU=s3 + "&region_name=eu-west-1",
                        WEIR_CONN_AZURITE=az)

    def run_dag(self, day, max_deletes="10"):
        self.write_dag("ship.yaml", DAG % {"mirror": self.mirror, "max_deletes": max_deletes,
                                           "prefix": self.prefix})
        return self.weir("dags", "test", "ship", day, env=self.run_env(), timeout=180)

    def xcom(self, task_id, run_day):
        (value,) = self.query("SELECT value FROM xcom WHERE task_id = ? AND run_id = ?", task_id,
                              f"test__{run_day}T00:00:00+00:00")[0]
        return json.loads(value)

    def counters(self, task_id, run_day):
        return self.xcom(task_id, run_day)["counters"]

    def read_s3(self, key):
        self.endpoint = self.s3_endpoint
        return S3rverPeer.read_object(self, urllib.parse.quote(key))

    def read_azure(self, key):
        self.endpoint = self.az_endpoint
        return AzuritePeer.read_object(self, key)

    def test_objects_travel_through_s3_and_azure_and_a_rerun_copies_nothing(self):
        code, out, err = self.run_dag("2021-03-01")
        self.assertEqual(code, 0, out + err)
        for key, data in FILES.items():
            rel = key[len("raw/"):]
            self.assertEqual(self.read_s3(f"{self.prefix}/{rel}"), data, rel)
            self.assertEqual(self.read_azure(f"{self.prefix}/{rel}"), data, rel)
            with open(os.path.join(self.mirror, rel), "rb") as f:
                self.assertEqual(f.read(), data, rel)
        self.assertFalse(os.path.exists(os.path.join(self.mirror, "stray.txt")))
        first = self.counters("to_s3", "2021-03-01")
        self.assertEqual(first["objects_copied_to_sink"], 3)
        self.assertEqual(first["bytes_copied_to_sink"], sum(len(d) for d in FILES.values()))
        self.assertEqual(self.counters("mirror_back", "2021-03-01")["objects_deleted_from_sink"], 1)
        # Within one Azure account the copy stays on the server (Copy Blob).
        backup = self.xcom("backup_in_azure", "2021-03-01")
        self.assertEqual(backup["counters"]["objects_copied_to_sink"], 3)
        self.assertEqual(backup["copied_server_side"], 3)
        for key, data in FILES.items():
            rel = key[len("raw/"):]
            self.assertEqual(self.read_azure(f"{self.prefix}-backup/{rel}"), data, rel)
        # Between two S3 services (to weir: another region) the copy is not made on the server.
        elsewhere = self.xcom("s3_to_s3_elsewhere", "2021-03-01")
        self.assertEqual(elsewhere["counters"]["objects_copied_to_sink"], 3)
        self.assertEqual(elsewhere["copied_server_side"], 0)
        for key, data in FILES.items():
            rel = key[len("raw/"):]
            self.assertEqual(self.read_s3(f"{self.prefix}-elsewhere/{rel}"), data, rel)

        # The report beside the try's log: one line per object.
        report = os.path.join(self.home, "logs", "ship", "test__2021-03-01T00:00:00+00:00",
                              "to_s3", "attempt-1.transfer.jsonl")
        with open(report) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(sorted(line["key"] for line in lines),
                         sorted(k[len("raw/"):] for k in FILES))
        self.assertEqual({line["action"] for line in lines}, {"copied"})

        # A second run finds every object the same on every side.
        code, out, err = self.run_dag("2021-03-02")
        self.assertEqual(code, 0, out + err)
        for task in ("to_s3", "s3_to_azure", "s3_to_s3_elsewhere", "backup_in_azure",
                     "mirror_back"):
            again = self.counters(task, "2021-03-02")
            self.assertEqual(again["objects_copied_to_sink"], 0, task)
            self.assertEqual(again["objects_from_source_skipped_by_sync"], 3, task)
        # The lake catalog records what the transfer wrote, with its source.
        rows = self.query("SELECT uri, source_url FROM lake_object WHERE task_id = 'to_s3' "
                          "ORDER BY uri")
        self.assertEqual(len(rows), 3)
        self.assertTrue(rows[0][0].startswith(f"s3://lake/{self.prefix}/trips/"), rows)
        self.assertTrue(rows[0][1].startswith("lake://raw/trips/"), rows)

    def test_max_deletes_stops_a_mirror_before_it_changes_anything(self):
        code, out, err = self.run_dag("2021-03-01", max_deletes="0")
        self.assertEqual(code, 1, out + err)
        (error,) = self.query("SELECT error FROM task_instance WHERE task_id = 'mirror_back'")[0]
        self.assertIn("would delete 1 objects from the sink", error)
        self.assertIn("more than max_deletes 0; nothing was copied or deleted", error)
        self.assertTrue(os.path.exists(os.path.join(self.mirror, "stray.txt")))
        self.assertEqual(os.listdir(self.mirror), ["stray.txt"])

    def test_a_url_list_and_a_manifest(self):
        web = os.path.join(self.home, "web")
        os.makedirs(os.path.join(web, "data"))
        served = {"data/jan 2021.csv": b"a,b\n1,2\n", "data/feb.csv": b"x\n", "empty": b""}
        for rel, data in served.items():
            with open(os.path.join(web, rel), "wb") as f:
                f.write(data)
        server, port = start_peer([sys.executable, HTTP_SERVER, "--root", web])
        self.addCleanup(stop_peer, server)
        lines = ["TsvHttpData-1.0"]
        for rel, data in served.items():
            md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
            url = f"http://127.0.0.1:{port}/{urllib.parse.quote(rel)}"
            lines.append(f"{url}\t{len(data)}\t{md5}")
        lines.append(f"http://127.0.0.1:{port}/gone.csv\t3\tICm+O1sxVBRXoimHB7rHIQ==")
        url_list = os.path.join(self.home, "urls.tsv")
        with open(url_list, "w") as f:
            f.write("\n".join(lines) + "\n")
        # The manifest names a quoted key and one the source lacks.
        urllib.request.urlopen(signed_request(
            "PUT", f"{self.s3_endpoint}/lake/{self.prefix}/lists/manifest.csv", "S3RVER",
            "S3RVER", b'"127.0.0.1/data/jan 2021.csv",note\n127.0.0.1/empty\n'), timeout=30)
        picked = os.path.join(self.home, "picked")
        self.write_dag("lists.yaml", LISTS_DAG % {"url_list": url_list, "prefix": self.prefix,
                                                  "picked": picked})
        code, out, err = self.weir("dags", "test", "lists", "2021-03-01", env=self.run_env(),
                                   timeout=180)
        self.assertEqual(code, 0, out + err)
        urls = self.xcom("from_urls", "2021-03-01")
        self.assertEqual(urls["counters"]["objects_copied_to_sink"], 3)
        self.assertEqual(urls["failures"], 1)
        self.assertIn("gone.csv answered HTTP 404", urls["failed"][0])
        self.assertEqual(self.read_s3(f"{self.prefix}/web/127.0.0.1/data/jan 2021.csv"),
                         b"a,b\n1,2\n")
        self.assertEqual(sorted(os.listdir(os.path.join(picked, "127.0.0.1"))),
                         ["data", "empty"])
        self.assertEqual(os.listdir(os.path.join(picked, "127.0.0.1", "data")), ["jan 2021.csv"])
        self.assertEqual(self.counters("by_manifest", "2021-03-01")["objects_copied_to_sink"], 2)


if __name__ == "__main__":
    unittest.main()
