"""Hostile tokens: expired, forged, `alg: none`, signed with another key or algorithm, a refresh token used as
an access token, malformed Authorization headers, and the tokens of a deleted and of a deactivated user.

Each is a 401 in the envelope, with `WWW-Authenticate`, whose message says what is wrong with the token;
nothing changes in the database."""

import base64
import datetime
import json

import jwt
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Role, User
from inventory.models import RawProduct
from stocky.tests.hostile import assert_refused, unchanged_database

pytestmark = pytest.mark.django_db

NEW_MATERIAL = {"name": "Rye", "stock_quantity": 1, "unit_of_measure": "kg"}


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Refresh and log-in are throttled, and the counts live in the cache.
    cache.clear()
    yield
    cache.clear()


def segment(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def parts(token):
    header, payload, signature = str(token).split(".")
    pad = "=" * (-len(payload) % 4)
    return (
        json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))),
        json.loads(base64.urlsafe_b64decode(payload + pad)),
        signature,
    )


def client_with(authorization):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def assert_unauthorized(client, reason=None):
    """Reads and writes are both refused with a 401 (nothing written), whose message names `reason`."""
    with unchanged_database():
        for response in (client.get("/api/v1/raw-products"), client.post("/api/v1/raw-products", NEW_MATERIAL)):
            body = assert_refused(response, 401)
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
            assert body["errors"] == {}, body
            if reason:
                assert reason.lower() in body["message"].lower(), body["message"]


@pytest.fixture
def user(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def good(user):
    token = AccessToken.for_user(user)
    assert client_with(f"Bearer {token}").get("/api/v1/raw-products").status_code == 200
    return str(token)


def test_an_expired_token_is_a_401_that_says_so(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-datetime.timedelta(seconds=1))
    assert_unauthorized(client_with(f"Bearer {token}"), "expired")


def test_a_token_whose_payload_was_changed_is_a_401(user, good, make_user):
    # The claims of another, more powerful account pasted over a valid signature.
    other = make_user(Role.ADMIN)
    header, payload, signature = parts(good)
    for claims in [{**payload, "user_id": str(other.pk)}, {**payload, "exp": payload["exp"] + 86_400}]:
        forged = f"{segment(header)}.{segment(claims)}.{signature}"
        assert_unauthorized(client_with(f"Bearer {forged}"), "invalid")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_an_unsigned_alg_none_token_is_a_401(good, alg):
    _header, payload, signature = parts(good)
    for tail in ("", signature):
        unsigned = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(payload)}.{tail}"
        assert_unauthorized(client_with(f"Bearer {unsigned}"), "invalid")


# The test's own signing key is short for SHA-384/512; PyJWT warns about it while forging the token.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize(
    "key,algorithm",
    [("another signing key, long enough for HS256", "HS256"), (None, "HS512"), (None, "HS384")],
)
def test_a_token_signed_with_another_key_or_algorithm_is_a_401(good, settings, key, algorithm):
    _header, payload, _signature = parts(good)
    token = jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)
    assert_unauthorized(client_with(f"Bearer {token}"), "invalid")


def test_a_refresh_token_is_not_an_access_token(user):
    assert_unauthorized(client_with(f"Bearer {RefreshToken.for_user(user)}"), "wrong type")


def test_an_access_token_is_not_a_refresh_token(anon, good):
    with unchanged_database():
        assert_refused(anon.post("/api/v1/auth/refresh", {"refreshToken": good}), 401)
        # Signed in, the caller's body is at fault: a 400 on the field.
        response = client_with(f"Bearer {good}").post("/api/v1/auth/logout", {"refreshToken": good})
        assert set(assert_refused(response, 400)["errors"]) == {"refreshToken"}


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer a.b",
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer " + "a" * 10_000,
        "Bearer \x00",
        "Bearer é",
        "Basic dXNlcjpwYXNzd29yZA==",
        "Token abc",
        "Bearer{good}",
        "Bearer {good} {good}",
        "Bearer {good},Bearer {good}",
        "Bearer {good}, Bearer {good}",
        "bearer {good}",
        "JWT {good}",
        "{good}",
    ],
)
def test_a_malformed_authorization_header_is_a_401(good, authorization):
    assert_unauthorized(client_with(authorization.replace("{good}", good)))


def test_a_token_in_the_query_string_or_a_cookie_is_not_a_credential(good):
    client = APIClient()
    client.cookies["Authorization"] = f"Bearer {good}"
    with unchanged_database():
        assert_refused(client.get("/api/v1/raw-products", {"token": good, "access_token": good}), 401)


def test_the_token_of_a_deleted_user_is_a_401(user, good):
    client = client_with(f"Bearer {good}")
    user.delete()
    assert_unauthorized(client, "User not found")


def test_a_user_deactivated_through_the_api_loses_access_on_the_next_request(make_user, settings):
    """Access refused on the very next request, reads and writes alike: what a per-process cache of users
    must still do with its time-to-live at 0 (AUTH_USER_CACHE_SECONDS, should the authentication cache
    users; the setting is ignored where it does not)."""
    settings.AUTH_USER_CACHE_SECONDS = 0
    admin = make_user(Role.ADMIN)
    clerk = make_user(Role.USER)
    clerk_client = client_with(f"Bearer {AccessToken.for_user(clerk)}")
    refresh = str(RefreshToken.for_user(clerk))
    assert clerk_client.get("/api/v1/raw-products").status_code == 200
    assert clerk_client.post("/api/v1/raw-products", NEW_MATERIAL).status_code == 201

    response = client_with(f"Bearer {AccessToken.for_user(admin)}").delete(f"/api/v1/users/{clerk.pk}")
    assert response.status_code == 204 and not User.objects.get(pk=clerk.pk).is_active

    assert_unauthorized(clerk_client)
    with unchanged_database():
        assert_refused(APIClient().post("/api/v1/auth/refresh", {"refreshToken": refresh}), 401)
    assert RawProduct.objects.filter(name="Rye").count() == 1


def test_a_user_deactivated_outside_the_api_loses_access_on_the_next_request(make_user, settings):
    # The Django admin or a shell flips the flag: no API call to hook into.
    settings.AUTH_USER_CACHE_SECONDS = 0
    clerk = make_user(Role.MANAGER)
    client = client_with(f"Bearer {AccessToken.for_user(clerk)}")
    assert client.get("/api/v1/raw-products").status_code == 200
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    assert_unauthorized(client)


@pytest.mark.parametrize("refresh", ["a.b.c", "\x00", "x" * 4_096, "{alg_none}", "{other_key}"])
def test_a_hostile_refresh_token_is_a_401(anon, user, refresh, settings):
    _header, payload, _signature = parts(RefreshToken.for_user(user))
    refresh = refresh.replace("{alg_none}", f"{segment({'alg': 'none'})}.{segment(payload)}.")
    refresh = refresh.replace("{other_key}", jwt.encode(payload, "another signing key, long enough", algorithm="HS256"))
    with unchanged_database():
        response = anon.post("/api/v1/auth/refresh", {"refreshToken": refresh})
        assert response.status_code in (400, 401)  # NUL and over-long are 400s on the field
        assert_refused(response)


# Tokens only this server can sign (its own key) whose claims it never writes: a leaked key, a tool of the
# operator's, a bug in a later version. Each is refused like any invalid token, never a 500.
@pytest.mark.parametrize(
    "claims",
    [
        {"user_id": "abc"},
        {"user_id": "1 OR 1=1"},
        {"user_id": 10**30},
        {"user_id": -1},
        {"user_id": 1.5},
        {"user_id": None},
        {"user_id": [1]},
        {"user_id": {"id": 1}},
        {"user_id": True},
        {"exp": 10**20},
        {"exp": 2**63},
        {"exp": -(10**20)},
        {"iat": 10**20},
        {"token_type": None},
        {"jti": {"a": 1}},
    ],
    ids=lambda claims: json.dumps(claims),
)
@pytest.mark.parametrize("remembered_for", [5, 0], ids=["user cache on", "user cache off"])
def test_a_token_signed_with_the_servers_key_but_with_claims_it_never_writes_is_a_401(
    good, settings, claims, remembered_for
):
    settings.AUTH_USER_CACHE_SECONDS = remembered_for
    _header, payload, _signature = parts(good)
    payload.update(claims)
    token = jwt.encode(payload, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert_unauthorized(client_with(f"Bearer {token}"))
