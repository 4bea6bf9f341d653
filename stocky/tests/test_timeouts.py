"""A database that stops answering: every request fails fast and clean (a 503 with Retry-After, in the
envelope for the API, a page for the admin), and /healthz answers within the Docker probe's 4 seconds.

On MariaDB the database really freezes (a proxy that stops forwarding: the read and connect timeouts must
fire); on SQLite the database file goes out of reach. Issue 15, failure 8.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from accounts.models import Role
from inventory.models import RawProduct
from inventory.views import RawProductViewSet
from stocky.tests.frozen import FreezableProxy
from stocky.tests.openapi import assert_matches_schema

MARIADB = connection.vendor == "mysql"


@pytest.fixture
def lose_the_database(transactional_db, tmp_path):
    """Returns `lose()`: from then on the database does not answer. Committed data only (the app's
    connection is reopened through the proxy), hence transactional_db."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict[key] for key in ("HOST", "PORT", "NAME")}
    saved_options = dict(settings_dict["OPTIONS"])
    proxy = None
    if MARIADB:
        proxy = FreezableProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 3306)))
        settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
        # The production defaults (15 s) made short: what is tested is that they are set and fire.
        settings_dict["OPTIONS"].update(connect_timeout=1, read_timeout=1, write_timeout=1)
    connection.close()

    def lose():
        if MARIADB:
            proxy.freeze()
        else:
            settings_dict["NAME"] = str(tmp_path / "unmounted" / "db.sqlite3")
            connection.close()

    yield lose
    settings_dict.update(saved)
    settings_dict["OPTIONS"] = saved_options
    connection.close()
    if proxy:
        proxy.close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_the_api_answers_503_with_retry_after_when_the_database_stops_answering(lose_the_database, client_for):
    api = client_for(Role.MANAGER)
    RawProduct.objects.create(name="Flour", stock_quantity=1, unit_of_measure="kg")
    assert api.get("/api/v1/raw-products").status_code == 200  # the connection is open, then the server freezes
    lose_the_database()

    response, elapsed = timed(lambda: api.get("/api/v1/raw-products"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert assert_matches_schema(response) == {
        "success": False,
        "message": "The database is unavailable; try again shortly",
        "statusCode": 503,
        "errors": {},
    }
    assert elapsed < 5, "the read timeout fired, not gunicorn's"
    # A write fails the same way (its connection is new: the connect timeout fires).
    response, elapsed = timed(lambda: api.post("/api/v1/suppliers", {"name": "Moulin"}))
    assert response.status_code == 503 and elapsed < 5


def test_the_admin_answers_a_503_page_when_the_database_stops_answering(lose_the_database, admin_client_for):
    admin = admin_client_for(Role.MANAGER)
    admin.raise_request_exception = False
    assert admin.get("/admin/").status_code == 200
    lose_the_database()

    response, elapsed = timed(lambda: admin.get("/admin/inventory/rawproduct/"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "Stocky is unavailable" in response.content.decode()
    assert elapsed < 5


def test_healthz_answers_503_within_the_probes_timeout(lose_the_database, anon):
    # The app's own read timeout longer than the probe waits, as in production (15 s against 4).
    if MARIADB:
        connection.settings_dict["OPTIONS"]["read_timeout"] = 8
    assert anon.get("/healthz").status_code == 200
    lose_the_database()
    response, elapsed = timed(lambda: anon.get("/healthz"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response.json()["errors"] == {"database": ["The database did not answer"]}
    # HEALTH_DB_TIMEOUT (2 s), whatever the app's own read timeout: the Docker probe gives up after 4.
    assert elapsed < 3.5


PROBE = """
import json, django
django.setup()
from django.conf import settings
options = settings.DATABASES["default"]["OPTIONS"]
print(json.dumps({
    "email": settings.EMAIL_TIMEOUT, "health": settings.HEALTH_DB_TIMEOUT,
    "retry_after": settings.DB_UNAVAILABLE_RETRY_AFTER,
    "db": [options.get(key) for key in ("connect_timeout", "read_timeout", "write_timeout")],
    "init": options.get("init_command"),
}))
"""


def settings_with(**env):
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "stocky.settings", "DEBUG": "1", **env}
    environment.setdefault("DATABASE_URL", "mysql://stocky@127.0.0.1:3306/stocky")
    output = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_every_wait_on_another_server_has_a_default_timeout_and_a_setting():
    defaults = settings_with(DATABASE_URL="mysql://stocky@127.0.0.1:3306/stocky")
    assert defaults["email"] == 5 and defaults["health"] == 2 and defaults["retry_after"] == 10
    assert defaults["db"] == [5, 15, 15] and "innodb_lock_wait_timeout=10" in defaults["init"]
    custom = settings_with(
        DATABASE_URL="mysql://stocky@127.0.0.1:3306/stocky",
        EMAIL_TIMEOUT="2.5",
        DB_CONNECT_TIMEOUT="3",
        DB_READ_TIMEOUT="20",
        DB_WRITE_TIMEOUT="25",
        DB_LOCK_WAIT_TIMEOUT="7",
        HEALTH_DB_TIMEOUT="1",
    )
    assert custom["email"] == 2.5 and custom["health"] == 1
    assert custom["db"] == [3, 20, 25] and "innodb_lock_wait_timeout=7" in custom["init"]


@pytest.mark.django_db
def test_a_deadlock_victim_is_told_to_try_again_and_nothing_changed(client_for, monkeypatch):
    """MariaDB rolls back one transaction of a deadlock (error 1213) whole: the request is answered 503 with
    Retry-After, as for a lock waited for too long, not a 500 that says the code is wrong."""
    flour = RawProduct.objects.create(name="Flour", stock_quantity=1, unit_of_measure="kg")

    def deadlocked(**fields):
        raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")

    monkeypatch.setattr(RawProductViewSet, "update_service", staticmethod(deadlocked))
    response = client_for(Role.MANAGER).patch(f"/api/v1/raw-products/{flour.pk}", {"name": "Rye"}, format="json")

    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert assert_matches_schema(response)["message"] == "The database is unavailable; try again shortly"
    flour.refresh_from_db()
    assert flour.name == "Flour"
