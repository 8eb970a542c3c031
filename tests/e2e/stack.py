"""A private Mofang stack for end-to-end tests: the real mofang-fcgi behind a real nginx.

Each test class starts its own Stack (setUpClass) and stops it (tearDownClass): its own temp
directory, database, FastCGI socket and nginx on a free port, so test modules share nothing.

Environment:
  MOFANG_BUILD_DIR   directory holding the built mofang-fcgi, mofang-worker and mofangctl (required)
  MOFANG_REPO        repository root, for scripts/lib/nginx-conf (default: two levels up)
  MOFANG_TEST_MYSQL  mysql://root:root@127.0.0.1:PORT/ of a throwaway MariaDB server; when set,
                     every stack gets a fresh database e2e_<hex> there (dropped on stop);
                     otherwise SQLite in the stack's temp directory
  MOFANG_TEST_S3     s3://BUCKET?endpoint=… of a throwaway S3 server (s3rver), for stacks made
                     with storage="s3"; those are skipped without it
  MOFANG_E2E_KEEP    when set to 1, keep each stack's temp directory (logs, config, database)
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

# Bounded wait for a stack to come up (and for processes to go down).
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 30.0
# How long wait_photo() waits by default for a model photo to reach a final status.
PHOTO_TIMEOUT_S = 60.0

# A password that passes the server's rules (≥ 10 characters); tests that care pass their own.
DEFAULT_PASSWORD = "correct-horse-battery"

USER_AGENT = "mofang-e2e/1.0"


def unique(prefix):
    """A fresh name (≤ 32 characters when prefix ≤ 20): tests in one class share a stack."""
    return f"{prefix}_{secrets.token_hex(4)}"


def query_string(filters):
    """{"gender": "male", "scenario": ["a", "b"], ...} → gender=male&scenario=a&scenario=b."""
    pairs = []
    for k, v in filters.items():
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            pairs.append((k, item))
    return urllib.parse.urlencode(pairs)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"<{path}: {e}>"
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


class Response:
    """One HTTP response: status, headers (case-insensitive), body bytes."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage: headers["content-type"], get_all(...)
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_code(self):
        """error.code of a JSON error body, or None when the body is not one."""
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None

    @property
    def error_fields(self):
        """The `field` of every error.details entry."""
        try:
            return [d.get("field") for d in self.json()["error"].get("details") or []]
        except (ValueError, KeyError, TypeError, AttributeError):
            return []

    def __repr__(self):
        body = self.body[:600].decode("utf-8", "replace")
        return f"<Response {self.status} {self.reason} {body!r}>"


_LOGFMT_FIELD = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_log_line(line):
    """One structured log line (`ts=… level=info event=task_claimed task=… attempt=1`) → dict of
    its fields, quoted values unquoted; {} for a line that is not one."""
    fields = {}
    for key, value in _LOGFMT_FIELD.findall(line):
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r'\\(.)', lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value[1:-1])
        fields[key] = value
    return fields if "event" in fields else {}


class WorkerHandle:
    """A mofang-worker started by Stack.start_worker(): the Popen, its id and its own log file."""

    def __init__(self, proc, worker_id, log_path, log_file):
        self.proc = proc
        self.worker_id = worker_id
        self.log_path = log_path
        self._log_file = log_file
        self.stopped_on_purpose = False  # stop_worker()/kill_worker() took it down

    @property
    def pid(self):
        return self.proc.pid

    @property
    def returncode(self):
        return self.proc.poll()

    def running(self):
        return self.proc.poll() is None

    def log_text(self):
        """Everything the worker wrote to stdout/stderr so far."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def events(self, event=None, **fields):
        """The worker's structured log lines as dicts, optionally only those with this event
        (e.g. "task_claimed") and these field values (e.g. task=TASK_ID)."""
        out = []
        for line in self.log_text().splitlines():
            f = parse_log_line(line)
            if not f or (event is not None and f.get("event") != event):
                continue
            if all(f.get(k) == str(v) for k, v in fields.items()):
                out.append(f)
        return out

    def wait_event(self, event, timeout=30.0, **fields):
        """Wait until the log holds such a line; returns its dict (AssertionError on timeout or
        when the worker exits first)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(event, **fields)
            if found:
                return found[0]
            if not self.running():
                found = self.events(event, **fields)
                if found:
                    return found[0]
                raise AssertionError(f"worker {self.worker_id} exited ({self.returncode}) before logging "
                                     f"event={event} {fields}:\n{tail(self.log_path, 30)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.worker_id} did not log event={event} {fields} within "
                                     f"{timeout}s:\n{tail(self.log_path, 30)}")
            time.sleep(0.02)  # log polling

    def close(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __repr__(self):
        return f"<WorkerHandle {self.worker_id} pid={self.proc.pid} rc={self.proc.poll()}>"


class Stack:
    """mofang-fcgi + nginx in a private temp directory. start() → use → stop()."""

    def __init__(self, extra_config=None, storage=None):
        """storage: None for a local directory (the default), "s3" for the server of
        MOFANG_TEST_S3 (unittest.SkipTest without it), or an s3:// URI."""
        if storage == "s3":
            storage = os.environ.get("MOFANG_TEST_S3")
            if not storage:
                raise unittest.SkipTest("MOFANG_TEST_S3 is not set (scripts/test starts an S3 server)")
        if storage is not None and not storage.startswith("s3://"):
            raise ValueError(f"storage must be None, 's3' or an s3:// URI, not {storage!r}")
        self.s3_uri = storage
        build = os.environ.get("MOFANG_BUILD_DIR")
        if not build:
            raise RuntimeError("MOFANG_BUILD_DIR is not set (the directory with mofang-fcgi and mofangctl)")
        self.build_dir = os.path.abspath(build)
        self.repo = os.path.abspath(
            os.environ.get("MOFANG_REPO") or os.path.join(os.path.dirname(__file__), "..", ".."))
        self.mysql_url = os.environ.get("MOFANG_TEST_MYSQL") or None
        self.extra_config = dict(extra_config or {})
        self.admin_password = secrets.token_urlsafe(18)  # 24 characters
        self.tmp = None
        self.fcgi = None
        self.nginx = None
        self.port = None
        self.base = None
        self.socket_path = None
        self.config_path = None
        self.fcgi_log = None
        self.nginx_prefix = None
        self.db_name = None
        self.staging = None  # S3 storage: the directory of the writers' temp files
        self._admin_login = None
        self._fcgi_log_file = None
        self._nginx_log_file = None
        self.workers = []  # every WorkerHandle start_worker() made, running or not
        self._worker_seq = 0

    # ---------------------------------------------------------------- lifecycle

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="mofang-e2e-")
        # nginx workers run as an unprivileged user when the tests run as root: they must be
        # able to reach the FastCGI socket inside this directory (mkdtemp makes it 0700).
        os.chmod(self.tmp, 0o755)
        self.socket_path = os.path.join(self.tmp, "fcgi.sock")
        self.config_path = os.path.join(self.tmp, "mofang.properties")
        self.fcgi_log = os.path.join(self.tmp, "fcgi.log")
        self.nginx_prefix = os.path.join(self.tmp, "nginx")
        os.makedirs(os.path.join(self.tmp, "objects"))
        self._launch("stack failed to start", lambda: self._write_config(self._create_database()))
        return self

    def _launch(self, failure, prepare=lambda: None):
        """prepare(), then mofang-fcgi and nginx on this stack's paths until they answer; on any
        failure the logs' tails are printed under `failure` and everything is stopped."""
        try:
            prepare()
            self._start_fcgi()
            self._start_nginx()
            self._wait_ready()
        except BaseException:
            self._dump_logs(failure)
            self.stop(quiet=True)
            raise

    def stop(self, quiet=False):
        """SIGTERM the workers, then both processes, and wait; print the logs' tails when something
        went wrong (a worker that exits non-zero after SIGTERM is a problem too)."""
        problems = []
        for handle in list(self.workers):
            problems += self._stop_worker_process(handle, signal.SIGTERM)
        for name, proc in (("mofang-fcgi", self.fcgi), ("nginx", self.nginx)):
            if proc is None:
                continue
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                problems.append(f"{name} did not exit within {STOP_TIMEOUT_S}s of SIGTERM (killed)")
                continue
            if code != 0:
                problems.append(f"{name} exited with {code}")
        self.fcgi = self.nginx = None
        for f in (self._fcgi_log_file, self._nginx_log_file):
            if f is not None:
                f.close()
        self._fcgi_log_file = self._nginx_log_file = None
        for handle in self.workers:
            handle.close()
        if problems and not quiet:
            self._dump_logs("; ".join(problems))
        self._drop_database()
        if self.tmp and not problems and os.environ.get("MOFANG_E2E_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif self.tmp:
            print(f"[e2e] stack directory kept: {self.tmp}", file=sys.stderr)
        return problems

    def _child_env(self):
        # Every MOFANG_<KEY> variable overrides a config key (SPEC §2): the test's own variables
        # (MOFANG_BUILD_DIR, ...) must not reach the server as stray configuration.
        return {k: v for k, v in os.environ.items() if not k.startswith("MOFANG_")}

    def _mysql_parts(self):
        u = urllib.parse.urlsplit(self.mysql_url)
        return (u.hostname or "127.0.0.1", u.port or 3306,
                urllib.parse.unquote(u.username or "root"), urllib.parse.unquote(u.password or ""))

    def _mariadb(self, sql, database=None, batch=False):
        """Run SQL with the mariadb CLI; batch=True returns its --batch --skip-column-names output."""
        host, port, user, password = self._mysql_parts()
        cmd = ["mariadb", "--no-defaults", "--protocol=TCP", "-h", host, "-P", str(port), f"-u{user}"]
        if password:
            cmd.append(f"-p{password}")
        if batch:
            cmd += ["--batch", "--skip-column-names", "--default-character-set=utf8mb4"]
        if database:
            cmd += ["-D", database]
        out = subprocess.run(cmd + ["-e", sql], capture_output=True, timeout=30)
        if out.returncode != 0:
            raise subprocess.CalledProcessError(out.returncode, cmd[:1] + ["-e", sql], out.stdout, out.stderr)
        return out.stdout.decode("utf-8", "replace")

    def _create_database(self):
        if not self.mysql_url:
            return f"sqlite:{os.path.join(self.tmp, 'mofang.db')}"
        self.db_name = f"e2e_{secrets.token_hex(6)}"
        self._mariadb(f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        host, port, user, password = self._mysql_parts()
        return f"mysql://{user}:{password}@{host}:{port}/{self.db_name}"

    def _drop_database(self):
        if self.db_name:
            try:
                self._mariadb(f"DROP DATABASE IF EXISTS `{self.db_name}`")
            except (subprocess.SubprocessError, OSError) as e:
                print(f"[e2e] could not drop database {self.db_name}: {e}", file=sys.stderr)
            self.db_name = None

    def _storage(self):
        if self.s3_uri is None:
            return f"file:{os.path.join(self.tmp, 'objects')}"
        self.staging = os.path.join(self.tmp, "staging")
        return f"{self.s3_uri}{'&' if '?' in self.s3_uri else '?'}staging={self.staging}"

    def _write_config(self, db):
        config = {
            "db": db,
            "db.auto_migrate": "true",
            "storage": self._storage(),
            "generator": "demo",
            "admin.password": self.admin_password,
            "fcgi.threads": "8",
            "fcgi.socket_mode": "0666",
            "debug.routes": "true",
        }
        config.update({k: str(v) for k, v in self.extra_config.items()})
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write("# written by tests/e2e/stack.py\n")
            for key, value in config.items():
                if "\\" in value or "\n" in value:
                    raise ValueError(f"config value for {key} cannot be written as a property: {value!r}")
                f.write(f"{key} = {value}\n")

    def _start_fcgi(self):
        self._fcgi_log_file = open(self.fcgi_log, "wb")
        self.fcgi = subprocess.Popen(
            [os.path.join(self.build_dir, "mofang-fcgi"), "--config", self.config_path,
             "--listen", f"unix:{self.socket_path}"],
            stdin=subprocess.DEVNULL, stdout=self._fcgi_log_file, stderr=subprocess.STDOUT,
            env=self._child_env())

    def _render_nginx_conf(self, port):
        script = os.path.join(self.repo, "scripts", "lib", "nginx-conf")
        out = subprocess.run(
            [script, "--prefix", self.nginx_prefix, "--port", str(port), "--socket", self.socket_path,
             "--storage", os.path.join(self.tmp, "objects")],
            capture_output=True, check=False, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"{script} failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
        conf = out.stdout.decode("utf-8")
        os.makedirs(self.nginx_prefix, exist_ok=True)
        # nginx creates the last component of its temp paths, but not their parents, nor the
        # directories of its logs and pid file: make every directory the config names below
        # the prefix.
        for path in set(re.findall(re.escape(self.nginx_prefix) + r"/[^\s;'\"]*", conf)):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        return conf

    def _start_nginx(self):
        conf_path = os.path.join(self.nginx_prefix, "nginx.conf")
        # A free port found by binding to port 0 can be taken again before nginx binds it:
        # retry with a new port when nginx dies at start-up.
        for attempt in range(3):
            self.port = free_port()
            conf = self._render_nginx_conf(self.port)
            with open(conf_path, "w", encoding="utf-8") as f:
                f.write(conf)
            cmd = ["nginx", "-p", self.nginx_prefix + "/", "-c", conf_path,
                   "-e", os.path.join(self.nginx_prefix, "error.log")]
            if not re.search(r"^\s*daemon\s", conf, re.M):
                cmd += ["-g", "daemon off;"]
            if self._nginx_log_file is not None:
                self._nginx_log_file.close()
            self._nginx_log_file = open(os.path.join(self.tmp, "nginx.stderr"), "ab")
            self.nginx = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._nginx_log_file,
                                          stderr=subprocess.STDOUT, env=self._child_env())
            self.base = f"http://127.0.0.1:{self.port}"
            if self._nginx_listening():
                return
            self.nginx.wait()
            log = tail(os.path.join(self.tmp, "nginx.stderr"), 20)
            if "Address already in use" not in log:
                raise RuntimeError(f"nginx exited with {self.nginx.returncode}:\n{log}")
        raise RuntimeError("nginx could not bind a free port in 3 attempts")

    def _nginx_listening(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.02)  # readiness polling
        raise RuntimeError(f"nginx did not listen on port {self.port} within {START_TIMEOUT_S}s")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        last = None
        while time.monotonic() < deadline:
            if self.fcgi.poll() is not None:
                raise RuntimeError(f"mofang-fcgi exited with {self.fcgi.returncode} during start-up")
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.nginx.returncode} during start-up")
            try:
                last = self.request("GET", "/healthz", timeout=2)
                if last.status == 200:
                    return
            except OSError as e:
                last = e
            time.sleep(0.05)  # readiness polling
        raise RuntimeError(f"GET /healthz was not 200 within {START_TIMEOUT_S}s (last: {last!r})")

    def _dump_logs(self, why):
        if not self.tmp:
            return
        parts = [f"[e2e] {why}; stack directory {self.tmp}",
                 "---- mofang-fcgi log (tail) ----", tail(self.fcgi_log)]
        for root, _dirs, files in os.walk(self.nginx_prefix or self.tmp):
            for name in sorted(files):
                if name.endswith(".log") and "access" not in name:
                    path = os.path.join(root, name)
                    parts += [f"---- {path} (tail) ----", tail(path, 30)]
        parts += ["---- nginx stderr (tail) ----", tail(os.path.join(self.tmp, "nginx.stderr"), 20)]
        for handle in self.workers:
            parts += [f"---- worker {handle.worker_id} log (tail) ----", tail(handle.log_path, 30)]
        print("\n".join(parts), file=sys.stderr)


    # ---------------------------------------------------------------- workers

    def start_worker(self, worker_id=None, extra_env=None, max_tasks=None, wait_started=True):
        """Start a mofang-worker on this stack's config; returns a WorkerHandle.

        worker_id: its --id (default w1, w2, … in start order); extra_env: more environment for it
        only, e.g. {"MOFANG_GENERATOR": "demo?stepMs=500&steps=8"} (every MOFANG_<KEY> overrides a
        config key); max_tasks: its --max-tasks. wait_started: return once it logged
        `event=worker_started` (its config, database and signal handling are set up, so a SIGTERM
        from then on is a clean stop)."""
        self._worker_seq += 1
        if worker_id is None:
            worker_id = f"w{self._worker_seq}"
        log_path = os.path.join(self.tmp, f"worker-{self._worker_seq}-{re.sub(r'[^A-Za-z0-9_.-]', '_', worker_id)}.log")
        log_file = open(log_path, "wb")
        env = self._child_env()
        env.update({k: str(v) for k, v in (extra_env or {}).items()})
        cmd = [os.path.join(self.build_dir, "mofang-worker"), "--config", self.config_path, "--id", worker_id]
        if max_tasks is not None:
            cmd += ["--max-tasks", str(max_tasks)]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=env)
        except BaseException:
            log_file.close()
            raise
        handle = WorkerHandle(proc, worker_id, log_path, log_file)
        self.workers.append(handle)
        if wait_started:
            handle.wait_event("worker_started", timeout=START_TIMEOUT_S)
        return handle

    def stop_worker(self, handle, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        """Send `sig` (SIGTERM by default) and wait for the worker to exit; returns its exit code
        (killed with SIGKILL and AssertionError when it does not exit within `timeout`)."""
        handle.stopped_on_purpose = True
        if handle.proc.poll() is None:
            handle.proc.send_signal(sig)
        try:
            return handle.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            handle.proc.kill()
            handle.proc.wait()
            raise AssertionError(f"worker {handle.worker_id} did not exit within {timeout}s of signal {sig}:\n"
                                 f"{tail(handle.log_path, 30)}")

    def kill_worker(self, handle):
        """SIGKILL the worker (a crash: no chance to give its task back); returns its exit code."""
        return self.stop_worker(handle, signal.SIGKILL)

    def _stop_worker_process(self, handle, sig):
        """Stop one worker for Stack.stop(); returns a list of problems (empty when fine)."""
        proc = handle.proc
        name = f"mofang-worker {handle.worker_id}"
        if proc.poll() is not None:
            code = proc.returncode
            if code != 0 and not handle.stopped_on_purpose:
                handle.stopped_on_purpose = True  # reported once
                return [f"{name} exited with {code} on its own"]
            return []
        handle.stopped_on_purpose = True
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return [f"{name} did not exit within {STOP_TIMEOUT_S}s of SIGTERM (killed)"]
        return [f"{name} exited with {code} after SIGTERM"] if code != 0 else []

    def wait_photo(self, token, photo_id, statuses=("completed", "failed"), timeout=PHOTO_TIMEOUT_S,
                   interval=0.05):
        """Poll GET /api/v1/model-photos/{id} until its status is one of `statuses`; returns the
        record (with "images"). AssertionError on timeout, with the workers' log tails."""
        if isinstance(statuses, str):
            statuses = (statuses,)
        deadline = time.monotonic() + timeout
        last = None
        while True:
            r = self.request("GET", f"/api/v1/model-photos/{photo_id}", token=token)
            if r.status != 200:
                raise AssertionError(f"GET /api/v1/model-photos/{photo_id}: {r!r}")
            last = r.json()
            if last["status"] in statuses:
                return last
            if time.monotonic() > deadline:
                logs = "\n".join(f"---- worker {h.worker_id} (rc={h.returncode}) ----\n{tail(h.log_path, 15)}"
                                 for h in self.workers)
                raise AssertionError(f"model photo {photo_id} is still {last['status']!r} (progress "
                                     f"{last.get('progress')}) after {timeout}s, waiting for {statuses}:\n{logs}")
            time.sleep(interval)  # status polling

    # ---------------------------------------------------------------- database

    def sql(self, query, params=()):
        """Run a read-only query directly on the stack's database; returns a list of row tuples.

        SQLite: the sqlite3 module (`?` placeholders in `params`), values as SQLite returns them.
        MariaDB: the `mariadb` CLI; every value comes back as text except that NULL is None and
        whole numbers are ints, so the same assertions work on both (no `params` there: inline
        constants, quoted with sql_literal())."""
        if not self.mysql_url:
            path = os.path.join(self.tmp, "mofang.db")
            conn = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, timeout=30)
            try:
                return [tuple(row) for row in conn.execute(query, params).fetchall()]
            finally:
                conn.close()
        if params:
            raise ValueError("sql(): parameters are for SQLite only; inline them with sql_literal()")
        out = self._mariadb(query, database=self.db_name, batch=True)
        rows = []
        for line in out.split("\n"):
            if line == "":
                continue
            rows.append(tuple(_mariadb_value(v) for v in line.split("\t")))
        return rows

    def sql_literal(self, value):
        """A string or number as an SQL literal of this stack's database (for sql() queries)."""
        if isinstance(value, bool) or value is None:
            raise TypeError(f"sql_literal: {value!r}")
        if isinstance(value, (int, float)):
            return str(value)
        text = str(value).replace("'", "''")
        if self.mysql_url:
            text = text.replace("\\", "\\\\")  # MariaDB strings treat backslash as an escape
        return "'" + text + "'"

    def sql_value(self, query, params=()):
        """The single value of a one-row, one-column query (e.g. a COUNT(*))."""
        rows = self.sql(query, params)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise AssertionError(f"{query!r} gave {rows!r}, not one value")
        return rows[0][0]

    # ---------------------------------------------------------------- helpers

    def ctl(self, *args, timeout=60):
        """Run `mofangctl --config <file> ARGS...`; returns the CompletedProcess (text)."""
        return subprocess.run([os.path.join(self.build_dir, "mofangctl"), "--config", self.config_path, *args],
                              capture_output=True, text=True, timeout=timeout, env=self._child_env())

    def request(self, method, path, body=None, headers=None, token=None, raw=None, cookie=None,
                timeout=REQUEST_TIMEOUT_S):
        """One HTTP request through nginx on a fresh connection.

        body: a dict/list sent as JSON; raw: bytes sent as they are (set Content-Type yourself);
        token: Authorization: Bearer; cookie: the mofang_session cookie value.
        """
        hdrs = {"User-Agent": USER_AGENT}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if raw is not None:
            payload = raw
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            hdrs["Cookie"] = f"mofang_session={cookie}"
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            try:
                conn.putrequest(method, path, skip_accept_encoding=True)
                for k, v in hdrs.items():
                    conn.putheader(k, v)
                if payload is not None and not any(k.lower() in ("content-length", "transfer-encoding")
                                                   for k in hdrs):
                    conn.putheader("Content-Length", str(len(payload)))
                elif payload is None and method in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", "0")
                conn.endheaders(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The server may answer (e.g. 413) and close before the whole body is sent:
                # the answer is still there to read.
                pass
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, resp.reason, resp.msg, data)
        finally:
            conn.close()

    def walk(self, path, token, limit, max_pages=500):
        """Follow nextCursor from the first page of a list; returns (items, pages)."""
        items, pages, cursor = [], 0, None
        sep = "&" if "?" in path else "?"
        while True:
            url = f"{path}{sep}limit={limit}"
            if cursor is not None:
                url += "&cursor=" + urllib.parse.quote(cursor, safe="")
            r = self.request("GET", url, token=token)
            if r.status != 200:
                raise AssertionError(f"GET {url}: {r!r}")
            page = r.json()
            if len(page["items"]) > limit:
                raise AssertionError(f"GET {url}: {len(page['items'])} items for limit={limit}")
            items += page["items"]
            pages += 1
            cursor = page["nextCursor"]
            if cursor is None:
                return items, pages
            if pages >= max_pages:
                raise AssertionError(f"GET {path}: still a nextCursor after {pages} pages")

    def login_response(self, login, password, headers=None):
        return self.request("POST", "/api/v1/auth/login", body={"login": login, "password": password},
                            headers=headers)

    def login(self, login, password, headers=None):
        """Log in; returns the login JSON ({"user", "token", "csrfToken", "expiresAt"})."""
        r = self.login_response(login, password, headers=headers)
        if r.status != 200:
            raise AssertionError(f"login as {login!r} failed: {r!r}")
        return r.json()

    def admin_session(self):
        """The bootstrap admin's login JSON, logged in once per stack."""
        if self._admin_login is None:
            self._admin_login = self.login("admin", self.admin_password)
        return self._admin_login

    def admin_token(self):
        return self.admin_session()["token"]

    def create_user(self, username, role, password=DEFAULT_PASSWORD, permissions=None, email=None,
                    status=None, headers=None):
        """Create a user through the API as admin; returns the user JSON."""
        body = {"username": username, "email": email or f"{username}@example.com", "password": password,
                "role": role, "permissions": list(permissions or [])}
        if status is not None:
            body["status"] = status
        r = self.request("POST", "/api/v1/users", body=body, token=self.admin_token(), headers=headers)
        if r.status != 201:
            raise AssertionError(f"creating user {username!r} failed: {r!r}")
        return r.json()


_MARIADB_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\"}


def _mariadb_value(text):
    """One field of `mariadb --batch` output → None, int or str (its escapes undone)."""
    if text == "NULL":
        return None
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return re.sub(r"\\(.)", lambda m: _MARIADB_ESCAPES.get(m.group(1), "\\" + m.group(1)), text)



def parse_set_cookie(value):
    """'name=v; Path=/; HttpOnly' → ('name', 'v', {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), val.strip(), attrs


RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def find_secret_keys(value, path=""):
    """Paths in a JSON value that hold a password or a password hash."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k.lower() in ("password", "passwd") or "hash" in k.lower():
                found.append(f"{path}.{k}")
            found += find_secret_keys(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += find_secret_keys(v, f"{path}[{i}]")
    elif isinstance(value, str) and value.startswith("$argon2"):
        found.append(path)
    return found


def _stop_or_fail(stack):
    # A process that crashes or hangs on the way down is a failure of the class, not a footnote.
    problems = stack.stop()
    if problems:
        raise AssertionError("the stack did not stop cleanly: " + "; ".join(problems))


class StackTestCase(unittest.TestCase):
    """A test class with its own Stack: cls.stack, started once for the class."""

    extra_config = None
    storage = None  # see Stack(storage=...)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = Stack(extra_config=cls.extra_config, storage=cls.storage).start()
        cls.addClassCleanup(_stop_or_fail, cls.stack)

    def assertError(self, resp, status, code, field=None):
        """resp is a JSON error with this status and error.code (and a details entry for field)."""
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.error_code, code, resp)
        ctype = resp.headers.get("Content-Type", "")
        self.assertTrue(ctype.startswith("application/json"), f"Content-Type {ctype!r}: {resp!r}")
        self.assertIsInstance(resp.json()["error"].get("message"), str, resp)
        if field is not None:
            # "permissions[0]" names the field "permissions" too.
            named = [f for f in resp.error_fields
                     if isinstance(f, str) and (f == field or f.startswith((field + "[", field + ".")))]
            self.assertTrue(named, f"no error detail for field {field!r}: {resp!r}")

    def assertStatus(self, resp, status):
        self.assertEqual(resp.status, status, resp)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?\s*$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format → ({name: type}, [(name, {label: value}, float)])."""
    types, samples = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a Prometheus sample line: {line!r}")
        labels = dict(_LABEL.findall(m.group(2) or ""))
        samples.append((m.group(1), labels, float(m.group(3))))
    return types, samples


def metric_sum(samples, name, **labels):
    """The sum of a metric's samples whose labels include the given ones."""
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items()))
