#!/usr/bin/python3
"""Uploading one large file, or a folder of many small ones, to a cloud store: weir's lake_put
against the best clients of that store, in one run, on the same server and the same files.

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

--files N --file-kb K: a folder of N files of K KiB of random bytes instead, uploaded under a
prefix: weir with one lake_put task whose input is the folder (`parallelism` files at a time,
weir's default 8; --parallelism 16 adds a row "weir p16" with that setting, and so on), against
`aws s3 sync` (radosgw; 10 requests at a time, its default) and `rclone copy` (its default
--transfers 4) on radosgw, and `rclone copy` and a loop of @azure/storage-blob uploadFile
calls, 8 at a time like weir (tests/js/azure_client.cjs put-dir), on azurite. After each
upload the objects under the prefix are listed (their count and total size checked), then
deleted.

Usage: /usr/bin/python3 bench/upload.py [--server radosgw|azurite] [--size-mb 128]
                                        [--files N --file-kb K [--parallelism P,...]]
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
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

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


def list_prefix(endpoint, prefix):
    """(count, bytes) of the objects under `prefix` (ListObjectsV2, page by page)."""
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    count, size, token = 0, 0, None
    keys = []
    while True:
        query = {"list-type": "2", "prefix": prefix}
        if token:
            query["continuation-token"] = token
        url = f"{endpoint}/lake?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        with urllib.request.urlopen(signed_request("GET", url, KEY, SECRET), timeout=60) as r:
            root = ET.fromstring(r.read())
        for c in root.iter(f"{ns}Contents"):
            keys.append(c.find(f"{ns}Key").text)
            size += int(c.find(f"{ns}Size").text)
        count = len(keys)
        if root.findtext(f"{ns}IsTruncated") != "true":
            return count, size, keys
        token = root.findtext(f"{ns}NextContinuationToken")


def delete_prefix(endpoint, prefix):
    count, size, keys = list_prefix(endpoint, prefix)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: delete(endpoint, urllib.parse.quote(k)), keys))
    return count, size


def weir_dag(home, dag_id, src, target, conn_arg, parallelism):
    dag = (f"dag_id: {dag_id}\ntasks:\n  - task_id: put\n    operator: lake_put\n"
           f"    input: {src}\n    target: {target}\n    {conn_arg}\n")
    if parallelism:
        dag += f"    parallelism: {parallelism}\n"
    with open(os.path.join(home, "dags", f"{dag_id}.yaml"), "w") as f:
        f.write(dag)


def weir_upload(args, home, endpoint, src, key, n, parallelism=None):
    dag_id = f"up_p{parallelism}" if parallelism else "up"
    weir_dag(home, dag_id, src, f"s3://lake/{key}", "aws_conn_id: rgw", parallelism)
    env = clean_env(WEIR_HOME=home,
               WEIR_CONN_RGW=f"aws://{KEY}:{SECRET}@?endpoint_url="
                             + urllib.parse.quote(endpoint, safe=""))
    day = f"2021-01-{n + 1:02d}"
    return [args.weir, "dags", "test", dag_id, day], env


# --- Azure (azurite) ---------------------------------------------------------------------------

JS = os.path.join(ROOT, "tests", "js")


def start_azurite(port=None):
    """azurite in memory, on `port` (default a free one): (process, endpoint, account key)."""
    key = subprocess.run(["node", os.path.join(JS, "azurite.cjs"), "--print-key"],
                         capture_output=True, text=True, check=True).stdout.strip()
    p = subprocess.Popen(["node", os.path.join(JS, "azurite.cjs")]
                         + (["--port", str(port)] if port else []), stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit(f"azurite did not start ({line!r}); scripts/setup installs it")
    return p, f"http://127.0.0.1:{int(line.split()[1])}/devstoreaccount1", key


def azure_client(endpoint, key, *args):
    return ["node", os.path.join(JS, "azure_client.cjs"), endpoint, key, *args]


def weir_azure_upload(args, home, endpoint, key, src, blob, n, parallelism=None):
    dag_id = f"up_p{parallelism}" if parallelism else "up"
    weir_dag(home, dag_id, src, f"az://lake/{blob}", "wasb_conn_id: az", parallelism)
    conn = json.dumps({"conn_type": "wasb", "login": "devstoreaccount1", "password": key,
                       "host": endpoint})
    env = clean_env(WEIR_HOME=home, WEIR_CONN_AZ=conn)
    return [args.weir, "dags", "test", dag_id, f"2021-01-{n + 1:02d}"], env


def rclone_azure_upload(endpoint, sas, src, blob):
    # Debian's rclone 1.60 builds https://<account>.<endpoint> from an account and endpoint, and
    # its use_emulator flag is broken; a container SAS URL reaches any endpoint. A folder (blob
    # a prefix ending in '/') is `rclone copy`, its default --transfers 4.
    remote = f":azureblob,sas_url='{endpoint}/lake?{sas}':lake/{blob}"
    verb = "copy" if blob.endswith("/") else "copyto"
    return ["rclone", verb, "--no-check-dest", src, remote], clean_env(RCLONE_CONFIG=os.devnull)


def azure_prefix(endpoint, key, prefix, verb):
    out = subprocess.run(azure_client(endpoint, key, verb, "lake", prefix), check=True,
                         capture_output=True, text=True).stdout
    listed = json.loads(out)
    return listed["count"], listed["bytes"]


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
    # A folder (key a prefix ending in '/') is `aws s3 sync`, 10 requests at a time.
    verb = "sync" if key.endswith("/") else "cp"
    return ["/usr/bin/aws", "s3", verb, "--only-show-errors", "--endpoint-url", endpoint, src,
            f"s3://lake/{key}"], env


def rclone_upload(endpoint, src, key):
    remote = (f":s3,provider=Ceph,endpoint='{endpoint}',access_key_id={KEY},"
              f"secret_access_key={SECRET}:lake/{key}")
    env = clean_env(RCLONE_CONFIG=os.devnull)
    verb = "copy" if key.endswith("/") else "copyto"
    return ["rclone", verb, "--no-check-dest", src, remote], env


# Runs a command and says, last on stderr, the peak resident memory (KiB) of the largest of
# its processes (RUSAGE_CHILDREN: every descendant waited for; weir's lake_put runs in a child
# of `weir dags test`).
PEAK = ("import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print('PEAK', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)\n"
        "sys.exit(r.returncode)\n")


def run_rounds(args, tools, size, check_and_delete):
    """Runs each tool's command (tools: name -> function(key, n) -> (argv, env)) --repeat times
    after a warm-up round, taking turns; returns name -> [seconds] and name -> peak MiB.
    check_and_delete(key) returns what was stored, to compare with `size`: the object's size,
    or (count, bytes) under a prefix in the many-files mode."""
    times = {tool: [] for tool in tools}
    peaks = {tool: 0 for tool in tools}
    for n in range(args.repeat + 1):
        for tool, command in tools.items():
            key = f"bench/{tool.replace(' ', '-')}/{n}" + ("/" if args.files else ".bin")
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
                sys.exit(f"{tool} stored {stored} (files, bytes) of {size}" if args.files
                         else f"{tool} stored {stored} bytes of {size}")
            if n > 0:
                times[tool].append(elapsed)
    return times, peaks


def print_table(args, server, times, peaks):
    peers = [t for t in times if not t.startswith("weir")]
    best_peer = min(statistics.median(times[t]) for t in peers)
    if args.files:
        mib = args.files * args.file_kb / 1024
        what = f"{args.files} files of {args.file_kb} KiB ({mib:.0f} MiB)"
    else:
        mib = args.size_mb
        what = f"a {args.size_mb} MiB file"
    print(f"upload of {what} to {server} on 127.0.0.1, {os.cpu_count()} cores,"
          f" median of {args.repeat}")
    rows = []
    for tool, ts in times.items():
        med = statistics.median(ts)
        rate = f"{mib / med:.0f} MiB/s"
        if args.files:
            rate += f", {args.files / med:.0f} files/s"
        rows.append((tool, f"{med:.2f} s", rate,
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
    parser.add_argument("--files", type=int, default=0,
                        help="a folder of this many files instead of one file")
    parser.add_argument("--file-kb", type=int, default=64, help="each file's size, with --files")
    parser.add_argument("--parallelism", default="",
                        help="with --files: lake_put parallelism values to run beside weir's "
                             "default (8), comma-separated; each adds a row 'weir pN'")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = parser.parse_args()
    if not shutil.which("rclone"):
        sys.exit("rclone is missing: scripts/setup installs it")
    extra = [int(p) for p in args.parallelism.split(",") if p]
    if extra and not args.files:
        sys.exit("--parallelism is for --files")
    scratch = tempfile.mkdtemp(prefix="weir-bench-upload-")
    if args.files:
        src = os.path.join(scratch, "data")
        os.makedirs(src)
        for i in range(args.files):
            with open(os.path.join(src, f"part-{i:05d}.bin"), "wb") as f:
                f.write(os.urandom(args.file_kb << 10))
        size = (args.files, args.files * args.file_kb << 10)
        data_mb = args.files * args.file_kb // 1024
    else:
        src = os.path.join(scratch, "data.bin")
        with open(src, "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        size = args.size_mb << 20
        data_mb = args.size_mb
    home = os.path.join(scratch, "home")
    os.makedirs(os.path.join(home, "dags"))
    try:
        if args.server == "azurite":
            server, endpoint, key = start_azurite()
            sas = subprocess.run(azure_client(endpoint, key, "sas", "lake", "racwdl"),
                                 capture_output=True, text=True, check=True).stdout.strip()
            tools = {
                "weir": lambda blob, n: weir_azure_upload(args, home, endpoint, key, src, blob, n),
            }
            for p in extra:
                tools[f"weir p{p}"] = (lambda p: lambda blob, n: weir_azure_upload(
                    args, home, endpoint, key, src, blob, n, p))(p)
            tools["rclone"] = lambda blob, n: rclone_azure_upload(endpoint, sas, src, blob)
            if args.files:
                tools["azure-storage-blob"] = lambda blob, n: (
                    azure_client(endpoint, key, "put-dir", "lake", blob, src, "8"), clean_env())

                def check(blob):
                    if azure_prefix(endpoint, key, blob, "list") != size:
                        return azure_prefix(endpoint, key, blob, "list")
                    return azure_prefix(endpoint, key, blob, "delete-prefix")
            else:
                tools["azure-storage-blob"] = lambda blob, n: (
                    azure_client(endpoint, key, "put", "lake", blob, src), clean_env())

                def check(blob):
                    return azure_size(endpoint, key, blob, scratch)
        else:
            if not shutil.which("/usr/bin/aws"):
                sys.exit("/usr/bin/aws is missing: scripts/setup installs awscli")
            # radosgw frees deleted objects hours later: room for every upload, and some.
            server, endpoint = start_radosgw(data_mb * (args.repeat + 1) * (3 + len(extra)) * 2
                                             + 512)
            tools = {
                "weir": lambda key, n: weir_upload(args, home, endpoint, src, key, n),
            }
            for p in extra:
                tools[f"weir p{p}"] = (lambda p: lambda key, n: weir_upload(
                    args, home, endpoint, src, key, n, p))(p)
            tools["aws-cli"] = lambda key, n: aws_upload(endpoint, src, key)
            tools["rclone"] = lambda key, n: rclone_upload(endpoint, src, key)

            if args.files:
                def check(key):
                    listed = list_prefix(endpoint, key)[:2]
                    return listed if listed != size else delete_prefix(endpoint, key)
            else:
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
