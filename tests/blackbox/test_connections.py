"""Connections from the command line to a task: Airflow's URI and JSON forms, secrets sealed
in the database and never shown, templates that read them, WEIR_CONN_<ID> that wins, export
and import, and a key rotation after which everything still opens."""

import glob
import json
import os
import stat

from harness import WeirTestCase

PASSWORD = "Zx9-pass/word+1"
TOKEN = "Zx9tokenvalue42"

DAG = """
dag_id: conn_demo
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: use
    operator: bash
    env:
      PW: "{{ conn.lake.password }}"
    command: |
      echo "login={{ conn.lake.login }} region={{ conn.lake.extra_dejson.region_name }}"
      echo "host={{ conn.api.host }}"
      echo "pw=$PW token={{ conn.lake.extra_dejson.aws_session_token }}"
"""


class ConnectionsTest(WeirTestCase):

    def add_lake(self):
        uri = ("aws://AKIAEXAMPLE:Zx9-pass%2Fword%2B1@?region_name=eu-west-1"
               f"&aws_session_token={TOKEN}")
        self.weir("connections", "add", "lake", "--uri", uri, check=0)

    def db_bytes(self):
        data = b""
        for path in glob.glob(os.path.join(self.home, "weir.db*")):
            with open(path, "rb") as f:
                data += f.read()
        return data

    def test_secrets_are_sealed_listed_masked_and_read_by_templates(self):
        self.add_lake()
        self.weir("connections", "add", "api", "--json",
                  json.dumps({"conn_type": "http", "host": "https://api.example.com"}), check=0)
        key_file = os.path.join(self.home, "secret.key")
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        data = self.db_bytes()
        self.assertNotIn(PASSWORD.encode(), data)
        self.assertNotIn(TOKEN.encode(), data)
        self.assertIn(b"AKIAEXAMPLE", data)

        listed = {c["conn_id"]: c for c in self.weir_json("connections", "list")}
        self.assertEqual(sorted(listed), ["api", "lake"])
        self.assertEqual(listed["lake"]["conn_type"], "aws")
        self.assertEqual(listed["lake"]["source"], "database")
        code, out, _ = self.weir("connections", "get", "lake", check=0)
        self.assertNotIn(PASSWORD, out)
        self.assertNotIn(TOKEN, out)
        self.assertEqual(json.loads(out)["password"], "***")
        code, out, _ = self.weir("connections", "get", "lake", "--uri", check=0)
        self.assertNotIn("Zx9-pass", out)
        self.assertIn("region_name=eu-west-1", out)
        code, out, _ = self.weir("connections", "get", "lake", "--show-secrets", check=0)
        self.assertEqual(json.loads(out)["password"], PASSWORD)
        self.assertEqual(json.loads(out)["extra"]["aws_session_token"], TOKEN)

        self.write_dag("conn_demo.yaml", DAG)
        code, out, err = self.weir("dags", "test", "conn_demo", "2021-01-01", timeout=60)
        self.assertEqual(code, 0, out + err)
        [log] = glob.glob(os.path.join(self.home, "logs", "conn_demo", "*", "use", "*.log"))
        with open(log) as f:
            text = f.read()
        self.assertIn("login=AKIAEXAMPLE region=eu-west-1", text)
        self.assertIn("host=https://api.example.com", text)
        self.assertIn("pw=*** token=***", text)
        self.assertNotIn("Zx9", text)
        self.assertNotIn("Zx9", out + err)

    def test_the_environment_wins_and_bad_input_says_where(self):
        self.add_lake()
        env = self.env(WEIR_CONN_LAKE="http://envuser:Zx9envpw@env.example:8080/base")
        code, out, _ = self.weir("connections", "get", "lake", "--show-secrets", env=env, check=0)
        got = json.loads(out)
        self.assertEqual((got["host"], got["port"], got["password"]),
                         ("env.example", 8080, "Zx9envpw"))
        listed = {c["conn_id"]: c for c in json.loads(
            self.weir("connections", "list", "-o", "json", env=env, check=0)[1])}
        self.assertEqual(listed["lake"]["source"], "WEIR_CONN_LAKE")

        code, _, err = self.weir("connections", "add", "x", "--uri", "no-scheme")
        self.assertEqual(code, 2, err)
        self.assertIn("--uri: not a connection URI", err)
        code, _, err = self.weir("connections", "add", "../x", "--uri", "http://h")
        self.assertEqual(code, 2, err)
        self.assertIn("bad connection id", err)
        code, _, err = self.weir("connections", "add", "lake", "--uri", "http://h")
        self.assertEqual(code, 2, err)
        self.assertIn("--replace", err)
        code, _, err = self.weir("connections", "get", "nope")
        self.assertEqual(code, 3, err)
        self.assertIn("WEIR_CONN_NOPE", err)

    def test_export_import_and_rotate_key(self):
        self.add_lake()
        export = os.path.join(self.home, "connections.json")
        self.weir("connections", "export", export, check=0)
        self.assertEqual(stat.S_IMODE(os.stat(export).st_mode), 0o600)
        with open(export) as f:
            exported = json.load(f)
        self.assertEqual(exported["lake"]["password"], PASSWORD)

        key_file = os.path.join(self.home, "secret.key")
        with open(key_file) as f:
            old_key = f.read()
        code, out, _ = self.weir("connections", "rotate-key", check=0)
        self.assertIn("1 connection sealed with key", out)
        with open(key_file) as f:
            self.assertNotEqual(f.read(), old_key)
        code, out, _ = self.weir("connections", "get", "lake", "--show-secrets", check=0)
        self.assertEqual(json.loads(out)["password"], PASSWORD)

        # Another home imports the export; existing ones are kept unless --overwrite.
        self.weir("connections", "delete", "lake", check=0)
        self.weir("connections", "add", "lake", "--conn-type", "http", "--host", "h", check=0)
        code, out, _ = self.weir("connections", "import", export, check=0)
        self.assertIn("skipped 1", out)
        self.weir("connections", "import", export, "--overwrite", check=0)
        code, out, _ = self.weir("connections", "get", "lake", "--show-secrets", check=0)
        self.assertEqual(json.loads(out)["extra"]["aws_session_token"], TOKEN)
        actions = [e["event"] for e in self.weir_json("audit", "list")]
        self.assertIn("connection_key_rotate", actions)
        self.assertIn("connection_delete", actions)

    def test_test_runs_the_types_check(self):
        # An http connection to this test's own server: its GET answers 200.
        import http.server
        import threading
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.weir("connections", "add", "web", "--conn-type", "http", "--host", url,
                  "--password", "Zx9bearer", check=0)
        code, out, err = self.weir("connections", "test", "web")
        self.assertEqual(code, 0, err)
        self.assertIn("connection web (http) works: HTTP 200", out)
        server.shutdown()
        server.server_close()
        code, out, err = self.weir("connections", "test", "web")
        self.assertNotEqual(code, 0)
        self.assertIn("connection web (http) failed its check", err)
        self.assertNotIn("Zx9", out + err)
        self.weir("connections", "add", "db", "--uri", "postgres://u:p@h/db", check=0)
        code, _, err = self.weir("connections", "test", "db")
        self.assertNotEqual(code, 0)
        self.assertIn("no check for connection type 'postgres'", err)
        code, _, err = self.weir("connections", "test", "nope")
        self.assertEqual(code, 3, err)

    def test_a_lost_or_open_key_file_is_refused_with_what_to_do(self):
        self.add_lake()
        key_file = os.path.join(self.home, "secret.key")
        os.chmod(key_file, 0o644)
        code, _, err = self.weir("connections", "get", "lake", "--show-secrets")
        self.assertNotEqual(code, 0)
        self.assertIn(f"chmod 600 {key_file}", err)
        os.remove(key_file)
        code, _, err = self.weir("connections", "get", "lake", "--show-secrets")
        self.assertNotEqual(code, 0)
        self.assertIn("no key to open sealed secrets", err)
