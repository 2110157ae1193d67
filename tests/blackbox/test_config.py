"""weir.yaml, environment overrides and `weir config list`: one table of settings drives
them, the weir.yaml of a new home and the docs' table."""

import json
import os
import re
import signal
import unittest

from harness import WeirTestCase

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "cli.md")


class ConfigTest(WeirTestCase):
    def write_config(self, text):
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(text)

    def config_list(self, env=None):
        code, out, err = self.weir("config", "list", "-o", "json", env=env)
        self.assertEqual(code, 0, err)
        return {row["key"]: row for row in json.loads(out)}

    def test_every_value_says_where_it_came_from(self):
        self.write_config("# mine\nparallelism: 4\ndags_folder: my_dags\n")
        rows = self.config_list(env=self.env(WEIR_DUCKDB_THREADS="3",
                                             WEIR_DATABASE="postgresql://ada:s3cr3t@127.0.0.1/w"))
        config_file = os.path.join(self.home, "weir.yaml")
        self.assertEqual(rows["parallelism"]["value"], "4")
        self.assertEqual(rows["parallelism"]["source"], config_file + ":2")
        self.assertEqual(rows["dags_folder"]["value"], os.path.join(self.home, "my_dags"))
        self.assertEqual(rows["dags_folder"]["source"], config_file + ":3")
        self.assertEqual(rows["duckdb_threads"]["value"], "3")
        self.assertEqual(rows["duckdb_threads"]["source"], "WEIR_DUCKDB_THREADS")
        self.assertEqual(rows["webserver_threads"]["value"], "64")
        self.assertEqual(rows["webserver_threads"]["source"], "default")
        self.assertIsNone(rows["retention"]["value"])
        # A password in the database URL is never printed.
        self.assertEqual(rows["database"]["value"], "postgresql://ada:***@127.0.0.1/w")
        code, out, _ = self.weir("config", "list",
                                 env=self.env(WEIR_DATABASE="postgresql://ada:s3cr3t@x/w"))
        self.assertEqual(code, 0)
        self.assertNotIn("s3cr3t", out)
        self.assertIn("WEIR_DATABASE", out)

    def test_bad_values_name_the_file_line_or_variable(self):
        self.write_config("parallelism: 4\nwebserver_threads: 0\n")
        code, _, err = self.weir("config", "list")
        self.assertEqual(code, 2, err)
        self.assertIn("weir.yaml:2:1: webserver_threads must be 1 to 1024, got 0", err)
        self.write_config("keep_work_folders: sometimes\n")
        code, _, err = self.weir("dags", "list")
        self.assertEqual(code, 2, err)
        self.assertIn("keep_work_folders must be failed, always or never, got 'sometimes'", err)
        self.write_config("paralellism: 3\n")
        code, _, err = self.weir("config", "list")
        self.assertIn("unknown setting 'paralellism' (did you mean 'parallelism'?)", err)
        self.write_config("dags_folder: [a, b]\n")
        code, _, err = self.weir("config", "list")
        self.assertIn("bad value for 'dags_folder': expected one value", err)
        self.write_config("")
        code, _, err = self.weir("config", "list", env=self.env(WEIR_PARALLELISM="many"))
        self.assertEqual(code, 2, err)
        self.assertIn("WEIR_PARALLELISM: parallelism must be a whole number, got 'many'", err)
        code, _, err = self.weir("config", "list", env=self.env(WEIR_WEBSERVER_PORT="70000"))
        self.assertIn("WEIR_WEBSERVER_PORT: webserver_port must be 0 to 65535, got 70000", err)

    def test_a_new_home_gets_every_setting_with_its_default(self):
        defaults = self.config_list()
        proc = self.start("standalone")  # writes weir.yaml into a new home
        proc.kill()
        proc.wait()
        config_file = os.path.join(self.home, "weir.yaml")
        with open(config_file) as f:
            lines = f.read().splitlines()
        rows = self.config_list()
        self.assertGreaterEqual(len(rows), 17)
        for key, row in rows.items():
            if row["value"] is None:  # unset by default: present, commented out
                self.assertIn(f"# {key}:", lines)
                self.assertEqual(row["source"], "default")
                continue
            line = next(n for n, text in enumerate(lines, 1) if text.startswith(key + ":"))
            if row["source"] in self.env():  # the harness sets WEIR_WEBSERVER_PORT
                continue
            self.assertEqual(row["source"], f"{config_file}:{line}", key)
            # The file holds the defaults: the values in effect are the same.
            self.assertEqual(row["value"], defaults[key]["value"], key)

    def test_the_docs_table_is_the_settings_table(self):
        code, out, err = self.weir("config", "reference")
        self.assertEqual(code, 0, err)
        with open(DOCS) as f:
            docs = f.read()
        m = re.search(r"<!-- settings:begin[^\n]*-->\n(.*?)<!-- settings:end -->", docs, re.S)
        self.assertIsNotNone(m, "docs/cli.md lost its settings markers")
        self.assertEqual(m.group(1), out,
                         "docs/cli.md's table differs from `weir config reference`; paste its "
                         "output between the markers")
        for row in self.config_list().values():
            self.assertIn(f"| `{row['key']}` |", out)


class DiagnosticsTest(WeirTestCase):
    """What weir says about itself on stderr goes through one logger: log_level drops lines
    below it, log_format json makes each line a JSON object for log shippers."""

    def scheduler_lines(self, **env):
        """Starts the scheduler on a home other users can read (so it warns), stops it with
        SIGTERM; returns its output lines before and after `ready`."""
        self.weir("db", "init")
        os.chmod(self.home, 0o755)
        p = self.start("scheduler", env=self.env(**env))
        os.killpg(p.pid, signal.SIGTERM)
        rest, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, p.startup_output + rest)
        return p.startup_output.splitlines(), rest.splitlines()

    def test_text_lines_read_as_before_with_the_level_named(self):
        start, end = self.scheduler_lines()
        warning = [l for l in start if "can be read by other users" in l]
        self.assertEqual(len(warning), 1, start)
        self.assertTrue(warning[0].startswith(f"weir: warning: the home {self.home} can be read"),
                        warning[0])
        self.assertIn("weir: SIGTERM received, stopping", end)

    def test_json_lines_are_one_object_each_with_time_level_and_message(self):
        start, end = self.scheduler_lines(WEIR_LOG_FORMAT="json")
        logged = [json.loads(l) for l in start + end if l.startswith("{")]
        self.assertEqual([(e["level"], e["message"].split(" can be")[0]) for e in logged],
                         [("warning", f"the home {self.home}"),
                          ("info", "SIGTERM received, stopping")], start + end)
        for e in logged:
            self.assertEqual(sorted(e), ["level", "message", "time"])
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertFalse([l for l in start + end if l.startswith("weir: ")], start + end)

    def test_log_level_drops_the_lines_below_it(self):
        start, end = self.scheduler_lines(WEIR_LOG_LEVEL="warning")
        self.assertTrue([l for l in start if l.startswith("weir: warning: the home")], start)
        self.assertNotIn("weir: SIGTERM received, stopping", end)
        start, end = self.scheduler_lines(WEIR_LOG_LEVEL="error")
        self.assertFalse([l for l in start + end if l.startswith("weir: ")], start + end)

    def test_bad_values_are_refused_with_the_choices(self):
        code, _, err = self.weir("config", "list", env=self.env(WEIR_LOG_LEVEL="warn"))
        self.assertEqual(code, 2, err)
        self.assertIn("WEIR_LOG_LEVEL: log_level must be debug, info, warning or error, got 'warn'",
                      err)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("log_format: yaml\n")
        code, _, err = self.weir("config", "list")
        self.assertEqual(code, 2, err)
        self.assertIn("log_format must be text or json, got 'yaml'", err)


if __name__ == "__main__":
    unittest.main()
