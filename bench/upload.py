#!/usr/bin/python3
"""Uploading one large file to a cloud store: weir's lake_put against the best clients of
that store, in one run, on the same server and the same file.

--server radosgw (the default): Ceph's radosgw on a throwaway in-memory cluster
(tests/fixtures/radosgw.py, which verifies signatures and payload hashes), against aws-cli
(`aws s3 cp`) and rclone. --server azurite: Microsoft's Azure Storage emulator (tests/js,
which verifies Shared Key signatures and Content-MD5s), against rclone's azureblob backend and
Microsoft's own @azure/storage-blob (uploadFile: parallel blocks). All on 127.0.0.1. Each tool
uploads the file --repeat times after a round that warms up, the tools taking turns; every
object's size is checked and the object deleted after it is timed. weir is timed end to end
(`weir dags test` of a one-task DAG: the process start, the file's hashes, the multipart or
block upload, the checks after it, the catalog record); the peers run with their default part
sizes and concurrency. The peak RSS column is the largest process of each tool's run (for
weir, the lake_put child of `weir dags test`).

Usage: /usr/bin/python3 bench/upload.py [--server radosgw|azurite] [--size-mb 128]
                                        [--repeat 3] [--weir build/weir]
Needs radosgw, ceph-mon, ceph-osd, awscli and rclone, and tests/js's packages (scripts/setup
installs them). Prints a table; writes nothing into the repository.
"""

import argparse
import json
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


# --- Azure (azurite) ---------------------------------------------------------------------------

JS = os.path.join(ROOT, "tests", "js")


def start_azurite():
    key = subprocess.run(["node", os.path.join(JS, "azurite.cjs"), "--print-key"],
                         capture_output=True, text=True, check=True).stdout.strip()
    p = subprocess.Popen(["node", os.path.join(JS, "azurite.cjs")], stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit(f"azurite did not start ({line!r}); scripts/setup installs it")
    return p, f"http://127.0.0.1:{int(line.split()[1])}/devstoreaccount1", key


def azure_client(endpoint, key, *args):
    return ["node", os.path.join(JS, "azure_client.cjs"), endpoint, key, *args]


def weir_azure_upload(args, home, endpoint, key, src, blob, n):
    dag = (f"dag_id: up\ntasks:\n  - task_id: put\n    operator: lake_put\n"
           f"    input: {src}\n    target: az://lake/{blob}\n    wasb_conn_id: az\n")
    with open(os.path.join(home, "dags", "up.yaml"), "w") as f:
        f.write(dag)
    conn = json.dumps({"conn_type": "wasb", "login": "devstoreaccount1", "password": key,
                       "host": endpoint})
    env = clean_env(WEIR_HOME=home, WEIR_CONN_AZ=conn)
    return [args.weir, "dags", "test", "up", f"2021-01-{n + 1:02d}"], env


def rclone_azure_upload(endpoint, sas, src, blob):
    # Debian's rclone 1.60 builds https://<account>.<endpoint> from an account and endpoint, and
    # its use_emulator flag is broken; a container SAS URL reaches any endpoint.
    remote = f":azureblob,sas_url='{endpoint}/lake?{sas}':lake/{blob}"
    return ["rclone", "copyto", "--no-check-dest", src, remote], clean_env(RCLONE_CONFIG=os.devnull)


def azure_size(endpoint, key, blob, scratch):
    out = os.path.join(scratch, "back.bin")
    subprocess.run(azure_client(endpoint, key, "get", "lake", blob, out), check=True,
                   capture_output=True)
    size = os.path.getsize(out)
    os.remove(out)
    subprocess.run(azure_client(endpoint, key, "delete", "lake", blob), check=True,
                   capture_output=True)
    return size


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


# Runs a command and says, last on stderr, the peak resident memory (KiB) of the largest of
# its processes (RUSAGE_CHILDREN: every descendant waited for; weir's lake_put runs in a child
# of `weir dags test`).
PEAK = ("import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(r.returncode)\n")


def run_rounds(args, tools, size, check_and_delete):
    """Runs each tool's command (tools: name -> function(key, n) -> (argv, env)) --repeat times
    after a warm-up round, taking turns; returns name -> [seconds] and name -> peak MiB."""
    times = {tool: [] for tool in tools}
    peaks = {tool: 0 for tool in tools}
    for n in range(args.repeat + 1):
        for tool, command in tools.items():
            key = f"bench/{tool}/{n}.bin"
            argv, env = command(key, n)
            start = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", PEAK, *argv], env=env, capture_output=True,
                               text=True)
            elapsed = time.perf_counter() - start
            if p.returncode != 0:
                sys.exit(f"{tool} failed ({p.returncode}):\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
            peak_kib = int(p.stderr.strip().splitlines()[-1].split()[1])
            peaks[tool] = max(peaks[tool], peak_kib / 1024)
            stored = check_and_delete(key)
            if stored != size:
                sys.exit(f"{tool} stored {stored} bytes of {size}")
            if n > 0:
                times[tool].append(elapsed)
    return times, peaks


def print_table(args, server, times, peaks):
    peers = [t for t in times if t != "weir"]
    best_peer = min(statistics.median(times[t]) for t in peers)
    print(f"upload of a {args.size_mb} MiB file to {server} on 127.0.0.1, {os.cpu_count()} cores,"
          f" median of {args.repeat}")
    rows = []
    for tool, ts in times.items():
        med = statistics.median(ts)
        rows.append((tool, f"{med:.2f} s", f"{args.size_mb / med:.0f} MiB/s",
                     f"{med / best_peer:.2f}x", f"{peaks[tool]:.0f} MiB",
                     ", ".join(f"{t:.2f}" for t in ts)))
    header = ("tool", "wall", "rate", "vs fastest peer", "peak RSS", "runs (s)")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(6)]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    print(fmt.format(*header))
    for r in rows:
        print(fmt.format(*r))
    weir = statistics.median(times["weir"])
    verdict = "pass" if weir <= best_peer else "FAIL"
    print(f"target: at least as fast as {' and '.join(peers)} on the same server: {verdict}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["radosgw", "azurite"], default="radosgw")
    parser.add_argument("--size-mb", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = parser.parse_args()
    if not shutil.which("rclone"):
        sys.exit("rclone is missing: scripts/setup installs it")
    scratch = tempfile.mkdtemp(prefix="weir-bench-upload-")
    src = os.path.join(scratch, "data.bin")
    with open(src, "wb") as f:
        for _ in range(args.size_mb):
            f.write(os.urandom(1 << 20))
    size = args.size_mb << 20
    home = os.path.join(scratch, "home")
    os.makedirs(os.path.join(home, "dags"))
    try:
        if args.server == "azurite":
            server, endpoint, key = start_azurite()
            sas = subprocess.run(azure_client(endpoint, key, "sas", "lake", "racwdl"),
                                 capture_output=True, text=True, check=True).stdout.strip()
            tools = {
                "weir": lambda blob, n: weir_azure_upload(args, home, endpoint, key, src, blob, n),
                "rclone": lambda blob, n: rclone_azure_upload(endpoint, sas, src, blob),
                "azure-storage-blob": lambda blob, n: (
                    azure_client(endpoint, key, "put", "lake", blob, src), clean_env()),
            }

            def check(blob):
                return azure_size(endpoint, key, blob, scratch)
        else:
            if not shutil.which("/usr/bin/aws"):
                sys.exit("/usr/bin/aws is missing: scripts/setup installs awscli")
            # radosgw frees deleted objects hours later: room for every upload, and some.
            server, endpoint = start_radosgw(args.size_mb * (args.repeat + 1) * 3 * 2 + 512)
            tools = {
                "weir": lambda key, n: weir_upload(args, home, endpoint, src, key, n),
                "aws-cli": lambda key, n: aws_upload(endpoint, src, key),
                "rclone": lambda key, n: rclone_upload(endpoint, src, key),
            }

            def check(key):
                stored = head_size(endpoint, key)
                delete(endpoint, key)
                return stored
        try:
            # Round 0 warms up (the server makes its pools on the first write, weir its
            # database) and is not counted.
            times, peaks = run_rounds(args, tools, size, check)
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(args, args.server, times, peaks)


if __name__ == "__main__":
    main()
