"""The database goes away and comes back: 503 with Retry-After (never 500), and recovery by itself.

This class runs its own private MariaDB server (scripts/lib/mariadb) so that it can stop and
start it without disturbing other tests.
"""

import os
import shutil
import subprocess
import tempfile
import time
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
        # A quick demo generator for the worker test.
        cls.stack = Stack(extra_config={"generator": "demo?stepMs=20&steps=3", "worker.poll_ms": "50"})
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

    def test_a_worker_rides_out_an_outage(self):
        """The worker's claim loop keeps its prepared statements on a connection of its own: after
        the server's restart they are gone, and the loop must start over on a new connection."""
        worker = self.stack.start_worker()

        def outage():
            self.mariadb("stop")
            try:
                time.sleep(1.5)  # the loop polls (and fails) a few times meanwhile
                self.assertIsNone(worker.proc.poll(), "mofang-worker must keep running")
            finally:
                self.mariadb("start")

        self.assert_worker_rides_out(worker, outage)

    def test_a_worker_rides_out_a_restart_between_two_polls(self):
        """A restart while the loop sleeps: its connection comes back on the next claim (the
        client reconnects) without the prepared statements, which the server no longer knows."""
        worker = self.stack.start_worker(extra_env={"MOFANG_WORKER_POLL_MS": "4000"})

        def restart():
            self.mariadb("stop")
            self.mariadb("start")

        self.assert_worker_rides_out(worker, restart)

    def assert_worker_rides_out(self, worker, outage):
        """A photo completed before `outage`, two after it, and the worker still running."""
        token = self.stack.admin_token()
        self.generate(token)
        outage()
        self.generate(token)
        self.generate(token)
        self.assertIsNone(worker.proc.poll(), "mofang-worker must keep running")
        self.assertEqual(self.stack.stop_worker(worker), 0)

    def test_a_unix_socket_uri(self):
        """mysql://…?socket=PATH reaches the server through its unix socket (libmariadb takes the
        path from the environment it reads once: it must be set before the first connection)."""
        socket_path = os.path.join(self.db_dir, "sock")
        env = {k: v for k, v in os.environ.items() if k != "MYSQL_UNIX_PORT" and not k.startswith("MOFANG_")}

        def migrate(socket):
            config = os.path.join(self.stack.tmp, "socket.properties")
            with open(self.stack.config_path, encoding="utf-8") as src, \
                    open(config, "w", encoding="utf-8") as dst:
                dst.writelines(line for line in src if line.split("=", 1)[0].strip() != "db")
                dst.write(f"db = mysql://root:root@localhost/{self.stack.db_name}?socket={socket}\n")
            return subprocess.run([os.path.join(self.stack.build_dir, "mofangctl"), "--config", config, "migrate"],
                                  capture_output=True, text=True, timeout=60, env=env)

        done = migrate(socket_path)
        self.assertEqual(done.returncode, 0, done.stderr)
        # A socket that is not there is the one the error names, not the default one.
        done = migrate(socket_path + ".missing")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(".missing", done.stderr)

    def generate(self, token):
        r = self.stack.request("POST", "/api/v1/model-photos", token=token,
                               body={"prompt": "linen dress, studio light", "gender": "female",
                                     "ageRange": "25-30", "aspectRatio": "1:1", "resolution": "1K",
                                     "imageCount": 1})
        self.assertStatus(r, 202)
        done = self.stack.wait_photo(token, r.json()["id"])
        self.assertEqual(done["status"], "completed", done)


if __name__ == "__main__":
    unittest.main()
