"""The transfer operator at its edges, against s3rver (which checks SigV4 signatures and pages
ListObjectsV2 at 1,000 keys): 10,000 objects, a `weir dags test` killed with SIGKILL in the
middle of a transfer and run again, and a move whose source changes while it runs. What weir
wrote is read back without weir: with the tests' own signed S3 requests, or from the folder."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

from cloud_lake import JS, S3rverPeer, signed_request, start_peer, stop_peer
from harness import WEIR, WeirTestCase

KIB = 1024

# One transfer task; OPTIONS are more lines of it.
DAG = """
dag_id: %(dag_id)s
tasks:
  - task_id: ship
    operator: transfer
    source: %(source)s
    sink: %(sink)s
%(options)s
"""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def files_under(folder):
    """{path relative to folder: bytes} of every file under it, temporaries included."""
    out = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def is_temporary(rel):
    """A file weir's stores never list: a put in progress, or one a killed put left."""
    return os.path.basename(rel).startswith(".weir-tmp-")


class S3rverInOwnFolder(S3rverPeer):
    """S3rverPeer with its objects in a folder of the class's, removed at the end: these tests
    leave tens of thousands of files in it, and one of them seeds objects there directly."""

    @classmethod
    def setUpClass(cls):
        cls.s3_dir = tempfile.mkdtemp(prefix="weir-s3rver-faults-")
        cls.server, port = start_peer(["node", "--openssl-legacy-provider",
                                       os.path.join(JS, "s3_server.cjs"), cls.s3_dir])
        cls.endpoint = f"http://127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        stop_peer(cls.server)
        shutil.rmtree(cls.s3_dir, ignore_errors=True)


class TransferFaultsTest(S3rverInOwnFolder, WeirTestCase):

    def setUp(self):
        super().setUp()
        # The peer serves every test of the class: each test has its own prefix in it.
        self.prefix = os.path.basename(self.home)

    # --- s3rver, without weir ---

    def run_env(self):
        s3 = "aws://S3RVER:S3RVER@?endpoint_url=" + urllib.parse.quote(self.endpoint, safe="")
        return self.env(WEIR_CONN_S3RVER=s3)

    def s3_put(self, key, data):
        req = signed_request("PUT", f"{self.endpoint}/lake/{urllib.parse.quote(key)}", "S3RVER",
                             "S3RVER", data)
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()

    def s3_list(self, prefix):
        """{key relative to prefix: size} as s3rver lists them, following its continuation
        tokens; and how many pages that took."""
        found = {}
        pages = 0
        token = None
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if token:
                query["continuation-token"] = token
            qs = "&".join(f"{k}={urllib.parse.quote(v, safe='-_.~')}"
                          for k, v in sorted(query.items()))
            root = ElementTree.fromstring(self.s3_list_page(qs))
            pages += 1
            # s3rver's namespace is not S3's: match any.
            for c in root.iterfind("{*}Contents"):
                key = c.findtext("{*}Key")
                self.assertTrue(key.startswith(prefix), key)
                found[key[len(prefix):]] = int(c.findtext("{*}Size"))
            if root.findtext("{*}IsTruncated") != "true":
                return found, pages
            token = root.findtext("{*}NextContinuationToken")
            self.assertTrue(token, "a truncated page without a continuation token")

    def s3_list_page(self, qs):
        """One ListObjectsV2 page. s3rver answers 500 when it lists an object whose PUT is
        still writing (its file is there, its metadata not yet): asked again, it lists it or
        not. A test that polls while weir copies meets that; weir is not involved."""
        for attempt in range(20):
            req = signed_request("GET", f"{self.endpoint}/lake?{qs}", "S3RVER", "S3RVER")
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    return r.read()
            except urllib.error.HTTPError as e:
                if e.code != 500 or attempt == 19:
                    raise
            time.sleep(0.05)

    def s3_read(self, key):
        return self.read_object(urllib.parse.quote(key))

    # --- weir ---

    def write_transfer_dag(self, dag_id, source, sink, **options):
        # The S3 side (or sides) through s3rver's connection.
        for side, uri in (("source", source), ("sink", sink)):
            if uri.startswith("s3://"):
                options[f"{side}_conn_id"] = "s3rver"
        lines = "".join(f"    {k}: {v}\n" for k, v in options.items())
        self.write_dag(f"{dag_id}.yaml", DAG % {"dag_id": dag_id, "source": source,
                                                "sink": sink, "options": lines.rstrip("\n")})

    def run_id(self, day):
        return f"test__{day}T00:00:00+00:00"

    def xcom(self, dag_id, day):
        rows = self.query("SELECT value FROM xcom WHERE dag_id = ? AND task_id = 'ship' "
                          "AND run_id = ?", dag_id, self.run_id(day))
        self.assertEqual(len(rows), 1, rows)
        return json.loads(rows[0][0])

    def report(self, dag_id, day):
        path = os.path.join(self.home, "logs", dag_id, self.run_id(day), "ship",
                            "attempt-1.transfer.jsonl")
        with open(path) as f:
            return [json.loads(line) for line in f]

    def start_dags_test(self, dag_id, day):
        """`weir dags test` in a process group of its own, its output in a file."""
        out = open(os.path.join(self.home, f"{dag_id}.out"), "w+")
        self.addCleanup(out.close)
        p = subprocess.Popen([WEIR, "dags", "test", dag_id, day], env=self.run_env(),
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        p.out = out
        return p

    def output(self, p):
        p.out.flush()
        p.out.seek(0)
        return p.out.read()

    def attempt_pid(self, dag_id):
        rows = self.query("SELECT pid FROM task_try WHERE dag_id = ? AND pid > 0", dag_id)
        return rows[0][0] if rows else None

    def kill_9(self, p, dag_id):
        """SIGKILL for everything of the test run: the try copying (which leads a process group
        of its own) and `weir dags test` with its group."""
        attempt = self.wait_for("the try's pid", lambda: self.attempt_pid(dag_id), timeout=10)
        # `weir dags test` first: killed after its try, it could see the try die and exit 1.
        for group in (p.pid, attempt):
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        p.wait(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGKILL, self.output(p))

    # --- the tests ---

    def test_ten_thousand_objects_are_listed_page_by_page_and_a_rerun_copies_none(self):
        # s3rver pages ListObjectsV2 at 1,000 keys: weir must follow 10 continuation tokens.
        # The objects are written into s3rver's own folder as its PUT leaves them (the bytes,
        # and their MD5 beside them), not uploaded one request at a time: 10,000 PUTs take
        # s3rver most of a minute. The listing below checks that s3rver serves them.
        count = 10000
        keys = [f"d{i // 400:02d}/k{i:05d}" for i in range(count)]
        for key in keys:
            path = os.path.join(self.s3_dir, "lake", self.prefix, "many", key + "._S3rver_object")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(key.encode())
            with open(path + ".md5", "w") as f:
                f.write(hashlib.md5(key.encode()).hexdigest())
        listed, pages = self.s3_list(f"{self.prefix}/many/")
        self.assertEqual(pages, 10, "s3rver no longer pages at 1,000 keys")
        self.assertEqual(sorted(listed), keys)
        self.assertEqual(self.s3_read(f"{self.prefix}/many/{keys[-1]}"), keys[-1].encode())

        back = os.path.join(self.home, "back")
        self.write_transfer_dag("many", f"s3://lake/{self.prefix}/many/", f"file://{back}/",
                                parallelism=32)
        code, out, err = self.weir("dags", "test", "many", "2021-03-01", env=self.run_env(),
                                   timeout=600)
        self.assertEqual(code, 0, out + err)
        first = self.xcom("many", "2021-03-01")["counters"]
        self.assertEqual(first["objects_copied_to_sink"], count)
        self.assertEqual(first["objects_from_source_failed"], 0)
        copied = files_under(back)
        self.assertEqual(sorted(copied), keys)
        self.assertEqual([k for k in keys if copied[k] != k.encode()], [])

        # A second run lists the ten pages again and finds every object in the folder.
        code, out, err = self.weir("dags", "test", "many", "2021-03-02", env=self.run_env(),
                                   timeout=600)
        self.assertEqual(code, 0, out + err)
        again = self.xcom("many", "2021-03-02")["counters"]
        self.assertEqual(again["objects_copied_to_sink"], 0)
        self.assertEqual(again["objects_from_source_skipped_by_sync"], count)
        self.assertEqual(again["objects_from_source_failed"], 0)
        self.assertEqual(len(files_under(back)), count)

    def test_kill_9_between_copies_to_s3_then_a_rerun_copies_only_what_is_missing(self):
        count, size = 300, 256 * KIB
        source = os.path.join(self.home, "source")
        os.makedirs(source)
        data = {}
        for i in range(count):
            key = f"part-{i:04d}.bin"
            data[key] = os.urandom(size)
            with open(os.path.join(source, key), "wb") as f:
                f.write(data[key])
        sink = f"{self.prefix}/killed/"
        # One object a second: the killed run is far from done, and the kill falls once a PUT
        # has finished, long before the next one starts. (s3rver writes a PUT's body straight
        # into the object, so a PUT cut off would leave there a partial object real S3 never
        # shows: a kill in the middle of copies is the next test's, into a folder.)
        self.write_transfer_dag("killed", f"file://{source}/", f"s3://lake/{sink}",
                                parallelism=4, bandwidth_limit=size)
        p = self.start_dags_test("killed", "2021-03-01")

        def done_uploading():
            if p.poll() is not None:
                self.fail("the transfer ended before it was killed:\n" + self.output(p))
            listed, _ = self.s3_list(sink)
            return len(listed) >= 4 and set(listed.values()) == {size} and listed
        self.wait_for("four objects in the sink", done_uploading, timeout=60, interval=0.02)
        self.kill_9(p, "killed")

        # Whatever the sink shows is whole: byte for byte the source's.
        after_kill, _ = self.s3_list(sink)
        self.assertGreaterEqual(len(after_kill), 4)
        self.assertLess(len(after_kill), count)
        for key in after_kill:
            self.assertEqual(sha256(self.s3_read(sink + key) or b""), sha256(data[key]), key)

        # The same logical date again, without the limit: `weir dags test` ends the killed
        # run (its owner is gone) and replaces it.
        self.write_transfer_dag("killed", f"file://{source}/", f"s3://lake/{sink}",
                                parallelism=4)
        code, out, err = self.weir("dags", "test", "killed", "2021-03-01", env=self.run_env(),
                                   timeout=300)
        self.assertEqual(code, 0, out + err)
        again = self.xcom("killed", "2021-03-01")["counters"]
        self.assertEqual(again["objects_from_source_failed"], 0)
        self.assertEqual(again["objects_copied_to_sink"] +
                         again["objects_from_source_skipped_by_sync"], count)
        # What the killed run finished is not copied again; the rest is.
        self.assertEqual(again["objects_from_source_skipped_by_sync"], len(after_kill))
        self.assertEqual(again["objects_copied_to_sink"], count - len(after_kill))
        skipped = {line["key"] for line in self.report("killed", "2021-03-01")
                   if line["action"] == "skipped"}
        self.assertEqual(skipped, set(after_kill))
        final, _ = self.s3_list(sink)
        self.assertEqual(sorted(final), sorted(data))
        with ThreadPoolExecutor(4) as pool:
            got = dict(zip(sorted(data), pool.map(lambda k: self.s3_read(sink + k),
                                                 sorted(data))))
        self.assertEqual([k for k in data if got[k] != data[k]], [])

    def test_kill_9_mid_copy_into_a_folder_leaves_no_partial_object(self):
        count, size = 300, 256 * KIB
        data = {f"part-{i:04d}.bin": os.urandom(size) for i in range(count)}
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda kv: self.s3_put(f"{self.prefix}/cut/{kv[0]}", kv[1]),
                          data.items()))
        sink = os.path.join(self.home, "sink")
        # Four copies in flight all the time, so the kill cuts some of them; 4 MiB/s in all, so
        # the whole takes some 19 s and the kill falls long before its end, however busy the
        # machine.
        self.write_transfer_dag("cut", f"s3://lake/{self.prefix}/cut/", f"file://{sink}/",
                                parallelism=4, bandwidth_limit=4 * 1024 * KIB)
        p = self.start_dags_test("cut", "2021-03-01")

        def some_copied():
            if p.poll() is not None:
                self.fail("the transfer ended before it was killed:\n" + self.output(p))
            names = os.listdir(sink) if os.path.isdir(sink) else []
            return len([n for n in names if not is_temporary(n)]) >= 20
        self.wait_for("20 objects in the sink", some_copied, timeout=60, interval=0.01)
        self.kill_9(p, "cut")

        # What a put cut off left in the sink is a temporary weir never lists.
        objects = {k: v for k, v in files_under(sink).items() if not is_temporary(k)}
        self.assertLess(len(objects), count)
        for key, got in objects.items():
            self.assertEqual(sha256(got), sha256(data[key]), key)

        self.write_transfer_dag("cut", f"s3://lake/{self.prefix}/cut/", f"file://{sink}/",
                                parallelism=4)
        code, out, err = self.weir("dags", "test", "cut", "2021-03-01", env=self.run_env(),
                                   timeout=300)
        self.assertEqual(code, 0, out + err)
        again = self.xcom("cut", "2021-03-01")["counters"]
        self.assertEqual(again["objects_from_source_failed"], 0)
        self.assertEqual(again["objects_from_source_skipped_by_sync"], len(objects))
        self.assertEqual(again["objects_copied_to_sink"], count - len(objects))
        final = files_under(sink)
        # A put into the folder sweeps what a killed put left there.
        self.assertEqual([k for k in final if is_temporary(k)], [])
        self.assertEqual(sorted(final), sorted(data))
        self.assertEqual([k for k in data if final[k] != data[k]], [])
        # The re-run removed the files the killed copies left in the work folder.
        left = [os.path.join(root, n) for root, _, names in os.walk(os.path.join(self.home, "work"))
                for n in names if n.startswith(".transfer-")]
        self.assertEqual(left, [])

    def test_a_move_keeps_a_source_object_that_changed_while_it_ran(self):
        source = os.path.join(self.home, "source")
        os.makedirs(source)
        old = {f"{name}.bin": bytes([ord(name)]) * (64 * KIB) for name in "abcd"}
        for key, data in old.items():
            with open(os.path.join(source, key), "wb") as f:
                f.write(data)
        new = b"changed while the move ran\n" * 1000
        sink = f"{self.prefix}/moved/"
        # One object at a time in key order, a second apart: d.bin goes last, about 3 s after
        # a.bin reaches the sink.
        self.write_transfer_dag("move", f"file://{source}/", f"s3://lake/{sink}",
                                delete_objects_from_source_after_transfer="true",
                                parallelism=1, bandwidth_limit=64 * KIB)
        p = self.start_dags_test("move", "2021-03-01")
        self.wait_for("a.bin in the sink", lambda: "a.bin" in self.s3_list(sink)[0],
                      timeout=60, interval=0.02)
        # Listed, not yet copied: replaced whole, as a writer that renames into place does.
        staged = os.path.join(self.home, "d.bin.new")
        with open(staged, "wb") as f:
            f.write(new)
        os.replace(staged, os.path.join(source, "d.bin"))
        p.wait(timeout=120)
        out = self.output(p)
        self.assertEqual(p.returncode, 0, out)

        # The objects that did not change moved; the one that did stays in the source.
        self.assertEqual(sorted(os.listdir(source)), ["d.bin"])
        with open(os.path.join(source, "d.bin"), "rb") as f:
            self.assertEqual(f.read(), new)
        for key in ("a.bin", "b.bin", "c.bin"):
            self.assertEqual(self.s3_read(sink + key), old[key], key)
        # The sink's d.bin is one version or the other, whole, never a mix.
        self.assertIn(sha256(self.s3_read(sink + "d.bin") or b""),
                      {sha256(old["d.bin"]), sha256(new)})
        lines = [line for line in self.report("move", "2021-03-01") if line["key"] == "d.bin"]
        self.assertEqual(lines[-1]["action"], "kept", lines)
        self.assertEqual(lines[-1]["reason"], "changed in the source during the transfer")
        counters = self.xcom("move", "2021-03-01")["counters"]
        self.assertEqual(counters["objects_deleted_from_source"], 3)
        self.assertEqual(counters["objects_from_source_failed"], 0)


if __name__ == "__main__":
    unittest.main()
