"""Secret variables never come out: a real `weir standalone` runs a DAG that prints secrets of
each awkward shape (quotes, backslashes, newlines, control characters, a JSON secret read
field by field) raw and encoded (JSON, shell quoting, Python's repr, URL encoding), fails on
one, returns one as XCom and gets one in its conf; then every API endpoint and CLI command
that returns text is read, as a viewer, and must show none of them. Every secret is made of
Q and J around its awkward part, and nothing else weir prints has an upper-case Q or J, so
"no Q or J came out" means "no piece of a secret came out"."""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from harness import WEIR, WeirTestCase

SECRETS = {
    "s_plain": "QJplainQJ",
    "s_quote": 'QJ"dq"QJ',
    "s_backslash": "QJ\\bsQJ",
    "s_newline": "QJline1\nQJline2",
    "s_control": "QJ\x01ctlQJ",
    "s_single": "QJ'sq'QJ",
    "s_url": "QJ a&b=c/QJ",
    "s_json": json.dumps({"user": "QJuserQJ", "password": 'QJp"w\\QJ'}),
}

DAG = r"""
dag_id: leaky
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: print_secrets
    operator: bash
    env:
      v_plain: "{{ var.value.s_plain }}"
      v_quote: "{{ var.value.s_quote }}"
      v_backslash: "{{ var.value.s_backslash }}"
      v_newline: "{{ var.value.s_newline }}"
      v_control: "{{ var.value.s_control }}"
      v_single: "{{ var.value.s_single }}"
      v_url: "{{ var.value.s_url }}"
      v_user: "{{ var.json.s_json.user }}"
      v_password: "{{ var.json.s_json.password }}"
      v_whole: "{{ var.json.s_json }}"
    command: |
      # {{ var.value.s_plain }} {{ var.value.s_quote }} {{ var.value.s_single }}
      # {{ var.value.s_backslash }} {{ var.value.s_control }} {{ var.json.s_json.password }}
      for v in "$v_plain" "$v_quote" "$v_backslash" "$v_newline" "$v_control" "$v_single" \
               "$v_url" "$v_user" "$v_password" "$v_whole"; do
        printf 'raw %s\n' "$v"; printf 'err %s\n' "$v" >&2
      done
      printf '%q\n' "$v_quote" "$v_backslash" "$v_single" "$v_url"
      echo {{ var.value.s_url | urlencode }} {{ var.json.s_json.password | urlencode }}
      python3 - <<'EOF'
      import json, os, shlex, urllib.parse
      values = [v for k, v in sorted(os.environ.items()) if k.startswith("v_")]
      print(json.dumps(values))
      print(json.dumps(values, ensure_ascii=False))
      print(repr(values))
      print(" ".join(shlex.quote(v) for v in values))
      print(" ".join(urllib.parse.quote(v, safe="") for v in values))
      print(" ".join(urllib.parse.quote_plus(v) for v in values))
      print(" ".join(urllib.parse.quote(v) for v in values))
      EOF
      printf '%s\n' "$v_quote"
  - task_id: fail_on_secret
    operator: bash
    command: "echo {{ var.value.s_single | int }}"
  - task_id: print_late
    operator: bash
    env:
      LATE: "{{ var.value.s_late }}"
    command: |
      echo "before"
      printf 'late %s late\n' "$LATE"
      echo "after"
"""

LATE = "QJlate-secret-QJ"


class SecretsTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("# defaults\n")
        for key, value in SECRETS.items():
            self.weir("variables", "set", key, value, "--secret", check=0)
        # Not a secret while its task runs: the log on disk holds it, and serving must mask it.
        self.weir("variables", "set", "s_late", LATE, check=0)
        self.write_dag("leaky.yaml", DAG)
        for user, role in (("vic", "viewer"), ("olga", "op")):
            p = subprocess.run([WEIR, "users", "create", user, "--role", role,
                                "--password-stdin"], input=f"pw-{user}-123\n", text=True,
                               env=self.env(), capture_output=True)
            self.assertEqual(p.returncode, 0, p.stderr)

    def assertNoSecret(self, text, what):
        text = text.replace(self.home, "HOME")  # a temporary folder's name may have a Q or J
        found = re.search(r".{0,30}[QJ].{0,30}", text, re.S)
        self.assertIsNone(found, f"{what} shows a piece of a secret: {found and found.group(0)!r}")

    def login(self, base, user):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        req = urllib.request.Request(
            base + "/auth/login", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": user, "password": f"pw-{user}-123"}).encode())
        with opener.open(req, timeout=10) as r:
            opener.csrf = json.load(r)["csrf_token"]
        return opener

    def get(self, opener, url):
        with opener.open(url, timeout=30) as r:
            body = r.read().decode()
            return json.loads(body), body

    def test_a_short_secret_is_refused(self):
        code, _, err = self.weir("variables", "set", "tiny", "abc", "--secret")
        self.assertEqual(code, 2, err)
        self.assertIn("at least 4 characters", err)
        self.weir("variables", "set", "tiny", "abc", check=0)  # not a secret: fine

    def run_leaky(self):
        """Runs the DAG under `weir standalone`, then makes s_late a secret. Returns the API's
        base URL, the run's path in it, the run id and the raw log of print_late."""
        proc = self.start("standalone")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1)
        base = f"http://127.0.0.1:{port}/api/v1"
        self.wait_for("the scheduler to record leaky",
                      lambda: self.query("SELECT 1 FROM dag WHERE dag_id = 'leaky'"), timeout=30)
        self.weir("dags", "unpause", "leaky", check=0)
        run_id = "manual__leaky"
        self.weir("dags", "trigger", "leaky", "--run-id", run_id, "--conf",
                  json.dumps({"note": SECRETS["s_plain"]}), check=0)
        self.wait_for("the run to end", lambda: self.query(
            "SELECT state FROM dag_run WHERE run_id = ? AND state IN ('success', 'failed')",
            run_id), timeout=60)
        # Now it is a secret: its value is on disk, in a log written before.
        self.weir("variables", "set", "s_late", LATE, "--secret", check=0)
        path = os.path.join(self.home, "logs", "leaky", run_id, "print_late", "attempt-1.log")
        with open(path, "rb") as f:
            late_log = f.read()
        self.assertIn(LATE.encode(), late_log)
        run_path = f"{base}/dags/leaky/dagRuns/{urllib.parse.quote(run_id, safe='')}"
        return base, run_path, run_id, late_log

    def test_log_files_hold_no_secret_known_when_they_were_written(self):
        _, _, run_id, _ = self.run_leaky()
        logs = os.path.join(self.home, "logs", "leaky", run_id)
        for task in ("print_secrets", "fail_on_secret"):
            with open(os.path.join(logs, task, "attempt-1.log"), encoding="utf-8",
                      errors="replace") as f:
                text = f.read()
            self.assertIn("***", text)
            self.assertNoSecret(text, f"the log file of {task}")

    def test_no_api_answer_shows_a_secret_to_a_viewer(self):
        base, run_path, _, _ = self.run_leaky()
        viewer = self.login(base, "vic")
        # The task-instance list (its errors) first: it was not masked at all before.
        tis, body = self.get(viewer, f"{run_path}/taskInstances")
        self.assertNoSecret(body, "the task-instance list")
        states = {t["task_id"]: (t["state"], t["error"]) for t in tis["task_instances"]}
        self.assertEqual(states["print_secrets"][0], "success")
        self.assertEqual(states["fail_on_secret"][0], "failed")
        self.assertIn("***", states["fail_on_secret"][1])
        reads = [f"{base}/dags/leaky/dagRuns", run_path, f"{base}/dags/leaky",
                 f"{base}/dags/leaky/grid", f"{base}/variables", f"{base}/dags/nope"]
        for task in ("print_secrets", "fail_on_secret", "print_late"):
            reads.append(f"{run_path}/taskInstances/{task}")
        for url in reads:
            try:
                _, body = self.get(viewer, url)
            except urllib.error.HTTPError as e:
                body = e.read().decode()
            self.assertNoSecret(body, url)
        ti, _ = self.get(viewer, f"{run_path}/taskInstances/print_secrets")
        self.assertEqual(ti["xcom"]["return_value"], "***")
        self.assertIn("***", ti["tries"][0]["rendered_args"]["env"]["v_quote"])

    def test_a_log_read_from_any_offset_shows_no_piece_of_a_secret(self):
        base, run_path, _, late_log = self.run_leaky()
        viewer = self.login(base, "vic")
        # Whole, and from every offset (one byte inside a secret included); following
        # next_offset always progresses.
        for task in ("print_secrets", "fail_on_secret", "print_late"):
            url = f"{run_path}/taskInstances/{task}/logs/1"
            whole, _ = self.get(viewer, url)
            self.assertTrue(whole["finished"])
            self.assertEqual(whole["next_offset"], whole["size"])
            self.assertNoSecret(whole["content"], url)
            if task == "print_late":
                self.assertIn("late *** late", whole["content"])
                start = late_log.index(LATE.encode())
                offsets = range(start - 3, start + len(LATE) + 3)
            else:
                offsets = range(0, whole["size"], 97)
            for offset in offsets:
                piece, _ = self.get(viewer, f"{url}?offset={offset}")
                self.assertNoSecret(piece["content"], f"{url}?offset={offset}")
                self.assertGreater(piece["next_offset"], offset)

    def test_no_cli_command_shows_a_secret(self):
        _, _, run_id, _ = self.run_leaky()
        outputs = {
            "tasks logs": self.weir("tasks", "logs", "leaky", "print_secrets", run_id),
            "tasks logs (late)": self.weir("tasks", "logs", "leaky", "print_late", run_id),
            "tasks logs (failed)": self.weir("tasks", "logs", "leaky", "fail_on_secret", run_id),
            "tasks render": self.weir("tasks", "render", "leaky", "print_secrets"),
            "tasks render -o json": self.weir("tasks", "render", "leaky", "print_secrets",
                                              "-o", "json"),
            "tasks state": self.weir("tasks", "state", "leaky", "fail_on_secret", run_id,
                                     "-o", "json"),
            "runs list": self.weir("runs", "list", "leaky"),
            "runs list -o json": self.weir("runs", "list", "leaky", "-o", "json"),
            "variables list": self.weir("variables", "list"),
        }
        for what, (code, out, err) in outputs.items():
            self.assertEqual(code, 0, f"{what}: {err}")
            self.assertNoSecret(out + err, what)
        self.assertIn("late *** late", outputs["tasks logs (late)"][1])
        self.assertIn("***", json.loads(outputs["tasks state"][1])["error"])

    def test_dags_test_and_tasks_test_show_no_secret(self):
        code, out, err = self.weir("dags", "test", "leaky", "2021-01-01", timeout=120)
        self.assertEqual(code, 1, out + err)  # fail_on_secret fails
        self.assertIn("fail_on_secret", out)
        self.assertIn("***", out)
        self.assertNoSecret(out + err, "dags test")
        code, out, err = self.weir("tasks", "test", "leaky", "print_secrets", "2021-01-01",
                                   timeout=120)
        self.assertEqual(code, 0, out + err)
        self.assertIn("XCom \"***\"", out)
        self.assertNoSecret(out + err, "tasks test")
