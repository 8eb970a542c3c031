"""Materials end to end (SPEC §4 upload rules, §5 routes), all through nginx: multipart uploads
of JPEG, PNG, GIF and WebP (several files per request, all-or-nothing), the file-name rules,
type detection from the bytes (415), the size and pixel limits (413, 422), undecodable images,
chunked and streamed bodies, deduplication of identical bytes, delivery of the file and its
renditions by nginx (X-Accel-Redirect: Content-Type, Content-Disposition, ETag, Range, 304),
metadata PATCH/DELETE, reordering, permissions and CSRF, the operation log, and `mofangctl gc`.

After every rejected upload the suite checks that nothing was stored: no new material row, no
new material.upload log entry, no new file or directory under the storage directory, and an
empty staging directory.

The images are made here in pure Python: PNG with zlib, GIF89a with a hand-rolled LZW stream
(3-bit codes, a clear code every two pixels), WebP as a 38-byte lossless VP8L file, and the JPEG
fixture is the server's own preview rendition (a real baseline JPEG) of an uploaded PNG."""

import contextlib
import hashlib
import http.client
import os
import re
import secrets
import socket
import struct
import subprocess
import time
import unittest
import urllib.parse
import zlib

from stack import DEFAULT_PASSWORD, RFC3339_MS, Response, StackTestCase, unique

API = "/api/v1"
MATERIAL_KEYS = {"id", "moduleId", "url", "filename", "filesize", "mimetype", "width", "height", "order",
                 "sha256", "thumbnailUrl", "previewUrl", "createdAt", "updatedAt"}
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')


# ---------------------------------------------------------------------------------- images

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _ihdr(width, height):
    return _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def png(width, height, seed=None, noise=False, pad_to=None):
    """An 8-bit RGB PNG. Pixels depend on `seed` (random when None), so two calls give different
    bytes and different renditions; noise=True makes incompressible pixels; pad_to makes the file
    exactly that many bytes long with a private ancillary chunk (decoders skip it)."""
    seed = secrets.randbits(24) if seed is None else seed
    r0, g0, b0 = (seed >> 16) & 255, (seed >> 8) & 255, seed & 255
    if noise:
        raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    else:
        bands = {}
        rows = []
        for y in range(height):
            band = (y * 4) // height
            if band not in bands:
                bands[band] = b"\x00" + bytes(v for x in range(width)
                                              for v in ((r0 + x) & 255, (g0 + 60 * band) & 255, b0))
            rows.append(bands[band])
        raw = b"".join(rows)
    body = PNG_SIGNATURE + _ihdr(width, height) + _png_chunk(b"IDAT", zlib.compress(raw, 6))
    iend = _png_chunk(b"IEND", b"")
    if pad_to is not None:
        pad = pad_to - len(body) - len(iend) - 12
        if pad < 0:
            raise ValueError(f"a {width}x{height} PNG is already {len(body) + len(iend)} bytes")
        body += _png_chunk(b"prVt", os.urandom(pad))
    return body + iend


def png_header_only(width, height):
    """A PNG whose IHDR claims width × height, followed by a tiny bogus IDAT."""
    return PNG_SIGNATURE + _ihdr(width, height) + _png_chunk(b"IDAT", b"bogus") + _png_chunk(b"IEND", b"")


def truncated_png():
    """A real 64×64 PNG (valid header) cut in the middle of its IDAT data."""
    full = png(64, 64, noise=True)
    idat = full.index(b"IDAT")
    length = struct.unpack(">I", full[idat - 4:idat])[0]
    return full[:idat + 4 + length // 2]


def gif(width, height, color=None):
    """A GIF89a of one colour: LZW minimum code size 2, a clear code before every two pixels so
    that the code table never grows past 3-bit codes."""
    color = bytes(color) if color is not None else os.urandom(3)
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
        block = lzw[i:i + 255]
        blocks += bytes([len(block)]) + block
    blocks += b"\x00"
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + color + b"\x00\x00\x00"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02" + bytes(blocks) + b"\x3b")


# A 24×16 lossless WebP (VP8L) of one colour, rgb(200, 30, 90).
WEBP_24x16 = bytes.fromhex("524946461e000000574542505650384c110000002f17c0030007508f2257abff8188e87f0000")

SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" '
       b'height="100"><rect width="100" height="100" fill="red"/></svg>\n')
TEXT = b"This is not a JPEG at all, just a few lines of text.\n" * 20


def image_size(data):
    """(width, height) from a PNG's IHDR, a GIF's screen or a JPEG's SOF segment."""
    if data.startswith(PNG_SIGNATURE):
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data[:2] != b"\xff\xd8":
        raise AssertionError(f"not a PNG, GIF or JPEG: {data[:16]!r}")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise AssertionError(f"JPEG: no marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        i += 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            continue
        length = struct.unpack(">H", data[i:i + 2])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 3:i + 7])
            return width, height
        if marker == 0xDA:
            break
        i += length
    raise AssertionError("JPEG without a SOF segment before its scan")


# ---------------------------------------------------------------------------------- multipart

def file_part(data, filename="image.png", content_type="application/octet-stream", name="file",
              filename_star=None, disposition=None):
    """One multipart part. filename: str (sent as UTF-8) or bytes (sent as they are), None for no
    filename parameter; filename_star: the raw value of filename* (e.g. "UTF-8''%E6%B5%8B.png");
    disposition: the whole Content-Disposition value (bytes), overriding the rest."""
    return {"name": name, "data": data, "filename": filename, "content_type": content_type,
            "filename_star": filename_star, "disposition": disposition}


def field_part(name, value):
    return file_part(value.encode() if isinstance(value, str) else value, filename=None, content_type=None,
                     name=name)


def multipart(parts, boundary=None, final=True):
    """(body, content type) of a multipart/form-data body with these parts."""
    boundary = boundary or "----mofang-e2e-" + secrets.token_hex(12)
    b = boundary.encode()
    out = bytearray()
    for p in parts:
        out += b"--" + b + b"\r\n"
        if p["disposition"] is not None:
            disposition = p["disposition"]
        else:
            disposition = b'form-data; name="' + p["name"].encode() + b'"'
            if p["filename"] is not None:
                fn = p["filename"].encode("utf-8") if isinstance(p["filename"], str) else p["filename"]
                disposition += b'; filename="' + fn + b'"'
            if p["filename_star"] is not None:
                disposition += b"; filename*=" + p["filename_star"].encode("ascii")
        out += b"Content-Disposition: " + disposition + b"\r\n"
        if p["content_type"]:
            out += b"Content-Type: " + p["content_type"].encode() + b"\r\n"
        out += b"\r\n" + p["data"] + b"\r\n"
    if final:
        out += b"--" + b + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def chunked_request(stack, method, path, chunks, headers, timeout=30):
    """A request whose body goes out with Transfer-Encoding: chunked (no Content-Length)."""
    hdrs = {"User-Agent": "mofang-e2e/1.0", "Transfer-Encoding": "chunked"}
    hdrs.update(headers)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=iter(chunks), headers=hdrs, encode_chunked=True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (413) before the whole body was sent
        resp = conn.getresponse()
        return Response(resp.status, resp.reason, resp.msg, resp.read())
    finally:
        conn.close()


def unfinished_request(stack, path, headers, body_start, declared_length=None, timeout=15):
    """Sends the headers and the first part of a body that never ends, then reads the answer:
    a server that waited for the whole body would time out here. With declared_length the body
    has a Content-Length (never reached), otherwise it is chunked (no last chunk)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{stack.port}", "User-Agent: mofang-e2e/1.0"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if declared_length is not None:
        lines.append(f"Content-Length: {declared_length}")
        payload = body_start
    else:
        lines.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n" % len(body_start[i:i + 65536]) + body_start[i:i + 65536] + b"\r\n"
                           for i in range(0, len(body_start), 65536))
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=timeout)
    try:
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = http.client.HTTPResponse(sock, method="POST")
        resp.begin()
        return Response(resp.status, resp.reason, resp.msg, resp.read())
    finally:
        sock.close()


def gc_available(stack):
    """Whether this build's mofangctl has a `gc` command (its usage text lists one)."""
    out = subprocess.run([os.path.join(stack.build_dir, "mofangctl")], capture_output=True, text=True,
                         timeout=30)
    return re.search(r"^\s+gc\b", out.stdout + out.stderr, re.M) is not None


# ---------------------------------------------------------------------------------- base class

class MaterialTestCase(StackTestCase):
    """Tokens, a product, and helpers shared by the material test classes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        uploader = unique("uploader")
        cls.uploader_user = s.create_user(uploader, "uploader")
        cls.uploader_login = s.login(uploader, DEFAULT_PASSWORD)
        cls.uploader = cls.uploader_login["token"]
        viewer = unique("viewer")
        s.create_user(viewer, "viewer")
        cls.viewer = s.login(viewer, DEFAULT_PASSWORD)["token"]
        r = s.request("POST", f"{API}/products", token=cls.uploader,
                      body={"name": "素材测试商品", "spuCode": f"MAT-{secrets.token_hex(4)}", "gender": "unisex",
                            "ageRange": "adult", "scenarios": ["通勤"], "styles": ["简约"]})
        assert r.status == 201, r
        cls.product_id = r.json()["id"]
        cls.objects = os.path.join(s.tmp, "objects")
        cls.staging = os.path.join(cls.objects, ".staging")

    # ------------------------------------------------------------------ requests

    def new_module(self, product_id=None):
        r = self.stack.request("POST", f"{API}/products/{product_id or self.product_id}/modules",
                               body={"type": "sku", "subType": unique("sku")}, token=self.uploader)
        self.assertStatus(r, 201)
        return r.json()["id"]

    def upload_raw(self, module_id, body, content_type, token=None, headers=None, cookie=None, anonymous=False):
        hdrs = {"Content-Type": content_type}
        hdrs.update(headers or {})
        r = self.stack.request("POST", f"{API}/modules/{module_id}/materials", raw=body, headers=hdrs,
                               token=None if anonymous or cookie else (token or self.uploader), cookie=cookie)
        self.assertStagingEmpty()
        return r

    def upload(self, module_id, parts, **kw):
        body, ctype = multipart(parts)
        return self.upload_raw(module_id, body, ctype, **kw)

    def upload_ok(self, module_id, parts, **kw):
        r = self.upload(module_id, parts, **kw)
        self.assertStatus(r, 201)
        body = r.json()
        self.assertEqual(set(body), {"items"}, body)
        self.assertEqual(len(body["items"]), sum(p["name"] == "file" for p in parts), body)
        for m in body["items"]:
            self.assertMaterialShape(m)
            self.assertEqual(m["moduleId"], str(module_id))
        return body["items"]

    def upload_one(self, module_id, data, filename="image.png", **kw):
        return self.upload_ok(module_id, [file_part(data, filename)], **kw)[0]

    def get_material(self, material_id, token=None):
        return self.stack.request("GET", f"{API}/materials/{material_id}", token=token or self.viewer)

    def get_bytes(self, material_id, which="file", token=None, headers=None):
        return self.stack.request("GET", f"{API}/materials/{material_id}/{which}", token=token or self.viewer,
                                  headers=headers)

    def patch_material(self, material_id, body, token=None, headers=None):
        return self.stack.request("PATCH", f"{API}/materials/{material_id}", body=body,
                                  token=token or self.uploader, headers=headers)

    def delete_material(self, material_id, token=None):
        return self.stack.request("DELETE", f"{API}/materials/{material_id}", token=token or self.uploader)

    def reorder(self, module_id, ids, token=None):
        return self.stack.request("PUT", f"{API}/modules/{module_id}/materials/order",
                                  body={"materialIds": ids}, token=token or self.uploader)

    def module_materials(self, module_id):
        r = self.stack.request("GET", f"{API}/modules/{module_id}", token=self.viewer)
        self.assertStatus(r, 200)
        return r.json()["materials"]

    def logs(self, **query):
        query.setdefault("limit", 100)
        r = self.stack.request("GET", f"{API}/operation-logs?{urllib.parse.urlencode(query)}", token=self.admin)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def newest_log_id(self, action):
        entries = self.logs(action=action, limit=1)
        return entries[0]["id"] if entries else None

    # ------------------------------------------------------------------ storage

    def blob_path(self, sha256):
        return os.path.join(self.objects, sha256[:2], sha256[2:4], sha256)

    def storage_snapshot(self):
        """Every file and directory under the storage directory (relative paths, dirs with '/')."""
        found = set()
        for dirpath, dirnames, filenames in os.walk(self.objects):
            rel = os.path.relpath(dirpath, self.objects)
            for d in dirnames:
                found.add(os.path.normpath(os.path.join(rel, d)) + "/")
            for f in filenames:
                found.add(os.path.normpath(os.path.join(rel, f)))
        return found

    def blob_files(self, sha256):
        """Every stored file whose name holds this digest."""
        return sorted(p for p in self.storage_snapshot() if sha256 in p)

    def assertStagingEmpty(self):
        self.assertEqual(os.listdir(self.staging), [], "the staging directory must be empty after a request")

    def wait_staging_empty(self, timeout=3.0):
        """After a request the client gave up on, the server may take a moment to notice."""
        deadline = time.monotonic() + timeout
        while os.listdir(self.staging) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertStagingEmpty()

    @contextlib.contextmanager
    def nothing_stored(self, module_id):
        """The block's requests leave no row, no log entry and no file behind."""
        files = self.storage_snapshot()
        rows = self.module_materials(module_id)
        newest = self.newest_log_id("material.upload")
        yield
        self.wait_staging_empty()
        self.assertEqual(self.storage_snapshot() - files, set(), "a rejected upload left files behind")
        self.assertEqual(files - self.storage_snapshot(), set(), "a rejected upload removed files")
        self.assertEqual(self.module_materials(module_id), rows, "a rejected upload left a material row")
        self.assertEqual(self.newest_log_id("material.upload"), newest, "a rejected upload wrote a log entry")

    # ------------------------------------------------------------------ assertions

    def assertMaterialShape(self, m):
        self.assertEqual(set(m), MATERIAL_KEYS, m)
        self.assertRegex(m["id"], r"^[1-9][0-9]*$")
        self.assertRegex(m["moduleId"], r"^[1-9][0-9]*$")
        self.assertEqual(m["url"], f"{API}/materials/{m['id']}/file")
        self.assertEqual(m["thumbnailUrl"], f"{API}/materials/{m['id']}/thumbnail")
        self.assertEqual(m["previewUrl"], f"{API}/materials/{m['id']}/preview")
        self.assertIsInstance(m["filename"], str)
        self.assertIn(m["mimetype"], ("image/jpeg", "image/png", "image/webp", "image/gif"))
        for k in ("filesize", "width", "height", "order"):
            self.assertIsInstance(m[k], int, k)
            self.assertNotIsInstance(m[k], bool, k)
        self.assertRegex(m["sha256"], r"^[0-9a-f]{64}$")
        self.assertRegex(m["createdAt"], RFC3339_MS)
        self.assertRegex(m["updatedAt"], RFC3339_MS)

    def assertMatches(self, m, data, filename, mimetype):
        """A material describes exactly these bytes."""
        self.assertEqual(m["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(m["filesize"], len(data))
        self.assertEqual(m["mimetype"], mimetype)
        self.assertEqual(m["filename"], filename)
        if mimetype != "image/webp":
            self.assertEqual((m["width"], m["height"]), image_size(data))

    def assertRejected(self, resp, status, code, field=None):
        self.assertError(resp, status, code, field)


# ---------------------------------------------------------------------------------- main suite

class MaterialsTest(MaterialTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        # The JPEG fixture: the server's preview rendition (a baseline JPEG, 640×480, not
        # enlarged) of a PNG uploaded to a scratch module.
        r = s.request("POST", f"{API}/products/{cls.product_id}/modules",
                      body={"type": "detail", "subType": "fixtures"}, token=cls.uploader)
        assert r.status == 201, r
        scratch = r.json()["id"]
        body, ctype = multipart([file_part(png(640, 480), "source.png")])
        r = s.request("POST", f"{API}/modules/{scratch}/materials", raw=body, headers={"Content-Type": ctype},
                      token=cls.uploader)
        assert r.status == 201, r
        r = s.request("GET", r.json()["items"][0]["previewUrl"], token=cls.uploader)
        assert r.status == 200 and r.body[:2] == b"\xff\xd8", r
        cls.jpeg = r.body

    # ------------------------------------------------------------------ happy path

    def test_upload_four_types_in_one_request(self):
        module = self.new_module()
        files = [(png(400, 300), "主图.png", "image/png"), (self.jpeg, "photo.jpg", "image/jpeg"),
                 (gif(40, 30), "anim.gif", "image/gif"), (WEBP_24x16, "pic.webp", "image/webp")]
        before = self.storage_snapshot()
        items = self.upload_ok(module, [file_part(d, n, content_type="application/octet-stream")
                                        for d, n, _ in files], headers={"X-Audit-Reason": b"first batch"})
        self.assertEqual([m["order"] for m in items], [1, 2, 3, 4])
        self.assertEqual(len({m["id"] for m in items}), 4)
        for m, (data, name, mime) in zip(items, files):
            with self.subTest(name=name):
                self.assertMatches(m, data, name, mime)
                self.assertEqual(m["createdAt"], m["updatedAt"])
                r = self.get_material(m["id"])
                self.assertStatus(r, 200)
                self.assertEqual(r.json(), m)
                r = self.get_bytes(m["id"])
                self.assertStatus(r, 200)
                self.assertEqual(r.body, data)
                self.assertEqual(r.headers["Content-Type"], mime)
                self.assertTrue(os.path.isfile(self.blob_path(m["sha256"])))
                with open(self.blob_path(m["sha256"]), "rb") as f:
                    self.assertEqual(f.read(), data)
        self.assertEqual((items[3]["width"], items[3]["height"]), (24, 16))
        # The new PNG and GIF are new blob files (the JPEG and WebP fixtures are stored already).
        new = self.storage_snapshot() - before
        for m in items[:1] + items[2:3]:
            self.assertIn(os.path.relpath(self.blob_path(m["sha256"]), self.objects), new)
        # Embedded in the module (in order) and in the product with ?include=modules.
        self.assertEqual(self.module_materials(module), items)
        r = self.stack.request("GET", f"{API}/products/{self.product_id}?include=modules", token=self.viewer)
        self.assertStatus(r, 200)
        embedded = [m for m in r.json()["modules"] if m["id"] == module]
        self.assertEqual(len(embedded), 1)
        self.assertEqual(embedded[0]["materials"], items)
        # One material.upload entry per material, whose `after` is the material.
        for m in items:
            entries = self.logs(action="material.upload", targetId=m["id"])
            self.assertEqual(len(entries), 1, entries)
            e = entries[0]
            self.assertEqual((e["targetType"], e["targetId"]), ("material", m["id"]))
            self.assertEqual(e["userId"], self.uploader_user["id"])
            self.assertEqual(e["details"]["after"], m)
            self.assertNotIn("before", e["details"])
            self.assertEqual(e["details"].get("reason"), "first batch")

    def test_later_uploads_get_the_next_orders(self):
        module = self.new_module()
        first = self.upload_one(module, png(16, 16))
        self.assertEqual(first["order"], 1)
        self.assertStatus(self.patch_material(first["id"], {"order": 7}), 200)
        more = self.upload_ok(module, [file_part(png(20, 20)), file_part(gif(16, 16))])
        self.assertEqual([m["order"] for m in more], [8, 9])
        self.assertEqual([m["id"] for m in self.module_materials(module)], [first["id"]] + [m["id"] for m in more])

    def test_other_part_names_are_ignored(self):
        module = self.new_module()
        data = png(32, 32)
        parts = [field_part("note", "ignore me"), file_part(SVG, "x.svg", name="attachment"),
                 file_part(data, "kept.png"), field_part("files", "x"), field_part("File", "y")]
        items = self.upload_ok(module, parts)
        self.assertEqual(len(items), 1)
        self.assertMatches(items[0], data, "kept.png", "image/png")

    def test_types_come_from_the_bytes_not_the_name_or_content_type(self):
        module = self.new_module()
        parts = [file_part(png(18, 18), "really-a-png.jpg", content_type="image/jpeg"),
                 file_part(self.jpeg, "really-a-jpeg.gif", content_type="image/gif"),
                 file_part(gif(17, 17), "noext", content_type="text/plain"),
                 file_part(WEBP_24x16, "x.png", content_type="image/png")]
        items = self.upload_ok(module, parts)
        self.assertEqual([m["mimetype"] for m in items], ["image/png", "image/jpeg", "image/gif", "image/webp"])
        self.assertEqual([m["filename"] for m in items],
                         ["really-a-png.png", "really-a-jpeg.jpg", "noext.gif", "x.webp"])

    # ------------------------------------------------------------------ file names

    def test_chinese_file_names(self):
        module = self.new_module()
        names = ["春季新品主图.png", "深空灰 256GB 正面.png", "🎨限定版.png", "𠀋𠀌.png"]
        items = self.upload_ok(module, [file_part(png(16, 16), n) for n in names])
        self.assertEqual([m["filename"] for m in items], names)
        for m, name in zip(items, names):
            self.assertEqual(self.get_material(m["id"]).json()["filename"], name)
            r = self.get_bytes(m["id"])
            self.assertDisposition(r, "attachment", name)

    def test_file_names_are_sanitised(self):
        module = self.new_module()
        long_name = "长" * 300 + ".png"
        cases = [
            ("../../x.png", "x.png"),
            ("/etc/passwd", "passwd.png"),
            ("a<b>c:d|e?f*.png", "a_b_c_d_e_f_.png"),
            ("  ..hidden.png..  ", "hidden.png"),
            ("..", "file.png"),
            ("...", "file.png"),
            ("", "file.png"),
            (None, "file.png"),
            ("dir/", "file.png"),
            ("photo", "photo.png"),
            ("photo.jpg", "photo.png"),
            ("photo.JPEG", "photo.png"),
            ("photo.txt", "photo.txt.png"),
            ("Photo.PNG", "Photo.PNG"),
            ("archive.tar.gif", "archive.tar.png"),
            (long_name, None),
        ]
        items = self.upload_ok(module, [file_part(png(16, 16), n) for n, _ in cases])
        for m, (sent, expected) in zip(items, cases):
            with self.subTest(sent=sent):
                if expected is not None:
                    self.assertEqual(m["filename"], expected)
        got = items[-1]["filename"]
        self.assertLessEqual(len(got.encode("utf-8")), 255)
        self.assertGreaterEqual(len(got.encode("utf-8")), 250)
        self.assertTrue(got.endswith(".png"), got)
        self.assertEqual(set(got[:-4]), {"长"})
        # Control characters and '"' (sent through filename*: a quoted-string cannot hold them
        # unescaped) become '_' too.
        r = self.upload_ok(module, [file_part(png(16, 16), "x.png", filename_star="UTF-8''a%01b%7Fc%09d.png"),
                                    file_part(png(16, 16), "x.png", filename_star="UTF-8''say%22hi%22.png")])
        self.assertEqual([m["filename"] for m in r], ["a_b_c_d.png", "say_hi_.png"])
        # A JPEG keeps its client's spelling of .jpeg.
        r = self.upload_ok(module, [file_part(self.jpeg, "照片.jpeg")])
        self.assertEqual(r[0]["filename"], "照片.jpeg")

    def test_backslash_separates_path_components(self):
        """SPEC §4: both '/' and '\\' separate path components. Browsers send a Windows path
        (old Internet Explorer, some upload tools) with its backslashes as they are: they escape
        only '"', CR and LF in a multipart filename (as %22, %0D, %0A; WHATWG HTML), never '\\'."""
        module = self.new_module()
        cases = [("..\\..\\windows\\evil.png", "evil.png"), ("C:\\Users\\张三\\桌面\\图片.png", "图片.png"),
                 ("a\\b/c\\d.png", "d.png"), ("dir\\", "file.png")]
        items = self.upload_ok(module, [file_part(png(16, 16), None,
                                                  filename_star="UTF-8''" + urllib.parse.quote(n, safe=""))
                                        for n, _ in cases])
        self.assertEqual([m["filename"] for m in items], [e for _, e in cases], "sent as filename*")
        cases = cases[:3]  # a trailing backslash before the closing quote would read as an escape
        items = self.upload_ok(module, [file_part(png(16, 16), n) for n, _ in cases])
        self.assertEqual([m["filename"] for m in items], [e for _, e in cases], "sent as filename=\"...\"")

    def test_filename_star_wins_over_filename(self):
        module = self.new_module()
        star = "UTF-8''" + urllib.parse.quote("测试 图片.png", safe="")
        parts = [file_part(png(16, 16), "fallback.png", filename_star=star),
                 file_part(png(16, 16), None, filename_star=star),
                 file_part(png(16, 16), "fallback.png", filename_star="utf-8''%E5%A4%A7.png"),
                 file_part(png(16, 16), disposition=b"form-data; filename*=UTF-8''%2E%2E%2Fup.png; "
                                                    b'filename="plain.png"; name="file"')]
        items = self.upload_ok(module, parts)
        self.assertEqual([m["filename"] for m in items], ["测试 图片.png", "测试 图片.png", "大.png", "up.png"])

    def test_invalid_utf8_file_name_is_422(self):
        module = self.new_module()
        with self.nothing_stored(module):
            r = self.upload(module, [file_part(png(16, 16), b"bad\xff\xfe.png")])
            self.assertRejected(r, 422, "validation_failed", "file")
            r = self.upload(module, [file_part(png(16, 16), "x.png", filename_star="UTF-8''%C3%28.png")])
            self.assertRejected(r, 422, "validation_failed", "file")
            r = self.upload(module, [file_part(png(16, 16), "ok.png"), file_part(png(16, 16), b"\xe4\xb8.png")])
            self.assertRejected(r, 422, "validation_failed", "file[1]")

    # ------------------------------------------------------------------ rejected types

    def test_svg_is_415(self):
        module = self.new_module()
        with self.nothing_stored(module):
            for name, ctype in (("logo.svg", "image/svg+xml"), ("logo.png", "image/png"), ("logo.jpg", "image/jpeg")):
                with self.subTest(name=name):
                    r = self.upload(module, [file_part(SVG, name, content_type=ctype)])
                    self.assertRejected(r, 415, "unsupported_media_type")

    def test_text_named_jpg_is_415(self):
        module = self.new_module()
        with self.nothing_stored(module):
            r = self.upload(module, [file_part(TEXT, "photo.jpg", content_type="image/jpeg")])
            self.assertRejected(r, 415, "unsupported_media_type")
            for data in (b"", b"x", b"BM" + b"\x00" * 60, b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\0" * 40,
                         b"II*\x00" + b"\x00" * 60, b"RIFF\x1e\x00\x00\x00WAVEfmt " + b"\x00" * 30):
                with self.subTest(data=data[:12]):
                    r = self.upload(module, [file_part(data, "photo.jpg", content_type="image/jpeg")])
                    self.assertRejected(r, 415, "unsupported_media_type")

    def test_magic_number_with_a_broken_header_is_415_undecodable(self):
        module = self.new_module()
        cases = [
            ("PNG cut inside IHDR", PNG_SIGNATURE + _ihdr(64, 64)[:10]),
            ("PNG of width 0", png_header_only(0, 64)),
            ("JPEG cut before its frame", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            ("GIF cut in its screen", b"GIF89a\x10"),
            ("WebP without its chunk", b"RIFF\x1e\x00\x00\x00WEBPVP8L"),
        ]
        with self.nothing_stored(module):
            for desc, data in cases:
                with self.subTest(desc):
                    r = self.upload(module, [file_part(data, "x.png")])
                    self.assertRejected(r, 415, "undecodable_image")

    def test_truncated_png_is_415_undecodable(self):
        module = self.new_module()
        data = truncated_png()
        self.assertEqual(image_size(data), (64, 64))
        with self.nothing_stored(module):
            r = self.upload(module, [file_part(data, "cut.png")])
            self.assertRejected(r, 415, "undecodable_image")
            # A header that promises pixels the body does not have.
            r = self.upload(module, [file_part(png_header_only(64, 64), "bogus.png")])
            self.assertRejected(r, 415, "undecodable_image")

    # ------------------------------------------------------------------ dimensions

    def test_too_small_is_422(self):
        module = self.new_module()
        with self.nothing_stored(module):
            for w, h in ((15, 15), (15, 16), (16, 15), (1, 1)):
                with self.subTest(size=(w, h)):
                    r = self.upload(module, [file_part(png(w, h), "small.png")])
                    self.assertRejected(r, 422, "validation_failed", "file")
            r = self.upload(module, [file_part(gif(15, 40), "small.gif")])
            self.assertRejected(r, 422, "validation_failed", "file")
        # 16 × 16 is the smallest that is accepted.
        self.assertEqual(self.upload_one(module, png(16, 16))["width"], 16)

    def test_too_big_in_pixels_is_422_before_decoding(self):
        module = self.new_module()
        with self.nothing_stored(module):
            for w, h in ((20000, 20000), (16385, 16), (16, 16385), (10000, 10001), (16384, 16384)):
                with self.subTest(size=(w, h)):
                    r = self.upload(module, [file_part(png_header_only(w, h), "huge.png")])
                    self.assertRejected(r, 422, "validation_failed", "file")
            r = self.upload(module, [file_part(png(16, 16)), file_part(png_header_only(20000, 20000), "huge.png")])
            self.assertRejected(r, 422, "validation_failed", "file[1]")

    # ------------------------------------------------------------------ all or nothing

    def test_two_good_files_and_one_bad_store_nothing(self):
        module = self.new_module()
        kept = self.upload_one(module, png(16, 16))
        bad_files = [
            ("svg last", SVG, 415, "unsupported_media_type", None),
            ("text first", TEXT, 415, "unsupported_media_type", None),
            ("too small in the middle", png(15, 15), 422, "validation_failed", "file[1]"),
            ("too many pixels last", png_header_only(20000, 20000), 422, "validation_failed", "file[2]"),
            ("truncated in the middle", truncated_png(), 415, "undecodable_image", None),
            ("invalid name last", None, 422, "validation_failed", "file[2]"),
        ]
        for desc, bad, status, code, field in bad_files:
            with self.subTest(desc):
                good = [png(40, 30), gif(20, 20)]
                if bad is None:
                    parts = [file_part(good[0]), file_part(good[1]), file_part(png(16, 16), b"\xff.png")]
                elif "first" in desc:
                    parts = [file_part(bad, "bad.png"), file_part(good[0]), file_part(good[1])]
                elif "middle" in desc:
                    parts = [file_part(good[0]), file_part(bad, "bad.png"), file_part(good[1])]
                else:
                    parts = [file_part(good[0]), file_part(good[1]), file_part(bad, "bad.png")]
                with self.nothing_stored(module):
                    r = self.upload(module, parts)
                    self.assertRejected(r, status, code, field)
                for data in good:
                    self.assertEqual(self.blob_files(hashlib.sha256(data).hexdigest()), [])
        self.assertEqual(self.module_materials(module), [kept])

    def test_several_invalid_files_are_all_reported(self):
        module = self.new_module()
        with self.nothing_stored(module):
            r = self.upload(module, [file_part(png(15, 15)), file_part(png(16, 16)),
                                     file_part(png_header_only(20000, 20000))])
            self.assertRejected(r, 422, "validation_failed", "file[0]")
            self.assertIn("file[2]", r.error_fields)
            self.assertNotIn("file[1]", r.error_fields)

    # ------------------------------------------------------------------ malformed requests

    def test_malformed_requests(self):
        module = self.new_module()
        with self.nothing_stored(module):
            body, ctype = multipart([file_part(png(16, 16))], final=False)
            self.assertRejected(self.upload_raw(module, body, ctype), 400, "malformed_multipart")
            body, ctype = multipart([file_part(png(16, 16))])
            self.assertRejected(self.upload_raw(module, body[:len(body) // 2], ctype), 400, "malformed_multipart")
            self.assertRejected(self.upload_raw(module, b"no boundary here", ctype), 400, "malformed_multipart")
            # Not multipart/form-data at all, or without a boundary.
            self.assertRejected(self.upload_raw(module, b'{"file": "x"}', "application/json"), 415,
                                "unsupported_media_type")
            self.assertRejected(self.upload_raw(module, body, "multipart/form-data"), 415, "unsupported_media_type")
            self.assertRejected(self.upload_raw(module, body, ctype.replace("form-data", "mixed")), 415,
                                "unsupported_media_type")
            self.assertRejected(self.upload_raw(module, png(16, 16), "image/png"), 415, "unsupported_media_type")
            # Well-formed, but without a file part.
            self.assertRejected(self.upload(module, []), 422, "validation_failed", "file")
            self.assertRejected(self.upload(module, [field_part("note", "hello")]), 422, "validation_failed", "file")
            self.assertRejected(self.upload(module, [file_part(png(16, 16), name="image")]), 422,
                                "validation_failed", "file")

    def test_unknown_or_deleted_modules_are_404(self):
        module = self.new_module()
        for bad in ("999999999", "0", "abc"):
            with self.subTest(id=bad):
                r = self.upload(bad, [file_part(png(16, 16))])
                self.assertEqual(r.status, 404, r)
        m = self.upload_one(module, png(16, 16))
        self.assertStatus(self.stack.request("DELETE", f"{API}/modules/{module}", token=self.uploader), 204)
        files = self.storage_snapshot()
        newest = self.newest_log_id("material.upload")
        self.assertRejected(self.upload(module, [file_part(png(16, 16))]), 404, "not_found")
        self.assertEqual(self.storage_snapshot(), files)
        self.assertEqual(self.newest_log_id("material.upload"), newest)
        # The module's materials go with it.
        self.assertRejected(self.get_material(m["id"]), 404, "not_found")
        self.assertRejected(self.get_bytes(m["id"]), 404, "not_found")
        self.assertRejected(self.reorder(module, [m["id"]]), 404, "not_found")

    # ------------------------------------------------------------------ permissions

    def test_permissions(self):
        module = self.new_module()
        m = self.upload_one(module, png(16, 16))
        with self.nothing_stored(module):
            self.assertRejected(self.upload(module, [file_part(png(16, 16))], anonymous=True), 401, "unauthenticated")
            self.assertRejected(self.upload(module, [file_part(png(16, 16))], token=self.viewer), 403, "forbidden")
            # Permission is checked before the body is looked at.
            self.assertRejected(self.upload(module, [file_part(SVG)], token=self.viewer), 403, "forbidden")
            self.assertRejected(self.upload_raw(module, b"junk", "application/json", token=self.viewer), 403,
                                "forbidden")
            self.assertRejected(self.upload(module, [file_part(png(16, 16))], cookie=self.uploader_login["token"]),
                                403, "csrf_failed")
            self.assertRejected(self.upload(module, [file_part(png(16, 16))], cookie=self.uploader_login["token"],
                                            headers={"X-CSRF-Token": "not-the-token"}), 403, "csrf_failed")
        r = self.upload(module, [file_part(png(16, 16))], cookie=self.uploader_login["token"],
                        headers={"X-CSRF-Token": self.uploader_login["csrfToken"]})
        self.assertStatus(r, 201)
        self.assertEqual(len(self.module_materials(module)), 2)

        # Viewers read (product.read) but do not write.
        self.assertStatus(self.get_material(m["id"], token=self.viewer), 200)
        for which in ("file", "thumbnail", "preview"):
            self.assertStatus(self.get_bytes(m["id"], which, token=self.viewer), 200)
        self.assertRejected(self.patch_material(m["id"], {"order": 3}, token=self.viewer), 403, "forbidden")
        self.assertRejected(self.delete_material(m["id"], token=self.viewer), 403, "forbidden")
        self.assertRejected(self.reorder(module, [m["id"]], token=self.viewer), 403, "forbidden")
        # Anonymous: nothing.
        for method, path, body in (("GET", f"{API}/materials/{m['id']}", None),
                                   ("GET", f"{API}/materials/{m['id']}/file", None),
                                   ("GET", f"{API}/materials/{m['id']}/thumbnail", None),
                                   ("GET", f"{API}/materials/{m['id']}/preview", None),
                                   ("PATCH", f"{API}/materials/{m['id']}", {"order": 1}),
                                   ("DELETE", f"{API}/materials/{m['id']}", None),
                                   ("PUT", f"{API}/modules/{module}/materials/order", {"materialIds": [m["id"]]})):
            with self.subTest(method=method, path=path):
                self.assertRejected(self.stack.request(method, path, body=body), 401, "unauthenticated")
        # Cookie writes need the CSRF header.
        self.assertRejected(self.stack.request("PATCH", f"{API}/materials/{m['id']}", body={"order": 5},
                                               cookie=self.uploader_login["token"]), 403, "csrf_failed")
        self.assertEqual(self.get_material(m["id"]).json(), m)

    # ------------------------------------------------------------------ delivery

    def assertDisposition(self, resp, kind, filename):
        value = resp.headers.get("Content-Disposition", "")
        self.assertTrue(value.startswith(kind + ";"), value)
        value.encode("ascii")  # RFC 5987: the header itself is ASCII
        m = re.search(r"filename\*=UTF-8''([^;\s]+)", value)
        self.assertIsNotNone(m, value)
        self.assertRegex(m.group(1), r"^[A-Za-z0-9!#$&+\-.^_`|~%]+$")
        self.assertEqual(urllib.parse.unquote(m.group(1), encoding="utf-8", errors="strict"), filename)

    def test_file_thumbnail_and_preview_are_served_by_nginx(self):
        module = self.new_module()
        data = png(400, 300)
        m = self.upload_one(module, data, "春季 主图.png")
        expected = {"file": ("image/png", "attachment", "春季 主图.png"),
                    "thumbnail": ("image/jpeg", "inline", "春季 主图-thumbnail.jpg"),
                    "preview": ("image/jpeg", "inline", "春季 主图.jpg")}
        sizes = {"file": (400, 300), "thumbnail": (320, 240), "preview": (400, 300)}
        for which, (ctype, disposition, name) in expected.items():
            with self.subTest(which=which):
                r = self.get_bytes(m["id"], which)
                self.assertStatus(r, 200)
                self.assertEqual(r.headers["Content-Type"], ctype)
                self.assertDisposition(r, disposition, name)
                self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
                self.assertEqual(r.headers["Accept-Ranges"], "bytes")
                self.assertEqual(r.headers.get_all("Content-Type"), [ctype])
                self.assertIsNone(r.headers.get("X-Accel-Redirect"))
                self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
                self.assertEqual(image_size(r.body), sizes[which])
                if which == "file":
                    self.assertEqual(r.body, data)
                else:
                    self.assertEqual(r.body[:3], b"\xff\xd8\xff")
                etag = r.headers.get("ETag")
                self.assertRegex(etag or "", NGINX_ETAG)
                self.assertIsNotNone(r.headers.get("Last-Modified"))

                part = self.get_bytes(m["id"], which, headers={"Range": "bytes=0-9"})
                self.assertStatus(part, 206)
                self.assertEqual(part.body, r.body[:10])
                self.assertEqual(part.headers["Content-Range"], f"bytes 0-9/{len(r.body)}")
                self.assertEqual(part.headers["Content-Type"], ctype)
                tail = self.get_bytes(m["id"], which, headers={"Range": "bytes=-5"})
                self.assertStatus(tail, 206)
                self.assertEqual(tail.body, r.body[-5:])
                bad = self.get_bytes(m["id"], which, headers={"Range": f"bytes={len(r.body) + 10}-"})
                self.assertStatus(bad, 416)

                again = self.get_bytes(m["id"], which, headers={"If-None-Match": etag})
                self.assertStatus(again, 304)
                self.assertEqual(again.body, b"")
                self.assertEqual(again.headers.get("ETag"), etag)
                other = self.get_bytes(m["id"], which, headers={"If-None-Match": '"0-0"'})
                self.assertStatus(other, 200)

    def test_renditions_shrink_to_their_limits_and_never_enlarge(self):
        module = self.new_module()
        cases = [((2000, 1000), (320, 160), (1600, 800)),
                 ((300, 1700), (56, 320), (282, 1600)),
                 ((20, 16), (20, 16), (20, 16))]
        for (w, h), thumb, preview in cases:
            with self.subTest(size=(w, h)):
                m = self.upload_one(module, png(w, h))
                t = image_size(self.get_bytes(m["id"], "thumbnail").body)
                p = image_size(self.get_bytes(m["id"], "preview").body)
                self.assertLessEqual(max(t), 320)
                self.assertLessEqual(max(p), 1600)
                self.assertLessEqual(t[0], w)
                self.assertLessEqual(p[0], w)
                # Aspect ratio kept (within rounding); the long side at the limit when shrunk.
                self.assertEqual(max(t), min(320, max(w, h)))
                self.assertEqual(max(p), min(1600, max(w, h)))
                self.assertLessEqual(abs(t[0] - thumb[0]) + abs(t[1] - thumb[1]), 2, t)
                self.assertLessEqual(abs(p[0] - preview[0]) + abs(p[1] - preview[1]), 2, p)
        # GIF, WebP and JPEG originals get JPEG renditions too.
        for data, size in ((gif(40, 30), (40, 30)), (WEBP_24x16, (24, 16)), (self.jpeg, (640, 480))):
            m = self.upload_one(module, data, "x")
            for which, limit in (("thumbnail", 320), ("preview", 1600)):
                r = self.get_bytes(m["id"], which)
                self.assertEqual(r.headers["Content-Type"], "image/jpeg")
                got = image_size(r.body)
                if max(size) <= limit:
                    self.assertEqual(got, size)
                else:
                    self.assertEqual(max(got), limit)

    def test_internal_blob_location_is_not_reachable(self):
        module = self.new_module()
        data = png(16, 16)
        m = self.upload_one(module, data)
        key = m["sha256"]
        for path in (f"/_mofang/blobs/{key[:2]}/{key[2:4]}/{key}", "/_mofang/blobs/", f"/_mofang/blobs/{key[:2]}/",
                     "/_mofang/blobs/.staging/", f"/_mofang/blobs/%2E%2E/{key}"):
            with self.subTest(path=path):
                for token in (None, self.admin):
                    r = self.stack.request("GET", path, token=token)
                    self.assertEqual(r.status, 404, r)
                    self.assertNotIn(data, r.body)

    def test_unknown_materials_are_404(self):
        for bad in ("999999999", "0", "-1", "abc"):
            with self.subTest(id=bad):
                self.assertRejected(self.get_material(bad), 404, "not_found")
                for which in ("file", "thumbnail", "preview"):
                    self.assertRejected(self.get_bytes(bad, which), 404, "not_found")
                self.assertRejected(self.patch_material(bad, {"order": 1}), 404, "not_found")
                self.assertRejected(self.delete_material(bad), 404, "not_found")

    # ------------------------------------------------------------------ dedupe

    def test_identical_bytes_are_stored_once(self):
        module = self.new_module()
        data = png(64, 48)
        sha = hashlib.sha256(data).hexdigest()
        first = self.upload_one(module, data, "a.png")
        after_first = self.storage_snapshot()
        self.assertEqual(self.blob_files(sha), [os.path.relpath(self.blob_path(sha), self.objects)])
        second = self.upload_one(self.new_module(), data, "b.png")
        both = self.upload_ok(module, [file_part(data, "c.png"), file_part(data, "d.png")])
        rows = [first, second] + both
        self.assertEqual(len({m["id"] for m in rows}), 4)
        self.assertEqual({m["sha256"] for m in rows}, {sha})
        self.assertEqual([m["filename"] for m in rows], ["a.png", "b.png", "c.png", "d.png"])
        # One blob file for the bytes; the renditions of the same bytes are the same files too.
        self.assertEqual(self.blob_files(sha), [os.path.relpath(self.blob_path(sha), self.objects)])
        self.assertEqual(self.storage_snapshot(), after_first)
        for m in rows:
            self.assertEqual(self.get_bytes(m["id"]).body, data)
        # Deleting one of them leaves the bytes for the others.
        self.assertStatus(self.delete_material(first["id"]), 204)
        self.assertTrue(os.path.isfile(self.blob_path(sha)))
        self.assertEqual(self.get_bytes(second["id"]).body, data)

    # ------------------------------------------------------------------ PATCH

    def test_patch_filename_and_order(self):
        module = self.new_module()
        m = self.upload_one(module, png(16, 16), "old.png")
        r = self.patch_material(m["id"], {"filename": "新名字.jpg"}, headers={"X-Audit-Reason": "rename"})
        self.assertStatus(r, 200)
        renamed = r.json()
        self.assertMaterialShape(renamed)
        self.assertEqual(renamed["filename"], "新名字.png")
        self.assertEqual({k: v for k, v in renamed.items() if k not in ("filename", "updatedAt")},
                         {k: v for k, v in m.items() if k not in ("filename", "updatedAt")})
        self.assertGreaterEqual(renamed["updatedAt"], m["updatedAt"])
        self.assertEqual(self.get_material(m["id"]).json(), renamed)
        self.assertDisposition(self.get_bytes(m["id"]), "attachment", "新名字.png")
        self.assertDisposition(self.get_bytes(m["id"], "preview"), "inline", "新名字.jpg")

        for sent, expected in (("../../etc/passwd", "passwd.png"), ("", "file.png"), ("a<b>.PNG", "a_b_.PNG"),
                               ("  报告.txt  ", "报告.txt.png"), ("x" * 300, "x" * 251 + ".png")):
            with self.subTest(sent=sent):
                r = self.patch_material(m["id"], {"filename": sent})
                self.assertStatus(r, 200)
                self.assertEqual(r.json()["filename"], expected)
        r = self.patch_material(m["id"], {"order": 0})
        self.assertEqual(r.json()["order"], 0)
        r = self.patch_material(m["id"], {"order": 1000000, "filename": "最终.png"})
        self.assertEqual((r.json()["order"], r.json()["filename"]), (1000000, "最终.png"))
        final = r.json()
        r = self.patch_material(m["id"], {})
        self.assertStatus(r, 200)
        self.assertEqual({k: v for k, v in r.json().items() if k != "updatedAt"},
                         {k: v for k, v in final.items() if k != "updatedAt"})

        entries = self.logs(action="material.update", targetId=m["id"])
        self.assertGreaterEqual(len(entries), 8)
        first = entries[-1]
        self.assertEqual(first["details"]["before"], m)
        self.assertEqual(first["details"]["after"], renamed)
        self.assertEqual(first["details"].get("reason"), "rename")
        self.assertEqual(first["userId"], self.uploader_user["id"])

    def test_patch_rejects_invalid_values_and_changes_nothing(self):
        module = self.new_module()
        m = self.upload_one(module, png(16, 16), "keep.png")
        for body, field in (({"filename": 5}, "filename"), ({"filename": ["a.png"]}, "filename"),
                            ({"filename": True}, "filename"), ({"order": "3"}, "order"), ({"order": 1.5}, "order"),
                            ({"order": -1}, "order"), ({"order": 1000001}, "order"), ({"order": 2 ** 40}, "order"),
                            ({"order": True}, "order"), ({"order": [1]}, "order"),
                            ({"order": -1, "filename": "fine.png"}, "order")):
            with self.subTest(body=body):
                self.assertRejected(self.patch_material(m["id"], body), 422, "validation_failed", field)
        r = self.stack.request("PATCH", f"{API}/materials/{m['id']}", raw=b'{"filename": "\xe7\xba.png"}',
                               headers={"Content-Type": "application/json"}, token=self.uploader)
        self.assertEqual(r.status // 100, 4, r)
        self.assertIn(r.status, (400, 422), r)
        r = self.stack.request("PATCH", f"{API}/materials/{m['id']}", raw=b'{"order": ',
                               headers={"Content-Type": "application/json"}, token=self.uploader)
        self.assertRejected(r, 400, "bad_request")
        r = self.stack.request("PATCH", f"{API}/materials/{m['id']}", raw=b'{"order": 1}',
                               headers={"Content-Type": "text/plain"}, token=self.uploader)
        self.assertRejected(r, 415, "unsupported_media_type")
        self.assertEqual(self.get_material(m["id"]).json(), m)
        self.assertEqual(self.logs(action="material.update", targetId=m["id"]), [])

    # ------------------------------------------------------------------ DELETE

    def test_delete_hides_the_material_everywhere(self):
        module = self.new_module()
        keep, gone = self.upload_ok(module, [file_part(png(16, 16), "keep.png"), file_part(png(16, 16), "gone.png")])
        r = self.stack.request("DELETE", f"{API}/materials/{gone['id']}", token=self.uploader,
                               headers={"X-Audit-Reason": "wrong photo"})
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertRejected(self.get_material(gone["id"]), 404, "not_found")
        for which in ("file", "thumbnail", "preview"):
            self.assertRejected(self.get_bytes(gone["id"], which), 404, "not_found")
        self.assertRejected(self.patch_material(gone["id"], {"order": 1}), 404, "not_found")
        self.assertRejected(self.delete_material(gone["id"]), 404, "not_found")
        self.assertEqual(self.module_materials(module), [keep])
        r = self.stack.request("GET", f"{API}/products/{self.product_id}?include=modules", token=self.viewer)
        embedded = [m for m in r.json()["modules"] if m["id"] == module]
        self.assertEqual(embedded[0]["materials"], [keep])
        # Soft delete: the bytes stay until gc.
        self.assertTrue(os.path.isfile(self.blob_path(gone["sha256"])))
        entries = self.logs(action="material.delete", targetId=gone["id"])
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["details"]["before"], gone)
        self.assertNotIn("after", entries[0]["details"])
        self.assertEqual(entries[0]["details"].get("reason"), "wrong photo")
        # A later upload is ordered after the live ones.
        self.assertGreater(self.upload_one(module, png(16, 16))["order"], keep["order"])

    # ------------------------------------------------------------------ reorder

    def test_reorder(self):
        module = self.new_module()
        a, b, c = self.upload_ok(module, [file_part(png(16, 16), n) for n in ("a.png", "b.png", "c.png")])
        r = self.reorder(module, [c["id"], a["id"], b["id"]])
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual(set(r.json()), {"items"})
        self.assertEqual([m["id"] for m in items], [c["id"], a["id"], b["id"]])
        self.assertEqual([m["order"] for m in items], [1, 2, 3])
        for m in items:
            self.assertMaterialShape(m)
        self.assertEqual(self.module_materials(module), items)
        self.assertEqual(self.get_material(c["id"]).json()["order"], 1)

        entries = self.logs(action="material.reorder", targetId=module)
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["details"]["before"]["materialIds"], [a["id"], b["id"], c["id"]])
        self.assertEqual(entries[0]["details"]["after"]["materialIds"], [c["id"], a["id"], b["id"]])

        other = self.upload_one(self.new_module(), png(16, 16))
        gone = self.upload_one(module, png(16, 16))
        self.assertStatus(self.delete_material(gone["id"]), 204)
        live = [c["id"], a["id"], b["id"]]
        bad = [("missing", [c["id"], a["id"]]), ("duplicated", [c["id"], a["id"], b["id"], a["id"]]),
               ("duplicate instead of one", [c["id"], a["id"], a["id"]]),
               ("foreign", live + [other["id"]]), ("foreign instead of one", [c["id"], a["id"], other["id"]]),
               ("deleted", live + [gone["id"]]), ("unknown", live + ["999999999"]), ("not an id", live + ["x"]),
               ("empty", []), ("numbers", [int(i) for i in live])]
        for desc, ids in bad:
            with self.subTest(desc):
                self.assertRejected(self.reorder(module, ids), 422, "validation_failed", "materialIds")
        for body in ({}, {"materialIds": None}, {"materialIds": ",".join(live)}, {"materialIds": {"0": live[0]}}):
            with self.subTest(body=body):
                r = self.stack.request("PUT", f"{API}/modules/{module}/materials/order", body=body,
                                       token=self.uploader)
                self.assertRejected(r, 422, "validation_failed", "materialIds")
        self.assertEqual([m["id"] for m in self.module_materials(module)], live)
        self.assertEqual(len(self.logs(action="material.reorder", targetId=module)), 1)
        self.assertRejected(self.reorder("999999999", []), 404, "not_found")
        # An empty module is reordered by an empty list.
        self.assertStatus(self.reorder(self.new_module(), []), 200)

    # ------------------------------------------------------------------ gc (default retention)

    def test_gc_keeps_blobs_of_recently_deleted_materials(self):
        if not gc_available(self.stack):
            self.skipTest("mofangctl has no `gc` command in this build")
        module = self.new_module()
        m = self.upload_one(module, png(48, 48))
        self.assertStatus(self.delete_material(m["id"]), 204)
        before = self.storage_snapshot()
        out = self.stack.ctl("gc")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(os.path.isfile(self.blob_path(m["sha256"])), "gc freed a blob within gc.retain_days")
        self.assertEqual(self.storage_snapshot(), before)


# ---------------------------------------------------------------------------------- size limit

MAX_BYTES = 300000


class MaterialSizeLimitTest(MaterialTestCase):
    """upload.max_bytes = 300000: 413 as soon as a file passes it, with or without Content-Length."""

    extra_config = {"upload.max_bytes": str(MAX_BYTES)}

    def headers(self, ctype):
        return {"Content-Type": ctype, "Authorization": f"Bearer {self.uploader}"}

    def test_exactly_the_limit_is_accepted(self):
        module = self.new_module()
        data = png(16, 16, pad_to=MAX_BYTES)
        self.assertEqual(len(data), MAX_BYTES)
        m = self.upload_one(module, data)
        self.assertEqual(m["filesize"], MAX_BYTES)
        self.assertEqual(self.get_bytes(m["id"]).body, data)
        # The limit is per file: two files just under it are fine in one request.
        items = self.upload_ok(module, [file_part(png(16, 16, pad_to=MAX_BYTES - 1)),
                                        file_part(png(16, 16, pad_to=200000))])
        self.assertEqual([i["filesize"] for i in items], [MAX_BYTES - 1, 200000])

    def test_one_byte_over_is_413(self):
        module = self.new_module()
        with self.nothing_stored(module):
            r = self.upload(module, [file_part(png(16, 16, pad_to=MAX_BYTES + 1))])
            self.assertRejected(r, 413, "payload_too_large")
            r = self.upload(module, [file_part(png(16, 16)), file_part(png(16, 16, pad_to=MAX_BYTES + 1))])
            self.assertRejected(r, 413, "payload_too_large")
            r = self.upload(module, [file_part(png(16, 16, pad_to=2_000_000))])
            self.assertRejected(r, 413, "payload_too_large")

    def chunked_upload(self, module, parts, piece=8192):
        body, ctype = multipart(parts)
        r = chunked_request(self.stack, "POST", f"{API}/modules/{module}/materials",
                            (body[i:i + piece] for i in range(0, len(body), piece)), self.headers(ctype))
        self.assertStagingEmpty()
        return r

    def test_chunked_upload(self):
        module = self.new_module()
        data = png(16, 16, pad_to=MAX_BYTES)
        r = self.chunked_upload(module, [file_part(data, "分块.png"), file_part(gif(16, 16), "g.gif")])
        self.assertStatus(r, 201)
        items = r.json()["items"]
        self.assertMatches(items[0], data, "分块.png", "image/png")
        self.assertEqual(self.get_bytes(items[0]["id"]).body, data)
        self.assertEqual(self.module_materials(module), items)
        with self.nothing_stored(module):
            r = self.chunked_upload(module, [file_part(png(16, 16, pad_to=MAX_BYTES + 1))])
            self.assertRejected(r, 413, "payload_too_large")
            r = self.chunked_upload(module, [file_part(png(16, 16)), file_part(png(16, 16, pad_to=3_000_000))],
                                    piece=65536)
            self.assertRejected(r, 413, "payload_too_large")
            r = self.chunked_upload(module, [file_part(SVG, "x.svg")])
            self.assertRejected(r, 415, "unsupported_media_type")

    def test_413_comes_before_the_body_ends(self):
        """The answer arrives while the client is still sending (nginx passes the body on
        unbuffered, the server stops reading at the limit), chunked or with a Content-Length."""
        module = self.new_module()
        path = f"{API}/modules/{module}/materials"
        boundary = "----mofang-e2e-" + secrets.token_hex(8)
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode()
        start = head + png(16, 16, pad_to=MAX_BYTES + 200000)[:-12]  # no IEND, no final boundary
        ctype = f"multipart/form-data; boundary={boundary}"
        with self.nothing_stored(module):
            r = unfinished_request(self.stack, path, self.headers(ctype), start, declared_length=50_000_000)
            self.assertRejected(r, 413, "payload_too_large")
            self.assertStagingEmpty()
            r = unfinished_request(self.stack, path, self.headers(ctype), start)
            self.assertRejected(r, 413, "payload_too_large")
            self.assertStagingEmpty()
        # The server still works after the aborted requests.
        self.upload_one(module, png(16, 16))

    def test_unsupported_type_is_refused_from_its_first_bytes(self):
        """A file that is not an image is refused as soon as its first bytes arrive, not after
        the server has collected a buffer's worth (or the whole body)."""
        module = self.new_module()
        path = f"{API}/modules/{module}/materials"
        boundary = "----mofang-e2e-" + secrets.token_hex(8)
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n"
                f"Content-Type: image/jpeg\r\n\r\n").encode()
        ctype = f"multipart/form-data; boundary={boundary}"
        with self.nothing_stored(module):
            for declared in (50_000_000, None):
                with self.subTest(chunked=declared is None):
                    try:
                        r = unfinished_request(self.stack, path, self.headers(ctype), head + TEXT,
                                               declared_length=declared, timeout=5)
                    except TimeoutError:
                        self.fail(f"no answer within 5 s to the first {len(TEXT)} bytes of a text file: "
                                  "the server waits for more of the body before judging the type")
                    self.assertRejected(r, 415, "unsupported_media_type")
                    self.assertStagingEmpty()
        self.upload_one(module, png(16, 16))


# ---------------------------------------------------------------------------------- gc

class MaterialGarbageCollectionTest(MaterialTestCase):
    """gc.retain_days = 0: `mofangctl gc` frees the blobs of deleted materials at once, unless a
    live material still uses the same bytes."""

    extra_config = {"gc.retain_days": "0"}

    def setUp(self):
        if not gc_available(self.stack):
            self.skipTest("mofangctl has no `gc` command in this build")

    def stored_files(self):
        """Every stored file (no directories)."""
        return {p for p in self.storage_snapshot() if not p.endswith("/")}

    def test_gc_frees_deleted_blobs_unless_still_used(self):
        module = self.new_module()
        before = self.stored_files()
        a_bytes, shared = png(50, 40), png(60, 30)
        a = self.upload_one(module, a_bytes, "a.png")
        files_a = self.stored_files() - before  # a's original, thumbnail and preview
        self.assertEqual(len(files_a), 3, files_a)
        b1 = self.upload_one(module, shared, "b1.png")
        b2 = self.upload_one(self.new_module(), shared, "b2.png")
        files_b = self.stored_files() - before - files_a
        self.assertEqual(len(files_b), 3, files_b)
        live = self.upload_one(module, gif(20, 20), "live.gif")
        self.assertStatus(self.delete_material(a["id"]), 204)
        self.assertStatus(self.delete_material(b1["id"]), 204)
        keys_a = {os.path.basename(p) for p in files_a}
        keys_b = {os.path.basename(p) for p in files_b}
        self.assertIn(a["sha256"], keys_a)

        # --dry-run names what it would free and frees nothing.
        before_gc = self.storage_snapshot()
        out = self.stack.ctl("gc", "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        for key in keys_a:
            self.assertIn(key, out.stdout, "gc --dry-run does not name a blob it would free")
        for key in keys_b:
            self.assertNotIn(key, out.stdout)
        self.assertEqual(self.storage_snapshot(), before_gc)

        out = self.stack.ctl("gc")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        text = out.stdout + out.stderr
        after = self.stored_files()
        self.assertEqual(after & files_a, set(), f"gc left a deleted material's blobs: {text}")
        self.assertEqual(files_b - after, set(), "gc freed bytes a live material still uses")
        self.assertTrue(os.path.isfile(self.blob_path(live["sha256"])))
        for key in keys_a:
            self.assertIn(key, text, "gc does not say what it freed")
        for key in keys_b:
            self.assertNotIn(key, text)
        self.assertStagingEmpty()
        # The live ones are served as before.
        self.assertEqual(self.get_bytes(b2["id"]).body, shared)
        for which in ("thumbnail", "preview"):
            self.assertStatus(self.get_bytes(b2["id"], which), 200)
            self.assertStatus(self.get_bytes(live["id"], which), 200)

        # Nothing more to free; then deleting the last user of the shared bytes frees them.
        out = self.stack.ctl("gc")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(self.stored_files(), after)
        self.assertStatus(self.delete_material(b2["id"]), 204)
        out = self.stack.ctl("gc")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(self.stored_files() & files_b, set())
        self.assertTrue(os.path.isfile(self.blob_path(live["sha256"])))
        # Uploading freed bytes again stores them again.
        again = self.upload_one(module, a_bytes, "again.png")
        self.assertEqual(self.get_bytes(again["id"]).body, a_bytes)


if __name__ == "__main__":
    unittest.main()
