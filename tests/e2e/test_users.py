"""User management end to end: /api/v1/users (SPEC §3, §5) and `mofangctl user ...`."""

import unittest

from stack import DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, find_secret_keys, unique


class UsersTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        cls.viewer_name = unique("viewer")
        cls.viewer = s.create_user(cls.viewer_name, "viewer")
        cls.viewer_token = s.login(cls.viewer_name, DEFAULT_PASSWORD)["token"]
        cls.uploader_name = unique("uploader")
        cls.uploader = s.create_user(cls.uploader_name, "uploader")
        cls.uploader_token = s.login(cls.uploader_name, DEFAULT_PASSWORD)["token"]

    def post_user(self, body, token=None):
        return self.stack.request("POST", "/api/v1/users", body=body, token=token or self.admin)

    def patch_user(self, user_id, body, token=None):
        return self.stack.request("PATCH", f"/api/v1/users/{user_id}", body=body, token=token or self.admin)

    def get_user(self, user_id, token=None):
        return self.stack.request("GET", f"/api/v1/users/{user_id}", token=token or self.admin)

    def me(self, token):
        r = self.stack.request("GET", "/api/v1/auth/me", token=token)
        self.assertStatus(r, 200)
        return r.json()

    def valid_body(self, **overrides):
        name = unique("user")
        body = {"username": name, "email": f"{name}@example.com", "password": DEFAULT_PASSWORD,
                "role": "viewer"}
        body.update(overrides)
        return body

    # ------------------------------------------------------------------ create / read

    def test_create_returns_201_with_the_record_and_no_password_hash(self):
        body = self.valid_body(role="uploader", permissions=["log.read"])
        r = self.post_user(body)
        self.assertStatus(r, 201)
        user = r.json()
        self.assertRegex(user["id"], r"^[1-9][0-9]*$")
        self.assertEqual(user["username"], body["username"])
        self.assertEqual(user["email"], body["email"])
        self.assertEqual(user["role"], "uploader")
        self.assertEqual(user["permissions"], ["log.read"])
        self.assertEqual(user["status"], "active")
        self.assertIsNone(user["lastLogin"])
        self.assertRegex(user["createdAt"], RFC3339_MS)
        self.assertRegex(user["updatedAt"], RFC3339_MS)
        self.assertEqual(find_secret_keys(user), [])
        self.assertNotIn(DEFAULT_PASSWORD.encode(), r.body)

        fetched = self.get_user(user["id"])
        self.assertStatus(fetched, 200)
        self.assertEqual(fetched.json(), user)

    def test_create_with_status(self):
        user = self.post_user(self.valid_body(status="inactive")).json()
        self.assertEqual(user["status"], "inactive")

    def test_unknown_user_is_404(self):
        self.assertError(self.get_user(987654321), 404, "not_found")
        self.assertError(self.patch_user(987654321, {"role": "viewer"}), 404, "not_found")

    def test_list_walks_every_user_once(self):
        created = {self.post_user(self.valid_body()).json()["id"] for _ in range(3)}
        items, pages = self.stack.walk("/api/v1/users", self.admin, limit=2)
        ids = [u["id"] for u in items]
        self.assertEqual(len(ids), len(set(ids)), ids)
        self.assertLessEqual(created | {self.viewer["id"], self.uploader["id"]}, set(ids))
        self.assertGreaterEqual(pages, 3)
        self.assertIn("admin", [u["username"] for u in items])
        self.assertEqual(find_secret_keys(items), [])
        # Without a limit (default 20) and above the maximum (clamped to 100): the same users.
        for query in ("", "?limit=1000"):
            with self.subTest(query=query):
                r = self.stack.request("GET", "/api/v1/users" + query, token=self.admin)
                self.assertStatus(r, 200)
                page = r.json()
                self.assertEqual(set(page), {"items", "nextCursor"})
                if len(ids) <= 20:
                    self.assertEqual({u["id"] for u in page["items"]}, set(ids))
                    self.assertIsNone(page["nextCursor"])

    def test_list_rejects_bad_limit_and_cursor(self):
        for query in ("limit=0", "limit=-1", "limit=abc", "cursor=%21%21not-a-cursor%21%21",
                      "cursor=" + "A" * 40):
            with self.subTest(query=query):
                r = self.stack.request("GET", f"/api/v1/users?{query}", token=self.admin)
                self.assertError(r, 400, "bad_request")

    # ------------------------------------------------------------------ validation

    def test_create_validation_names_the_field(self):
        base = self.valid_body()
        cases = [
            ("username", {"username": "ab"}),
            ("username", {"username": "a" * 33}),
            ("username", {"username": "bad name"}),
            ("username", {"username": "bad!name"}),
            ("username", {"username": "名字abc"}),
            ("username", {"username": 42}),
            ("username", {"username": None}),
            ("email", {"email": "not-an-email"}),
            ("email", {"email": "two@@example.com"}),
            ("email", {"email": ["a@example.com"]}),
            ("password", {"password": "123456789"}),
            ("password", {"password": 1234567890}),
            ("role", {"role": "superuser"}),
            ("role", {"role": 5}),
            ("role", {"role": "Admin"}),
            ("permissions", {"permissions": ["product.read", "fly.to.moon"]}),
            ("permissions", {"permissions": "x"}),
            ("permissions", {"permissions": [5]}),
            ("status", {"status": "sleeping"}),
            ("status", {"status": True}),
        ]
        for field, change in cases:
            with self.subTest(field=field, change=change):
                body = dict(base, **change)
                self.assertError(self.post_user(body), 422, "validation_failed", field=field)
        for field in ("username", "email", "password", "role"):
            with self.subTest(missing=field):
                body = {k: v for k, v in base.items() if k != field}
                self.assertError(self.post_user(body), 422, "validation_failed", field=field)
        # None of the refused requests left a row behind: the name and email are still free.
        self.assertStatus(self.post_user(base), 201)

    def test_boundary_usernames_are_accepted(self):
        for name in ("abc", "A.b-c_9", "z" * 32):
            with self.subTest(name=name):
                body = self.valid_body(username=name, email=f"{unique('b')}@example.com")
                r = self.post_user(body)
                self.assertStatus(r, 201)
                self.assertEqual(r.json()["username"], name)

    def test_patch_validation_names_the_field_and_changes_nothing(self):
        user = self.post_user(self.valid_body()).json()
        cases = [
            ("email", {"email": "nope"}),
            ("role", {"role": "god"}),
            ("role", {"role": 5}),
            ("permissions", {"permissions": ["x"]}),
            ("permissions", {"permissions": "product.read"}),
            ("status", {"status": "deleted"}),
            ("password", {"password": "short"}),
        ]
        for field, change in cases:
            with self.subTest(field=field, change=change):
                self.assertError(self.patch_user(user["id"], change), 422, "validation_failed", field=field)
        # A request that is partly valid is refused as a whole.
        r = self.patch_user(user["id"], {"role": "uploader", "permissions": ["nope"]})
        self.assertError(r, 422, "validation_failed", field="permissions")
        self.assertEqual(self.get_user(user["id"]).json(), user)

    # ------------------------------------------------------------------ conflicts

    def test_duplicate_username_or_email_is_409_case_insensitively(self):
        first = self.valid_body()
        self.assertStatus(self.post_user(first), 201)
        same_name = self.valid_body(username=first["username"].upper())
        self.assertError(self.post_user(same_name), 409, "conflict", field="username")
        same_email = self.valid_body(email=first["email"].upper())
        self.assertError(self.post_user(same_email), 409, "conflict", field="email")

    def test_patch_to_another_users_email_is_409(self):
        a = self.post_user(self.valid_body()).json()
        b = self.post_user(self.valid_body()).json()
        r = self.patch_user(b["id"], {"email": a["email"].upper()})
        self.assertError(r, 409, "conflict", field="email")
        self.assertEqual(self.get_user(b["id"]).json()["email"], b["email"])

    # ------------------------------------------------------------------ update

    def test_patch_updates_each_field(self):
        user = self.post_user(self.valid_body()).json()
        new_email = f"{unique('moved')}@example.com"
        r = self.patch_user(user["id"], {"email": new_email, "role": "uploader",
                                          "permissions": ["log.read", "download.read_all"]})
        self.assertStatus(r, 200)
        updated = r.json()
        self.assertEqual(updated["email"], new_email)
        self.assertEqual(updated["role"], "uploader")
        self.assertEqual(sorted(updated["permissions"]), ["download.read_all", "log.read"])
        self.assertEqual(updated["username"], user["username"])
        self.assertEqual(updated["createdAt"], user["createdAt"])
        self.assertEqual(find_secret_keys(updated), [])
        self.assertEqual(self.get_user(user["id"]).json(), updated)

        r = self.patch_user(user["id"], {"status": "inactive"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "inactive")

    def test_password_reset_by_admin(self):
        body = self.valid_body()
        user = self.post_user(body).json()
        new_password = "reset-by-admin-42"
        r = self.patch_user(user["id"], {"password": new_password})
        self.assertStatus(r, 200)
        self.assertEqual(find_secret_keys(r.json()), [])
        self.assertError(self.stack.login_response(body["username"], body["password"]), 401,
                         "invalid_credentials")
        self.assertEqual(self.stack.login(body["username"], new_password)["user"]["id"], user["id"])

    def test_grants_and_role_changes_reach_open_sessions_at_once(self):
        body = self.valid_body()
        user = self.post_user(body).json()
        token = self.stack.login(body["username"], body["password"])["token"]
        self.assertNotIn("log.read", self.me(token)["effectivePermissions"])
        self.assertError(self.stack.request("GET", "/api/v1/operation-logs", token=token), 403, "forbidden")

        self.assertStatus(self.patch_user(user["id"], {"permissions": ["log.read"]}), 200)
        me = self.me(token)
        self.assertEqual(me["user"]["permissions"], ["log.read"])
        self.assertIn("log.read", me["effectivePermissions"])
        self.assertStatus(self.stack.request("GET", "/api/v1/operation-logs", token=token), 200)

        self.assertStatus(self.patch_user(user["id"], {"permissions": [], "role": "uploader"}), 200)
        me = self.me(token)
        self.assertNotIn("log.read", me["effectivePermissions"])
        self.assertIn("model.generate", me["effectivePermissions"])
        self.assertError(self.stack.request("GET", "/api/v1/operation-logs", token=token), 403, "forbidden")

        self.assertStatus(self.patch_user(user["id"], {"role": "admin"}), 200)
        r = self.stack.request("GET", "/api/v1/users", token=token)
        self.assertStatus(r, 200)

    # ------------------------------------------------------------------ access

    def test_non_admins_get_403_on_every_users_route(self):
        target = self.viewer["id"]
        new = self.valid_body()
        for who, token in (("viewer", self.viewer_token), ("uploader", self.uploader_token)):
            for method, path, body in (("GET", "/api/v1/users", None),
                                       ("POST", "/api/v1/users", new),
                                       ("GET", f"/api/v1/users/{target}", None),
                                       ("PATCH", f"/api/v1/users/{target}", {"role": "admin"})):
                with self.subTest(who=who, method=method, path=path):
                    r = self.stack.request(method, path, body=body, token=token)
                    self.assertError(r, 403, "forbidden")
        self.assertEqual(self.me(self.viewer_token)["user"]["role"], "viewer")

    def test_users_routes_need_a_session(self):
        for method, path in (("GET", "/api/v1/users"), ("POST", "/api/v1/users"),
                             ("GET", f"/api/v1/users/{self.viewer['id']}"),
                             ("PATCH", f"/api/v1/users/{self.viewer['id']}")):
            with self.subTest(method=method, path=path):
                body = None if method == "GET" else {"role": "admin"}
                self.assertError(self.stack.request(method, path, body=body), 401, "unauthenticated")

    # ------------------------------------------------------------------ mofangctl

    def find_by_username(self, username):
        items, _ = self.stack.walk("/api/v1/users", self.admin, limit=100)
        matches = [u for u in items if u["username"] == username]
        self.assertEqual(len(matches), 1, f"{username} in {[u['username'] for u in items]}")
        return matches[0]

    def test_mofangctl_user_create_passwd_and_block(self):
        name = unique("ctl")
        first, second = "ctl-password-001", "ctl-password-002"
        p = self.stack.ctl("user", "create", "--username", name, "--email", f"{name}@example.com",
                           "--password", first, "--role", "uploader")
        self.assertEqual(p.returncode, 0, p.stderr)
        user = self.find_by_username(name)
        self.assertEqual(user["role"], "uploader")
        self.assertEqual(user["email"], f"{name}@example.com")
        session = self.stack.login(name, first)
        self.assertEqual(session["user"]["id"], user["id"])

        p = self.stack.ctl("user", "passwd", "--username", name, "--password", second)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertError(self.stack.login_response(name, first), 401, "invalid_credentials")
        session = self.stack.login(name, second)

        p = self.stack.ctl("user", "block", "--username", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.get_user(user["id"]).json()["status"], "blocked")
        self.assertError(self.stack.request("GET", "/api/v1/auth/me", token=session["token"]), 401,
                         "unauthenticated")
        self.assertError(self.stack.login_response(name, second), 403, "account_blocked")

    def test_mofangctl_refuses_bad_input_with_a_message(self):
        name = unique("ctlbad")
        cases = (
            ("unknown role", ["user", "create", "--username", name, "--email", f"{name}@example.com",
                              "--password", DEFAULT_PASSWORD, "--role", "emperor"]),
            ("short password", ["user", "create", "--username", name, "--email", f"{name}@example.com",
                                "--password", "short", "--role", "viewer"]),
            ("duplicate username", ["user", "create", "--username", self.viewer_name.upper(),
                                    "--email", f"{name}@example.com", "--password", DEFAULT_PASSWORD,
                                    "--role", "viewer"]),
            ("passwd of unknown user", ["user", "passwd", "--username", unique("ghost"),
                                        "--password", DEFAULT_PASSWORD]),
            ("block of unknown user", ["user", "block", "--username", unique("ghost")]),
            ("unknown command", ["frobnicate"]),
        )
        for what, args in cases:
            with self.subTest(what):
                p = self.stack.ctl(*args)
                self.assertNotEqual(p.returncode, 0, p)
                self.assertTrue(p.stderr.strip(), p)
        # The refused create left nothing behind.
        items, _ = self.stack.walk("/api/v1/users", self.admin, limit=100)
        self.assertNotIn(name, [u["username"] for u in items])

    def test_mofangctl_migrate_and_check_succeed_on_a_running_stack(self):
        for args in (["migrate"], ["check"]):
            with self.subTest(args=args):
                p = self.stack.ctl(*args)
                self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
