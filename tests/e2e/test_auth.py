"""Authentication end to end (SPEC §5 "Authentication", §3 roles and statuses)."""

import unittest

from stack import (DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, find_secret_keys, parse_set_cookie,
                   unique)

VIEWER = ["download.package", "download.preview", "product.read", "selection.write"]
UPLOADER = sorted(VIEWER + ["model.generate", "product.write"])
ADMIN = sorted(UPLOADER + ["product.delete", "user.manage", "log.read", "selection.read_all",
                           "model.read_all", "download.read_all"])
USER_FIELDS = {"id", "username", "email", "role", "permissions", "status", "lastLogin", "createdAt",
               "updatedAt"}


class AuthTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.viewer_name = unique("viewer")
        cls.viewer = s.create_user(cls.viewer_name, "viewer", password=DEFAULT_PASSWORD)
        cls.uploader_name = unique("uploader")
        cls.uploader = s.create_user(cls.uploader_name, "uploader", password=DEFAULT_PASSWORD)
        cls.viewer_login = s.login(cls.viewer_name, DEFAULT_PASSWORD)

    def me(self, token=None, cookie=None):
        return self.stack.request("GET", "/api/v1/auth/me", token=token, cookie=cookie)

    # ------------------------------------------------------------------ login

    def test_login_by_username_returns_user_tokens_and_session_cookie(self):
        r = self.stack.login_response(self.viewer_name, DEFAULT_PASSWORD)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(set(body), {"user", "token", "csrfToken", "expiresAt"})
        self.assertTrue(body["token"] and body["csrfToken"])
        self.assertNotEqual(body["token"], body["csrfToken"])
        self.assertRegex(body["expiresAt"], RFC3339_MS)
        user = body["user"]
        self.assertLessEqual(USER_FIELDS, set(user))
        self.assertEqual(user["id"], self.viewer["id"])
        self.assertEqual(user["username"], self.viewer_name)
        self.assertEqual(user["role"], "viewer")
        self.assertEqual(find_secret_keys(body), [])

        cookies = [parse_set_cookie(v) for v in r.headers.get_all("Set-Cookie") or []]
        session = [c for c in cookies if c[0] == "mofang_session"]
        self.assertEqual(len(session), 1, cookies)
        _, value, attrs = session[0]
        self.assertEqual(value, body["token"])
        self.assertIs(attrs.get("httponly"), True, attrs)
        self.assertEqual(attrs.get("samesite", "").lower(), "lax", attrs)
        self.assertEqual(attrs.get("path"), "/", attrs)

    def test_login_by_email(self):
        body = self.stack.login(self.uploader["email"], DEFAULT_PASSWORD)
        self.assertEqual(body["user"]["id"], self.uploader["id"])
        self.assertEqual(body["user"]["role"], "uploader")

    def test_unknown_user_and_wrong_password_get_the_same_401(self):
        unknown = self.stack.login_response(unique("nobody"), DEFAULT_PASSWORD)
        wrong = self.stack.login_response(self.uploader_name, "wrong-password-123")
        self.assertError(unknown, 401, "invalid_credentials")
        self.assertError(wrong, 401, "invalid_credentials")
        self.assertEqual(unknown.json(), wrong.json())

    def test_sixth_attempt_is_locked_out_even_with_the_right_password(self):
        name = unique("locked")
        self.stack.create_user(name, "viewer", password=DEFAULT_PASSWORD)
        # The count is per login string, case-insensitively.
        for attempt, login in enumerate([name, name.upper(), name, name.upper(), name], 1):
            r = self.stack.login_response(login, f"wrong-password-{attempt}")
            self.assertError(r, 401, "invalid_credentials")
        r = self.stack.login_response(name, DEFAULT_PASSWORD)
        self.assertError(r, 429, "too_many_attempts")
        retry_after = r.headers.get("Retry-After")
        self.assertIsNotNone(retry_after, r)
        self.assertRegex(retry_after, r"^[0-9]+$")
        self.assertGreater(int(retry_after), 0)
        # Other logins are not affected.
        self.assertEqual(self.stack.login(self.uploader_name, DEFAULT_PASSWORD)["user"]["id"],
                         self.uploader["id"])

    def test_lockout_also_applies_to_a_login_that_does_not_exist(self):
        ghost = unique("ghost")
        for attempt in range(5):
            self.assertError(self.stack.login_response(ghost, f"whatever-{attempt}-pass"), 401,
                             "invalid_credentials")
        r = self.stack.login_response(ghost, "whatever-5-pass")
        self.assertError(r, 429, "too_many_attempts")
        self.assertGreater(int(r.headers.get("Retry-After", "0")), 0)

    def test_last_login_is_set_after_login(self):
        name = unique("lastlogin")
        created = self.stack.create_user(name, "viewer")
        self.assertIsNone(created["lastLogin"])
        session = self.stack.login(name, DEFAULT_PASSWORD)
        fetched = self.stack.request("GET", f"/api/v1/users/{created['id']}", token=self.stack.admin_token())
        self.assertStatus(fetched, 200)
        self.assertRegex(fetched.json()["lastLogin"] or "", RFC3339_MS)
        me = self.me(token=session["token"]).json()
        self.assertRegex(me["user"]["lastLogin"] or "", RFC3339_MS)

    # ------------------------------------------------------------------ sessions

    def test_bearer_token_authenticates(self):
        r = self.me(token=self.viewer_login["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["user"]["id"], self.viewer["id"])

    def test_session_cookie_authenticates_a_get(self):
        r = self.me(cookie=self.viewer_login["token"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["user"]["id"], self.viewer["id"])

    def test_missing_or_invalid_session_is_401(self):
        self.assertError(self.me(), 401, "unauthenticated")
        self.assertError(self.me(token="not-a-real-token"), 401, "unauthenticated")
        self.assertError(self.me(cookie="not-a-real-token"), 401, "unauthenticated")
        for method, path in (("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")):
            with self.subTest(path=path):
                r = self.stack.request(method, path, body={"currentPassword": "x" * 12, "newPassword": "y" * 12})
                self.assertError(r, 401, "unauthenticated")

    def test_cookie_post_needs_the_csrf_header(self):
        admin = self.stack.admin_session()
        name = unique("csrf")
        body = {"username": name, "email": f"{name}@example.com", "password": DEFAULT_PASSWORD,
                "role": "viewer"}
        r = self.stack.request("POST", "/api/v1/users", body=body, cookie=admin["token"])
        self.assertError(r, 403, "csrf_failed")
        r = self.stack.request("POST", "/api/v1/users", body=body, cookie=admin["token"],
                               headers={"X-CSRF-Token": "forged-" + admin["csrfToken"]})
        self.assertError(r, 403, "csrf_failed")
        # Nothing was created by the refused requests: the same username is still free.
        r = self.stack.request("POST", "/api/v1/users", body=body, cookie=admin["token"],
                               headers={"X-CSRF-Token": admin["csrfToken"]})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["username"], name)

    def test_bearer_post_needs_no_csrf_header(self):
        name = unique("bearer")
        r = self.stack.request("POST", "/api/v1/users", token=self.stack.admin_token(),
                               body={"username": name, "email": f"{name}@example.com",
                                     "password": DEFAULT_PASSWORD, "role": "viewer"})
        self.assertStatus(r, 201)

    def test_logout_by_cookie_needs_csrf_and_then_ends_the_session(self):
        name = unique("logout")
        self.stack.create_user(name, "viewer")
        session = self.stack.login(name, DEFAULT_PASSWORD)
        r = self.stack.request("POST", "/api/v1/auth/logout", cookie=session["token"])
        self.assertError(r, 403, "csrf_failed")
        self.assertStatus(self.me(token=session["token"]), 200)
        r = self.stack.request("POST", "/api/v1/auth/logout", cookie=session["token"],
                               headers={"X-CSRF-Token": session["csrfToken"]})
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertError(self.me(token=session["token"]), 401, "unauthenticated")
        self.assertError(self.me(cookie=session["token"]), 401, "unauthenticated")

    def test_logout_by_bearer_ends_only_that_session(self):
        name = unique("logout2")
        self.stack.create_user(name, "viewer")
        first = self.stack.login(name, DEFAULT_PASSWORD)
        second = self.stack.login(name, DEFAULT_PASSWORD)
        self.assertStatus(self.stack.request("POST", "/api/v1/auth/logout", token=first["token"]), 204)
        self.assertError(self.me(token=first["token"]), 401, "unauthenticated")
        self.assertStatus(self.me(token=second["token"]), 200)

    # ------------------------------------------------------------------ me

    def test_me_lists_effective_permissions_per_role(self):
        uploader = self.stack.login(self.uploader_name, DEFAULT_PASSWORD)
        cases = (("viewer", self.viewer_login["token"], VIEWER),
                 ("uploader", uploader["token"], UPLOADER),
                 ("admin", self.stack.admin_token(), ADMIN))
        for role, token, expected in cases:
            with self.subTest(role=role):
                r = self.me(token=token)
                self.assertStatus(r, 200)
                body = r.json()
                self.assertEqual(body["user"]["role"], role)
                self.assertEqual(body["user"]["permissions"], [])
                self.assertEqual(body["effectivePermissions"], expected)
                self.assertEqual(find_secret_keys(body), [])

    # ------------------------------------------------------------------ password

    def test_password_change_ends_other_sessions_and_swaps_the_password(self):
        name = unique("pwchange")
        old, new = "old-password-1234", "new-password-5678"
        self.stack.create_user(name, "viewer", password=old)
        current = self.stack.login(name, old)
        other = self.stack.login(name, old)
        r = self.stack.request("POST", "/api/v1/auth/password", token=current["token"],
                               body={"currentPassword": old, "newPassword": new})
        self.assertStatus(r, 204)
        self.assertStatus(self.me(token=current["token"]), 200)
        self.assertError(self.me(token=other["token"]), 401, "unauthenticated")
        self.assertError(self.stack.login_response(name, old), 401, "invalid_credentials")
        self.assertEqual(self.stack.login(name, new)["user"]["username"], name)

    def test_password_change_by_cookie_needs_csrf(self):
        name = unique("pwcsrf")
        self.stack.create_user(name, "viewer")
        session = self.stack.login(name, DEFAULT_PASSWORD)
        body = {"currentPassword": DEFAULT_PASSWORD, "newPassword": "another-password-1"}
        r = self.stack.request("POST", "/api/v1/auth/password", cookie=session["token"], body=body)
        self.assertError(r, 403, "csrf_failed")
        r = self.stack.request("POST", "/api/v1/auth/password", cookie=session["token"], body=body,
                               headers={"X-CSRF-Token": session["csrfToken"]})
        self.assertStatus(r, 204)

    def test_password_change_with_wrong_current_password_is_403(self):
        name = unique("pwwrong")
        self.stack.create_user(name, "viewer")
        session = self.stack.login(name, DEFAULT_PASSWORD)
        r = self.stack.request("POST", "/api/v1/auth/password", token=session["token"],
                               body={"currentPassword": "not-the-password", "newPassword": "new-password-5678"})
        self.assertError(r, 403, "invalid_credentials")
        # Still the old password, and the session still works.
        self.assertStatus(self.me(token=session["token"]), 200)

    def test_password_change_rejects_a_short_new_password(self):
        r = self.stack.request("POST", "/api/v1/auth/password", token=self.viewer_login["token"],
                               body={"currentPassword": DEFAULT_PASSWORD, "newPassword": "short123"})
        self.assertError(r, 422, "validation_failed", field="newPassword")
        self.assertStatus(self.me(token=self.viewer_login["token"]), 200)

    # ------------------------------------------------------------------ status

    def test_inactive_user_cannot_log_in(self):
        name = unique("inactive")
        user = self.stack.create_user(name, "viewer", status="inactive")
        self.assertEqual(user["status"], "inactive")
        self.assertError(self.stack.login_response(name, DEFAULT_PASSWORD), 403, "account_inactive")
        # A wrong password is the usual 401 whatever the status.
        self.assertError(self.stack.login_response(name, "wrong-password-1"), 401, "invalid_credentials")

    def test_blocking_ends_open_sessions_at_once(self):
        name = unique("blocked")
        user = self.stack.create_user(name, "viewer")
        session = self.stack.login(name, DEFAULT_PASSWORD)
        self.assertStatus(self.me(token=session["token"]), 200)
        r = self.stack.request("PATCH", f"/api/v1/users/{user['id']}", body={"status": "blocked"},
                               token=self.stack.admin_token())
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "blocked")
        self.assertError(self.me(token=session["token"]), 401, "unauthenticated")
        self.assertError(self.stack.login_response(name, DEFAULT_PASSWORD), 403, "account_blocked")
        self.assertError(self.stack.login_response(name, "wrong-password-1"), 401, "invalid_credentials")

    def test_reactivated_user_can_log_in_again(self):
        name = unique("reactivate")
        user = self.stack.create_user(name, "viewer", status="inactive")
        r = self.stack.request("PATCH", f"/api/v1/users/{user['id']}", body={"status": "active"},
                               token=self.stack.admin_token())
        self.assertStatus(r, 200)
        self.assertEqual(self.stack.login(name, DEFAULT_PASSWORD)["user"]["status"], "active")


if __name__ == "__main__":
    unittest.main()
