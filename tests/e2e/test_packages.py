"""Selections, packages and download records end to end (SPEC §3, §5, §6), through nginx.

* /selections: create, list (own; keyset pages; others' with selection.read_all), read, replace,
  delete; validation against the live catalogue (422 naming selections[i].moduleId / .materialId),
  JSON types, permissions (someone else's selection is a 404; read_all reads but cannot change),
  and the operation log.
* /selections/{id}/package: the streamed ZIP. The layout and names (Chinese, emoji, Windows
  device names, trailing dots, collisions that differ only in case get " (2)"), the bytes of every
  entry against the uploaded files, the preview variant, the headers (exact Content-Length, strong
  ETag, RFC 5987 Content-Disposition), identical bytes on every request, Range / If-Range (206,
  200 for several ranges or a stale validator, 416), a download cut in the middle and resumed
  with `curl -C -`, materials deleted after the selection, the per-user limit of concurrent
  downloads (429), who may download what, one download record per download, the log.
* Every archive is checked by the readers users have: Info-ZIP `unzip -t`, `bsdtar -tf`,
  `bsdtar -xf -` reading the download from a pipe, 7-Zip `7z t`, `python3 -m zipfile -t`, and
  Java's ZipInputStream (ZipRead.java, next to this file).
* A > 4 GiB (ZIP64) package, only with MOFANG_TEST_BIG_PACKAGE=1 and on SQLite: a 5 GiB sparse
  blob is put in place of one material's file directly in storage and the database.

The images are made here in pure Python (PNG with zlib, GIF89a with a hand-rolled LZW stream);
the JPEG fixture is the server's own preview rendition of an uploaded PNG."""

import hashlib
import http.client
import io
import os
import re
import secrets
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zipfile
import zlib

from stack import DEFAULT_PASSWORD, RFC3339_MS, USER_AGENT, StackTestCase, unique

API = "/api/v1"
HERE = os.path.dirname(os.path.abspath(__file__))
ON_MYSQL = bool(os.environ.get("MOFANG_TEST_MYSQL"))
SELECTION_KEYS = {"id", "userId", "productId", "selections", "createdAt", "updatedAt"}
DOWNLOAD_KEYS = {"id", "userId", "productId", "selectionId", "downloadTime", "downloadType", "size"}
MODULE_DIRS = {"main": "主图", "sku": "SKU图", "detail": "详情图"}
STRONG_ETAG = re.compile(r'^"[0-9a-f]{16,}"$')
# The archive readers print UTF-8 names only in a UTF-8 locale.
TOOL_ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")


# ---------------------------------------------------------------------------------- images

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width=48, height=32, pad_to=None):
    """An 8-bit RGB PNG of random colour bands (every call gives other bytes); pad_to makes the
    file exactly that many bytes long with a private ancillary chunk of random bytes."""
    seed = secrets.randbits(24)
    r0, g0, b0 = (seed >> 16) & 255, (seed >> 8) & 255, seed & 255
    raw = b"".join(b"\x00" + bytes(v for x in range(width) for v in ((r0 + x) & 255, (g0 + 7 * y) & 255, b0))
                   for y in range(height))
    body = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw, 6)))
    iend = _png_chunk(b"IEND", b"")
    if pad_to is not None:
        body += _png_chunk(b"prVt", os.urandom(pad_to - len(body) - len(iend) - 12))
    return body + iend


def gif(width=24, height=20):
    """A GIF89a of one random colour: LZW minimum code size 2, a clear code before every two
    pixels so that the code table never grows past 3-bit codes."""
    clear, end = 4, 5
    codes = [clear]
    run = 0
    for _ in range(width * height):
        if run == 2:
            codes.append(clear)
            run = 0
        codes.append(0)
        run += 1
    codes.append(end)
    bits = nbits = 0
    lzw = bytearray()
    for code in codes:
        bits |= code << nbits
        nbits += 3
        while nbits >= 8:
            lzw.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        lzw.append(bits & 0xFF)
    blocks = bytearray()
    for i in range(0, len(lzw), 255):
        blocks += bytes([len(lzw[i:i + 255])]) + lzw[i:i + 255]
    blocks += b"\x00"
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + os.urandom(3) + b"\x00\x00\x00"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02" + bytes(blocks) + b"\x3b")


def multipart(files):
    """(body, content type) of a multipart/form-data body with one `file` part per (name, bytes)."""
    boundary = "----mofang-e2e-" + secrets.token_hex(12)
    out = bytearray()
    for filename, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode("utf-8") + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------------- archives

def sha256(data):
    return hashlib.sha256(data).hexdigest()


def zip_entries(data):
    """[(name, bytes)] of an archive, in archive order, read with Python's zipfile (CRC-checked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def zip_layout(data):
    """Where the records of an archive are: per entry (local header offset, data offset, data end),
    and the central directory's and the end record's offsets."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = []
        for info in zf.infolist():
            off = info.header_offset
            if data[off:off + 4] != b"PK\x03\x04":
                raise AssertionError(f"no local header at {off} for {info.filename!r}")
            name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
            start = off + 30 + name_len + extra_len
            entries.append((off, start, start + info.compress_size))
    end = data.rfind(b"PK\x05\x06")
    central = struct.unpack("<I", data[end + 16:end + 20])[0]
    return entries, central, end


def run(cmd, timeout=120, **kw):
    """Runs a command (list, or a string for bash) and returns the CompletedProcess; text output."""
    if isinstance(cmd, str):
        cmd = ["bash", "-o", "pipefail", "-c", cmd]
    return subprocess.run(cmd, capture_output=True, timeout=timeout, env=TOOL_ENV, **kw)


def files_under(root):
    """{relative path (UTF-8 str): sha256} of every regular file below root."""
    found = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, root)] = sha256(fh.read())
    return found


def raw_get(stack, path, token, headers=None, rcvbuf=None, timeout=30):
    """Sends a GET on a socket of its own and reads the response head only; returns (socket,
    http.client.HTTPResponse) — the caller reads the body (or not) and closes the socket. rcvbuf
    shrinks the socket's receive buffer, so that an unread body soon stops the server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", stack.port))
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{stack.port}", f"User-Agent: {USER_AGENT}",
             "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    resp = http.client.HTTPResponse(sock, method="GET")
    resp.begin()
    return sock, resp


def hang_up(sock, resp):
    """Closes a raw_get connection for real (the response's file object holds the socket open)."""
    resp.close()
    sock.close()


# ---------------------------------------------------------------------------------- base class

class PackageTestCase(StackTestCase):
    """Users and helpers: `uploader` builds the catalogue, `owner` (a viewer) makes selections
    and downloads them, `other` is another viewer, `admin` holds every read_all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        cls.admin_user = s.admin_session()["user"]
        name = unique("uploader")
        s.create_user(name, "uploader")
        cls.uploader = s.login(name, DEFAULT_PASSWORD)["token"]
        name = unique("owner")
        cls.owner_user = s.create_user(name, "viewer")
        cls.owner = s.login(name, DEFAULT_PASSWORD)["token"]
        name = unique("other")
        cls.other_user = s.create_user(name, "viewer")
        cls.other = s.login(name, DEFAULT_PASSWORD)["token"]

    # ------------------------------------------------------------------ catalogue

    @classmethod
    def new_product(cls, prefix="PKG"):
        spu = f"{prefix}-{secrets.token_hex(4)}"
        r = cls.stack.request("POST", f"{API}/products", token=cls.uploader,
                              body={"name": "打包测试商品", "spuCode": spu, "gender": "unisex", "ageRange": "adult",
                                    "scenarios": ["通勤"], "styles": ["简约"]})
        assert r.status == 201, r
        return r.json()

    @classmethod
    def new_module(cls, product_id, type_, sub_type="", order=0):
        r = cls.stack.request("POST", f"{API}/products/{product_id}/modules", token=cls.uploader,
                              body={"type": type_, "subType": sub_type, "order": order})
        assert r.status == 201, r
        return r.json()

    @classmethod
    def upload(cls, module_id, files):
        """Uploads [(filename, bytes)] in one request; returns the materials, each with the bytes
        it was made from under "data"."""
        body, ctype = multipart(files)
        r = cls.stack.request("POST", f"{API}/modules/{module_id}/materials", raw=body,
                              headers={"Content-Type": ctype}, token=cls.uploader)
        assert r.status == 201, r
        items = r.json()["items"]
        for m, (_name, data) in zip(items, files):
            assert m["sha256"] == sha256(data), m
            m["data"] = data
        return items

    @classmethod
    def preview_bytes(cls, material_id):
        r = cls.stack.request("GET", f"{API}/materials/{material_id}/preview", token=cls.owner)
        assert r.status == 200, r
        return r.body

    # ------------------------------------------------------------------ selections and packages

    @staticmethod
    def items(materials):
        return [{"moduleId": m["moduleId"], "materialId": m["id"]} for m in materials]

    def post_selection(self, body, token=None, headers=None):
        return self.stack.request("POST", f"{API}/selections", body=body, token=token or self.owner,
                                  headers=headers)

    def select(self, product_id, materials, token=None):
        r = self.post_selection({"productId": product_id, "selections": self.items(materials)}, token=token)
        self.assertStatus(r, 201)
        return r.json()

    def package(self, selection_id, token=None, type_=None, headers=None, anonymous=False):
        path = f"{API}/selections/{selection_id}/package"
        if type_ is not None:
            path += "?type=" + urllib.parse.quote(type_)
        return self.stack.request("GET", path, token=None if anonymous else (token or self.owner),
                                  headers=headers)

    def package_ok(self, selection_id, token=None, type_=None, headers=None):
        r = self.package(selection_id, token=token, type_=type_, headers=headers)
        self.assertStatus(r, 200)
        self.assertEqual(r.headers["Content-Type"], "application/zip")
        self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
        return r

    def url(self, selection_id, type_=None):
        return self.stack.base + f"{API}/selections/{selection_id}/package" + (f"?type={type_}" if type_ else "")

    def downloads(self, token=None, **query):
        """Every download record the token sees under these filters (all pages)."""
        path = f"{API}/downloads"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        items, _pages = self.stack.walk(path, token or self.owner, limit=100)
        return items

    def logs(self, **query):
        query.setdefault("limit", 100)
        r = self.stack.request("GET", f"{API}/operation-logs?{urllib.parse.urlencode(query)}", token=self.admin)
        self.assertStatus(r, 200)
        return r.json()["items"]

    # ------------------------------------------------------------------ expectations

    @staticmethod
    def entry_name(spu, module, rank, filename):
        parts = [spu, MODULE_DIRS[module["type"]]]
        if module["subType"]:
            parts.append(module["subType"])
        return "/".join(parts + [f"{rank:02d}-{filename}"])

    def expected(self, spu, picks, preview=False):
        """[(name, bytes)] of the archive of picks: [(module, [materials in their order])] with the
        modules in display order."""
        out = []
        for module, materials in picks:
            for rank, m in enumerate(materials, 1):
                filename = m["filename"]
                data = m["data"]
                if preview:
                    filename = filename.rsplit(".", 1)[0] + ".jpg"
                    data = self.preview_bytes(m["id"])
                out.append((self.entry_name(spu, module, rank, filename), data))
        return out

    def assertArchive(self, data, expected):
        got = zip_entries(data)
        self.assertEqual([n for n, _ in got], [n for n, _ in expected])
        for (name, body), (_n, want) in zip(got, expected):
            self.assertEqual(sha256(body), sha256(want), f"the bytes of {name!r}")


# ---------------------------------------------------------------------------------- selections

class SelectionsTest(PackageTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.new_product("SEL")
        cls.main = cls.new_module(cls.product["id"], "main")
        cls.sku = cls.new_module(cls.product["id"], "sku", "红色")
        cls.main_materials = cls.upload(cls.main["id"], [("a.png", png()), ("b.png", png()), ("c.png", png())])
        cls.sku_materials = cls.upload(cls.sku["id"], [("红.png", png())])
        cls.other_product = cls.new_product("SEL")
        cls.foreign_module = cls.new_module(cls.other_product["id"], "main")
        cls.foreign_materials = cls.upload(cls.foreign_module["id"], [("x.png", png())])

    def assertSelectionShape(self, s):
        self.assertEqual(set(s), SELECTION_KEYS, s)
        self.assertRegex(s["id"], r"^[1-9][0-9]*$")
        self.assertRegex(s["userId"], r"^[1-9][0-9]*$")
        self.assertRegex(s["productId"], r"^[1-9][0-9]*$")
        self.assertRegex(s["createdAt"], RFC3339_MS)
        self.assertRegex(s["updatedAt"], RFC3339_MS)
        for item in s["selections"]:
            self.assertEqual(set(item), {"moduleId", "materialId"}, item)
            self.assertIsInstance(item["moduleId"], str)
            self.assertIsInstance(item["materialId"], str)

    def test_create_returns_201_with_the_selection(self):
        items = self.items(self.main_materials[:2] + self.sku_materials)
        r = self.post_selection({"productId": self.product["id"], "selections": items})
        self.assertStatus(r, 201)
        s = r.json()
        self.assertSelectionShape(s)
        self.assertEqual(s["userId"], self.owner_user["id"])
        self.assertEqual(s["productId"], self.product["id"])
        self.assertEqual(s["selections"], items)
        self.assertEqual(s["createdAt"], s["updatedAt"])
        r = self.stack.request("GET", f"{API}/selections/{s['id']}", token=self.owner)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), s)

    def test_every_role_may_select(self):
        for token in (self.owner, self.uploader, self.admin):
            with self.subTest(token=token[:6]):
                self.select(self.product["id"], self.main_materials[:1], token=token)

    def test_materials_must_be_live_and_in_that_module_of_that_product(self):
        pid = self.product["id"]
        main, sku = self.main_materials, self.sku_materials
        live = {"moduleId": main[0]["moduleId"], "materialId": main[0]["id"]}
        doomed = self.upload(self.main["id"], [("gone.png", png())])[0]
        self.assertStatus(self.stack.request("DELETE", f"{API}/materials/{doomed['id']}", token=self.uploader), 204)
        cases = [
            ("material of another module", [live, {"moduleId": main[1]["moduleId"], "materialId": sku[0]["id"]}],
             "selections[1].materialId"),
            ("module of another product", [{"moduleId": self.foreign_module["id"],
                                            "materialId": self.foreign_materials[0]["id"]}],
             "selections[0].moduleId"),
            ("unknown material", [{"moduleId": main[0]["moduleId"], "materialId": "987654321"}],
             "selections[0].materialId"),
            ("unknown module", [live, {"moduleId": "987654321", "materialId": main[1]["id"]}],
             "selections[1].moduleId"),
            ("deleted material", [live, {"moduleId": doomed["moduleId"], "materialId": doomed["id"]}],
             "selections[1].materialId"),
            ("duplicate", [live, {"moduleId": sku[0]["moduleId"], "materialId": sku[0]["id"]}, live],
             "selections[2].materialId"),
            ("not an id", [{"moduleId": "abc", "materialId": main[0]["id"]}], "selections[0].moduleId"),
        ]
        for label, items, field in cases:
            with self.subTest(label):
                r = self.post_selection({"productId": pid, "selections": items})
                self.assertError(r, 422, "validation_failed", field)
                self.assertIn(field, r.error_fields)

    def test_missing_fields_and_unknown_product_are_422(self):
        items = self.items(self.main_materials[:1])
        cases = [
            ({"selections": items}, "productId"),
            ({"productId": self.product["id"]}, "selections"),
            ({"productId": "987654321", "selections": items}, "productId"),
            # The materials belong to another product than the one named.
            ({"productId": self.other_product["id"], "selections": items}, "selections[0].moduleId"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertError(self.post_selection(body), 422, "validation_failed", field)

    def test_wrong_json_types_are_422_naming_the_field(self):
        mat = self.main_materials[0]
        cases = [
            ({"productId": int(self.product["id"]), "selections": self.items([mat])}, "productId"),
            ({"productId": self.product["id"], "selections": {"moduleId": mat["moduleId"]}}, "selections"),
            ({"productId": self.product["id"], "selections": [mat["id"]]}, "selections[0]"),
            ({"productId": self.product["id"],
              "selections": [{"moduleId": int(mat["moduleId"]), "materialId": mat["id"]}]}, "selections[0].moduleId"),
            ({"productId": self.product["id"],
              "selections": [{"moduleId": mat["moduleId"], "materialId": [mat["id"]]}]}, "selections[0].materialId"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                r = self.post_selection(body)
                self.assertError(r, 422, "validation_failed", field)
                self.assertIn(field, r.error_fields)

    def test_malformed_json_is_400(self):
        r = self.stack.request("POST", f"{API}/selections", raw=b'{"productId": ', token=self.owner,
                               headers={"Content-Type": "application/json"})
        self.assertStatus(r, 400)

    def test_list_is_own_newest_first_with_keyset_pages(self):
        name = unique("lister")
        self.stack.create_user(name, "viewer")
        token = self.stack.login(name, DEFAULT_PASSWORD)["token"]
        made = [self.select(self.product["id"], self.main_materials[i % 3:i % 3 + 1], token=token)["id"]
                for i in range(5)]
        self.select(self.product["id"], self.main_materials[:1], token=self.other)
        items, pages = self.stack.walk(f"{API}/selections", token, limit=2)
        self.assertEqual(pages, 3)
        for s in items:
            self.assertSelectionShape(s)
        self.assertEqual(sorted((s["id"] for s in items), key=int), made)
        self.assertEqual([s["id"] for s in items], sorted(made, key=int, reverse=True))
        r = self.stack.request("GET", f"{API}/selections?limit=0", token=token)
        self.assertStatus(r, 400)
        r = self.stack.request("GET", f"{API}/selections?cursor=not-a-cursor", token=token)
        self.assertStatus(r, 400)

    def test_others_selections_need_read_all(self):
        mine = self.select(self.product["id"], self.main_materials[:2])
        sid = mine["id"]
        # Another viewer: the selection does not exist for them; nor may they list the owner's.
        self.assertError(self.stack.request("GET", f"{API}/selections/{sid}", token=self.other), 404, "not_found")
        body = {"productId": self.product["id"], "selections": self.items(self.main_materials[:1])}
        self.assertError(self.stack.request("PUT", f"{API}/selections/{sid}", body=body, token=self.other),
                         404, "not_found")
        self.assertError(self.stack.request("DELETE", f"{API}/selections/{sid}", token=self.other), 404, "not_found")
        r = self.stack.request("GET", f"{API}/selections?userId={self.owner_user['id']}", token=self.other)
        self.assertStatus(r, 403)
        r = self.stack.request("GET", f"{API}/selections?userId={self.other_user['id']}", token=self.other)
        self.assertStatus(r, 200)
        self.assertNotIn(sid, [s["id"] for s in r.json()["items"]])
        # The admin (selection.read_all) reads it and lists it, but may not change it.
        r = self.stack.request("GET", f"{API}/selections/{sid}", token=self.admin)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), mine)
        items, _ = self.stack.walk(f"{API}/selections?userId={self.owner_user['id']}", self.admin, limit=100)
        self.assertIn(sid, [s["id"] for s in items])
        self.assertEqual({s["userId"] for s in items}, {self.owner_user["id"]})
        r = self.stack.request("PUT", f"{API}/selections/{sid}", body=body, token=self.admin)
        self.assertError(r, 403, r.error_code)
        r = self.stack.request("DELETE", f"{API}/selections/{sid}", token=self.admin)
        self.assertError(r, 403, r.error_code)
        self.assertEqual(self.stack.request("GET", f"{API}/selections/{sid}", token=self.owner).json(), mine)
        # Anonymous: 401 everywhere.
        for method, path in (("GET", f"{API}/selections"), ("POST", f"{API}/selections"),
                             ("GET", f"{API}/selections/{sid}"), ("DELETE", f"{API}/selections/{sid}")):
            with self.subTest(method=method, path=path):
                self.assertStatus(self.stack.request(method, path, body={} if method == "POST" else None), 401)

    def test_replace_and_delete(self):
        s = self.select(self.product["id"], self.main_materials[:1])
        time.sleep(0.01)  # updatedAt moves on (milliseconds)
        items = self.items(self.sku_materials + self.main_materials[1:])
        r = self.stack.request("PUT", f"{API}/selections/{s['id']}", token=self.owner,
                               body={"productId": self.product["id"], "selections": items})
        self.assertStatus(r, 200)
        got = r.json()
        self.assertSelectionShape(got)
        self.assertEqual((got["id"], got["userId"], got["createdAt"]), (s["id"], s["userId"], s["createdAt"]))
        self.assertEqual(got["selections"], items)
        self.assertGreater(got["updatedAt"], s["updatedAt"])
        self.assertEqual(self.stack.request("GET", f"{API}/selections/{s['id']}", token=self.owner).json(), got)
        # An invalid replacement changes nothing.
        r = self.stack.request("PUT", f"{API}/selections/{s['id']}", token=self.owner,
                               body={"productId": self.product["id"],
                                     "selections": self.items(self.foreign_materials)})
        self.assertError(r, 422, "validation_failed", "selections[0].moduleId")
        self.assertEqual(self.stack.request("GET", f"{API}/selections/{s['id']}", token=self.owner).json(), got)
        # Delete: 204, then gone.
        self.assertStatus(self.stack.request("DELETE", f"{API}/selections/{s['id']}", token=self.owner), 204)
        self.assertError(self.stack.request("GET", f"{API}/selections/{s['id']}", token=self.owner), 404, "not_found")
        self.assertError(self.package(s["id"]), 404, "not_found")
        self.assertError(self.stack.request("DELETE", f"{API}/selections/{s['id']}", token=self.owner),
                         404, "not_found")

    def test_operation_log(self):
        s = self.select(self.product["id"], self.main_materials[:1])
        body = {"productId": self.product["id"], "selections": self.items(self.main_materials[1:2])}
        r = self.stack.request("PUT", f"{API}/selections/{s['id']}", body=body, token=self.owner,
                               headers={"X-Audit-Reason": "换一张".encode()})
        self.assertStatus(r, 200)
        updated = r.json()
        self.assertStatus(self.stack.request("DELETE", f"{API}/selections/{s['id']}", token=self.owner), 204)
        entries = self.logs(targetType="selection", targetId=s["id"])
        self.assertEqual(sorted(e["action"] for e in entries),
                         ["selection.create", "selection.delete", "selection.update"])
        by_action = {e["action"]: e for e in entries}
        for e in entries:
            self.assertEqual((e["userId"], e["targetType"], e["targetId"]),
                             (self.owner_user["id"], "selection", s["id"]))
        self.assertEqual(by_action["selection.create"]["details"]["after"], s)
        self.assertEqual(by_action["selection.update"]["details"]["before"], s)
        self.assertEqual(by_action["selection.update"]["details"]["after"], updated)
        self.assertEqual(by_action["selection.update"]["details"]["reason"], "换一张")
        self.assertEqual(by_action["selection.delete"]["details"]["before"], updated)
        # Rejected requests log nothing.
        self.assertEqual(self.logs(targetType="selection", targetId=s["id"]), entries)


# ---------------------------------------------------------------------------------- packages

class PackageTest(PackageTestCase):
    """One product with three modules created out of display order, materials with Chinese and
    emoji names, a Windows device name and a trailing dot; the owner's selection skips one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = p = cls.new_product("PKG")
        cls.spu = p["spuCode"]
        # Display order: main (1), sku 面料 (2), detail (3) — created in another order.
        cls.detail = cls.new_module(p["id"], "detail", "", order=3)
        cls.main = cls.new_module(p["id"], "main", "", order=1)
        cls.fabric = cls.new_module(p["id"], "sku", "面料", order=2)
        cls.detail_materials = cls.upload(cls.detail["id"], [("详情 1.png", png(64, 40)), ("动图.gif", gif())])
        jpeg = cls.preview_bytes(cls.detail_materials[0]["id"])
        cls.main_materials = cls.upload(cls.main["id"], [("正面.png", png()), ("背面.png", png()),
                                                         ("侧面 近景.png", png())])
        cls.fabric_materials = cls.upload(cls.fabric["id"], [("面料细节🧵.png", png()), ("CON.png", png()),
                                                             ("aux.jpg", jpeg), ("尾点.png...", png())])
        picked_main = [cls.main_materials[0], cls.main_materials[2]]
        cls.picks = [(cls.main, picked_main), (cls.fabric, cls.fabric_materials), (cls.detail, cls.detail_materials)]
        # The request lists the items in no particular order; the archive has its own.
        items = cls.items(cls.detail_materials[::-1] + cls.fabric_materials[::-1] + picked_main[::-1])
        r = cls.stack.request("POST", f"{API}/selections", token=cls.owner,
                              body={"productId": p["id"], "selections": items})
        assert r.status == 201, r
        cls.selection = r.json()
        r = cls.stack.request("GET", f"{API}/selections/{cls.selection['id']}/package", token=cls.owner)
        assert r.status == 200, r
        cls.full = r.body
        cls.etag = r.headers["ETag"]

    def owned_selection(self, product_id, materials):
        return self.select(product_id, materials)["id"]

    # ------------------------------------------------------------------ the archive

    def test_upload_names_are_as_expected(self):
        self.assertEqual([m["filename"] for m in self.fabric_materials],
                         ["面料细节🧵.png", "CON.png", "aux.jpg", "尾点.png"])

    def test_layout_names_and_bytes(self):
        expected = self.expected(self.spu, self.picks)
        s = self.spu
        self.assertEqual([n for n, _ in expected], [
            f"{s}/主图/01-正面.png", f"{s}/主图/02-侧面 近景.png",
            f"{s}/SKU图/面料/01-面料细节🧵.png", f"{s}/SKU图/面料/02-CON.png", f"{s}/SKU图/面料/03-aux.jpg",
            f"{s}/SKU图/面料/04-尾点.png",
            f"{s}/详情图/01-详情 1.png", f"{s}/详情图/02-动图.gif"])
        self.assertArchive(self.full, expected)
        with zipfile.ZipFile(io.BytesIO(self.full)) as zf:
            for info in zf.infolist():
                with self.subTest(name=info.filename):
                    self.assertEqual(info.compress_type, zipfile.ZIP_STORED)
                    self.assertTrue(info.flag_bits & 0x800, "general-purpose bit 11 (UTF-8 names)")
                    self.assertFalse(info.flag_bits & 0x8, "no data descriptor")
                    self.assertEqual(info.file_size, info.compress_size)
            self.assertIsNone(zf.testzip())

    def test_unicode_path_extra_field_names_the_entry(self):
        with zipfile.ZipFile(io.BytesIO(self.full)) as zf:
            for info in zf.infolist():
                extra, found = info.extra, None
                while len(extra) >= 4:
                    tag, size = struct.unpack("<HH", extra[:4])
                    if tag == 0x7075:
                        body = extra[4:4 + size]
                        found = body[5:].decode("utf-8")
                        self.assertEqual(body[0], 1, "version 1")
                        self.assertEqual(struct.unpack("<I", body[1:5])[0],
                                         zlib.crc32(info.orig_filename.encode("utf-8")) & 0xFFFFFFFF)
                    extra = extra[4 + size:]
                self.assertEqual(found, info.filename)

    def test_headers(self):
        sock, resp = raw_get(self.stack, f"{API}/selections/{self.selection['id']}/package", self.owner)
        try:
            self.assertEqual(resp.status, 200)
            # Every byte on the connection until it closes: exactly Content-Length of them.
            body = resp.fp.read()
        finally:
            hang_up(sock, resp)
        self.assertEqual(int(resp.getheader("Content-Length")), len(self.full))
        self.assertIsNone(resp.getheader("Transfer-Encoding"))
        self.assertEqual(body, self.full)
        self.assertEqual(resp.getheader("Content-Type"), "application/zip")
        self.assertEqual(resp.getheader("Accept-Ranges"), "bytes")
        self.assertRegex(resp.getheader("ETag"), STRONG_ETAG)
        self.assertEqual(resp.getheader("ETag"), self.etag)
        disposition = resp.getheader("Content-Disposition")
        self.assertTrue(disposition.startswith("attachment;"), disposition)
        self.assertIn("filename*=UTF-8''" + urllib.parse.quote(f"{self.spu}.zip"), disposition)

    def test_identical_bytes_on_every_request(self):
        for token in (self.owner, self.admin):
            r = self.package_ok(self.selection["id"], token=token)
            self.assertEqual(r.headers["ETag"], self.etag)
            self.assertEqual(sha256(r.body), sha256(self.full))

    def test_archive_readers(self):
        expected = self.expected(self.spu, self.picks)
        names = [n for n, _ in expected]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "package.zip")
            with open(path, "wb") as f:
                f.write(self.full)
            with self.subTest("unzip -t"):
                out = run(["unzip", "-t", path])
                self.assertEqual(out.returncode, 0, out)
                self.assertIn(b"No errors detected", out.stdout)
            with self.subTest("unzip -x"):
                dest = os.path.join(tmp, "unzip")
                out = run(["unzip", "-q", path, "-d", dest])
                self.assertEqual(out.returncode, 0, out)
                self.assertEqual(files_under(dest), {n: sha256(d) for n, d in expected})
            with self.subTest("bsdtar -tf"):
                out = run(["bsdtar", "-tf", path])
                self.assertEqual(out.returncode, 0, out)
                self.assertEqual(out.stdout.decode("utf-8").splitlines(), names)
            with self.subTest("curl | bsdtar -xf -"):
                dest = os.path.join(tmp, "bsdtar")
                os.mkdir(dest)
                out = run(f"curl -sS --fail -H 'Authorization: Bearer {self.owner}' '{self.url(self.selection['id'])}'"
                          f" | bsdtar -xf - -C '{dest}'")
                self.assertEqual(out.returncode, 0, out)
                self.assertEqual(files_under(dest), {n: sha256(d) for n, d in expected})
            with self.subTest("7z t"):
                out = run(["7z", "t", path])
                self.assertEqual(out.returncode, 0, out)
                self.assertIn(b"Everything is Ok", out.stdout)
                self.assertIn(f"Files: {len(expected)}".encode(), out.stdout)
            with self.subTest("7z x"):
                dest = os.path.join(tmp, "7z")
                out = run(["7z", "x", f"-o{dest}", path])
                self.assertEqual(out.returncode, 0, out)
                self.assertEqual(files_under(dest), {n: sha256(d) for n, d in expected})
            with self.subTest("python3 -m zipfile -t"):
                out = run(["python3", "-m", "zipfile", "-t", path])
                self.assertEqual(out.returncode, 0, out)
                self.assertNotIn(b"bad", out.stdout.lower() + out.stderr.lower())
            with self.subTest("java ZipInputStream"):
                out = run(["java", os.path.join(HERE, "ZipRead.java"), path])
                self.assertEqual(out.returncode, 0, out)
                self.assertEqual(out.stdout.decode("utf-8").splitlines(),
                                 [f"{n}\t{len(d)}\t{zlib.crc32(d) & 0xFFFFFFFF:08x}" for n, d in expected])

    def test_preview_package(self):
        r = self.package_ok(self.selection["id"], type_="preview")
        expected = self.expected(self.spu, self.picks, preview=True)
        self.assertTrue(all(n.endswith(".jpg") for n, _ in expected))
        self.assertIn(f"{self.spu}/SKU图/面料/02-CON.jpg", [n for n, _ in expected])
        self.assertArchive(r.body, expected)
        for _name, data in expected:
            self.assertTrue(data.startswith(b"\xff\xd8"), "a JPEG")
        self.assertRegex(r.headers["ETag"], STRONG_ETAG)
        self.assertNotEqual(r.headers["ETag"], self.etag)
        self.assertIn("filename*=UTF-8''" + urllib.parse.quote(f"{self.spu}-preview.zip"),
                      r.headers["Content-Disposition"])
        self.assertEqual(self.package_ok(self.selection["id"], type_="preview").body, r.body)
        self.assertEqual(self.package_ok(self.selection["id"], type_="package").body, self.full)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "preview.zip")
            with open(path, "wb") as f:
                f.write(r.body)
            out = run(["unzip", "-t", path])
            self.assertEqual(out.returncode, 0, out)

    def test_type_must_be_package_or_preview(self):
        for value in ("zip", "", "PACKAGE", "preview,package", "thumbnail"):
            with self.subTest(type=value):
                r = self.package(self.selection["id"], type_=value)
                self.assertError(r, 400, r.error_code, "type")

    # ------------------------------------------------------------------ ranges

    def ranged(self, spec, headers=None, token=None):
        hdrs = {"Range": spec}
        hdrs.update(headers or {})
        return self.package(self.selection["id"], headers=hdrs, token=token)

    def assertPartial(self, r, first, last):
        size = len(self.full)
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.headers["Content-Range"], f"bytes {first}-{last}/{size}")
        self.assertEqual(int(r.headers["Content-Length"]), last - first + 1)
        self.assertEqual(r.headers["ETag"], self.etag)
        self.assertEqual(r.headers["Accept-Ranges"], "bytes")
        self.assertEqual(r.body, self.full[first:last + 1], f"bytes {first}-{last}")

    def test_ranges_across_record_boundaries(self):
        full, size = self.full, len(self.full)
        entries, central, end = zip_layout(full)
        # Around every boundary of the first two entries (local header, name, data) and of the
        # central directory and end record.
        boundaries = {0, size - 1, central, end, end + 20}
        for header, data, data_end in entries[:2]:
            boundaries |= {header, header + 26, header + 30, data, data_end}
        ranges = set()
        for b in sorted(boundaries):
            for first, last in ((b - 1, b), (b, b), (b - 1, b + 1), (b, b + 15), (b - 16, b - 1), (b - 3, b + 40)):
                first, last = max(first, 0), min(last, size - 1)
                if first <= last:
                    ranges.add((first, last))
        first_data, second_end = entries[0][1], entries[1][2]
        ranges.add((first_data - 5, second_end + 5))  # spans two whole entries
        before = len(self.downloads())
        for first, last in sorted(ranges):
            with self.subTest(range=(first, last)):
                self.assertPartial(self.ranged(f"bytes={first}-{last}"), first, last)
        # Open-ended, suffix, past the end (clamped), whitespace.
        self.assertPartial(self.ranged(f"bytes={central}-"), central, size - 1)
        self.assertPartial(self.ranged("bytes=-100"), size - 100, size - 1)
        self.assertPartial(self.ranged(f"bytes=-{size + 50}"), 0, size - 1)
        self.assertPartial(self.ranged(f"bytes={size - 10}-{size + 1000}"), size - 10, size - 1)
        self.assertPartial(self.ranged("bytes=0-0"), 0, 0)
        # Ranges starting at 0 were downloads, the others continuations.
        at_zero = sum(1 for first, _ in ranges if first == 0) + 2
        self.assertEqual(len(self.downloads()) - before, at_zero)

    def test_several_ranges_get_the_whole_archive(self):
        for spec in ("bytes=0-9,20-29", "bytes=100-199, 300-399", "bytes=-10,0-5"):
            with self.subTest(spec=spec):
                r = self.ranged(spec)
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(r.headers["Content-Range"])
                self.assertEqual(r.body, self.full)

    def test_invalid_range_headers_are_ignored(self):
        for spec in ("bytes=abc", "items=0-5", "bytes=50-10", "bytes="):
            with self.subTest(spec=spec):
                r = self.ranged(spec)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, self.full)

    def test_unsatisfiable_range_is_416(self):
        size = len(self.full)
        before = len(self.downloads())
        for spec in (f"bytes={size}-", f"bytes={size + 100}-{size + 200}", "bytes=-0"):
            with self.subTest(spec=spec):
                r = self.ranged(spec)
                self.assertEqual(r.status, 416, r)
                self.assertEqual(r.headers["Content-Range"], f"bytes */{size}")
                self.assertIn("error", r.json())
        self.assertEqual(len(self.downloads()), before, "a 416 is no download")

    def test_if_range(self):
        # The current ETag: the range.
        r = self.ranged("bytes=100-199", headers={"If-Range": self.etag})
        self.assertPartial(r, 100, 199)
        # Anything else (another ETag, the weak form, a date): the whole archive.
        for validator in ('"0123456789abcdef0123456789abcdef"', "W/" + self.etag,
                          "Sat, 21 Nov 2026 10:00:00 GMT"):
            with self.subTest(validator=validator):
                r = self.ranged("bytes=100-199", headers={"If-Range": validator})
                self.assertEqual(r.status, 200, r)
                self.assertIsNone(r.headers["Content-Range"])
                self.assertEqual(int(r.headers["Content-Length"]), len(self.full))
                self.assertEqual(r.body, self.full)

    def test_stale_if_range_after_the_selection_changed(self):
        sid = self.owned_selection(self.product["id"], self.main_materials)
        old = self.package_ok(sid)
        body = {"productId": self.product["id"], "selections": self.items(self.main_materials[1:])}
        r = self.stack.request("PUT", f"{API}/selections/{sid}", token=self.owner, body=body)
        self.assertStatus(r, 200)
        new = self.package_ok(sid)
        self.assertNotEqual(new.headers["ETag"], old.headers["ETag"])
        self.assertArchive(new.body, self.expected(self.spu, [(self.main, self.main_materials[1:])]))
        # A client resuming its old partial copy gets the new archive whole.
        r = self.package(sid, headers={"Range": f"bytes={len(old.body) // 2}-", "If-Range": old.headers["ETag"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, new.body)
        # With the new ETag the range is honoured.
        r = self.package(sid, headers={"Range": "bytes=10-", "If-Range": new.headers["ETag"]})
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.body, new.body[10:])

    def test_download_cut_in_the_middle_resumes_with_curl(self):
        auth = f"Authorization: Bearer {self.owner}"
        url = self.url(self.selection["id"])
        half = len(self.full) // 2 + 7
        before = len(self.downloads())
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "package.zip")
            # The transfer breaks after `half` bytes (head exits, curl gets a broken pipe).
            out = run(f"curl -sS -H '{auth}' '{url}' | head -c {half} > '{path}'; true")
            self.assertEqual(out.returncode, 0, out)
            self.assertEqual(os.path.getsize(path), half)
            out = run(["curl", "-sS", "--fail", "-C", "-", "-o", path, "-H", auth, "-D", "-", url])
            self.assertEqual(out.returncode, 0, out)
            self.assertIn(b"206", out.stdout.splitlines()[0])
            with open(path, "rb") as f:
                resumed = f.read()
        self.assertEqual(sha256(resumed), sha256(self.full))
        self.assertEqual(len(self.downloads()) - before, 1, "the continuation is part of the same download")

    # ------------------------------------------------------------------ records, log, access

    def test_download_records(self):
        name = unique("recorder")
        user = self.stack.create_user(name, "viewer")
        token = self.stack.login(name, DEFAULT_PASSWORD)["token"]
        sid = self.select(self.product["id"], self.main_materials[:1], token=token)["id"]
        self.assertEqual(self.downloads(token), [])
        full = self.package_ok(sid, token=token)
        size = len(full.body)
        r = self.package(sid, token=token, headers={"Range": "bytes=0-99"})
        self.assertEqual(r.status, 206, r)
        r = self.package(sid, token=token, headers={"Range": "bytes=100-"})
        self.assertEqual(r.status, 206, r)
        self.assertEqual(full.body[:100] + r.body, full.body)
        preview = self.package_ok(sid, token=token, type_="preview")
        records = self.downloads(token)
        self.assertEqual(len(records), 3, records)
        for d in records:
            self.assertEqual(set(d), DOWNLOAD_KEYS, d)
            self.assertRegex(d["id"], r"^[1-9][0-9]*$")
            self.assertRegex(d["downloadTime"], RFC3339_MS)
            self.assertEqual((d["userId"], d["productId"], d["selectionId"]), (user["id"], self.product["id"], sid))
        # Newest first.
        self.assertEqual([d["downloadType"] for d in records], ["preview", "package", "package"])
        self.assertEqual([d["size"] for d in records], [len(preview.body), size, size])
        self.assertEqual([d["id"] for d in records], sorted((d["id"] for d in records), key=int, reverse=True))
        self.assertGreaterEqual(records[0]["downloadTime"], records[-1]["downloadTime"])
        # Pages of one, and the filters.
        items, pages = self.stack.walk(f"{API}/downloads", token, limit=1)
        self.assertEqual((items, pages), (records, 3))
        self.assertEqual(self.downloads(token, productId=self.product["id"]), records)
        self.assertEqual(self.downloads(token, productId="987654321"), [])
        self.assertEqual(self.downloads(token, userId=user["id"]), records)
        r = self.stack.request("GET", f"{API}/downloads?userId={self.owner_user['id']}", token=token)
        self.assertStatus(r, 403)
        self.assertStatus(self.stack.request("GET", f"{API}/downloads?productId=abc", token=token), 400)
        self.assertStatus(self.stack.request("GET", f"{API}/downloads", token=None), 401)
        # download.read_all: the admin sees them.
        self.assertEqual(self.downloads(self.admin, userId=user["id"]), records)
        both = self.downloads(self.admin, productId=self.product["id"])
        self.assertTrue({d["id"] for d in records} <= {d["id"] for d in both})

    def test_download_operation_log(self):
        sid = self.owned_selection(self.product["id"], self.fabric_materials[:2])
        self.package_ok(sid, headers={"X-Audit-Reason": "下载".encode()})
        self.package_ok(sid, type_="preview")
        records = [d for d in self.downloads() if d["selectionId"] == sid]
        self.assertEqual(len(records), 2)
        for d in records:
            action = f"download.{d['downloadType']}"
            entries = self.logs(action=action, targetId=d["id"])
            self.assertEqual(len(entries), 1, entries)
            e = entries[0]
            self.assertEqual((e["userId"], e["targetType"], e["targetId"]),
                             (self.owner_user["id"], "download", d["id"]))
            self.assertEqual(e["details"]["after"], d)

    def test_who_may_download(self):
        sid = self.selection["id"]
        # Anonymous: 401, for both types.
        for type_ in (None, "preview"):
            self.assertStatus(self.package(sid, type_=type_, anonymous=True), 401)
        # Another viewer: the selection does not exist for them.
        for type_ in (None, "preview"):
            self.assertError(self.package(sid, token=self.other, type_=type_), 404, "not_found")
        self.assertError(self.package("987654321"), 404, "not_found")
        r = self.package("abc")
        self.assertError(r, 404, r.error_code)
        # The admin (selection.read_all) downloads it — the same bytes — and the record is theirs.
        before = len(self.downloads(self.admin, userId=self.admin_user["id"]))
        r = self.package_ok(sid, token=self.admin)
        self.assertEqual(r.body, self.full)
        records = self.downloads(self.admin, userId=self.admin_user["id"])
        self.assertEqual(len(records), before + 1)
        self.assertEqual(records[0]["selectionId"], sid)
        # A viewer downloads their own (the owner is one).
        self.package_ok(sid, token=self.owner)

    # ------------------------------------------------------------------ the archive follows the catalogue

    def test_order_follows_modules_and_materials(self):
        p = self.new_product("ORD")
        a = self.new_module(p["id"], "detail", "", order=1)
        b = self.new_module(p["id"], "main", "", order=2)
        a_mats = self.upload(a["id"], [("一.png", png()), ("二.png", png()), ("三.png", png())])
        b_mats = self.upload(b["id"], [("主.png", png())])
        sid = self.owned_selection(p["id"], [a_mats[2], b_mats[0], a_mats[0]])
        first = self.package_ok(sid)
        self.assertArchive(first.body, self.expected(p["spuCode"], [(a, [a_mats[0], a_mats[2]]), (b, b_mats)]))
        # Reversing the materials renumbers them.
        r = self.stack.request("PUT", f"{API}/modules/{a['id']}/materials/order", token=self.uploader,
                               body={"materialIds": [m["id"] for m in a_mats[::-1]]})
        self.assertStatus(r, 200)
        second = self.package_ok(sid)
        self.assertNotEqual(second.headers["ETag"], first.headers["ETag"])
        self.assertArchive(second.body, self.expected(p["spuCode"], [(a, [a_mats[2], a_mats[0]]), (b, b_mats)]))
        # Moving a module moves its directory.
        r = self.stack.request("PATCH", f"{API}/modules/{b['id']}", token=self.uploader, body={"order": 0})
        self.assertStatus(r, 200)
        third = self.package_ok(sid)
        self.assertNotEqual(third.headers["ETag"], second.headers["ETag"])
        self.assertArchive(third.body, self.expected(p["spuCode"], [(b, b_mats), (a, [a_mats[2], a_mats[0]])]))
        # Unrelated changes (the product's name, another material) leave the bytes as they were.
        r = self.stack.request("PATCH", f"{API}/products/{p['id']}", token=self.uploader, body={"name": "改名商品"})
        self.assertStatus(r, 200)
        self.upload(a["id"], [("四.png", png())])
        again = self.package_ok(sid)
        self.assertEqual(again.headers["ETag"], third.headers["ETag"])
        self.assertEqual(again.body, third.body)

    def test_renamed_material_changes_the_archive(self):
        p = self.new_product("REN")
        m = self.new_module(p["id"], "main")
        mats = self.upload(m["id"], [("旧名.png", png())])
        sid = self.owned_selection(p["id"], mats)
        first = self.package_ok(sid)
        r = self.stack.request("PATCH", f"{API}/materials/{mats[0]['id']}", token=self.uploader,
                               body={"filename": "新名.png"})
        self.assertStatus(r, 200)
        mats[0]["filename"] = r.json()["filename"]
        second = self.package_ok(sid)
        self.assertNotEqual(second.headers["ETag"], first.headers["ETag"])
        self.assertArchive(second.body, self.expected(p["spuCode"], [(m, mats)]))

    def test_deleted_materials_are_left_out(self):
        p = self.new_product("DEL")
        m = self.new_module(p["id"], "main")
        sku = self.new_module(p["id"], "sku", "黑色", order=1)
        mats = self.upload(m["id"], [("甲.png", png()), ("乙.png", png()), ("丙.png", png())])
        sku_mats = self.upload(sku["id"], [("黑.png", png())])
        sid = self.owned_selection(p["id"], mats + sku_mats)
        first = self.package_ok(sid)
        self.assertArchive(first.body, self.expected(p["spuCode"], [(m, mats), (sku, sku_mats)]))
        self.assertStatus(self.stack.request("DELETE", f"{API}/materials/{mats[0]['id']}", token=self.uploader), 204)
        second = self.package_ok(sid)
        self.assertNotEqual(second.headers["ETag"], first.headers["ETag"])
        self.assertArchive(second.body, self.expected(p["spuCode"], [(m, mats[1:]), (sku, sku_mats)]))
        records = [d for d in self.downloads() if d["selectionId"] == sid]
        self.assertEqual(records[0]["size"], len(second.body))
        # A stale partial copy: the whole new archive.
        r = self.package(sid, headers={"Range": "bytes=500-", "If-Range": first.headers["ETag"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, second.body)
        # Nothing left: 409 (and no download record).
        for mat in mats[1:] + sku_mats:
            self.assertStatus(self.stack.request("DELETE", f"{API}/materials/{mat['id']}", token=self.uploader), 204)
        before = len(self.downloads())
        for type_ in (None, "preview"):
            with self.subTest(type=type_):
                r = self.package(sid, type_=type_)
                self.assertError(r, 409, r.error_code)
        self.assertEqual(len(self.downloads()), before)

    def test_names_are_sanitised_and_unique(self):
        p = self.new_product("NAMES")
        spu = p["spuCode"]
        red = self.new_module(p["id"], "sku", "Red", order=1)
        red_dot = self.new_module(p["id"], "sku", "red.", order=2)  # "red" once cleaned
        con = self.new_module(p["id"], "sku", "CON", order=3)
        aux = self.new_module(p["id"], "detail", "aux.jpg", order=4)
        dots = self.new_module(p["id"], "main", "尾点...", order=0)
        red_mats = self.upload(red["id"], [("A.png", png()), ("颜色.png", png())])
        red_dot_mats = self.upload(red_dot["id"], [("a.png", png()), ("颜色.png", png()), ("COLOR.png", png())])
        con_mats = self.upload(con["id"], [("NUL.png", png())])
        aux_mats = self.upload(aux["id"], [("com1.png", png())])
        dots_mats = self.upload(dots["id"], [("emoji 😀🎉.png", png()), ("名字. .png", png())])
        all_mats = dots_mats + red_mats + red_dot_mats + con_mats + aux_mats
        sid = self.owned_selection(p["id"], all_mats)
        r = self.package_ok(sid)
        names = [n for n, _ in zip_entries(r.body)]
        self.assertEqual(names, [
            f"{spu}/主图/尾点/01-emoji 😀🎉.png",
            f"{spu}/主图/尾点/02-{dots_mats[1]['filename']}",
            f"{spu}/SKU图/Red/01-A.png",
            f"{spu}/SKU图/Red/02-颜色.png",
            f"{spu}/SKU图/red/01-a (2).png",
            f"{spu}/SKU图/red/02-颜色 (2).png",
            f"{spu}/SKU图/red/03-COLOR.png",
            f"{spu}/SKU图/_CON/01-NUL.png",
            f"{spu}/详情图/_aux.jpg/01-com1.png",
        ])
        # The bytes follow the names.
        self.assertEqual([sha256(d) for _, d in zip_entries(r.body)], [m["sha256"] for m in all_mats])
        for name in names:
            for part in name.split("/"):
                self.assertFalse(part.endswith((".", " ")), name)
                self.assertNotRegex(part, r'[<>:"|?*\\\x00-\x1f]', name)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "names.zip")
            with open(path, "wb") as f:
                f.write(r.body)
            for cmd in (["unzip", "-t", path], ["7z", "t", path], ["python3", "-m", "zipfile", "-t", path],
                        ["java", os.path.join(HERE, "ZipRead.java"), path]):
                with self.subTest(cmd=cmd[0]):
                    out = run(cmd)
                    self.assertEqual(out.returncode, 0, out)
            out = run(["bsdtar", "-tf", path])
            self.assertEqual(out.stdout.decode("utf-8").splitlines(), names)


# ---------------------------------------------------------------------------------- concurrency

class DownloadLimitTest(PackageTestCase):
    """download.per_user_limit = 1: a second package download of the same user while the first
    is still streaming is a 429 (too_many_downloads, Retry-After); other users are not held up;
    once the first ends, the user may download again."""

    extra_config = {"download.per_user_limit": "1"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.new_product("BIG")
        m = cls.new_module(p["id"], "main")
        # ~15 MB of incompressible bytes: far more than nginx and the sockets buffer, so an unread
        # download keeps the server writing.
        mats = cls.upload(m["id"], [(f"大图{i}.png", png(32, 32, pad_to=5_000_000)) for i in range(3)])
        r = cls.stack.request("POST", f"{API}/selections", token=cls.owner,
                              body={"productId": p["id"], "selections": cls.items(mats)})
        assert r.status == 201, r
        cls.sid = r.json()["id"]
        cls.path = f"{API}/selections/{cls.sid}/package"
        cls.expected_names = [f"{p['spuCode']}/主图/{i + 1:02d}-{m['filename']}" for i, m in enumerate(mats)]
        cls.mats = mats

    def test_second_concurrent_download_is_429_until_the_first_ends(self):
        before = len(self.downloads())
        sock, resp = raw_get(self.stack, self.path, self.owner, rcvbuf=16384)
        try:
            self.assertEqual(resp.status, 200)
            size = int(resp.getheader("Content-Length"))
            self.assertGreater(size, 15_000_000)
            # The first download is under way (its body unread): the same user is refused ...
            for headers in ({}, {"Range": "bytes=1000-"}):
                r = self.stack.request("GET", self.path, token=self.owner, headers=headers)
                self.assertError(r, 429, "too_many_downloads")
                self.assertGreater(int(r.headers["Retry-After"]), 0)
            r = self.stack.request("GET", self.path + "?type=preview", token=self.owner)
            self.assertError(r, 429, "too_many_downloads")
            # ... while the API answers, and another user downloads (the admin may read it).
            self.assertStatus(self.stack.request("GET", f"{API}/auth/me", token=self.owner), 200)
            r = self.stack.request("GET", self.path, token=self.admin)
            self.assertStatus(r, 200)
            self.assertEqual(len(r.body), size)
            full = r.body
            self.assertEqual([n for n, _ in zip_entries(full)], self.expected_names)
        finally:
            hang_up(sock, resp)
        # The refused requests recorded nothing.
        self.assertEqual(len(self.downloads()) - before, 1)
        # Once the client is gone the server notices and the user may download again.
        deadline = time.monotonic() + 15
        while True:
            r = self.stack.request("GET", self.path, token=self.owner)
            if r.status != 429 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertStatus(r, 200)
        self.assertEqual(r.body, full)
        self.assertEqual(len(self.downloads()) - before, 2)

    def test_sequential_downloads_are_not_limited(self):
        # Back to back, each begun once the previous one's last byte has arrived: a download that
        # the client has received whole no longer counts.
        statuses = [self.stack.request("GET", self.path, token=self.owner, headers={"Range": "bytes=0-1023"}).status
                    for _ in range(20)]
        statuses += [self.stack.request("GET", self.path, token=self.owner).status for _ in range(2)]
        self.assertEqual(statuses, [206] * 20 + [200] * 2)


class DamagedBlobTest(PackageTestCase):
    """A stored file that no longer matches its row (bytes flipped on disk, or cut short) breaks
    the download off: the client gets fewer bytes than Content-Length, never a complete archive
    with wrong contents, and the server goes on serving."""

    def damaged_download(self, damage):
        p = self.new_product("BAD")
        m = self.new_module(p["id"], "main")
        mats = self.upload(m["id"], [("好.png", png(40, 30, pad_to=300_000)), ("坏.png", png(41, 30, pad_to=300_000))])
        sel = self.select(p["id"], mats)
        victim = mats[1]["sha256"]
        path = os.path.join(self.stack.tmp, "objects", victim[:2], victim[2:4], victim)
        damage(path)
        sock, resp = raw_get(self.stack, f"{API}/selections/{sel['id']}/package", self.owner)
        try:
            self.assertEqual(resp.status, 200)
            length = int(resp.getheader("Content-Length"))
            with self.assertRaises((http.client.IncompleteRead, ConnectionError)):
                resp.read()
        finally:
            hang_up(sock, resp)
        self.assertGreater(length, 600_000)
        self.assertStatus(self.stack.request("GET", "/healthz"), 200)
        self.assertStatus(self.stack.request("GET", f"{API}/auth/me", token=self.owner), 200)

    def test_flipped_byte_breaks_the_download_off(self):
        def flip(path):
            os.chmod(path, 0o644)
            with open(path, "r+b") as f:
                f.seek(200_000)
                b = f.read(1)
                f.seek(200_000)
                f.write(bytes([b[0] ^ 0xFF]))
        self.damaged_download(flip)

    def test_shortened_file_breaks_the_download_off(self):
        def cut(path):
            os.chmod(path, 0o644)
            os.truncate(path, 1000)
        self.damaged_download(cut)


# ---------------------------------------------------------------------------------- ZIP64

BIG_SIZE = 5 * 1024 ** 3


@unittest.skipUnless(os.environ.get("MOFANG_TEST_BIG_PACKAGE") == "1",
                     "set MOFANG_TEST_BIG_PACKAGE=1 for the > 4 GiB package (sparse 5 GiB files, 1–2 minutes)")
@unittest.skipIf(ON_MYSQL, "the > 4 GiB package test edits the SQLite database directly; SQLite run only")
class BigPackageTest(PackageTestCase):
    """A package over 4 GiB (ZIP64 sizes and offsets): one material's blob is replaced, in
    storage and in its database row, by a 5 GiB sparse file of zeros."""

    def test_package_over_4_gib(self):
        s = self.stack
        p = self.new_product("ZIP64")
        m = self.new_module(p["id"], "main")
        mats = self.upload(m["id"], [("前.png", png()), ("巨大.png", png()), ("后.png", png())])
        big = mats[1]
        # 5 GiB of zeros: digest and CRC-32, streamed.
        digest, crc, chunk = hashlib.sha256(), 0, bytes(64 << 20)
        for _ in range(BIG_SIZE // len(chunk)):
            digest.update(chunk)
            crc = zlib.crc32(chunk, crc)
        key = digest.hexdigest()
        blob = os.path.join(s.tmp, "objects", key[:2], key[2:4], key)
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        with open(blob, "wb") as f:
            f.truncate(BIG_SIZE)
        with sqlite3.connect(os.path.join(s.tmp, "mofang.db")) as db:
            (stored_key,) = db.execute("SELECT storage_key FROM materials WHERE id = ?", (int(big["id"]),)).fetchone()
            self.assertEqual(stored_key, big["sha256"], "storage keys are the SHA-256 (content addressed)")
            db.execute("UPDATE materials SET storage_key = ?, sha256 = ?, crc32 = ?, filesize = ? WHERE id = ?",
                       (key, key, crc, BIG_SIZE, int(big["id"])))
        sid = self.select(p["id"], mats)["id"]

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "big.zip")
            sock, resp = raw_get(s, f"{API}/selections/{sid}/package", self.owner, timeout=120)
            received = 0
            zero = bytes(1 << 20)
            buf = bytearray(1 << 20)
            view = memoryview(buf)
            try:
                self.assertEqual(resp.status, 200)
                size = int(resp.getheader("Content-Length"))
                self.assertGreater(size, BIG_SIZE)
                with open(path, "wb") as f:
                    # Runs of zeros are skipped (a sparse file), so the copy costs little disk.
                    while True:
                        n = resp.readinto(view)
                        if not n:
                            break
                        if n == len(buf) and buf == zero:
                            f.seek(n, os.SEEK_CUR)
                        else:
                            f.write(view[:n])
                        received += n
                    f.truncate(received)
            finally:
                hang_up(sock, resp)
            self.assertEqual(received, size)
            out = run(["unzip", "-t", path], timeout=600)
            self.assertEqual(out.returncode, 0, out)
            self.assertIn(b"No errors detected", out.stdout)
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
                self.assertEqual([i.filename for i in infos],
                                 [f"{p['spuCode']}/主图/{i + 1:02d}-{x['filename']}" for i, x in enumerate(mats)])
                self.assertEqual([i.file_size for i in infos], [mats[0]["filesize"], BIG_SIZE, mats[2]["filesize"]])
                self.assertGreater(infos[2].header_offset, 0xFFFFFFFF)
                self.assertEqual(zf.read(infos[0]), mats[0]["data"])
                self.assertEqual(zf.read(infos[2]), mats[2]["data"])
                self.assertIsNone(zf.testzip())
            # The tail of the archive, by Range, is the same as in the whole download.
            with open(path, "rb") as f:
                f.seek(size - 4096)
                tail = f.read()
        r = self.package(sid, headers={"Range": "bytes=-4096"})
        self.assertEqual(r.status, 206, r)
        self.assertEqual(r.body, tail)


if __name__ == "__main__":
    unittest.main()
