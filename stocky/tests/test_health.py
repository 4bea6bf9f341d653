"""GET /healthz: public, cheap, honest about the database, reachable by load-balancer probes."""

from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_answers_200_without_a_token(anon, path):
    response = anon.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    # Probes must never see a cached answer.
    assert "no-store" in response["Cache-Control"]


def test_costs_no_session_and_leaves_the_workers_connection_alone(anon, django_assert_num_queries):
    # Its one query goes over a connection of its own (stocky/tests/test_timeouts.py says why).
    with django_assert_num_queries(0):
        response = anon.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
    assert not Session.objects.exists()


def test_ignores_a_bad_token(anon):
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anon.get("/healthz").status_code == 200


def test_answers_503_in_the_envelope_when_the_database_does_not(anon, caplog):
    down = OperationalError(2002, "Can't connect to server on 'db'")
    with mock.patch("stocky.health._ask_the_database", side_effect=down):
        response = anon.get("/healthz")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response.json() == {
        "success": False,
        "message": "The database is unavailable",
        "statusCode": 503,
        "errors": {"database": ["The database did not answer"]},
    }
    # The reason is logged for the operator, not shown to the public.
    assert "Can't connect" not in response.content.decode()
    assert "Can't connect to server" in caplog.text


def test_other_methods_are_405_in_the_envelope(anon):
    response = anon.post("/healthz", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["success"] is False


def test_probes_by_ip_address_are_answered_though_other_paths_refuse_that_host(anon):
    # Load balancers probe with the instance's address as Host, which ALLOWED_HOSTS does not list.
    assert anon.get("/healthz", HTTP_HOST="10.0.3.17:8000").status_code == 200
    refused = anon.get("/api/v1/", HTTP_HOST="10.0.3.17:8000")
    assert refused.status_code == 400
    assert refused.json()["success"] is False


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_probes_are_not_redirected_to_https():
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/").status_code == 200
    redirected = client.get("/api/v1/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
