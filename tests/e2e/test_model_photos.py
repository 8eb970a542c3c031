"""Model photos end to end (SPEC §3 visibility, §4 validation, §5 routes, §7 generation) with the
built-in `demo` generator and a real mofang-worker: create (202 queued, taskId) → worker →
completed with its images (result, preview, thumbnail per image) served through nginx; batches;
the validation 422s (all-or-nothing, nothing stored); list filters and keyset paging; viewers,
other uploaders and admins; cancel, retry and delete; reusing a generated image as a material;
the operation log. Database rows are checked directly with Stack.sql()."""

import hashlib
import re
import secrets
import struct
import time
import urllib.parse

from stack import DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, unique

API = "/api/v1"
DEMO = "demo?stepMs=20&steps=3"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PHOTO_KEYS = {"id", "userId", "taskId", "batchId", "name", "description", "gender", "ageRange", "ethnicity",
              "styleTags", "prompt", "negativePrompt", "referenceImages", "aspectRatio", "resolution",
              "modelVersion", "status", "progress", "errorCode", "errorMessage", "startedAt", "finishedAt",
              "generationTime", "imageCount", "totalSize", "createdAt", "updatedAt"}


def png_size(data):
    assert data.startswith(PNG_MAGIC), data[:16]
    return struct.unpack(">II", data[16:24])


def jpeg_size(data):
    """(width, height) from a JPEG's SOF segment."""
    assert data.startswith(JPEG_MAGIC), data[:16]
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError(f"no JPEG marker at {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise ValueError("no SOF segment")


def photo_body(**overrides):
    body = {"prompt": f"linen summer dress, studio light {secrets.token_hex(3)}", "gender": "female",
            "ageRange": "25-30", "aspectRatio": "1:1", "resolution": "1K", "imageCount": 1}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


class ModelPhotoTestCase(StackTestCase):
    """A stack with the quick demo generator, users, and one worker (restarted when a test stops it)."""

    extra_config = {"generator": DEMO, "worker.poll_ms": "50"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        cls.admin = s.admin_token()
        cls.admin_id = s.admin_session()["user"]["id"]
        cls.uploader_id, cls.uploader = cls.new_user("uploader")
        cls.other_id, cls.other = cls.new_user("uploader")
        cls.viewer_id, cls.viewer = cls.new_user("viewer")
        cls.worker = s.start_worker()

    @classmethod
    def new_user(cls, role):
        name = unique(role[:8])
        user = cls.stack.create_user(name, role)
        return user["id"], cls.stack.login(name, DEFAULT_PASSWORD)["token"]

    # ------------------------------------------------------------------ helpers

    def ensure_worker(self):
        if not self.__class__.worker.running():
            self.__class__.worker = self.stack.start_worker()
        return self.__class__.worker

    def stop_worker(self):
        """Stop the class's worker for this test (it exits 0); restarted at the end of the test."""
        self.addCleanup(self.ensure_worker)
        code = self.stack.stop_worker(self.__class__.worker)
        self.assertEqual(code, 0, self.__class__.worker.log_text())

    def post(self, body, token=None):
        return self.stack.request("POST", f"{API}/model-photos", body=body, token=token or self.uploader)

    def create(self, token=None, **fields):
        r = self.post(photo_body(**fields), token=token)
        self.assertStatus(r, 202)
        return r.json()

    def batch(self, items, token=None):
        return self.stack.request("POST", f"{API}/model-photos/batch", body={"items": items},
                                  token=token or self.uploader)

    def get(self, photo_id, token=None):
        return self.stack.request("GET", f"{API}/model-photos/{photo_id}", token=token or self.uploader)

    def action(self, photo_id, verb, token=None):
        return self.stack.request("POST", f"{API}/model-photos/{photo_id}/{verb}", token=token or self.uploader)

    def delete(self, photo_id, token=None):
        return self.stack.request("DELETE", f"{API}/model-photos/{photo_id}", token=token or self.uploader)

    def wait(self, photo_id, token=None, statuses=("completed", "failed")):
        return self.stack.wait_photo(token or self.uploader, photo_id, statuses=statuses)

    def wait_completed(self, photo_id, token=None):
        p = self.wait(photo_id, token)
        self.assertEqual(p["status"], "completed", p)
        return p

    def list_ids(self, query="", token=None):
        r = self.stack.request("GET", f"{API}/model-photos?limit=100{'&' + query if query else ''}",
                               token=token or self.uploader)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertIsNone(body["nextCursor"], body)
        return [p["id"] for p in body["items"]]

    def image_bytes(self, image_id, token=None):
        return self.stack.request("GET", f"{API}/model-images/{image_id}/file", token=token or self.uploader)

    def logs(self, **query):
        query.setdefault("limit", 100)
        r = self.stack.request("GET", f"{API}/operation-logs?{urllib.parse.urlencode(query)}", token=self.admin)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def counts(self):
        """Rows that a rejected request must not add."""
        return {t: self.stack.sql_value(f"SELECT COUNT(*) FROM {t}")
                for t in ("model_photos", "image_tasks", "model_images", "model_photo_style_tags")}

    def image_rows(self, photo_id):
        return self.stack.sql(f"SELECT image_type, sort_order, is_primary, is_deleted FROM model_images "
                              f"WHERE model_photo_id = {int(photo_id)} ORDER BY sort_order, image_type")

    def task_row(self, task_id):
        rows = self.stack.sql(f"SELECT status, attempts, locked_by, progress, error_code FROM image_tasks "
                              f"WHERE id = {self.stack.sql_literal(task_id)}")
        self.assertEqual(len(rows), 1, rows)
        return dict(zip(("status", "attempts", "locked_by", "progress", "error_code"), rows[0]))

    def assertPhotoShape(self, p):
        self.assertTrue(PHOTO_KEYS <= set(p), set(PHOTO_KEYS) - set(p))
        self.assertRegex(p["id"], r"^[1-9][0-9]*$")
        self.assertRegex(p["taskId"], UUID)
        self.assertRegex(p["createdAt"], RFC3339_MS)
        self.assertRegex(p["updatedAt"], RFC3339_MS)


class ModelPhotoGenerationTest(ModelPhotoTestCase):

    def test_create_is_queued_then_the_worker_completes_it(self):
        body = photo_body(name="街拍模特", description="夏季新品", prompt="红色连衣裙, street, golden hour",
                          gender="female", ageRange="25-30", ethnicity="East Asian", styleTags=["街头", "casual"],
                          negativePrompt="blurry", aspectRatio="3:4", resolution="2K", imageCount=2,
                          referenceImages=["https://example.com/ref.jpg"])
        r = self.post(body)
        self.assertStatus(r, 202)
        p = r.json()
        self.assertPhotoShape(p)
        self.assertEqual(p["status"], "queued")
        self.assertEqual(p["progress"], 0)
        self.assertEqual(p["userId"], self.uploader_id)
        self.assertIsNone(p["batchId"])
        self.assertIsNone(p["errorCode"])
        self.assertIsNone(p["finishedAt"])
        self.assertIsNone(p["generationTime"])
        for k in ("name", "description", "prompt", "gender", "ageRange", "ethnicity", "styleTags", "negativePrompt",
                  "aspectRatio", "resolution", "imageCount", "referenceImages"):
            self.assertEqual(p[k], body[k], k)
        # The task row was written with the photo (same transaction).
        rows = self.stack.sql(f"SELECT model_photo_id FROM image_tasks WHERE id = {self.stack.sql_literal(p['taskId'])}")
        self.assertEqual(rows, [(int(p["id"]),)])

        done = self.wait_completed(p["id"])
        self.assertPhotoShape(done)
        self.assertEqual(done["taskId"], p["taskId"])
        self.assertEqual(done["progress"], 100)
        self.assertEqual(done["imageCount"], 2)
        self.assertIsNone(done["errorCode"])
        self.assertIsNone(done["errorMessage"])
        self.assertRegex(done["startedAt"], RFC3339_MS)
        self.assertRegex(done["finishedAt"], RFC3339_MS)
        self.assertLessEqual(p["createdAt"], done["startedAt"])
        self.assertLessEqual(done["startedAt"], done["finishedAt"])
        self.assertIsInstance(done["generationTime"], (int, float))
        self.assertGreater(done["generationTime"], 0)
        self.assertTrue(done["modelVersion"], done)

        images = done["images"]
        self.assertEqual(len(images), 6, images)
        by = {(i["imageType"], i["sortOrder"]): i for i in images}
        self.assertEqual(set(by), {(t, n) for t in ("result", "preview", "thumbnail") for n in (1, 2)})
        self.assertEqual([i["sortOrder"] for i in images if i["isPrimary"]], [1])
        self.assertTrue(by[("result", 1)]["isPrimary"])
        results = [i for i in images if i["imageType"] == "result"]
        self.assertEqual(done["totalSize"], sum(i["size"] for i in results))
        for image in images:
            with self.subTest(image=(image["imageType"], image["sortOrder"])):
                self.assertEqual(image["modelPhotoId"], p["id"])
                self.assertEqual(image["userId"], self.uploader_id)
                self.assertEqual(image["url"], f"{API}/model-images/{image['id']}/file")
                f = self.image_bytes(image["id"])
                self.assertStatus(f, 200)
                self.assertEqual(f.headers.get("Content-Type"), image["contentType"])
                self.assertEqual(len(f.body), image["size"])
                self.assertEqual(hashlib.sha256(f.body).hexdigest(), image["sha256"])
                if image["imageType"] == "result":
                    self.assertEqual(image["contentType"], "image/png")
                    self.assertTrue(f.body.startswith(PNG_MAGIC))
                    self.assertEqual(png_size(f.body), (1536, 2048))  # 3:4 at 2K
                    self.assertEqual((image["width"], image["height"]), (1536, 2048))
                else:
                    self.assertEqual(image["contentType"], "image/jpeg")
                    self.assertTrue(f.body.startswith(JPEG_MAGIC))
                    w, h = jpeg_size(f.body)
                    self.assertEqual((w, h), (image["width"], image["height"]))
                    limit = 1600 if image["imageType"] == "preview" else 320
                    self.assertEqual(max(w, h), limit)  # the 2048 px result shrinks to the limit
                    self.assertAlmostEqual(w / h, 3 / 4, delta=0.01)
        # The two results are different images.
        self.assertNotEqual(by[("result", 1)]["sha256"], by[("result", 2)]["sha256"])

        task = self.task_row(p["taskId"])
        self.assertEqual((task["status"], task["attempts"], task["progress"]), ("completed", 1, 100))
        self.assertEqual(len(self.image_rows(p["id"])), 6)
        self.assertTrue(self.logs(action="model_photo.create", targetId=p["id"]))
        self.assertTrue(self.worker.events("task_completed", task=p["taskId"]), self.worker.log_text())

    def test_the_record_without_optional_fields(self):
        r = self.post({"prompt": "  just a prompt  "})
        self.assertStatus(r, 202)
        p = r.json()
        self.assertEqual(p["prompt"], "just a prompt")  # trimmed
        self.assertEqual(p["styleTags"], [])
        self.assertEqual(p["referenceImages"], [])
        self.assertEqual(p["imageCount"], 1)
        done = self.wait_completed(p["id"])
        self.assertEqual(len([i for i in done["images"] if i["imageType"] == "result"]), 1)

    def test_batch_of_three(self):
        items = [photo_body(gender="female", styleTags=["batch"]), photo_body(gender="male", aspectRatio="9:16"),
                 photo_body(gender="other", imageCount=2)]
        r = self.batch(items)
        self.assertStatus(r, 202)
        body = r.json()
        self.assertEqual(set(body), {"batchId", "items"}, body)
        self.assertRegex(body["batchId"], UUID)
        self.assertEqual(len(body["items"]), 3)
        ids = [p["id"] for p in body["items"]]
        self.assertEqual(len(set(ids)), 3)
        self.assertEqual(len({p["taskId"] for p in body["items"]}), 3)
        for item, p in zip(items, body["items"]):
            self.assertPhotoShape(p)
            self.assertEqual(p["batchId"], body["batchId"])
            self.assertEqual(p["status"], "queued")
            self.assertEqual(p["gender"], item["gender"])
        self.assertEqual(sorted(self.list_ids(f"batchId={body['batchId']}")), sorted(ids))
        for photo_id, item in zip(ids, items):
            done = self.wait_completed(photo_id)
            self.assertEqual(done["batchId"], body["batchId"])
            self.assertEqual(done["imageCount"], item["imageCount"])
            self.assertEqual(len(done["images"]), 3 * item["imageCount"])
            self.assertTrue(self.logs(action="model_photo.create", targetId=photo_id))
        self.assertEqual(sorted(self.list_ids(f"batchId={body['batchId']}&status=completed")), sorted(ids))
        # Another user's list with this batchId is empty; an admin's is not.
        self.assertEqual(self.list_ids(f"batchId={body['batchId']}", token=self.other), [])
        self.assertEqual(sorted(self.list_ids(f"batchId={body['batchId']}", token=self.admin)), sorted(ids))

    # ------------------------------------------------------------------ validation

    def test_validation_422s_name_the_field_and_store_nothing(self):
        before = self.counts()
        logs_before = len(self.logs(action="model_photo.create"))
        cases = [
            ({"gender": "robot"}, "gender"),
            ({"gender": "unisex"}, "gender"),  # products have unisex, model photos do not
            ({"ageRange": "30-25"}, "ageRange"),
            ({"ageRange": "adult"}, "ageRange"),
            ({"ageRange": "25-121"}, "ageRange"),
            ({"ageRange": "-5-30"}, "ageRange"),
            ({"aspectRatio": "4:3"}, "aspectRatio"),
            ({"resolution": "8K"}, "resolution"),
            ({"resolution": "1k"}, "resolution"),
            ({"prompt": None}, "prompt"),
            ({"prompt": ""}, "prompt"),
            ({"prompt": "   "}, "prompt"),
            ({"prompt": "x" * 4001}, "prompt"),
            ({"prompt": "字" * 4001}, "prompt"),
            ({"imageCount": 0}, "imageCount"),
            ({"imageCount": 9}, "imageCount"),
            ({"imageCount": -1}, "imageCount"),
            ({"referenceImages": ["ftp://x"]}, "referenceImages"),
            ({"referenceImages": ["javascript:alert(1)"]}, "referenceImages"),
            ({"referenceImages": ["material:999999999"]}, "referenceImages"),
            ({"referenceImages": [f"https://example.com/{i}.jpg" for i in range(9)]}, "referenceImages"),
            ({"styleTags": [f"tag{i}" for i in range(21)]}, "styleTags"),
            ({"styleTags": ["same", "same"]}, "styleTags"),
            ({"styleTags": [""]}, "styleTags"),
            ({"styleTags": ["x" * 33]}, "styleTags"),
            # JSON values of the wrong type are 422s too, naming the field.
            ({"imageCount": "two"}, "imageCount"),
            ({"imageCount": True}, "imageCount"),
            ({"imageCount": 1.5}, "imageCount"),
            ({"gender": 1}, "gender"),
            ({"prompt": ["a", "b"]}, "prompt"),
            ({"styleTags": "casual"}, "styleTags"),
            ({"styleTags": [1, 2]}, "styleTags"),
            ({"referenceImages": "https://example.com/a.jpg"}, "referenceImages"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides=str(overrides)[:80]):
                r = self.post(photo_body(**overrides))
                self.assertError(r, 422, "validation_failed", field)
        # Several problems are reported together.
        r = self.post(photo_body(gender="robot", aspectRatio="4:3", imageCount=0))
        self.assertError(r, 422, "validation_failed")
        self.assertTrue({"gender", "aspectRatio", "imageCount"} <= set(r.error_fields), r)
        self.assertEqual(self.counts(), before)
        self.assertEqual(len(self.logs(action="model_photo.create")), logs_before)

    def test_malformed_requests(self):
        before = self.counts()
        r = self.stack.request("POST", f"{API}/model-photos", raw=b'{"prompt": "x",',
                               headers={"Content-Type": "application/json"}, token=self.uploader)
        self.assertError(r, 400, r.error_code)
        r = self.stack.request("POST", f"{API}/model-photos", raw=b'{"prompt": "x"}',
                               headers={"Content-Type": "text/plain"}, token=self.uploader)
        self.assertError(r, 415, r.error_code)
        r = self.stack.request("POST", f"{API}/model-photos", body=["prompt"], token=self.uploader)
        self.assertIn(r.status, (400, 422), r)
        self.assertEqual(self.counts(), before)

    def test_boundaries_are_accepted(self):
        r = self.post(photo_body(prompt="字" * 4000, ageRange="0-120", styleTags=[f"t{i}" for i in range(20)],
                                 referenceImages=[f"https://example.com/{i}.jpg" for i in range(8)]))
        self.assertStatus(r, 202)
        p = r.json()
        self.assertEqual(len(p["prompt"]), 4000)
        self.assertEqual(len(p["styleTags"]), 20)
        r = self.post(photo_body(ageRange="30-30", gender="other"))
        self.assertStatus(r, 202)
        self.wait_completed(p["id"])
        self.wait_completed(r.json()["id"])

    def test_batch_validation_is_all_or_nothing(self):
        before = self.counts()
        logs_before = len(self.logs(action="model_photo.create"))
        r = self.batch([photo_body() for _ in range(51)])
        self.assertError(r, 422, "validation_failed", "items")
        r = self.batch([])
        self.assertError(r, 422, "validation_failed", "items")
        r = self.stack.request("POST", f"{API}/model-photos/batch", body={}, token=self.uploader)
        self.assertError(r, 422, "validation_failed", "items")
        r = self.stack.request("POST", f"{API}/model-photos/batch", body={"items": {"prompt": "x"}},
                               token=self.uploader)
        self.assertError(r, 422, "validation_failed", "items")
        r = self.batch([photo_body(), "not an object"])
        self.assertError(r, 422, "validation_failed", "items[1]")
        # One bad item among good ones: nothing is created.
        r = self.batch([photo_body(), photo_body(gender="robot"), photo_body()])
        self.assertError(r, 422, "validation_failed", "items[1].gender")
        r = self.batch([photo_body(), photo_body(imageCount="two")])
        self.assertError(r, 422, "validation_failed")
        self.assertTrue(any("imageCount" in (f or "") for f in r.error_fields), r)
        # A reference checked inside the transaction (not a live material): nothing either.
        r = self.batch([photo_body(), photo_body(), photo_body(referenceImages=["material:987654321"])])
        self.assertError(r, 422, "validation_failed", "items[2].referenceImages")
        self.assertEqual(self.counts(), before)
        self.assertEqual(len(self.logs(action="model_photo.create")), logs_before)
        # 50 is the limit, accepted (and cancelled again so that the worker need not render them).
        r = self.batch([photo_body(prompt=f"fifty {i}") for i in range(50)])
        self.assertStatus(r, 202)
        self.assertEqual(len(r.json()["items"]), 50)
        for p in r.json()["items"]:
            c = self.action(p["id"], "cancel")
            self.assertIn(c.status, (200, 409), c)
        for p in r.json()["items"]:
            self.wait(p["id"])

    # ------------------------------------------------------------------ lists

    def test_list_filters_and_keyset_paging(self):
        uid, token = self.new_user("uploader")
        tag, other_tag = f"tag-{secrets.token_hex(3)}", f"tag-{secrets.token_hex(3)}"
        specs = [("female", [tag]), ("male", [other_tag]), ("female", [tag, other_tag]), ("other", [tag]),
                 ("female", [])]
        r = self.batch([photo_body(gender=g, styleTags=t) for g, t in specs], token=token)
        self.assertStatus(r, 202)
        ids = [p["id"] for p in r.json()["items"]]
        batch_id = r.json()["batchId"]
        for i in ids:
            self.wait_completed(i, token=token)
        newest_first = sorted(ids, key=int, reverse=True)

        def expect(query, indexes):
            want = sorted((ids[i] for i in indexes), key=int, reverse=True)
            self.assertEqual(self.list_ids(query, token=token), want, query)

        expect("", range(5))
        expect("gender=female", [0, 2, 4])
        expect("gender=male", [1])
        expect("gender=other", [3])
        expect(f"styleTag={tag}", [0, 2, 3])
        expect(f"styleTag={other_tag}", [1, 2])
        expect(f"styleTag={tag}&gender=female", [0, 2])
        expect("styleTag=nope", [])
        expect("status=completed", range(5))
        expect("status=queued", [])
        expect("status=processing", [])
        expect("status=failed", [])
        expect(f"batchId={batch_id}&gender=female", [0, 2, 4])
        # Keyset paging: limit=2 walks all five once, newest first, in three pages.
        items, pages = self.stack.walk(f"{API}/model-photos", token, limit=2)
        self.assertEqual([p["id"] for p in items], newest_first)
        self.assertEqual(pages, 3)
        items, pages = self.stack.walk(f"{API}/model-photos?gender=female", token, limit=1)
        self.assertEqual([p["id"] for p in items], [i for i in newest_first if i in (ids[0], ids[2], ids[4])])
        self.assertEqual(pages, 3)
        # Bad list parameters are 400s.
        for query in ("limit=0", "limit=-1", "limit=abc", "cursor=garbage", "status=done", "batchId=not-a-uuid",
                      "userId=abc"):
            with self.subTest(query=query):
                r = self.stack.request("GET", f"{API}/model-photos?{query}", token=token)
                self.assertError(r, 400, r.error_code)
        r = self.stack.request("GET", f"{API}/model-photos?limit=1000", token=token)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["items"]), 5)
        # Someone else's list: 403 without model.read_all, the admin's view with it.
        r = self.stack.request("GET", f"{API}/model-photos?userId={self.uploader_id}", token=token)
        self.assertError(r, 403, "forbidden")
        self.assertEqual(self.list_ids(f"userId={uid}", token=token), newest_first)
        self.assertEqual(self.list_ids(f"userId={uid}", token=self.admin), newest_first)
        self.assertEqual(self.list_ids(f"userId={uid}&gender=male", token=self.admin), [ids[1]])

    # ------------------------------------------------------------------ permissions and visibility

    def test_viewers_and_anonymous_cannot_generate(self):
        before = self.counts()
        r = self.post(photo_body(), token=self.viewer)
        self.assertError(r, 403, "forbidden")
        r = self.batch([photo_body()], token=self.viewer)
        self.assertError(r, 403, "forbidden")
        r = self.stack.request("POST", f"{API}/model-photos", body=photo_body())
        self.assertError(r, 401, r.error_code)
        r = self.stack.request("GET", f"{API}/model-photos")
        self.assertError(r, 401, r.error_code)
        self.assertEqual(self.counts(), before)
        # A viewer's own list is empty, not a 403.
        self.assertEqual(self.list_ids(token=self.viewer), [])

    def test_another_uploaders_photo_is_404_and_an_admin_sees_it(self):
        p = self.create()
        done = self.wait_completed(p["id"])
        image = done["images"][0]
        for method, path in (("GET", f"{API}/model-photos/{p['id']}"),
                             ("POST", f"{API}/model-photos/{p['id']}/retry"),
                             ("POST", f"{API}/model-photos/{p['id']}/cancel"),
                             ("DELETE", f"{API}/model-photos/{p['id']}"),
                             ("GET", f"{API}/model-images/{image['id']}/file")):
            for who, token in (("other uploader", self.other), ("viewer", self.viewer)):
                with self.subTest(method=method, path=path, who=who):
                    r = self.stack.request(method, path, token=token)
                    self.assertError(r, 404, "not_found")
        self.assertNotIn(p["id"], self.list_ids(token=self.other))
        # Nothing changed for the owner.
        self.assertEqual(self.get(p["id"]).json()["status"], "completed")
        # model.read_all: the admin reads it, its list and its images.
        r = self.get(p["id"], token=self.admin)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["userId"], self.uploader_id)
        self.assertIn(p["id"], self.list_ids(f"userId={self.uploader_id}", token=self.admin))
        f = self.image_bytes(image["id"], token=self.admin)
        self.assertStatus(f, 200)
        self.assertEqual(hashlib.sha256(f.body).hexdigest(), image["sha256"])
        # Unknown ids are 404 for everyone.
        for path in (f"{API}/model-photos/999999999", f"{API}/model-images/999999999/file"):
            self.assertError(self.stack.request("GET", path, token=self.admin), 404, "not_found")

    # ------------------------------------------------------------------ cancel, retry, delete

    def test_cancel_queued_then_retry(self):
        self.stop_worker()
        x = self.create()
        y = self.create()
        z = self.create()
        self.assertIn(x["id"], self.list_ids("status=queued"))
        # Cancel a queued photo: 200, failed with error code "cancelled".
        r = self.action(x["id"], "cancel")
        self.assertStatus(r, 200)
        c = r.json()
        self.assertEqual(c["status"], "failed")
        self.assertEqual(c["errorCode"], "cancelled")
        self.assertIsInstance(c["errorMessage"], str)
        self.assertRegex(c["finishedAt"], RFC3339_MS)
        self.assertEqual(self.task_row(x["taskId"])["status"], "failed")
        self.assertIn(x["id"], self.list_ids("status=failed"))
        self.assertNotIn(x["id"], self.list_ids("status=queued"))
        # A failed photo cannot be cancelled again, a queued one cannot be retried.
        self.assertError(self.action(x["id"], "cancel"), 409, r.error_code or "invalid_state")
        self.assertEqual(self.action(y["id"], "retry").status, 409)
        # Deleting a queued photo cancels its task.
        self.assertStatus(self.delete(z["id"]), 204)
        self.assertEqual(self.task_row(z["taskId"])["status"], "failed")

        worker = self.ensure_worker()
        self.wait_completed(y["id"])
        # The worker has been through the queue: the cancelled and the deleted task stay as they are.
        time.sleep(0.3)
        self.assertEqual(self.get(x["id"]).json()["status"], "failed")
        self.assertEqual(self.image_rows(x["id"]), [])
        self.assertEqual(self.image_rows(z["id"]), [])
        self.assertEqual(worker.events("task_claimed", task=x["taskId"]), [])
        self.assertEqual(worker.events("task_claimed", task=z["taskId"]), [])
        # A completed photo cannot be cancelled.
        r = self.action(y["id"], "cancel")
        self.assertError(r, 409, r.error_code)
        self.assertEqual(self.get(y["id"]).json()["status"], "completed")
        # Retry the cancelled one: 202, queued again from scratch, then completed.
        r = self.action(x["id"], "retry")
        self.assertStatus(r, 202)
        q = r.json()
        self.assertEqual(q["status"], "queued")
        self.assertEqual(q["progress"], 0)
        self.assertIsNone(q["errorCode"])
        self.assertIsNone(q["errorMessage"])
        self.assertIsNone(q["finishedAt"])
        self.assertEqual(q["taskId"], x["taskId"])
        done = self.wait_completed(x["id"])
        self.assertEqual(len(done["images"]), 3)
        self.assertEqual(self.task_row(x["taskId"])["attempts"], 1)
        # Retrying a completed photo is a 409.
        self.assertEqual(self.action(x["id"], "retry").status, 409)
        # The operation log has each step.
        for action in ("model_photo.create", "model_photo.cancel", "model_photo.retry"):
            entries = self.logs(action=action, targetId=x["id"])
            self.assertEqual(len(entries), 1, (action, entries))
            self.assertEqual(entries[0]["targetType"], "model_photo")
        self.assertEqual(len(self.logs(action="model_photo.delete", targetId=z["id"])), 1)

    def test_admin_can_cancel_and_retry_others_photos(self):
        self.stop_worker()
        p = self.create()
        r = self.action(p["id"], "cancel", token=self.admin)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["errorCode"], "cancelled")
        r = self.action(p["id"], "retry", token=self.admin)
        self.assertStatus(r, 202)
        self.assertEqual(r.json()["status"], "queued")
        self.ensure_worker()
        self.wait_completed(p["id"])

    def test_delete(self):
        p = self.create(imageCount=2)
        done = self.wait_completed(p["id"])
        r = self.delete(p["id"])
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertError(self.get(p["id"]), 404, "not_found")
        self.assertError(self.get(p["id"], token=self.admin), 404, "not_found")
        self.assertNotIn(p["id"], self.list_ids())
        self.assertNotIn(p["id"], self.list_ids(f"userId={self.uploader_id}", token=self.admin))
        for image in done["images"]:
            self.assertError(self.image_bytes(image["id"]), 404, "not_found")
        self.assertError(self.delete(p["id"]), 404, "not_found")
        self.assertError(self.action(p["id"], "retry"), 404, "not_found")
        # Soft delete: the rows stay, marked.
        self.assertEqual(self.stack.sql(f"SELECT is_deleted FROM model_photos WHERE id = {int(p['id'])}"), [(1,)])
        rows = self.image_rows(p["id"])
        self.assertEqual(len(rows), 6)
        self.assertTrue(all(r[3] == 1 for r in rows), rows)
        entries = self.logs(action="model_photo.delete", targetId=p["id"])
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["targetType"], "model_photo")

    # ------------------------------------------------------------------ from-model-image

    def new_module(self, token=None):
        token = token or self.uploader
        r = self.stack.request("POST", f"{API}/products", token=token,
                               body={"name": "模特图商品", "spuCode": f"MP-{secrets.token_hex(4)}", "gender": "female",
                                     "ageRange": "adult", "scenarios": ["通勤"], "styles": ["简约"]})
        self.assertStatus(r, 201)
        r = self.stack.request("POST", f"{API}/products/{r.json()['id']}/modules", token=token,
                               body={"type": "main", "subType": unique("mp")})
        self.assertStatus(r, 201)
        return r.json()["id"]

    def test_material_from_a_model_image(self):
        module = self.new_module()
        done = self.wait_completed(self.create(imageCount=2, aspectRatio="3:4")["id"])
        result = next(i for i in done["images"] if i["imageType"] == "result" and i["sortOrder"] == 2)
        preview = next(i for i in done["images"] if i["imageType"] == "preview")
        thumbnail = next(i for i in done["images"] if i["imageType"] == "thumbnail")
        path = f"{API}/modules/{module}/materials/from-model-image"
        r = self.stack.request("POST", path, body={"modelImageId": result["id"]}, token=self.uploader)
        self.assertStatus(r, 201)
        m = r.json()
        self.assertEqual(m["moduleId"], str(module))
        self.assertEqual(m["mimetype"], "image/png")
        self.assertEqual((m["width"], m["height"]), (result["width"], result["height"]))
        self.assertEqual(m["filesize"], result["size"])
        self.assertEqual(m["sha256"], result["sha256"])
        self.assertTrue(m["filename"].endswith(".png"), m)
        model_bytes = self.image_bytes(result["id"]).body
        f = self.stack.request("GET", f"{API}/materials/{m['id']}/file", token=self.viewer)
        self.assertStatus(f, 200)
        self.assertEqual(f.body, model_bytes)
        self.assertEqual(f.headers.get("Content-Type"), "image/png")
        for which in ("thumbnail", "preview"):
            t = self.stack.request("GET", f"{API}/materials/{m['id']}/{which}", token=self.viewer)
            self.assertStatus(t, 200)
            self.assertTrue(t.body.startswith(JPEG_MAGIC), which)
        r = self.stack.request("GET", f"{API}/modules/{module}", token=self.viewer)
        self.assertEqual([x["id"] for x in r.json()["materials"]], [m["id"]])
        self.assertTrue(self.logs(action="material.upload", targetId=m["id"]))
        # Only result images; the others, unknown or invisible ones are refused.
        for image in (preview, thumbnail):
            r = self.stack.request("POST", path, body={"modelImageId": image["id"]}, token=self.uploader)
            self.assertError(r, 422, "validation_failed", "modelImageId")
        for body in ({}, {"modelImageId": ""}, {"modelImageId": "abc"}, {"modelImageId": 5}):
            with self.subTest(body=body):
                r = self.stack.request("POST", path, body=body, token=self.uploader)
                self.assertError(r, 422, "validation_failed", "modelImageId")
        r = self.stack.request("POST", path, body={"modelImageId": "999999999"}, token=self.uploader)
        self.assertError(r, 404, "not_found")
        r = self.stack.request("POST", path, body={"modelImageId": result["id"]}, token=self.other)
        self.assertError(r, 404, "not_found")
        r = self.stack.request("POST", path, body={"modelImageId": result["id"]}, token=self.viewer)
        self.assertError(r, 403, "forbidden")
        r = self.stack.request("POST", f"{API}/modules/999999999/materials/from-model-image",
                               body={"modelImageId": result["id"]}, token=self.uploader)
        self.assertError(r, 404, "not_found")
        # The admin (model.read_all) may reuse anyone's image.
        r = self.stack.request("POST", path, body={"modelImageId": result["id"]}, token=self.admin)
        self.assertStatus(r, 201)
        # After the photo is deleted its images are gone for this route too, but the materials
        # made from them keep their bytes.
        self.assertStatus(self.delete(done["id"]), 204)
        r = self.stack.request("POST", path, body={"modelImageId": result["id"]}, token=self.uploader)
        self.assertError(r, 404, "not_found")
        f = self.stack.request("GET", f"{API}/materials/{m['id']}/file", token=self.viewer)
        self.assertStatus(f, 200)
        self.assertEqual(f.body, model_bytes)
