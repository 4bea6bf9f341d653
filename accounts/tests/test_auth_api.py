"""Log-in, refresh, log-out and "me" (SPEC section B, Auth)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Role, User
from accounts.tests.conftest import PASSWORD, bearer, login

pytestmark = pytest.mark.django_db


def test_login_answers_bare_camel_case_tokens_that_open_the_api(make_user, anon):
    user = make_user(Role.USER)
    response = login(anon, user.email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken"}, "no success envelope on the hub"
    me = bearer(body["accessToken"]).get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None, "the admin shows the last log-in"


def test_login_is_case_insensitive_on_the_email_and_answers_with_and_without_slash(make_user, anon):
    user = make_user(Role.USER, email="carla@example.com")
    assert anon.post("/api/v1/auth/login/", {"email": "Carla@Example.COM", "password": PASSWORD}).status_code == 200
    assert login(anon, user.email).status_code == 200


def test_a_stale_bearer_token_does_not_block_login(make_user):
    user = make_user(Role.USER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert login(client, user.email).status_code == 200


@pytest.mark.parametrize("email,password", [("nobody@example.com", PASSWORD), ("known@example.com", "wrong-password")])
def test_wrong_credentials_are_401_in_the_envelope(make_user, anon, email, password):
    make_user(Role.USER, email="known@example.com")
    response = login(anon, email, password)
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False and body["statusCode"] == 401 and body["message"] == "Invalid e-mail or password"


def test_deactivated_accounts_and_unregistered_drafts_cannot_log_in(make_user, anon):
    gone = make_user(Role.USER, is_active=False)
    assert login(anon, gone.email).status_code == 401
    draft = User.objects.create_user(email="draft@example.com", is_active=False)  # no usable password
    assert not draft.has_usable_password()
    assert login(anon, draft.email, "").status_code == 400, "an empty password is not even a credential"
    assert login(anon, draft.email, "anything").status_code == 401


@pytest.mark.parametrize(
    "body", [{}, {"email": "a@example.com"}, {"password": "x"}, {"email": "not-an-email", "password": "x"}]
)
def test_login_with_missing_or_malformed_fields_is_400(anon, body):
    response = anon.post("/api/v1/auth/login", body)
    assert response.status_code == 400 and response.json()["success"] is False


def test_login_with_a_body_that_is_not_json_is_400(anon):
    response = anon.generic("POST", "/api/v1/auth/login", "{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["statusCode"] == 400


def test_token_lifetimes_default_to_15_minutes_and_7_days(make_user, anon):
    tokens = login(anon, make_user(Role.USER).email).json()
    access, refresh = AccessToken(tokens["accessToken"]), RefreshToken(tokens["refreshToken"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_refresh_rotates_and_revokes_the_used_token(make_user, anon):
    first = login(anon, make_user(Role.USER).email).json()
    response = anon.post("/api/v1/auth/refresh/", {"refreshToken": first["refreshToken"]})
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"accessToken", "refreshToken"}
    assert second["refreshToken"] != first["refreshToken"]
    assert bearer(second["accessToken"]).get("/api/v1/auth/me").status_code == 200
    third = anon.post("/api/v1/auth/refresh", {"refreshToken": second["refreshToken"]})
    assert third.status_code == 200
    reused = anon.post("/api/v1/auth/refresh", {"refreshToken": second["refreshToken"]})
    assert reused.status_code == 401 and reused.json()["message"] == "The refresh token is not valid"


def test_reusing_a_rotated_refresh_token_revokes_its_family_and_no_other(make_user, anon):
    # Issue 15, failure 3: a stolen refresh token used after its owner rotated it (or the other way round).
    user = make_user(Role.USER)
    laptop, phone = login(anon, user.email).json(), login(anon, user.email).json()
    rotated = anon.post("/api/v1/auth/refresh", {"refreshToken": laptop["refreshToken"]}).json()
    successor = anon.post("/api/v1/auth/refresh", {"refreshToken": rotated["refreshToken"]}).json()
    reused = anon.post("/api/v1/auth/refresh", {"refreshToken": laptop["refreshToken"]})
    assert reused.status_code == 401 and reused.json()["message"] == "The refresh token is not valid"
    refused = anon.post("/api/v1/auth/refresh", {"refreshToken": successor["refreshToken"]})
    assert refused.status_code == 401, "the family's live token is revoked with it"
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": phone["refreshToken"]}).status_code == 200


@pytest.mark.parametrize("kind", ["garbage", "access", "missing"])
def test_refresh_with_a_bad_token_is_refused(make_user, anon, kind):
    tokens = login(anon, make_user(Role.USER).email).json()
    body = {
        "garbage": {"refreshToken": "abc.def.ghi"},
        "access": {"refreshToken": tokens["accessToken"]},
        "missing": {},
    }[kind]
    response = anon.post("/api/v1/auth/refresh", body)
    assert response.status_code == (400 if kind == "missing" else 401)
    assert response.json()["success"] is False


def test_refresh_of_an_expired_token_is_401(make_user, anon):
    token = RefreshToken.for_user(make_user(Role.USER))
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": str(token)}).status_code == 401


def test_a_deactivated_account_cannot_refresh_and_its_access_tokens_stop_working(make_user, anon):
    user = make_user(Role.USER)
    tokens = login(anon, user.email).json()
    # Deactivated behind the API's back (no token revoked): the account check alone must refuse it.
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    response = bearer(tokens["accessToken"]).get("/api/v1/auth/me")
    assert response.status_code == 401 and response.json()["success"] is False


def test_logout_revokes_the_refresh_token(make_user, anon):
    user = make_user(Role.READONLY)  # every role may log out
    tokens = login(anon, user.email).json()
    client = bearer(tokens["accessToken"])
    response = client.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 204 and response.content == b""
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    again = client.post("/api/v1/auth/logout/", {"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 400 and again.json()["errors"] == {"refreshToken": ["The refresh token is not valid"]}


def test_logout_needs_a_token_and_only_revokes_the_callers_own(make_user, anon):
    owner, other = make_user(Role.USER), make_user(Role.ADMIN)
    tokens = login(anon, owner.email).json()
    assert anon.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    other_client = bearer(login(anon, other.email).json()["accessToken"])
    assert other_client.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]}).status_code == 400
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 200


def test_me_returns_the_caller_as_a_single_user_read(client_for):
    client = client_for(Role.MANAGER)
    body = client.get("/api/v1/auth/me/").json()
    user = client.user
    assert body == {
        "id": user.pk,
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "role": "Manager",
        "email": user.email,
        "createdAt": body["createdAt"],
    }
    assert body["createdAt"].endswith("Z") or "+" in body["createdAt"]


def test_me_without_a_token_is_401_json(anon):
    response = anon.get("/api/v1/auth/me")
    assert response.status_code == 401 and response.json()["statusCode"] == 401


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_racing_with_the_same_token_cannot_both_succeed(make_user):
    token = str(RefreshToken.for_user(make_user(Role.USER)))
    barrier = threading.Barrier(2)
    codes = []

    def refresh():
        try:
            barrier.wait()
            codes.append(APIClient().post("/api/v1/auth/refresh", {"refreshToken": token}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 401]
