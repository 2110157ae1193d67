#!/usr/bin/python3
"""Copying and mirroring a folder of objects from one store to another: weir's transfer operator
against rclone, in one run, on the same servers and the same objects, with the same options.

Two data sets, each in its own folder of the source: --objects N objects of --object-kb KiB
("small", 10,000 of 16 KiB by default) and --big N objects of --big-mb MiB ("big", 10 of
100 MiB), random bytes, loaded once before anything is timed by `rclone copy` from a local
folder, every object in one PUT (so its ETag is its MD5, which both tools compare).

--route s3-s3 (the default): from one bucket of Ceph's radosgw (tests/fixtures/radosgw.py, a
throwaway in-memory cluster that verifies signatures and payload hashes) to another bucket of
the same radosgw. rclone has one remote for both buckets, so it copies server-side (CopyObject);
weir copies through its work folder, or server-side where its stores can (its XCom's
copied_server_side counts those). The comparison is fair either way: each tool does what it
would do for a user. --route s3-s3-servers: from the radosgw bucket to a bucket of a second,
separate radosgw (its own cluster, its own port): no server-side copy is possible, so both tools
read every byte from one server and write it to the other (weir with a second connection,
rgw2, rclone with a second remote, rgw2:). --route s3-azure: from the radosgw bucket to a
container of azurite (tests/js, which verifies Shared Key signatures and Content-MD5s); both
tools read and write. All on 127.0.0.1. The column "did" says what each run did: weir's
counters from its XCom, rclone's from its -v log (with how it copied: "server-side copy" or
"new").

For each data set the rows are, into an emptied sink: "weir copy" (a transfer), "rclone copy",
"weir sync" (a transfer with delete_objects_unique_in_sink: true), "rclone sync"; then, each
into the full sink its own sync just left, "weir re-sync (no change)" and "rclone re-sync (no
change)": listing both sides and comparing only. The same options on both sides: weir's
`parallelism` (--parallelism, else weir's default 16) is rclone's --transfers and --checkers,
and rclone compares as weir does, by size and MD5 (--checksum), not by modification time. Each
row runs --repeat times, the tools taking turns within a round, and going first in turn, round
by round; there is no warm-up round (the load warms the source's server, a first untimed rclone
copy the second radosgw of --route s3-s3-servers, and `weir dags list` makes weir's home and
database first). After every
run the sink's objects are listed by a client that is neither tool (a signed ListObjectsV2, or
Microsoft's @azure/storage-blob) and their count and total size checked; the sink is emptied
after the copy rows and after each re-sync (on radosgw, with a `radosgw-admin gc process` that
frees the deleted objects' memory at once). weir is timed end to end (`weir dags test` of a
one-task DAG, a new logical date each run: the process start, both listings, the copies, the
catalog records); the peak RSS column is the largest process of each run (for weir, the
transfer child of `weir dags test`), the CPU column the median of each run's user and system
time, the tool's children included.

Usage: /usr/bin/python3 bench/transfer.py [--route s3-s3|s3-s3-servers|s3-azure]
                                          [--objects 10000] [--object-kb 16]
                                          [--big 10] [--big-mb 100] [--parallelism P]
                                          [--repeat 2] [--weir build/weir]
Quicker: --objects 200 --object-kb 16 --big 2 --big-mb 5 --repeat 1. Needs radosgw, ceph-mon,
ceph-osd and rclone, and tests/js's packages (scripts/setup installs them). Prints a table;
writes nothing into the repository.
"""

import argparse
import datetime
import itertools
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upload  # noqa: E402
from upload import KEY, ROOT, SECRET, clean_env, signed_request  # noqa: E402

WEIR_DEFAULT_PARALLELISM = 16
SOURCE, SINK = "src", "lake"  # radosgw.py makes "lake"; azurite.cjs's container is "lake" too
ROUTES = {"s3-s3": "one radosgw bucket to another",
          "s3-s3-servers": "a bucket of one radosgw to a bucket of another radosgw",
          "s3-azure": "a radosgw bucket to an azurite container"}


def start_radosgw(cluster, memstore_mb):
    """upload.start_radosgw, with the cluster in a folder of ours: `gc process` needs its
    ceph.conf."""
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "fixtures", "radosgw.py"),
                          "--dir", cluster, "--memstore-mb", str(memstore_mb)],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit(f"radosgw did not start ({line!r}); scripts/setup installs radosgw")
    endpoint = f"http://127.0.0.1:{int(line.split()[1])}"
    urllib.request.urlopen(signed_request("PUT", f"{endpoint}/{SOURCE}", KEY, SECRET),
                           timeout=60).close()
    return p, endpoint


def radosgw_gc(cluster):
    """Frees the deleted objects now rather than hours later (the OSD keeps them in memory)."""
    subprocess.run(["radosgw-admin", "-c", os.path.join(cluster, "ceph.conf"), "gc", "process",
                    "--include-all"], check=True, capture_output=True)


def weir_s3_conn(endpoint):
    """weir's connection to a radosgw, as the value of a WEIR_CONN_* variable."""
    return f"aws://{KEY}:{SECRET}@?endpoint_url=" + urllib.parse.quote(endpoint, safe="")


def rclone_s3_remote(remote, endpoint):
    """The RCLONE_CONFIG_* variables of an S3 remote named `remote` on a radosgw."""
    settings = {"TYPE": "s3", "PROVIDER": "Ceph", "ENDPOINT": endpoint, "ACCESS_KEY_ID": KEY,
                "SECRET_ACCESS_KEY": SECRET, "FORCE_PATH_STYLE": "true"}
    return {f"RCLONE_CONFIG_{remote.upper()}_{k}": v for k, v in settings.items()}


def warm_radosgw(endpoint, cluster):
    """One object written and deleted, one multipart upload begun and aborted: radosgw makes its
    data pool at the first write and its multipart pool at the first multipart upload (weir's
    puts above 64 MiB), each taking near 2 s that the first timed row into a new server would
    otherwise pay (the source's radosgw makes its data pool in the load)."""
    url = f"{endpoint}/{SINK}/warm"

    def request(method, url, body=b""):
        return urllib.request.urlopen(signed_request(method, url, KEY, SECRET, body), timeout=60)

    request("PUT", url, b"warm").close()
    request("DELETE", url).close()
    with request("POST", f"{url}?uploads") as r:
        upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", r.read().decode()).group(1)
    request("DELETE", f"{url}?uploadId={urllib.parse.quote(upload_id, safe='')}").close()
    radosgw_gc(cluster)


def rclone_env(endpoint, sas_url=None, endpoint2=None):
    """rclone configured by the environment alone: the remote "rgw" for both buckets of radosgw
    (one remote: rclone copies between its buckets server-side), "rgw2" for the second radosgw
    (another remote: rclone copies server-side only within one remote, so it streams), "az"
    for azurite's container (a container SAS URL, as upload.py's rclone_azure_upload
    explains)."""
    env = clean_env(RCLONE_CONFIG=os.devnull, **rclone_s3_remote("rgw", endpoint))
    if endpoint2:
        env.update(rclone_s3_remote("rgw2", endpoint2))
    if sas_url:
        env.update(RCLONE_CONFIG_AZ_TYPE="azureblob", RCLONE_CONFIG_AZ_SAS_URL=sas_url)
    return env


def load_source(scratch, env, sets):
    """Writes each data set's random objects into a local folder and uploads them with rclone
    into the source bucket, one PUT each; returns nothing, removes the local copy."""
    data = os.path.join(scratch, "data")
    for name, (count, size) in sets.items():
        os.makedirs(os.path.join(data, name))
        for i in range(count):
            with open(os.path.join(data, name, f"obj-{i:05d}.bin"), "wb") as f:
                left = size
                while left:
                    chunk = min(left, 1 << 20)
                    f.write(os.urandom(chunk))
                    left -= chunk
    subprocess.run(["rclone", "copy", "--transfers", "16", "--s3-upload-cutoff", "5G", data,
                    f"rgw:{SOURCE}/"], env=env, check=True)
    shutil.rmtree(data)


def weir_dag(home, dag_id, name, sink, sink_conn, sync, parallelism):
    """A one-task DAG: the source through the connection rgw, the sink through the sink's own
    (rgw again, rgw2 or az): weir copies server-side only when both are the same store."""
    dag = (f"dag_id: {dag_id}\ntasks:\n  - task_id: transfer\n    operator: transfer\n"
           f"    source: s3://{SOURCE}/{name}/\n    source_conn_id: rgw\n"
           f"    sink: {sink}\n    sink_conn_id: {sink_conn}\n")
    if sync:
        dag += "    delete_objects_unique_in_sink: true\n"
    if parallelism:
        dag += f"    parallelism: {parallelism}\n"
    with open(os.path.join(home, "dags", f"{dag_id}.yaml"), "w") as f:
        f.write(dag)


def weir_did(home, dag_id, day):
    """What the transfer did, from its XCom: 'N copied, M skipped, D deleted'."""
    with sqlite3.connect(os.path.join(home, "weir.db")) as db:
        (value,) = db.execute("SELECT value FROM xcom WHERE dag_id = ? AND task_id = 'transfer' "
                              "AND run_id = ?", (dag_id, f"test__{day}T00:00:00+00:00")).fetchone()
    summary = json.loads(value)
    c = summary["counters"]
    did = f"{c['objects_copied_to_sink']} copied"
    if summary.get("copied_server_side"):
        did += f" ({summary['copied_server_side']} server-side)"
    did += f", {c['objects_from_source_skipped_by_sync']} same"
    if c["objects_deleted_from_sink"]:
        did += f", {c['objects_deleted_from_sink']} deleted"
    if c["objects_from_source_failed"]:
        did += f", {c['objects_from_source_failed']} failed"
    return did, c["objects_copied_to_sink"]


def rclone_did(log):
    """What rclone did, from its -v log: 'N copied (server-side), M checked'."""
    kinds = {}
    for kind in re.findall(r"INFO  : .*: Copied \(([^)]*)\)", log):
        kinds[kind] = kinds.get(kind, 0) + 1
    copied = sum(kinds.values())
    did = f"{copied} copied" + (f" ({', '.join(sorted(kinds))})" if kinds else "")
    checks = re.findall(r"^Checks:\s+(\d+) /", log, re.M)
    did += f", {checks[-1] if checks else 0} checked"
    deleted = len(re.findall(r"INFO  : .*: Deleted$", log, re.M))
    if deleted:
        did += f", {deleted} deleted"
    return did, copied


def run(argv, env):
    """Runs argv under upload.PEAK; returns (seconds, peak MiB, CPU seconds of the process and
    its children, stdout + stderr)."""
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", upload.PEAK, *argv], env=env, capture_output=True,
                       text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv[:3])} failed ({p.returncode}):\n"
                 f"{p.stdout[-2000:]}{p.stderr[-2000:]}")
    fields = p.stderr.strip().splitlines()[-1].split()
    return elapsed, int(fields[1]) / 1024, float(fields[2]), p.stdout + p.stderr


def bench_set(args, name, count, size, home, weir_env, rc_env, sink, days):
    """The six rows for one data set: row -> ([seconds], peak MiB, {what it did})."""
    parallelism = args.parallelism or WEIR_DEFAULT_PARALLELISM
    rclone_opts = ["-v", "--checksum", "--transfers", str(parallelism),
                   "--checkers", str(parallelism)]
    rclone_src = f"rgw:{SOURCE}/{name}/"
    rclone_dst = sink.rclone(name)
    for mode in ("copy", "sync"):
        weir_dag(home, f"{name}_{mode}", name, sink.uri(name), sink.conn, mode == "sync",
                 args.parallelism)
    rows = {r: ([], 0.0, set(), []) for r in (
        "weir copy", "rclone copy", "weir sync", "rclone sync", "weir re-sync (no change)",
        "rclone re-sync (no change)")}
    expect = (count, count * size)

    def step(row, argv, env, did_of, copies):
        seconds, peak, cpu, log = run(argv, env)
        did, copied = did_of(log)
        times, top, dids, cpus = rows[row]
        times.append(seconds)
        cpus.append(cpu)
        rows[row] = (times, max(top, peak), dids | {did}, cpus)
        stored = sink.listed(name)
        if stored != expect:
            sys.exit(f"{row}: the sink holds {stored} (objects, bytes) of {expect}")
        if copies and copied != count:
            sys.exit(f"{row} copied {copied} of {count} objects: {did}")

    def weir(row, mode, copies):
        day = next(days)
        dag_id = f"{name}_{mode}"
        step(row, [args.weir, "dags", "test", dag_id, day], weir_env,
             lambda log: weir_did(home, dag_id, day), copies)

    def rclone(row, verb, copies):
        step(row, ["rclone", verb, *rclone_opts, rclone_src, rclone_dst], rc_env, rclone_did,
             copies)

    if args.route == "s3-s3-servers":
        # The load warmed the source's radosgw; the sink's is warmed the same way, untimed: the
        # first writes of a data set into a new radosgw grow its in-memory store, which made
        # whichever tool came first slower by a second or two.
        subprocess.run(["rclone", "copy", *rclone_opts, rclone_src, rclone_dst], env=rc_env,
                       check=True, capture_output=True)
    sink.empty(name)

    def weir_copy():
        weir("weir copy", "copy", True)
        sink.empty(name)

    def rclone_copy():
        rclone("rclone copy", "copy", True)
        sink.empty(name)

    def weir_sync():
        weir("weir sync", "sync", True)
        weir("weir re-sync (no change)", "sync", False)
        sink.empty(name)

    def rclone_sync():
        rclone("rclone sync", "sync", True)
        rclone("rclone re-sync (no change)", "sync", False)
        sink.empty(name)

    for round_ in range(args.repeat):
        # The tools take turns going first, round by round.
        first, second = (0, 1) if round_ % 2 == 0 else (1, 0)
        for pair in ((weir_copy, rclone_copy), (weir_sync, rclone_sync)):
            pair[first]()
            pair[second]()
    return rows


class RadosgwSink:
    """The second bucket of the source's radosgw (conn "rgw"), or the bucket of a second
    radosgw (conn "rgw2"). The conn is both weir's connection id and rclone's remote."""

    def __init__(self, endpoint, cluster, conn="rgw"):
        self.endpoint, self.cluster, self.conn = endpoint, cluster, conn

    def uri(self, name):
        return f"s3://{SINK}/{name}/"

    def rclone(self, name):
        return f"{self.conn}:{SINK}/{name}/"

    def listed(self, name):
        return upload.list_prefix(self.endpoint, f"{name}/")[:2]

    def empty(self, name):
        upload.delete_prefix(self.endpoint, f"{name}/")
        radosgw_gc(self.cluster)


class AzuriteSink:
    """azurite's container, listed with Microsoft's client. Emptied by starting azurite again
    on the same port (it keeps blobs in memory): deleting 10,000 blobs took azurite longer
    than the copies did, one request at a time or 32. Stopped as main stops its servers."""
    conn = "az"

    def __init__(self, server, endpoint, key):
        self.server, self.endpoint, self.key = server, endpoint, key

    def terminate(self):
        self.server.terminate()

    def wait(self):
        self.server.wait()

    def uri(self, name):
        return f"az://{SINK}/{name}/"

    def rclone(self, name):
        return f"az:{SINK}/{name}/"

    def listed(self, name):
        return upload.azure_prefix(self.endpoint, self.key, f"{name}/", "list")

    def empty(self, name):
        self.terminate()
        self.wait()
        self.server, endpoint, _ = upload.start_azurite(urllib.parse.urlsplit(self.endpoint).port)
        if endpoint != self.endpoint:
            sys.exit(f"azurite came back at {endpoint}, not at {self.endpoint}")


def print_table(args, sets, results):
    parallelism = args.parallelism or WEIR_DEFAULT_PARALLELISM
    print(f"transfer from {ROUTES[args.route]} on 127.0.0.1, {os.cpu_count()} cores, parallelism"
          f" {parallelism} (rclone --transfers and --checkers {parallelism}, --checksum),"
          f" median of {args.repeat}")
    header = ("data set", "tool", "median", "objects/s", "MiB/s", "peak RSS", "CPU", "did",
              "vs rclone", "runs (s)")
    rows, verdicts = [], []
    for name, (count, size) in sets.items():
        mib = count * size / (1 << 20)
        what = (f"{count} x {size >> 10} KiB" if size < 1 << 20 else
                f"{count} x {size >> 20} MiB")
        for row, (times, peak, dids, cpus) in results[name].items():
            med = statistics.median(times)
            verdict = ""
            if row.startswith("weir"):
                peer = statistics.median(results[name][row.replace("weir", "rclone", 1)][0])
                ok = med <= peer
                verdicts.append(ok)
                verdict = f"{'pass' if ok else 'FAIL'} ({med / peer:.2f}x)"
            rows.append((what, row, f"{med:.2f} s", f"{count / med:.0f}",
                         "-" if "re-sync" in row else f"{mib / med:.1f}",
                         f"{peak:.0f} MiB", f"{statistics.median(cpus):.2f} s",
                         "; ".join(sorted(dids)), verdict,
                         ", ".join(f"{t:.2f}" for t in times)))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    print(fmt.format(*header).rstrip())
    for r in rows:
        print(fmt.format(*r).rstrip())
    print("target: weir at least as fast as rclone in every pair (copy, sync, re-sync) of every"
          f" data set: {'pass' if all(verdicts) else 'FAIL'}")
    for name in sets:
        for row in ("weir re-sync (no change)", "rclone re-sync (no change)"):
            copied = [d for d in results[name][row][2] if not d.startswith("0 copied")]
            if copied:
                print(f"note, {name}: {row} copied objects that had not changed: "
                      f"{'; '.join(copied)}")
    for name in sets:
        weir = max(results[name][r][1] for r in results[name] if r.startswith("weir"))
        peer = max(results[name][r][1] for r in results[name] if r.startswith("rclone"))
        print(f"peak RSS, {name}: weir {weir:.0f} MiB, rclone {peer:.0f} MiB")


def open_route(args, scratch, sets, home, servers):
    """Starts the route's servers (each appended to `servers`, for main to stop); returns
    weir's environment, rclone's and the sink."""
    data_mb = sum(count * size for count, size in sets.values()) >> 20
    row_mb = max((count * size for count, size in sets.values()), default=0) >> 20
    cluster = os.path.join(scratch, "rgw")
    # The source, and a sink emptied (and its memory freed) after each row: room for both,
    # twice, and some. With the sink on a second radosgw each has its own: the source all the
    # data, the sink one data set (one row) at a time.
    separate = args.route == "s3-s3-servers"
    server, endpoint = start_radosgw(cluster, (data_mb * 2 if separate else data_mb * 4) + 1024)
    servers.append(server)
    weir_env = clean_env(WEIR_HOME=home, WEIR_CONN_RGW=weir_s3_conn(endpoint))
    if args.route == "s3-azure":
        az_server, az_endpoint, az_key = upload.start_azurite()
        sink = AzuriteSink(az_server, az_endpoint, az_key)
        servers.append(sink)
        sas = subprocess.run(upload.azure_client(az_endpoint, az_key, "sas", SINK, "racwdl"),
                             capture_output=True, text=True, check=True).stdout.strip()
        weir_env["WEIR_CONN_AZ"] = json.dumps({
            "conn_type": "wasb", "login": "devstoreaccount1", "password": az_key,
            "host": az_endpoint})
        return weir_env, rclone_env(endpoint, f"{az_endpoint}/{SINK}?{sas}"), sink
    if separate:
        cluster2 = os.path.join(scratch, "rgw2")
        server2, endpoint2 = start_radosgw(cluster2, row_mb * 2 + 1024)
        servers.append(server2)
        warm_radosgw(endpoint2, cluster2)
        weir_env["WEIR_CONN_RGW2"] = weir_s3_conn(endpoint2)
        return (weir_env, rclone_env(endpoint, endpoint2=endpoint2),
                RadosgwSink(endpoint2, cluster2, "rgw2"))
    return weir_env, rclone_env(endpoint), RadosgwSink(endpoint, cluster)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--route", choices=list(ROUTES), default="s3-s3")
    parser.add_argument("--objects", type=int, default=10000, help="small objects")
    parser.add_argument("--object-kb", type=int, default=16, help="each small object's size")
    parser.add_argument("--big", type=int, default=10, help="big objects")
    parser.add_argument("--big-mb", type=int, default=100, help="each big object's size")
    parser.add_argument("--parallelism", type=int, default=0,
                        help="weir's transfer parallelism and rclone's --transfers and "
                             f"--checkers (default weir's own, {WEIR_DEFAULT_PARALLELISM})")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--weir", default=os.path.join(ROOT, "build", "weir"))
    args = parser.parse_args()
    if not shutil.which("rclone"):
        sys.exit("rclone is missing: scripts/setup installs it")
    sets = {}
    if args.objects:
        sets["small"] = (args.objects, args.object_kb << 10)
    if args.big:
        sets["big"] = (args.big, args.big_mb << 20)
    scratch = tempfile.mkdtemp(prefix="weir-bench-transfer-")
    home = os.path.join(scratch, "home")
    os.makedirs(os.path.join(home, "dags"))
    servers = []
    try:
        weir_env, rc_env, sink = open_route(args, scratch, sets, home, servers)
        load_source(scratch, rc_env, sets)
        subprocess.run([args.weir, "dags", "list"], env=weir_env, check=True,
                       capture_output=True)
        first = datetime.date(2021, 1, 1)
        days = (str(first + datetime.timedelta(days=n)) for n in itertools.count())
        results = {name: bench_set(args, name, count, size, home, weir_env, rc_env, sink, days)
                   for name, (count, size) in sets.items()}
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(args, sets, results)


if __name__ == "__main__":
    main()
