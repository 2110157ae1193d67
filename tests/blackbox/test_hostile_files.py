"""Files on disk that work against weir: DAG files built to crash or bloat the scheduler,
links out of the DAGs folder, and a home that others on the machine could read."""

import os
import stat
import subprocess
import unittest

from harness import WEIR, WeirTestCase

GOOD = """
dag_id: good
tasks:
  - task_id: hello
    operator: bash
    command: echo hello
"""


def laughs():
    """'Billion laughs': 7 levels of 10 aliases, 10^7 values from about 500 bytes."""
    lines = ["dag_id: laughs", "tasks: [{task_id: t, operator: bash, command: echo}]", "params:",
             "  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 7):
        lines.append(f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def chain(n=20000):
    """n anchors, each a list of an alias to the one before: n deep once expanded."""
    lines = ["dag_id: chain", "tasks: [{task_id: t, operator: bash, command: echo}]", "params:",
             "  a0: &a0 [x]"]
    lines += [f"  a{i}: &a{i} [*a{i - 1}]" for i in range(1, n)]
    return "\n".join(lines) + "\n"


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class HostileDagFiles(WeirTestCase):

    def errors_by_file(self):
        return {os.path.basename(e["file"]): e["error"]
                for e in self.weir_json("dags", "errors")}

    def test_alias_bombs_and_deep_chains_are_import_errors(self):
        self.write_dag("good.yaml", GOOD)
        self.write_dag("laughs.yaml", laughs())
        self.write_dag("chain.yaml", chain())
        self.write_dag("big.yaml", "dag_id: big\n# " + "x" * (2 << 20) + "\n")
        self.write_dag("deep.yaml", "dag_id: deep\nx: " + "[" * 5000 + "]" * 5000 + "\n")
        code, out, err = self.weir("dags", "list")
        self.assertEqual(code, 0, out + err)
        self.assertEqual([d["dag_id"] for d in self.weir_json("dags", "list")], ["good"])
        errors = self.errors_by_file()
        self.assertIn("laughs.yaml:", errors["laughs.yaml"])
        self.assertIn("more than 200000 YAML values", errors["laughs.yaml"])
        self.assertIn("nested more than 64 deep", errors["chain.yaml"])
        self.assertIn("nested more than 64 deep", errors["deep.yaml"])
        self.assertIn("at most 1024 KiB", errors["big.yaml"])

    def test_the_scheduler_survives_them_and_good_dags_keep_running(self):
        self.write_dag("good.yaml", GOOD)
        self.write_dag("laughs.yaml", laughs())
        p = self.start("scheduler")
        # Added while it runs: the reload path must hold too.
        self.write_dag("chain.yaml", chain())
        self.wait_for("the chain's import error",
                      lambda: "chain.yaml" in self.errors_by_file())
        self.weir("dags", "trigger", "good", check=0)
        self.wait_for("the good DAG's run",
                      lambda: [r["state"] for r in self.runs("good")] == ["success"])
        self.assertIsNone(p.poll(), "the scheduler died")
        # Expanding the bomb would take gigabytes.
        self.assertLess(peak_kib(p.pid), 400 * 1024)


class LinksOutOfTheDagsFolder(WeirTestCase):

    def test_a_link_to_a_file_elsewhere_is_an_import_error_that_shows_none_of_it(self):
        outside = os.path.join(self.home, "private")
        os.makedirs(outside)
        secret = os.path.join(outside, "shadow")
        with open(secret, "w") as f:
            f.write("root:$6$secrethash:19000:0:99999:7:::\n")
        os.symlink(secret, os.path.join(self.dags, "shadow.yaml"))
        self.write_dag("good.yaml", GOOD)
        os.makedirs(os.path.join(self.dags, "templates"))
        with open(os.path.join(self.dags, "templates", "good.txt"), "w") as f:
            f.write(GOOD.replace("dag_id: good", "dag_id: linked"))
        os.symlink("templates/good.txt", os.path.join(self.dags, "alias.yml"))  # inside: fine
        code, out, err = self.weir("dags", "errors")
        self.assertEqual(code, 0, err)
        self.assertNotIn("secrethash", out)
        self.assertNotIn("root", out.replace(self.home, ""))
        (error,) = self.weir_json("dags", "errors")
        self.assertTrue(error["file"].endswith("shadow.yaml"), error)
        self.assertIn("symbolic link", error["error"])
        self.assertIn(outside, error["error"])
        self.assertNotIn("secrethash", error["error"])
        self.assertEqual([d["dag_id"] for d in self.weir_json("dags", "list")], ["good", "linked"])


class OwnerOnlyHome(WeirTestCase):

    def run_with_umask(self, *args):
        p = subprocess.run([WEIR, *args], env=self.env(), capture_output=True, text=True,
                           timeout=60, preexec_fn=lambda: os.umask(0o022))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def open_to_others(self):
        found = []
        for root, dirs, files in os.walk(self.home):
            for name in dirs + files:
                path = os.path.join(root, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    continue
                if mode & 0o077:
                    found.append(f"{path} {oct(mode & 0o777)}")
        return found

    def test_everything_weir_creates_is_owner_only_whatever_the_umask(self):
        os.rmdir(self.dags)
        os.rmdir(self.home)  # weir makes the home itself
        self.run_with_umask("dags", "list")
        self.assertEqual(stat.S_IMODE(os.stat(self.home).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.home, "weir.db")).st_mode),
                         0o600)
        self.write_dag("good.yaml", GOOD)
        os.chmod(os.path.join(self.dags, "good.yaml"), 0o600)
        self.run_with_umask("dags", "test", "good", "2021-01-01")
        self.run_with_umask("variables", "set", "--secret", "token", "s3cr3t")
        self.assertTrue(os.listdir(os.path.join(self.home, "logs")))
        self.assertEqual(self.open_to_others(), [])

    def test_the_database_wal_files_are_owner_only_while_weir_runs(self):
        os.chmod(self.dags, 0o700)  # made by the test, not by weir
        p = subprocess.Popen([WEIR, "scheduler"], env=self.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True,
                             preexec_fn=lambda: os.umask(0o022))
        self.procs.append(p)
        self.wait_for("ready", lambda: p.stdout.readline().startswith("ready"))
        for suffix in ("-wal", "-shm"):
            path = os.path.join(self.home, "weir.db" + suffix)
            self.assertTrue(os.path.exists(path), path)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
        self.assertEqual(self.open_to_others(), [])

    def test_a_home_others_can_read_is_warned_about_at_start(self):
        os.chmod(self.home, 0o755)
        p = self.start("scheduler")
        self.assertIn("warning: the home " + self.home, p.startup_output)
        self.assertIn("chmod -R go-rwx", p.startup_output)
        os.chmod(self.home, 0o700)
        p.kill()
        p.wait()
        p = self.start("scheduler")
        self.assertNotIn("warning", p.startup_output)
        p.kill()
        p.wait()
        # A database elsewhere is checked too, also when named as a sqlite:/// URL.
        elsewhere = os.path.join(self.home, "db")
        os.makedirs(elsewhere, mode=0o700)
        database = os.path.join(elsewhere, "meta.db")
        env = self.env(WEIR_DATABASE="sqlite://" + database)
        self.weir("dags", "list", env=env, check=0)
        os.chmod(database, 0o644)
        p = self.start("scheduler", env=env)
        self.assertIn("warning: the metadata database " + database, p.startup_output)


if __name__ == "__main__":
    unittest.main()
