"""Helpers for black-box tests: a fresh $WEIR_HOME per test, the real weir binary, and
processes that are always cleaned up."""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIR = os.environ.get("WEIR_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "weir")
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                        "dags")


class WeirTestCase(unittest.TestCase):
    """Each test gets its own home folder; background weir processes are killed at the end."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="weir-blackbox-")
        self.dags = os.path.join(self.home, "dags")
        os.makedirs(self.dags)
        self.procs = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        # Attempts lead their own process groups: kill any left behind by a crashed weir.
        db = os.path.join(self.home, "weir.db")
        if os.path.exists(db):
            try:
                for (pid,) in sqlite3.connect(db).execute(
                        "SELECT pid FROM task_try WHERE pid > 0"):
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            except sqlite3.Error:
                pass
        shutil.rmtree(self.home, ignore_errors=True)

    def env(self, **extra):
        # Any free port for the API of `weir standalone`: tests run side by side.
        e = dict(os.environ, WEIR_HOME=self.home, WEIR_WEBSERVER_PORT="0")
        e.update(extra)
        return e

    def weir(self, *args, timeout=60, env=None, check=None):
        """Runs weir; returns (exit code, stdout, stderr)."""
        p = subprocess.run([WEIR, *args], env=env or self.env(), capture_output=True, text=True,
                           timeout=timeout)
        if check is not None:
            self.assertEqual(p.returncode, check,
                             f"weir {' '.join(args)}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p.returncode, p.stdout, p.stderr

    def weir_json(self, *args):
        code, out, err = self.weir(*args, "--output", "json")
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def write_dag(self, name, text):
        path = os.path.join(self.dags, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def copy_example(self, name):
        shutil.copy(os.path.join(EXAMPLES, name), self.dags)

    def start(self, *args, env=None):
        """Starts `weir <args>` in its own process group; waits for its `ready` line."""
        p = subprocess.Popen([WEIR, *args], env=env or self.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.procs.append(p)
        lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("ready in"):
                p.startup_output = "".join(lines)
                return p
        self.fail("weir did not become ready:\n" + "".join(lines))

    def wait_for(self, what, predicate, timeout=30, interval=0.1):
        """Polls predicate() until it returns a true value; fails with `what` on timeout."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        self.fail(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "weir.db"))

    def query(self, sql, *params):
        with self.db() as conn:
            return conn.execute(sql, params).fetchall()

    def runs(self, dag_id):
        return self.weir_json("runs", "list", dag_id, "--limit", "0")


LOG_STAMP = re.compile(r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")


def unstamp(log_text):
    """A try's log without the time that starts each of its lines."""
    return LOG_STAMP.sub("", log_text)


def iso_day(days_from_today):
    t = time.gmtime(time.time() + days_from_today * 86400)
    return time.strftime("%Y-%m-%d", t)


class ApiClient:
    """A client of weir's REST API with its own cookie jar: `login` keeps the session and
    the CSRF token, `send` returns (status, JSON body) and never raises on an HTTP error."""

    def __init__(self, base):
        import http.cookiejar
        import urllib.request
        self.base = base
        self.csrf = None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def send(self, method, path, data=None):
        import urllib.error
        import urllib.request
        if data is not None and not isinstance(data, bytes):
            data = json.dumps(data).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def login(self, username, password):
        status, body = self.send("POST", "/auth/login",
                                 {"username": username, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body


def create_user(test, name, role, password):
    p = subprocess.run([WEIR, "users", "create", name, "--role", role, "--password-stdin"],
                       input=password + "\n", text=True, env=test.env(), capture_output=True)
    test.assertEqual(p.returncode, 0, p.stderr)


def api_base(proc):
    """The API's base URL that `weir standalone` or `weir webserver` printed."""
    import re
    port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1)
    return f"http://127.0.0.1:{port}/api/v1"
