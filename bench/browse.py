#!/usr/bin/env python3
"""The browse pages' queries on a big history: one DAG of 10 tasks with 20,000 runs (200,000
task instances, one run in 50 failed) written straight into a fresh SQLite database, then
each read endpoint of the browse, grid, calendar and DAG list pages through `weir webserver`
and a token, best of 5 requests. A floor, not a peer: each page answers within 50 ms on
this history (a page of 100 rows, the grid of 365 runs).

    /usr/bin/python3 bench/browse.py [--runs N]
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.environ.get("WEIR_BIN") or os.path.join(ROOT, "build", "weir")
FLOOR_MS = 50
DAY = 86400 * 10**6
START = 946684800 * 10**6  # 2000-01-01

PATHS = [
    "/dags/~/dagRuns?limit=100",
    "/dags/~/dagRuns?state=failed&limit=100",
    "/dags/~/dagRuns/~/taskInstances?limit=100",
    "/dags/~/dagRuns/~/taskInstances?state=failed&limit=100",
    "/dags/~/dagRuns/~/taskInstances?state=success&limit=100",
    "/dags/~/dagRuns/~/taskInstances?task_id=t3&logical_date_gte=2040-01-01&limit=100",
    "/dags/big/grid?limit_runs=25",
    "/dags/big/grid?limit_runs=365",
    "/dags/big/grid?state=failed&limit_runs=25",
    "/dags/big/calendar?year=2020",
    "/dags",
    "/pools",
]
# Pages deep in a long list cost time in proportion to their offset (SQL OFFSET): shown,
# without a floor.
DEEP = ["/dags/~/dagRuns/~/taskInstances?limit=100&offset=100000"]


def weir(home, *args, stdin=None):
    return subprocess.run([WEIR, *args], env=dict(os.environ, WEIR_HOME=home), input=stdin,
                          capture_output=True, text=True, check=True).stdout


def fill(home, runs):
    with open(os.path.join(home, "dags", "big.yaml"), "w") as f:
        f.write('dag_id: big\nschedule: "@daily"\nstart_date: 2000-01-01\ncatchup: false\n'
                "tasks:\n" + "".join(f"  - {{task_id: t{i}, operator: empty}}\n" for i in range(10)))
    weir(home, "dags", "list")  # creates the database and records the DAG
    db = sqlite3.connect(os.path.join(home, "weir.db"))
    run_rows, ti_rows = [], []
    for d in range(runs):
        day = START + d * DAY
        run_id = f"scheduled__{d}"
        state = "failed" if d % 50 == 0 else "success"
        run_rows.append(("big", run_id, "scheduled", state, day, day, day + DAY, day, day,
                         day + 1000, "{}", 0, "", 0))
        for t in range(10):
            ti_state = "success" if state == "success" or t < 3 else (
                "failed" if t == 3 else "upstream_failed")
            ti_rows.append(("big", run_id, f"t{t}", ti_state, 1, 1, "empty", "default_pool", 1, 1,
                            day, day + 100, None, day, "", "", None, "", 0))
    db.executemany("INSERT INTO dag_run (dag_id, run_id, run_type, state, logical_date, "
                   "data_interval_start, data_interval_end, queued_at, start_date, end_date, conf, "
                   "version_id, note, change_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", run_rows)
    db.executemany("INSERT INTO task_instance (dag_id, run_id, task_id, state, try_number, "
                   "max_tries, operator_name, pool, pool_slots, priority_weight, start_date, "
                   "end_date, next_retry_at, queued_at, error, marked_by, marked_at, marked_from, "
                   "change_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ti_rows)
    db.commit()
    return len(ti_rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20000)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="weir-bench-browse-")
    os.makedirs(os.path.join(home, "dags"))
    tis = fill(home, args.runs)
    weir(home, "users", "create", "bench", "--role", "admin", "--password-stdin",
         stdin="bench-password-1234\n")
    token = json.loads(weir(home, "users", "token", "bench", "--name", "b", "-o", "json"))["token"]
    server = subprocess.Popen([WEIR, "webserver", "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              env=dict(os.environ, WEIR_HOME=home))
    try:
        out = ""
        while "ready in" not in out:
            out += server.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", out).group(1)
        print(f"{args.runs} runs, {tis} task instances; best of 5 requests; floor {FLOOR_MS} ms")
        print(f"{'endpoint':<80} {'ms':>7} {'rows':>5}  floor")
        ok = True
        for path in PATHS + DEEP:
            best, rows = None, 0
            for _ in range(5):
                req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
                t = time.perf_counter()
                with urllib.request.urlopen(req) as r:
                    body = json.load(r)
                ms = (time.perf_counter() - t) * 1000
                best = ms if best is None else min(best, ms)
            for key in ("dag_runs", "task_instances", "runs", "days", "dags", "pools"):
                if key in body:
                    rows = len(body[key])
                    break
            passed = best <= FLOOR_MS or path in DEEP
            ok = ok and passed
            verdict = "(deep page)" if path in DEEP else "pass" if passed else "FAIL"
            print(f"{path:<80} {best:7.1f} {rows:5}  {verdict}")
        print("every page within the floor:", "pass" if ok else "FAIL")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
