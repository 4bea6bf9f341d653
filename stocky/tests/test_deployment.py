"""Production settings, static files, CORS and the gunicorn configuration.

The settings are read once per process, so what depends on the environment runs manage.py (or gunicorn) in
a subprocess with a production-like environment, as the container does.
"""

import gc
import http.client
import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client, override_settings

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


# --- gunicorn --------------------------------------------------------------------------------------------


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


def test_gunicorn_freezes_the_preloaded_application_in_the_master_before_forking(monkeypatch, unfrozen):
    config = gunicorn_settings(monkeypatch)
    assert config["preload_app"] is True
    config["when_ready"](FakeServer(preload_app=True))
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Django, DRF and the project, out of the collector's sight
    # A forked worker leaves them be: collecting there would copy every page it touched.
    config["post_worker_init"](FakeServer(preload_app=True))
    assert gc.get_freeze_count() == frozen


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


def test_collected_static_files_and_the_api_are_served_by_gunicorn(tmp_path):
    """What the image does: collectstatic with the production storage, then gunicorn with gunicorn.conf.py."""
    static_root = tmp_path / "static"
    collected = manage("collectstatic", "--noinput", STATIC_ROOT=str(static_root))
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["admin/css/base.css"]
    assert hashed_css != "admin/css/base.css"
    assert (static_root / f"{hashed_css}.gz").exists()

    port = _free_port()
    env = production_env(
        STATIC_ROOT=str(static_root),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "stocky.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(port, "/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}

        behind_proxy = {"Host": "stocky.example.com", "X-Forwarded-Proto": "https"}
        status, headers, body = _get(port, "/api/v1/", behind_proxy)
        assert status == 200 and "endpoints" in json.loads(body)
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

        # Plain HTTP (no forwarded header) is sent to HTTPS.
        status, headers, _ = _get(port, "/api/v1/", {"Host": "stocky.example.com"})
        assert status == 301 and headers["Location"] == "https://stocky.example.com/api/v1/"

        status, headers, _ = _get(port, f"/static/{hashed_css}", {**behind_proxy, "Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]

        # The image's HEALTHCHECK command, run as Docker would run it.
        probe = subprocess.run(docker_healthcheck(), env={**env, "PORT": str(port)}, timeout=30)
        assert probe.returncode == 0
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # Access log on stdout, one line per request, with its duration.
    assert '"GET /healthz HTTP/1.1" 200' in output


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
