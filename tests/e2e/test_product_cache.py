"""Product pages and facets kept by mofang-fcgi per catalogue version (migration 6): a change
through the API is visible at once in lists and facets that were answered before it, also when
the change goes through another mofang-fcgi process on the same database; and the kept answers
are really used while the version stays (checked by changing a row behind the server's back)."""

import os
import secrets
import sqlite3
import unittest
import urllib.parse

from stack import DEFAULT_PASSWORD, Stack, StackTestCase, query_string, unique

API = "/api/v1"


def nonzero(counts):
    return {k: v for k, v in counts.items() if v != 0}


def write_sql(stack, statement):
    """Run one writing statement on the stack's database, behind the server's back."""
    if stack.mysql_url:
        stack._mariadb(statement, database=stack.db_name)
        return
    conn = sqlite3.connect(os.path.join(stack.tmp, "mofang.db"), timeout=30)
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


class FrontEnd:
    """HTTP helpers bound to one nginx + mofang-fcgi (a Stack, or the second front end)."""

    def __init__(self, stack, token):
        self.stack = stack
        self.token = token

    def list(self, filters, **params):
        r = self.stack.request("GET", f"{API}/products?{query_string(dict(filters, **params))}", token=self.token)
        if r.status != 200:
            raise AssertionError(f"GET /products {filters}: {r!r}")
        return r.json()

    def names(self, filters, **params):
        return {p["id"]: p["name"] for p in self.list(filters, **params)["items"]}

    def facets(self, filters):
        r = self.stack.request("GET", f"{API}/products/facets?{query_string(filters)}", token=self.token)
        if r.status != 200:
            raise AssertionError(f"GET /products/facets {filters}: {r!r}")
        return r.json()

    def by_spu(self, spu):
        return self.stack.request("GET", f"{API}/products/by-spu/{urllib.parse.quote(spu, safe='')}",
                                  token=self.token)


def start_second_front_end(first):
    """A second mofang-fcgi on the first stack's configuration (so its database and storage),
    with its own socket and its own nginx on a free port, in a directory inside the first's.
    Stack.stop() of the returned object stops both processes and removes only that directory."""
    second = Stack()
    second.tmp = os.path.join(first.tmp, "second")
    os.makedirs(second.tmp)
    os.chmod(second.tmp, 0o755)
    os.symlink(os.path.join(first.tmp, "objects"), os.path.join(second.tmp, "objects"))
    second.socket_path = os.path.join(second.tmp, "fcgi.sock")
    second.config_path = first.config_path
    second.fcgi_log = os.path.join(second.tmp, "fcgi.log")
    second.nginx_prefix = os.path.join(second.tmp, "nginx")
    second.mysql_url = first.mysql_url
    second.db_name = None  # the first stack's database: dropped by the first stack only
    second._launch("second front end failed to start")
    return second


def _stop_second(second):
    problems = second.stop()
    if problems:
        raise AssertionError("the second front end did not stop cleanly: " + "; ".join(problems))


class ProductCacheTestCase(StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        viewer_name = unique("viewer")
        s.create_user(viewer_name, "viewer")
        cls.viewer = s.login(viewer_name, DEFAULT_PASSWORD)["token"]

    def create(self, stack=None, **fields):
        body = {"name": "缓存测试 " + secrets.token_hex(2), "spuCode": f"PC-{secrets.token_hex(4)}",
                "gender": "female", "ageRange": "adult", "scenarios": ["通勤"], "styles": ["简约"],
                "designers": {"threeDDesigner": "张三", "graphicDesigner": ""}}
        body.update(fields)
        r = (stack or self.stack).request("POST", f"{API}/products", body=body, token=self.admin)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def patch(self, product_id, body, stack=None):
        r = (stack or self.stack).request("PATCH", f"{API}/products/{product_id}", body=body, token=self.admin)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def delete(self, product_id, stack=None):
        r = (stack or self.stack).request("DELETE", f"{API}/products/{product_id}", token=self.admin)
        self.assertEqual(r.status, 204, r)


class ProductCacheTest(ProductCacheTestCase):
    """One mofang-fcgi: what a change does to lists and facets answered just before it."""

    def test_patch_and_delete_show_at_once_in_a_list_and_facets_answered_before(self):
        # A designer of this test's own: the facets of a kind ignore that kind's filter, so the
        # designer keeps other tests' products out of every count here.
        designer = "设计" + secrets.token_hex(3)
        tag = "缓存" + secrets.token_hex(3)
        made_by = {"threeDDesigner": designer, "graphicDesigner": ""}
        a = self.create(name="Alpha 商品", styles=[tag, "简约"], designers=made_by)
        b = self.create(name="Beta 商品", styles=[tag], designers=made_by)
        c = self.create(name="Gamma 商品", styles=[tag], gender="male", designers=made_by)
        view = FrontEnd(self.stack, self.viewer)
        filters = {"designer": designer, "style": tag, "gender": "female"}

        # Each answer twice: the second one can come from what the process kept.
        for _ in range(2):
            self.assertEqual(view.names(filters), {a["id"]: "Alpha 商品", b["id"]: "Beta 商品"})
            first_page = view.list(filters, limit=1)
            self.assertEqual([p["id"] for p in first_page["items"]], [b["id"]])  # newest first
            self.assertIsNotNone(first_page["nextCursor"])
            facets = view.facets(filters)
            self.assertEqual(nonzero(facets["gender"]), {"female": 2, "male": 1})
            self.assertEqual(nonzero(facets["style"]), {tag: 2, "简约": 1})

        # A rename and new styles.
        self.patch(a["id"], {"name": "Alpha 改名 😀", "styles": [tag, "复古"]})
        self.assertEqual(view.names(filters), {a["id"]: "Alpha 改名 😀", b["id"]: "Beta 商品"})
        by_id = {p["id"]: p for p in view.list(filters)["items"]}
        self.assertEqual(by_id[a["id"]]["styles"], [tag, "复古"])
        self.assertEqual(nonzero(view.facets(filters)["style"]), {tag: 2, "复古": 1})
        self.assertEqual(view.names({"designer": designer, "style": "简约"}), {})

        # A change of a filtered field: the product leaves the list, the facets follow.
        self.patch(b["id"], {"gender": "male"})
        self.assertEqual(view.names(filters), {a["id"]: "Alpha 改名 😀"})
        self.assertEqual(nonzero(view.facets(filters)["gender"]), {"female": 1, "male": 2})
        page = view.list(filters, limit=1)
        self.assertEqual([p["id"] for p in page["items"]], [a["id"]])
        self.assertIsNone(page["nextCursor"])

        # Delete: gone from the same list, its facets and by-spu.
        self.delete(a["id"])
        self.assertEqual(view.names(filters), {})
        self.assertEqual(view.list(filters, limit=1)["items"], [])
        facets = view.facets(filters)
        self.assertEqual(nonzero(facets["gender"]), {"male": 2})
        self.assertEqual(nonzero(facets["style"]), {})
        self.assertEqual(view.by_spu(a["spuCode"]).status, 404)
        self.assertEqual(view.names({"designer": designer}), {b["id"]: "Beta 商品", c["id"]: "Gamma 商品"})

    def test_a_create_shows_at_once_in_a_list_and_facets_answered_before(self):
        tag = "新建" + secrets.token_hex(3)
        view = FrontEnd(self.stack, self.viewer)
        for _ in range(2):
            self.assertEqual(view.names({"style": tag}), {})
            self.assertEqual(nonzero(view.facets({"style": tag})["gender"]), {})
        p = self.create(name="新来的", styles=[tag])
        self.assertEqual(view.names({"style": tag}), {p["id"]: "新来的"})
        self.assertEqual(nonzero(view.facets({"style": tag})["gender"]), {"female": 1})

    def test_kept_answers_are_used_while_the_version_stays(self):
        """White-box: a row changed behind the server's back (no version step) is not seen by a
        list answered before at the same version; one step of the version and it is."""
        tag = "旁路" + secrets.token_hex(3)
        p = self.create(name="Before", styles=[tag])
        view = FrontEnd(self.stack, self.viewer)
        self.assertEqual(view.names({"style": tag}), {p["id"]: "Before"})

        write_sql(self.stack, f"UPDATE products SET name = 'Behind' WHERE id = {int(p['id'])}")
        self.assertEqual(view.names({"style": tag}), {p["id"]: "Before"},
                         "the list was not kept: the cache is not in effect on this path")
        # The same filter spelled with a repeated value is the same kept answer; a single
        # product is never kept.
        self.assertEqual(view.names({"style": [tag, tag]}), {p["id"]: "Before"})
        r = self.stack.request("GET", f"{API}/products/{p['id']}", token=self.viewer)
        self.assertEqual(r.json()["name"], "Behind")

        write_sql(self.stack, "UPDATE catalogue_version SET version = version + 1 WHERE id = 1")
        self.assertEqual(view.names({"style": tag}), {p["id"]: "Behind"})


class TwoProcessProductCacheTest(ProductCacheTestCase):
    """Two mofang-fcgi processes on one database, each behind its own nginx: a change through one
    is visible at once through the other, whose kept pages predate it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.second = start_second_front_end(cls.stack)
        cls.addClassCleanup(_stop_second, cls.second)  # runs before the first stack's cleanup

    def test_a_change_through_one_process_is_seen_at_once_through_the_other(self):
        designer = "双进程" + secrets.token_hex(3)
        tag = "标签" + secrets.token_hex(3)
        made_by = {"threeDDesigner": "", "graphicDesigner": designer}
        one = FrontEnd(self.stack, self.viewer)
        two = FrontEnd(self.second, self.viewer)  # the same session: it lives in the database
        a = self.create(name="One", styles=[tag], designers=made_by)
        b = self.create(name="Two", styles=[tag], designers=made_by, stack=self.second)
        filters = {"designer": designer}
        for _ in range(2):
            for view in (one, two):
                self.assertEqual(view.names(filters), {a["id"]: "One", b["id"]: "Two"})
                self.assertEqual(nonzero(view.facets(filters)["gender"]), {"female": 2})
                self.assertEqual(nonzero(view.facets(filters)["style"]), {tag: 2})

        # Written through the second process, read through the first, and back.
        self.patch(a["id"], {"name": "One renamed", "gender": "male"}, stack=self.second)
        self.assertEqual(one.names(filters), {a["id"]: "One renamed", b["id"]: "Two"})
        self.assertEqual(nonzero(one.facets(filters)["gender"]), {"female": 1, "male": 1})
        self.assertEqual(two.names(filters), {a["id"]: "One renamed", b["id"]: "Two"})

        self.patch(b["id"], {"styles": [tag, "街头"]}, stack=self.stack)
        self.assertEqual(nonzero(two.facets(filters)["style"]), {tag: 2, "街头": 1})
        self.assertEqual({p["id"]: p["styles"] for p in two.list(filters)["items"]}[b["id"]], [tag, "街头"])

        self.delete(a["id"], stack=self.second)
        self.assertEqual(one.names(filters), {b["id"]: "Two"})
        self.assertEqual(nonzero(one.facets(filters)["gender"]), {"female": 1})
        self.assertEqual(nonzero(one.facets(filters)["style"]), {tag: 1, "街头": 1})
        self.assertEqual(one.by_spu(a["spuCode"]).status, 404)

        c = self.create(name="Three", styles=[tag], designers=made_by, stack=self.second)
        self.assertEqual(one.names(filters), {b["id"]: "Two", c["id"]: "Three"})

    def test_both_processes_keep_answers_until_the_version_moves(self):
        """White-box, as in ProductCacheTest: each process keeps its own answer at the version,
        and a version step made by either one (or by anyone) ends both."""
        tag = "两边" + secrets.token_hex(3)
        p = self.create(name="Kept", styles=[tag])
        views = (FrontEnd(self.stack, self.viewer), FrontEnd(self.second, self.viewer))
        for view in views:
            self.assertEqual(view.names({"style": tag}), {p["id"]: "Kept"})
        write_sql(self.stack, f"UPDATE products SET name = 'Changed' WHERE id = {int(p['id'])}")
        for view in views:
            self.assertEqual(view.names({"style": tag}), {p["id"]: "Kept"})
        # Any product change through either process steps the version for both.
        other = self.create(name="Unrelated", styles=["无关" + secrets.token_hex(3)], stack=self.second)
        for view in views:
            self.assertEqual(view.names({"style": tag}), {p["id"]: "Changed"})
        self.assertNotIn(other["id"], views[0].names({"style": tag}))


if __name__ == "__main__":
    unittest.main()
