"""Production settings, static files, CORS, and the production server's configuration (stocky/serve.py, granian,
the image's CMD; gunicorn.conf.py, the alternative).

The settings are read once per process, so what depends on the environment runs manage.py (or the server) in
a subprocess with a production-like environment, as the container does.
"""

import gc
import http.client
import inspect
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client, override_settings

from stocky import serve

ROOT = Path(settings.BASE_DIR)
SECRET = "vJ8k2QxN4mR7tY1wZ5aB9cD3eF6gH0iL2nP4sU7xA1bC5dE8fG"  # 50 varied characters, like a real key

# Variables of the developer's shell or CI that would change what the subprocess sees.
_SCRUB = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "FRONTEND_URL",
    "CORS_ALLOWED_ORIGINS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATIC_ROOT",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "PORT",
    "GRANIAN_WORKERS",
    "GRANIAN_HOST",
    "GRANIAN_PORT",
    "GRANIAN_BLOCKING_THREADS",
}


def production_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in _SCRUB}
    env.update(DEBUG="0", SECRET_KEY=SECRET, ALLOWED_HOSTS="stocky.example.com")
    env.update(extra)
    return env


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env, *names):
    """The values of some settings as a process with this environment sees them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "stocky.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- check --deploy ------------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_only_the_required_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_notices_a_weakened_setting():
    # The same check fails when HTTPS is switched off: the test above can fail.
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


# --- settings from the environment ----------------------------------------------------------------------


def test_production_defaults_are_secure():
    values = settings_in(
        production_env(),
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CORS_ALLOW_CREDENTIALS",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        # Trusting a forwarded header is only safe behind a proxy that sets it: never by default.
        "SECURE_PROXY_SSL_HEADER": None,
        "CORS_ALLOW_CREDENTIALS": False,
    }


def test_development_gets_no_https_redirect_and_no_hsts():
    env = production_env(DEBUG="1")
    values = settings_in(env, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE")
    assert values == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0, "SESSION_COOKIE_SECURE": False}


def test_proxy_header_csrf_and_cors_origins_come_from_the_environment():
    env = production_env(
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        CSRF_TRUSTED_ORIGINS="https://stocky.example.com",
        FRONTEND_URL="https://app.example.com/shop/",
        CORS_ALLOWED_ORIGINS="https://admin.example.com/,https://app.example.com",
        SECURE_HSTS_SECONDS="3600",
    )
    values = settings_in(
        env, "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "CORS_ALLOWED_ORIGINS", "SECURE_HSTS_SECONDS"
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://stocky.example.com"],
        # An origin has no path; the front end's comes first, duplicates once.
        "CORS_ALLOWED_ORIGINS": ["https://app.example.com", "https://admin.example.com"],
        "SECURE_HSTS_SECONDS": 3600,
    }


def test_a_malformed_proxy_header_setting_stops_the_start():
    result = manage("check", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be 'HEADER,value'" in result.stderr


# --- CORS: the single-page app may call the API --------------------------------------------------------

APP = "https://app.example.com"


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_preflight_from_the_front_end_allows_the_authorization_header(anon):
    response = anon.options(
        "/api/v1/raw-products",
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_other_origins_and_non_api_paths_get_no_cors_headers(anon):
    assert anon.get("/api/v1/", HTTP_ORIGIN=APP)["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Origin" not in anon.get("/api/v1/", HTTP_ORIGIN="https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in Client().get("/admin/login/", HTTP_ORIGIN=APP)


# --- static files ---------------------------------------------------------------------------------------


def test_the_app_serves_static_files_itself():
    # DEBUG is off here, as in production: without WhiteNoise this would be a 404.
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


# --- the production server: granian through stocky/serve.py ----------------------------------------------


def serve_settings(**env):
    return serve.settings(env)


def test_the_server_defaults_to_one_worker_per_core_with_four_threads_on_port_8000():
    options = serve_settings()
    assert options["workers"] == len(os.sched_getaffinity(0))
    assert options["blocking_threads"] == 4, "a request waiting for the database leaves the core to another"
    assert (options["address"], options["port"]) == ("0.0.0.0", 8000)
    assert options["interface"] == "wsgi" and options["target"] == "stocky.wsgi:application"
    # A dead worker is replaced (granian's default is not to); requests in flight get 30 s on a stop.
    assert options["respawn_failed_workers"] is True and options["workers_kill_timeout"] == 30
    assert options["log_access"] is True


def test_the_server_settings_come_from_the_environment():
    options = serve_settings(GRANIAN_WORKERS="3", GRANIAN_BLOCKING_THREADS="2", PORT="9000", GRANIAN_HOST="::1")
    assert (options["workers"], options["blocking_threads"], options["port"], options["address"]) == (3, 2, 9000, "::1")
    assert serve_settings(WEB_CONCURRENCY="5")["workers"] == 5
    assert serve_settings(PORT="9000", GRANIAN_PORT="9100")["port"] == 9100
    assert serve_settings(GRANIAN_WORKERS_MAX_RSS="0")["workers_max_rss"] is None
    assert serve_settings(GRANIAN_ACCESS_LOG="0")["log_access"] is False


def test_every_server_setting_is_a_granian_parameter():
    # A misspelt keyword would stop the server at once; a value of the wrong kind too: both are checked here.
    from granian import Granian

    parameters = inspect.signature(Granian.__init__).parameters
    options = serve_settings()
    assert set(options) <= set(parameters), set(options) - set(parameters)


def test_the_server_loads_and_freezes_the_application_before_forking(unfrozen):
    serve.preload()
    # Django, DRF and the project, out of the collector's sight; the forked workers share those pages.
    assert gc.get_freeze_count() > 10_000


# --- gunicorn (gunicorn.conf.py: the alternative server, and the benchmark's comparison) ----------------


def gunicorn_settings(monkeypatch, **env):
    for name in (
        "GUNICORN_WORKERS",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_BIND",
        "PORT",
        "GUNICORN_PRELOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults_to_one_sync_worker_per_core_on_port_8000(monkeypatch):
    config = gunicorn_settings(monkeypatch)
    assert config["workers"] == len(os.sched_getaffinity(0))
    assert config["threads"] == 1
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] == "-" and config["errorlog"] == "-"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    config = gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="4", PORT="9000")
    assert (config["workers"], config["threads"], config["bind"]) == (3, 4, "0.0.0.0:9000")
    assert gunicorn_settings(monkeypatch, GUNICORN_BIND="127.0.0.1:8123")["bind"] == "127.0.0.1:8123"


def test_every_name_in_gunicorn_conf_is_a_gunicorn_setting(monkeypatch):
    # gunicorn ignores unknown names silently: a typo would quietly fall back to its default.
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    config = gunicorn_settings(monkeypatch)
    names = {name for name, value in config.items() if not name.startswith("_") and not isinstance(value, ModuleType)}
    assert {"workers", "when_ready", "pre_fork", "post_worker_init"} <= names  # settings and server hooks
    assert names <= known, names - known


class FakeServer:
    """What gunicorn passes its hooks (the arbiter, or a worker): its configuration."""

    def __init__(self, preload_app):
        self.cfg = SimpleNamespace(preload_app=preload_app)


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def in_collectors_sight(obj):
    """Whether the garbage collector tracks `obj` in its generations: gc.get_objects() leaves frozen objects
    out. Asked of one object, unlike gc.get_freeze_count(), whose total drops whenever any frozen object
    dies, another thread's too (the suite's servers, the test runner's own)."""
    return any(tracked is obj for tracked in gc.get_objects())


def test_gunicorn_freezes_the_preloaded_application_in_the_master_before_forking(monkeypatch, unfrozen):
    config = gunicorn_settings(monkeypatch)
    assert config["preload_app"] is True
    loaded = ["what the master loaded"]
    config["when_ready"](FakeServer(preload_app=True))
    assert gc.get_freeze_count() > 10_000  # Django, DRF and the project, out of the collector's sight
    assert not in_collectors_sight(loaded)
    # A forked worker leaves them be (collecting there would copy every page it touched), and freezes nothing
    # of its own.
    served = ["what a worker allocated"]
    config["post_worker_init"](FakeServer(preload_app=True))
    assert not in_collectors_sight(loaded)
    assert in_collectors_sight(served)


def test_gunicorn_without_preload_freezes_each_worker_after_it_loaded_the_application(monkeypatch, unfrozen):
    config = gunicorn_settings(monkeypatch, GUNICORN_PRELOAD="0")
    assert config["preload_app"] is False
    config["when_ready"](FakeServer(preload_app=False))
    config["pre_fork"](FakeServer(preload_app=False), None)
    assert gc.get_freeze_count() == 0  # the master has no application to freeze
    config["post_worker_init"](FakeServer(preload_app=False))
    assert gc.get_freeze_count() > 10_000


def docker_healthcheck():
    """The HEALTHCHECK command of the Dockerfile (exec form), with this interpreter as `python`."""
    line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if 'CMD ["python"' in line)
    command = json.loads(line.split("CMD", 1)[1])
    return [sys.executable, *command[1:]]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port, path, headers=None):
    # http.client, not urllib: no proxy from the environment, and the Host header exactly as given.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _wait_for(server, port, name):
    deadline = time.monotonic() + 60
    while True:
        try:
            return _get(port, "/healthz")
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.2)


def test_the_images_command_serves_the_api_and_static_files_with_debug_off(tmp_path):
    """What the image does: collectstatic with the production storage, then the Dockerfile's CMD, on PORT."""
    from bench.server import shipped_command

    static_root = tmp_path / "static"
    collected = manage("collectstatic", "--noinput", STATIC_ROOT=str(static_root))
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["admin/css/base.css"]
    assert hashed_css != "admin/css/base.css"
    assert (static_root / f"{hashed_css}.gz").exists()
    database = tmp_path / "db.sqlite3"
    migrated = manage("migrate", "--noinput", DATABASE_URL=f"sqlite:///{database}")
    assert migrated.returncode == 0, migrated.stderr
    created = manage(
        "shell",
        "-c",
        "from accounts.models import User, Role; from inventory.models import RawProduct; "
        "User.objects.create_user(email='owner@example.com', password='Tulip-Harbour-Ninety-7', role=Role.ADMIN); "
        "RawProduct.objects.create(name='Farine T55', unit_of_measure='kg', stock_quantity=0)",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert created.returncode == 0, created.stderr

    port = _free_port()
    env = production_env(
        STATIC_ROOT=str(static_root),
        DATABASE_URL=f"sqlite:///{database}",
        PORT=str(port),
        GRANIAN_HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    command = shipped_command(ROOT)
    assert command[1:] == ["-m", "stocky.serve"], "the image runs stocky/serve.py"
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status, _, body = _wait_for(server, port, "the server")
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}

        behind_proxy = {"Host": "stocky.example.com", "X-Forwarded-Proto": "https"}
        status, headers, body = _get(port, "/api/v1/", behind_proxy)
        assert status == 200 and "endpoints" in json.loads(body)
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

        # An API read with a token, as the single-page app makes it; DEBUG off: errors carry no debug page.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        login = json.dumps({"email": "owner@example.com", "password": "Tulip-Harbour-Ninety-7"})
        connection.request("POST", "/api/v1/auth/login", login, {**behind_proxy, "Content-Type": "application/json"})
        response = connection.getresponse()
        token = json.loads(response.read())["accessToken"]
        assert response.status == 200
        # The same connection again: the server keeps it alive.
        connection.request("GET", "/api/v1/raw-products", headers={**behind_proxy, "Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        assert response.status == 200
        assert [row["name"] for row in json.loads(response.read())["data"]] == ["Farine T55"]
        connection.request("GET", "/api/v1/no-such-thing", headers=behind_proxy)
        response = connection.getresponse()
        assert response.status == 404 and b"Traceback" not in response.read()
        connection.close()

        # Plain HTTP (no forwarded header) is sent to HTTPS.
        status, headers, _ = _get(port, "/api/v1/", {"Host": "stocky.example.com"})
        assert status == 301 and headers["Location"] == "https://stocky.example.com/api/v1/"

        status, headers, _ = _get(port, f"/static/{hashed_css}", {**behind_proxy, "Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]

        # The image's HEALTHCHECK command, run as Docker would run it.
        probe = subprocess.run(docker_healthcheck(), env=env, timeout=30)
        assert probe.returncode == 0
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    # Access log on stdout, one line per request, with its duration; a graceful stop.
    assert '"GET /healthz? HTTP/1.1" 200' in output
    assert "ms" in output.split('"GET /healthz? HTTP/1.1" 200', 1)[1].splitlines()[0]
    assert server.returncode == 0, output[-2000:]


def test_a_stop_lets_the_request_in_flight_finish(tmp_path):
    """SIGTERM (docker stop, a deploy) while a request is being answered: it gets its answer, then the server
    exits. A slow request is a health check whose database answers slowly: a view that sleeps, in a URLconf
    made for the test."""
    (tmp_path / "slow_urls.py").write_text(
        "import time\n"
        "from django.http import HttpResponse\n"
        "from django.urls import path\n"
        "def slow(request):\n"
        "    time.sleep(2)\n"
        "    return HttpResponse('done')\n"
        "urlpatterns = [path('slow', slow), path('healthz', lambda request: HttpResponse('ok'))]\n"
    )
    port = _free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PORT=str(port),
        GRANIAN_HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        PYTHONPATH=str(tmp_path),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="slow_settings",
    )
    (tmp_path / "slow_settings.py").write_text("from stocky.settings import *\nROOT_URLCONF = 'slow_urls'\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "stocky.serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(server, port, "the server")
        answers = []
        slow = threading.Thread(target=lambda: answers.append(_get(port, "/slow")[::2]))
        slow.start()
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        slow.join(10)
        assert answers == [(200, b"done")]
        server.wait(30)
    finally:
        server.kill()
        server.communicate(timeout=30)


# --- the image's entrypoint ---------------------------------------------------------------------------


def _tables(database):
    import sqlite3

    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("flag, migrated", [("", False), ("1", True)])
def test_the_entrypoint_migrates_only_when_asked(tmp_path, flag, migrated):
    database = tmp_path / "db.sqlite3"
    env = production_env(
        DATABASE_URL=f"sqlite:///{database}",
        MIGRATE_ON_START=flag,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    command = [str(ROOT / "scripts" / "docker-entrypoint.sh"), "python", "-c", "print('the command ran')"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("the command ran")
    assert ("django_migrations" in (_tables(database) if database.exists() else set())) is migrated
