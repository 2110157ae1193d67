#!/usr/bin/python3
"""Distributed mode's throughput and dispatch latency, beside the local executor.

One DAG run of N independent `sleep 0.1` tasks (10,000 by default), through:
  - the local executor (`weir scheduler`, parallelism 8 and 32), SQLite;
  - the redis executor with 1, 2 and 4 `weir worker`s of concurrency 8 each (scheduler
    parallelism = their total), on a real PostgreSQL 15 and Redis 7 started here
    (tests/fixtures).
For each: the wall time from the trigger to the run's end and tasks per second; the
queue-to-start latency of every try (queued_at, recorded when the scheduler hands the try
to the executor, to start_date, when its process was spawned, as the database holds them),
p50 and p95 (targets: 5 ms and 20 ms); and a worker's resident memory after 2 s idle
(target: 15 MB).

    /usr/bin/python3 bench/distributed.py [--tasks 10000] [--workers 1,2,4] [--no-local]

Prints a table; writes nothing into the repository.
"""

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.environ.get("WEIR_BIN") or os.path.join(ROOT, "build", "weir")
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from postgres import Postgres  # noqa: E402
from redis import Redis  # noqa: E402

CONCURRENCY = 8


def write_home(home, n, settings):
    os.makedirs(os.path.join(home, "dags"), exist_ok=True)
    with open(os.path.join(home, "weir.yaml"), "w") as f:
        f.write(settings + "keep_work_folders: never\n")
    lines = ["dag_id: fan", "schedule: null", "start_date: 2026-01-01",
             f"max_active_tasks: {n}", "tasks:"]
    for i in range(n):
        lines.append(f"  - {{task_id: t{i}, operator: bash, command: 'sleep 0.1'}}")
    with open(os.path.join(home, "dags", "fan.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def start(home, *args):
    p = subprocess.Popen([WEIR, *args], env=dict(os.environ, WEIR_HOME=home),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    lines = []
    while True:
        line = p.stdout.readline()
        if not line:
            sys.exit(f"weir {' '.join(args)} did not start:\n" + "".join(lines))
        lines.append(line)
        if line.startswith("ready in"):
            # Keep reading its output, or it blocks once the pipe is full.
            subprocess.Popen(["cat"], stdin=p.stdout, stdout=subprocess.DEVNULL)
            return p


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def weir(home, *args):
    return subprocess.run([WEIR, *args], env=dict(os.environ, WEIR_HOME=home), check=True,
                          capture_output=True, text=True).stdout


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_fan(home, query):
    """Triggers the run, waits for its end; returns (seconds, latencies in ms)."""
    t0 = time.perf_counter()
    weir(home, "dags", "unpause", "fan")
    weir(home, "dags", "trigger", "fan", "-r", "bench")
    while True:
        state = query("SELECT state FROM dag_run WHERE dag_id = 'fan' AND run_id = 'bench'")
        if state and state[0][0] in ("success", "failed"):
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - t0
    if state[0][0] != "success":
        sys.exit("the benchmark run failed: " + home)
    rows = query("SELECT start_date - queued_at FROM task_try WHERE dag_id = 'fan'")
    return elapsed, [int(r[0]) / 1000 for r in rows]


def local(n, parallelism):
    home = tempfile.mkdtemp(prefix="weir-bench-local-")
    try:
        write_home(home, n, f"parallelism: {parallelism}\n")
        weir(home, "db", "migrate")
        procs = [start(home, "scheduler")]
        db = os.path.join(home, "weir.db")

        def query(sql):
            with sqlite3.connect(db) as c:
                return c.execute(sql).fetchall()
        try:
            return run_fan(home, query)
        finally:
            stop(procs)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def distributed(n, workers, pg, redis):
    home = tempfile.mkdtemp(prefix="weir-bench-redis-")
    name = f"bench{workers}_{os.getpid()}"
    pg.query(f"CREATE DATABASE {name}")
    url = pg.url.rsplit("/", 1)[0] + "/" + name
    redis.flush()
    try:
        write_home(home, n, f"database: {url}\nexecutor: redis\nredis_url: {redis.url}\n"
                            f"parallelism: {workers * CONCURRENCY}\n")
        weir(home, "db", "migrate")
        procs = [start(home, "scheduler")]
        procs += [start(home, "worker", "--concurrency", str(CONCURRENCY))
                  for _ in range(workers)]
        time.sleep(2)
        idle = rss_kb(procs[1].pid)

        def query(sql):
            out = pg.query(sql, database=name)
            return [line.split("|") for line in out.splitlines() if line]
        try:
            elapsed, latencies = run_fan(home, query)
        finally:
            stop(procs)
        return elapsed, latencies, idle
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--no-local", action="store_true", help="only the redis executor")
    args = parser.parse_args()
    rows = []
    for parallelism in () if args.no_local else (CONCURRENCY, 32):
        elapsed, lat = local(args.tasks, parallelism)
        rows.append((f"local, parallelism {parallelism}", elapsed, lat, None))
    with Postgres() as pg, Redis() as redis:
        for w in [int(x) for x in args.workers.split(",")]:
            elapsed, lat, idle = distributed(args.tasks, w, pg, redis)
            rows.append((f"redis, {w} worker{'s' if w > 1 else ''} x {CONCURRENCY}", elapsed, lat,
                         idle))
    print(f"{args.tasks} tasks of `sleep 0.1`, {os.cpu_count()} CPUs")
    print(f"{'executor':<28} {'wall s':>8} {'tasks/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'idle worker MB':>15}")
    for label, elapsed, lat, idle in rows:
        idle_text = f"{idle / 1024:.1f}" if idle else "-"
        print(f"{label:<28} {elapsed:8.1f} {args.tasks / elapsed:8.1f} "
              f"{statistics.median(lat):8.1f} {percentile(lat, 95):8.1f} {idle_text:>15}")


if __name__ == "__main__":
    main()
