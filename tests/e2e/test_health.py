"""Liveness, readiness and metrics end to end (/healthz, /readyz, /metrics at the root)."""

import os
import secrets
import subprocess
import unittest

from stack import StackTestCase, metric_sum, parse_metrics

HTTP_SERIES = ("mofang_http_requests_total", "mofang_http_request_duration_seconds_bucket",
               "mofang_http_requests_in_flight", "mofang_db_pool_in_use")


class HealthTest(StackTestCase):

    def metrics(self):
        r = self.stack.request("GET", "/metrics")
        self.assertStatus(r, 200)
        return r, parse_metrics(r.body.decode("utf-8"))

    def test_healthz_is_ok(self):
        r = self.stack.request("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"), r.headers)
        self.assertEqual(r.json(), {"status": "ok"})

    def test_readyz_is_ok_when_the_database_answers(self):
        self.assertStatus(self.stack.request("GET", "/readyz"), 200)

    def test_health_endpoints_need_no_session_and_ignore_a_bad_one(self):
        for path in ("/healthz", "/readyz", "/metrics"):
            with self.subTest(path=path):
                self.assertStatus(self.stack.request("GET", path, token="not-a-token"), 200)

    def test_metrics_is_prometheus_text_with_http_and_db_series(self):
        r, (types, samples) = self.metrics()
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"), r.headers)
        names = {n for n, _, _ in samples}
        for series in HTTP_SERIES:
            with self.subTest(series=series):
                self.assertIn(series, names)
        # Text format 0.0.4 names the counter with its _total suffix; OpenMetrics without.
        self.assertEqual(types.get("mofang_http_requests_total") or types.get("mofang_http_requests"), "counter")
        self.assertEqual(types.get("mofang_http_request_duration_seconds"), "histogram")
        self.assertEqual(types.get("mofang_http_requests_in_flight"), "gauge")
        self.assertEqual(types.get("mofang_db_pool_in_use"), "gauge")
        self.assertTrue(any(n == "mofang_http_request_duration_seconds_bucket" and lab.get("le") == "+Inf"
                            for n, lab, _ in samples), "no le=\"+Inf\" bucket")
        self.assertGreaterEqual(metric_sum(samples, "mofang_db_pool_in_use"), 0)
        self.assertGreaterEqual(metric_sum(samples, "mofang_http_requests_in_flight"), 0)

    def test_metrics_count_the_requests_made(self):
        _, (_, before) = self.metrics()
        for _ in range(3):
            self.assertError(self.stack.request("GET", "/api/v1/auth/me"), 401, "unauthenticated")
        _, (_, after) = self.metrics()

        total = "mofang_http_requests_total"
        self.assertGreaterEqual(metric_sum(after, total) - metric_sum(before, total), 3)
        count = "mofang_http_request_duration_seconds_count"
        if any(n == count for n, _, _ in after):
            self.assertGreaterEqual(metric_sum(after, count) - metric_sum(before, count), 3)
        # When the counter is labelled by status, the three 401s are counted as such.
        for label in ("status", "code"):
            if any(n == total and lab.get(label) == "401" for n, lab, _ in after):
                self.assertGreaterEqual(metric_sum(after, total, **{label: "401"}) -
                                        metric_sum(before, total, **{label: "401"}), 3)


    def test_a_database_behind_this_build_stops_start_up_with_the_hint(self):
        """With db.auto_migrate=false, a schema older than the build is refused at start: the
        session check needs the newest tables, so every request would fail otherwise."""
        st = self.stack
        name = None
        if st.mysql_url:
            name = f"e2e_{secrets.token_hex(6)}"
            st._mariadb(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            host, port, user, password = st._mysql_parts()
            db = f"mysql://{user}:{password}@{host}:{port}/{name}"
        else:
            db = f"sqlite:{os.path.join(st.tmp, 'outdated.db')}"
        try:
            config = os.path.join(st.tmp, "outdated.properties")
            with open(config, "w", encoding="utf-8") as f:
                f.write(f"db = {db}\ndb.auto_migrate = false\nstorage = file:{os.path.join(st.tmp, 'outdated-objects')}\n")
            out = subprocess.run(
                [os.path.join(st.build_dir, "mofang-fcgi"), "--config", config,
                 "--listen", f"unix:{os.path.join(st.tmp, 'outdated.sock')}"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=60, env=st._child_env())
            stderr = out.stderr.decode("utf-8", "replace")
            self.assertEqual(out.returncode, 1, stderr)
            self.assertIn("the database schema is at version 0", stderr)
            self.assertIn("run mofangctl migrate", stderr)
            self.assertFalse(os.path.exists(os.path.join(st.tmp, "outdated.sock")))
        finally:
            if name:
                st._mariadb(f"DROP DATABASE IF EXISTS `{name}`")

if __name__ == "__main__":
    unittest.main()
