"""Distributed mode end to end: a real PostgreSQL and a real Redis (tests/fixtures), `weir
scheduler` with `executor: redis`, and `weir worker` processes; faults injected from outside
(kill -9, SIGSTOP, FLUSHALL, a PostgreSQL restart), counted from the tasks' own side: each
task appends a line to a file when it starts and when it ends."""

import os
import signal
import time
import unittest

from harness import ApiClient, WeirTestCase, api_base, create_user


class DistributedCase(WeirTestCase):
    """One PostgreSQL and one Redis for the class (harness.Cluster); a database of its own
    per test. The tests start their workers themselves."""

    distributed = True
    workers_with_schedulers = False
    drain_output = True

    def setUp(self):
        super().setUp()
        self.pg = self.cluster.pg
        self.redis = self.cluster.redis
        self.marks = os.path.join(self.home, "marks")

    def start_worker(self, *args):
        return self.start("worker", "--grace", "5s", *args)

    def tries(self, dag_id, task_id):
        return self.query("SELECT try_number, state, hostname, error FROM task_try "
                          "WHERE dag_id = ? AND task_id = ? ORDER BY run_id, try_number",
                          dag_id, task_id)

    def count(self, sql):
        return self.query(sql)[0][0]

    def lines(self, name):
        path = os.path.join(self.marks, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().split()

    def task_state(self, dag_id, task_id):
        rows = self.query("SELECT state FROM task_instance WHERE dag_id = ? AND task_id = ?",
                          dag_id, task_id)
        return rows[0][0] if rows else None

    def dag(self, dag_id, seconds, retries=1, tasks=("a",)):
        """A manual DAG whose tasks mark their start and end in marks/<task>."""
        os.makedirs(self.marks, exist_ok=True)
        body = "".join(
            f"  - task_id: {t}\n    operator: bash\n    retries: {retries}\n"
            f"    retry_delay: 0s\n"
            f"    command: echo start >> {self.marks}/{t}; sleep {seconds}; "
            f"echo end >> {self.marks}/{t}\n" for t in tasks)
        self.write_dag(f"{dag_id}.yaml",
                       f"dag_id: {dag_id}\nschedule: null\nstart_date: 2026-01-01\n"
                       f"tasks:\n{body}")


class DistributedRunTest(DistributedCase):
    def test_tasks_run_on_workers_once_each(self):
        self.dag("spread", 0.2, tasks=("a", "b", "c", "d"))
        self.start("scheduler")
        self.start_worker("--concurrency", "2")
        self.start_worker("--concurrency", "2")
        self.weir("dags", "trigger", "spread", check=0)
        self.wait_for("every task to succeed",
                      lambda: all(self.task_state("spread", t) == "success" for t in "abcd"))
        for t in "abcd":
            self.assertEqual(self.lines(t), ["start", "end"], t)
            tries = self.tries("spread", t)
            self.assertEqual(len(tries), 1)
            # The try records the worker that ran it.
            self.assertRegex(tries[0][2], r"^.+:\d+:[0-9a-f]{6}$")
        # Its log is where the worker wrote it, with the task's output.
        code, out, _ = self.weir("tasks", "logs", "spread", "a", "--try", "1",
                                 self.runs("spread")[0]["run_id"])
        self.assertEqual(code, 0)
        self.assertIn("exit status 0", out)


    def test_a_change_from_another_machine_wakes_the_scheduler(self):
        self.dag("remote", 0)
        self.start("scheduler")
        self.start_worker()
        # Another machine: its own home (whose wake file no scheduler watches), the same
        # database and DAGs.
        other = os.path.join(self.home, "other")
        os.makedirs(other)
        with open(os.path.join(self.home, "weir.yaml")) as f:
            settings = f.read()
        with open(os.path.join(other, "weir.yaml"), "w") as f:
            f.write(settings + f"dags_folder: {self.dags}\n")
        started = time.time()
        self.weir("dags", "trigger", "remote", env=self.env(WEIR_HOME=other), check=0)
        self.wait_for("the run to succeed", lambda: self.task_state("remote", "a") == "success",
                      timeout=20)
        # Told by the database (LISTEN/NOTIFY), not found at a later poll.
        self.assertLess(time.time() - started, 5)


class ClusterViewTest(DistributedCase):
    def test_workers_jobs_and_health_show_the_cluster(self):
        self.dag("seen", 0)
        self.start("scheduler")
        self.start("scheduler")  # two share the database
        victim = self.start_worker("--queues", "default,gpu", "--concurrency", "3")
        self.start_worker()
        workers = self.weir_json("workers", "list")
        self.assertEqual(len(workers), 2)
        self.assertEqual(sorted(w["queues"] for w in workers), [["default"], ["default", "gpu"]])
        self.assertTrue(all(w["alive"] and w["state"] == "running" for w in workers))
        self.assertEqual(sorted(w["concurrency"] for w in workers), [3, 8])
        jobs = self.weir_json("jobs", "list")
        self.assertEqual(sorted(j["kind"] for j in jobs),
                         ["scheduler", "scheduler", "worker", "worker"])
        self.assertTrue(all(j["alive"] for j in jobs))

        web = self.start("webserver", "--port", "0")
        create_user(self, "viewer1", "viewer", "viewer-password-1")
        api = ApiClient(api_base(web))
        status, health = api.send("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(health["workers"], {"status": "healthy", "alive": 2})
        self.assertEqual(health["scheduler"]["status"], "healthy")
        self.assertEqual(health["scheduler"]["alive"], 2)
        self.assertEqual(health["queue"]["waiting"], 0)
        self.assertEqual(api.send("GET", "/workers")[0], 401)
        self.assertEqual(api.login("viewer1", "viewer-password-1")[0], 200)
        status, cluster = api.send("GET", "/workers")
        self.assertEqual(status, 200)
        self.assertEqual(cluster["executor"], "redis")
        self.assertEqual(len(cluster["workers"]), 2)
        self.assertEqual(len(cluster["schedulers"]), 2)
        self.assertTrue(all(s["alive"] for s in cluster["schedulers"]))

        # A worker killed is shown gone once its heartbeat is older than a claim lasts.
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        self.wait_for("the killed worker to show as gone",
                      lambda: sorted(w["state"] for w in self.weir_json("workers", "list")) ==
                      ["gone", "running"], timeout=15)
        status, health = api.send("GET", "/health")
        self.assertEqual(health["workers"]["alive"], 1)


class WrongKeyTest(DistributedCase):
    def test_a_worker_without_the_schedulers_key_fails_the_try_saying_so(self):
        self.dag("sealed", 0, retries=0)
        self.start("scheduler")  # makes the home's secret key
        # Another key: the worker cannot open what the scheduler sealed.
        self.start("worker", env=self.env(
            WEIR_SECRET_KEY="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        self.weir("dags", "trigger", "sealed", check=0)
        self.wait_for("the task to fail", lambda: self.task_state("sealed", "a") == "failed")
        self.assertEqual(self.lines("a"), [])  # nothing ran
        error = self.tries("sealed", "a")[0][3]
        self.assertIn("cannot open the attempt", error)
        self.assertIn("same secret key", error)


class WorkerFaultsTest(DistributedCase):
    def test_kill9_of_a_worker_mid_try_retries_it_once_and_never_two_alive(self):
        self.dag("victim", 6)
        self.start("scheduler")
        first = self.start_worker()
        self.weir("dags", "trigger", "victim", check=0)
        self.wait_for("the first try to start", lambda: self.lines("a") == ["start"])
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        second = self.start_worker()
        self.wait_for("the task to succeed on the second worker",
                      lambda: self.task_state("victim", "a") == "success", timeout=60)
        # Two starts, one end: the first try died with its worker and was not left running
        # beside the second.
        self.assertEqual(self.lines("a"), ["start", "start", "end"])
        tries = self.tries("victim", "a")
        self.assertEqual([t[:2] for t in tries], [(1, "failed"), (2, "success")])
        self.assertIn("stopped heartbeating", tries[0][3])
        self.assertNotEqual(tries[0][2], tries[1][2])
        second.send_signal(signal.SIGTERM)

    def test_a_stopped_worker_loses_its_try_and_its_late_report_is_refused(self):
        self.dag("stall", 4)
        self.start("scheduler")
        stalled = self.start_worker()
        self.weir("dags", "trigger", "stall", check=0)
        self.wait_for("the first try to start", lambda: self.lines("a") == ["start"])
        os.kill(stalled.pid, signal.SIGSTOP)
        try:
            self.wait_for("the try to be taken back",
                          lambda: self.tries("stall", "a")[0][1] == "failed", timeout=30)
            self.start_worker()
            self.wait_for("the retry to start", lambda: len(self.tries("stall", "a")) == 2)
        finally:
            os.kill(stalled.pid, signal.SIGCONT)
        self.wait_for("the retry to succeed",
                      lambda: self.task_state("stall", "a") == "success", timeout=60)
        time.sleep(3)  # the stalled worker's report, if any, has come and gone
        tries = self.tries("stall", "a")
        self.assertEqual([t[:2] for t in tries], [(1, "failed"), (2, "success")])
        self.assertIn("stopped heartbeating", tries[0][3])

    def test_sigterm_lets_the_running_attempt_finish(self):
        self.dag("graceful", 2)
        self.start("scheduler")
        worker = self.start_worker()
        self.weir("dags", "trigger", "graceful", check=0)
        self.wait_for("the try to start", lambda: self.lines("a") == ["start"])
        worker.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait(timeout=20), 0)
        self.assertEqual(self.lines("a"), ["start", "end"])
        self.wait_for("the task to succeed", lambda: self.task_state("graceful", "a") == "success")
        self.assertEqual(len(self.tries("graceful", "a")), 1)


class SeveralSchedulersTest(DistributedCase):
    DAGS = ("ha_a", "ha_b", "ha_c", "ha_d")
    RUNS_EACH = 125  # 500 runs in all

    def catchup_dags(self):
        """Hourly DAGs with RUNS_EACH intervals each to catch up; each run marks its run_id."""
        os.makedirs(self.marks, exist_ok=True)
        for dag_id in self.DAGS:
            self.write_dag(
                f"{dag_id}.yaml",
                f"dag_id: {dag_id}\nschedule: '@hourly'\nstart_date: 2026-01-01T00:00:00Z\n"
                f"end_date: 2026-01-06T04:00:00Z\ncatchup: true\nmax_active_runs: 32\n"
                f"tasks:\n  - task_id: mark\n    operator: bash\n    retries: 1\n"
                f"    retry_delay: 0s\n"
                f"    command: echo '{{{{ run_id }}}}' >> {self.marks}/{dag_id}\n")

    def finished_runs(self):
        return self.count("SELECT COUNT(*) FROM dag_run WHERE state = 'success'")

    def test_two_schedulers_share_the_dags_and_survive_a_kill9_without_a_run_twice(self):
        self.catchup_dags()
        first = self.start("scheduler")
        second = self.start("scheduler")
        self.start_worker("--concurrency", "8")
        self.start_worker("--concurrency", "8")
        # Both schedulers hold a share of the DAGs.
        def owners():
            rows = self.query("SELECT name, holder FROM scheduler_lease WHERE name LIKE 'dag:%'")
            return {name: holder for name, holder in rows}
        self.wait_for("the DAGs to be shared", lambda: len(set(owners().values())) == 2 and
                      len(owners()) == len(self.DAGS), timeout=30)
        # Each heartbeats: both are listed alive, with their pids.
        schedulers = [j for j in self.weir_json("jobs", "list") if j["kind"] == "scheduler"]
        self.assertEqual(sorted(j["pid"] for j in schedulers), sorted([first.pid, second.pid]))
        self.assertTrue(all(j["alive"] for j in schedulers))
        self.wait_for("some runs to finish", lambda: self.finished_runs() >= 60, timeout=120)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        total = len(self.DAGS) * self.RUNS_EACH
        self.assertLess(self.finished_runs(), total, "the catchup ended before the kill")
        # The survivor takes every DAG over (the dead one's process is gone from this machine:
        # at once, without waiting for its lease to run out) and finishes the catchup.
        self.wait_for("the survivor to own every DAG",
                      lambda: len(set(owners().values())) == 1 and
                      len(owners()) == len(self.DAGS), timeout=30)
        # Ended, then succeeded: a run that failed is reported at once, with the tries.
        self.wait_for("every run to end", lambda: self.count(
            "SELECT COUNT(*) FROM dag_run WHERE state IN ('success', 'failed')") == total,
            timeout=300, interval=1)
        self.assertEqual(self.finished_runs(), total, self.cluster_state())
        # Counted from the tasks' side: each run's task ran exactly once.
        for dag_id in self.DAGS:
            ran = self.lines(dag_id)
            self.assertEqual(len(ran), self.RUNS_EACH, dag_id)
            self.assertEqual(len(set(ran)), self.RUNS_EACH, dag_id)
        self.assertEqual(self.count("SELECT COUNT(*) FROM dag_run"), total)
        # No try of a task was queued twice: at most one try per run is not failed, and no
        # try number repeats (the store's key would refuse it).
        doubled = self.query("SELECT dag_id, run_id FROM task_try WHERE state <> 'failed' "
                           "GROUP BY dag_id, run_id HAVING COUNT(*) > 1")
        self.assertEqual(doubled, [])
        # The dead one is listed gone once its heartbeat is stale; the survivor alive.
        schedulers = {j["pid"]: j for j in self.weir_json("jobs", "list")
                      if j["kind"] == "scheduler"}
        self.assertTrue(schedulers[second.pid]["alive"])
        second.send_signal(signal.SIGTERM)
        self.assertEqual(second.wait(timeout=30), 0)


class GlobalLimitsTest(DistributedCase):
    def most_at_once(self, name):
        """The most tasks that ran at once, from the (start, end) times they wrote to
        marks/<name>."""
        times = list(map(float, self.lines(name)))  # start, end, start, end...
        points = [(t, 1 if i % 2 == 0 else -1) for i, t in enumerate(times)]
        running = most = 0
        for _, step in sorted(points):  # at one instant, an end (-1) sorts before a start
            running += step
            most = max(most, running)
        return most, len(points) // 2

    def test_parallelism_and_pools_hold_across_schedulers_and_workers(self):
        with open(os.path.join(self.home, "weir.yaml"), "a") as f:
            f.write("parallelism: 3\n")
        self.weir("pools", "set", "api", "1", check=0)
        os.makedirs(self.marks)
        def timed(*files):
            """A task's command: half a second, its start and end written to each file."""
            writes = "; ".join(f'echo "$s $e" >> {self.marks}/{f}' for f in files)
            return f"s=$(date +%s.%N); sleep 0.5; e=$(date +%s.%N); {writes}"

        for d in ("lim_a", "lim_b", "lim_c", "lim_d"):
            tasks = "".join(f"  - {{task_id: t{i}, operator: bash, command: '{timed('all')}'}}\n"
                            for i in range(4))
            tasks += (f"  - {{task_id: api, operator: bash, pool: api, "
                      f"command: '{timed('all', 'api')}'}}\n")
            self.write_dag(f"{d}.yaml", f"dag_id: {d}\nschedule: null\nstart_date: 2026-01-01\n"
                           f"tasks:\n{tasks}")
        self.start("scheduler")
        self.start("scheduler")
        self.start_worker("--concurrency", "8")
        self.start_worker("--concurrency", "8")
        self.wait_for("the DAGs to be shared by both schedulers", lambda: len({
            holder for (holder,) in self.query(
                "SELECT holder FROM scheduler_lease WHERE name LIKE 'dag:%'")}) == 2)
        for d in ("lim_a", "lim_b", "lim_c", "lim_d"):
            self.weir("dags", "trigger", d, check=0)
        self.wait_for("every run to end", lambda: self.count(
            "SELECT COUNT(*) FROM dag_run WHERE state IN ('success', 'failed')") == 4,
            timeout=120)
        self.assertEqual(self.count("SELECT COUNT(*) FROM dag_run WHERE state = 'success'"), 4)
        # 20 tasks from two schedulers on 16 worker slots: never more than parallelism at
        # once, and the pool's one slot held by one task at a time.
        most, count = self.most_at_once("all")
        self.assertEqual(count, 20)
        self.assertEqual(most, 3)
        most, count = self.most_at_once("api")
        self.assertEqual(count, 4)
        self.assertEqual(most, 1)


class InfrastructureFaultsTest(DistributedCase):
    def test_a_redis_flush_mid_run_loses_nothing_and_doubles_nothing(self):
        self.dag("flushed", 3, tasks=("a", "b", "c"))
        self.start("scheduler")
        self.start_worker("--concurrency", "2")
        self.weir("dags", "trigger", "flushed", check=0)
        self.wait_for("two tries to start", lambda: len(self.lines("a") + self.lines("b") +
                                                        self.lines("c")) >= 2)
        self.redis.flush()
        self.wait_for("every task to succeed",
                      lambda: all(self.task_state("flushed", t) == "success" for t in "abc"),
                      timeout=60)
        for t in "abc":
            self.assertEqual(self.lines(t), ["start", "end"], t)
            self.assertEqual(len(self.tries("flushed", t)), 1, t)

    def test_a_postgres_restart_mid_run_is_survived(self):
        self.dag("restarted", 2, tasks=("a", "b"))
        self.start("scheduler")
        self.start_worker("--concurrency", "2")
        self.weir("dags", "trigger", "restarted", check=0)
        self.wait_for("a try to start", lambda: self.lines("a") or self.lines("b"))
        self.pg.restart(down_for=1)
        self.wait_for("every task to succeed",
                      lambda: all(self.task_state("restarted", t) == "success" for t in "ab"),
                      timeout=60)
        for t in "ab":
            self.assertEqual(self.lines(t), ["start", "end"], t)


if __name__ == "__main__":
    unittest.main()
