"""Operation logs end to end: what each action writes, filters, keyset paging, client address."""

import datetime
import unittest
import urllib.parse

from stack import DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, find_secret_keys, unique

FIRST_PASSWORD = "first-password-1"
SECOND_PASSWORD = "second-password-2"


def rfc3339(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{dt.microsecond // 1000:03d}Z"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class OperationLogTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.t0 = now() - datetime.timedelta(seconds=2)
        cls.admin_user = s.admin_session()["user"]
        cls.admin = s.admin_token()

        # One of every auth.* and user.* action for one user, each with its own User-Agent.
        cls.name = unique("audited")
        r = s.request("POST", "/api/v1/users", token=cls.admin,
                      headers={"User-Agent": "e2e-create/1", "X-Audit-Reason": "onboarding"},
                      body={"username": cls.name, "email": f"{cls.name}@example.com",
                            "password": FIRST_PASSWORD, "role": "viewer"})
        assert r.status == 201, r
        cls.user = r.json()
        token = s.login(cls.name, FIRST_PASSWORD, headers={"User-Agent": "e2e-login/1"})["token"]
        r = s.login_response(cls.name, "wrong-password-0", headers={"User-Agent": "e2e-failed/1"})
        assert r.status == 401, r
        r = s.request("POST", "/api/v1/auth/password", token=token,
                      headers={"User-Agent": "e2e-password/1", "X-Audit-Reason": "rotation"},
                      body={"currentPassword": FIRST_PASSWORD, "newPassword": SECOND_PASSWORD})
        assert r.status == 204, r
        r = s.request("POST", "/api/v1/auth/logout", token=token, headers={"User-Agent": "e2e-logout/1"})
        assert r.status == 204, r
        r = s.request("PATCH", f"/api/v1/users/{cls.user['id']}", token=cls.admin, body={"role": "uploader"},
                      headers={"User-Agent": "e2e-update/1", "X-Audit-Reason": "promotion"})
        assert r.status == 200, r
        r = s.request("PATCH", f"/api/v1/users/{cls.user['id']}", token=cls.admin, body={"status": "blocked"},
                      headers={"User-Agent": "e2e-block/1", "X-Audit-Reason": "abuse"})
        assert r.status == 200, r
        cls.t1 = now() + datetime.timedelta(seconds=2)

        cls.viewer_name = unique("viewer")
        cls.viewer = s.create_user(cls.viewer_name, "viewer")
        cls.viewer_token = s.login(cls.viewer_name, DEFAULT_PASSWORD)["token"]

    def logs(self, token=None, **query):
        path = "/api/v1/operation-logs"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return self.stack.request("GET", path, token=token or self.admin)

    def items(self, **query):
        query.setdefault("limit", 100)
        r = self.logs(**query)
        self.assertStatus(r, 200)
        page = r.json()
        self.assertIsNone(page["nextCursor"], "more than 100 entries: the test expects fewer")
        return page["items"]

    def entries_for_user(self):
        return [e for e in self.items(targetId=self.user["id"]) if e["targetType"] in ("auth", "user")]

    def one(self, entries, action, **where):
        found = [e for e in entries if e["action"] == action and all(e.get(k) == v for k, v in where.items())]
        self.assertEqual(len(found), 1, f"{action} {where} in {entries}")
        return found[0]

    # ------------------------------------------------------------------ content

    def test_every_action_is_logged_with_ip_user_agent_and_reason(self):
        entries = self.entries_for_user()
        expected = {  # action: (User-Agent, reason, userId)
            "user.create": ("e2e-create/1", "onboarding", self.admin_user["id"]),
            "auth.login": ("e2e-login/1", None, self.user["id"]),
            "auth.login_failed": ("e2e-failed/1", None, None),
            "auth.password_change": ("e2e-password/1", "rotation", self.user["id"]),
            "auth.logout": ("e2e-logout/1", None, self.user["id"]),
            "user.update": ("e2e-update/1", "promotion", self.admin_user["id"]),
            "user.block": ("e2e-block/1", "abuse", self.admin_user["id"]),
        }
        for action, (agent, reason, user_id) in expected.items():
            with self.subTest(action=action):
                entry = self.one(entries, action, userAgent=agent)
                self.assertEqual(entry["targetType"], action.split(".")[0])
                self.assertEqual(entry["targetId"], self.user["id"])
                self.assertEqual(entry["ip"], "127.0.0.1")
                self.assertRegex(entry["id"], r"^[1-9][0-9]*$")
                self.assertRegex(entry["timestamp"], RFC3339_MS)
                self.assertIsInstance(entry["details"], dict)
                if reason is not None:
                    self.assertEqual(entry["details"].get("reason"), reason)
                if user_id is not None:
                    self.assertEqual(entry["userId"], user_id)
                self.assertEqual(find_secret_keys(entry), [])
                self.assertNotIn(FIRST_PASSWORD, str(entry))
                self.assertNotIn(SECOND_PASSWORD, str(entry))

    def test_user_changes_carry_before_and_after(self):
        entries = self.entries_for_user()
        create = self.one(entries, "user.create")
        self.assertEqual(create["details"]["after"]["username"], self.name)
        self.assertEqual(create["details"]["after"]["role"], "viewer")
        update = self.one(entries, "user.update", userAgent="e2e-update/1")
        self.assertEqual(update["details"]["before"]["role"], "viewer")
        self.assertEqual(update["details"]["after"]["role"], "uploader")
        block = self.one(entries, "user.block")
        if "after" in block["details"]:
            self.assertEqual(block["details"]["after"]["status"], "blocked")
        if "before" in block["details"]:
            self.assertEqual(block["details"]["before"]["status"], "active")

    def test_entries_are_newest_first(self):
        items = self.items()
        stamps = [e["timestamp"] for e in items]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        actions = [e["action"] for e in reversed(self.entries_for_user())]
        order = ["user.create", "auth.login", "auth.login_failed", "auth.password_change", "auth.logout",
                 "user.update", "user.block"]
        first_seen = []
        for a in actions:
            if a in order and a not in first_seen:
                first_seen.append(a)
        self.assertEqual(first_seen, order)

    # ------------------------------------------------------------------ filters

    def test_filter_by_action(self):
        items = self.items(action="auth.login")
        self.assertTrue(items)
        self.assertEqual({e["action"] for e in items}, {"auth.login"})
        self.assertIn(self.user["id"], [e["targetId"] for e in items])

    def test_filter_by_user_id(self):
        items = self.items(userId=self.user["id"])
        self.assertEqual({e["userId"] for e in items}, {self.user["id"]})
        self.assertLessEqual({"auth.login", "auth.password_change", "auth.logout"}, {e["action"] for e in items})

    def test_filter_by_target_type_and_id(self):
        items = self.items(targetType="user")
        self.assertEqual({e["targetType"] for e in items}, {"user"})
        self.assertIn("user.create", [e["action"] for e in items if e["targetId"] == self.user["id"]])

        items = self.items(targetType="auth", targetId=self.user["id"])
        self.assertEqual({(e["targetType"], e["targetId"]) for e in items}, {("auth", self.user["id"])})
        self.assertEqual({e["action"] for e in items},
                         {"auth.login", "auth.login_failed", "auth.password_change", "auth.logout"})

    def test_filter_by_time_range(self):
        inside = self.items(targetId=self.user["id"], **{"from": rfc3339(self.t0), "to": rfc3339(self.t1)})
        self.assertEqual({e["id"] for e in inside}, {e["id"] for e in self.items(targetId=self.user["id"])})
        self.assertEqual(self.items(**{"from": "2099-01-01T00:00:00.000Z"}), [])
        self.assertEqual(self.items(to="2000-01-01T00:00:00Z"), [])
        # Any RFC 3339 offset is the same instant.
        later = (self.t1 + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
        self.assertEqual({e["id"] for e in self.items(targetId=self.user["id"], to=later)},
                         {e["id"] for e in inside})

    def test_bad_query_values_are_400(self):
        for query in ({"limit": "0"}, {"limit": "-3"}, {"limit": "abc"}, {"cursor": "!!garbage!!"},
                      {"cursor": "A" * 40}, {"from": "yesterday"}, {"to": "2024-13-45T99:00:00Z"}):
            with self.subTest(query=query):
                self.assertError(self.logs(**query), 400, "bad_request")

    # ------------------------------------------------------------------ paging

    def test_keyset_paging_returns_each_entry_exactly_once(self):
        snapshot = [e["id"] for e in self.items()]
        self.assertGreater(len(snapshot), 6)
        seen, cursor, pages = [], None, 0
        while True:
            query = {"limit": 2} if cursor is None else {"limit": 2, "cursor": cursor}
            r = self.logs(**query)
            self.assertStatus(r, 200)
            page = r.json()
            self.assertLessEqual(len(page["items"]), 2)
            seen += [e["id"] for e in page["items"]]
            pages += 1
            if pages == 1:
                # A newer entry written mid-walk must not shift the pages (keyset, not OFFSET).
                self.stack.login(self.viewer_name, DEFAULT_PASSWORD)
            cursor = page["nextCursor"]
            if cursor is None:
                break
            self.assertLess(pages, 200)
        self.assertEqual(seen, snapshot)

    def test_limit_above_maximum_is_clamped(self):
        r = self.logs(limit=1000)
        self.assertStatus(r, 200)
        self.assertLessEqual(len(r.json()["items"]), 100)

    # ------------------------------------------------------------------ access and client address

    def test_needs_log_read(self):
        self.assertError(self.logs(token=self.viewer_token), 403, "forbidden")
        self.assertError(self.stack.request("GET", "/api/v1/operation-logs"), 401, "unauthenticated")

    def test_client_sent_forwarded_for_is_ignored_by_default(self):
        agent = unique("e2e-xff")
        self.stack.login(self.viewer_name, DEFAULT_PASSWORD,
                         headers={"User-Agent": agent, "X-Forwarded-For": "203.0.113.7"})
        entry = self.one(self.items(action="auth.login", targetId=self.viewer["id"]), "auth.login",
                         userAgent=agent)
        self.assertEqual(entry["ip"], "127.0.0.1")


class TrustedProxyOperationLogTest(StackTestCase):
    extra_config = {"net.trusted_proxies": "127.0.0.1"}

    def test_forwarded_for_from_a_trusted_proxy_is_the_client_address(self):
        agent = unique("e2e-xff")
        session = self.stack.login("admin", self.stack.admin_password,
                                   headers={"User-Agent": agent, "X-Forwarded-For": "203.0.113.9"})
        r = self.stack.request("GET", "/api/v1/operation-logs?action=auth.login&limit=100", token=session["token"])
        self.assertStatus(r, 200)
        entries = [e for e in r.json()["items"] if e["userAgent"] == agent]
        self.assertEqual(len(entries), 1, r.json())
        self.assertEqual(entries[0]["ip"], "203.0.113.9")
        self.assertEqual(entries[0]["targetId"], session["user"]["id"])


if __name__ == "__main__":
    unittest.main()
