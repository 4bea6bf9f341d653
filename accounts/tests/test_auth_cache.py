"""Access tokens are checked against the user's row in the shared cache (accounts/authentication.py): read
once, then served from the cache; a change saved anywhere replaces the cached row when it commits, so it
applies at once on every worker (the production-server test, accounts/tests/test_server.py, shows it across
processes); a change made past save() (a plain UPDATE) applies once the entry's time-to-live has passed."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import authentication, services
from accounts.models import Role, User

TTL = 5


@pytest.fixture
def shared(settings):
    settings.AUTH_USER_CACHE_SECONDS = TTL
    cache.clear()
    authentication.forget()
    yield
    cache.clear()
    authentication.forget()


def expire(user):
    """What the time-to-live does to the user's cached row."""
    cache.delete(authentication._key(user.pk))


def user_queries(client, path="/api/v1/raw-products"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, sum('"accounts_user"' in q["sql"] or "`accounts_user`" in q["sql"] for q in captured)


def elsewhere(user, **fields):
    """A change made past save(): a plain UPDATE, which no signal announces."""
    User.objects.filter(pk=user.pk).update(**fields)


def test_the_row_is_read_once_then_served_from_the_cache(client_for, shared, rendered_reads):
    # Every read rendered through DRF: a repeated read from the read cache checks the row by the user
    # table's version instead (stocky/kit/tests/test_readcache_fast_path.py).
    client = client_for(Role.USER)
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 1
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 0
    expire(client.user)
    response, reads = user_queries(client)
    assert response.status_code == 200 and reads == 1


def test_the_cache_holds_no_password_hash_and_a_saved_request_user_keeps_the_password(client_for, shared):
    client = client_for(Role.USER)
    assert client.get("/api/v1/raw-products").status_code == 200
    values = cache.get(authentication._key(client.user.pk))
    assert client.user.password not in values
    before = User.objects.get(pk=client.user.pk).password
    user = authentication._remembered(str(client.user.pk), TTL)
    user.first_name = "Renamed"
    user.save()  # a view that saves request.user
    saved = User.objects.get(pk=client.user.pk)
    assert saved.first_name == "Renamed" and saved.password == before


def test_a_change_past_save_applies_once_the_entry_expires(client_for, shared):
    client = client_for(Role.USER)
    assert client.get("/api/v1/raw-products").status_code == 200
    elsewhere(client.user, is_active=False)
    assert client.get("/api/v1/raw-products").status_code == 200, "the cached row is still the old one"
    expire(client.user)
    response = client.get("/api/v1/raw-products")
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401 and response.json()["success"] is False


def test_a_deactivation_commits_its_row_to_the_cache_over_one_read_meanwhile(
    client_for, shared, django_capture_on_commit_callbacks
):
    admin, user = client_for(Role.ADMIN), client_for(Role.USER)
    assert user.get("/api/v1/raw-products").status_code == 200
    key = authentication._key(user.user.pk)
    active_row = cache.get(key)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_deactivate(user=user.user, actor=admin.user)
        # Another worker's request, before the commit, read the row as it was (active) and cached it.
        cache.set(key, active_row)
    assert user.get("/api/v1/raw-products").status_code == 401


def test_a_role_change_through_the_api_applies_at_once(client_for, shared):
    admin, manager = client_for(Role.ADMIN), client_for(Role.MANAGER)
    assert manager.get("/api/v1/users").status_code == 200
    target = manager.user
    body = {"firstName": "M", "lastName": "N", "role": Role.READONLY, "email": target.email}
    assert admin.put(f"/api/v1/users/{target.pk}", body).status_code == 204
    assert manager.get("/api/v1/users").status_code == 403


def test_a_deleted_user_is_refused(client_for, shared, django_capture_on_commit_callbacks):
    client, other = client_for(Role.USER), client_for(Role.USER)
    assert client.get("/api/v1/raw-products").status_code == 200
    User.objects.filter(pk=client.user.pk)._raw_delete(using="default")  # no signal: as a restored backup
    expire(client.user)
    assert client.get("/api/v1/raw-products").status_code == 401
    assert other.get("/api/v1/raw-products").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        other.user.delete()
    assert other.get("/api/v1/raw-products").status_code == 401


def test_with_a_ttl_of_zero_every_request_reads_the_row_and_a_change_applies_at_once(client_for, settings):
    settings.AUTH_USER_CACHE_SECONDS = 0
    client = client_for(Role.USER)
    for _ in range(2):
        response, reads = user_queries(client)
        assert response.status_code == 200 and reads == 1
    elsewhere(client.user, is_active=False)
    assert client.get("/api/v1/raw-products").status_code == 401


def test_each_request_gets_its_own_user_object(client_for, shared):
    from rest_framework_simplejwt.tokens import AccessToken

    user = client_for(Role.USER).user
    token = AccessToken.for_user(user)
    auth = authentication.CachedJWTAuthentication()
    first, second = auth.get_user(token), auth.get_user(token)
    assert first is not second and first.pk == second.pk == user.pk
    first.role = Role.ADMIN  # a request that changes its request.user changes nothing for the next one
    assert auth.get_user(token).role == Role.USER


def test_forged_and_expired_tokens_are_refused_as_before(client_for, shared, anon):
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


def test_a_remembered_token_is_refused_once_it_expires(client_for, shared, anon):
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
