#!/usr/bin/python3
"""The REST API under load: wrk against weir webserver with a realistic history.

Builds a home with 100 DAGs (5 tasks each, daily) and a history of 10,000 task instances
(20 backfilled runs per DAG, run to completion by the real scheduler), then runs wrk with 50
connections against the DAG list (all 100 DAGs with their recent runs) and one DAG's grid
(its runs by tasks), authenticated with an API token. Reports requests/s, p50/p99 latency
and errors (any non-2xx answer or socket error counts). Then the idle resident memory of
`weir standalone` (scheduler, executor and web server) on that home.

Usage: /usr/bin/python3 bench/api.py [--seconds 10] [--connections 50] [--weir build/weir]
Needs wrk (Debian package, installed by scripts/setup). Writes nothing into the repository.
"""

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAGS, TASKS, RUNS = 100, 5, 20


def write_dags(home):
    os.makedirs(os.path.join(home, "dags"), exist_ok=True)
    for d in range(DAGS):
        lines = [f"dag_id: bench_{d:03d}", 'schedule: "@daily"', "start_date: 2021-01-01",
                 "catchup: false", f"tags: [bench, group{d % 10}]", "tasks:"]
        for t in range(TASKS):
            lines.append(f"  - task_id: t{t}\n    operator: empty")
            if t:
                lines.append(f"    depends_on: [t{t - 1}]")
        with open(os.path.join(home, "dags", f"bench_{d:03d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")


def run(weir, home, *args, **kw):
    env = dict(os.environ, WEIR_HOME=home, WEIR_WEBSERVER_PORT="0")
    p = subprocess.run([weir, *args], env=env, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"weir {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def build_history(weir, home):
    """20 backfilled runs per DAG, all run by the scheduler: 10,000 task instances."""
    write_dags(home)
    run(weir, home, "dags", "list")
    for d in range(DAGS):
        run(weir, home, "dags", "backfill", f"bench_{d:03d}", "-s", "2021-01-01", "-e",
            f"2021-01-{RUNS:02d}")
    env = dict(os.environ, WEIR_HOME=home, WEIR_WEBSERVER_PORT="0")
    sched = subprocess.Popen([weir, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    db = sqlite3.connect(os.path.join(home, "weir.db"))
    start = time.time()
    try:
        while time.time() - start < 600:
            (left,) = db.execute("SELECT count(*) FROM dag_run WHERE state NOT IN "
                                 "('success', 'failed')").fetchone()
            if left == 0:
                break
            time.sleep(0.5)
    finally:
        os.killpg(sched.pid, signal.SIGTERM)
        sched.wait(timeout=30)
    (tis,) = db.execute("SELECT count(*) FROM task_instance").fetchone()
    (done,) = db.execute("SELECT count(*) FROM task_instance WHERE state = 'success'").fetchone()
    return tis, done, time.time() - start


def wrk(url, token, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    (requests,) = re.search(r"(\d+) requests in", out).groups()
    return rps, lat.get("50", "?"), lat.get("99", "?"), errors, int(requests)


def idle_rss(weir, home):
    env = dict(os.environ, WEIR_HOME=home, WEIR_WEBSERVER_PORT="0")
    proc = subprocess.Popen([weir, "standalone"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    while True:
        line = proc.stdout.readline()
        if not line or line.startswith("ready in"):
            break
    time.sleep(3)
    rss = 0
    with open(f"/proc/{proc.pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                rss = int(l.split()[1])
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    return rss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: run scripts/setup (Debian package wrk)")
    weir = os.path.abspath(args.weir)
    home = tempfile.mkdtemp(prefix="weir-bench-api-")
    try:
        print(f"building the history: {DAGS} DAGs x {RUNS} runs x {TASKS} tasks ...", flush=True)
        tis, done, secs = build_history(weir, home)
        print(f"  {tis} task instances ({done} succeeded) in {secs:.1f} s", flush=True)
        subprocess.run([weir, "users", "create", "bench", "--role", "viewer", "--password-stdin"],
                       input="bench-password\n", text=True, check=True, capture_output=True,
                       env=dict(os.environ, WEIR_HOME=home))
        token = re.search(r"weir_\S+", run(weir, home, "users", "token", "bench", "--name",
                                           "wrk")).group(0)
        env = dict(os.environ, WEIR_HOME=home)
        server = subprocess.Popen([weir, "webserver", "--port", "0"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  start_new_session=True)
        base = None
        while True:
            line = server.stdout.readline()
            m = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line)
            if m:
                base = m.group(1)
            if not line or line.startswith("ready in"):
                break
        try:
            rows = []
            for label, path in (("DAG list (100 DAGs)", "/dags?limit=100"),
                                ("grid (25 runs x 5 tasks)", "/dags/bench_042/grid")):
                rows.append((label, *wrk(base + path, token, args.seconds, args.connections)))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        rss = idle_rss(weir, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    print(f"\nweir REST API, wrk -t2 -c{args.connections} -d{args.seconds}s, "
          f"{os.cpu_count()} cores, {tis} task instances")
    head = f"{'endpoint':<26} {'requests/s':>10} {'p50':>9} {'p99':>9} {'requests':>9} {'errors':>7}"
    print(head)
    print("-" * len(head))
    for label, rps, p50, p99, errors, requests in rows:
        print(f"{label:<26} {rps:>10.0f} {p50:>9} {p99:>9} {requests:>9} {errors:>7}")
    print(f"\nidle weir standalone (scheduler + executor + web server): {rss:.1f} MB "
          f"(target <= 30 MB: {'pass' if rss <= 30 else 'FAIL'})")


if __name__ == "__main__":
    main()
