"""A dataset's schema versions are its distinct schemas, not the order files were written
in. Re-running 2018-12 (17 columns) after 2021-01 (18, with congestion_surcharge) once made
a version that "removed" congestion_surcharge and the next one "added" it back; a month
whose congestion_surcharge was empty in every row made it VARCHAR, in the catalog and in
the warehouse table over the months. Real TLC samples, converted and landed as the taxi
pipeline does."""

import csv
import io
import os
import shutil
import tempfile
import unittest

from harness import WeirTestCase

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TLC = os.path.join(ROOT, "tests", "fixtures", "tlc")

DAG = """
dag_id: months
schedule: "@monthly"
start_date: 2018-12-01
catchup: false
default_args: {retries: 0}
tasks:
  - task_id: to_parquet
    operator: csv_to_parquet
    input: "{{ var.value.get('src_dir') }}/{{ data_interval_start.strftime('%Y-%m') }}.csv"
  - task_id: upload
    operator: lake_put
    depends_on: [to_parquet]
    input: "{{ ti.xcom_pull('to_parquet').path }}"
    target: "lake://raw/trips/month={{ data_interval_start.strftime('%Y-%m') }}/trips.parquet"
    schema_policy: warn
  - task_id: table
    operator: external_table
    depends_on: [upload]
    table: trips
    source: lake://raw/trips/
"""


class SchemaHistoryTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.src = tempfile.mkdtemp(prefix="weir-months-")
        self.addCleanup(shutil.rmtree, self.src, True)
        shutil.copy(os.path.join(TLC, "yellow_tripdata_2018-12_no_congestion.csv"),
                    os.path.join(self.src, "2018-12.csv"))
        shutil.copy(os.path.join(TLC, "yellow_tripdata_2021-01_excel_dates.csv"),
                    os.path.join(self.src, "2021-01.csv"))
        # 2021-02: 2021-01's rows with congestion_surcharge emptied, as 2019-01 has it.
        with open(os.path.join(TLC, "yellow_tripdata_2021-01_excel_dates.csv"),
                  newline="") as f:
            rows = list(csv.reader(f))
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(rows[0])
        at = rows[0].index("congestion_surcharge")
        for r in rows[1:]:
            w.writerow(r[:at] + [""] + r[at + 1:])
        with open(os.path.join(self.src, "2021-02.csv"), "w", newline="") as f:
            f.write(out.getvalue())
        self.write_dag("months.yaml", DAG)
        self.weir("variables", "set", "src_dir", self.src, check=0)

    def month(self, month):
        code, out, err = self.weir("dags", "test", "months", month + "-01", timeout=120)
        self.assertEqual(code, 0, out + err)

    def versions(self):
        return self.weir_json("lake", "schema", "raw/trips")

    def test_rewriting_a_month_or_an_empty_column_makes_no_new_version(self):
        self.month("2018-12")
        self.month("2021-01")
        first = self.versions()
        self.assertEqual([len(v["columns"]) for v in first], [17, 18])
        self.assertIn("added congestion_surcharge (DOUBLE)", first[1]["change"])

        # The same two months again, with the same data: their versions, no new one.
        self.month("2018-12")
        self.month("2021-01")
        again = self.versions()
        self.assertEqual([v["version"] for v in again], [1, 2], again)
        objects = {o["uri"].split("/")[-2]: o
                   for o in self.weir_json("lake", "ls", "raw/trips/")}
        self.assertEqual(objects["month=2018-12"]["schema_version"], 1)
        self.assertEqual(objects["month=2021-01"]["schema_version"], 2)
        self.assertEqual(objects["month=2018-12"]["warning"], "")

        # A month whose congestion_surcharge has no value: version 2 again, no warning,
        # and nothing turns the column into text.
        self.month("2021-02")
        after = self.versions()
        self.assertEqual([v["version"] for v in after], [1, 2], after)
        feb = next(o for o in self.weir_json("lake", "ls", "raw/trips/")
                   if "month=2021-02" in o["uri"])
        self.assertEqual(feb["schema_version"], 2)
        self.assertEqual(feb["warning"], "")
        surcharge = next(c for c in after[1]["columns"] if c["name"] == "congestion_surcharge")
        self.assertEqual(surcharge["type"], "DOUBLE")
        self.assertTrue(all(v["current"] for v in after), after)
        code, out, err = self.weir("lake", "schema", "raw/trips")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"current schema .*\n(.*\n)*  congestion_surcharge +DOUBLE\n")
        # The warehouse table over the three months reads it as a number.
        typed = self.weir_json("query", "SELECT typeof(congestion_surcharge) AS t, "
                               "count(congestion_surcharge) AS n, count(*) AS rows FROM trips "
                               "GROUP BY ALL")
        self.assertEqual([r["t"] for r in typed], ["DOUBLE"], typed)


if __name__ == "__main__":
    unittest.main()
