"""The web server against hostile clients (issue 10): body and header limits, compressed and
chunked bodies, request smuggling, slow clients and long polls, HEAD, login throttling done in
parallel, usernames that differ in case, login CSRF, Secure cookies, and numbers out of range.
Everything runs against `weir webserver` on 127.0.0.1 with raw sockets where framing matters."""

import concurrent.futures
import json
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import WEIR, WeirTestCase

DAG = """dag_id: tiny
schedule: null
start_date: 2026-01-01
tasks:
  - task_id: hello
    operator: bash
    command: echo hello
"""


class Reader:
    """Reads responses one after the other from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffered = b""


def read_response(sock):
    """One HTTP response from `sock` (a socket or a Reader): (status, headers dict in lower
    case, body bytes), or None when the connection closed before a status line."""
    if not isinstance(sock, Reader):
        sock = Reader(sock)
    data = sock.buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    sock.buffered = rest[length:]
    return status, headers, rest[:length]


class WebHardening(WeirTestCase):

    def setUp(self):
        super().setUp()
        for user, role in (("ada", "admin"), ("olga", "op")):
            p = subprocess.run([WEIR, "users", "create", user, "--role", role,
                                "--password-stdin"], input=f"pw-{user}-123\n", text=True,
                               env=self.env(), capture_output=True)
            self.assertEqual(p.returncode, 0, p.stderr)

    def serve(self, config=""):
        if config:
            with open(f"{self.home}/weir.yaml", "a") as f:
                f.write(config)
        proc = self.start("webserver", "--port", "0")
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)/api/v1", proc.startup_output).group(1))
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        self.addCleanup(s.close)
        return s

    def raw(self, data):
        """Sends `data` on a new connection; returns the first response."""
        s = self.connect()
        s.sendall(data)
        return read_response(s)

    def call(self, method, path, body=None, headers=None, raw_body=None):
        data = raw_body if raw_body is not None else (
            json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data is not None else {}
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def login(self, user, password=None, headers=None):
        status, body, headers = self.call(
            "POST", "/auth/login", {"username": user, "password": password or f"pw-{user}-123"},
            headers=headers)
        return status, body, headers

    def session(self, user):
        status, body, headers = self.login(user)
        self.assertEqual(status, 200, body)
        cookie = headers["Set-Cookie"].split(";")[0]
        return {"Cookie": cookie, "X-CSRF-Token": json.loads(body)["csrf_token"]}

    # Bodies and headers.

    def test_large_compressed_and_chunked_bodies_are_refused_before_reading(self):
        self.serve("webserver_max_body_bytes: 4096\n")
        # A 1 GiB body announced to the login endpoint: answered at once, nothing read.
        status, headers, body = self.raw(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\n\r\n{")
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["error"]["code"], "payload_too_large")
        self.assertIn("webserver_max_body_bytes", json.loads(body)["error"]["message"])
        self.assertEqual(headers.get("connection"), "close")
        # A body just over the limit, really sent.
        status, _, _ = self.call("POST", "/auth/login", raw_body=b"x" * 5000)
        self.assertEqual(status, 413)
        status, _, body = self.raw(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789")
        self.assertEqual(status, 415)
        self.assertIn("Content-Encoding", json.loads(body)["error"]["message"])
        status, _, _ = self.raw(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n")
        self.assertEqual(status, 501)
        # The server is still there.
        self.assertEqual(self.call("GET", "/health")[0], 200)

    def test_too_many_or_too_long_headers_are_refused(self):
        self.serve()
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        status, _, _ = self.raw(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        self.assertEqual(status, 431)
        status, _, _ = self.raw(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                b"a" * 100_000 + b"\r\n\r\n")
        self.assertEqual(status, 431)
        status, _, _ = self.raw(b"GET /api/v1/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(status, 414)

    # Framing.

    def test_a_get_body_is_read_not_taken_for_the_next_request(self):
        self.serve()
        smuggled = b"GET /api/v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        s = self.connect()
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" %
                  len(smuggled) + smuggled +
                  b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answers = []
        reader = Reader(s)
        while True:
            r = read_response(reader)
            if r is None:
                break
            answers.append(r[0])
            if r[1].get("connection") == "close":
                break
        # Two requests, two answers: the body of the GET never became a request (a 404).
        self.assertEqual(answers, [200, 200])

    def test_framing_errors_close_the_connection(self):
        self.serve()
        for bad in (b"Content-Length: 5\r\nContent-Length: 6\r\n",
                    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                    b"Content-Length: -1\r\n", b"X: a\r\n folded\r\n"):
            s = self.connect()
            s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n" + bad + b"\r\n" +
                      b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, _ = read_response(s)
            self.assertIn(status, (400, 501), bad)
            self.assertEqual(headers.get("connection"), "close")
            s.settimeout(10)
            self.assertIsNone(read_response(s), bad)  # nothing more: the rest was not served

    def test_head_on_a_read_endpoint_is_a_read(self):
        self.serve()
        session = self.session("olga")
        del session["X-CSRF-Token"]
        status, body, headers = self.call("HEAD", "/dags", headers=session)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertGreater(int(headers["Content-Length"]), 0)
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/", method="HEAD")
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual((r.status, r.read()), (200, b""))

    # Slow clients.

    def test_health_answers_while_slow_clients_and_long_polls_wait(self):
        self.write_dag("tiny.yaml", DAG)
        self.weir("dags", "test", "tiny", "2026-01-02", check=0)
        # A try that looks running: a log request at its end waits for more (a long poll).
        self.query("UPDATE task_instance SET state = 'running'")
        self.serve()
        run_id = self.query("SELECT run_id FROM dag_run")[0][0]
        session = self.session("olga")
        status, body, _ = self.call(
            "GET", f"/dags/tiny/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/hello"
            "/logs/1", headers=session)
        self.assertEqual(status, 200, body)
        size = json.loads(body)["size"]
        log_path = (f"/api/v1/dags/tiny/dagRuns/{urllib.parse.quote(run_id, safe='')}"
                    f"/taskInstances/hello/logs/1?offset={size}&wait=30")
        stop = threading.Event()
        sockets = []

        def slow(i):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            sockets.append(s)
            try:
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
                while not stop.wait(2):
                    s.sendall(b"X-Slow: %d\r\n" % i)
            except OSError:
                pass

        def long_poll():
            s = socket.create_connection(("127.0.0.1", self.port), timeout=40)
            sockets.append(s)
            s.sendall(f"GET {log_path} HTTP/1.1\r\nHost: x\r\nCookie: {session['Cookie']}\r\n"
                      "\r\n".encode())
            try:
                read_response(s)
            except OSError:
                pass

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=140)
        self.addCleanup(pool.shutdown, wait=True)
        self.addCleanup(lambda: [s.close() for s in list(sockets)])
        self.addCleanup(stop.set)
        for i in range(70):
            pool.submit(slow, i)
            pool.submit(long_poll)
        self.wait_for("140 open connections", lambda: len(sockets) >= 140)
        time.sleep(1)  # let the long polls reach the server and start waiting
        for _ in range(3):
            with urllib.request.urlopen(self.base + "/health", timeout=10) as r:
                self.assertEqual(r.status, 200)
                self.assertEqual(json.load(r)["metadatabase"]["status"], "healthy")
        stop.set()

    # Logins.

    def test_parallel_guesses_are_counted_and_lock_the_account(self):
        self.serve()

        def guess(user):
            return self.login(user, "wrong-password")[0]

        with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(guess, ["ada"] * 60))
        self.assertLessEqual(statuses.count(401), 5, statuses)
        self.assertEqual(statuses.count(401) + statuses.count(429), 60, statuses)
        # Locked: the right password does not get in either.
        self.assertEqual(self.login("ada")[0], 429)

    def test_unknown_users_get_the_answers_of_real_ones(self):
        self.serve()
        for user in ("olga", "nobody"):
            answers = [self.login(user, "wrong-password")[0] for _ in range(6)]
            self.assertEqual(answers, [401] * 5 + [429], user)
        real = json.loads(self.login("olga", "wrong")[1])["error"]["message"]
        fake = json.loads(self.login("nobody", "wrong")[1])["error"]["message"]
        self.assertEqual(re.sub(r"\d+s", "Ns", real.replace("olga", "X")),
                         re.sub(r"\d+s", "Ns", fake.replace("nobody", "X")))

    def test_login_needs_json_from_this_site(self):
        self.serve()
        form = urllib.parse.urlencode({"username": "ada", "password": "pw-ada-123"}).encode()
        for content_type in ("application/x-www-form-urlencoded", "text/plain"):
            status, _, _ = self.call("POST", "/auth/login", raw_body=form,
                                     headers={"Content-Type": content_type})
            self.assertEqual(status, 415, content_type)
        self.assertEqual(self.login("ada", headers={"Origin": "http://evil.example"})[0], 403)
        self.assertEqual(self.login("ada", headers={"Sec-Fetch-Site": "cross-site"})[0], 403)
        here = f"http://127.0.0.1:{self.port}"
        self.assertEqual(self.login("ada", headers={"Origin": here,
                                                    "Sec-Fetch-Site": "same-origin"})[0], 200)
        # A state change with a session and its CSRF token, but from another site.
        session = self.session("ada")
        status, _, _ = self.call("POST", "/variables", {"key": "k", "value": "v"},
                                 headers=dict(session, Origin="http://evil.example"))
        self.assertEqual(status, 403)
        status, _, _ = self.call("POST", "/variables", {"key": "k", "value": "v"},
                                 headers=dict(session, Origin=here))
        self.assertEqual(status, 200)

    def test_usernames_ignore_case(self):
        p = subprocess.run([WEIR, "users", "create", "ADA", "--role", "viewer",
                            "--password-stdin"], input="pw-other-123\n", text=True,
                           env=self.env(), capture_output=True)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("exists already", p.stderr)
        self.serve()
        status, body, _ = self.login("Ada", "pw-ada-123")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["username"], "ada")

    def test_secure_cookies_when_the_proxy_says_https(self):
        self.serve("webserver_secure_cookies: forwarded\n")
        _, _, headers = self.login("ada")
        self.assertNotIn("Secure", headers["Set-Cookie"])
        _, _, headers = self.login("ada", headers={"X-Forwarded-Proto": "https"})
        self.assertIn("; Secure", headers["Set-Cookie"])

    def test_secure_cookies_always(self):
        self.serve("webserver_secure_cookies: true\n")
        _, _, headers = self.login("ada")
        self.assertIn("; Secure", headers["Set-Cookie"])

    # Large but valid input.

    def test_a_conf_over_64_kib_is_refused_by_the_api_and_the_cli(self):
        self.write_dag("tiny.yaml", DAG)
        big = json.dumps({"blob": "x" * 70_000})
        code, _, err = self.weir("dags", "trigger", "tiny", "--conf", big)
        self.assertEqual(code, 2, err)
        self.assertIn("at most 65536", err)
        self.serve()
        session = self.session("olga")
        status, body, _ = self.call("POST", "/dags/tiny/dagRuns", raw_body=big.join(
            ['{"conf": ', "}"]).encode(), headers=session)
        self.assertEqual(status, 400, body)
        self.assertIn("at most 65536", json.loads(body)["error"]["message"])
        status, body, _ = self.call("POST", "/dags/tiny/dagRuns",
                                    {"conf": {"blob": "x" * 60_000}}, headers=session)
        self.assertEqual(status, 200, body)

    def test_the_grid_shows_a_page_of_tasks(self):
        tasks = "".join(f"  - task_id: t{i}\n    operator: empty\n" +
                        (f"    depends_on: [t{i - 1}]\n" if i else "") for i in range(5))
        self.write_dag("chain.yaml", "dag_id: chain\nschedule: null\nstart_date: 2026-01-01\n"
                       "tasks:\n" + tasks)
        self.weir("dags", "test", "chain", "2026-01-02", check=0)
        self.serve()
        session = self.session("olga")
        status, body, _ = self.call("GET", "/dags/chain/grid?task_limit=2&task_offset=1",
                                    headers=session)
        self.assertEqual(status, 200, body)
        grid = json.loads(body)
        self.assertEqual((grid["tasks"], grid["total_tasks"]), (["t1", "t2"], 5))
        (cells,) = grid["cells"].values()
        self.assertEqual(sorted(cells), ["t1", "t2"])
        status, body, _ = self.call("GET", "/dags/chain/grid", headers=session)
        self.assertEqual(json.loads(body)["tasks"], ["t0", "t1", "t2", "t3", "t4"])

    # Numbers.

    def test_integers_out_of_range_are_400(self):
        self.serve()
        session = self.session("ada")
        for slots in ("2147483648", "-1", "1e400", "2.5", "18446744073709551616", '"3"'):
            status, body, _ = self.call("POST", "/pools", headers=session,
                                        raw_body=f'{{"name": "p", "slots": {slots}}}'.encode())
            self.assertEqual(status, 400, (slots, body))
        status, body, _ = self.call("POST", "/pools", {"name": "p", "slots": 2147483647},
                                    headers=session)
        self.assertEqual((status, json.loads(body)["slots"]), (200, 2147483647))
