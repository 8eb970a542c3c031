"""S3 object storage end to end (issue: S3-compatible storage), through nginx and mofang-fcgi.

The class runs a private s3rver (scripts/lib/s3rver) so that it can stop and restart it without
disturbing other tests; it is skipped where scripts/test could not provide one (MOFANG_TEST_S3
unset). s3rver does not check V4 signatures: the signer is proven by the known-answer tests of
tests/persistence/SigV4Test.cpp.

* uploads land in the bucket under ab/cd/<sha256> (original, thumbnail, preview), identical bytes
  are one object, and no temp file stays in the staging directory;
* a 12 MiB upload goes up as a multipart upload (partSize = 5 MiB);
* /file, /thumbnail and /preview answer 302 to a presigned URL that serves the bytes with the
  right Content-Type and Content-Disposition;
* a package of 200 objects streamed from the bucket, checked by Python's zipfile, `unzip -t`
  and `7z t`;
* `mofangctl check` and `mofangctl gc` on S3;
* the S3 server stopped: uploads 503 with Retry-After, /readyz 503, no rows left behind;
  and everything works again once it is back, without restarting mofang-fcgi.
"""

import email.utils
import hashlib
import http.client
import io
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zipfile
import zlib

from stack import DEFAULT_PASSWORD, Stack, StackTestCase, unique

API = "/api/v1"
BUCKET = "mofang-test"
TOOL_ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width=24, height=16, pad=0):
    """A noisy RGB PNG (so every call gives other bytes); pad adds a private ancillary chunk of
    that many random bytes (decoders skip it) to make a big file cheaply."""
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    body = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    body += _chunk(b"IDAT", zlib.compress(raw, 1))
    if pad:
        body += _chunk(b"prVt", os.urandom(pad))
    return body + _chunk(b"IEND", b"")


def multipart(files):
    boundary = "----mofang-e2e-" + secrets.token_hex(12)
    out = bytearray()
    for filename, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def fetch(url, timeout=30):
    """A plain GET of an absolute http:// URL (what a browser does after the 302)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", u.path + ("?" + u.query if u.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


class S3StorageTest(StackTestCase):

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("MOFANG_TEST_S3"):
            raise unittest.SkipTest("MOFANG_TEST_S3 is not set (scripts/test starts s3rver)")
        cls.repo = os.path.abspath(
            os.environ.get("MOFANG_REPO") or os.path.join(os.path.dirname(__file__), "..", ".."))
        cls.s3_dir = tempfile.mkdtemp(prefix="mofang-e2e-s3-")
        cls.addClassCleanup(shutil.rmtree, cls.s3_dir, True)
        cls.addClassCleanup(cls.s3rver, "stop")
        cls.s3_port = int(cls.s3rver("start").strip())
        cls.s3_base = f"http://127.0.0.1:{cls.s3_port}"
        uri = (f"s3://{BUCKET}?endpoint={cls.s3_base}&region=us-east-1&accessKey=S3RVER&secretKey=S3RVER"
               "&pathStyle=true&partSize=5242880")
        cls.stack = Stack(storage=uri, extra_config={"gc.retain_days": "0"})
        cls.stack.start()
        cls.addClassCleanup(cls.stack.stop)
        s = cls.stack
        name = unique("uploader")
        s.create_user(name, "uploader")
        cls.uploader = s.login(name, DEFAULT_PASSWORD)["token"]
        name = unique("viewer")
        s.create_user(name, "viewer")
        cls.viewer = s.login(name, DEFAULT_PASSWORD)["token"]
        cls.spu = f"S3-{secrets.token_hex(4)}"
        r = s.request("POST", f"{API}/products", token=cls.uploader,
                      body={"name": "对象存储测试", "spuCode": cls.spu, "gender": "unisex", "ageRange": "adult",
                            "scenarios": ["通勤"], "styles": ["简约"]})
        assert r.status == 201, r
        cls.product_id = r.json()["id"]

    @classmethod
    def s3rver(cls, action):
        done = subprocess.run([os.path.join(cls.repo, "scripts", "lib", "s3rver"), action, cls.s3_dir],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"s3rver {action} failed: {done.stderr}")
        return done.stdout

    # ------------------------------------------------------------------ helpers

    def new_module(self):
        r = self.stack.request("POST", f"{API}/products/{self.product_id}/modules", token=self.uploader,
                               body={"type": "sku", "subType": unique("s3")})
        self.assertStatus(r, 201)
        return r.json()["id"]

    def upload_response(self, module_id, files):
        body, ctype = multipart(files)
        return self.stack.request("POST", f"{API}/modules/{module_id}/materials", raw=body,
                                  headers={"Content-Type": ctype}, token=self.uploader, timeout=120)

    def upload(self, module_id, files):
        r = self.upload_response(module_id, files)
        self.assertStatus(r, 201)
        items = r.json()["items"]
        for m, (_name, data) in zip(items, files):
            self.assertEqual(m["sha256"], sha256(data))
            m["data"] = data
        self.assertStagingEmpty()
        return items

    def object(self, key):
        """(status, bytes) of ab/cd/<key> in the bucket, read directly (s3rver takes unsigned GETs)."""
        status, _headers, body = fetch(f"{self.s3_base}/{BUCKET}/{key[:2]}/{key[2:4]}/{key}")
        return status, body

    def bucket_keys(self):
        """Every object name in the bucket."""
        keys, token = [], None
        while True:
            q = {"list-type": "2"}
            if token:
                q["continuation-token"] = token
            status, _h, body = fetch(f"{self.s3_base}/{BUCKET}?{urllib.parse.urlencode(q)}")
            self.assertEqual(status, 200, body)
            text = body.decode()
            keys += [part.split("</Key>")[0] for part in text.split("<Key>")[1:]]
            if "<IsTruncated>true</IsTruncated>" not in text:
                return keys
            token = text.split("<NextContinuationToken>")[1].split("</NextContinuationToken>")[0]

    def assertStagingEmpty(self):
        left = os.listdir(self.stack.staging) if os.path.isdir(self.stack.staging) else []
        self.assertEqual(left, [], "temp files left in the staging directory")

    def redirect(self, material_id, which):
        r = self.stack.request("GET", f"{API}/materials/{material_id}/{which}", token=self.viewer)
        self.assertStatus(r, 302)
        self.assertEqual(r.headers["Cache-Control"], "private, no-store")
        location = r.headers["Location"]
        self.assertTrue(location.startswith(f"{self.s3_base}/{BUCKET}/"), location)
        self.assertIn("X-Amz-Signature=", location)
        self.assertIn("X-Amz-Expires=3600", location)
        return location

    def table_count(self, table):
        """Rows in a table of the stack's SQLite database (None on MariaDB)."""
        if self.stack.db_name:
            return None
        with sqlite3.connect(os.path.join(self.stack.tmp, "mofang.db")) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def package(self, material_items, timeout=120, headers=None):
        r = self.stack.request("POST", f"{API}/selections", token=self.viewer,
                               body={"productId": self.product_id,
                                     "selections": [{"moduleId": m["moduleId"], "materialId": m["id"]}
                                                    for m in material_items]})
        self.assertStatus(r, 201)
        sid = r.json()["id"]
        started = time.monotonic()
        r = self.stack.request("GET", f"{API}/selections/{sid}/package", token=self.viewer, timeout=timeout,
                               headers=headers)
        return r, time.monotonic() - started

    # ------------------------------------------------------------------ tests

    def test_upload_dedupe_and_presigned_delivery(self):
        module = self.new_module()
        data = png(40, 30)
        m = self.upload(module, [("图 1.png", data)])[0]
        for key in (m["sha256"],):
            status, body = self.object(key)
            self.assertEqual(status, 200)
            self.assertEqual(body, data)
        names = self.bucket_keys()
        self.assertIn(f"{m['sha256'][:2]}/{m['sha256'][2:4]}/{m['sha256']}", names)

        # Identical bytes, another module: the same key, still one object.
        again = self.upload(self.new_module(), [("copy.png", data)])[0]
        self.assertEqual(again["sha256"], m["sha256"])
        self.assertEqual(self.bucket_keys().count(f"{m['sha256'][:2]}/{m['sha256'][2:4]}/{m['sha256']}"), 1)

        status, headers, body = fetch(self.redirect(m["id"], "file"))
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(headers["Content-Type"], "image/png")
        disposition = headers["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment;"), disposition)
        self.assertIn("filename*=UTF-8''%E5%9B%BE%201.png", disposition)
        for which, kind in (("thumbnail", "inline"), ("preview", "inline")):
            status, headers, body = fetch(self.redirect(m["id"], which))
            self.assertEqual(status, 200, which)
            self.assertEqual(headers["Content-Type"], "image/jpeg", which)
            self.assertTrue(headers["Content-Disposition"].startswith(kind + ";"), headers["Content-Disposition"])
            self.assertEqual(body[:3], b"\xff\xd8\xff", which)

    def test_a_large_upload_goes_up_in_parts(self):
        data = png(32, 32, pad=12 * 1024 * 1024)
        m = self.upload(self.new_module(), [("big.png", data)])[0]
        self.assertEqual(m["filesize"], len(data))
        status, headers, body = fetch(self.redirect(m["id"], "file"))
        self.assertEqual(status, 200)
        self.assertEqual(sha256(body), sha256(data))
        with open(os.path.join(self.s3_dir, "s3rver.log"), encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertIn(f"{m['sha256']}?partNumber=3&uploadId=", log, "no third part of a multipart upload")

    def test_package_of_200_objects(self):
        module = self.new_module()
        files = [(f"p{i:03d}.png", png(16 + i % 7, 16)) for i in range(200)]
        items = []
        for start in range(0, len(files), 50):
            items += self.upload(module, files[start:start + 50])
        r, seconds = self.package(items)
        self.assertStatus(r, 200)
        self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
        print(f"\n[s3] package of 200 objects, {len(r.body)} bytes, streamed from s3rver in {seconds:.2f} s",
              flush=True)
        with zipfile.ZipFile(io.BytesIO(r.body)) as zf:
            self.assertIsNone(zf.testzip())
            infos = zf.infolist()
            self.assertEqual(len(infos), 200)
            by_hash = {sha256(zf.read(i)) for i in infos}
        self.assertEqual(by_hash, {sha256(d) for _n, d in files})
        with tempfile.NamedTemporaryFile(suffix=".zip") as f:
            f.write(r.body)
            f.flush()
            out = subprocess.run(["unzip", "-t", f.name], capture_output=True, text=True, env=TOOL_ENV, timeout=120)
            self.assertEqual(out.returncode, 0, out.stdout[-2000:] + out.stderr)
            self.assertIn("No errors detected", out.stdout)
            if shutil.which("7z"):
                out = subprocess.run(["7z", "t", f.name], capture_output=True, text=True, env=TOOL_ENV, timeout=120)
                self.assertEqual(out.returncode, 0, out.stdout[-2000:] + out.stderr)
                self.assertIn("Everything is Ok", out.stdout)

    def test_mofangctl_check_and_gc(self):
        out = self.stack.ctl("check")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        module = self.new_module()
        gone_bytes, kept_bytes = png(30, 20), png(31, 20)
        gone, kept = self.upload(module, [("gone.png", gone_bytes), ("kept.png", kept_bytes)])
        self.assertStatus(self.stack.request("DELETE", f"{API}/materials/{gone['id']}", token=self.uploader), 204)
        # gc keeps what was published at or after its mark, the server's clock in whole seconds:
        # poll the server's clock past the second in which the blob was published.
        published = self.http_time("HEAD", f"/{BUCKET}/{gone['sha256'][:2]}/{gone['sha256'][2:4]}/{gone['sha256']}",
                                   "Last-Modified")
        deadline = time.monotonic() + 5
        while self.http_time("HEAD", f"/{BUCKET}", "Date") <= published and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the server's clock
        out = self.stack.ctl("gc")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(gone["sha256"], out.stdout + out.stderr)
        self.assertEqual(self.object(gone["sha256"])[0], 404)
        self.assertEqual(self.object(kept["sha256"]), (200, kept_bytes))
        status, _h, body = fetch(self.redirect(kept["id"], "file"))
        self.assertEqual((status, body), (200, kept_bytes))

    def http_time(self, method, path, header):
        """A date header of a request to the S3 server, as a datetime."""
        conn = http.client.HTTPConnection("127.0.0.1", self.s3_port, timeout=30)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            resp.read()
            return email.utils.parsedate_to_datetime(resp.headers[header])
        finally:
            conn.close()

    def test_s3_outage_gives_503_and_recovers(self):
        module = self.new_module()
        before = self.upload(module, [("before.png", png())])
        materials_before = self.table_count("materials")
        pins_before = self.table_count("blob_pins")

        self.s3rver("stop")
        try:
            r = self.upload_response(module, [("during.png", png())])
            self.assertError(r, 503, "unavailable")
            self.assertGreater(int(r.headers["Retry-After"]), 0, r)
            self.assertStagingEmpty()
            ready = self.stack.request("GET", "/readyz")
            self.assertEqual(ready.status, 503, ready)
            self.assertIn("Retry-After", ready.headers)
            self.assertStatus(self.stack.request("GET", "/healthz"), 200)
            # No rows for the failed upload: no material, no pin left behind.
            r = self.stack.request("GET", f"{API}/modules/{module}", token=self.viewer)
            self.assertStatus(r, 200)
            self.assertEqual([m["id"] for m in r.json()["materials"]], [m["id"] for m in before])
            self.assertEqual(self.table_count("materials"), materials_before)
            self.assertEqual(self.table_count("blob_pins"), pins_before)
            # A package cannot be read: never a complete 200. (Connection: close: once the 200 is
            # out, the server can only cut the transfer, and nginx keeps a kept-alive client
            # connection open after that.)
            try:
                r, _ = self.package(before, timeout=60, headers={"Connection": "close"})
                if r.status == 200:
                    self.assertNotEqual(int(r.headers["Content-Length"]), len(r.body))
                else:
                    self.assertError(r, 503, "unavailable")
                    self.assertGreater(int(r.headers["Retry-After"]), 0, r)
            except (http.client.IncompleteRead, ConnectionError):
                pass  # the 200 was committed before the first object was read: the transfer is cut
            out = self.stack.ctl("check")
            self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("unavailable", out.stdout + out.stderr)
        finally:
            self.s3rver("start")

        # Back without restarting mofang-fcgi.
        self.assertStatus(self.stack.request("GET", "/readyz"), 200)
        after = self.upload(module, [("after.png", png())])
        status, _h, body = fetch(self.redirect(after[0]["id"], "file"))
        self.assertEqual((status, body), (200, after[0]["data"]))
        r, _ = self.package(before + after)
        self.assertStatus(r, 200)
        with zipfile.ZipFile(io.BytesIO(r.body)) as zf:
            self.assertIsNone(zf.testzip())
            self.assertEqual(sorted(sha256(zf.read(i)) for i in zf.infolist()),
                             sorted(sha256(m["data"]) for m in before + after))
        self.assertIsNone(self.stack.fcgi.poll(), "mofang-fcgi must keep running")


if __name__ == "__main__":
    unittest.main()
