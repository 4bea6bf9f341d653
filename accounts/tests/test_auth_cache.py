"""Access tokens are checked without reading the user's row on every request, and yet a deactivation or a
role change takes effect within AUTH_USER_CACHE_SECONDS everywhere, and at once in the process that made it
(accounts/authentication.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import authentication
from accounts.models import Role, User

TTL = 5


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.AUTH_USER_CACHE_SECONDS = TTL
    clock = Clock()
    monkeypatch.setattr(authentication.time, "monotonic", clock)
    authentication.forget()
    yield clock
    authentication.forget()


def user_queries(client, path="/api/v1/raw-products"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, sum('"accounts_user"' in q["sql"] or "`accounts_user`" in q["sql"] for q in captured)


def elsewhere(user, **fields):
    """A change made by another process: a plain UPDATE, which this process hears nothing of."""
    User.objects.filter(pk=user.pk).update(**fields)


def test_the_row_is_read_once_then_remembered_for_the_ttl(client_for, clock):
    client = client_for(Role.USER)
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 1
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 0
    clock.now += TTL + 0.1
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 1


def test_a_user_deactivated_elsewhere_is_refused_once_the_ttl_has_passed(client_for, clock):
    client = client_for(Role.USER)
    assert client.get("/api/v1/raw-products").status_code == 200
    elsewhere(client.user, is_active=False)
    clock.now += TTL - 0.5
    assert client.get("/api/v1/raw-products").status_code == 200, "within the TTL this process has not looked"
    clock.now += 1
    response = client.get("/api/v1/raw-products")
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401 and response.json()["success"] is False


def test_a_role_changed_elsewhere_applies_once_the_ttl_has_passed(client_for, clock):
    client = client_for(Role.ADMIN)
    body = {"name": "Flour", "stock_quantity": 1, "unit_of_measure": "kg"}
    assert client.post("/api/v1/raw-products", body).status_code == 201
    elsewhere(client.user, role=Role.READONLY)
    clock.now += TTL + 0.1
    assert client.post("/api/v1/raw-products", body).status_code == 403
    assert client.get("/api/v1/raw-products").status_code == 200, "a ReadonlyUser still reads"


def test_a_deactivation_through_the_api_is_refused_at_once_in_the_same_process(client_for, clock):
    admin, user = client_for(Role.ADMIN), client_for(Role.USER)
    assert user.get("/api/v1/raw-products").status_code == 200
    assert admin.delete(f"/api/v1/users/{user.user.pk}").status_code == 204
    assert user.get("/api/v1/raw-products").status_code == 401


def test_a_role_change_through_the_api_applies_at_once_in_the_same_process(client_for, clock):
    admin, manager = client_for(Role.ADMIN), client_for(Role.MANAGER)
    assert manager.get("/api/v1/users").status_code == 200
    target = manager.user
    body = {"firstName": "M", "lastName": "N", "role": Role.READONLY, "email": target.email}
    assert admin.put(f"/api/v1/users/{target.pk}", body).status_code == 204
    assert manager.get("/api/v1/users").status_code == 403


def test_a_deleted_user_is_refused_once_the_ttl_has_passed(client_for, clock):
    client = client_for(Role.USER)
    assert client.get("/api/v1/raw-products").status_code == 200
    User.objects.filter(pk=client.user.pk)._raw_delete(using="default")  # no signal: as another process
    clock.now += TTL + 0.1
    assert client.get("/api/v1/raw-products").status_code == 401


def test_with_a_ttl_of_zero_every_request_reads_the_row_and_a_change_applies_at_once(client_for, settings):
    settings.AUTH_USER_CACHE_SECONDS = 0
    client = client_for(Role.USER)
    for _ in range(2):
        response, reads = user_queries(client)
        assert response.status_code == 200 and reads == 1
    elsewhere(client.user, is_active=False)
    assert client.get("/api/v1/raw-products").status_code == 401


def test_each_request_gets_its_own_user_object(client_for, clock):
    from rest_framework_simplejwt.tokens import AccessToken

    user = client_for(Role.USER).user
    token = AccessToken.for_user(user)
    auth = authentication.CachedJWTAuthentication()
    first, second = auth.get_user(token), auth.get_user(token)
    assert first is not second and first.pk == second.pk == user.pk
    first.role = Role.ADMIN  # a request that changes its request.user changes nothing for the next one
    assert auth.get_user(token).role == Role.USER


def test_forged_and_expired_tokens_are_refused_as_before(client_for, clock, anon):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    user = client_for(Role.USER).user
    good = str(AccessToken.for_user(user))
    assert anon.get("/api/v1/raw-products", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    expired = AccessToken.for_user(user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    for token in (forged, str(expired), "not.a.token"):
        response = anon.get("/api/v1/raw-products", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, token


def test_a_remembered_token_is_refused_once_it_expires(client_for, clock, anon):
    import time
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(client_for(Role.USER).user)
    # exp is in whole seconds, so a 1-second lifetime could already be over by the second request on a busy
    # machine (seen in CI); 3 seconds leave 2 at least.
    token.set_exp(lifetime=timedelta(seconds=3))
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert anon.get("/api/v1/raw-products", **header).status_code == 200  # checked, then remembered
    assert anon.get("/api/v1/raw-products", **header).status_code == 200
    time.sleep(max(0, token["exp"] - time.time()) + 0.05)
    response = anon.get("/api/v1/raw-products", **header)
    assert response.status_code == 401, "past its expiry the token is checked in full again, and refused"
