"""The sql operator (inline and .sql files, templated; the warehouse and SQLite) and
`weir query`, with the real binary."""

import json
import os
import sqlite3
import unittest

from harness import WeirTestCase

DAG = """
dag_id: report
schedule: "@daily"
start_date: 2021-03-01
tasks:
  - task_id: load
    operator: sql
    sql: |
      CREATE TABLE IF NOT EXISTS daily (day DATE, n INTEGER);
      DELETE FROM daily WHERE day = DATE '{{ ds }}';
      INSERT INTO daily VALUES (DATE '{{ ds }}', {{ params.n }});
  - task_id: report
    operator: sql
    depends_on: [load]
    sql: report.sql
  - task_id: mirror
    operator: sql
    depends_on: [report]
    conn: sqlite:///%(app_db)s
    sql: |
      CREATE TABLE IF NOT EXISTS seen (day TEXT PRIMARY KEY, n INTEGER);
      INSERT OR REPLACE INTO seen VALUES ('{{ ds }}', {{ ti.xcom_pull('report').rows[0].n }});
params:
  n: 42
"""

REPORT_SQL = "-- the day's row\nSELECT day, n FROM daily WHERE day = DATE '{{ ds }}'\n"


class QueryTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.app_db = os.path.join(self.home, "app.db")
        self.write_dag("report.yaml", DAG % {"app_db": self.app_db})
        with open(os.path.join(self.dags, "report.sql"), "w") as f:
            f.write(REPORT_SQL)

    def xcom(self, task, run_id):
        (value,) = self.query("SELECT value FROM xcom WHERE dag_id = 'report' AND task_id = ? "
                              "AND run_id = ?", task, run_id)[0]
        return json.loads(value)

    def test_sql_files_are_templated_and_the_warehouse_answers_queries(self):
        code, out, err = self.weir("query", "SELECT 1")
        self.assertNotEqual(code, 0)
        self.assertIn("there is no warehouse", err)

        for day in ("2021-03-05", "2021-03-06"):
            self.weir("dags", "test", "report", day, check=0)
        self.weir("dags", "test", "report", "2021-03-05", check=0)  # idempotent
        report = self.xcom("report", "test__2021-03-06T00:00:00+00:00")
        self.assertEqual(report["rows"], [{"day": "2021-03-06", "n": 42}])
        self.assertEqual(report["row_count"], 1)

        rows = self.weir_json("query", "SELECT day, n FROM daily ORDER BY day")
        self.assertEqual(rows, [{"day": "2021-03-05", "n": 42}, {"day": "2021-03-06", "n": 42}])
        code, out, err = self.weir("query", "SELECT count(*) AS days FROM daily")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split(), ["days", "----", "2"])
        code, out, err = self.weir("query", "SELEC 1")
        self.assertNotEqual(code, 0)
        self.assertIn("syntax error", err)
        # weir query is read-only.
        code, out, err = self.weir("query", "DROP TABLE daily")
        self.assertNotEqual(code, 0)
        self.assertIn("read-only", err)

        # The SQLite connection got the value XCom carried from the warehouse.
        with sqlite3.connect(self.app_db) as conn:
            self.assertEqual(conn.execute("SELECT day, n FROM seen ORDER BY day").fetchall(),
                             [("2021-03-05", 42), ("2021-03-06", 42)])

    def test_a_missing_sql_file_fails_the_task_and_says_where_it_looked(self):
        os.remove(os.path.join(self.dags, "report.sql"))
        code, out, err = self.weir("dags", "test", "report", "2021-03-05")
        self.assertEqual(code, 1, out + err)
        (error,) = self.query("SELECT error FROM task_instance WHERE task_id = 'report'")[0]
        self.assertIn(os.path.join(self.dags, "report.sql"), error)
        self.assertIn("cannot read", error)


LAKE_DAG = """
dag_id: lake_table
schedule: null
start_date: 2021-03-01
tasks:
  - task_id: write
    operator: sql
    sql: COPY (SELECT 7 AS n) TO '%(lake)s/raw/numbers/part-1.parquet' (FORMAT parquet)
  - task_id: table
    operator: external_table
    depends_on: [write]
    table: numbers
    source: lake://raw/numbers/
"""


class QueryIsConfinedTest(WeirTestCase):
    """weir query reads the warehouse and the lake's files, and nothing else on the machine."""

    def setUp(self):
        super().setUp()
        self.lake = os.path.join(self.home, "lake")
        os.makedirs(os.path.join(self.lake, "raw", "numbers"))
        self.write_dag("lake_table.yaml", LAKE_DAG % {"lake": self.lake})
        self.weir("dags", "test", "lake_table", "2021-03-01", check=0)
        self.outside = os.path.join(self.home, "outside")
        os.makedirs(self.outside)
        self.secret = os.path.join(self.outside, "secret.txt")
        with open(self.secret, "w") as f:
            f.write("root:$6$hash\n")

    def refused(self, sql):
        code, out, err = self.weir("query", sql)
        self.assertNotEqual(code, 0, f"{sql}\n{out}")
        self.assertNotIn("$6$hash", out + err)
        return err

    def test_external_tables_and_lake_files_still_answer(self):
        self.assertEqual(self.weir_json("query", "SELECT n FROM numbers"), [{"n": 7}])
        rows = self.weir_json("query", "SELECT n FROM read_parquet('%s/raw/numbers/*.parquet')"
                              % self.lake)
        self.assertEqual(rows, [{"n": 7}])
        self.assertTrue(self.weir_json("query", "SHOW TABLES"))
        self.assertTrue(self.weir_json("query", "DESCRIBE numbers"))

    def test_files_outside_the_lake_cannot_be_read(self):
        for sql in ("SELECT * FROM read_text('%s')" % self.secret,
                    "SELECT * FROM read_csv('%s')" % self.secret,
                    "SELECT * FROM read_text('%s/../outside/secret.txt')" % self.lake,
                    "SELECT * FROM glob('%s/*')" % self.outside):
            err = self.refused(sql)
            self.assertIn("Permission Error", err, sql)

    def test_no_file_can_be_written(self):
        for target in (os.path.join(self.outside, "out.csv"),
                       os.path.join(self.lake, "raw", "numbers", "planted.parquet")):
            self.refused("COPY (SELECT 1) TO '%s'" % target)
            self.assertFalse(os.path.exists(target), target)
        self.refused("ATTACH '%s' AS other" % os.path.join(self.outside, "other.duckdb"))
        self.refused("EXPORT DATABASE '%s'" % os.path.join(self.lake, "export"))
        self.assertEqual(os.listdir(self.outside), ["secret.txt"])
        # DuckDB makes the folder while it binds EXPORT, before weir can refuse it: no file.
        export = os.path.join(self.lake, "export")
        self.assertEqual(os.listdir(export) if os.path.exists(export) else [], [])

    def test_settings_cannot_be_unlocked(self):
        for sql in ("SET lock_configuration = false", "SET enable_external_access = true",
                    "SET allowed_directories = ['/']", "RESET lock_configuration"):
            self.refused(sql)
        # Several statements in one call cannot unlock it either.
        self.refused("SET enable_external_access = true; SELECT * FROM read_text('%s')"
                     % self.secret)
        self.refused("SELECT current_setting('lock_configuration'); "
                     "SELECT * FROM read_text('%s')" % self.secret)

    def test_a_cloud_lake_is_read_through_duckdbs_extension_or_says_why_not(self):
        """With the lake in S3 and an extension folder without httpfs: the warehouse still
        answers; reading the lake fails naming the extension and where weir looked; other
        buckets, and the old local lake, stay out of reach."""
        ext = os.path.join(self.home, "extensions")
        os.makedirs(ext)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write("lake: s3://bkt/lake\nduckdb_extension_directory: extensions\n")
        self.assertEqual(self.weir_json("query", "SELECT 7 AS n"), [{"n": 7}])
        self.assertIn("Permission Error", self.refused("SELECT n FROM numbers"))
        err = self.refused("SELECT * FROM read_parquet('s3://bkt/lake/raw/x.parquet')")
        self.assertIn("DuckDB cannot read cloud files: reading s3://bkt/lake needs DuckDB's httpfs "
                      "extension, which is not in duckdb_extension_directory " + ext, err)
        self.assertIn("INSTALL httpfs", err)
        err = self.refused("SELECT * FROM read_parquet('s3://other/x.parquet')")
        self.assertIn("Permission Error", err)


if __name__ == "__main__":
    unittest.main()
