"""Log-in, refresh and register are throttled per client IP and per account (e-mail)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(ip="1000/min", account="1000/min"):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth_ip": ip, "auth_account": account},
        }

    return set_rates


def from_ip(ip, forwarded_for=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return APIClient(**extra)


def assert_throttled(response):
    assert response.status_code == 429
    body = response.json()
    assert body["success"] is False and body["statusCode"] == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_log_in_is_throttled_per_account(rates, make_user):
    rates(account="3/min")
    user, other = make_user(Role.USER), make_user(Role.USER)
    for n in range(3):
        client = from_ip(f"10.0.0.{n}")  # a different address each time: only the account counts
        assert client.post("/api/v1/auth/login", {"email": user.email, "password": "wrong"}).status_code == 401
    blocked = from_ip("10.0.0.9").post("/api/v1/auth/login", {"email": user.email.upper(), "password": PASSWORD})
    assert_throttled(blocked)
    response = from_ip("10.0.0.9").post("/api/v1/auth/login", {"email": other.email, "password": PASSWORD})
    assert response.status_code == 200


def test_log_in_is_throttled_per_ip_and_a_forged_forwarded_for_does_not_escape(rates, make_user):
    rates(ip="3/min")
    user = make_user(Role.USER)
    client = from_ip("10.0.0.1")
    for n in range(3):
        client.post("/api/v1/auth/login", {"email": f"guess{n}@example.com", "password": "x"})
    assert_throttled(
        from_ip("10.0.0.1", forwarded_for="1.2.3.4").post(
            "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}
        )
    )
    response = from_ip("10.0.0.2").post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200


def test_refresh_is_throttled_per_account(rates, make_user):
    rates(account="2/min")
    user = make_user(Role.USER)
    client = from_ip("10.0.0.1")
    token = client.post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}).json()["refreshToken"]
    for _ in range(2):
        token = from_ip("10.0.0.2").post("/api/v1/auth/refresh", {"refreshToken": token}).json()["refreshToken"]
    assert_throttled(from_ip("10.0.0.3").post("/api/v1/auth/refresh", {"refreshToken": token}))


def test_register_is_throttled_per_ip(rates):
    rates(ip="2/min")
    client = from_ip("10.0.0.1")
    body = {"token": "guess", "username": "someone", "password": "Tulip-Harbour-Ninety-7"}
    assert [client.post("/api/v1/auth/register", body).status_code for _ in range(2)] == [400, 400]
    assert_throttled(client.post("/api/v1/auth/register", body))


def test_the_rest_of_the_api_is_not_throttled_by_these_rates(rates, client_for):
    rates(ip="1/min", account="1/min")
    client = client_for(Role.USER)
    assert [client.get("/api/v1/auth/me").status_code for _ in range(3)] == [200, 200, 200]
