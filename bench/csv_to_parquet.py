#!/usr/bin/python3
"""CSV -> Parquet: weir's csv_to_parquet against independent converters, in the same run.

The input is a generated month of NYC yellow taxi trips with the 2021-01 schema (18 columns,
1,369,765 rows, about 125 MB, like the real file: the last 7% of rows have no VendorID,
passenger_count, RatecodeID, store_and_fwd_flag or payment_type), and the same at 3x, to
see whether memory stays flat as the input grows.

Each tool converts the CSV to a zstd Parquet file, `--repeat` times; the table shows the
median wall time, the peak resident memory (the process and its children, from wait4) and
the output size, and checks that every tool wrote every row. Tools:

  weir          `weir tasks run-native csv_to_parquet`: the operator's own process, as a
                task runs it (DuckDB in weir, with weir.yaml's defaults: 2 threads, 1GB limit)
  duckdb        DuckDB's node bindings (@duckdb/node-api): COPY (FROM read_csv) TO parquet
  polars-sink   nodejs-polars: scanCSV().sinkParquet(), the streaming engine
  polars-read   nodejs-polars: readCSV() then writeParquet(), the whole file in memory

Usage: /usr/bin/python3 bench/csv_to_parquet.py [--repeat 3] [--sizes 1,3]
       [--data-dir /tmp/weir-bench-data] [--weir build/weir]
The peers are installed from the npm registry into bench/peers on first use. Generated
inputs are kept in --data-dir for later runs; nothing is written into the repository.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers")
MONTH_ROWS = 1_369_765  # yellow_tripdata_2021-01

HEADER = ("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
          "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,"
          "extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,"
          "congestion_surcharge\n")


def generate(path, rows, seed=2021):
    """A month of trips shaped like the real file (value ranges, blanks, formats)."""
    rng = random.Random(seed)
    month_seconds = 31 * 86400
    tmp = path + ".tmp"
    with open(tmp, "w", buffering=1 << 20) as f:
        f.write(HEADER)
        blanks_from = int(rows * 0.93)
        lines = []
        for i in range(rows):
            t = (i * month_seconds) // rows + rng.randrange(60)
            dur = 120 + rng.randrange(1800)
            pick = t % month_seconds
            drop = min(pick + dur, month_seconds - 1)
            pd, ps = divmod(pick, 86400)
            dd, ds = divmod(drop, 86400)
            distance = rng.random() * 12
            fare = 2.5 + distance * 2.5 + dur / 60 * 0.5
            tip = round(fare * rng.choice((0, 0, 0.1, 0.15, 0.2, 0.25)), 2)
            tolls = 6.12 if rng.random() < 0.04 else 0
            extra = rng.choice((0, 0.5, 1, 2.5, 3))
            congestion = rng.choice((2.5, 2.5, 2.5, 0))
            total = round(fare + extra + 0.5 + tip + tolls + 0.3 + congestion, 2)
            if i < blanks_from:
                head = (f"{rng.choice((1, 2, 2))},", f"{rng.choice((1, 1, 1, 2, 3, 5, 0))},",
                        f"{rng.choice((1, 1, 1, 1, 2, 5))},{rng.choice(('N', 'N', 'N', 'Y'))},",
                        f"{rng.choice((1, 1, 2, 2, 3, 4))},")
            else:
                head = (",", ",", ",,", ",")
            lines.append(
                f"{head[0]}2021-01-{pd + 1:02d} {ps // 3600:02d}:{ps // 60 % 60:02d}:{ps % 60:02d},"
                f"2021-01-{dd + 1:02d} {ds // 3600:02d}:{ds // 60 % 60:02d}:{ds % 60:02d},"
                f"{head[1]}{distance:.2f},{head[2]}{rng.randrange(1, 266)},{rng.randrange(1, 266)},"
                f"{head[3]}{fare:.1f},{extra},0.5,{tip},{tolls},0.3,{total},{congestion}\n")
            if len(lines) == 10000:
                f.writelines(lines)
                lines.clear()
        f.writelines(lines)
    os.replace(tmp, path)


def run_measured(argv, env=None, fd3=None):
    """Runs argv; returns (seconds, peak RSS in bytes, stdout). fd3: a file for the child's
    fd 3 (weir's result channel)."""
    def child_setup():
        if fd3 is not None:
            os.dup2(fd3.fileno(), 3)
    start = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=child_setup, pass_fds=(fd3.fileno(),) if fd3 else ())
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({p.returncode}):\n{out.decode()}\n{err.decode()}")
    return seconds, usage.ru_maxrss * 1024, out.decode()


def weir_tool(weir, home):
    def run(src, dst):
        env = dict(os.environ, WEIR_HOME=home,
                   WEIR_NATIVE_ARGS=json.dumps({"input": src, "output": dst}))
        with tempfile.TemporaryFile() as result:
            secs, rss, _ = run_measured([weir, "tasks", "run-native", "csv_to_parquet"],
                                        env=env, fd3=result)
            result.seek(0)
            rows = json.loads(result.read())["result"]["rows"]
        return secs, rss, rows
    return run


def peer_tool(name):
    def run(src, dst):
        secs, rss, out = run_measured(["node", os.path.join(PEERS, "convert.mjs"), name, src,
                                       dst])
        return secs, rss, json.loads(out.strip().splitlines()[-1])["rows"]
    return run


def install_peers():
    marker = os.path.join(PEERS, "node_modules", ".package-lock.json")
    if not os.path.exists(marker):
        print("installing the peers (bench/peers) from the npm registry ...", flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=PEERS,
                       check=True)


def mb(n):
    return f"{n / 1e6:.0f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="1,3", help="input sizes in months, e.g. 1,3")
    ap.add_argument("--gzip", action="store_true",
                    help="also convert the 1x month as .csv.gz (weir and duckdb; the "
                         "download's usual form)")
    ap.add_argument("--data-dir", default="/tmp/weir-bench-data")
    ap.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = ap.parse_args()
    install_peers()
    os.makedirs(args.data_dir, exist_ok=True)
    home = tempfile.mkdtemp(prefix="weir-bench-home-")
    out_dir = tempfile.mkdtemp(prefix="weir-bench-out-")
    tools = {
        "weir": weir_tool(os.path.abspath(args.weir), home),
        "duckdb": peer_tool("duckdb"),
        "polars-sink": peer_tool("polars-sink"),
        "polars-read": peer_tool("polars-read"),
    }
    results = []  # (input label, tool, median s, peak rss, output bytes, rows, input bytes)
    inputs = [(f"x{s}", int(s), False) for s in args.sizes.split(",")]
    if args.gzip:
        inputs.append(("x1 gzip", 1, True))
    try:
        for label, size, gz in inputs:
            rows = MONTH_ROWS * size
            src = os.path.join(args.data_dir, f"yellow_tripdata_2021-01_x{size}.csv")
            if not os.path.exists(src):
                print(f"generating {src} ({rows:,} rows) ...", flush=True)
                generate(src, rows)
            if gz:
                plain, src = src, src + ".gz"
                if not os.path.exists(src):
                    print(f"compressing {src} ...", flush=True)
                    subprocess.run(f"gzip -c {plain} > {src}.tmp && mv {src}.tmp {src}",
                                   shell=True, check=True)
            with open(src, "rb") as f:  # warm the page cache for every tool alike
                while f.read(1 << 24):
                    pass
            for name, run in tools.items():
                if gz and name.startswith("polars"):
                    continue  # nodejs-polars does not read gzip
                times, peaks = [], []
                for i in range(args.repeat):
                    dst = os.path.join(out_dir, f"{name}_{label.replace(' ', '_')}.parquet")
                    if os.path.exists(dst):
                        os.remove(dst)
                    secs, rss, got = run(src, dst)
                    if got != rows:
                        sys.exit(f"{name} wrote {got} rows of {rows}")
                    times.append(secs)
                    peaks.append(rss)
                    print(f"  {label} {name:<12} run {i + 1}: {secs:6.2f} s, {mb(rss)}",
                          flush=True)
                results.append((label, name, statistics.median(times), max(peaks),
                                os.path.getsize(dst), rows, os.path.getsize(src)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)

    cores = os.cpu_count()
    print(f"\nCSV -> Parquet (zstd), yellow taxi 2021-01 schema, median of {args.repeat} runs, "
          f"{cores} cores")
    head = f"{'input':<22} {'tool':<12} {'wall':>8} {'vs best peer':>12} {'peak RSS':>9} " \
           f"{'output':>8} {'rows':>10}"
    print(head)
    print("-" * len(head))
    for label, _, _ in inputs:
        group = [r for r in results if r[0] == label]
        best_peer = min(r[2] for r in group if r[1] != "weir")
        for r in group:
            what = f"{label} ({mb(r[6])})"
            print(f"{what:<22} {r[1]:<12} {r[2]:>6.2f} s {r[2] / best_peer:>11.2f}x "
                  f"{mb(r[3]):>9} {mb(r[4]):>8} {r[5]:>10,}")
    print()
    weir = {r[0]: r for r in results if r[1] == "weir"}
    for label, _, _ in inputs:
        r = weir[label]
        best = min((x for x in results if x[0] == label and x[1] != "weir"), key=lambda x: x[2])
        ratio = r[2] / best[2]
        print(f"{label}: weir {r[2]:.2f} s vs fastest peer {best[1]} {best[2]:.2f} s = "
              f"{ratio:.3f}x (target <= 1.2x: {'pass' if ratio <= 1.2 else 'FAIL'})")
    plain = [(size, weir[label]) for label, size, gz in inputs if not gz]
    if len(plain) >= 2:
        (s0, r0), (s1, r1) = plain[0], plain[-1]
        print(f"weir peak RSS x{s0} -> x{s1}: {mb(r0[3])} -> {mb(r1[3])} ({r1[3] / r0[3]:.2f}x "
              f"for {s1 / s0:.0f}x the input; target: flat)")


if __name__ == "__main__":
    main()
