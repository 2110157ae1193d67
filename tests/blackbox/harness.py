"""Helpers for black-box tests: a fresh $WEIR_HOME per test, the real weir binary, and
processes that are always cleaned up.

With WEIR_BLACKBOX_MODE=distributed in the environment, the same tests run in distributed
mode: each test class starts a real PostgreSQL and a real Redis (tests/fixtures), each test
gets a database of its own and a weir.yaml with `executor: redis`, every `weir scheduler` or
`weir standalone` a test starts comes with a `weir worker` in its process group (a kill of
the one is a kill of the other, as a kill of the local executor's scheduler is), and query()
reads PostgreSQL instead of weir.db."""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIR = os.environ.get("WEIR_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "weir")
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                        "dags")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
DISTRIBUTED = os.environ.get("WEIR_BLACKBOX_MODE") == "distributed"
# How long a worker's claim on an attempt lasts without a heartbeat, in distributed mode:
# short, so that the tests see a killed worker's attempts reclaimed within seconds.
CLAIM_TTL = "2s"


class Cluster:
    """A real PostgreSQL and Redis for distributed mode; prepare() gives a test its own
    database (and an empty Redis) and writes the home's weir.yaml for them."""

    def __init__(self):
        if FIXTURES not in sys.path:
            sys.path.insert(0, FIXTURES)
        from postgres import Postgres
        from redis import Redis
        self.pg = Postgres().start()
        try:
            self.redis = Redis().start()
        except BaseException:
            self.pg.stop()
            raise

    def stop(self):
        try:
            self.redis.stop()
        finally:
            self.pg.stop()

    def prepare(self, home):
        """The database URL of a new database for the test whose home is `home`."""
        self.redis.flush()
        name = "t" + os.path.basename(home).replace("-", "_").lower()
        self.pg.query(f"CREATE DATABASE {name}")
        database = self.pg.url.rsplit("/", 1)[0] + "/" + name
        with open(os.path.join(home, "weir.yaml"), "w") as f:
            f.write(f"database: {database}\nexecutor: redis\nredis_url: {self.redis.url}\n"
                    f"worker_claim_ttl: {CLAIM_TTL}\nheartbeat_interval: 1s\n")
        return database


def children_of(pid):
    """The pids of a process's children ([] when it has ended)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def group_of(pid):
    """The process group of a process, None when it has ended."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def drain(stream, lines):
    """Reads stream's lines into the list lines until it ends."""
    with stream:
        for line in stream:
            lines.append(line)


class WeirTestCase(unittest.TestCase):
    """Each test gets its own home folder; background weir processes are killed at the end.
    A class with distributed = True runs on a Cluster (see the module's comment);
    workers_with_schedulers starts a worker beside each scheduler."""

    distributed = DISTRIBUTED
    workers_with_schedulers = DISTRIBUTED
    # Whether what a process started by start() writes after `ready` is read (into
    # p.later_output) rather than left in its pipe, where a long test's logging would fill
    # the pipe and stall the process. Off, a test may read p.stdout itself.
    drain_output = DISTRIBUTED

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.distributed:
            cls.cluster = Cluster()
            cls.addClassCleanup(cls.cluster.stop)

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="weir-blackbox-")
        self.dags = os.path.join(self.home, "dags")
        os.makedirs(self.dags)
        self.procs = []
        self.addCleanup(self._cleanup)
        self.database = self.cluster.prepare(self.home) if self.distributed else None

    def _cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            else:
                # Its group's number may belong to another process by now: only the worker
                # started beside it, while still in that group, is killed.
                for pid in getattr(p, "companions", []):
                    if group_of(pid) == p.pid:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            p.wait()
            if p.stdout and not self.drain_output:
                p.stdout.close()
        # Attempts lead their own process groups: kill any left behind by a crashed weir.
        try:
            pids = self.query("SELECT pid FROM task_try WHERE pid > 0")
        except Exception:  # no database, or a test that broke it: nothing to find
            pids = []
        for (pid,) in pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
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
        """Starts `weir <args>` in its own process group; waits for its `ready` line. With
        workers_with_schedulers, a scheduler or standalone gets a worker in its group (its
        output in $WEIR_HOME/worker.log)."""
        argv = [WEIR, *args]
        if self.workers_with_schedulers and args and args[0] in ("scheduler", "standalone"):
            # sh becomes the scheduler; beside it, in its group, a subshell waits for the
            # secret key the scheduler makes (a worker will not start without it), then
            # becomes the worker.
            argv = ["/bin/sh", "-c", 'w="$1"; shift; '
                    '(while [ ! -s "$WEIR_HOME/secret.key" ]; do sleep 0.02; done; '
                    'exec "$w" worker --grace 5s >>"$WEIR_HOME/worker.log" 2>&1 </dev/null) & '
                    'exec "$w" "$@"', "sh", *argv]
        p = subprocess.Popen(argv, env=env or self.env(), stdout=subprocess.PIPE,
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
                if argv[0] == "/bin/sh":  # the worker is the scheduler's child
                    p.companions = children_of(p.pid)
                if self.drain_output:
                    p.later_output = []
                    threading.Thread(target=drain, args=(p.stdout, p.later_output),
                                     daemon=True).start()
                return p
        self.fail("weir did not become ready:\n" + "".join(lines))

    def wait_for(self, what, predicate, timeout=30, interval=0.1):
        """Polls predicate() until it returns a true value; fails with `what` on timeout (in
        distributed mode, with what the database and the processes say)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        message = f"timed out after {timeout}s waiting for {what}; last value: {last!r}"
        if self.distributed:
            message += "\n" + self.cluster_state()
        self.fail(message)

    def cluster_state(self):
        """For a failure's message: the runs, what is unfinished, the leases, and the end of
        each process's output."""
        parts = []
        for title, sql in (
                ("runs", "SELECT dag_id, state, COUNT(*) FROM dag_run GROUP BY 1, 2 ORDER BY 1, 2"),
                ("unfinished task instances",
                 "SELECT dag_id, run_id, task_id, state, try_number FROM task_instance "
                 "WHERE state IS NULL OR state NOT IN ('success', 'failed', 'skipped', "
                 "'upstream_failed') ORDER BY 1, 2 LIMIT 20"),
                ("unfinished tries",
                 "SELECT dag_id, run_id, task_id, try_number, state, hostname, try_key "
                 "FROM task_try WHERE state IN ('queued', 'running') ORDER BY 1, 2 LIMIT 20"),
                ("failed tries", "SELECT dag_id, run_id, task_id, try_number, hostname, error "
                 "FROM task_try WHERE state = 'failed' ORDER BY 1, 2 LIMIT 20"),
                ("leases", "SELECT name, holder, expires_at FROM scheduler_lease ORDER BY 1")):
            try:
                rows = self.query(sql)
            except Exception as e:  # the state is for a message: never hide the failure
                rows = [f"({e})"]
            parts.append(f"--- {title}:\n" + "\n".join(map(str, rows)))
        for p in self.procs:
            tail = "".join(getattr(p, "later_output", [])[-20:])
            parts.append(f"--- {' '.join(map(str, p.args[:2]))} (pid {p.pid}):\n{tail}")
        log = os.path.join(self.home, "worker.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                parts.append("--- worker.log:\n" + f.read()[-3000:])
        return "\n".join(parts)

    def db(self):
        """weir.db of the test's home (the embedded database)."""
        return sqlite3.connect(os.path.join(self.home, "weir.db"))

    def query(self, sql, *params):
        """The rows of a query on the test's database: weir.db, or PostgreSQL in distributed
        mode (`?` marks the params in both)."""
        if not self.database:
            with self.db() as conn:
                return conn.execute(sql, params).fetchall()
        import psycopg2
        conn = psycopg2.connect(self.database)
        try:
            with conn.cursor() as cur:
                if params:
                    cur.execute(sql.replace("%", "%%").replace("?", "%s"), params)
                else:
                    cur.execute(sql)
                return cur.fetchall()
        finally:
            conn.close()

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
