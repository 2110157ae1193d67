"""weir users: creating users, listing them without secrets, passwords, API tokens."""

import json
import os
import re
import subprocess
import unittest

from harness import WEIR, WeirTestCase


class Users(WeirTestCase):
    def users(self, *args, password=None, check=None):
        """Runs `weir users ...`, writing `password` (and a newline) to its stdin."""
        p = subprocess.run([WEIR, "users", *args], env=self.env(), capture_output=True,
                           text=True, timeout=60,
                           input=None if password is None else password + "\n")
        if check is not None:
            self.assertEqual(p.returncode, check,
                             f"weir users {' '.join(args)}\nstdout:\n{p.stdout}\n"
                             f"stderr:\n{p.stderr}")
        return p.returncode, p.stdout, p.stderr

    def listed(self):
        return {u["username"]: u for u in self.weir_json("users", "list")}

    def test_create_and_list_without_secrets(self):
        self.users("create", "alice", "--role", "admin", "--password-stdin",
                   password="alice's long password", check=0)
        self.users("create", "bob", "--role", "viewer", "--password-stdin",
                   password="bob-password", check=0)
        users = self.listed()
        self.assertEqual(sorted(users), ["alice", "bob"])
        self.assertEqual(users["alice"]["role"], "admin")
        self.assertEqual(users["bob"]["role"], "viewer")
        self.assertEqual(users["bob"]["failed_logins"], 0)
        self.assertIsNone(users["bob"]["last_login_at"])
        self.assertIsNone(users["bob"]["locked_until"])
        self.assertRegex(users["bob"]["created_at"], r"^\d{4}-\d\d-\d\dT")
        for u in users.values():
            self.assertNotIn("password_hash", u)
        # Neither the password nor its hash shows anywhere in the listings.
        _, table, _ = self.weir("users", "list", check=0)
        listing = json.dumps(users) + table
        self.assertNotIn("argon2", listing)
        self.assertNotIn("bob-password", listing)
        self.assertIn("alice", table)
        # The database holds an argon2id hash, never the password.
        (stored,) = self.query("SELECT password_hash FROM weir_user WHERE username = 'bob'")[0]
        self.assertTrue(stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), stored)
        self.assertNotIn("bob-password", stored)

    def test_duplicate_user_bad_role_and_bad_passwords_exit_2(self):
        self.users("create", "alice", "--role", "op", "--password-stdin",
                   password="first password", check=0)
        code, _, err = self.users("create", "alice", "--role", "admin", "--password-stdin",
                                  password="second password")
        self.assertEqual(code, 2)
        self.assertIn("'alice' exists already", err)
        self.assertEqual(self.listed()["alice"]["role"], "op")

        code, _, err = self.users("create", "carol", "--role", "root", "--password-stdin",
                                  password="carol password")
        self.assertEqual(code, 2)
        self.assertIn("unknown role 'root'", err)
        self.assertIn("viewer", err)

        code, _, err = self.users("create", "carol", "--role", "op", "--password-stdin",
                                  password="short")
        self.assertEqual(code, 2)
        self.assertIn("at least 8 characters", err)

        code, _, err = self.users("create", "bad name", "--role", "op", "--password-stdin",
                                  password="long enough")
        self.assertEqual(code, 2)
        self.assertIn("username", err)

        # No terminal and no --password-stdin: a clear refusal, not a hang.
        code, _, err = self.users("create", "carol", "--role", "op", password="ignored1")
        self.assertEqual(code, 2)
        self.assertIn("--password-stdin", err)
        self.assertEqual(sorted(self.listed()), ["alice"])

    def test_reset_password_replaces_the_hash_and_clears_the_lockout(self):
        self.users("create", "bob", "--role", "op", "--password-stdin",
                   password="old password", check=0)
        ((old_hash, bob_id),) = self.query(
            "SELECT password_hash, id FROM weir_user WHERE username = 'bob'")
        # As if bob had been locked out after failed logins, with a browser session open.
        with self.db() as conn:
            conn.execute("UPDATE weir_user SET failed_logins = 6, locked_until = 4102444800000000"
                         " WHERE username = 'bob'")
            conn.execute("INSERT INTO web_session VALUES ('h', ?, 'c', 0, 4102444800000000, 0)",
                         (bob_id,))
        self.assertEqual(self.listed()["bob"]["failed_logins"], 6)
        self.assertEqual(self.listed()["bob"]["locked_until"], "2100-01-01T00:00:00Z")

        code, out, err = self.users("reset-password", "bob", "--password-stdin",
                                    password="new password")
        self.assertEqual(code, 0, err)
        self.assertIn("password of bob reset", out)
        bob = self.listed()["bob"]
        self.assertEqual(bob["failed_logins"], 0)
        self.assertIsNone(bob["locked_until"])
        ((new_hash,),) = self.query("SELECT password_hash FROM weir_user WHERE username = 'bob'")
        self.assertNotEqual(new_hash, old_hash)
        self.assertEqual(self.query("SELECT count(*) FROM web_session"), [(0,)])

        code, _, err = self.users("reset-password", "bob", "--password-stdin", password="short")
        self.assertEqual(code, 2)
        self.assertIn("at least 8 characters", err)
        code, _, err = self.users("reset-password", "nobody", "--password-stdin",
                                  password="long enough")
        self.assertEqual(code, 3)
        self.assertIn("no user named 'nobody'", err)

    def test_tokens_are_shown_once_listed_by_prefix_and_revoked(self):
        self.users("create", "ci", "--role", "op", "--password-stdin",
                   password="ci password!", check=0)
        code, out, err = self.users("token", "ci", "--name", "nightly", "--expires", "90d")
        self.assertEqual(code, 0, err)
        token = out.strip()
        self.assertRegex(token, r"^weir_[A-Za-z0-9_-]{43}$")
        self.assertIn("shown only this once", err)
        self.users("token", "ci", "--name", "forever", check=0)

        code, _, err = self.users("token", "ci", "--name", "nightly")
        self.assertEqual(code, 2)
        self.assertIn("revoke-token ci nightly", err)
        code, _, err = self.users("token", "ci", "--name", "x", "--expires", "soon")
        self.assertEqual(code, 2)
        self.assertIn("--expires", err)
        self.assertEqual(self.users("token", "nobody", "--name", "x")[0], 3)

        tokens = {t["name"]: t for t in self.weir_json("users", "tokens", "ci")}
        self.assertEqual(sorted(tokens), ["forever", "nightly"])
        self.assertEqual(tokens["nightly"]["prefix"], token[:13])
        self.assertIsNone(tokens["nightly"]["last_used_at"])
        self.assertIsNone(tokens["forever"]["expires_at"])
        self.assertRegex(tokens["nightly"]["expires_at"], r"^\d{4}-\d\d-\d\dT")
        _, table, _ = self.weir("users", "tokens", "ci", check=0)
        self.assertIn(token[:13] + "...", table)
        self.assertIn("never", table)
        # The token itself is nowhere: not in the listings, not in the database.
        self.assertNotIn(token, table + json.dumps(tokens))
        for name in ("weir.db", "weir.db-wal"):
            path = os.path.join(self.home, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.assertNotIn(token[5:].encode(), f.read(), name)

        code, out, err = self.users("revoke-token", "ci", "nightly")
        self.assertEqual(code, 0, err)
        self.assertEqual([t["name"] for t in self.weir_json("users", "tokens", "ci")],
                         ["forever"])
        code, _, err = self.users("revoke-token", "ci", "nightly")
        self.assertEqual(code, 3)
        self.assertIn("forever", err)

        # -o json gives the token with its metadata, for scripts.
        made = json.loads(self.users("token", "ci", "--name", "json", "-o", "json", check=0)[1])
        self.assertEqual(made["name"], "json")
        self.assertTrue(made["token"].startswith(made["prefix"]))
        self.assertIsNone(made["expires_at"])

    def test_delete_removes_the_user_with_its_tokens(self):
        for name in ("alice", "bob"):
            self.users("create", name, "--role", "viewer", "--password-stdin",
                       password=name + " password", check=0)
            self.users("token", name, "--name", "t", check=0)
        code, out, err = self.users("delete", "bob", "-y")
        self.assertEqual(code, 0, err)
        self.assertIn("user bob deleted", out)
        self.assertEqual(sorted(self.listed()), ["alice"])
        self.assertEqual(self.query("SELECT count(*) FROM api_token"), [(1,)])
        code, _, err = self.users("delete", "bob", "-y")
        self.assertEqual(code, 3)
        self.assertIn("no user named 'bob'", err)
        # Without a terminal there is no one to ask: -y is not needed.
        self.users("delete", "alice", check=0)
        self.assertEqual(self.listed(), {})

    def test_help_lists_the_users_commands(self):
        code, out, _ = self.weir("users", "--help")
        self.assertEqual(code, 0)
        for cmd in ("create", "list", "delete", "reset-password", "token", "tokens",
                    "revoke-token"):
            self.assertRegex(out, rf"\b{re.escape(cmd)}\b")


if __name__ == "__main__":
    unittest.main()
