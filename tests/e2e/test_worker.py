"""mofang-worker end to end (SPEC §7): real workers against the stack's database and storage.

* OpenAiWorkerTest: the `openai:` generator against fake_openai.FakeOpenAI — the request the
  worker sends (model, prompt, n, size from the aspect/resolution table, response_format,
  Authorization), transient failures (429, 5xx, timeouts) retried with backoff up to
  generator.max_attempts, permanent ones (content policy, bad output) failing at once with the
  provider's code and message.
* LeaseWorkerTest: a slow demo generator and a 2 s lease — a worker killed with SIGKILL mid-task
  is taken over by another once the lease runs out (one set of images); SIGTERM gives the running
  task back uncounted and exits 0; a cancel while processing stops the worker's attempt.
* ConcurrentWorkersTest: four workers, 200 photos — each task claimed and completed exactly once.
"""

import hashlib
import os
import secrets
import time

from fake_openai import FakeOpenAI, content_policy, error, garbage, ok, png_size, slow
from stack import DEFAULT_PASSWORD, RFC3339_MS, StackTestCase, unique

API = "/api/v1"


class WorkerTestCase(StackTestCase):
    """Helpers shared by the worker test classes: an uploader, photo requests, database rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stack
        name = unique("uploader")
        cls.uploader_id = s.create_user(name, "uploader")["id"]
        cls.token = s.login(name, DEFAULT_PASSWORD)["token"]

    def create(self, prompt=None, **fields):
        body = {"prompt": prompt or f"linen dress {secrets.token_hex(3)}", "gender": "female", "ageRange": "25-30",
                "aspectRatio": "1:1", "resolution": "1K", "imageCount": 1}
        body.update(fields)
        r = self.stack.request("POST", f"{API}/model-photos", body=body, token=self.token)
        self.assertStatus(r, 202)
        return r.json()

    def get(self, photo_id):
        r = self.stack.request("GET", f"{API}/model-photos/{photo_id}", token=self.token)
        self.assertStatus(r, 200)
        return r.json()

    def wait(self, photo_id, timeout=30.0, statuses=("completed", "failed")):
        return self.stack.wait_photo(self.token, photo_id, statuses=statuses, timeout=timeout)

    def task(self, task_id):
        cols = ("status", "attempts", "max_attempts", "locked_by", "lease_until", "progress", "error_code",
                "error_message")
        rows = self.stack.sql(f"SELECT {', '.join(cols)} FROM image_tasks WHERE id = {self.stack.sql_literal(task_id)}")
        self.assertEqual(len(rows), 1, rows)
        return dict(zip(cols, rows[0]))

    def image_rows(self, photo_id):
        """(image_type, sort_order, is_primary) of the photo's model_images rows."""
        return self.stack.sql(f"SELECT image_type, sort_order, is_primary FROM model_images "
                              f"WHERE model_photo_id = {int(photo_id)} ORDER BY sort_order, image_type")

    def image_file(self, image_id):
        r = self.stack.request("GET", f"{API}/model-images/{image_id}/file", token=self.token)
        self.assertStatus(r, 200)
        return r.body

    def assertOneSetOfImages(self, photo):
        """imageCount result images, each with one preview and one thumbnail, no duplicate rows."""
        n = photo["imageCount"]
        rows = self.image_rows(photo["id"])
        self.assertEqual(len(rows), 3 * n, rows)
        self.assertEqual(len({(t, o) for t, o, _ in rows}), 3 * n, rows)
        self.assertEqual({(t, o) for t, o, _ in rows},
                         {(t, o) for t in ("result", "preview", "thumbnail") for o in range(1, n + 1)})
        self.assertEqual([(t, o) for t, o, p in rows if p], [("result", 1)])
        self.assertEqual(len([i for i in photo["images"] if i["imageType"] == "result"]), n)


# ==================================================================================== openai

class OpenAiWorkerTest(WorkerTestCase):
    """One worker with generator openai:<fake>?model=test-model&key=sk-test&timeout=2."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeOpenAI().start()
        cls.addClassCleanup(cls.fake.stop)  # after the stack (and its worker) has stopped
        cls.extra_config = {
            "generator": cls.fake.generator_uri(model="test-model", key="sk-test", timeout=2),
            "generator.max_attempts": "3",
            "worker.backoff_ms": "100",
            "worker.poll_ms": "50",
        }
        super().setUpClass()
        cls.worker = cls.stack.start_worker("openai-w")

    def marker(self):
        return f"[[{secrets.token_hex(5)}]]"

    def settle(self, marker, expected, wait=0.6):
        """The fake got exactly `expected` requests for marker, and no more come in a while."""
        time.sleep(wait)
        self.assertEqual(self.fake.count(marker), expected,
                         [r["behaviour"] for r in self.fake.requests_for(marker)])

    def test_success_and_the_request_sent(self):
        m = self.marker()
        self.fake.script(m, [ok()])
        p = self.create(prompt=f"红色连衣裙 on a rooftop {m}", aspectRatio="3:4", resolution="1K", imageCount=1,
                        styleTags=["街头"], negativePrompt="blurry")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        reqs = self.fake.requests_for(m)
        self.assertEqual(len(reqs), 1)
        req = reqs[0]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/v1/images/generations")
        self.assertEqual(req["headers"].get("authorization"), "Bearer sk-test")
        self.assertTrue(req["headers"].get("content-type", "").startswith("application/json"), req["headers"])
        body = req["json"]
        self.assertEqual(set(body), {"model", "prompt", "n", "size", "response_format"}, body)
        self.assertEqual(body["model"], "test-model")
        self.assertEqual(body["n"], 1)
        self.assertEqual(body["size"], "768x1024")
        self.assertEqual(body["response_format"], "b64_json")
        self.assertIn(f"红色连衣裙 on a rooftop {m}", body["prompt"])
        self.assertIn("街头", body["prompt"])
        self.assertIn("blurry", body["prompt"])
        # The stored result is exactly the PNG the service sent.
        self.assertEqual(done["progress"], 100)
        self.assertEqual(done["imageCount"], 1)
        self.assertEqual(done["modelVersion"], "test-model")
        self.assertIsNone(done["errorCode"])
        result = next(i for i in done["images"] if i["imageType"] == "result")
        self.assertEqual(result["sha256"], req["sent"][0])
        data = self.image_file(result["id"])
        self.assertEqual(data, self.fake.sent[req["sent"][0]])
        self.assertEqual(png_size(data), (768, 1024))
        self.assertEqual(done["totalSize"], len(data))
        self.assertOneSetOfImages(done)
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"], t["max_attempts"]), ("completed", 1, 3))
        self.settle(m, 1, wait=0.1)

    def test_size_follows_the_aspect_ratio_and_resolution(self):
        table = {("1:1", "1K"): "1024x1024", ("3:4", "1K"): "768x1024", ("9:16", "1K"): "576x1024",
                 ("1:1", "2K"): "2048x2048", ("3:4", "2K"): "1536x2048", ("9:16", "2K"): "1152x2048",
                 ("1:1", "4K"): "4096x4096", ("3:4", "4K"): "3072x4096", ("9:16", "4K"): "2304x4096"}
        markers = {}
        items = []
        for (aspect, res) in table:
            m = self.marker()
            markers[(aspect, res)] = m
            self.fake.script(m, [], then=ok(size=(96, 128)))  # small answers: only the request matters
            items.append({"prompt": f"size check {m}", "aspectRatio": aspect, "resolution": res})
        r = self.stack.request("POST", f"{API}/model-photos/batch", body={"items": items}, token=self.token)
        self.assertStatus(r, 202)
        for p in r.json()["items"]:
            self.assertEqual(self.wait(p["id"])["status"], "completed")
        for key, size in table.items():
            with self.subTest(aspect=key[0], resolution=key[1]):
                reqs = self.fake.requests_for(markers[key])
                self.assertEqual(len(reqs), 1)
                self.assertEqual(reqs[0]["json"]["size"], size)

    def test_two_images(self):
        m = self.marker()
        self.fake.script(m, [ok()])
        p = self.create(prompt=f"two looks {m}", imageCount=2, aspectRatio="9:16")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        req = self.fake.requests_for(m)[0]
        self.assertEqual(req["json"]["n"], 2)
        self.assertEqual(req["json"]["size"], "576x1024")
        self.assertEqual(done["imageCount"], 2)
        results = sorted((i for i in done["images"] if i["imageType"] == "result"), key=lambda i: i["sortOrder"])
        self.assertEqual([i["sha256"] for i in results], req["sent"])
        self.assertEqual(done["totalSize"], sum(len(self.fake.sent[h]) for h in req["sent"]))
        self.assertOneSetOfImages(done)

    def test_fewer_images_than_asked_for(self):
        # imageCount on completion is the number of result images produced.
        m = self.marker()
        self.fake.script(m, [ok(n=1)])
        p = self.create(prompt=f"one of three {m}", imageCount=3)
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(self.fake.requests_for(m)[0]["json"]["n"], 3)
        self.assertEqual(done["imageCount"], 1)
        self.assertOneSetOfImages(done)

    def test_rate_limited_then_success(self):
        m = self.marker()
        self.fake.script(m, [error(429), ok()])
        p = self.create(prompt=f"busy {m}")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        self.assertIsNone(done["errorCode"])
        reqs = self.fake.requests_for(m)
        self.assertEqual([r["behaviour"] for r in reqs], ["error", "ok"])
        self.assertGreaterEqual(reqs[1]["time"] - reqs[0]["time"], 0.09)  # worker.backoff_ms = 100
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"]), ("completed", 2))
        self.assertOneSetOfImages(done)
        self.assertEqual(len(self.worker.events("task_requeued", task=p["taskId"])), 1)
        claims = self.worker.events("task_claimed", task=p["taskId"])
        self.assertEqual([c["attempt"] for c in claims], ["1", "2"])
        self.settle(m, 2, wait=0.1)

    def test_server_errors_until_max_attempts(self):
        m = self.marker()
        self.fake.script(m, [], then=error(500, message="The engine exploded (test)."))
        p = self.create(prompt=f"always broken {m}")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "failed", done)
        self.assertEqual(done["errorCode"], "upstream_unavailable")
        self.assertIn("The engine exploded (test).", done["errorMessage"])
        self.assertRegex(done["finishedAt"], RFC3339_MS)
        self.assertEqual(done["images"], [])
        self.settle(m, 3)
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"], t["error_code"]), ("failed", 3, "upstream_unavailable"))
        self.assertEqual(self.image_rows(p["id"]), [])
        reqs = self.fake.requests_for(m)
        self.assertGreaterEqual(reqs[1]["time"] - reqs[0]["time"], 0.09)   # backoff 100 ms (+ jitter)
        self.assertGreaterEqual(reqs[2]["time"] - reqs[1]["time"], 0.19)   # doubled
        self.assertEqual(len(self.worker.events("task_failed", task=p["taskId"])), 1)
        # A failed photo can be retried: the service works again.
        self.fake.script(m, [ok()])
        r = self.stack.request("POST", f"{API}/model-photos/{p['id']}/retry", token=self.token)
        self.assertStatus(r, 202)
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(self.task(p["taskId"])["attempts"], 1)

    def test_content_policy_fails_at_once(self):
        m = self.marker()
        message = "Your request was rejected by the safety system (test 42)."
        self.fake.script(m, [], then=content_policy(message))
        p = self.create(prompt=f"something refused {m}")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "failed", done)
        self.assertEqual(done["errorCode"], "content_policy_violation")
        self.assertIn(message, done["errorMessage"])
        self.settle(m, 1)
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"], t["error_code"]), ("failed", 1, "content_policy_violation"))
        self.assertEqual(self.image_rows(p["id"]), [])

    def test_other_4xx_fails_at_once_with_the_providers_code(self):
        m = self.marker()
        self.fake.script(m, [], then=error(400, code="invalid_size", message="size is not supported (test)"))
        p = self.create(prompt=f"bad request {m}")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "failed", done)
        self.assertEqual(done["errorCode"], "invalid_size")
        self.assertIn("size is not supported (test)", done["errorMessage"])
        self.settle(m, 1)

    def test_output_that_is_not_an_image_fails(self):
        m = self.marker()
        self.fake.script(m, [], then=garbage())
        p = self.create(prompt=f"garbage {m}")
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "failed", done)
        self.assertEqual(done["errorCode"], "invalid_output")
        self.settle(m, 1)
        self.assertEqual(self.image_rows(p["id"]), [])

    def test_slow_server_times_out_and_is_retried(self):
        m = self.marker()
        self.fake.script(m, [], then=slow(4))  # the client's timeout is 2 s
        started = time.monotonic()
        p = self.create(prompt=f"slow {m}")
        done = self.wait(p["id"], timeout=30)
        elapsed = time.monotonic() - started
        self.assertEqual(done["status"], "failed", done)
        self.assertEqual(done["errorCode"], "upstream_unavailable")
        self.assertIn("upstream_timeout", done["errorMessage"])
        self.settle(m, 3, wait=0.3)
        self.assertGreaterEqual(elapsed, 3 * 2 - 0.5)  # three attempts of 2 s each
        self.assertEqual(self.task(p["taskId"])["attempts"], 3)

    def test_slow_once_then_success(self):
        m = self.marker()
        self.fake.script(m, [slow(3)], then=ok())
        p = self.create(prompt=f"slow once {m}")
        done = self.wait(p["id"], timeout=30)
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(self.task(p["taskId"])["attempts"], 2)
        self.assertOneSetOfImages(done)


# ==================================================================================== leases

class LeaseWorkerTest(WorkerTestCase):
    """A demo generation takes 4 s (8 steps of 500 ms) and a lease lasts 2 s (heartbeat 500 ms)."""

    extra_config = {"generator": "demo?stepMs=500&steps=8", "worker.lease_seconds": "2", "worker.poll_ms": "50"}

    def setUp(self):
        super().setUp()
        self.addCleanup(self.stop_workers_and_leftovers)

    def stop_workers_and_leftovers(self):
        for h in self.stack.workers:
            if h.running():
                self.assertEqual(self.stack.stop_worker(h), 0, h.log_text())
        # Nothing of this test may be left for the next one's workers.
        for (photo_id,) in self.stack.sql("SELECT id FROM model_photos WHERE status IN ('queued', 'processing')"):
            self.stack.request("POST", f"{API}/model-photos/{photo_id}/cancel", token=self.token)

    def test_a_killed_workers_task_is_taken_over_after_the_lease(self):
        a = self.stack.start_worker("lease-a")
        p = self.create(imageCount=2)
        claim = a.wait_event("task_claimed", task=p["taskId"], timeout=10)
        self.assertEqual(claim["attempt"], "1")
        self.assertEqual(claim["photo"], p["id"])
        self.assertEqual(self.get(p["id"])["status"], "processing")
        time.sleep(0.8)  # mid-generation, a heartbeat or two sent
        self.assertEqual(self.stack.kill_worker(a), -9)
        killed = time.monotonic()
        b = self.stack.start_worker("lease-b")
        take_over = b.wait_event("task_claimed", task=p["taskId"], timeout=15)
        waited = time.monotonic() - killed
        self.assertEqual(take_over["attempt"], "2")
        # Not before A's lease (renewed every 500 ms, 2 s long) ran out.
        self.assertGreaterEqual(waited, 1.0, b.log_text())
        done = self.wait(p["id"], timeout=30)
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(done["imageCount"], 2)
        self.assertOneSetOfImages(done)
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"]), ("completed", 2))
        self.assertEqual(len(b.events("task_completed", task=p["taskId"])), 1)
        self.assertEqual(a.events("task_completed"), [])
        # Exactly one set of images in storage too: 6 rows, 6 distinct keys.
        keys = self.stack.sql(f"SELECT DISTINCT storage_key FROM model_images WHERE model_photo_id = {int(p['id'])}")
        self.assertEqual(len(keys), 6)

    def test_sigterm_gives_the_running_task_back(self):
        c = self.stack.start_worker("term-c")
        p = self.create()
        c.wait_event("task_claimed", task=p["taskId"], timeout=10)
        time.sleep(0.7)
        self.assertEqual(self.get(p["id"])["status"], "processing")
        started = time.monotonic()
        code = self.stack.stop_worker(c)
        self.assertEqual(code, 0, c.log_text())
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertTrue(c.events("task_given_back", task=p["taskId"]), c.log_text())
        self.assertTrue(c.events("worker_stopped"), c.log_text())
        photo = self.get(p["id"])
        self.assertEqual(photo["status"], "queued")
        self.assertEqual(photo["progress"], 0)
        self.assertIsNone(photo["errorCode"])
        t = self.task(p["taskId"])
        self.assertEqual((t["status"], t["attempts"], t["locked_by"]), ("queued", 0, ""))
        self.assertIsNone(t["lease_until"])
        d = self.stack.start_worker("term-d")
        claim = d.wait_event("task_claimed", task=p["taskId"], timeout=10)
        self.assertEqual(claim["attempt"], "1")  # the given-back attempt did not count
        done = self.wait(p["id"], timeout=30)
        self.assertEqual(done["status"], "completed", done)
        self.assertOneSetOfImages(done)
        self.assertEqual(self.task(p["taskId"])["attempts"], 1)

    def test_sigterm_while_idle_exits_at_once(self):
        e = self.stack.start_worker("idle-e")
        time.sleep(0.2)
        started = time.monotonic()
        self.assertEqual(self.stack.stop_worker(e), 0, e.log_text())
        self.assertLess(time.monotonic() - started, 2.0)

    def test_cancel_while_processing_stops_the_attempt(self):
        w = self.stack.start_worker("cancel-w")
        p = self.create()
        w.wait_event("task_claimed", task=p["taskId"], timeout=10)
        time.sleep(0.3)
        r = self.stack.request("POST", f"{API}/model-photos/{p['id']}/cancel", token=self.token)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "failed")
        self.assertEqual(r.json()["errorCode"], "cancelled")
        # The next heartbeat finds the task no longer the worker's: it drops it.
        w.wait_event("task_lost", task=p["taskId"], timeout=5)
        time.sleep(0.3)
        photo = self.get(p["id"])
        self.assertEqual((photo["status"], photo["errorCode"]), ("failed", "cancelled"))
        self.assertEqual(photo["images"], [])
        self.assertEqual(self.image_rows(p["id"]), [])
        self.assertEqual(self.task(p["taskId"])["status"], "failed")
        self.assertEqual(w.events("task_completed", task=p["taskId"]), [])
        self.assertTrue(w.running())


# ==================================================================================== concurrency

class ConcurrentWorkersTest(WorkerTestCase):
    """Four workers racing for 200 quick tasks."""

    extra_config = {"generator": "demo?stepMs=0&steps=1", "worker.poll_ms": "50"}
    PHOTOS = 200
    BATCH = 50
    WORKERS = 4

    def test_every_task_is_claimed_and_completed_exactly_once(self):
        workers = [self.stack.start_worker(f"conc-{i}") for i in range(self.WORKERS)]
        task_ids, photo_ids = [], []
        for b in range(self.PHOTOS // self.BATCH):
            items = [{"prompt": f"crowd {b}-{i}", "imageCount": 1, "resolution": "1K", "aspectRatio": "9:16"}
                     for i in range(self.BATCH)]
            r = self.stack.request("POST", f"{API}/model-photos/batch", body={"items": items}, token=self.token)
            self.assertStatus(r, 202)
            task_ids += [p["taskId"] for p in r.json()["items"]]
            photo_ids += [p["id"] for p in r.json()["items"]]
        self.assertEqual(len(set(task_ids)), self.PHOTOS)

        deadline = time.monotonic() + 150
        while True:
            counts = dict(self.stack.sql("SELECT status, COUNT(*) FROM model_photos GROUP BY status"))
            if counts.get("completed", 0) + counts.get("failed", 0) >= self.PHOTOS:
                break
            for h in workers:
                self.assertTrue(h.running(), f"{h.worker_id} exited ({h.returncode}):\n{h.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.fail(f"not done after 150 s: {counts}")
            time.sleep(0.25)
        self.assertEqual(counts, {"completed": self.PHOTOS})
        for h in workers:
            self.assertEqual(self.stack.stop_worker(h), 0, h.log_text()[-2000:])

        completed = [e["task"] for h in workers for e in h.events("task_completed")]
        claimed = [e for h in workers for e in h.events("task_claimed")]
        per_worker = {h.worker_id: len(h.events("task_completed")) for h in workers}
        self.assertEqual(len(completed), self.PHOTOS, per_worker)
        self.assertEqual(set(completed), set(task_ids))
        self.assertEqual(len(claimed), self.PHOTOS)
        self.assertEqual({e["attempt"] for e in claimed}, {"1"})
        for event in ("task_requeued", "task_failed", "task_error", "task_given_back"):
            self.assertEqual([e for h in workers for e in h.events(event)], [], event)
        self.assertEqual(self.stack.sql_value("SELECT COUNT(*) FROM model_images"), 3 * self.PHOTOS)
        self.assertEqual(self.stack.sql("SELECT model_photo_id, image_type, sort_order, COUNT(*) FROM model_images "
                                        "GROUP BY model_photo_id, image_type, sort_order HAVING COUNT(*) > 1"), [])
        self.assertEqual(self.stack.sql("SELECT status, attempts, COUNT(*) FROM image_tasks GROUP BY status, attempts"),
                         [("completed", 1, self.PHOTOS)])
        self.assertEqual(self.stack.sql_value("SELECT COUNT(DISTINCT model_photo_id) FROM model_images"), self.PHOTOS)
        if os.environ.get("MOFANG_E2E_VERBOSE"):
            print(f"\n[e2e] tasks per worker: {per_worker}")
        # Last, so that everything above is checked first: no task was lost either. A heartbeat
        # that runs after the completion committed must not report the task it has just
        # completed as lost (mofang-worker did, on MariaDB about one task in ten).
        lost = [(h.worker_id, e["task"]) for h in workers for e in h.events("task_lost")]
        lost_then_completed = [(w, t) for w, t in lost
                               if any(h.worker_id == w and h.events("task_completed", task=t) for h in workers)]
        self.assertEqual(lost, [], f"{len(lost)} task_lost events, {len(lost_then_completed)} of them for tasks "
                                   f"that the same worker then logged as task_completed: {lost[:3]}")


# ==================================================================================== local backup

class LocalBackupTest(WorkerTestCase):
    """storage.local_backup (here for one worker, through its environment): each result image is
    also copied below that directory, and its row has the copy's local_path."""

    extra_config = {"generator": "demo?stepMs=0&steps=1", "worker.poll_ms": "50"}

    def test_results_are_copied_to_the_backup_directory(self):
        backup = os.path.join(self.stack.tmp, "backup")
        self.assertFalse(os.path.exists(backup))
        w = self.stack.start_worker("backup-w", extra_env={"MOFANG_STORAGE_LOCAL_BACKUP": backup})
        self.assertTrue(os.path.isdir(backup), "the worker makes its backup directory at start")
        p = self.create(imageCount=2)
        done = self.wait(p["id"])
        self.assertEqual(done["status"], "completed", done)
        self.assertOneSetOfImages(done)
        for image in done["images"]:
            with self.subTest(image=(image["imageType"], image["sortOrder"])):
                if image["imageType"] != "result":
                    continue
                path = image["localPath"]
                self.assertTrue(path, image)
                self.assertTrue(os.path.realpath(path).startswith(os.path.realpath(backup) + os.sep), path)
                with open(path, "rb") as f:
                    copy = f.read()
                self.assertEqual(hashlib.sha256(copy).hexdigest(), image["sha256"])
                self.assertEqual(copy, self.image_file(image["id"]))
        self.assertEqual(self.stack.stop_worker(w), 0, w.log_text())
