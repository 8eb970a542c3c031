"""Graceful shutdown end to end: SIGTERM lets running requests finish, then mofang-fcgi exits 0
and removes its socket."""

import os
import signal
import threading
import time
import unittest

from stack import StackTestCase, metric_sum, parse_metrics

SLEEP_MS = 1500
# How long after SIGTERM the process may take: the rest of the slow request plus a margin for a
# loaded machine. The drain deadline itself (fcgi.shutdown_timeout_ms) is set far above it.
EXIT_DEADLINE_S = SLEEP_MS / 1000 + 5


class GracefulShutdownTest(StackTestCase):
    extra_config = {"fcgi.shutdown_timeout_ms": "20000"}

    def in_flight(self):
        r = self.stack.request("GET", "/metrics")
        self.assertStatus(r, 200)
        _, samples = parse_metrics(r.body.decode("utf-8"))
        return metric_sum(samples, "mofang_http_requests_in_flight")

    def test_sigterm_lets_the_running_request_finish_then_exits_0(self):
        stack = self.stack
        token = stack.admin_token()
        # The gauge's value with no other request running (the /metrics request itself may or
        # may not count itself: measure rather than assume).
        baseline = self.in_flight()

        outcome = {}

        def slow_request():
            try:
                outcome["response"] = stack.request("GET", f"/api/v1/debug/sleep?ms={SLEEP_MS}", token=token)
            except Exception as e:  # reported by the assertions below
                outcome["error"] = e

        thread = threading.Thread(target=slow_request)
        thread.start()
        try:
            # SIGTERM must arrive while the request is inside the application, not while it is
            # still on its way through nginx (then it would simply be refused). A fixed sleep
            # would only make that likely; the in-flight gauge rising above the baseline proves
            # it. The request sleeps 1.5 s, so polling has ample time to see it.
            deadline = time.monotonic() + SLEEP_MS / 1000
            while self.in_flight() <= baseline:
                self.assertLess(time.monotonic(), deadline,
                                "the slow request never showed in mofang_http_requests_in_flight")
                self.assertTrue(thread.is_alive(), f"the slow request ended early: {outcome}")
                time.sleep(0.01)  # polling for a state change, not waiting for time to pass
            self.assertTrue(thread.is_alive())

            signalled = time.monotonic()
            stack.fcgi.send_signal(signal.SIGTERM)
            code = stack.fcgi.wait(timeout=EXIT_DEADLINE_S + 5)
            exited = time.monotonic() - signalled
        finally:
            thread.join(timeout=30)

        self.assertNotIn("error", outcome)
        r = outcome["response"]
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"sleptMs": SLEEP_MS})
        self.assertEqual(code, 0, "mofang-fcgi should exit 0 after a graceful shutdown")
        self.assertLess(exited, EXIT_DEADLINE_S)
        self.assertFalse(os.path.exists(stack.socket_path), "the socket file should be removed")

        # Nothing listens any more: nginx answers API requests with its JSON 502.
        r = stack.request("GET", "/api/v1/auth/me", token=token)
        self.assertEqual(r.status, 502, r)
        self.assertIsInstance(r.error_code, str, r)


class IdleShutdownTest(StackTestCase):

    def test_sigterm_when_idle_exits_0_at_once_and_removes_the_socket(self):
        self.assertTrue(os.path.exists(self.stack.socket_path))
        self.stack.fcgi.send_signal(signal.SIGTERM)
        self.assertEqual(self.stack.fcgi.wait(timeout=5), 0)
        self.assertFalse(os.path.exists(self.stack.socket_path))


class ReplacedSocketTest(StackTestCase):

    def test_a_socket_file_that_is_no_longer_ours_is_left_alone(self):
        # A restarted instance binds a new socket at the same path before the old one exits;
        # the old one must not delete it on its way out (nginx would get 502s).
        path = self.stack.socket_path
        os.unlink(path)
        with open(path, "w", encoding="utf-8") as f:
            f.write("stands in for the next instance's socket\n")
        self.stack.fcgi.send_signal(signal.SIGTERM)
        self.assertEqual(self.stack.fcgi.wait(timeout=5), 0)
        self.assertTrue(os.path.exists(path), "the newer socket file must survive")
        os.unlink(path)


if __name__ == "__main__":
    unittest.main()
