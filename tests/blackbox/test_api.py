"""The REST API with the real binary: weir webserver on a free port, the scheduler's records
behind it; logins, roles, CSRF and tokens; JSON errors, pagination, logs, paths that try to
leave the logs folder, and the state changes (pause, trigger, clear, mark, variables)."""

import http.client
import http.cookiejar
import json
import os
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request

import subprocess

from harness import WEIR, WeirTestCase, unstamp


class ApiTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.copy_example("simple_dag.yaml")
        self.copy_example("example_params.yaml")
        self.weir("variables", "set", "token", "s3cr3t", "--secret", check=0)
        self.weir("variables", "set", "base_url", "https://example.org", check=0)
        self.weir("dags", "test", "simple_dag", "2021-01-01", timeout=60, check=0)
        for user, role in (("ada", "admin"), ("olga", "op"), ("vic", "viewer")):
            p = subprocess.run([WEIR, "users", "create", user, "--role", role,
                                "--password-stdin"], input=f"pw-{user}-123\n", text=True,
                               env=self.env(), capture_output=True)
            self.assertEqual(p.returncode, 0, p.stderr)
        proc = self.start("webserver", "--port", "0")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output)
        self.assertIsNotNone(port, proc.startup_output)
        self.base = f"http://127.0.0.1:{port.group(1)}/api/v1"
        self.client = self.login("vic")

    def login(self, user):
        """A client (cookie jar) logged in as `user`, with its CSRF token."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, body = self.call("POST", "/auth/login",
                                 {"username": user, "password": f"pw-{user}-123"}, opener=opener)
        self.assertEqual(status, 200, body)
        opener.csrf = body["csrf_token"]
        opener.jar = jar
        return opener

    def call(self, method, path, body=None, opener=None, headers=None):
        """(status, JSON body) of one request, with `opener`'s cookies."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=dict(headers or {}))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def get(self, path):
        return self.call("GET", path, opener=self.client)

    def write(self, client, method, path, body=None, csrf=True):
        headers = {"X-CSRF-Token": client.csrf} if csrf else {}
        return self.call(method, path, body, opener=client, headers=headers)

    def test_dags_runs_task_instances_and_logs(self):
        status, health = self.get("/health")
        self.assertEqual(status, 200)
        self.assertEqual(health["metadatabase"]["status"], "healthy")

        status, dags = self.get("/dags")
        self.assertEqual(status, 200)
        self.assertEqual(dags["total_entries"], 2)
        by_id = {d["dag_id"]: d for d in dags["dags"]}
        self.assertEqual(by_id["simple_dag"]["schedule_description"], "Every day at 00:00 (UTC)")
        self.assertEqual(by_id["simple_dag"]["recent_runs"][0]["state"], "success")
        status, page = self.get("/dags?limit=1&offset=1")
        self.assertEqual([d["dag_id"] for d in page["dags"]], ["simple_dag"])
        self.assertEqual(page["total_entries"], 2)
        status, filtered = self.get("/dags?dag_id_pattern=PARAM")
        self.assertEqual([d["dag_id"] for d in filtered["dags"]], ["example_params"])

        status, dag = self.get("/dags/example_params")
        self.assertEqual(status, 200)
        self.assertIn("color", [p["name"] for p in dag["params"]])
        status, source = self.get("/dags/simple_dag/source")
        with open(os.path.join(self.dags, "simple_dag.yaml")) as f:
            self.assertEqual(source["source"], f.read())

        status, runs = self.get("/dags/simple_dag/dagRuns")
        self.assertEqual(runs["total_entries"], 1)
        run = runs["dag_runs"][0]
        self.assertEqual(run["data_interval_start"], "2021-01-01T00:00:00Z")
        status, ran = self.get(f"/dags/simple_dag/source?version_id={run['version_id']}")
        self.assertEqual((status, ran["version_id"]), (200, run["version_id"]))
        self.assertEqual(ran["source"], source["source"])
        status, _ = self.get("/dags/simple_dag/source?version_id=999999")
        self.assertEqual(status, 404)
        run_path = "/dags/simple_dag/dagRuns/" + urllib.parse.quote(run["run_id"], safe="")
        status, tis = self.get(run_path + "/taskInstances")
        self.assertEqual({t["task_id"]: t["state"] for t in tis["task_instances"]},
                         {"print_date": "success", "sleep": "success", "print_end": "success"})
        status, ti = self.get(run_path + "/taskInstances/print_date")
        self.assertEqual(ti["tries"][0]["exit_code"], 0)
        self.assertIn("return_value", ti["xcom"])

        status, log = self.get(run_path + "/taskInstances/print_date/logs/1")
        self.assertEqual(status, 200)
        self.assertIn("dag simple_dag task print_date", log["content"])
        self.assertTrue(log["finished"])
        status, rest = self.get(run_path + f"/taskInstances/print_date/logs/1?offset={log['next_offset']}")
        self.assertEqual(rest["content"], "")
        self.assertEqual(rest["next_offset"], log["size"])

    def read_log(self, log_path, run_id, task):
        """The whole log through the API, piece by piece: (pieces, joined text)."""
        pieces, offset = [], 0
        while True:
            status, piece = self.get(f"{log_path}?offset={offset}")
            self.assertEqual(status, 200, piece)
            pieces.append(piece["content"])
            if piece["next_offset"] >= piece["size"]:
                return pieces, "".join(pieces)
            self.assertGreater(piece["next_offset"], offset)  # always progress
            offset = piece["next_offset"]

    def test_log_pieces_split_no_character_and_no_secret(self):
        # The API sends a log 1 MiB at a time. Written here so that a 3-byte character and the
        # secret variable's value (s3cr3t) straddle the first 1 MiB boundary, and with bytes
        # that are not UTF-8 at all (a task may print anything).
        run_id = "test__2021-01-01T00:00:00+00:00"
        path = os.path.join(self.home, "logs", "simple_dag", run_id, "print_date", "attempt-1.log")
        mib = 1 << 20
        for text, boundary in ((b"a" * (mib - 1) + "€uro\n".encode(), "€"),
                               (b"b" * (mib - 3) + b"s3cr3t and more\n", "s3cr3t")):
            with open(path, "wb") as f:
                f.write(text + b"caf\xe9 \xff\n")
            log_path = ("/dags/simple_dag/dagRuns/" + urllib.parse.quote(run_id, safe="") +
                        "/taskInstances/print_date/logs/1")
            pieces, whole = self.read_log(log_path, run_id, "print_date")
            self.assertGreater(len(pieces), 1)
            self.assertNotIn("s3cr3t", whole)
            for piece in pieces:
                self.assertFalse(piece.endswith(("s3", "s3c", "s3cr", "s3cr3")), piece[-10:])
            if boundary == "€":
                self.assertTrue(whole.startswith("a" * (mib - 1) + "€uro\n"))
            else:
                self.assertIn("*** and more", whole)
            # Bytes that are not UTF-8 come back as U+FFFD, never as an error.
            self.assertTrue(whole.endswith("caf\ufffd \ufffd\n"), whole[-12:])

    def test_next_run_of_a_daily_dag_and_none_for_a_manual_one(self):
        # Catchup from a fixed start_date and no scheduled run yet: the first day comes next,
        # whatever today is.
        self.write_dag("daily_next.yaml", "dag_id: daily_next\nschedule: '@daily'\n"
                       "start_date: 2024-03-01\ncatchup: true\n"
                       "tasks:\n  - task_id: t\n    operator: empty\n")
        self.weir("dags", "list", check=0)  # records the DAG in the store
        expected = {"data_interval_start": "2024-03-01T00:00:00Z",
                    "data_interval_end": "2024-03-02T00:00:00Z",
                    "runs_at": "2024-03-02T00:00:00Z"}
        status, dag = self.get("/dags/daily_next")
        self.assertEqual(status, 200, dag)
        self.assertEqual(dag["next_run"], expected)
        status, dags = self.get("/dags")
        by_id = {d["dag_id"]: d for d in dags["dags"]}
        self.assertEqual(by_id["daily_next"]["next_run"], expected)
        self.assertIsNone(by_id["example_params"]["next_run"])  # schedule: null
        status, manual = self.get("/dags/example_params")
        self.assertIn("next_run", manual)
        self.assertIsNone(manual["next_run"])
        # The CLI shows the same interval first.
        nxt = self.weir_json("dags", "next-runs", "daily_next", "-n", "1")
        self.assertEqual({k: nxt[0][k] for k in expected}, expected)

    def test_health_without_a_scheduler(self):
        # `dags test` ran a run in setUp, but it is no scheduler.
        status, health = self.call("GET", "/health")
        self.assertEqual(status, 200, health)
        self.assertEqual(health["metadatabase"]["status"], "healthy")
        self.assertEqual(health["scheduler"],
                         {"status": "unhealthy", "latest_scheduler_heartbeat": None, "alive": 0})

    def test_a_second_webserver_cannot_take_the_same_port(self):
        port = urllib.parse.urlparse(self.base).port
        code, out, err = self.weir("webserver", "--port", str(port), timeout=20)
        self.assertNotEqual(code, 0, out)
        self.assertIn(f"cannot listen on 127.0.0.1:{port}", err)

    def test_keep_alive_requests_do_not_wait_for_delayed_acks(self):
        # Without TCP_NODELAY every request after a connection's first waited 40 ms for the
        # client's delayed ACK: 40 requests took well over a second.
        conn = http.client.HTTPConnection(urllib.parse.urlparse(self.base).netloc, timeout=10)
        started = time.monotonic()
        for _ in range(40):
            conn.request("GET", "/api/v1/health")
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
        conn.close()
        self.assertLess(time.monotonic() - started, 0.8)

    def test_the_grid_and_pools(self):
        status, grid = self.get("/dags/simple_dag/grid")
        self.assertEqual(status, 200, grid)
        self.assertEqual(grid["tasks"], ["print_date", "sleep", "print_end"])
        self.assertEqual(len(grid["runs"]), 1)
        run_id = grid["runs"][0]["run_id"]
        cell = grid["cells"][run_id]["sleep"]
        self.assertEqual((cell["state"], cell["try_number"]), ("success", 1))
        self.assertLess(cell["start_date"], cell["end_date"])
        self.assertEqual(self.get("/dags/simple_dag/grid?limit_runs=0")[0], 400)

        op = self.login("olga")
        status, pool = self.write(op, "POST", "/pools", {"name": "api", "slots": 2})
        self.assertEqual((status, pool["slots"]), (200, 2))
        status, pool = self.write(op, "PATCH", "/pools/api", {"slots": 5, "description": "x"})
        self.assertEqual((status, pool["slots"]), (200, 5))
        self.assertEqual(self.write(op, "POST", "/pools", {"name": "bad", "slots": -1})[0], 400)
        self.assertEqual(self.write(op, "DELETE", "/pools/api")[0], 200)
        self.assertNotEqual(self.write(op, "DELETE", "/pools/default_pool")[0], 200)
        status, pools = self.get("/pools")
        self.assertEqual([p["name"] for p in pools["pools"]], ["default_pool"])

    def test_errors_are_json_and_paths_cannot_escape(self):
        status, body = self.get("/dags/nope")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        status, body = self.get("/dags?limit=5000")
        self.assertEqual(status, 400)
        self.assertIn("limit", body["error"]["message"])
        status, body = self.get("/no/such/thing")
        self.assertEqual(status, 404)
        # ../ in ids: the ids must name a task instance the store has, so nothing is read.
        for evil in ("%2E%2E%2F%2E%2E%2Fweir.yaml", "..%2F..%2F..%2Fetc%2Fpasswd"):
            status, body = self.get(f"/dags/simple_dag/dagRuns/{evil}/taskInstances/x/logs/1")
            self.assertEqual(status, 404, body)
            self.assertIn("error", body)
        status, body = self.get("/dags/simple_dag/dagRuns/x/taskInstances/y/logs/0")
        self.assertEqual(status, 400)

    def test_secrets_never_come_back(self):
        status, variables = self.get("/variables")
        values = {v["key"]: v["value"] for v in variables["variables"]}
        self.assertEqual(values, {"base_url": "https://example.org", "token": "***"})
        status, pools = self.get("/pools")
        self.assertIn("default_pool", [p["name"] for p in pools["pools"]])


    def test_who_may_do_what(self):
        # Without a session or a token: 401, except health and login.
        status, body = self.call("GET", "/dags")
        self.assertEqual((status, body["error"]["code"]), (401, "unauthenticated"))
        self.assertEqual(self.call("GET", "/health")[0], 200)
        status, body = self.call("POST", "/auth/login", {"username": "vic", "password": "nope"})
        self.assertEqual((status, body["error"]["message"]),
                         (401, "invalid username or password"))
        status, body = self.call("POST", "/auth/login", {"username": "nobody", "password": "x"})
        self.assertEqual((status, body["error"]["message"]),
                         (401, "invalid username or password"))
        # The cookie is HttpOnly and SameSite=Strict.
        cookie = next(c for c in self.client.jar if c.name == "weir_session")
        self.assertTrue(cookie.has_nonstandard_attr("HttpOnly"))
        self.assertEqual(cookie.get_nonstandard_attr("SameSite"), "Strict")

        # A viewer reads but cannot trigger.
        status, me = self.get("/auth/me")
        self.assertEqual((me["username"], me["role"]), ("vic", "viewer"))
        status, body = self.write(self.client, "POST", "/dags/example_params/dagRuns", {})
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))

        op = self.login("olga")
        # A state change without the CSRF token is refused, with it accepted.
        status, body = self.write(op, "PATCH", "/dags/simple_dag", {"is_paused": True},
                                  csrf=False)
        self.assertEqual((status, body["error"]["code"]), (403, "csrf"))
        status, dag = self.write(op, "PATCH", "/dags/simple_dag", {"is_paused": True})
        self.assertEqual((status, dag["is_paused"]), (200, True))
        status, run = self.write(op, "POST", "/dags/example_params/dagRuns",
                                 {"conf": {"color": "green"}})
        self.assertEqual(status, 200, run)
        self.assertEqual((run["state"], run["conf"]["color"]), ("queued", "green"))
        status, body = self.write(op, "POST", "/dags/example_params/dagRuns",
                                  {"conf": {"color": "purple"}})
        self.assertEqual(status, 400, body)

        # Clear a finished task and mark a run, as an op.
        status, runs = self.get("/dags/simple_dag/dagRuns")
        run_path = "/dags/simple_dag/dagRuns/" + urllib.parse.quote(runs["dag_runs"][0]["run_id"],
                                                                    safe="")
        status, cleared = self.write(op, "POST", run_path + "/taskInstances/sleep/clear",
                                     {"include_downstream": True})
        self.assertEqual(status, 200, cleared)
        self.assertEqual(sorted(t["task_id"] for t in cleared["task_instances"]),
                         ["print_end", "sleep"])
        status, marked = self.write(op, "PATCH", run_path, {"state": "failed"})
        self.assertEqual((status, marked["state"]), (200, "failed"))

        # Variables: an op sets one; a secret never comes back.
        status, v = self.write(op, "POST", "/variables",
                               {"key": "api_key", "value": "hunter2", "is_secret": True})
        self.assertEqual((status, v["value"]), (200, "***"))
        status, variables = self.get("/variables")
        self.assertNotIn("hunter2", json.dumps(variables))

        # A token works without cookie or CSRF; logging out ends the session.
        p = subprocess.run([WEIR, "users", "token", "olga", "--name", "ci"], env=self.env(),
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        token = re.search(r"weir_\S+", p.stdout).group(0)
        status, dag = self.call("PATCH", "/dags/simple_dag", {"is_paused": False},
                                headers={"Authorization": f"Bearer {token}"})
        self.assertEqual((status, dag["is_paused"]), (200, False))
        self.assertEqual(self.call("GET", "/dags", headers={
            "Authorization": "Bearer weir_not_a_token"})[0], 401)
        status, _ = self.write(op, "POST", "/auth/logout")
        self.assertEqual(status, 200)
        self.assertEqual(self.call("GET", "/dags", opener=op)[0], 401)
        # A viewer may log out too (it changes nothing but its own session).
        status, _ = self.write(self.client, "POST", "/auth/logout")
        self.assertEqual(status, 200)
        self.assertEqual(self.get("/dags")[0], 401)


    def test_admins_manage_users(self):
        admin = self.login("ada")
        op = self.login("olga")
        status, body = self.call("GET", "/users", opener=op)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        status, users = self.call("GET", "/users", opener=admin)
        self.assertEqual([u["username"] for u in users["users"]], ["ada", "olga", "vic"])
        self.assertNotIn("password", json.dumps(users))
        self.assertNotIn("argon2", json.dumps(users))
        status, made = self.write(admin, "POST", "/users",
                                  {"username": "newbie", "role": "viewer", "password": "pw-newbie-123"})
        self.assertEqual((status, made["role"]), (200, "viewer"))
        status, body = self.write(admin, "POST", "/users",
                                  {"username": "short", "role": "viewer", "password": "x"})
        self.assertEqual(status, 400, body)
        status, body = self.write(admin, "POST", "/users",
                                  {"username": "newbie", "role": "viewer", "password": "pw-newbie-123"})
        self.assertEqual(status, 409, body)
        status, promoted = self.write(admin, "PATCH", "/users/newbie", {"role": "op"})
        self.assertEqual(promoted["role"], "op")
        self.assertEqual(self.login("newbie").csrf != "", True)
        status, body = self.write(admin, "DELETE", "/users/ada")
        self.assertEqual(status, 409, body)
        status, _ = self.write(admin, "DELETE", "/users/newbie")
        self.assertEqual(status, 200)
        status, body = self.call("POST", "/auth/login",
                                 {"username": "newbie", "password": "pw-newbie-123"})
        self.assertEqual(status, 401)

    def test_secrets_are_masked_in_arguments_and_logs_and_a_log_can_be_tailed(self):
        self.write_dag("tail.yaml", """
dag_id: tail_dag
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: talk
    operator: bash
    command: "echo token={{ var.value.token }}; for i in 1 2 3; do echo line$i; sleep 0.7; done"
""")
        self.start("scheduler")
        op = self.login("olga")
        # The scheduler records the new file; the webserver parses it when asked about it.
        self.wait_for("the scheduler to record tail_dag",
                      lambda: self.query("SELECT 1 FROM dag WHERE dag_id = 'tail_dag'"),
                      timeout=15)
        status, run = self.write(op, "POST", "/dags/tail_dag/dagRuns", {})
        self.assertEqual(status, 200, run)
        path = ("/dags/tail_dag/dagRuns/" + urllib.parse.quote(run["run_id"], safe="") +
                "/taskInstances/talk")
        self.wait_for("the try to start",
                      lambda: self.get(path)[1].get("try_number", 0) >= 1, timeout=30)
        # Follow the log with long polls until the try ends.
        text, offset, polls = "", 0, 0
        while polls < 40:
            polls += 1
            status, piece = self.get(f"{path}/logs/1?offset={offset}&wait=5")
            self.assertEqual(status, 200, piece)
            text += piece["content"]
            offset = piece["next_offset"]
            if piece["finished"]:
                break
        self.assertTrue(piece["finished"], text)
        self.assertLess(polls, 15, "long polls should wait for output, not spin")
        lines = [l for l in unstamp(text).splitlines() if l.startswith("line")]
        self.assertEqual(lines, ["line1", "line2", "line3"])
        self.assertIn("token=***", text)
        self.assertNotIn("s3cr3t", text)
        status, ti = self.get(path)
        self.assertNotIn("s3cr3t", json.dumps(ti))
        self.assertIn("***", ti["tries"][0]["rendered_args"]["command"])


class SchedulerHealthTest(WeirTestCase):
    """GET /health with the real processes: standalone's scheduler beats; once it stops, the
    web server alone reports its last heartbeat and unhealthy."""

    def health(self, proc):
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output)
        self.assertIsNotNone(port, proc.startup_output)
        with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}/api/v1/health",
                                    timeout=10) as r:
            return json.load(r)

    def test_standalone_is_healthy_and_a_stopped_scheduler_is_not(self):
        # A home that is set up already: standalone adds no example DAGs to run.
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("# defaults\n")
        proc = self.start("standalone")
        health = self.health(proc)
        self.assertEqual(health["metadatabase"]["status"], "healthy")
        self.assertEqual(health["scheduler"]["status"], "healthy", health)
        beat = health["scheduler"]["latest_scheduler_heartbeat"]
        self.assertRegex(beat, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        ((host, pid, ended),) = self.query(
            "SELECT hostname, pid, ended_at FROM scheduler_job")
        self.assertTrue(host)
        self.assertEqual(pid, proc.pid)
        self.assertIsNone(ended)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=30), 0)

        web = self.start("webserver", "--port", "0")
        health = self.health(web)
        self.assertEqual(health["scheduler"]["status"], "unhealthy")
        self.assertIsNotNone(health["scheduler"]["latest_scheduler_heartbeat"])
        self.assertIsNotNone(self.query("SELECT ended_at FROM scheduler_job")[0][0])


if __name__ == "__main__":
    import unittest
    unittest.main()
