#!/usr/bin/python3
"""Uploading one large file to an S3 server: weir's lake_put against aws-cli and rclone, in
one run, on the same server and the same file.

The server is Ceph's radosgw on a throwaway in-memory cluster (tests/fixtures/radosgw.py,
which verifies signatures and payload hashes), on 127.0.0.1. Each tool uploads the file
--repeat times after a round that warms up, the tools taking turns; every object is deleted after it is timed, and its
size is checked first. weir is timed end to end (`weir dags test` of a one-task DAG: the
process start, the file's sha256, the multipart upload, the checks after it, the catalog
record); aws-cli and rclone run with their default part sizes and concurrency.

Usage: /usr/bin/python3 bench/upload.py [--size-mb 128] [--repeat 3] [--weir build/weir]
Needs radosgw, ceph-mon, ceph-osd, awscli and rclone (scripts/setup installs them). Prints a
table; writes nothing into the repository.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from sigv4 import signed_request  # noqa: E402

KEY, SECRET = "WEIRKEY", "WEIRSECRET"


def start_radosgw(memstore_mb):
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "fixtures", "radosgw.py"),
                          "--memstore-mb", str(memstore_mb)], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit(f"radosgw did not start ({line!r}); scripts/setup installs radosgw")
    return p, f"http://127.0.0.1:{int(line.split()[1])}"


def head_size(endpoint, key):
    req = signed_request("HEAD", f"{endpoint}/lake/{key}", KEY, SECRET)
    with urllib.request.urlopen(req, timeout=60) as r:
        return int(r.headers["Content-Length"])


def delete(endpoint, key):
    urllib.request.urlopen(signed_request("DELETE", f"{endpoint}/lake/{key}", KEY, SECRET),
                           timeout=60).close()


def weir_upload(args, home, endpoint, src, key, n):
    dag = (f"dag_id: up\ntasks:\n  - task_id: put\n    operator: lake_put\n"
           f"    input: {src}\n    target: s3://lake/{key}\n    aws_conn_id: rgw\n")
    with open(os.path.join(home, "dags", "up.yaml"), "w") as f:
        f.write(dag)
    env = clean_env(WEIR_HOME=home,
               WEIR_CONN_RGW=f"aws://{KEY}:{SECRET}@?endpoint_url="
                             + urllib.parse.quote(endpoint, safe=""))
    day = f"2021-01-{n + 1:02d}"
    return [args.weir, "dags", "test", "up", day], env


def clean_env(**extra):
    """The environment without AWS_* settings of the machine (a CA bundle, a profile)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def aws_upload(endpoint, src, key):
    env = clean_env(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return ["/usr/bin/aws", "s3", "cp", "--only-show-errors", "--endpoint-url", endpoint, src,
            f"s3://lake/{key}"], env


def rclone_upload(endpoint, src, key):
    remote = (f":s3,provider=Ceph,endpoint='{endpoint}',access_key_id={KEY},"
              f"secret_access_key={SECRET}:lake/{key}")
    env = clean_env(RCLONE_CONFIG=os.devnull)
    return ["rclone", "copyto", "--no-check-dest", src, remote], env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = parser.parse_args()
    for tool in ("/usr/bin/aws", "rclone"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: scripts/setup installs awscli and rclone")
    scratch = tempfile.mkdtemp(prefix="weir-bench-upload-")
    # radosgw frees deleted objects hours later: room for every upload, and some.
    server, endpoint = start_radosgw(args.size_mb * (args.repeat + 1) * 3 * 2 + 512)
    try:
        src = os.path.join(scratch, "data.bin")
        with open(src, "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        size = args.size_mb << 20
        home = os.path.join(scratch, "home")
        os.makedirs(os.path.join(home, "dags"))
        times = {"weir": [], "aws-cli": [], "rclone": []}
        # Round 0 warms up (the server makes its pools on the first write, weir its
        # database) and is not counted.
        for n in range(args.repeat + 1):
            for tool in times:
                key = f"bench/{tool}/{n}.bin"
                if tool == "weir":
                    argv, env = weir_upload(args, home, endpoint, src, key, n)
                elif tool == "aws-cli":
                    argv, env = aws_upload(endpoint, src, key)
                else:
                    argv, env = rclone_upload(endpoint, src, key)
                start = time.perf_counter()
                p = subprocess.run(argv, env=env, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                if p.returncode != 0:
                    sys.exit(f"{tool} failed ({p.returncode}):\n{p.stdout[-2000:]}"
                             f"{p.stderr[-2000:]}")
                stored = head_size(endpoint, key)
                if stored != size:
                    sys.exit(f"{tool} stored {stored} bytes of {size}")
                delete(endpoint, key)
                if n > 0:
                    times[tool].append(elapsed)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)

    best_peer = min(statistics.median(times["aws-cli"]), statistics.median(times["rclone"]))
    print(f"upload of a {args.size_mb} MiB file to radosgw on 127.0.0.1, {os.cpu_count()} cores,"
          f" median of {args.repeat}")
    rows = []
    for tool, ts in times.items():
        med = statistics.median(ts)
        rows.append((tool, f"{med:.2f} s", f"{args.size_mb / med:.0f} MiB/s",
                     f"{med / best_peer:.2f}x", ", ".join(f"{t:.2f}" for t in ts)))
    header = ("tool", "wall", "rate", "vs fastest peer", "runs (s)")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    print(fmt.format(*header))
    for r in rows:
        print(fmt.format(*r))
    weir = statistics.median(times["weir"])
    verdict = "pass" if weir <= best_peer else "FAIL"
    print(f"target: at least as fast as aws-cli and rclone on the same server: {verdict}")


if __name__ == "__main__":
    main()
