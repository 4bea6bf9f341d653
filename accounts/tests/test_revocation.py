"""A new password or a deactivation ends every session of the account, wherever it is set (issue 15,
failures 3 and 10; docs/security.md "Revocation"). The same across the production server's workers:
accounts/tests/test_server.py."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Role, User
from accounts.tests.conftest import NEW_PASSWORD, PASSWORD, bearer, login

pytestmark = pytest.mark.django_db


def session(anon, user):
    """A log-in, then one refresh: the tokens a thief might hold (the first refresh token is rotated)."""
    first = login(anon, user.email).json()
    rotated = anon.post("/api/v1/auth/refresh", {"refreshToken": first["refreshToken"]}).json()
    return first, rotated


def assert_ended(anon, first, rotated):
    for access in (first["accessToken"], rotated["accessToken"]):
        response = bearer(access).get("/api/v1/auth/me")
        assert response.status_code == 401 and response.json()["success"] is False
    for refresh in (first["refreshToken"], rotated["refreshToken"]):
        assert anon.post("/api/v1/auth/refresh", {"refreshToken": refresh}).status_code == 401


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_password_set_in_the_admin_ends_every_session(make_user, anon):
    user = make_user(Role.USER)
    first, rotated = session(anon, user)
    admin = admin_client(make_user(Role.ADMIN))
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:500]
    assert_ended(anon, first, rotated)
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert login(anon, user.email, NEW_PASSWORD).status_code == 200, "the new password works"


def test_changepassword_ends_every_session(make_user, anon, monkeypatch):
    user = make_user(Role.USER)
    first, rotated = session(anon, user)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda *a, **k: NEW_PASSWORD
    )
    call_command("changepassword", user.email, stdout=None)
    assert_ended(anon, first, rotated)
    assert login(anon, user.email, NEW_PASSWORD).status_code == 200


def test_a_deactivation_in_the_admin_ends_every_session_and_a_reactivation_revives_none(make_user, anon):
    user = make_user(Role.USER)
    first, rotated = session(anon, user)
    admin = admin_client(make_user(Role.ADMIN))
    response = admin.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [user.pk]}, follow=True)
    assert response.status_code == 200 and b"1 user(s) deactivated" in response.content
    assert User.objects.get(pk=user.pk).is_active is False
    User.objects.filter(pk=user.pk).update(is_active=True)  # reactivated: the old tokens stay dead
    assert_ended(anon, first, rotated)


def test_a_deactivation_through_the_api_ends_every_session(make_user, client_for, anon):
    user = make_user(Role.USER)
    first, rotated = session(anon, user)
    assert client_for(Role.ADMIN).delete(f"/api/v1/users/{user.pk}").status_code == 204
    assert_ended(anon, first, rotated)


def test_other_users_and_a_rehashed_password_keep_their_sessions(make_user, anon, settings):
    user, other = make_user(Role.USER), make_user(Role.USER)
    tokens = login(anon, other.email).json()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert bearer(tokens["accessToken"]).get("/api/v1/auth/me").status_code == 200
    # A stronger hasher setting re-hashes the same password at the next log-in: not a new password.
    User.objects.filter(pk=other.pk).update(password=make_password(PASSWORD, hasher="md5"))
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    assert login(anon, other.email).status_code == 200
    assert User.objects.get(pk=other.pk).password.startswith("pbkdf2_")
    assert bearer(tokens["accessToken"]).get("/api/v1/auth/me").status_code == 200
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 200


# --- The admin: no deleting users, no reading tokens (failure 10) --------------------------------------


def test_an_admin_cannot_delete_a_user_in_the_admin(make_user):
    admin = admin_client(make_user(Role.ADMIN))
    user = make_user(Role.USER)
    assert admin.get(f"/admin/accounts/user/{user.pk}/delete/").status_code == 403
    assert admin.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [user.pk]})
    assert User.objects.filter(pk=user.pk).exists()
    assert b"delete_selected" not in admin.get("/admin/accounts/user/").content
    assert response.status_code in (200, 302)


def test_no_token_is_readable_in_the_admin(make_user, anon):
    user = make_user(Role.USER)
    tokens = login(anon, user.email).json()
    anon.post(
        "/api/v1/auth/logout",
        {"refreshToken": tokens["refreshToken"]},
        HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}",
    )
    live = login(anon, user.email).json()
    admin = admin_client(make_user(Role.ADMIN))
    outstanding = OutstandingToken.objects.filter(user=user).latest("created_at")
    revoked = BlacklistedToken.objects.get(token__user=user)
    pages = [
        "/admin/token_blacklist/outstandingtoken/",
        f"/admin/token_blacklist/outstandingtoken/{outstanding.pk}/change/",
        "/admin/token_blacklist/blacklistedtoken/",
        f"/admin/token_blacklist/blacklistedtoken/{revoked.pk}/change/",
    ]
    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        assert outstanding.jti in body or revoked.token.jti in body, page
        for token in (live["refreshToken"], tokens["refreshToken"]):
            assert token not in body and token.split(".")[1] not in body, page
