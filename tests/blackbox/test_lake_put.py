"""lake_put: a native operator run as a child weir process, publishing into the lake."""

import hashlib
import json
import os
import unittest

from harness import WeirTestCase

DAG = """
dag_id: land
tasks:
  - task_id: make
    operator: bash
    command: printf 'VendorID,fare\\n1,2.5\\n' > "$WEIR_WORK_DIR/out.csv" && echo "$WEIR_WORK_DIR/out.csv"
  - task_id: put
    operator: lake_put
    depends_on: [make]
    input: "{{ ti.xcom_pull('make') }}"
    target: "lake://raw/demo/year={{ logical_date.year }}/month={{ logical_date.strftime('%m') }}/data.csv"
"""


class LakePut(WeirTestCase):
    def test_a_file_lands_in_the_lake_with_its_checksum_as_the_xcom(self):
        self.write_dag("land.yaml", DAG)
        code, out, err = self.weir("dags", "test", "land", "2021-03-05")
        self.assertEqual(code, 0, out + err)
        path = os.path.join(self.home, "lake", "raw", "demo", "year=2021", "month=03", "data.csv")
        with open(path, "rb") as f:
            content = f.read()
        self.assertEqual(content, b"VendorID,fare\n1,2.5\n")
        (value,) = self.query("SELECT value FROM xcom WHERE task_id='put'")[0]
        xcom = json.loads(value)
        self.assertEqual(xcom["sha256"], hashlib.sha256(content).hexdigest())
        self.assertEqual(xcom["size"], len(content))
        self.assertEqual(xcom["uri"], "lake://raw/demo/year=2021/month=03/data.csv")
        log = os.path.join(self.home, "logs", "land", "test__2021-03-05T00:00:00+00:00", "put",
                           "attempt-1.log")
        with open(log) as f:
            self.assertIn("published 20 bytes", f.read())

    def test_a_missing_input_fails_the_task_and_publishes_nothing(self):
        self.write_dag("land.yaml", DAG.replace("{{ ti.xcom_pull('make') }}", "/nonexistent.csv"))
        code, out, _ = self.weir("dags", "test", "land", "2021-03-05")
        self.assertEqual(code, 1)
        self.assertRegex(out, r"put\s+failed: lake_put: cannot read /nonexistent.csv")
        self.assertFalse(os.path.exists(os.path.join(self.home, "lake", "raw")))


if __name__ == "__main__":
    unittest.main()
