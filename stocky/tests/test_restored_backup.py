"""A restored backup brings back refresh tokens revoked after the dump (issue 15, failure 10); rotating
JWT_SIGNING_KEY, as docs/operations.md says to after a restore, ends them."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt import state
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def refresh(token):
    return APIClient().post("/api/v1/auth/refresh", {"refreshToken": token})


def restore_the_dump_taken_before_the_log_out():
    # The blacklist as the dump holds it: without the entries written since.
    BlacklistedToken.objects.all().delete()


@pytest.fixture
def new_signing_key(monkeypatch):
    """What a restart with a new JWT_SIGNING_KEY does to this process's token backend (HS256: one key)."""

    def rotate():
        key = "a-new-key-after-the-restore-" + "x" * 40
        for name in ("signing_key", "verifying_key", "prepared_signing_key", "prepared_verifying_key"):
            monkeypatch.setattr(state.token_backend, name, key)

    return rotate


def test_a_restore_revives_revoked_refresh_tokens_until_the_signing_key_is_rotated(make_user, new_signing_key):
    user = make_user(Role.USER)
    login = APIClient().post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}).json()
    stolen = login["refreshToken"]
    holder = APIClient()
    holder.credentials(HTTP_AUTHORIZATION=f"Bearer {login['accessToken']}")
    assert holder.post("/api/v1/auth/logout", {"refreshToken": stolen}).status_code == 204
    assert refresh(stolen).status_code == 401

    restore_the_dump_taken_before_the_log_out()
    assert refresh(stolen).status_code == 200, "the failure: the restore brought the revoked token back"

    restore_the_dump_taken_before_the_log_out()
    new_signing_key()
    response = refresh(stolen)
    assert response.status_code == 401 and response.json()["success"] is False
    relogin = APIClient().post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD})
    assert relogin.status_code == 200 and refresh(relogin.json()["refreshToken"]).status_code == 200
