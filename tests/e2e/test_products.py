"""Products end to end (SPEC §3, §4, §5): CRUD, permissions, validation, duplicate SPU codes, soft
delete, the operation log, and the catalogue list — filters, facets and keyset paging — checked
against a small seeded catalogue and a Python model of the filter rules."""

import base64
import collections
import concurrent.futures
import json
import math
import os
import secrets
import threading
import unittest
import urllib.parse

from stack import DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, query_string, unique

API = "/api/v1"
PRODUCT_KEYS = {"id", "name", "spuCode", "gender", "ageRange", "scenarios", "styles", "designers", "createdAt",
                "updatedAt", "createdBy"}
FACET_KINDS = ("gender", "ageRange", "scenario", "style")
GENDERS = ("male", "female", "unisex")
AGE_RANGES = ("adult", "youth", "kids")
ON_MYSQL = bool(os.environ.get("MOFANG_TEST_MYSQL"))


def new_spu(prefix="SPU"):
    return f"{prefix}-{secrets.token_hex(4)}"


def product_body(**overrides):
    """A valid create body; keyword arguments replace fields (None removes one)."""
    body = {"name": "春季通勤衬衫", "spuCode": new_spu(), "gender": "female", "ageRange": "adult",
            "scenarios": ["通勤"], "styles": ["简约"],
            "designers": {"threeDDesigner": "张三", "graphicDesigner": "李四"}}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def model_matches(p, filters):
    """The SPEC §5 filter rules for one product JSON (kinds AND, repeated values OR)."""
    for kind, value in filters.items():
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if kind == "gender" and p["gender"] not in values:
            return False
        if kind == "ageRange" and p["ageRange"] not in values:
            return False
        if kind == "scenario" and values and not set(values) & set(p["scenarios"]):
            return False
        if kind == "style" and values and not set(values) & set(p["styles"]):
            return False
        if kind == "designer" and value not in (p["designers"]["threeDDesigner"],
                                                p["designers"]["graphicDesigner"]):
            return False
        if kind == "q" and value:
            q = value.lower()
            if q not in p["name"].lower() and not p["spuCode"].lower().startswith(q):
                return False
    return True


def created_key(p):
    return (p["createdAt"], int(p["id"]))


class ProductTestCase(StackTestCase):
    """Tokens for each role, reused by every test of the class (logins cost ~0.1 s or more)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        cls.admin_user = s.admin_session()["user"]
        cls.viewer_name = unique("viewer")
        cls.viewer_user = s.create_user(cls.viewer_name, "viewer")
        cls.viewer = s.login(cls.viewer_name, DEFAULT_PASSWORD)["token"]
        cls.uploader_name = unique("uploader")
        cls.uploader_user = s.create_user(cls.uploader_name, "uploader")
        cls.uploader_login = s.login(cls.uploader_name, DEFAULT_PASSWORD)
        cls.uploader = cls.uploader_login["token"]

    def post(self, body, token=None, headers=None):
        return self.stack.request("POST", f"{API}/products", body=body, token=token or self.uploader,
                                  headers=headers)

    def create(self, token=None, **overrides):
        r = self.post(product_body(**overrides), token=token)
        self.assertStatus(r, 201)
        return r.json()

    def get(self, product_id, token=None, query=""):
        return self.stack.request("GET", f"{API}/products/{product_id}{query}", token=token or self.viewer)

    def patch(self, product_id, body, token=None, headers=None):
        return self.stack.request("PATCH", f"{API}/products/{product_id}", body=body, token=token or self.uploader,
                                  headers=headers)

    def delete(self, product_id, token=None, headers=None):
        return self.stack.request("DELETE", f"{API}/products/{product_id}", token=token or self.admin,
                                  headers=headers)

    def by_spu(self, spu, token=None):
        return self.stack.request("GET", f"{API}/products/by-spu/{urllib.parse.quote(spu, safe='')}",
                                  token=token or self.viewer)

    def list_page(self, filters=None, token=None, **params):
        query = query_string(dict(filters or {}, **params))
        return self.stack.request("GET", f"{API}/products" + (f"?{query}" if query else ""),
                                  token=token or self.viewer)

    def facets(self, filters=None, token=None):
        query = query_string(filters or {})
        return self.stack.request("GET", f"{API}/products/facets" + (f"?{query}" if query else ""),
                                  token=token or self.viewer)

    def walk(self, filters=None, limit=100, sort=None):
        """Every product of a filtered list, page by page; asserts none comes twice."""
        params = dict(filters or {})
        if sort:
            params["sort"] = sort
        query = query_string(params)
        items, pages = self.stack.walk(f"{API}/products" + (f"?{query}" if query else ""), self.viewer, limit)
        ids = [p["id"] for p in items]
        self.assertEqual(len(ids), len(set(ids)), f"a product came twice: {ids}")
        return items, pages

    def ids(self, filters=None, sort=None):
        return {p["id"] for p in self.walk(filters, sort=sort)[0]}

    def logs(self, product_id, action=None):
        query = {"targetType": "product", "targetId": product_id, "limit": 100}
        if action:
            query["action"] = action
        r = self.stack.request("GET", f"{API}/operation-logs?" + urllib.parse.urlencode(query), token=self.admin)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def assertProductShape(self, p):
        self.assertEqual(set(p), PRODUCT_KEYS, p)
        self.assertRegex(p["id"], r"^[1-9][0-9]*$")
        self.assertRegex(p["createdBy"], r"^[1-9][0-9]*$")
        self.assertRegex(p["createdAt"], RFC3339_MS)
        self.assertRegex(p["updatedAt"], RFC3339_MS)
        self.assertEqual(set(p["designers"]), {"threeDDesigner", "graphicDesigner"})


# ============================================================================ CRUD


class ProductCrudTest(ProductTestCase):

    # ------------------------------------------------------------------ create / read

    def test_create_returns_201_with_the_record(self):
        body = product_body(name="  春季通勤衬衫 Spring  ", scenarios=[" 通勤 ", "度假"], styles=["简约", "复古"],
                            designers={"threeDDesigner": " 张三 ", "graphicDesigner": "李四"})
        r = self.post(body)
        self.assertStatus(r, 201)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"))
        p = r.json()
        self.assertProductShape(p)
        self.assertEqual(p["name"], "春季通勤衬衫 Spring")  # trimmed
        self.assertEqual(p["spuCode"], body["spuCode"])
        self.assertEqual(p["gender"], "female")
        self.assertEqual(p["ageRange"], "adult")
        self.assertEqual(p["scenarios"], ["通勤", "度假"])
        self.assertEqual(p["styles"], ["简约", "复古"])
        self.assertEqual(p["designers"], {"threeDDesigner": "张三", "graphicDesigner": "李四"})
        self.assertEqual(p["createdBy"], self.uploader_user["id"])
        self.assertEqual(p["createdAt"], p["updatedAt"])
        # The same record from every read route.
        r = self.get(p["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), p)
        r = self.by_spu(p["spuCode"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), p)

    def test_designers_default_to_empty_strings(self):
        p = self.create(designers=None)
        self.assertEqual(p["designers"], {"threeDDesigner": "", "graphicDesigner": ""})
        p = self.create(designers={"graphicDesigner": "王五"})
        self.assertEqual(p["designers"], {"threeDDesigner": "", "graphicDesigner": "王五"})

    def test_chinese_and_emoji_round_trip(self):
        tag = "限定款🎉" + secrets.token_hex(2)
        body = product_body(name="男士纯棉圆领T恤👕 夏季", scenarios=["日常通勤", tag], styles=["国潮", "极简🖤"],
                            designers={"threeDDesigner": "欧阳娜娜", "graphicDesigner": "𠀋𠀌"})
        p = self.create(**body)
        for r in (self.get(p["id"]), self.by_spu(body["spuCode"])):
            self.assertStatus(r, 200)
            got = r.json()
            self.assertEqual(got["name"], body["name"])
            self.assertEqual(got["scenarios"], body["scenarios"])
            self.assertEqual(got["styles"], body["styles"])
            self.assertEqual(got["designers"], body["designers"])
        # The tags, designers and name work as filters too.
        self.assertEqual(self.ids({"scenario": tag}), {p["id"]})
        self.assertIn(p["id"], self.ids({"designer": "𠀋𠀌", "q": "纯棉圆领"}))
        r = self.facets({"scenario": tag})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["style"], {"国潮": 1, "极简🖤": 1})
        self.assertEqual(r.json()["scenario"][tag], 1)

    def test_name_length_is_counted_in_characters_after_trimming(self):
        ok = [("ab", "ab"), ("  ab  ", "ab"), ("中" * 100, "中" * 100), ("😀" * 100, "😀" * 100),
              ("  " + "中" * 100 + "  ", "中" * 100), ("中文", "中文")]
        for name, stored in ok:
            with self.subTest(name=name):
                r = self.post(product_body(name=name))
                self.assertStatus(r, 201)
                self.assertEqual(r.json()["name"], stored)
        for name in ("", "x", "  x  ", "中", "   ", "中" * 101, "a" * 101, "😀" * 101):
            with self.subTest(name=name):
                self.assertError(self.post(product_body(name=name)), 422, "validation_failed", "name")

    # ------------------------------------------------------------------ validation

    INVALID_FIELDS = [
        # (description, overrides, field named in error.details)
        ("name missing", {"name": None}, "name"),
        ("name too short", {"name": "x"}, "name"),
        ("spuCode missing", {"spuCode": None}, "spuCode"),
        ("spuCode empty", {"spuCode": ""}, "spuCode"),
        ("spuCode one character", {"spuCode": "A"}, "spuCode"),
        ("spuCode 65 characters", {"spuCode": "A" * 65}, "spuCode"),
        ("spuCode leading dash", {"spuCode": "-AB12"}, "spuCode"),
        ("spuCode leading dot", {"spuCode": ".AB12"}, "spuCode"),
        ("spuCode leading underscore", {"spuCode": "_AB12"}, "spuCode"),
        ("spuCode with space", {"spuCode": "AB 12"}, "spuCode"),
        ("spuCode with slash", {"spuCode": "AB/12"}, "spuCode"),
        ("spuCode with Chinese", {"spuCode": "AB款12"}, "spuCode"),
        ("spuCode with umlaut", {"spuCode": "ÄB12"}, "spuCode"),
        ("spuCode padded", {"spuCode": " AB12 "}, "spuCode"),
        ("gender missing", {"gender": None}, "gender"),
        ("gender unknown", {"gender": "robot"}, "gender"),
        ("gender wrong case", {"gender": "Female"}, "gender"),
        ("ageRange missing", {"ageRange": None}, "ageRange"),
        ("ageRange unknown", {"ageRange": "senior"}, "ageRange"),
        ("scenarios missing", {"scenarios": None}, "scenarios"),
        ("scenarios empty", {"scenarios": []}, "scenarios"),
        ("scenarios 21 values", {"scenarios": [f"s{i}" for i in range(21)]}, "scenarios"),
        ("scenarios empty string", {"scenarios": ["通勤", ""]}, "scenarios[1]"),
        ("scenarios blank string", {"scenarios": ["   "]}, "scenarios[0]"),
        ("scenarios duplicate", {"scenarios": ["通勤", "度假", "通勤"]}, "scenarios[2]"),
        ("scenarios duplicate after trim", {"scenarios": ["通勤", " 通勤 "]}, "scenarios[1]"),
        ("scenarios 33 characters", {"scenarios": ["a", "中" * 33]}, "scenarios[1]"),
        ("scenarios control character", {"scenarios": ["a\u0001b"]}, "scenarios[0]"),
        ("styles missing", {"styles": None}, "styles"),
        ("styles empty", {"styles": []}, "styles"),
        ("styles 21 values", {"styles": [f"s{i}" for i in range(21)]}, "styles"),
        ("styles empty string", {"styles": [""]}, "styles[0]"),
        ("styles duplicate", {"styles": ["简约", "复古", "简约"]}, "styles[2]"),
        ("styles 33 characters", {"styles": ["x" * 33]}, "styles[0]"),
        ("threeDDesigner 65 characters", {"designers": {"threeDDesigner": "设" * 65}}, "designers.threeDDesigner"),
        ("graphicDesigner 65 characters", {"designers": {"graphicDesigner": "g" * 65}},
         "designers.graphicDesigner"),
    ]

    TYPE_ERRORS = [
        ("name number", {"name": 12345}, "name"),
        ("name array", {"name": ["春季"]}, "name"),
        ("name object", {"name": {"zh": "春季"}}, "name"),
        ("name boolean", {"name": True}, "name"),
        ("spuCode number", {"spuCode": 12345}, "spuCode"),
        ("gender number", {"gender": 1}, "gender"),
        ("ageRange array", {"ageRange": ["adult"]}, "ageRange"),
        ("scenarios string", {"scenarios": "通勤"}, "scenarios"),
        ("scenarios object", {"scenarios": {"0": "通勤"}}, "scenarios"),
        ("scenarios number element", {"scenarios": ["通勤", 7]}, "scenarios[1]"),
        ("scenarios null element", {"scenarios": [None]}, "scenarios[0]"),
        ("scenarios nested array", {"scenarios": [["通勤"]]}, "scenarios[0]"),
        ("styles number", {"styles": 3}, "styles"),
        ("styles object element", {"styles": [{"a": 1}]}, "styles[0]"),
        ("designers string", {"designers": "张三"}, "designers"),
        ("designers array", {"designers": ["张三"]}, "designers"),
        ("designers number", {"designers": 5}, "designers"),
        ("threeDDesigner number", {"designers": {"threeDDesigner": 5}}, "designers.threeDDesigner"),
        ("graphicDesigner array", {"designers": {"graphicDesigner": ["李四"]}}, "designers.graphicDesigner"),
    ]

    def test_create_rejects_each_invalid_field_naming_it(self):
        for desc, overrides, field in self.INVALID_FIELDS + self.TYPE_ERRORS:
            with self.subTest(desc):
                body = product_body(**overrides)
                r = self.post(body)
                self.assertError(r, 422, "validation_failed", field)
                spu = body.get("spuCode")
                if isinstance(spu, str) and spu.strip():
                    self.assertEqual(self.by_spu(spu).status, 404, "a rejected create must leave no row")

    def test_create_names_every_missing_field_at_once(self):
        r = self.post({})
        self.assertError(r, 422, "validation_failed")
        fields = set(r.error_fields)
        self.assertLessEqual({"name", "spuCode", "gender", "ageRange", "scenarios", "styles"}, fields, r)

    def test_patch_rejects_each_invalid_field_and_changes_nothing(self):
        p = self.create()
        cases = [c for c in self.INVALID_FIELDS + self.TYPE_ERRORS if not c[0].endswith("missing")]
        for desc, overrides, field in cases:
            with self.subTest(desc):
                r = self.patch(p["id"], overrides)
                self.assertError(r, 422, "validation_failed", field)
        after = self.get(p["id"]).json()
        self.assertEqual(after, p)
        self.assertEqual([e["action"] for e in self.logs(p["id"])], ["product.create"],
                         "a rejected update must write no log entry")

    def test_boundary_values_are_accepted(self):
        tags = [f"{i:02d}" + "标" * 30 for i in range(20)]  # 20 distinct tags of exactly 32 characters
        body = product_body(spuCode="A" + secrets.token_hex(3) + "z" * 57, name="名" * 100, scenarios=tags,
                            styles=tags, designers={"threeDDesigner": "设" * 64, "graphicDesigner": "🎨" * 64})
        self.assertEqual(len(body["spuCode"]), 64)
        p = self.create(**body)
        self.assertEqual(p["scenarios"], tags)
        got = self.get(p["id"]).json()
        self.assertEqual(got["scenarios"], tags)
        self.assertEqual(got["styles"], tags)
        self.assertEqual(got["designers"], body["designers"])
        for spu in ("ab", "A1", "0.x", "a_b-c.d", "Z" + secrets.token_hex(4) + "._-"):
            with self.subTest(spu=spu):
                if spu in ("ab", "A1", "0.x", "a_b-c.d"):
                    spu = spu + secrets.token_hex(3)
                r = self.post(product_body(spuCode=spu))
                self.assertStatus(r, 201)
                self.assertEqual(r.json()["spuCode"], spu)
        for gender in GENDERS:
            for age in AGE_RANGES:
                self.assertStatus(self.post(product_body(gender=gender, ageRange=age)), 201)

    # ------------------------------------------------------------------ bodies

    def test_bad_bodies_are_400_or_415(self):
        url = f"{API}/products"
        json_type = {"Content-Type": "application/json"}
        valid = product_body()
        raw_valid = json.dumps(valid, ensure_ascii=False).encode("utf-8")
        cases = [
            ("invalid UTF-8", raw_valid.replace("春".encode(), b"\xe6\x98"), 400, "bad_request"),
            ("latin-1 bytes", raw_valid.replace("春".encode(), b"\xe9t\xe9"), 400, "bad_request"),
            ("malformed JSON", b'{"name": "abc",', 400, "bad_request"),
            ("JSON array", b"[1, 2]", 400, "bad_request"),
            ("JSON string", b'"abc"', 400, "bad_request"),
            ("empty body", b"", 400, "bad_request"),
        ]
        for desc, raw, status, code in cases:
            with self.subTest(desc):
                r = self.stack.request("POST", url, raw=raw, headers=json_type, token=self.uploader)
                self.assertError(r, status, code)
        self.assertEqual(self.by_spu(valid["spuCode"]).status, 404)
        r = self.stack.request("POST", url, raw=raw_valid, headers={"Content-Type": "text/plain"},
                               token=self.uploader)
        self.assertError(r, 415, "unsupported_media_type")
        # A lone surrogate escape is not a character: never stored, never a 5xx.
        r = self.stack.request("POST", url, raw=b'{"name": "\\udc00ab", "spuCode": "SURR-1", "gender": "male", '
                               b'"ageRange": "adult", "scenarios": ["a"], "styles": ["b"]}', headers=json_type,
                               token=self.uploader)
        self.assertIn(r.status, (400, 422), r)
        self.assertIn(r.error_code, ("bad_request", "validation_failed"), r)
        # Invalid UTF-8 in a PATCH too.
        p = self.create()
        r = self.stack.request("PATCH", f"{url}/{p['id']}", raw=b'{"name": "\xff\xfeab"}', headers=json_type,
                               token=self.uploader)
        self.assertError(r, 400, "bad_request")
        self.assertEqual(self.get(p["id"]).json(), p)

    # ------------------------------------------------------------------ duplicates

    def test_duplicate_spu_code_is_409_case_insensitively(self):
        spu = new_spu("Dup")
        first = self.create(spuCode=spu)
        for variant in (spu, spu.upper(), spu.lower()):
            with self.subTest(variant=variant):
                self.assertError(self.post(product_body(spuCode=variant)), 409, "conflict", "spuCode")
        # Renaming another product onto it is a conflict too; its own code in another case is not.
        other = self.create()
        self.assertError(self.patch(other["id"], {"spuCode": spu.swapcase()}), 409, "conflict", "spuCode")
        self.assertEqual(self.get(other["id"]).json(), other)
        r = self.patch(first["id"], {"spuCode": spu.swapcase()})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["spuCode"], spu.swapcase())  # stored as given
        r = self.patch(first["id"], {"spuCode": spu})
        self.assertStatus(r, 200)

    def race(self, make_body, threads=8):
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda i: self.post(make_body(i)), range(threads)))

    def test_concurrent_creates_with_one_spu_code_make_one_product(self):
        spu = new_spu("Race")
        results = self.race(lambda i: product_body(spuCode=spu if i % 2 else spu.lower(), name=f"竞争 {i}"))
        created = [r for r in results if r.status == 201]
        self.assertEqual(len(created), 1, results)
        found = self.by_spu(spu)
        self.assertStatus(found, 200)
        self.assertEqual(found.json()["id"], created[0].json()["id"])
        self.assertEqual([e["action"] for e in self.logs(created[0].json()["id"])], ["product.create"])

    def test_concurrent_duplicate_creates_are_409_naming_the_spu_code(self):
        """Creates racing for one SPU code: one 201, every other one a 409 naming spuCode (never a 5xx)."""
        for round_ in range(20):
            spu = new_spu("RaceF")
            results = self.race(lambda i: product_body(spuCode=spu))
            self.assertEqual(sum(r.status == 201 for r in results), 1, results)
            for r in results:
                if r.status != 201:
                    self.assertError(r, 409, "conflict", "spuCode")


    # ------------------------------------------------------------------ patch

    def test_patch_changes_only_the_given_fields(self):
        p = self.create(scenarios=["通勤", "约会"], styles=["简约"])
        r = self.patch(p["id"], {"name": "  改名后的商品  "})
        self.assertStatus(r, 200)
        q = r.json()
        self.assertProductShape(q)
        self.assertEqual(q["name"], "改名后的商品")
        for k in PRODUCT_KEYS - {"name", "updatedAt"}:
            self.assertEqual(q[k], p[k], k)
        self.assertGreaterEqual(q["updatedAt"], p["updatedAt"])
        self.assertEqual(self.get(p["id"]).json(), q)

        r = self.patch(p["id"], {"designers": {"graphicDesigner": "赵六"}})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["designers"], {"threeDDesigner": "张三", "graphicDesigner": "赵六"})

        tag = "新场景" + secrets.token_hex(3)
        r = self.patch(p["id"], {"scenarios": [tag, "居家"], "gender": "unisex", "ageRange": "kids"})
        self.assertStatus(r, 200)
        q = r.json()
        self.assertEqual((q["scenarios"], q["gender"], q["ageRange"]), ([tag, "居家"], "unisex", "kids"))
        self.assertEqual(q["styles"], ["简约"])
        # The tag index follows: the new tag finds it, an old one no longer does.
        self.assertEqual(self.ids({"scenario": tag}), {p["id"]})
        self.assertNotIn(p["id"], self.ids({"scenario": "约会"}))
        self.assertIn(p["id"], self.ids({"scenario": "居家", "gender": "unisex", "ageRange": "kids"}))

    def test_patch_with_an_empty_object_or_nulls_changes_nothing(self):
        p = self.create()
        r = self.patch(p["id"], {})
        self.assertStatus(r, 200)
        q = r.json()
        same = PRODUCT_KEYS - {"updatedAt"}
        self.assertEqual({k: q[k] for k in same}, {k: p[k] for k in same})
        r = self.patch(p["id"], {"name": None, "designers": None})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["name"], p["name"])
        self.assertEqual(r.json()["designers"], p["designers"])

    # ------------------------------------------------------------------ not found

    def test_unknown_and_malformed_ids_are_404(self):
        for pid in ("999999999", "0", "-1", "abc", "1.5", "1e3", "99999999999999999999999", "%20"):
            with self.subTest(id=pid):
                self.assertError(self.get(pid), 404, "not_found")
                self.assertError(self.patch(pid, {"name": "whatever"}), 404, "not_found")
                self.assertError(self.delete(pid), 404, "not_found")
        self.assertError(self.by_spu("NOPE-" + secrets.token_hex(4)), 404, "not_found")
        self.assertError(self.by_spu("中文编码"), 404, "not_found")

    def test_by_spu_finds_the_product(self):
        spu = new_spu("BySpu")
        p = self.create(spuCode=spu)
        r = self.by_spu(spu)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), p)
        r = self.by_spu(spu, token=self.admin)
        self.assertEqual(r.json()["id"], p["id"])

    def test_include_modules_embeds_the_modules(self):
        p = self.create()
        for path in (f"{API}/products/{p['id']}", f"{API}/products/by-spu/{p['spuCode']}"):
            with self.subTest(path=path):
                r = self.stack.request("GET", path + "?include=modules", token=self.viewer)
                self.assertStatus(r, 200)
                self.assertEqual(r.json()["modules"], [])
                self.assertNotIn("modules", self.stack.request("GET", path, token=self.viewer).json())
                r = self.stack.request("GET", path + "?include=everything", token=self.viewer)
                self.assertError(r, 400, "bad_request", "include")

    def test_wrong_method_is_405(self):
        p = self.create()
        for method, path in (("PUT", f"{API}/products/{p['id']}"), ("DELETE", f"{API}/products"),
                             ("POST", f"{API}/products/facets"), ("PUT", f"{API}/products")):
            with self.subTest(method=method, path=path):
                r = self.stack.request(method, path, token=self.admin, body={})
                self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(self.get(p["id"]).json(), p)

    # ------------------------------------------------------------------ permissions

    def test_anonymous_requests_are_401(self):
        p = self.create()
        pid = p["id"]
        routes = [("GET", f"{API}/products", None), ("GET", f"{API}/products/facets", None),
                  ("POST", f"{API}/products", product_body()), ("GET", f"{API}/products/{pid}", None),
                  ("PATCH", f"{API}/products/{pid}", {"name": "匿名修改"}), ("DELETE", f"{API}/products/{pid}", None),
                  ("GET", f"{API}/products/by-spu/{p['spuCode']}", None),
                  ("GET", f"{API}/products/999999999", None)]
        for method, path, body in routes:
            for token in (None, "not-a-real-token"):
                with self.subTest(method=method, path=path, token=token):
                    r = self.stack.request(method, path, body=body, token=token)
                    self.assertError(r, 401, "unauthenticated")
        self.assertEqual(self.get(pid).json(), p)

    def test_viewer_reads_but_cannot_write(self):
        p = self.create()
        self.assertStatus(self.get(p["id"], token=self.viewer), 200)
        self.assertStatus(self.list_page(token=self.viewer), 200)
        self.assertStatus(self.facets(token=self.viewer), 200)
        body = product_body()
        self.assertError(self.post(body, token=self.viewer), 403, "forbidden")
        self.assertError(self.by_spu(body["spuCode"]), 404, "not_found")
        self.assertError(self.patch(p["id"], {"name": "查看者修改"}, token=self.viewer), 403, "forbidden")
        self.assertError(self.delete(p["id"], token=self.viewer), 403, "forbidden")
        # Even an invalid body is refused for the permission first (nothing about the body leaks).
        self.assertError(self.post({"name": 5}, token=self.viewer), 403, "forbidden")
        self.assertEqual(self.get(p["id"]).json(), p)

    def test_uploader_cannot_delete(self):
        p = self.create()
        self.assertError(self.delete(p["id"], token=self.uploader), 403, "forbidden")
        self.assertEqual(self.get(p["id"]).json(), p)
        self.assertEqual([e["action"] for e in self.logs(p["id"])], ["product.create"])

    def test_extra_grants_extend_the_role(self):
        s = self.stack
        v_name, u_name = unique("vgrant"), unique("ugrant")
        s.create_user(v_name, "viewer", permissions=["product.write"])
        s.create_user(u_name, "uploader", permissions=["product.delete"])
        writer = s.login(v_name, DEFAULT_PASSWORD)["token"]
        deleter = s.login(u_name, DEFAULT_PASSWORD)["token"]
        p = self.create(token=writer)
        self.assertError(self.delete(p["id"], token=writer), 403, "forbidden")
        self.assertStatus(self.delete(p["id"], token=deleter), 204)
        self.assertError(self.get(p["id"]), 404, "not_found")

    def test_cookie_session_writes_need_the_csrf_header(self):
        login = self.uploader_login
        body = product_body()
        r = self.stack.request("POST", f"{API}/products", body=body, cookie=login["token"])
        self.assertError(r, 403, "csrf_failed")
        self.assertEqual(self.by_spu(body["spuCode"]).status, 404)
        r = self.stack.request("POST", f"{API}/products", body=body, cookie=login["token"],
                               headers={"X-CSRF-Token": login["csrfToken"]})
        self.assertStatus(r, 201)

    # ------------------------------------------------------------------ soft delete

    def test_soft_delete_hides_the_product_everywhere_and_keeps_its_spu_code(self):
        tag = "软删" + secrets.token_hex(3)
        style = "风格" + secrets.token_hex(3)
        p = self.create(scenarios=[tag], styles=[style], gender="male", ageRange="kids")
        keep = self.create(scenarios=[tag], styles=["其他"], gender="female")
        self.assertEqual(self.ids({"scenario": tag}), {p["id"], keep["id"]})
        f = self.facets({"scenario": tag}).json()
        self.assertEqual(f["style"].get(style), 1)
        self.assertEqual(f["gender"], {"male": 1, "female": 1})

        self.assertStatus(self.delete(p["id"]), 204)

        self.assertError(self.get(p["id"]), 404, "not_found")
        self.assertError(self.get(p["id"], query="?include=modules"), 404, "not_found")
        self.assertError(self.by_spu(p["spuCode"]), 404, "not_found")
        self.assertError(self.patch(p["id"], {"name": "复活"}), 404, "not_found")
        self.assertError(self.delete(p["id"]), 404, "not_found")
        self.assertEqual(self.ids({"scenario": tag}), {keep["id"]})
        self.assertEqual(self.ids({"style": style}), set())
        self.assertNotIn(p["id"], self.ids({"q": p["spuCode"]}))
        self.assertNotIn(p["id"], {x["id"] for x in self.walk(sort="name")[0]})
        f = self.facets({"scenario": tag}).json()
        self.assertNotIn(style, f["style"])
        self.assertEqual(f["gender"], {"female": 1})
        self.assertEqual(f["scenario"].get(tag), 1)
        self.assertNotIn("kids", self.facets({"scenario": tag}).json()["ageRange"])
        # The code stays reserved, in any case, for creates and renames.
        self.assertError(self.post(product_body(spuCode=p["spuCode"])), 409, "conflict", "spuCode")
        self.assertError(self.post(product_body(spuCode=p["spuCode"].lower())), 409, "conflict", "spuCode")
        self.assertError(self.patch(keep["id"], {"spuCode": p["spuCode"]}), 409, "conflict", "spuCode")

    # ------------------------------------------------------------------ operation log

    def test_every_change_is_logged_with_before_and_after(self):
        r = self.post(product_body(name="审计商品"), headers={"X-Audit-Reason": "新品上架".encode()})
        self.assertStatus(r, 201)
        created = r.json()
        pid = created["id"]
        r = self.patch(pid, {"name": "审计商品 改", "styles": ["复古"]}, headers={"X-Audit-Reason": "改名".encode()})
        self.assertStatus(r, 200)
        updated = r.json()
        self.assertStatus(self.delete(pid, headers={"X-Audit-Reason": "下架".encode()}), 204)

        entries = self.logs(pid)
        self.assertEqual([e["action"] for e in entries], ["product.delete", "product.update", "product.create"])
        by_action = {e["action"]: e for e in entries}
        for e in entries:
            self.assertEqual(e["targetType"], "product")
            self.assertEqual(e["targetId"], pid)
            self.assertEqual(e["ip"], "127.0.0.1")
        c, u, d = by_action["product.create"], by_action["product.update"], by_action["product.delete"]
        self.assertEqual(c["userId"], self.uploader_user["id"])
        self.assertEqual(u["userId"], self.uploader_user["id"])
        self.assertEqual(d["userId"], self.admin_user["id"])
        self.assertNotIn("before", c["details"])
        self.assertEqual(c["details"]["after"], created)
        self.assertEqual(c["details"]["reason"], "新品上架")
        self.assertEqual(u["details"]["before"], created)
        self.assertEqual(u["details"]["after"], updated)
        self.assertEqual(u["details"]["reason"], "改名")
        self.assertEqual(d["details"]["before"], updated)
        self.assertNotIn("after", d["details"])
        self.assertEqual(d["details"]["reason"], "下架")
        # The action filter finds them too.
        self.assertEqual([e["action"] for e in self.logs(pid, action="product.update")], ["product.update"])

    def test_refused_changes_write_no_log_entry(self):
        p = self.create()
        taken = self.create()
        self.assertError(self.patch(p["id"], {"spuCode": taken["spuCode"]}), 409, "conflict", "spuCode")
        self.assertError(self.patch(p["id"], {"gender": "robot"}), 422, "validation_failed", "gender")
        self.assertError(self.patch(p["id"], {"name": "x"}, token=self.viewer), 403, "forbidden")
        self.assertError(self.delete(p["id"], token=self.uploader), 403, "forbidden")
        self.assertEqual([e["action"] for e in self.logs(p["id"])], ["product.create"])

    # ------------------------------------------------------------------ list parameters

    def test_limit_default_clamp_and_bad_values(self):
        prefix = "Lim" + secrets.token_hex(3)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda i: self.post(product_body(spuCode=f"{prefix}-{i:03d}", name=f"限额 {i}")),
                                 range(105)))
        self.assertEqual([r.status for r in made], [201] * 105)
        r = self.list_page({"q": prefix})
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["items"]), 20)
        self.assertIsNotNone(r.json()["nextCursor"])
        for limit in ("101", "1000", "99999999999999999999999999"):
            with self.subTest(limit=limit):
                r = self.list_page({"q": prefix}, limit=limit)
                self.assertStatus(r, 200)
                self.assertEqual(len(r.json()["items"]), 100)
                self.assertIsNotNone(r.json()["nextCursor"])
        r = self.list_page({"q": prefix}, limit="100", sort="name")
        page1 = r.json()
        r = self.list_page({"q": prefix}, limit="100", sort="name", cursor=page1["nextCursor"])
        self.assertEqual(len(r.json()["items"]), 5)
        self.assertIsNone(r.json()["nextCursor"])
        for limit in ("0", "-1", "-100", "abc", "", "1.5", "1e2", "0x10", " 5"):
            with self.subTest(limit=limit):
                self.assertError(self.list_page(limit=limit), 400, "bad_request", "limit")

    def test_bad_list_parameters(self):
        self.assertError(self.list_page(sort="price"), 400, "bad_request", "sort")
        self.assertError(self.list_page(sort="-createdAt"), 400, "bad_request", "sort")
        for path in ("/products", "/products/facets"):
            with self.subTest(path=path):
                url = f"{API}{path}"
                get = lambda q: self.stack.request("GET", f"{url}?{q}", token=self.viewer)  # noqa: E731
                self.assertError(get("gender=robot"), 422, "validation_failed", "gender")
                self.assertError(get("ageRange=old"), 422, "validation_failed", "ageRange")
                self.assertError(get("gender=robot&ageRange=old"), 422, "validation_failed", "ageRange")
                self.assertError(get("gender=robot&ageRange=old"), 422, "validation_failed", "gender")
                self.assertError(get(query_string({"scenario": [f"s{i}" for i in range(21)]})), 422,
                                 "validation_failed", "scenario")
                self.assertError(get(query_string({"style": [f"s{i}" for i in range(21)]})), 422,
                                 "validation_failed", "style")
                self.assertError(get(query_string({"q": "长" * 101})), 422, "validation_failed", "q")
                self.assertStatus(get(query_string({"q": "长" * 100})), 200)
                self.assertError(get("q=%FF%FE"), 400, "bad_request")
                self.assertError(get("q=%E4%B8"), 400, "bad_request")

    def test_bad_cursors_are_400(self):
        for i in range(3):
            self.create(name=f"游标 {i}")
        by_date = self.list_page(limit=1).json()["nextCursor"]
        by_name = self.list_page(limit=1, sort="name").json()["nextCursor"]
        self.assertIsNotNone(by_date)
        self.assertIsNotNone(by_name)
        logs = self.stack.request("GET", f"{API}/operation-logs?limit=1", token=self.admin).json()["nextCursor"]
        self.assertIsNotNone(logs)
        b64 = lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")  # noqa: E731
        cases = [("garbage", {"cursor": "!!garbage!!"}), ("empty", {"cursor": ""}),
                 ("not base64 of a cursor", {"cursor": "A" * 40}), ("too long", {"cursor": "A" * 2000}),
                 ("createdAt cursor with sort=name", {"cursor": by_date, "sort": "name"}),
                 ("name cursor with sort=createdAt", {"cursor": by_name}),
                 ("operation-log cursor", {"cursor": logs}),
                 ("forged: no id", {"cursor": b64("pc|123")}),
                 ("forged: id not a number", {"cursor": b64("pc|123|abc")}),
                 ("forged: time not a number", {"cursor": b64("pc|x|5")}),
                 ("forged: name cursor id 0", {"cursor": b64("pn|0|abc"), "sort": "name"})]
        for desc, params in cases:
            with self.subTest(desc):
                self.assertError(self.list_page(limit=1, **params), 400, "bad_request")
        # The real ones work.
        self.assertStatus(self.list_page(limit=1, cursor=by_date), 200)
        self.assertStatus(self.list_page(limit=1, cursor=by_name, sort="name"), 200)

    def test_q_is_case_insensitive_for_non_ascii_letters(self):
        """SPEC §5: q is a case-insensitive name substring, also for letters outside ASCII."""
        word = "ÉTÉ" + secrets.token_hex(3)
        p = self.create(name=f"Robe d'{word}")
        self.assertEqual(self.ids({"q": word}), {p["id"]})
        self.assertEqual(self.ids({"q": word.lower()}), {p["id"]})

    if not ON_MYSQL:  # SQLite's LIKE folds ASCII letters only; MariaDB's collation folds them all
        test_q_is_case_insensitive_for_non_ascii_letters = unittest.expectedFailure(
            test_q_is_case_insensitive_for_non_ascii_letters)

    def test_name_sort_pages_past_a_long_multibyte_name(self):
        """A 100-character name of 4-byte characters at a page end must still give a usable cursor."""
        prefix = "Emo" + secrets.token_hex(3)
        first = self.create(spuCode=f"{prefix}-1", name="😀" * 100)
        second = self.create(spuCode=f"{prefix}-2", name="😃" * 100)
        r = self.list_page({"q": prefix}, limit=1, sort="name")
        self.assertStatus(r, 200)
        page = r.json()
        self.assertEqual([x["id"] for x in page["items"]], [first["id"]])
        r = self.list_page({"q": prefix}, limit=1, sort="name", cursor=page["nextCursor"])
        self.assertStatus(r, 200)
        self.assertEqual([x["id"] for x in r.json()["items"]], [second["id"]])


# ============================================================================ catalogue


class ProductCatalogueTest(ProductTestCase):
    """A seeded catalogue of 30 products with known attributes. Every product this class creates
    goes into cls.model (id → product JSON), the oracle for list and facet expectations."""

    SCENARIOS = ("通勤", "度假", "运动", "居家", "派对")
    STYLES = ("简约", "复古", "街头", "Minimal", "Boho")
    THREE_D = ("张三", "李四", "", "Alice")
    GRAPHIC = ("王五", "张三", "", "alice")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = {}
        cls.model_lock = threading.Lock()
        cls.seed_prefix = "CAT" + secrets.token_hex(3).upper()
        cls.seed = []
        for i in range(30):
            scenarios = [cls.SCENARIOS[i % 5]]
            if i % 3 == 0:
                scenarios.append(cls.SCENARIOS[(i + 2) % 5])
            if i % 7 == 0:
                scenarios.append(cls.SCENARIOS[(i + 4) % 5])
            styles = [cls.STYLES[(i * 2) % 5]]
            if i % 4 == 1 and cls.STYLES[(i + 1) % 5] not in styles:
                styles.append(cls.STYLES[(i + 1) % 5])
            if i == 13:
                styles.append("minimal")  # a different tag from "Minimal": tags are exact
            if i in (4, 22):
                scenarios.append("限定")
            name = f"Seed {i:02d} " + ("纯棉T恤" if i % 6 == 0 else "Cotton Shirt" if i % 6 == 1 else "真丝连衣裙")
            body = product_body(name=name, spuCode=f"{cls.seed_prefix}-{i:02d}", gender=GENDERS[i % 3],
                                ageRange=AGE_RANGES[(i // 3) % 3], scenarios=scenarios, styles=styles,
                                designers={"threeDDesigner": cls.THREE_D[i % 4],
                                           "graphicDesigner": cls.GRAPHIC[(i // 4) % 4]})
            cls.seed.append(cls._create(body))
        cls.seed_ids = {p["id"] for p in cls.seed}

    @classmethod
    def _create(cls, body, token=None):
        r = cls.stack.request("POST", f"{API}/products", body=body, token=token or cls.uploader)
        if r.status != 201:
            raise AssertionError(f"creating {body} failed: {r!r}")
        p = r.json()
        with cls.model_lock:
            cls.model[p["id"]] = p
        return p

    def expected(self, filters):
        return {pid for pid, p in self.model.items() if model_matches(p, filters)}

    def assertListMatchesModel(self, filters):
        self.assertEqual(self.ids(filters), self.expected(filters), filters)

    def assertFacetsMatch(self, filters):
        """Facets under filters: each kind counted without its own filter, equal to the model and to
        the length of the list with that kind's value as the only filter of its kind."""
        r = self.facets(filters)
        self.assertStatus(r, 200)
        facets = r.json()
        self.assertEqual(set(facets), set(FACET_KINDS), facets)
        fields = {"gender": "gender", "ageRange": "ageRange", "scenario": "scenarios", "style": "styles"}
        for kind in FACET_KINDS:
            base = {k: v for k, v in filters.items() if k != kind}
            want = collections.Counter()
            for p in self.model.values():
                if model_matches(p, base):
                    values = p[fields[kind]]
                    want.update(values if isinstance(values, list) else [values])
            got = {k: v for k, v in facets[kind].items() if v != 0}
            self.assertEqual(got, dict(want), f"facet {kind} under {filters}")
            for value, count in got.items():
                listed = self.ids(dict(base, **{kind: value}))
                self.assertEqual(len(listed), count, f"facet {kind}={value} under {filters}")
        return facets

    # ------------------------------------------------------------------ the seed itself

    def test_seed_is_listed_with_its_attributes(self):
        items, _ = self.walk({"q": self.seed_prefix})
        self.assertEqual({p["id"] for p in items}, self.seed_ids)
        by_id = {p["id"]: p for p in items}
        for p in self.seed:
            self.assertEqual(by_id[p["id"]], p)
            self.assertProductShape(p)

    # ------------------------------------------------------------------ filters

    def test_single_filters_give_exact_id_sets(self):
        filters = ([{"gender": g} for g in GENDERS] + [{"ageRange": a} for a in AGE_RANGES] +
                   [{"scenario": s} for s in self.SCENARIOS] + [{"style": s} for s in self.STYLES] +
                   [{"style": "minimal"}, {"scenario": "限定"}, {"scenario": "无此场景"}] +
                   [{"designer": d} for d in ("张三", "李四", "王五", "Alice", "alice", "张", "ALICE")])
        for f in filters:
            with self.subTest(filters=f):
                self.assertListMatchesModel(dict(f, q=self.seed_prefix))
                self.assertListMatchesModel(f)

    def test_hand_checked_id_sets(self):
        seed = self.seed
        by_index = lambda *idx: {seed[i]["id"] for i in idx}  # noqa: E731
        scoped = lambda **f: self.ids(dict(f, q=self.seed_prefix))  # noqa: E731
        self.assertEqual(scoped(scenario="限定"), by_index(4, 22))
        self.assertEqual(scoped(style="minimal"), by_index(13))
        self.assertEqual(scoped(gender="male"), by_index(*range(0, 30, 3)))
        self.assertEqual(scoped(gender="male", ageRange="youth"), by_index(3, 12, 21))
        self.assertEqual(scoped(gender="female", ageRange="kids"), by_index(7, 16, 25))
        self.assertEqual(scoped(scenario=["限定", "无此场景"]), by_index(4, 22))
        self.assertEqual(scoped(scenario="限定", gender="male"), set())
        self.assertEqual(scoped(designer="Alice"), by_index(*range(3, 30, 4)))
        self.assertEqual(scoped(designer="alice"), by_index(*range(12, 16), *range(28, 30)))
        # designer: either field (张三 is a 3D designer of i % 4 == 0 and a graphic one of (i // 4) % 4 == 1)
        self.assertEqual(scoped(designer="张三"),
                         by_index(*[i for i in range(30) if i % 4 == 0 or (i // 4) % 4 == 1]))

    def test_repeated_values_of_one_kind_are_any_of(self):
        for f in ({"scenario": ["通勤", "度假"]}, {"scenario": ["运动", "居家", "派对"]},
                  {"style": ["Minimal", "minimal"]}, {"style": ["Boho", "街头"]},
                  {"scenario": list(self.SCENARIOS)}):
            with self.subTest(filters=f):
                ids = self.ids(f)
                self.assertEqual(ids, self.expected(f))
                union = set()
                for v in f.get("scenario", f.get("style")):
                    union |= self.ids({next(iter(f)): v})
                self.assertEqual(ids, union)

    def test_different_kinds_and_together(self):
        combos = [
            {"gender": "female", "ageRange": "adult"},
            {"gender": "male", "scenario": "通勤"},
            {"gender": "unisex", "scenario": ["度假", "派对"], "style": "简约"},
            {"ageRange": "kids", "style": ["复古", "Boho"], "designer": "张三"},
            {"scenario": "运动", "style": "街头"},
            {"gender": "female", "q": "cotton"},
            {"q": "纯棉", "ageRange": "youth"},
            {"designer": "李四", "gender": "male", "ageRange": "adult", "scenario": "通勤", "style": "简约"},
            {"gender": "male", "ageRange": "kids", "scenario": "限定"},
        ]
        for f in combos:
            with self.subTest(filters=f):
                ids = self.ids(f)
                self.assertEqual(ids, self.expected(f))
                # Each kind narrows: the AND is the intersection of the single-kind lists.
                inter = None
                for k, v in f.items():
                    one = self.ids({k: v})
                    inter = one if inter is None else inter & one
                self.assertEqual(ids, inter)

    def test_q_matches_name_substrings_and_spu_prefixes(self):
        seed = self.seed
        self.assertEqual(self.ids({"q": self.seed_prefix.lower()}), self.seed_ids)
        self.assertEqual(self.ids({"q": f"{self.seed_prefix}-1"}), {seed[i]["id"] for i in range(10, 20)})
        self.assertEqual(self.ids({"q": f"{self.seed_prefix}-07"}), {seed[7]["id"]})
        # Not a prefix of the code, not in any name: nothing.
        self.assertEqual(self.ids({"q": self.seed_prefix[1:]}), set())
        self.assertEqual(self.ids({"q": f"{self.seed_prefix}-07"[2:]}), set())
        for q in ("cotton", "COTTON", "Cotton Sh", "纯棉", "真丝连衣", "Seed 1", "seed 0", "d 2"):
            with self.subTest(q=q):
                self.assertListMatchesModel({"q": q})
                self.assertTrue(self.expected({"q": q}))
        self.assertEqual(self.ids({"q": "Seed 05 "}), {seed[5]["id"]})
        # An empty q filters nothing.
        self.assertEqual(self.ids({"q": ""}), set(self.model))

    def test_q_treats_wildcards_quotes_and_escapes_literally(self):
        prefix = "ESC" + secrets.token_hex(3)
        names = ["100% Cotton Tee", "1000 Cotton Tee", "Snake_Case Hoodie", "SnakeXCase Hoodie", "O'Neil Jacket",
                 "O Neil Jacket", 'Say "Hi" Tee', "Wow! Shirt", "Wow Shirt", "Back\\slash Coat",
                 "Backslash Coat", "[ab] Cap", "a Cap", "Star* Tee", "Starry Tee"]
        made = {n: self._create(product_body(name=n, spuCode=f"{prefix}-{i}")) for i, n in enumerate(names)}
        scope = lambda q: {pid for pid in self.ids({"q": q}) if pid in {p["id"] for p in made.values()}}  # noqa
        cases = {"100%": ["100% Cotton Tee"], "%": ["100% Cotton Tee"], "0% c": ["100% Cotton Tee"],
                 "_": ["Snake_Case Hoodie"], "e_c": ["Snake_Case Hoodie"], "'": ["O'Neil Jacket"],
                 "O'N": ["O'Neil Jacket"], "''": [], '"': ['Say "Hi" Tee'], '"hi"': ['Say "Hi" Tee'],
                 "!": ["Wow! Shirt"], "w!": ["Wow! Shirt"], "\\": ["Back\\slash Coat"],
                 "k\\s": ["Back\\slash Coat"], "[ab]": ["[ab] Cap"], "[a]": [], "*": ["Star* Tee"],
                 "%%": [], "_ _": [], "' OR '1'='1": [], "\\%": [], "!%": []}
        for q, want in cases.items():
            with self.subTest(q=q):
                self.assertEqual(scope(q), {made[n]["id"] for n in want})
                self.assertListMatchesModel({"q": q})
        self.assertEqual(self.ids({"q": prefix.upper()}), {p["id"] for p in made.values()})

    def test_designer_filter_is_exact(self):
        self.assertListMatchesModel({"designer": "张三"})
        self.assertEqual(self.ids({"designer": "张"}), set())
        self.assertEqual(self.ids({"designer": "%"}), set())
        self.assertNotEqual(self.ids({"designer": "Alice"}), self.ids({"designer": "alice"}))

    def test_filter_values_are_trimmed_like_stored_values(self):
        """Names, tags and designers are stored trimmed, so filter values are trimmed too: the same
        answer on every database (MariaDB's PAD SPACE collations would ignore trailing spaces
        anyway); a padded SPU code cannot exist, so by-spu says 404."""
        self.assertTrue(self.ids({"designer": "张三"}))
        self.assertEqual(self.ids({"designer": "张三 "}), self.ids({"designer": "张三"}))
        self.assertEqual(self.ids({"scenario": " 通勤 "}), self.ids({"scenario": "通勤"}))
        self.assertEqual(self.ids({"style": "简约 "}), self.ids({"style": "简约"}))
        self.assertError(self.by_spu(self.seed[1]["spuCode"] + " "), 404, "not_found")

    # ------------------------------------------------------------------ facets

    def test_facets_without_filters_count_the_whole_catalogue(self):
        facets = self.assertFacetsMatch({})
        self.assertEqual(sum(facets["gender"].values()), len(self.model))
        self.assertEqual(sum(facets["ageRange"].values()), len(self.model))
        self.assertIn("Minimal", facets["style"])
        self.assertIn("minimal", facets["style"])

    def test_facets_equal_the_list_counts_under_filters(self):
        for f in ({"gender": "female"}, {"gender": "male", "ageRange": "youth"}, {"scenario": "通勤"},
                  {"scenario": ["通勤", "派对"], "style": "简约"}, {"style": ["Minimal", "Boho"], "gender": "unisex"},
                  {"designer": "张三"}, {"q": "cotton"}, {"q": self.seed_prefix, "ageRange": "kids"},
                  {"scenario": "限定", "style": "街头"}, {"gender": "male", "scenario": "无此场景"}):
            with self.subTest(filters=f):
                self.assertFacetsMatch(f)

    def test_each_facet_ignores_its_own_kind(self):
        f = self.facets({"gender": "female", "q": self.seed_prefix}).json()
        self.assertEqual(f["gender"], {"male": 10, "female": 10, "unisex": 10})
        self.assertEqual(sum(f["ageRange"].values()), 10)
        f = self.facets({"scenario": "限定", "q": self.seed_prefix}).json()
        self.assertGreater(len(f["scenario"]), 1)
        self.assertEqual(f["scenario"]["限定"], 2)
        self.assertEqual(sum(f["gender"].values()), 2)
        f = self.facets({"gender": "male", "scenario": "无此场景", "q": self.seed_prefix}).json()
        self.assertEqual(f["gender"], {})
        self.assertEqual(f["ageRange"], {})
        self.assertEqual(f["style"], {})
        self.assertEqual(sum(f["scenario"].values()), sum(len(p["scenarios"]) for p in self.seed
                                                          if p["gender"] == "male"))

    # ------------------------------------------------------------------ paging

    def test_walk_by_created_at_returns_each_product_once_newest_first(self):
        expected = self.expected({"q": self.seed_prefix})
        items, pages = self.walk({"q": self.seed_prefix}, limit=7)
        self.assertEqual({p["id"] for p in items}, expected)
        self.assertEqual(pages, math.ceil(len(expected) / 7))
        self.assertEqual(items, sorted(items, key=created_key, reverse=True))
        # The default sort is createdAt.
        explicit, _ = self.walk({"q": self.seed_prefix}, limit=7, sort="createdAt")
        self.assertEqual(explicit, items)
        # The whole catalogue, in pages of 7.
        everything, _ = self.walk(limit=7)
        self.assertEqual({p["id"] for p in everything}, set(self.model))
        self.assertEqual(everything, sorted(everything, key=created_key, reverse=True))

    def test_walk_by_name_returns_each_product_once_in_name_order(self):
        items, pages = self.walk({"q": self.seed_prefix}, limit=7, sort="name")
        seeded = [p for p in items if p["id"] in self.seed_ids]
        self.assertEqual({p["id"] for p in items}, self.expected({"q": self.seed_prefix}))
        self.assertEqual(pages, math.ceil(len(items) / 7))
        # "Seed NN ..." names sort the same under every collation.
        self.assertEqual([p["name"] for p in seeded], sorted(p["name"] for p in self.seed))
        everything, _ = self.walk(limit=7, sort="name")
        self.assertEqual({p["id"] for p in everything}, set(self.model))

    def test_equal_names_page_by_id(self):
        prefix = "Same" + secrets.token_hex(3)
        same = [self._create(product_body(name="同名商品 Same", spuCode=f"{prefix}-{i}"))["id"] for i in range(5)]
        for limit in (1, 2, 3):
            with self.subTest(limit=limit):
                items, pages = self.walk({"q": prefix}, limit=limit, sort="name")
                self.assertEqual([p["id"] for p in items], sorted(same, key=int))
                self.assertEqual(pages, math.ceil(5 / limit))
                items, _ = self.walk({"q": prefix}, limit=limit)
                self.assertEqual(sorted((p["id"] for p in items), key=int), sorted(same, key=int))

    # Walks during inserts cover every product whose name holds "Seed": the 30 seeded ones and the
    # ones inserted here (under other SPU prefixes, so the seeded set stays exact for q=seed_prefix).
    WALK_SCOPE = {"q": "Seed"}

    def test_walk_while_products_are_inserted_between_pages(self):
        for sort in ("createdAt", "name"):
            with self.subTest(sort=sort):
                before = self.expected(self.WALK_SCOPE)
                self.assertLessEqual(self.seed_ids, before)
                seen, new, cursor, pages = [], set(), None, 0
                while True:
                    params = dict(self.WALK_SCOPE, limit=7, sort=sort)
                    if cursor:
                        params["cursor"] = cursor
                    r = self.list_page(params)
                    self.assertStatus(r, 200)
                    page = r.json()
                    self.assertLessEqual(len(page["items"]), 7)
                    seen += [p["id"] for p in page["items"]]
                    pages += 1
                    # New products that sort before, among and after the ones already seen.
                    for label in ("Seed 00", "Seed 15", "Seed 99", "Aaa Seed", "Zzz Seed"):
                        p = self._create(product_body(name=f"{label} 插入 {sort} {pages}",
                                                      spuCode=new_spu("INS")))
                        new.add(p["id"])
                    cursor = page["nextCursor"]
                    if cursor is None:
                        break
                    self.assertLess(pages, 100)
                self.assertEqual(len(seen), len(set(seen)), f"a product came twice: {seen}")
                self.assertLessEqual(before, set(seen), "a product that existed before the walk is missing")
                self.assertLessEqual(set(seen), before | new)
                if sort == "createdAt":
                    self.assertEqual(set(seen), before, "newer products cannot come after older ones")

    def test_walk_while_another_client_inserts_concurrently(self):
        stop = threading.Event()
        errors = []

        def insert(stamp):
            n = 0
            while not stop.is_set() and n < 60:
                n += 1
                try:
                    self._create(product_body(name=f"Seed C{n:02d} 并发 {stamp}", spuCode=new_spu("CON")))
                except AssertionError as e:  # reported below
                    errors.append(e)

        for sort in ("createdAt", "name"):
            with self.subTest(sort=sort):
                before = self.expected(self.WALK_SCOPE)
                stop.clear()
                thread = threading.Thread(target=insert, args=(f"{sort}-{secrets.token_hex(2)}",))
                thread.start()
                try:
                    items, _ = self.walk(self.WALK_SCOPE, limit=7, sort=sort)
                finally:
                    stop.set()
                    thread.join()
                self.assertEqual(errors, [])
                ids = [p["id"] for p in items]
                self.assertLessEqual(before, set(ids), "a product that existed before the walk is missing")
                self.assertLessEqual(set(ids), self.expected(self.WALK_SCOPE))
                if sort == "createdAt":
                    self.assertEqual(items, sorted(items, key=created_key, reverse=True))


if __name__ == "__main__":
    unittest.main()
