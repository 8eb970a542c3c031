"""The database goes away and comes back: 503 with Retry-After (never 500), and recovery by itself.

This class runs its own private MariaDB server (scripts/lib/mariadb) so that it can stop and
start it without disturbing other tests.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from stack import Stack, StackTestCase


class DatabaseOutageTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        if not shutil.which("mariadbd", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
            raise unittest.SkipTest("mariadbd is not installed")
        cls.repo = os.path.abspath(
            os.environ.get("MOFANG_REPO") or os.path.join(os.path.dirname(__file__), "..", ".."))
        cls.db_dir = tempfile.mkdtemp(prefix="mofang-e2e-db-")
        cls.addClassCleanup(shutil.rmtree, cls.db_dir, True)
        cls.addClassCleanup(cls.mariadb, "stop")
        port = cls.mariadb("start").strip()
        cls.stack = Stack()
        cls.stack.mysql_url = f"mysql://root:root@127.0.0.1:{port}/"
        cls.stack.start()
        cls.addClassCleanup(cls.stack.stop)

    @classmethod
    def mariadb(cls, action):
        env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        done = subprocess.run([os.path.join(cls.repo, "scripts", "lib", "mariadb"), action, cls.db_dir],
                              capture_output=True, text=True, timeout=120, env=env)
        if done.returncode != 0:
            raise AssertionError(f"mariadb {action} failed: {done.stderr}")
        return done.stdout

    def test_outage_gives_503_with_retry_after_and_recovers(self):
        token = self.stack.admin_token()
        self.assertStatus(self.stack.request("GET", "/api/v1/auth/me", token=token), 200)

        self.mariadb("stop")
        try:
            for path in ("/api/v1/auth/me", "/api/v1/users", "/api/v1/operation-logs"):
                r = self.stack.request("GET", path, token=token)
                self.assertError(r, 503, "unavailable")
                self.assertGreater(int(r.headers["Retry-After"]), 0, r)
            r = self.stack.request("POST", "/api/v1/auth/login",
                                   body={"login": "admin", "password": self.stack.admin_password})
            self.assertError(r, 503, "unavailable")
            ready = self.stack.request("GET", "/readyz")
            self.assertEqual(ready.status, 503, ready)
            self.assertIn("Retry-After", ready.headers)
            # Liveness does not depend on the database.
            self.assertStatus(self.stack.request("GET", "/healthz"), 200)
        finally:
            self.mariadb("start")

        # Back without a restart of mofang-fcgi: the pool reconnects on its own.
        self.assertStatus(self.stack.request("GET", "/api/v1/auth/me", token=token), 200)
        self.assertStatus(self.stack.request("GET", "/readyz"), 200)
        self.assertStatus(self.stack.request("GET", "/api/v1/users", token=token), 200)
        self.assertIsNone(self.stack.fcgi.poll(), "mofang-fcgi must keep running")


if __name__ == "__main__":
    unittest.main()
