"""A repeated read answered before DRF's dispatch (stocky.kit.readcache.FastPath) is the answer the full path
gives, header for header, and reaches only a caller the full path would let through: a deactivated user, a
revoked or expired token and a changed role are refused right after their read was cached, and a write by
any path shows at once (docs/caching.md)."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services
from accounts.models import Role, User
from accounts.tokens import refresh_token_issue
from inventory.models import RawProduct
from inventory.tests.factories import RawProductFactory
from inventory.views import RawProductViewSet
from orders.tests.factories import RawProductOrderFactory
from stocky.kit import versions

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:5173"


@pytest.fixture
def dispatches(monkeypatch):
    """The paths of the requests that went through DRF's dispatch (the full path)."""
    calls = []
    original = APIView.dispatch

    def counting(self, request, *args, **kwargs):
        calls.append(request.path)
        return original(self, request, *args, **kwargs)

    # On DRF's base class: every viewset's dispatch is still DRF's (stocky.kit.viewsets.plain_dispatch).
    monkeypatch.setattr(APIView, "dispatch", counting)
    return calls


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]


def fast(client, path, dispatches, **headers):
    """GET `path`, asserting that it was answered before DRF's dispatch."""
    before = len(dispatches)
    response = client.get(path, **headers)
    assert len(dispatches) == before, f"{path} went through DRF's dispatch"
    return response


def warm(client, path, **headers):
    """The full path renders and stores the answer and checks the token; the next read loads the user's row."""
    for _ in range(2):
        assert client.get(path, **headers).status_code == 200


def headers_of(response):
    return {name.lower(): value for name, value in response.headers.items()}


@pytest.mark.parametrize("path", ["/api/v1/raw-products", "/api/v1/raw-product-orders", "/api/v1/raw-products/{id}"])
def test_a_cache_hit_answers_with_the_headers_and_bytes_of_a_fresh_read(api, path, dispatches, cors):
    flour = RawProductFactory(name="Flour")
    RawProductOrderFactory(raw_product=flour)
    path = path.format(id=flour.pk)
    fresh = api.get(path, HTTP_ORIGIN=ORIGIN)  # rendered by the view, through DRF
    assert api.get(path, HTTP_ORIGIN=ORIGIN).status_code == 200  # the user's row is read for the fast path
    hit = fast(api, path, dispatches, HTTP_ORIGIN=ORIGIN)
    assert hit.status_code == fresh.status_code == 200 and hit.content == fresh.content
    assert headers_of(hit) == headers_of(fresh)
    # What the middleware and DRF add, present on the fast path too: CORS, security headers, Allow, Vary.
    assert hit["Access-Control-Allow-Origin"] == ORIGIN and hit["Vary"] == "Accept, Authorization, origin"
    assert {"x-content-type-options", "x-frame-options", "referrer-policy", "allow", "etag"} <= headers_of(hit).keys()
    head = api.head(path, HTTP_ORIGIN=ORIGIN)
    assert head.status_code == 200 and headers_of(head) == headers_of(fresh)


def test_a_cache_hit_and_the_full_paths_cache_hit_send_the_same_headers(api, dispatches, cors, settings):
    RawProductFactory.create_batch(3)
    path = "/api/v1/raw-products"
    warm(api, path, HTTP_ORIGIN=ORIGIN)
    hit = fast(api, path, dispatches, HTTP_ORIGIN=ORIGIN)
    # Without a token this process remembers, the same cached answer comes the full way, through DRF.
    other = AccessToken.for_user(api.user)
    full = api.get(path, HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=f"Bearer {other}")
    assert dispatches[-1] == path
    assert headers_of(hit) == headers_of(full) and hit.content == full.content
    not_modified = fast(api, path, dispatches, HTTP_ORIGIN=ORIGIN, HTTP_IF_NONE_MATCH=hit["ETag"])
    full_not_modified = api.get(
        path,
        HTTP_ORIGIN=ORIGIN,
        HTTP_IF_NONE_MATCH=hit["ETag"],
        HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(api.user)}",
    )
    assert not_modified.status_code == full_not_modified.status_code == 304
    assert headers_of(not_modified) == headers_of(full_not_modified)


def test_a_cache_hit_costs_one_query_for_the_answer_and_the_caller_together(api, dispatches):
    RawProductOrderFactory.create_batch(3)
    warm(api, "/api/v1/raw-product-orders")
    with CaptureQueriesContext(connection) as captured:
        fast(api, "/api/v1/raw-product-orders", dispatches)
    assert len(captured) == 1 and versions.TABLE in captured[0]["sql"], captured.captured_queries
    assert User._meta.db_table in captured[0]["sql"]  # the caller's row is current: one query for both


def test_a_deactivated_user_is_refused_right_after_a_cached_read(client_for, api, dispatches):
    client = client_for(Role.USER)
    warm(client, "/api/v1/raw-products")
    assert fast(client, "/api/v1/raw-products", dispatches).status_code == 200
    assert api.delete(f"/api/v1/users/{client.user.pk}").status_code == 204  # deactivates
    response = client.get("/api/v1/raw-products")
    assert response.status_code == 401 and response.json()["success"] is False


def test_a_deactivation_by_the_service_is_refused_at_once(client_for, dispatches):
    client = client_for(Role.USER)
    warm(client, "/api/v1/raw-products")
    services.user_deactivate(user=client.user)
    assert client.get("/api/v1/raw-products").status_code == 401
    assert client.get("/api/v1/raw-products").status_code == 401


def test_a_revoked_token_is_refused_right_after_a_cached_read(client_for, dispatches):
    client = client_for(Role.USER)
    warm(client, "/api/v1/raw-products")
    assert fast(client, "/api/v1/raw-products", dispatches).status_code == 200
    user = User.objects.get(pk=client.user.pk)
    user.token_version += 1  # what a new password does
    user.save(update_fields=["token_version"])
    assert client.get("/api/v1/raw-products").status_code == 401
    assert client.get("/api/v1/raw-products").status_code == 401


def test_a_role_change_applies_right_after_a_cached_read(client_for, dispatches, monkeypatch):
    # A read that only Admins may do, so that the role shows in the answer's status.
    monkeypatch.setattr(RawProductViewSet, "action_roles", {"list": {Role.ADMIN}}, raising=False)
    client = client_for(Role.ADMIN)
    warm(client, "/api/v1/raw-products")
    assert fast(client, "/api/v1/raw-products", dispatches).status_code == 200
    user = User.objects.get(pk=client.user.pk)
    user.role = Role.MANAGER
    user.save(update_fields=["role"])
    assert client.get("/api/v1/raw-products").status_code == 403
    assert client.get("/api/v1/raw-products").status_code == 403
    # And another role's cached answer never reaches a caller whose role is refused.
    assert client_for(Role.USER).get("/api/v1/raw-products").status_code == 403


def test_a_remembered_token_is_refused_once_it_expires(client_for, anon, dispatches):
    token = AccessToken.for_user(client_for(Role.USER).user)
    # exp is in whole seconds: 3 seconds leave at least 2 for the three reads before it.
    token.set_exp(lifetime=timedelta(seconds=3))
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    warm(anon, "/api/v1/raw-products", **header)
    assert fast(anon, "/api/v1/raw-products", dispatches, **header).status_code == 200
    time.sleep(max(0, token["exp"] - time.time()) + 0.05)
    assert anon.get("/api/v1/raw-products", **header).status_code == 401


def test_a_write_by_another_path_is_seen_at_once(api, dispatches):
    flour = RawProductFactory(name="Flour")
    path = f"/api/v1/raw-products/{flour.pk}"
    warm(api, path)
    assert fast(api, path, dispatches).json()["data"]["name"] == "Flour"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(RawProduct._meta.db_table)
        cursor.execute(f"UPDATE {table} SET name = %s WHERE id = %s", ["Spelt", flour.pk])
    assert api.get(path).json()["data"]["name"] == "Spelt"
    assert fast(api, path, dispatches).json()["data"]["name"] == "Spelt"


def test_a_user_row_changed_past_save_is_not_used_by_the_fast_path(client_for, dispatches):
    # A plain UPDATE announces nothing, but the user table's version changes: the fast path reads the row
    # again, and an inactive row sends the request the full way (which decides by its own cache's row).
    client = client_for(Role.USER)
    warm(client, "/api/v1/raw-products")
    User.objects.filter(pk=client.user.pk).update(is_active=False)
    before = len(dispatches)
    client.get("/api/v1/raw-products")
    client.get("/api/v1/raw-products")
    assert len(dispatches) == before + 2


def test_a_forced_user_and_other_callers_go_the_full_way(api, anon, make_user, dispatches):
    warm(api, "/api/v1/raw-products")
    anon.force_authenticate(make_user(Role.READONLY))
    before = len(dispatches)
    assert anon.get("/api/v1/raw-products").status_code == 200
    assert APIClient().get("/api/v1/raw-products").status_code == 401
    assert APIClient().get("/api/v1/raw-products", HTTP_AUTHORIZATION="Bearer a b").status_code == 401
    assert len(dispatches) == before + 3


def test_a_reactivated_user_with_a_new_token_is_served_by_the_fast_path_again(client_for, dispatches):
    client = client_for(Role.USER)
    warm(client, "/api/v1/raw-products")
    services.user_deactivate(user=client.user)
    assert client.get("/api/v1/raw-products").status_code == 401
    user = User.objects.get(pk=client.user.pk)
    user.is_active = True
    user.save(update_fields=["is_active"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh_token_issue(user=user).access_token}")
    warm(client, "/api/v1/raw-products")
    assert fast(client, "/api/v1/raw-products", dispatches).status_code == 200


def test_a_view_that_changes_a_step_of_drfs_dispatch_gets_no_fast_path():
    from stocky.kit.viewsets import plain_dispatch

    class Checked(RawProductViewSet):
        def check_permissions(self, request):
            super().check_permissions(request)

    assert plain_dispatch(RawProductViewSet) and not plain_dispatch(Checked)
    assert RawProductViewSet.as_view({"get": "list"}).fast_path
    assert not hasattr(Checked.as_view({"get": "list"}), "fast_path"), "it would skip what the view added"
