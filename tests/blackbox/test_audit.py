"""The audit log (Airflow's event log): every change made through the API with a token, the
UI with a session and the CLI is recorded with who, from where, what and on which target;
no secret ever shows in it; viewers do not see events about users and tokens; `weir db
clean --audit` removes old events and leaves a trace."""

import getpass
import json
import socket
import subprocess
import urllib.error
import urllib.request

from harness import WEIR, ApiClient, WeirTestCase, api_base, create_user

DAG = """dag_id: audited
tasks:
  - task_id: extract
    operator: empty
  - task_id: load
    operator: empty
    depends_on: [extract]
"""

SECRET_1 = "hunter2-first-secret"
SECRET_2 = "swordfish-second-secret"
PASSWORD = "pw-carol-very-long"


class AuditLog(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.write_dag("audited.yaml", DAG)
        for user, role in (("ada", "admin"), ("olga", "op"), ("vic", "viewer")):
            create_user(self, user, role, f"pw-{user}-123")
        code, out, err = self.weir("users", "token", "olga", "--name", "ci", check=0)
        self.token = out.strip()
        self.web = self.start("webserver", "--port", "0")
        self.base = api_base(self.web)

    def bearer(self, method, path, data=None):
        """(status, JSON body) of a request with olga's API token."""
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if data is None else json.dumps(data).encode(),
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def session(self, user):
        client = ApiClient(self.base)
        status, body = client.login(user, f"pw-{user}-123")
        self.assertEqual(status, 200, body)
        return client

    def events(self, client, query=""):
        status, body = client.send("GET", "/eventLogs" + query)
        self.assertEqual(status, 200, body)
        return body

    def one(self, events, event, **where):
        found = [e for e in events if e["event"] == event and
                 all(e.get(k) == v for k, v in where.items())]
        self.assertEqual(len(found), 1, f"{event} {where} in {json.dumps(events, indent=1)}")
        return found[0]

    def test_api_ui_and_cli_changes_are_recorded_with_who_where_and_what(self):
        # Through the API with a bearer token: source "api".
        status, run = self.bearer("POST", "/dags/audited/dagRuns",
                                  {"dag_run_id": "r1", "conf": {"n": 1}})
        self.assertEqual(status, 200, run)
        status, body = self.bearer("PATCH", "/dags/audited/dagRuns/r1/taskInstances/extract",
                                   {"state": "failed", "include_downstream": True})
        self.assertEqual(status, 200, body)
        # Through the UI's session: source "ui".
        olga = self.session("olga")
        status, body = olga.send("POST", "/dags/audited/dagRuns/r1/taskInstances/extract/clear",
                                 {"include_downstream": False})
        self.assertEqual(status, 200, body)
        self.assertEqual(olga.send("PATCH", "/dags/audited", {"is_paused": True})[0], 200)
        self.assertEqual(olga.send("PATCH", "/dags/audited/dagRuns/r1", {"state": "success"})[0],
                         200)
        # Through the CLI: the OS user on this host, source "cli".
        self.weir("dags", "unpause", "audited", check=0)
        self.weir("tasks", "clear", "audited", "--run-id", "r1", "--yes", check=0)
        self.weir("pools", "set", "small", "3", check=0)
        self.assertEqual(self.bearer("DELETE", "/pools/small")[0], 200)

        ada = self.session("ada")
        body = self.events(ada, "?dag_id=audited")
        events = body["event_logs"]
        self.assertEqual(body["total_entries"], 7, json.dumps(events, indent=1))
        self.assertEqual([e["event"] for e in events],
                         ["clear", "unpause", "mark_run", "pause", "clear", "mark_task",
                          "trigger"])  # newest first

        trigger = self.one(events, "trigger")
        self.assertEqual((trigger["owner"], trigger["source"], trigger["origin"]),
                         ("olga", "api", "127.0.0.1"))
        self.assertEqual((trigger["dag_id"], trigger["run_id"], trigger["task_id"]),
                         ("audited", "r1", None))
        self.assertEqual(trigger["extra"]["conf"], {"n": 1})
        self.assertRegex(trigger["when"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

        mark = self.one(events, "mark_task")
        self.assertEqual((mark["source"], mark["task_id"]), ("api", "extract"))
        self.assertEqual(mark["extra"]["state"], "failed")
        self.assertEqual(mark["extra"]["marked"],
                         [{"run_id": "r1", "task_id": "extract", "was": "none"},
                          {"run_id": "r1", "task_id": "load", "was": "none"}])
        self.assertEqual(mark["extra"]["downstream"], True)

        ui_clear = self.one(events, "clear", source="ui")
        self.assertEqual((ui_clear["owner"], ui_clear["origin"]), ("olga", "127.0.0.1"))
        self.assertEqual((ui_clear["run_id"], ui_clear["task_id"]), ("r1", "extract"))
        self.assertEqual(ui_clear["extra"]["cleared"],
                         [{"run_id": "r1", "task_id": "extract", "was": "failed"}])

        pause = self.one(events, "pause")
        self.assertEqual((pause["source"], pause["extra"]["was_paused"]), ("ui", False))
        mark_run = self.one(events, "mark_run")
        self.assertEqual(mark_run["extra"]["state"], "success")
        self.assertEqual(mark_run["extra"]["was"], "queued")

        os_user, host = getpass.getuser(), socket.gethostname()
        unpause = self.one(events, "unpause")
        self.assertEqual((unpause["owner"], unpause["source"], unpause["origin"]),
                         (os_user, "cli", host))
        cli_clear = self.one(events, "clear", source="cli")
        self.assertEqual([c["task_id"] for c in cli_clear["extra"]["cleared"]],
                         ["extract", "load"])

        # Filters: action, source, user; pools are not about a DAG.
        body = self.events(ada, "?event=clear&source=ui")
        self.assertEqual([e["event_log_id"] for e in body["event_logs"]],
                         [ui_clear["event_log_id"]])
        pools = self.events(ada, "?event=pool_set")["event_logs"]
        self.assertEqual(pools[0]["extra"], {"pool": "small", "slots": 3, "description": "",
                                             "created": True})
        deleted = self.events(ada, "?event=pool_delete&owner=OLGA")["event_logs"]
        self.assertEqual((deleted[0]["source"], deleted[0]["extra"]["pool"]), ("api", "small"))
        page = self.events(ada, "?dag_id=audited&limit=2&offset=1")
        self.assertEqual([e["event"] for e in page["event_logs"]], ["unpause", "mark_run"])
        self.assertEqual(page["total_entries"], 7)
        status, one = ada.send("GET", f"/eventLogs/{trigger['event_log_id']}")
        self.assertEqual((status, one), (200, trigger))
        self.assertEqual(ada.send("GET", "/eventLogs?after=yesterday")[0], 400)

        # The CLI lists the same events with the same filters.
        listed = self.weir_json("audit", "list", "--dag", "audited", "--action", "clear")
        self.assertEqual([e["source"] for e in listed], ["cli", "ui"])
        code, table, err = self.weir("audit", "list", "--user", "olga", check=0)
        self.assertIn("mark_task", table)
        self.assertIn("audited r1 extract", table)
        self.assertNotIn("unpause", table)

    def test_no_secret_value_password_or_token_is_recorded(self):
        self.weir("variables", "set", "api_key", SECRET_1, "--secret", check=0)
        status, body = self.bearer("PATCH", "/variables/api_key",
                                   {"value": SECRET_2, "is_secret": True})
        self.assertEqual(status, 200, body)
        self.weir("variables", "set", "api_key", SECRET_2, "--secret", check=0)
        ada = self.session("ada")
        self.assertEqual(ada.send("POST", "/users", {"username": "carol", "role": "viewer",
                                                     "password": PASSWORD})[0], 200)
        self.assertEqual(ada.send("PATCH", "/users/carol", {"password": PASSWORD + "2"})[0], 200)
        self.assertEqual(self.bearer("DELETE", "/variables/api_key")[0], 200)

        sets = self.events(ada, "?event=variable_set")["event_logs"]
        self.assertEqual([(e["source"], e["extra"]["created"], e["extra"]["value_changed"])
                          for e in sets],
                         [("cli", False, False), ("api", False, True), ("cli", True, True)])
        self.assertEqual(sets[1]["extra"]["key"], "api_key")
        dropped = self.events(ada, "?event=variable_delete")["event_logs"]
        self.assertEqual(dropped[0]["extra"], {"key": "api_key", "is_secret": True})

        everything = json.dumps(self.events(ada, "?limit=1000"))
        everything += self.weir("audit", "list", "-o", "json", check=0)[1]
        everything += self.weir("audit", "list", "--limit", "0", check=0)[1]
        everything += json.dumps(self.query("SELECT * FROM audit_event"))
        for secret in (SECRET_1, SECRET_2, PASSWORD, self.token, self.token[:12]):
            self.assertNotIn(secret, everything)
        self.assertIn("token_create", everything)
        self.assertIn("user_password", everything)

    def test_viewers_do_not_see_events_about_users_and_tokens(self):
        ada = self.session("ada")
        self.assertEqual(ada.send("POST", "/users", {"username": "carol", "role": "viewer",
                                                     "password": PASSWORD})[0], 200)
        self.assertEqual(ada.send("PATCH", "/users/carol", {"role": "op"})[0], 200)
        self.assertEqual(ada.send("DELETE", "/users/carol")[0], 200)
        self.assertEqual(self.bearer("POST", "/dags/audited/dagRuns", {"dag_run_id": "r1"})[0],
                         200)

        admin_view = self.events(ada, "?limit=1000")
        accounts = [e for e in admin_view["event_logs"]
                    if e["event"].startswith(("user_", "token_"))]
        # users create x3 and the token (CLI), then create, role, delete (UI).
        self.assertEqual([e["event"] for e in accounts],
                         ["user_delete", "user_role", "user_create", "token_create",
                          "user_create", "user_create", "user_create"])
        role = self.one(accounts, "user_role")
        self.assertEqual((role["owner"], role["source"]), ("ada", "ui"))
        self.assertEqual((role["extra"]["username"], role["extra"]["was"], role["extra"]["role"]),
                         ("carol", "viewer", "op"))
        token = self.one(accounts, "token_create")
        self.assertEqual((token["extra"]["username"], token["extra"]["name"]), ("olga", "ci"))

        for user in ("vic", "olga"):
            reader = self.session(user)
            seen = self.events(reader, "?limit=1000")
            self.assertEqual([e["event"] for e in seen["event_logs"]], ["trigger"], user)
            self.assertEqual(seen["total_entries"], 1)
            self.assertEqual(self.events(reader, "?event=user_create")["total_entries"], 0)
            status, body = reader.send("GET", f"/eventLogs/{role['event_log_id']}")
            self.assertEqual(status, 404, body)
            self.assertNotIn("carol", json.dumps(body))
        self.assertEqual(ada.send("GET", f"/eventLogs/{role['event_log_id']}")[0], 200)

    def test_db_clean_removes_old_audit_events_only_when_asked_and_leaves_a_trace(self):
        self.weir("dags", "pause", "audited", check=0)
        self.weir("db", "clean", "--before", "2999-01-01", check=0)
        actions = [e["event"] for e in self.weir_json("audit", "list")]
        self.assertIn("pause", actions)  # runs' retention keeps the audit log
        code, out, _ = self.weir("db", "clean", "--before", "2999-01-01", "--audit", check=0)
        self.assertIn("removed 5 audit events", out)
        left = self.weir_json("audit", "list")
        self.assertEqual([e["event"] for e in left], ["db_clean"])
        self.assertEqual(left[0]["extra"]["audit_events_removed"], 5)
        self.assertEqual(left[0]["source"], "cli")


if __name__ == "__main__":
    import unittest
    unittest.main()
