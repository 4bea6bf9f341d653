"""The benchmark's database and Stocky's production server (the Dockerfile's CMD, or another server to compare
with), both started here and always cleaned up again."""

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_environment(database_url, port, extra=None):
    """The environment of the in-process measurements and of gunicorn: production settings (DEBUG off,
    a secret key, HTTPS redirect off for plain HTTP on loopback) with the ceiling views routed."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        # The run logs in a few times from one address; production's 30/min would still do, but a
        # repeated run within the minute would not.
        "THROTTLE_AUTH_IP_RATE": "1000/min",
        "THROTTLE_AUTH_ACCOUNT_RATE": "1000/min",
        # One token serves the whole run, soak included (production's default is 15 minutes).
        "JWT_ACCESS_TOKEN_MINUTES": "240",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # Production serves collectstatic's output through WhiteNoise; run.py collects it here.
        "STATIC_ROOT": str(ROOT / "bench" / "results" / "staticfiles"),
    }
    env.update(extra or {})
    return env


# --- Databases ------------------------------------------------------------------------------------


class Database:
    """A fresh database for one run: MariaDB (created, then dropped) or a SQLite file (deleted)."""

    def __init__(self, kind, name, server_url="mysql://root@127.0.0.1:3306", keep=False):
        self.kind, self.name, self.server_url, self.keep = kind, name, server_url, keep
        self.path = ROOT / "bench" / "results" / f"{name}.sqlite3"

    @property
    def url(self):
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        return f"{self.server_url.rstrip('/')}/{self.name}"

    def _connect(self):
        import MySQLdb

        parts = urlsplit(self.server_url)
        return MySQLdb.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            charset="utf8mb4",
        )

    def create(self):
        if self.kind == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._remove_files()
            return
        if not self.name.replace("_", "").isalnum():
            raise ValueError(f"Not a plain database name: {self.name!r}")
        connection = self._connect()
        try:
            cursor = connection.cursor()
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
            cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            connection.close()

    def version(self):
        if self.kind == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        connection = self._connect()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT VERSION()")
            return f"MariaDB {cursor.fetchone()[0]}"
        finally:
            connection.close()

    def drop(self):
        if self.keep:
            return
        if self.kind == "sqlite":
            self._remove_files()
            return
        connection = self._connect()
        try:
            connection.cursor().execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            connection.close()

    def _remove_files(self):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


# --- The server -----------------------------------------------------------------------------------


def _die_with_parent():
    """In the child before exec: Linux sends it SIGTERM if the harness dies, so no server outlives a run."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# The servers the harness can start. "shipped" is what the checkout's Dockerfile runs (its CMD), so that the
# production server is measured as shipped; the others are the candidates it was chosen from.
SERVERS = ("shipped", "granian", "gunicorn", "gunicorn-gthread")
# gunicorn's gthread worker: keep-alive, and threads per worker that take turns on the interpreter lock.
GTHREAD_ENV = {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"}


def shipped_command(root=ROOT):
    """The Dockerfile's CMD (exec form) of the checkout at `root`, as a command for this machine: the image's
    `python`, `gunicorn` or `granian` become this interpreter running them."""
    line = next(line for line in (Path(root) / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command = json.loads(line.removeprefix("CMD "))
    program, rest = command[0], command[1:]
    if program == "python":
        return [sys.executable, *rest]
    if program in ("gunicorn", "granian"):
        return [sys.executable, "-m", program, *rest]
    raise ValueError(f"The Dockerfile's CMD runs {program!r}: the harness knows python, gunicorn and granian")


def server_command(kind, root=ROOT):
    """(command, extra environment) of one of SERVERS for the checkout at `root`. A variant adds settings after
    commas, e.g. "granian,GRANIAN_BLOCKING_THREADS=4" or "gunicorn-gthread,GUNICORN_THREADS=8"."""
    root = Path(root)
    kind, *settings = kind.split(",")
    command, env = _server_command(kind, root)
    return command, {**env, **dict(setting.split("=", 1) for setting in settings)}


def _server_command(kind, root):
    if kind == "shipped":
        return shipped_command(root), {}
    if kind == "granian":
        return [sys.executable, "-m", "stocky.serve"], {}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"), "stocky.wsgi"]
    if kind == "gunicorn":
        return gunicorn, {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "1"}
    if kind == "gunicorn-gthread":
        return gunicorn, dict(GTHREAD_ENV)
    raise ValueError(f"Unknown server {kind!r}: one of {', '.join(SERVERS)}")


class Server:
    """A production server serving stocky.wsgi on a loopback port: by default the Dockerfile's CMD of the
    checkout at `root` (this one), or another of SERVERS."""

    def __init__(self, env, port, log_path, kind="shipped", root=ROOT):
        self.env, self.port, self.log_path = env, port, Path(log_path)
        self.kind, self.root = kind, Path(root)
        self.process = None
        self.base_url = f"http://127.0.0.1:{port}"
        self.command, self.kind_env = server_command(kind, self.root)

    def start(self, wait=60):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.kind_env, **self.env}
        # Loopback and this port, whatever the environment says (gunicorn and granian read different names).
        env.update(PORT=str(self.port), GUNICORN_BIND=f"127.0.0.1:{self.port}", GRANIAN_HOST="127.0.0.1")
        env.pop("GRANIAN_PORT", None)
        with open(self.log_path, "wb") as log:
            # preexec_fn runs before any thread of the harness exists (the soak's start later).
            self.process = subprocess.Popen(
                self.command,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.kind} server did not answer /healthz within {wait} s; see {self.log_path}")

    def cpu_seconds(self):
        """CPU time (user + system) the server has used so far: the master, its reaped workers (counted in
        the master's cutime/cstime) and its live workers. Less sensitive than req/s to other work on the
        machine, so the harness reports it per request."""
        tick = os.sysconf("SC_CLK_TCK")

        def times(pid, children=False):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0
            # After the name: state is field 3, so utime..cstime (fields 14-17) are at 11..14 here.
            own = int(fields[11]) + int(fields[12])
            return own + (int(fields[13]) + int(fields[14]) if children else 0)

        master = self.process.pid
        workers = []
        for task in Path(f"/proc/{master}/task").glob("*/children"):
            workers += task.read_text().split()
        return (times(master, children=True) + sum(times(pid) for pid in workers)) / tick

    def wait_idle(self, quiet=0.5, limit=15):
        """Wait until the server has finished what wrk left behind: requests that wrk sent on connections
        still queued in the listen backlog when it stopped are read and served afterwards. Idle means the
        access log (a line per request) has not grown for `quiet` seconds."""
        deadline = time.monotonic() + limit
        size, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.log_path.stat().st_size
            if now != size:
                size, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
            time.sleep(0.1)
        return False

    def stop(self, wait=35):
        """SIGTERM (a graceful stop for gunicorn and granian), then SIGKILL of its process group if it is still
        there."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group the server leads: its own workers
            self.process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
