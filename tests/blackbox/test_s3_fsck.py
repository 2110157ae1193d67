"""weir lake fsck on a lake in S3: the multipart uploads a killed writer left begun are
listed (--dry-run) and aborted once older than --older-than. Runs against Ceph's radosgw
(which keeps and lists unfinished uploads as AWS does), started for the whole test run by
the ctest fixture radosgw_start; its port is in $WEIR_RADOSGW_STATE/port."""

import os
import re
import sys
import unittest
import urllib.parse
import urllib.request

from harness import ROOT, WeirTestCase

sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from sigv4 import signed_request  # noqa: E402

KEY, SECRET = "WEIRKEY", "WEIRSECRET"


class S3Fsck(WeirTestCase):
    def setUp(self):
        super().setUp()
        with open(os.path.join(os.environ["WEIR_RADOSGW_STATE"], "port")) as f:
            self.endpoint = f"http://127.0.0.1:{int(f.read())}"
        self.prefix = os.path.basename(self.home)
        with open(os.path.join(self.home, "weir.yaml"), "w") as f:
            f.write(f"lake: s3://lake/{self.prefix}\nlake_conn_id: rgw\n")

    def s3(self, method, path, body=b""):
        req = signed_request(method, f"{self.endpoint}/lake/{path}", KEY, SECRET, body=body)
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()

    def uploads(self):
        text = self.s3("GET", f"?uploads=&prefix={self.prefix}/")
        return re.findall(r"<Key>([^<]*)</Key>", text)

    def weir_env(self):
        uri = f"aws://{KEY}:{SECRET}@?endpoint_url=" + urllib.parse.quote(self.endpoint, safe="")
        return self.env(WEIR_CONN_RGW=uri)

    def test_unfinished_uploads_are_listed_then_aborted_when_old_enough(self):
        key = f"{self.prefix}/raw/big.bin"
        started = self.s3("POST", f"{key}?uploads=")
        upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", started).group(1)
        self.s3("PUT", f"{key}?partNumber=1&uploadId={urllib.parse.quote(upload_id)}",
                body=b"x" * 1024)
        self.assertEqual(self.uploads(), [key])

        code, out, err = self.weir("lake", "fsck", "--dry-run", "--older-than", "0s",
                                   env=self.weir_env())
        self.assertEqual(code, 0, err)
        self.assertIn(f"would abort unfinished upload of s3://lake/{key}", out)
        self.assertEqual(self.uploads(), [key])

        code, out, err = self.weir("lake", "fsck", env=self.weir_env())  # 24h by default
        self.assertEqual(code, 0, err)
        self.assertIn("0 unfinished uploads older than 1d", out)
        self.assertEqual(self.uploads(), [key])

        code, out, err = self.weir("lake", "fsck", "--older-than", "0s", env=self.weir_env())
        self.assertEqual(code, 0, err)
        self.assertIn(f"aborted unfinished upload of s3://lake/{key}", out)
        self.assertEqual(self.uploads(), [])

    def test_a_lake_without_keys_says_which_connection_to_give_them(self):
        env = {k: v for k, v in self.env().items() if not k.startswith("AWS_")}
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        env["AWS_CONFIG_FILE"] = os.devnull
        code, out, err = self.weir("lake", "fsck", env=env)
        self.assertEqual(code, 2, out + err)  # a precondition: the keys are missing
        self.assertIn("no AWS keys", err)
        self.assertIn("connection 'rgw'", err)


if __name__ == "__main__":
    unittest.main()
