"""Limits and revocation on the production server: the Docker image's CMD (granian through stocky/serve.py) with
3 worker processes, DEBUG off, the default (shared, database) cache, against the test database (issue 15,
failures 1, 3, 4 and 6; docs/security.md). Each test starts its own server on a free loopback port and always
stops it (and, should the test run die, Linux stops it with its parent: bench/server.py)."""

import json
import re
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts import tokens
from accounts.models import Role, User
from bench.server import Server, free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
PASSWORD = "correct-horse-battery"
# The shared cache's table (accounts/migrations/0005_cache_table.py).
CACHE_TABLE = "stocky_cache"


def database_url():
    """The URL of the database this test runs on (the test database), for the server's DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"mysql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


def production_env(**extra):
    env = {
        "DJANGO_SETTINGS_MODULE": "stocky.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The tokens this test signs in-process must be the server's.
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # Read by granian's launcher (stocky/serve.py) and by gunicorn.conf.py alike.
        "WEB_CONCURRENCY": "3",
        # The production defaults, whatever the developer's shell or .env says.
        "CACHE_URL": "",
        "AUTH_USER_CACHE_SECONDS": "60",
        "NUM_PROXIES": "0",
        "THROTTLE_AUTH_IP_RATE": "30/min",
        "THROTTLE_AUTH_ACCOUNT_RATE": "10/min",
        "LOG_LEVEL": "ERROR",
        "GRANIAN_LOG_LEVEL": "warning",
    }
    env.update(extra)
    return env


@contextmanager
def production_server(tmp_path, **extra):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(CACHE_TABLE)}")  # counts of earlier tests
    port = free_port()
    # The Dockerfile's CMD, on loopback and this port.
    server = Server(production_env(**extra), port, tmp_path / "server.log", kind="shipped")
    try:
        server.start(wait=90)
        yield server
    except BaseException:
        print(server.log_path.read_text()[-4000:])  # the server's side of a failure
        raise
    finally:
        server.stop(wait=15)


def post(server, path, body, **headers):
    return requests.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=30)


def get(server, path, access):
    return requests.get(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {access}"}, timeout=30)


def user(role=Role.USER, email=None):
    # A hasher the server knows (production's PBKDF2, not the tests' MD5), with few rounds for speed.
    email = email or f"{secrets.token_hex(4)}@example.com"
    password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    return User.objects.create(email=email, role=role, password=password)


def test_log_in_limits_count_once_across_three_workers_and_ignore_a_forged_forwarded_for(tmp_path):
    # Failure 1: with a per-process cache, one account took 30 wrong passwords before the first 429.
    target = user()
    with production_server(tmp_path, THROTTLE_AUTH_ACCOUNT_RATE="4/min", THROTTLE_AUTH_IP_RATE="7/min") as server:
        answers = [
            post(server, "/api/v1/auth/login", {"email": target.email, "password": f"guess-{n}"}).status_code
            for n in range(6)
        ]
        assert answers == [401] * 4 + [429] * 2
        # The same address, for other accounts, with a made-up X-Forwarded-For each time (NUM_PROXIES=0):
        # 3 more reach the IP limit of 7, then 429 whatever the header says.
        answers = [
            post(
                server,
                "/api/v1/auth/login",
                {"email": f"other{n}@example.com", "password": "guess"},
                **{"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(5)
        ]
        assert answers == [401] * 1 + [429] * 4, "6 attempts counted above (the 2 throttled ones too)"
        refused = post(server, "/api/v1/auth/login", {"email": target.email, "password": PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert refused.json()["success"] is False and refused.json()["statusCode"] == 429


def admin_login(server, email, password):
    """The admin's log-in form as a browser posts it, on a new connection (so any worker may answer)."""
    with requests.Session() as browser:
        page = browser.get(f"{server.base_url}/admin/login/", timeout=30)
        assert "csrftoken" in browser.cookies, (page.status_code, page.headers, page.text[:300])
        form = {"username": email, "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
        return browser.post(
            f"{server.base_url}/admin/login/?next=/admin/", data=form, allow_redirects=False, timeout=30
        )


def collected_static(tmp_path):
    """What `collectstatic` gives production (its pages name hashed files), for the admin's pages only."""
    static = tmp_path / "static"
    ignored = ["-i", "drf_spectacular_sidecar", "-i", "rest_framework", "-i", "*.map"]
    env = {**production_env(), "STATIC_ROOT": str(static)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *ignored],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return str(static)


def test_the_admin_log_in_locks_out_after_its_limit_across_three_workers(tmp_path):
    # Failure 2: 45 wrong passwords at /admin/login/, then the right one logged in.
    admin = user(Role.ADMIN)
    # Plain HTTP on loopback: the cookies may not be marked secure for the test's browser to send them back.
    insecure_cookies = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    static = collected_static(tmp_path)
    with production_server(tmp_path, ADMIN_LOGIN_FAILURE_LIMIT="4", STATIC_ROOT=static, **insecure_cookies) as server:
        answers = [admin_login(server, admin.email, f"guess-{n}").status_code for n in range(4)]
        assert answers == [200] * 3 + [429], "the form with its error, then the lock-out at the 4th"
        locked = admin_login(server, admin.email, PASSWORD)
        assert locked.status_code == 429 and "sessionid" not in locked.cookies
        subprocess.run(
            [sys.executable, "manage.py", "axes_reset_username", admin.email],
            cwd=ROOT,
            env=production_env(),
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert admin_login(server, admin.email, PASSWORD).status_code == 302, "unlocked"


def compose_default(name):
    """The value compose.yaml gives a setting of the web app when .env does not."""
    found = re.search(rf"^\s+{name}: \$\{{{name}:-([^}}]*)\}}$", (ROOT / "compose.yaml").read_text(), re.M)
    assert found, f"compose.yaml sets no default for {name}"
    return found.group(1)


def test_two_clients_behind_the_shipped_proxy_are_limited_apart(tmp_path):
    # Failure 4: behind the documented proxy, one client's failures locked another out. compose's NUM_PROXIES
    # (1) takes the client as the last address of X-Forwarded-For, as Caddy or nginx write it.
    target = user()
    with production_server(
        tmp_path, NUM_PROXIES=compose_default("NUM_PROXIES"), THROTTLE_AUTH_IP_RATE="3/min"
    ) as server:
        attacker = {"X-Forwarded-For": "198.51.100.7"}
        for n in range(3):
            post(server, "/api/v1/auth/login", {"email": f"guess{n}@example.com", "password": "x"}, **attacker)
        assert (
            post(server, "/api/v1/auth/login", {"email": target.email, "password": PASSWORD}, **attacker).status_code
            == 429
        )
        # A client may send its own X-Forwarded-For: the proxy appends the real address, which counts.
        colleague = {"X-Forwarded-For": "198.51.100.7, 192.0.2.44"}
        response = post(server, "/api/v1/auth/login", {"email": target.email, "password": PASSWORD}, **colleague)
        assert response.status_code == 200, response.text


def manage_shell(code, **env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**production_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def session(target):
    refresh = tokens.refresh_token_issue(user=target)
    return str(refresh.access_token), str(refresh)


def test_deactivation_and_a_new_password_apply_at_once_on_every_worker(tmp_path, client_for):
    # Failures 3 and 6: a deactivated user went on creating orders on other workers for up to 5 s, and a new
    # password left the old tokens working.
    admin, leaver, member = user(Role.ADMIN), user(), user()
    admin_access, _ = session(admin)
    leaver_access, leaver_refresh = session(leaver)
    member_access, member_refresh = session(member)
    with production_server(tmp_path) as server:
        # Every worker reads (and the shared cache keeps) both users' rows.
        for _ in range(6):
            assert get(server, "/api/v1/auth/me", leaver_access).status_code == 200
            assert get(server, "/api/v1/auth/me", member_access).status_code == 200
        assert (
            requests.delete(
                f"{server.base_url}/api/v1/users/{leaver.pk}", headers={"Authorization": f"Bearer {admin_access}"}
            ).status_code
            == 204
        )
        assert [get(server, "/api/v1/auth/me", leaver_access).status_code for _ in range(6)] == [401] * 6
        assert post(server, "/api/v1/auth/refresh", {"refreshToken": leaver_refresh}).status_code == 401

        # A new password set by another process (as `changepassword` or the admin would).
        manage_shell(
            "from accounts.models import User; "
            f"u = User.objects.get(pk={member.pk}); u.set_password({json.dumps('Tulip-Harbour-Ninety-7')}); u.save()"
        )
        assert [get(server, "/api/v1/auth/me", member_access).status_code for _ in range(6)] == [401] * 6
        assert post(server, "/api/v1/auth/refresh", {"refreshToken": member_refresh}).status_code == 401
        assert get(server, "/api/v1/auth/me", admin_access).status_code == 200, "other users keep their sessions"


def test_production_shares_one_cache_between_its_workers_by_default():
    # Failure 1's cause: CACHE_URL defaulted to a per-process memory cache and compose did not set it.
    code = "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(s.CACHES))"
    env = {**production_env(), "DATABASE_URL": "sqlite:///unused.sqlite3"}
    env.pop("CACHE_URL")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    cache = json.loads(result.stdout)["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache" and cache["LOCATION"] == CACHE_TABLE
    assert CACHE_TABLE in connection.introspection.table_names(), "migrate made its table"
