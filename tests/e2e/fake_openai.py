"""A scriptable fake of an OpenAI-compatible Images API, for the worker's `openai:` generator.

    fake = FakeOpenAI().start()          # a threaded http.server on 127.0.0.1:<free port>
    fake.base_url                        # "http://127.0.0.1:PORT/v1"
    fake.script("[[m-429]]", [error(429), ok()])
    ... a model photo whose prompt contains "[[m-429]]" is generated ...
    fake.requests_for("[[m-429]]")       # what the worker sent: path, headers, JSON body
    fake.stop()

It speaks the protocol of SPEC §7: POST {base}/images/generations with JSON {model, prompt, n,
size "WxH", response_format "b64_json"} → 200 {"created", "data": [{"b64_json": <PNG>}]}; errors
are {"error": {"message", "type", "code"}} with a 4xx/5xx status.

Behaviour is chosen per request by a marker word in the prompt: script(marker, [b1, b2, ...],
then=b) makes the 1st request whose prompt contains `marker` get b1, the 2nd b2, and so on, and
every later one `then` (default ok()). A request that matches no marker gets `default` (ok()).
Behaviours: ok(n=None, size=None) — real PNGs, n of them (default: the request's n) at `size`
(default: the request's size); error(status, code, message, type); slow(seconds, then=ok()) —
sleeps before answering (longer than the client's timeout: the client has gone by then);
garbage() — a 200 whose b64_json is not an image; no_data() — a 200 with an empty data list.

The PNGs are made here with zlib + struct: one colour each (a 1024×1024 one compresses to a few
KB), a different colour for every image sent; `sent` maps each image's sha256 to its bytes.
"""

import base64
import hashlib
import http.server
import json
import struct
import threading
import time
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def solid_png(width, height, rgb):
    """A valid 8-bit RGB PNG of one colour."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def png_size(data):
    """(width, height) of a PNG."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


# ------------------------------------------------------------------------------ behaviours

def ok(n=None, size=None):
    """Success: n images (default: as many as asked for) of size (w, h) (default: as asked)."""
    return {"kind": "ok", "n": n, "size": size}


def error(status, code=None, message=None, type=None):  # noqa: A002 (the protocol's field name)
    """An OpenAI-style error answer."""
    defaults = {
        400: ("invalid_request_error", "bad_request", "Invalid request."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
        429: ("rate_limit_error", "rate_limit_exceeded", "Rate limit reached for images per minute."),
        500: ("server_error", "server_error", "The server had an error while processing your request."),
        503: ("server_error", "service_unavailable", "The engine is currently overloaded."),
    }
    d_type, d_code, d_message = defaults.get(status, ("server_error" if status >= 500 else "invalid_request_error",
                                                      f"http_{status}", f"Error {status}."))
    return {"kind": "error", "status": status, "code": code or d_code, "message": message or d_message,
            "type": type or d_type}


def content_policy(message="Your request was rejected as a result of our safety system."):
    """400 content_policy_violation, as OpenAI answers a refused prompt."""
    return error(400, code="content_policy_violation", message=message, type="invalid_request_error")


def slow(seconds, then=None):
    """Sleep `seconds` before answering with `then` (default ok())."""
    return {"kind": "slow", "seconds": seconds, "then": then or ok()}


def garbage():
    """200 with a b64_json that decodes to text, not an image."""
    return {"kind": "garbage"}


def no_data():
    """200 with an empty data list."""
    return {"kind": "no_data"}


# ------------------------------------------------------------------------------ the server

class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a slow answer in progress
    allow_reuse_address = True


class FakeOpenAI:
    def __init__(self, default=None):
        self.default = default or ok()
        self._lock = threading.Lock()
        self._scripts = {}  # marker → {"queue": [...], "then": behaviour}
        self._order = []  # markers, first scripted first matched
        self.requests = []  # every request received, in order
        self.sent = {}  # sha256 → PNG bytes of every image sent
        self._colour = 0
        self._png_cache = {}
        self._stopping = threading.Event()
        self._server = None
        self._thread = None
        self.port = None

    # -------------------------------------------------------------- lifecycle

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = "fake-openai/1.0"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                fake._handle(self)

            def do_GET(self):
                fake._reply(self, 404, {"error": {"message": "not found", "type": "invalid_request_error",
                                                  "code": "not_found"}})

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def generator_uri(self, model="test-model", key="sk-test", timeout=None):
        uri = f"openai:{self.base_url}?model={model}&key={key}"
        return uri + (f"&timeout={timeout}" if timeout is not None else "")

    # -------------------------------------------------------------- scripting and records

    def script(self, marker, behaviours, then=None):
        """Requests whose prompt contains `marker` get `behaviours` in order, then `then`."""
        with self._lock:
            if marker not in self._scripts:
                self._order.append(marker)
            self._scripts[marker] = {"queue": list(behaviours), "then": then or ok()}

    def requests_for(self, marker):
        with self._lock:
            return [r for r in self.requests if r["marker"] == marker]

    def count(self, marker):
        return len(self.requests_for(marker))

    # -------------------------------------------------------------- handling

    def _choose(self, prompt):
        with self._lock:
            for marker in self._order:
                if marker in prompt:
                    s = self._scripts[marker]
                    return marker, (s["queue"].pop(0) if s["queue"] else s["then"])
            return None, self.default

    def _reply(self, handler, status, payload, extra_headers=None):
        body = json.dumps(payload).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Connection", "close")
            for k, v in (extra_headers or {}).items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up (a timeout): nothing to do
        handler.close_connection = True

    def _png(self, width, height):
        with self._lock:
            self._colour += 1
            c = self._colour
        rgb = ((c * 73) % 256, (c * 151 + 40) % 256, (c * 199 + 90) % 256)
        key = (width, height, rgb)
        data = self._png_cache.get(key)
        if data is None:
            data = solid_png(width, height, rgb)
            self._png_cache[key] = data
        with self._lock:
            self.sent[hashlib.sha256(data).hexdigest()] = data
        return data

    def _handle(self, handler):
        received = time.time()
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = None
        prompt = body.get("prompt", "") if isinstance(body, dict) else ""
        marker, behaviour = self._choose(prompt if isinstance(prompt, str) else "")
        record = {"path": handler.path, "method": handler.command,
                  "headers": {k.lower(): v for k, v in handler.headers.items()},
                  "raw": raw, "json": body, "marker": marker, "time": received, "behaviour": behaviour["kind"]}
        with self._lock:
            self.requests.append(record)

        if handler.path.rstrip("/") != "/v1/images/generations":
            return self._reply(handler, 404, {"error": {"message": f"unknown path {handler.path}",
                                                        "type": "invalid_request_error", "code": "not_found"}})
        if not isinstance(body, dict):
            return self._reply(handler, 400, {"error": {"message": "the body is not a JSON object",
                                                        "type": "invalid_request_error", "code": "invalid_json"}})
        while behaviour["kind"] == "slow":
            if self._stopping.wait(behaviour["seconds"]):
                return
            behaviour = behaviour["then"]
        kind = behaviour["kind"]
        if kind == "error":
            return self._reply(handler, behaviour["status"], {"error": {
                "message": behaviour["message"], "type": behaviour["type"], "code": behaviour["code"]}})
        if kind == "no_data":
            return self._reply(handler, 200, {"created": int(received), "data": []})
        if kind == "garbage":
            text = base64.b64encode(b"this is not an image, just some text").decode("ascii")
            return self._reply(handler, 200, {"created": int(received), "data": [{"b64_json": text}]})
        # ok
        n = behaviour["n"] if behaviour["n"] is not None else body.get("n", 1)
        if behaviour["size"] is not None:
            width, height = behaviour["size"]
        else:
            try:
                width, height = (int(v) for v in str(body.get("size", "1024x1024")).split("x"))
            except ValueError:
                return self._reply(handler, 400, {"error": {"message": f"bad size {body.get('size')!r}",
                                                            "type": "invalid_request_error", "code": "invalid_size"}})
        images = [self._png(width, height) for _ in range(int(n))]
        record["sent"] = [hashlib.sha256(d).hexdigest() for d in images]
        return self._reply(handler, 200, {
            "created": int(received),
            "data": [{"b64_json": base64.b64encode(d).decode("ascii"), "revised_prompt": prompt} for d in images]},
            extra_headers={"x-request-id": f"req_{len(self.requests)}"})
