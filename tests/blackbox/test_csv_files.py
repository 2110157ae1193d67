"""csv_to_parquet over every real CSV in tests/fixtures/csv and tests/fixtures/tlc (public
files, some cut down; see tests/fixtures/csv/PROVENANCE.md). Each file converts with the
right number of rows, counted independently by Python's csv module and read back by
hyparquet (JavaScript, not DuckDB), or fails with weir's explanation: what is wrong, where,
and which argument helps, never DuckDB's message alone."""

import csv
import glob
import json
import os
import re
import subprocess
import tempfile
import unittest

from harness import WeirTestCase

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
HYPARQUET = os.path.join(ROOT, "tests", "js", "read_parquet.mjs")

# Files that need arguments to convert: relative path -> (task arguments, Python csv options).
ARGUMENTS = {
    "csv/duckdb_imdb_movie_info_escaped.csv": (
        {"escape": "\\", "header": False}, {"escapechar": "\\", "doublequote": False}),
    "csv/messytables_spanish_chars.csv": ({"encoding": "latin-1"}, {"encoding": "latin-1"}),
    "csv/messytables_sparse_with_column_errors.csv": (
        {"encoding": "latin-1"}, {"encoding": "latin-1"}),
    "csv/messytables_utf-16le_encoded.csv": ({}, {"encoding": "utf-16"}),
    "tlc/yellow_tripdata_2018-01_ampm_dash_nulls_airport_fee.csv": (
        {"null_values": ["", "-"]}, {}),
}

# Files that must fail, and the words their error must hold (besides the file's name).
FAILURES = {
    # Big5, an encoding weir does not read: the bytes are named as not UTF-8.
    "csv/messytables_characters_head60.csv": ["not valid utf-8", "set `encoding`"],
    # Backslash-escaped quotes read as RFC 4180: the first record that splits wrong.
    "csv/duckdb_imdb_movie_info_escaped.csv": ["has 6 fields where the header", "`escape`"],
    # Without its encoding, a Latin-1 file.
    "csv/messytables_spanish_chars.csv": ["not valid utf-8", "latin-1"],
    # Cut off partway through its last record (the first 2 MB of a month).
    "csv/yellow_tripdata_2021-01_head300_cut.csv": ["line 302, the last, has 2 fields",
                                                    "cut short"],
}


def records(path, **options):
    """The non-empty records of a CSV as Python's csv module reads them, and, for each, the
    line it ends on."""
    encoding = options.pop("encoding", "utf-8-sig")
    out = []
    with open(path, newline="", encoding=encoding) as f:
        reader = csv.reader(f, **options)
        for row in reader:
            if row:
                out.append((reader.line_num, row))
    return out


def first_break(path):
    """Where Python's csv module finds the file's structure broken: the words weir's error
    must hold, or None. The first record whose field count differs from the first one's, or
    a quoted field still open at the end of the file."""
    rows, last_line = [], 0
    with open(path, newline="", encoding="latin-1") as f:
        reader = csv.reader(f, strict=True)
        try:
            for row in reader:
                if row:
                    rows.append((reader.line_num, row))
                last_line = reader.line_num
        except csv.Error as e:
            if "unexpected end of data" not in str(e):
                raise
            return [f"a quoted field opened on line {last_line + 1} is never closed"]
    expected = len(rows[0][1])
    for line, row in rows:
        if len(row) != expected:
            return [f"line {line}", f"has {len(row)} fields where the header (line 1) has "
                    f"{expected}"]
    return None


class CsvFilesTest(WeirTestCase):

    def setUp(self):
        super().setUp()
        self.out = tempfile.mkdtemp(prefix="weir-csv-out-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.out]))

    def convert_all(self, cases):
        """One DAG with a csv_to_parquet task per case; returns {task_id: (xcom, error)}."""
        tasks = []
        for task_id, (relative, args) in cases.items():
            task = {"task_id": task_id, "operator": "csv_to_parquet",
                    "input": os.path.abspath(os.path.join(FIXTURES, relative)),
                    "output": os.path.join(self.out, task_id + ".parquet")}
            task.update(args)
            tasks.append(task)
        # JSON is YAML: no quoting questions for backslashes and names.
        dag = {"dag_id": "csv_files", "schedule": None, "start_date": "2021-01-01",
               "max_active_tasks": 2, "default_args": {"retries": 0}, "tasks": tasks}
        self.write_dag("csv_files.yaml", json.dumps(dag, indent=1))
        self.weir("dags", "test", "csv_files", "2021-01-01", timeout=280)
        results = {}
        for task_id, state, error in self.query(
                "SELECT task_id, state, error FROM task_instance WHERE dag_id = 'csv_files'"):
            xcom = self.query("SELECT value FROM xcom WHERE dag_id = 'csv_files' AND "
                              "task_id = ? AND key = 'return_value'", task_id)
            results[task_id] = (state, json.loads(xcom[0][0]) if xcom else None, error or "")
        return results

    def hyparquet(self, *files):
        p = subprocess.run(["node", HYPARQUET, "--all", *files], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return {os.path.basename(r["file"]): r for r in map(json.loads, p.stdout.splitlines())}

    def test_every_fixture_csv_converts_with_its_rows_or_fails_clearly(self):
        files = sorted(os.path.relpath(p, FIXTURES) for pattern in ("csv/**/*.csv", "tlc/*.csv")
                       for p in glob.glob(os.path.join(FIXTURES, pattern), recursive=True))
        self.assertGreaterEqual(len(files), 40, files)
        cases, expected = {}, {}
        for i, relative in enumerate(files):
            path = os.path.join(FIXTURES, relative)
            args, options = ARGUMENTS.get(relative, ({}, {}))
            if relative in FAILURES:
                # The failing form (without the arguments), and the working one when there is.
                cases[f"f{i}_fails"] = (relative, {})
                expected[f"f{i}_fails"] = ("failed", relative, FAILURES[relative])
                if relative not in ARGUMENTS:
                    continue
            broken = first_break(path) if "headers_1KiB" in relative else None
            if broken:
                # 1 KB heads of the TLC's monthly files: each stops mid-record, and some have
                # more fields in their rows than in their header, as the TLC published them.
                cases[f"f{i}"] = (relative, args)
                expected[f"f{i}"] = ("failed", relative, broken)
                continue
            rows = records(path, **dict(options))
            data = len(rows) - (0 if args.get("header") is False else 1)
            cases[f"f{i}"] = (relative, args)
            expected[f"f{i}"] = ("success", relative, data)

        results = self.convert_all(cases)
        converted = {}
        for task_id, (want, relative, detail) in expected.items():
            state, xcom, error = results[task_id]
            with self.subTest(file=relative, task=task_id):
                self.assertEqual(state, want, error)
                if want == "success":
                    self.assertEqual(xcom["rows"], detail, relative)
                    converted[task_id + ".parquet"] = (relative, detail)
                else:
                    self.assertIn(os.path.basename(relative), error)
                    for phrase in detail:
                        self.assertIn(phrase, error)
                    # weir's words first, DuckDB's (if any) after them, never its fix list.
                    self.assertTrue(re.match(r"csv_to_parquet: /", error), error)
                    self.assertNotIn("Possible fixes", error)
                    self.assertNotIn("search space", error)

        # hyparquet agrees on every row count, and on values where the files were hard.
        read = self.hyparquet(*[os.path.join(self.out, f) for f in converted])
        for name, (relative, rows) in converted.items():
            self.assertEqual(read[name]["rows"], rows, relative)
            self.assertEqual(read[name]["metadata_rows"], rows, relative)
        by_file = {relative: read[name] for name, (relative, _) in converted.items()}
        bases = by_file["csv/fhv_bases.csv"]["all"]
        self.assertIn({"base_number": "B03231", "base_name": 'BIG "O" LIMO CORP', "dba": None,
                       "dba_category": "other"}, bases)
        # The mixed line endings leave no CR in any value, and the last (LF) row is whole.
        for relative in ("csv/yellow_tripdata_sample_2019-01_head300_last.csv",
                         "csv/yellow_tripdata_7500_lines_sample_2019-01_head300_lf.csv"):
            got = by_file[relative]["all"]
            source = records(os.path.join(FIXTURES, relative))
            self.assertEqual(got[-1]["total_amount"], float(source[-1][1][16]), relative)
            self.assertEqual(list(got[0].keys()), source[0][1], relative)
            for row in got:
                self.assertFalse(any(isinstance(v, str) and "\r" in v for v in row.values()))

    def test_mixed_line_endings_are_named_in_the_log(self):
        """The GX sample with mixed line endings is read again without strict mode, and the
        log says why."""
        relative = "csv/yellow_tripdata_7500_lines_sample_2019-01_head300_lf.csv"
        results = self.convert_all({"gx": (relative, {})})
        self.assertEqual(results["gx"][0], "success", results)
        code, out, err = self.weir("tasks", "logs", "csv_files", "gx",
                                   self.query("SELECT run_id FROM dag_run")[0][0])
        self.assertIn("mixed line endings (302 lines end in CRLF, 2 in LF; line 1 ends in LF, "
                      "line 2 in CRLF)", out + err)


if __name__ == "__main__":
    unittest.main()
