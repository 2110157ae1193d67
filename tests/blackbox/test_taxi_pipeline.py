"""The ingestion pipeline end to end: the example taxi DAG against a local HTTP server that
serves real TLC samples (tests/fixtures/tlc), with catchup over three months whose columns
drift 17 -> 18 -> 19; the lake, the catalog, the warehouse and an independent Parquet reader
(hyparquet) must all agree with the source files. Then every kind of bad input fails its
task clearly and leaves nothing in the lake or the catalog."""

import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import EXAMPLES, WeirTestCase

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
SERVER = os.path.join(FIXTURES, "http_server.py")
HYPARQUET = os.path.join(ROOT, "tests", "js", "read_parquet.mjs")
DAG = "yellow_taxi_ingestion"

# Month -> the real sample it is served from (see tests/fixtures/README.md).
MONTHS = {
    "2018-12": "tlc/yellow_tripdata_2018-12_no_congestion.csv",  # 17 columns
    "2019-01": "tlc/yellow_tripdata_2019-01_excel_dates.csv",  # 18: congestion_surcharge
    "2019-02": "tlc/yellow_tripdata_2018-01_ampm_dash_nulls_airport_fee.csv",  # 19: airport_fee
}


def source_rows(relative):
    """Data rows of a fixture CSV, counted by Python's csv module (not by weir or DuckDB)."""
    with open(os.path.join(FIXTURES, relative), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader if r]
    return header, rows


class Server:
    """tests/fixtures/http_server.py on a free port, serving `root`."""

    def __init__(self, root):
        self.proc = subprocess.Popen(["/usr/bin/python3", SERVER, "--root", root],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT (\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the fixture server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{m.group(1)}"

    def log(self):
        import urllib.request
        with urllib.request.urlopen(self.url + "/__log") as r:
            return json.load(r)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class TaxiPipelineTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="weir-taxi-src-")
        self.addCleanup(shutil.rmtree, self.root, True)
        os.makedirs(os.path.join(self.root, "yellow"))
        self.server = Server(self.root)
        self.addCleanup(self.server.stop)

    def serve(self, month, data, compress=True):
        path = os.path.join(self.root, "yellow", f"yellow_tripdata_{month}.csv.gz")
        with open(path, "wb") as f:
            f.write(gzip.compress(data) if compress else data)
        return path

    def serve_fixture(self, month, relative):
        with open(os.path.join(FIXTURES, relative), "rb") as f:
            self.serve(month, f.read())

    def install_dag(self, start, end):
        with open(os.path.join(EXAMPLES, DAG + ".yaml")) as f:
            text = f.read()
        text = re.sub(r"(?m)^start_date: .*$", f"start_date: {start}", text)
        text = re.sub(r"(?m)^end_date: .*$", f"end_date: {end}", text)
        text = re.sub(r"(?m)^  retries: .*$", "  retries: 0", text)
        # One month at a time, so that the schema history has the months' order (with two
        # at once, whichever upload finishes first is version 1).
        text = re.sub(r"(?m)^max_active_runs: .*$", "max_active_runs: 1", text)
        self.write_dag(DAG + ".yaml", text)

    def set_base(self, base):
        self.weir("variables", "set", "taxi_base_url", base, check=0)

    def lake_file(self, month):
        y, m = month.split("-")
        return os.path.join(self.home, "lake", "raw", "yellow_tripdata", f"year={y}",
                            f"month={m}", f"yellow_tripdata_{month}.parquet")

    def hyparquet(self, *files):
        p = subprocess.run(["node", HYPARQUET, *files], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.splitlines()]

    def task_states(self, run_id):
        return dict(self.query("SELECT task_id, state FROM task_instance "
                               "WHERE dag_id = ? AND run_id = ?", DAG, run_id))

    def test_catchup_lands_every_month_and_the_catalog_flags_the_drift(self):
        for month, relative in MONTHS.items():
            self.serve_fixture(month, relative)
        self.install_dag("2018-12-01", "2019-02-01")
        # One redirect hop in front of every download, as the GitHub mirror does.
        self.set_base(self.server.url + "/redirect/1")
        self.start("scheduler")
        runs = self.wait_for(
            "three finished runs",
            lambda: (lambda rs: rs if len(rs) == 3 and all(
                r["state"] in ("success", "failed") for r in rs) else None)(self.runs(DAG)),
            timeout=240, interval=0.5)
        for r in runs:
            self.assertEqual(r["state"], "success", r)

        # The lake has one partition per month, each holding exactly the source's rows,
        # read back by hyparquet (JavaScript, independent of DuckDB).
        files = [self.lake_file(m) for m in MONTHS]
        read = {os.path.basename(os.path.dirname(os.path.dirname(r["file"]))) + "-" +
                os.path.basename(os.path.dirname(r["file"])): r for r in self.hyparquet(*files)}
        for month, relative in MONTHS.items():
            header, rows = source_rows(relative)
            y, m = month.split("-")
            got = read[f"year={y}-month={m}"]
            self.assertEqual(got["rows"], len(rows), month)
            self.assertEqual(got["metadata_rows"], len(rows), month)
            self.assertEqual(got["columns"], [h.strip() for h in header], month)

        # weir query over the warehouse table agrees, month by month (hive columns).
        counted = self.weir_json(
            "query", "SELECT year, month, count(*) AS n FROM yellow_tripdata "
            "GROUP BY ALL ORDER BY year, month")
        expected = [(int(m[:4]), int(m[5:]), len(source_rows(r)[1])) for m, r in MONTHS.items()]
        self.assertEqual([(int(c["year"]), int(c["month"]), int(c["n"])) for c in counted],
                         expected)

        # The catalog: three objects with lineage and source, three schema versions.
        objects = self.weir_json("lake", "ls", "raw/yellow_tripdata/")
        self.assertEqual(len(objects), 3)
        for o in objects:
            self.assertEqual(o["dag_id"], DAG)
            self.assertEqual(o["task_id"], "upload")
            self.assertIn("/yellow/yellow_tripdata_", o["source_url"])
            self.assertTrue(o["source_etag"], o)
        schema = self.weir_json("lake", "schema", "raw/yellow_tripdata")
        self.assertEqual([len(v["columns"]) for v in schema], [17, 18, 19])
        self.assertIn("17 -> 18 columns: added congestion_surcharge", schema[1]["change"])
        self.assertIn("18 -> 19 columns", schema[2]["change"])
        self.assertIn("airport_fee", schema[2]["change"])
        warned = [o for o in objects if o["warning"]]
        self.assertEqual(len(warned), 2, objects)

        # Re-running a month whose source did not change: the download is skipped (a
        # conditional request answered 304), nothing downstream runs, the lake is untouched.
        jan = next(r["run_id"] for r in runs if r["logical_date"].startswith("2019-01"))
        before = os.stat(self.lake_file("2019-01")).st_mtime_ns
        self.weir("tasks", "clear", DAG, "--run-id", jan, "--yes", check=0)
        self.wait_for("the cleared run to finish", lambda: next(
            (r for r in self.runs(DAG) if r["run_id"] == jan and
             r["state"] in ("success", "failed")), None), timeout=60, interval=0.3)
        states = self.task_states(jan)
        self.assertEqual(states["download"], "skipped", states)
        self.assertEqual(states["upload"], "skipped", states)
        self.assertEqual(os.stat(self.lake_file("2019-01")).st_mtime_ns, before)
        history = self.weir_json("lake", "history",
                                 "lake://raw/yellow_tripdata/year=2019/month=01/"
                                 "yellow_tripdata_2019-01.parquet")
        self.assertEqual(len(history), 1)
        conditional = [e for e in self.server.log()
                       if "2019-01" in e["path"] and e.get("if_none_match")]
        self.assertTrue(conditional, self.server.log())

    def test_later_years_join_the_same_table(self):
        """2020 (ISO timestamps) and 2021 (zero-padded Excel dates) after 2018-12: one table,
        each month's rows intact, the pickup times parsed whatever their form."""
        later = {"2018-12": MONTHS["2018-12"],
                 "2020-01": "tlc/yellow_tripdata_2020-01_head500_tail499.csv",
                 "2021-01": "tlc/yellow_tripdata_2021-01_excel_dates.csv"}
        for month, relative in later.items():
            self.serve_fixture(month, relative)
        self.install_dag("2018-12-01", "2021-12-01")
        # Every download's connection drops halfway through the body the first time: each
        # resumes with a Range request and still lands every row.
        self.set_base(self.server.url + "/drop")
        for month in later:
            code, out, err = self.weir("dags", "test", DAG, f"{month}-01", timeout=120)
            self.assertEqual(code, 0, out + err)
        counted = self.weir_json(
            "query", "SELECT year, month, count(*) AS n, "
            "count(*) FILTER (WHERE year(tpep_pickup_datetime) = year AND "
            "month(tpep_pickup_datetime) = month) AS in_month "
            "FROM yellow_tripdata GROUP BY ALL ORDER BY year, month")
        self.assertEqual([(c["year"], c["month"], c["n"]) for c in counted],
                         [(int(m[:4]), int(m[5:]), len(source_rows(r)[1]))
                          for m, r in later.items()])
        # Timestamps are typed in every month (year() of a text column is an error), and
        # nearly every trip falls in its file's month (the TLC files have a few outliers).
        for c in counted:
            self.assertGreater(c["in_month"], 0.95 * c["n"], c)
        resumed = [e for e in self.server.log() if e.get("range") and e["status"] == 206]
        self.assertEqual(len(resumed), len(later), self.server.log())
        read = self.hyparquet(*[self.lake_file(m) for m in later])
        self.assertEqual([r["rows"] for r in read], [len(source_rows(r)[1])
                                                     for r in later.values()])

    def assert_month_fails(self, month, task, *phrases):
        code, out, err = self.weir("dags", "test", DAG, f"{month}-01", timeout=120)
        self.assertEqual(code, 1, out + err)
        run_id = re.search(r"run (\S+) failed", out + err)
        self.assertIsNotNone(run_id, out + err)
        states = self.task_states(run_id.group(1))
        self.assertEqual(states[task], "failed", states)
        code, out, err = self.weir("tasks", "logs", DAG, task, run_id.group(1))
        text = out + err
        failures = self.query("SELECT error FROM task_instance WHERE dag_id = ? AND task_id = ? "
                              "AND run_id = ?", DAG, task, run_id.group(1))
        error = failures[0][0]
        for phrase in phrases:
            self.assertIn(phrase, error, text)
        self.assertFalse(os.path.exists(self.lake_file(month)), month)
        self.assertEqual(self.weir_json("lake", "ls", "raw/yellow_tripdata/"), [])
        return error

    def test_bad_sources_fail_their_task_clearly_and_leave_nothing(self):
        self.install_dag("2018-12-01", "2019-12-01")
        self.set_base(self.server.url + "/redirect/1")
        # A month the server does not have: HTTP 404 with S3's XML error body.
        err = self.assert_month_fails("2019-03", "download", "404", "yellow_tripdata_2019-03")
        # An HTML error page saved under the file's name (what `curl url > file` keeps).
        self.serve("2019-04", b"<!DOCTYPE html><html><body>Rate limit exceeded</body></html>")
        self.assert_month_fails("2019-04", "to_parquet", "HTML")
        # A truncated gzip: the first half of a real month.
        with open(os.path.join(FIXTURES, MONTHS["2019-01"]), "rb") as f:
            whole = gzip.compress(f.read())
        self.serve("2019-05", whole[:len(whole) // 2], compress=False)
        self.assert_month_fails("2019-05", "to_parquet", "truncated")
        # An empty file.
        self.serve("2019-06", b"", compress=False)
        self.assert_month_fails("2019-06", "to_parquet", "empty")
        # Ragged rows: a data row with more fields than the header.
        header, rows = source_rows(MONTHS["2019-01"])
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows[:10])
        w.writerow(rows[10] + ["1", "2"])
        w.writerows(rows[11:20])
        self.serve("2019-07", buf.getvalue().encode())
        self.assert_month_fails("2019-07", "to_parquet", "line 12")
        self.assertEqual(self.weir_json("lake", "ls"), [])


if __name__ == "__main__":
    unittest.main()
