"""Faults: kill -9 at the worst moments, two schedulers on one database, parallel triggers,
a full disk under the database. Nothing may run twice at once, and nothing may stay down."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from harness import WEIR, WeirTestCase
from test_recovery import alive


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


class TryProcessesAreKilledBeforeARetry(WeirTestCase):
    def setUp(self):
        super().setUp()
        self.marks = os.path.join(self.home, "marks")
        os.makedirs(self.marks)
        self.addCleanup(self._kill_marked)

    def _kill_marked(self):
        for name in os.listdir(self.marks):
            pid = read_int(os.path.join(self.marks, name))
            if pid > 0 and name.endswith(".pid"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def write_task(self, try1_script):
        # Try 1 runs `try1_script`; try 2 records whether anything of try 1 is still alive.
        m = self.marks
        self.write_dag("d.yaml", f"""
dag_id: d
tasks:
  - task_id: t
    operator: bash
    retries: 1
    retry_delay: 1s
    command: |
      if [ "$WEIR_TRY_NUMBER" = 1 ]; then
      {try1_script}
      fi
      for f in {m}/*.pid; do
        pid=$(cat "$f" 2>/dev/null)
        state=$([ -n "$pid" ] && awk '{{print $3}}' "/proc/$pid/stat" 2>/dev/null)
        if [ -n "$state" ] && [ "$state" != Z ]; then echo "$f" >> {m}/alive-during-try-2; fi
      done
      echo "try $WEIR_TRY_NUMBER done"
""")

    def kill_scheduler(self, p):
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()

    def test_a_try_whose_pid_was_never_recorded_is_killed_before_try_2(self):
        m = self.marks
        self.write_task(f"echo $$ > {m}/main.pid; sleep 1000 & echo $! > {m}/child.pid; wait")
        self.weir("dags", "trigger", "d", "--run-id", "r", check=0)
        first = self.start("scheduler")
        self.wait_for("try 1 to run", lambda: read_int(f"{m}/child.pid") and self.query(
            "SELECT pid FROM task_try WHERE try_number=1 AND state='running'"))
        self.kill_scheduler(first)
        # The race of the report: weir killed after the spawn, before it recorded the pid.
        with self.db() as conn:
            conn.execute("UPDATE task_try SET pid=0, proc_start=0, state='queued', "
                         "start_date=NULL WHERE try_number=1")
        main, child = read_int(f"{m}/main.pid"), read_int(f"{m}/child.pid")
        self.assertTrue(alive(main) and alive(child))
        self.start("scheduler")
        self.wait_for("the run to succeed", lambda: self.query(
            "SELECT state FROM dag_run WHERE run_id='r'") == [("success",)], timeout=40)
        self.assertFalse(alive(main))
        self.assertFalse(alive(child))
        self.assertFalse(os.path.exists(f"{m}/alive-during-try-2"),
                         "a process of try 1 still ran when try 2 started")
        (error,) = self.query("SELECT error FROM task_try WHERE try_number=1")[0]
        self.assertIn("pid was not recorded yet, and 2 processes of it still running were "
                      "killed on restart", error)

    def test_children_of_a_main_process_that_exited_while_weir_was_down_are_killed(self):
        m = self.marks
        # `sleep 1000 & exit 0`, with the exit held until weir is down (bounded wait).
        self.write_task(f"sleep 1000 & echo $! > {m}/child.pid\n"
                        f"      for i in $(seq 1 600); do [ -e {m}/go ] && break; sleep 0.05; done\n"
                        f"      exit 0")
        self.weir("dags", "trigger", "d", "--run-id", "r", check=0)
        first = self.start("scheduler")
        (main,) = self.wait_for("try 1 to run", lambda: self.query(
            "SELECT pid FROM task_try WHERE try_number=1 AND state='running' AND pid > 0"))[0]
        self.wait_for("the child", lambda: read_int(f"{m}/child.pid"))
        self.kill_scheduler(first)
        open(f"{m}/go", "w").close()
        self.wait_for("the main process to exit", lambda: not alive(main))
        child = read_int(f"{m}/child.pid")
        self.assertTrue(alive(child))
        self.start("scheduler")
        self.wait_for("the run to succeed", lambda: self.query(
            "SELECT state FROM dag_run WHERE run_id='r'") == [("success",)], timeout=40)
        self.assertFalse(alive(child), "the orphaned `sleep 1000` must be killed on restart")
        self.assertFalse(os.path.exists(f"{m}/alive-during-try-2"))
        (error,) = self.query("SELECT error FROM task_try WHERE try_number=1")[0]
        self.assertIn(f"its process (pid {main}) had exited, and 1 process of it still running "
                      "was killed on restart", error)
        self.assertNotIn("group", error)


    def test_kill_9_right_after_the_spawn_never_leaves_two_tries_alive(self):
        # The race itself: kill -9 as soon as the tries are recorded, a few ms after the spawn.
        m = self.marks
        tasks = "".join(f"""
  - task_id: t{i}
    operator: bash
    retries: 1
    retry_delay: 1s
    command: |
      if [ "$WEIR_TRY_NUMBER" = 1 ]; then echo $$ > {m}/$WEIR_TASK_ID.pid; exec sleep 1000; fi
      pid=$(cat {m}/$WEIR_TASK_ID.pid 2>/dev/null)
      state=$([ -n "$pid" ] && awk '{{print $3}}' "/proc/$pid/stat" 2>/dev/null)
      if [ -n "$state" ] && [ "$state" != Z ]; then echo $WEIR_TASK_ID >> {m}/alive-during-try-2; fi
""" for i in range(6))
        self.write_dag("race.yaml", "dag_id: race\ntasks:" + tasks)
        for attempt in range(3):
            run_id = f"r{attempt}"
            self.weir("dags", "trigger", "race", "--run-id", run_id, check=0)
            first = self.start("scheduler")
            deadline = time.time() + 30
            # Kill when the first try-1 process has started: its siblings are being
            # spawned and none of their pids is recorded yet, or only some.
            while time.time() < deadline and not any(
                    n.endswith(".pid") for n in os.listdir(m)):
                time.sleep(0.0005)
            self.kill_scheduler(first)
            second = self.start("scheduler")
            self.wait_for("the run to succeed", lambda: self.query(
                f"SELECT state FROM dag_run WHERE run_id='{run_id}'") == [("success",)],
                timeout=60)
            self.kill_scheduler(second)
            self.assertFalse(os.path.exists(f"{m}/alive-during-try-2"),
                             "a try 1 still ran when its try 2 started: " + open(
                                 f"{m}/alive-during-try-2").read() + repr(self.query(
                                     "SELECT task_id, try_number, pid, state, error "
                                     "FROM task_try ORDER BY task_id, try_number"))
                             if os.path.exists(f"{m}/alive-during-try-2") else "")
            for name in os.listdir(m):
                if name.endswith(".pid"):
                    self.assertFalse(alive(read_int(os.path.join(m, name))), name)
                    os.unlink(os.path.join(m, name))


class OneSchedulerPerDatabase(WeirTestCase):
    def test_a_scheduler_of_another_home_on_the_same_database_is_refused(self):
        self.write_dag("d.yaml", """
dag_id: d
tasks:
  - task_id: t
    operator: bash
    command: sleep 1000
""")
        self.weir("dags", "trigger", "d", "--run-id", "r", check=0)
        self.start("scheduler")
        (pid,) = self.wait_for("the try to run", lambda: self.query(
            "SELECT pid FROM task_try WHERE state='running' AND pid > 0"))[0]
        other = tempfile.mkdtemp(prefix="weir-blackbox-other-")
        self.addCleanup(shutil.rmtree, other, True)
        env = self.env(WEIR_HOME=other, WEIR_DATABASE=os.path.join(self.home, "weir.db"))
        for command in ("scheduler", "standalone"):
            code, out, err = self.weir(command, env=env, timeout=30)
            self.assertEqual(code, 4, out + err)
            self.assertIn("another weir scheduler uses this metadata database", err)
            self.assertIn(self.home, err)
        self.assertTrue(alive(pid), "the refused scheduler must not touch the running try")
        self.assertEqual(self.query("SELECT state FROM task_try"), [("running",)])
        # A refused standalone wrote nothing into its home.
        self.assertFalse(os.path.exists(os.path.join(other, "weir.yaml")))
        self.assertEqual(os.listdir(os.path.join(other, "dags")), [])

    def test_a_refused_standalone_changes_nothing_in_the_home(self):
        self.start("scheduler")
        code, out, err = self.weir("standalone", timeout=30)
        self.assertEqual(code, 4, out + err)
        self.assertIn("another weir scheduler", err)
        self.assertFalse(os.path.exists(os.path.join(self.home, "weir.yaml")))
        self.assertEqual(os.listdir(self.dags), [])

    def test_a_restart_after_kill_9_takes_the_lease_at_once(self):
        first = self.start("scheduler")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        self.start("scheduler")  # fails the test unless ready
        (holder_pid,) = self.query("SELECT pid FROM scheduler_lease")[0]
        self.assertNotEqual(holder_pid, first.pid)


class FullDisk(WeirTestCase):
    """The database on a 4 MB tmpfs that a filler file fills up (root only: it mounts)."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        self.disk = tempfile.mkdtemp(prefix="weir-fulldisk-")
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", self.disk],
                          capture_output=True).returncode != 0:
            os.rmdir(self.disk)
            self.skipTest("cannot mount a tmpfs here")
        # Cleanups run last in, first out: the processes die before the unmount.
        self.addCleanup(os.rmdir, self.disk)
        self.addCleanup(subprocess.run, ["umount", "-l", self.disk], capture_output=True)
        self.addCleanup(self._cleanup)

    def health(self, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=10) as r:
            return json.load(r)

    def test_a_full_disk_under_the_database_stops_nothing_and_weir_goes_on_when_space_returns(self):
        wait = "for i in $(seq 1 1200); do [ -e {0} ] && exit 0; sleep 0.05; done; exit 1"
        self.write_dag("d.yaml", f"""
dag_id: d
tasks:
  - task_id: quick
    operator: bash
    command: '{wait.format(os.path.join(self.home, "go-quick"))}'
  - task_id: long
    operator: bash
    command: '{wait.format(os.path.join(self.home, "go-long"))}'
  - task_id: after
    operator: bash
    depends_on: [quick]
    command: echo after
""")
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("parallelism: 4\n")  # not a fresh home: no examples
        env = self.env(WEIR_DATABASE=os.path.join(self.disk, "weir.db"))
        self.weir("dags", "trigger", "d", "--run-id", "r", env=env, check=0)
        p = self.start("standalone", env=env)
        port = re.search(r"api +http://127.0.0.1:(\d+)/", p.startup_output).group(1)
        db = os.path.join(self.disk, "weir.db")
        query = lambda sql: __import__("sqlite3").connect(db).execute(sql).fetchall()
        (long_pid,) = self.wait_for("both tasks to run", lambda: query(
            "SELECT pid FROM task_try WHERE task_id='long' AND state='running' AND pid > 0") and
            len(query("SELECT 1 FROM task_try WHERE state='running'")) == 2 and
            query("SELECT pid FROM task_try WHERE task_id='long'"))[0]

        filler = os.path.join(self.disk, "filler")
        # Unbuffered: closing the file has nothing left to write, so it cannot fail too.
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        open(os.path.join(self.home, "go-quick"), "w").close()
        status = self.wait_for("/health to report the full disk", lambda: (lambda h: h if h[
            "scheduler"]["status"] == "unhealthy" and "full" in h["scheduler"].get("error", "")
            else None)(self.health(port)))
        self.assertEqual(status["metadatabase"]["status"], "unhealthy")
        self.assertIsNone(p.poll(), "the scheduler must not stop")
        self.assertTrue(alive(long_pid), "a full disk must not kill running tasks")

        os.unlink(filler)
        open(os.path.join(self.home, "go-long"), "w").close()
        self.wait_for("the run to succeed", lambda: query(
            "SELECT state FROM dag_run WHERE run_id='r'") == [("success",)], timeout=60)
        self.assertEqual(sorted(query("SELECT task_id, state FROM task_instance")),
                         [("after", "success"), ("long", "success"), ("quick", "success")])
        self.assertEqual(query("SELECT count(*) FROM task_try"), [(3,)])
        self.wait_for("/health to recover", lambda: self.health(port)["scheduler"]["status"] ==
                      "healthy")


class RunIds(WeirTestCase):
    def test_parallel_triggers_all_get_a_run(self):
        self.write_dag("d.yaml", "dag_id: d\ntasks:\n  - task_id: t\n    operator: empty\n")
        self.weir("dags", "list", check=0)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: self.weir("dags", "trigger", "d"), range(24)))
        for code, out, err in results:
            self.assertEqual(code, 0, out + err)
        ids = [r["run_id"] for r in self.runs("d")]
        self.assertEqual(len(ids), 24)
        self.assertEqual(len(set(ids)), 24)
        self.assertTrue(all(i.startswith("manual__") for i in ids), ids)


class DiskGrowth(WeirTestCase):
    def test_work_folders_go_with_successful_runs_and_empty_tasks_make_none(self):
        self.write_dag("d.yaml", """
dag_id: d
tasks:
  - task_id: nothing
    operator: empty
  - task_id: write
    operator: bash
    command: 'echo scratch > file.txt; [ "$WEIR_RUN_ID" != bad ]'
""")
        for run_id in ("good", "bad"):
            self.weir("dags", "trigger", "d", "--run-id", run_id, check=0)
        self.start("scheduler")
        self.wait_for("both runs to end", lambda: sorted(self.query(
            "SELECT state FROM dag_run")) == [("failed",), ("success",)], timeout=30)
        work = os.path.join(self.home, "work", "d")
        self.wait_for("the good run's work folder to go",
                      lambda: not os.path.exists(os.path.join(work, "good")))
        # A failed run's folder is kept to look into; an empty task never had one.
        self.assertTrue(os.path.exists(os.path.join(work, "bad", "write", "file.txt")))
        self.assertFalse(os.path.exists(os.path.join(work, "bad", "nothing")))

    def test_db_clean_removes_old_runs_with_their_logs_but_keeps_the_anchor(self):
        self.write_dag("d.yaml", """
dag_id: d
schedule: "@daily"
start_date: 2024-01-01
end_date: 2024-01-04
catchup: true
tasks:
  - task_id: t
    operator: bash
    command: echo hi
""")
        p = self.start("scheduler")
        self.wait_for("four runs", lambda: self.query(
            "SELECT count(*) FROM dag_run WHERE state='success'") == [(4,)], timeout=40)
        os.killpg(p.pid, signal.SIGTERM)
        p.wait()
        logs = os.path.join(self.home, "logs", "d")
        self.assertEqual(len(os.listdir(logs)), 4)
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        code, out, _ = self.weir("db", "clean", "--before", tomorrow, "--dry-run", check=0)
        self.assertIn("would remove 3 finished runs", out)
        self.assertEqual(self.query("SELECT count(*) FROM dag_run"), [(4,)])
        code, out, _ = self.weir("db", "clean", "--before", tomorrow, "--batch-size", "2",
                                 check=0)
        self.assertIn("removed 3 finished runs", out)
        # The newest scheduled run stays: without it the scheduler would make the others again.
        self.assertEqual(self.query("SELECT run_id FROM dag_run"),
                         [("scheduled__2024-01-04T00:00:00+00:00",)])
        self.assertEqual(self.query("SELECT count(*) FROM task_try"), [(1,)])
        self.assertEqual(os.listdir(logs), ["scheduled__2024-01-04T00:00:00+00:00"])
        code, out, _ = self.weir("db", "clean", "--before", "2000-01-01", check=0)
        self.assertIn("removed 0 finished runs", out)


class LakeTemporaries(WeirTestCase):
    def test_lake_fsck_removes_what_killed_writes_left(self):
        folder = os.path.join(self.home, "lake", "raw")
        os.makedirs(folder)
        stale = os.path.join(folder, ".weir-tmp-999999-1-00000000000000aa")
        mine = os.path.join(folder, f".weir-tmp-{os.getpid()}-0-00000000000000bb")
        for path in (stale, mine):
            with open(path, "w") as f:
                f.write("half")
        code, out, _ = self.weir("lake", "fsck", "--dry-run", check=0)
        self.assertIn(f"would remove {stale}", out)
        self.assertTrue(os.path.exists(stale))
        code, out, _ = self.weir("lake", "fsck", check=0)
        self.assertIn(f"removed {stale}", out)
        self.assertFalse(os.path.exists(stale))
        # pid ours, but not our start time: a pid reused by another process is no writer.
        self.assertFalse(os.path.exists(mine))


if __name__ == "__main__":
    unittest.main()
