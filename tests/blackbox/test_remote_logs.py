"""Logs that outlive workers (weir.yaml `remote_logs`): a try run by `weir worker` (real
PostgreSQL and Redis, as in test_distributed) has its log sent to remote storage while it
runs and whole before its end is reported; once the local file is gone (the worker's machine
with it), the API's log endpoint and `weir tasks logs` serve the copy. Remote storage is a
file:// folder, and s3rver (which checks SigV4 signatures) for the s3:// variant."""

import json
import os
import sys
import time
import urllib.parse
import unittest

from harness import ApiClient, WeirTestCase, api_base, create_user
from test_distributed import DistributedCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from cloud_lake import read_or_none, start_peer, stop_peer, JS  # noqa: E402
from sigv4 import signed_request  # noqa: E402

SECRET = "QJremote-secret-42QJ"


class RemoteLogsCase(DistributedCase):
    """A distributed weir whose weir.yaml also sets remote_logs (remote_logs_uri())."""

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.home, "weir.yaml"), "a") as f:
            f.write(self.remote_settings())
        create_user(self, "viewer1", "viewer", "viewer-password-1")

    def remote_settings(self):
        raise NotImplementedError

    def remote_log(self, key):
        """The copy remote storage holds at `key`, read without weir, or None."""
        raise NotImplementedError

    def local_log(self, dag_id, run_id, task_id, attempt=1):
        return os.path.join(self.home, "logs", dag_id, run_id, task_id, f"attempt-{attempt}.log")

    def log_key(self, dag_id, run_id, task_id, attempt=1):
        return f"{dag_id}/{run_id}/{task_id}/attempt-{attempt}.log"

    def api(self, env=None):
        web = self.start("webserver", "--port", "0", env=env)
        client = ApiClient(api_base(web))
        self.assertEqual(client.login("viewer1", "viewer-password-1")[0], 200)
        return client

    def log_path(self, dag_id, run_id, task_id, attempt=1):
        return (f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"
                f"/taskInstances/{task_id}/logs/{attempt}")

    def whole_log(self, client, path):
        """The log the API serves, piece by piece from offset 0 until it says finished."""
        text, offset = "", 0
        for _ in range(100):
            status, piece = client.send("GET", f"{path}?offset={offset}")
            self.assertEqual(status, 200, piece)
            text += piece["content"]
            offset = piece["next_offset"]
            if piece["finished"]:
                return text
        self.fail(f"{path} never finished")

    def finished_try_is_served_from_remote_storage(self):
        self.weir("variables", "set", "db_password", SECRET, "--secret", check=0)
        self.write_dag("chatty.yaml", """
dag_id: chatty
schedule: null
start_date: 2026-01-01
tasks:
  - task_id: talk
    operator: bash
    command: |
      echo "hello from the worker"
      for i in $(seq 1 200); do echo "line $i of the worker's output"; done
      echo "password={{ var.value.db_password }}"
""")
        self.start("scheduler")
        self.start_worker()
        self.weir("dags", "trigger", "chatty", check=0)
        self.wait_for("the try to succeed", lambda: self.task_state("chatty", "talk") == "success")
        run_id = self.runs("chatty")[0]["run_id"]
        local = self.local_log("chatty", run_id, "talk")
        with open(local) as f:
            written = f.read()
        self.assertIn("line 200 of the worker's output", written)
        self.assertIn("exit status 0", written)
        # Sent whole before the end was reported: the copy is complete as soon as the try
        # shows ended, and as masked as the file.
        copy = self.remote_log(self.log_key("chatty", run_id, "talk"))
        self.assertEqual(copy, written.encode())
        self.assertIn(b"password=***", copy)
        self.assertNotIn(SECRET.encode(), copy)

        # The worker's machine is gone, and its logs folder with it.
        os.remove(local)
        client = self.api()
        self.assertEqual(self.whole_log(client, self.log_path("chatty", run_id, "talk")), written)
        # An offset into it, as a client paging through it asks.
        status, piece = client.send("GET", self.log_path("chatty", run_id, "talk") + "?offset=100")
        self.assertEqual(status, 200)
        self.assertEqual(piece["content"], written[100:])
        self.assertEqual(piece["size"], len(written.encode()))
        self.assertTrue(piece["finished"])
        code, out, err = self.weir("tasks", "logs", "chatty", "talk", run_id, "--try", "1")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, written)
        code, out, err = self.weir("tasks", "logs", "chatty", "talk", run_id, "-f")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, written)
        self.assertNotIn(SECRET, out)

    def running_try_is_readable_from_remote_storage(self):
        go = os.path.join(self.home, "go")
        self.write_dag("slow.yaml", f"""
dag_id: slow
schedule: null
start_date: 2026-01-01
tasks:
  - task_id: wait
    operator: bash
    command: |
      echo "first line"
      echo "second line"
      while [ ! -e {go} ]; do sleep 0.1; done
      echo "last line"
""")
        self.start("scheduler")
        self.start_worker()
        self.weir("dags", "trigger", "slow", check=0)
        self.wait_for("the try to run", lambda: self.task_state("slow", "wait") == "running")
        run_id = self.runs("slow")[0]["run_id"]
        key = self.log_key("slow", run_id, "wait")
        # Sent while it runs, a few seconds behind the file (the task's own lines, not the
        # header's copy of its command, which has them in quotes).
        self.wait_for("the running log in remote storage",
                      lambda: b"Z second line\n" in (self.remote_log(key) or b""), timeout=20)
        self.assertNotIn(b"Z last line\n", self.remote_log(key))

        # A webserver on another machine: its logs folder has no file of the try.
        client = self.api(env=self.env(WEIR_LOGS_FOLDER=os.path.join(self.home, "elsewhere")))
        path = self.log_path("slow", run_id, "wait")
        status, piece = client.send("GET", path)
        self.assertEqual(status, 200, piece)
        self.assertIn("Z first line\n", piece["content"])
        self.assertIn("Z second line\n", piece["content"])
        self.assertFalse(piece["finished"])
        # A tail at the end waits (wait=S) for more, which comes from remote storage once the
        # task goes on; then the try ends and its complete log is there.
        text, offset = piece["content"], piece["next_offset"]
        open(go, "w").close()
        deadline = time.time() + 60
        while time.time() < deadline:
            status, piece = client.send("GET", f"{path}?offset={offset}&wait=5")
            self.assertEqual(status, 200, piece)
            text += piece["content"]
            offset = piece["next_offset"]
            if piece["finished"]:
                break
        self.assertTrue(piece["finished"], "the tail never saw the try end")
        with open(self.local_log("slow", run_id, "wait")) as f:
            written = f.read()
        self.assertEqual(text, written)
        self.assertIn("Z last line\n", text)
        self.assertEqual(self.remote_log(key), written.encode())


class FileRemoteLogsTest(RemoteLogsCase):
    def remote_settings(self):
        self.remote = os.path.join(self.home, "remote")
        return f"remote_logs: file://{self.remote}\n"

    def remote_log(self, key):
        path = os.path.join(self.remote, key)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def test_a_finished_try_is_served_from_remote_storage_once_its_file_is_gone(self):
        self.finished_try_is_served_from_remote_storage()

    def test_a_running_try_is_readable_from_remote_storage(self):
        self.running_try_is_readable_from_remote_storage()

    def test_without_a_copy_the_cli_says_where_it_looked(self):
        self.write_dag("chatty.yaml", """
dag_id: chatty
schedule: null
start_date: 2026-01-01
tasks:
  - task_id: talk
    operator: bash
    command: echo hi
""")
        self.start("scheduler")
        self.start_worker()
        self.weir("dags", "trigger", "chatty", check=0)
        self.wait_for("the try to succeed", lambda: self.task_state("chatty", "talk") == "success")
        run_id = self.runs("chatty")[0]["run_id"]
        os.remove(self.local_log("chatty", run_id, "talk"))
        os.remove(os.path.join(self.remote, self.log_key("chatty", run_id, "talk")))
        code, out, err = self.weir("tasks", "logs", "chatty", "talk", run_id)
        self.assertEqual(code, 3, out + err)
        self.assertIn("is missing, and remote_logs file://" + self.remote, err)

    def test_a_worker_with_a_bad_remote_logs_does_not_start(self):
        self.weir("db", "migrate", check=0)  # makes the secret key a worker needs first
        code, out, err = self.weir("worker", env=self.env(WEIR_REMOTE_LOGS="ftp://host/logs"))
        self.assertNotEqual(code, 0)
        self.assertIn("remote_logs ftp://host/logs", err)


class S3RemoteLogsTest(RemoteLogsCase):
    """remote_logs in an S3 bucket (s3rver), reached through the connection lake_conn_id
    names, given as WEIR_CONN_MINIO to every process."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3, port = start_peer(
            ["node", "--openssl-legacy-provider", os.path.join(JS, "s3_server.cjs")])
        cls.endpoint = f"http://127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.s3)
        super().tearDownClass()

    def env(self, **extra):
        uri = "aws://S3RVER:S3RVER@?endpoint_url=" + urllib.parse.quote(self.endpoint, safe="")
        return super().env(WEIR_CONN_MINIO=uri, **extra)

    def remote_settings(self):
        self.prefix = os.path.basename(self.home)
        return f"remote_logs: s3://lake/{self.prefix}\nlake_conn_id: minio\n"

    def remote_log(self, key):
        return read_or_none(signed_request(
            "GET", f"{self.endpoint}/lake/{self.prefix}/{urllib.parse.quote(key)}",
            "S3RVER", "S3RVER"))

    def test_a_finished_try_is_served_from_s3_once_its_file_is_gone(self):
        self.finished_try_is_served_from_remote_storage()

    def test_a_running_try_is_readable_from_s3(self):
        self.running_try_is_readable_from_remote_storage()


class RemoteLogsSettingTest(WeirTestCase):
    def test_a_folder_is_a_file_uri_in_the_home_and_the_variable_overrides_the_file(self):
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("remote_logs: shared/logs\n")
        code, out, err = self.weir("config", "list", "-o", "json")
        self.assertEqual(code, 0, err)
        row = {r["key"]: r for r in json.loads(out)}["remote_logs"]
        self.assertEqual(row["value"], "file://" + os.path.join(self.home, "shared", "logs"))
        self.assertEqual(row["source"], os.path.join(self.home, "weir.yaml") + ":1")
        code, out, err = self.weir("config", "list", "-o", "json",
                                   env=self.env(WEIR_REMOTE_LOGS="s3://bucket/logs"))
        self.assertEqual(code, 0, err)
        row = {r["key"]: r for r in json.loads(out)}["remote_logs"]
        self.assertEqual((row["value"], row["source"]), ("s3://bucket/logs", "WEIR_REMOTE_LOGS"))


if __name__ == "__main__":
    unittest.main()
