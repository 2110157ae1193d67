#!/usr/bin/python3
"""How the scheduler's cost grows with the work: nothing here spawns a process, so every
second measured is the scheduler's own.

Measures, in one run, on this machine:
  - `weir dags test` of a DAG with one `empty` start, N `empty` tasks in parallel and one
    `empty` join, for N = 1,000 and 10,000: wall time, time per task, the process's peak
    resident memory, and the run's own duration by weir's records (the wall time less
    starting up and parsing the DAG file);
  - `weir scheduler` running K such DAGs of 10,000 tasks at once, K = 1 and 10 (100,000 task
    instances in active runs: a DAG file holds at most 1 MiB and 200,000 YAML values, so
    100,000 tasks come as 10 DAGs): from the first run queued to the last run finished, by
    weir's own records, and the scheduler's peak resident memory;
  - 2,000 DAG files of 10 `empty` tasks each, all due at the same minute, under
    `weir scheduler`: from the due time to the 2,000th run created and to the 2,000th first
    task started (from weir's own records).
Each `dags test` row is the median of --repeat runs (5), fastest and slowest shown: this
machine's speed moves by a third between runs.

Usage: /usr/bin/python3 bench/scheduler_scale.py [--sizes 1000,10000] [--dags 2000]
       [--repeat 5] [--weir build/weir]
Prints a table; writes nothing into the repository.
"""

import argparse
import datetime
import math
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fanout_yaml(dag_id, n, schedule=None):
    lines = [f"dag_id: {dag_id}"]
    if schedule:
        # Hourly from two hours ago without catch-up: the latest interval is due at once.
        start = (datetime.datetime.now(datetime.timezone.utc) -
                 datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        lines += [f"schedule: '{schedule}'", f"start_date: {start.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                  "catchup: false", "is_paused_upon_creation: false"]
    lines += ["tasks:", "  - task_id: start", "    operator: empty"]
    for i in range(n):
        lines.append(f"  - {{task_id: t{i}, operator: empty, depends_on: [start]}}")
    lines.append("  - task_id: join\n    operator: empty\n    depends_on: [" +
                 ", ".join(f"t{i}" for i in range(n)) + "]")
    return "\n".join(lines) + "\n"


def new_home(prefix):
    home = tempfile.mkdtemp(prefix=prefix)
    os.makedirs(os.path.join(home, "dags"))
    with open(os.path.join(home, "weir.yaml"), "w") as f:
        f.write("")
    return home


def check_done(home, runs, tasks):
    db = sqlite3.connect(os.path.join(home, "weir.db"))
    done = db.execute("SELECT COUNT(*) FROM task_instance WHERE state = 'success'").fetchone()[0]
    ok_runs = db.execute("SELECT COUNT(*) FROM dag_run WHERE state = 'success'").fetchone()[0]
    if done != tasks or ok_runs != runs:
        sys.exit(f"{ok_runs} of {runs} runs and {done} of {tasks} task instances succeeded")


def fanout_test(weir, n):
    """Wall time, peak RSS (MB) of `weir dags test` of the fan-out of n tasks, and the seconds
    its run took by weir's records (the wall time less startup and parsing the DAG file)."""
    home = new_home("weir-bench-fan-")
    try:
        with open(os.path.join(home, "dags", "fan.yaml"), "w") as f:
            f.write(fanout_yaml("fan", n))
        env = dict(os.environ, WEIR_HOME=home)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        out = subprocess.run([weir, "dags", "test", "fan", "2021-01-01"], env=env,
                             capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if out.returncode != 0:
            sys.exit(f"weir dags test fan ({n} tasks) failed ({out.returncode}):\n"
                     f"{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
        check_done(home, 1, n + 2)
        db = sqlite3.connect(os.path.join(home, "weir.db"))
        run_start, run_end = db.execute("SELECT start_date, end_date FROM dag_run").fetchone()
        db.close()
        # ru_maxrss of children is the largest child so far: only a new peak is this run's.
        return elapsed, (peak / 1024 if peak > before else float("nan")), (run_end - run_start) / 1e6
    finally:
        shutil.rmtree(home, ignore_errors=True)


def fanout_scheduler(weir, dags, n):
    """`weir scheduler` with `dags` fan-out DAGs of n tasks due at once: seconds from the first
    run queued to the last run finished, and the scheduler's peak RSS (MB)."""
    home = new_home("weir-bench-sched-")
    proc = None
    try:
        for d in range(dags):
            with open(os.path.join(home, "dags", f"fan{d}.yaml"), "w") as f:
                f.write(fanout_yaml(f"fan{d}", n, schedule="@hourly"))
        env = dict(os.environ, WEIR_HOME=home)
        proc = subprocess.Popen([weir, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        db_path = os.path.join(home, "weir.db")
        deadline = time.time() + 600
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if not os.path.exists(db_path):
                continue
            db = sqlite3.connect(db_path)
            try:
                finished = db.execute("SELECT COUNT(*) FROM dag_run WHERE state IN "
                                      "('success', 'failed')").fetchone()[0]
            except sqlite3.OperationalError:
                finished = 0
            db.close()
            if finished >= dags:
                break
        hwm = 0
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        check_done(home, dags, dags * (n + 2))
        db = sqlite3.connect(db_path)
        first, last = db.execute("SELECT MIN(queued_at), MAX(end_date) FROM dag_run").fetchone()
        return (last - first) / 1e6, hwm / 1024
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def many_dags(weir, count):
    """Seconds from the due minute to the last run created and the last first task started."""
    home = tempfile.mkdtemp(prefix="weir-bench-dags-")
    proc = None
    try:
        os.makedirs(os.path.join(home, "dags"))
        with open(os.path.join(home, "weir.yaml"), "w") as f:
            f.write("")
        # Due at the next minute but one: the scheduler has started and loaded every DAG.
        start = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
        for d in range(count):
            lines = [f"dag_id: many_{d}", "schedule: '* * * * *'",
                     f"start_date: {start.strftime('%Y-%m-%dT%H:%M:%SZ')}", "catchup: false",
                     "is_paused_upon_creation: false", "tasks:"]
            for t in range(10):
                lines.append(f"  - task_id: t{t}\n    operator: empty")
                if t:
                    lines.append(f"    depends_on: [t{t - 1}]")
            with open(os.path.join(home, "dags", f"many_{d}.yaml"), "w") as f:
                f.write("\n".join(lines) + "\n")
        env = dict(os.environ, WEIR_HOME=home)
        proc = subprocess.Popen([weir, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        # The first interval [start, start + 1 min) is due at start + 1 min.
        due = start + datetime.timedelta(minutes=1)
        wait = (due - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        time.sleep(max(0.0, wait) + 5)
        db_path = os.path.join(home, "weir.db")
        deadline = time.time() + 120
        while True:
            db = sqlite3.connect(db_path)
            runs, firsts = db.execute(
                "SELECT (SELECT COUNT(*) FROM dag_run), (SELECT COUNT(*) FROM task_try "
                "WHERE task_id = 't0' AND start_date IS NOT NULL)").fetchone()
            db.close()
            if (runs >= count and firsts >= count) or time.time() > deadline:
                break
            time.sleep(1)
        db = sqlite3.connect(db_path)
        last_run = db.execute("SELECT MAX(queued_at) FROM dag_run").fetchone()[0]
        last_first = db.execute(
            "SELECT MAX(start_date) FROM task_try WHERE task_id = 't0'").fetchone()[0]
        due_us = int(due.timestamp() * 1_000_000)
        if runs < count or firsts < count:
            sys.exit(f"{count} DAGs: only {runs} runs and {firsts} first tasks after 2 minutes")
        return (last_run - due_us) / 1e6, (last_first - due_us) / 1e6
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--scheduler-dags", default="1,10")
    parser.add_argument("--dags", type=int, default=2000)
    parser.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    # This machine's speed moves by a third from one run to the next: each `dags test` row is
    # the median of several runs, with the fastest and slowest shown.
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        runs = [fanout_test(args.weir, n) for _ in range(max(1, args.repeat))]
        elapsed = statistics.median(r[0] for r in runs)
        rss = max((r[1] for r in runs if not math.isnan(r[1])), default=float("nan"))
        run = statistics.median(r[2] for r in runs)
        spread = f", {min(r[0] for r in runs):.2f}-{max(r[0] for r in runs):.2f} s"
        target, ok = ("<= 1.0 s", elapsed <= 1.0) if n == 10_000 else ("", None)
        rows.append((f"dags test: fan-out of {n:,} empty tasks", f"{elapsed:.2f} s",
                     f"{elapsed / n * 1e6:.1f} us",
                     f"{rss:.0f} MB, run {run:.2f} s{spread if len(runs) > 1 else ''}", target,
                     ok))
    for k in [int(s) for s in args.scheduler_dags.split(",") if s]:
        n = 10_000
        elapsed, rss = fanout_scheduler(args.weir, k, n)
        target, ok = ("", None)
        if k * n == 100_000:
            target, ok = "<= 12 s, RSS <= 150 MB", elapsed <= 12 and rss <= 150
        rows.append((f"scheduler: {k} x fan-out of {n:,} ({k * n:,} tasks)", f"{elapsed:.2f} s",
                     f"{elapsed / (k * n) * 1e6:.1f} us", f"{rss:.0f} MB", target, ok))
    if args.dags:
        created, started = many_dags(args.weir, args.dags)
        rows.append((f"{args.dags:,} DAGs due at once: runs created", f"{created:.2f} s", "",
                     "after the due time", "", None))
        rows.append((f"{args.dags:,} DAGs due at once: first tasks started", f"{started:.2f} s",
                     "", "after the due time", "<= 2 s", started <= 2))
    print(f"weir scheduler scaling: {os.cpu_count()} cores")
    header = ("what", "wall", "per task", "peak RSS / note", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(5)]
    fmt = "  ".join("{:<%d}" % w for w in widths) + "  {}"
    print(fmt.format(*header))
    print(fmt.format(*["-" * w for w in widths], "----"))
    for r in rows:
        verdict = "" if r[5] is None else ("pass" if r[5] else "FAIL")
        print(fmt.format(*[str(c) for c in r[:5]], verdict))


if __name__ == "__main__":
    main()
