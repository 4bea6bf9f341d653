"""The "done when" story of the accounts issue, end to end through the API and the admin."""

import pytest
from django.test import Client

from accounts.models import Invitation, Role, User
from accounts.tests.conftest import NEW_PASSWORD, bearer, login, token_in

pytestmark = pytest.mark.django_db


def test_an_admin_invites_a_manager_who_registers_logs_in_refreshes_and_logs_out(
    client_for, anon, invite, mailoutbox, settings
):
    admin = client_for(Role.ADMIN)
    response = invite(admin, email="Mona.Manager@Example.com", role=Role.MANAGER, first_name="Mona", last_name="Lisa")
    assert response.status_code == 201 and response.content == b""

    # The e-mail arrives, with the registration link to the single-page app.
    (message,) = mailoutbox
    assert message.to == ["mona.manager@example.com"]
    assert f"{settings.FRONTEND_URL}/register?token=" in message.body
    token = token_in(message)

    # Registration with the link's token: 201 and a working pair of tokens.
    response = anon.post("/api/v1/auth/register", {"token": token, "username": "mona", "password": NEW_PASSWORD})
    assert response.status_code == 201
    me = bearer(response.json()["accessToken"]).get("/api/v1/auth/me").json()
    assert me["email"] == "mona.manager@example.com" and me["role"] == "Manager" and me["username"] == "mona"

    # Log-in, refresh, log-out (the revoked token fails), and the used refresh token fails too.
    tokens = login(anon, "mona.manager@example.com", NEW_PASSWORD).json()
    refreshed = anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    manager = bearer(refreshed.json()["accessToken"])
    assert manager.post("/api/v1/auth/logout", {"refreshToken": refreshed.json()["refreshToken"]}).status_code == 204
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": refreshed.json()["refreshToken"]}).status_code == 401
    again = anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 401 and again.json()["success"] is False

    # The same invitation token cannot register twice.
    response = anon.post("/api/v1/auth/register", {"token": token, "username": "mona2", "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json()["errors"] == {"token": ["The invitation token is not valid"]}
    assert User.objects.get(email="mona.manager@example.com").username == "mona"

    # The Manager invites a User, cannot invite an Admin; a User cannot invite at all.
    mailoutbox.clear()
    assert invite(manager, email="ulla@example.com", role=Role.USER).status_code == 201
    assert [m.to for m in mailoutbox] == [["ulla@example.com"]]
    response = invite(manager, email="boss@example.com", role=Role.ADMIN)
    assert response.status_code == 400
    assert response.json()["errors"] == {"role": ["The role 'Admin' is not valid"]}
    response = invite(client_for(Role.USER), email="friend@example.com", role=Role.USER)
    assert response.status_code == 403 and response.json()["statusCode"] == 403
    assert not User.objects.filter(email__in=["boss@example.com", "friend@example.com"]).exists()


def test_a_failing_mail_server_is_retried_then_marked_failed_and_shown_in_the_admin(
    client_for, invite, failing_mail, mailoutbox, make_user
):
    response = invite(client_for(Role.ADMIN), email="lost@example.com", role=Role.USER)
    assert response.status_code == 201, "the request that invited still succeeds"
    invitation = Invitation.objects.get(user__email="lost@example.com")
    assert invitation.delivery_status == Invitation.Delivery.FAILED
    assert invitation.attempts == 6, "the first attempt and 5 retries"
    assert "refused the connection" in invitation.last_error
    assert mailoutbox == []

    staff = Client()
    staff.force_login(make_user(Role.ADMIN))
    page = staff.get("/admin/accounts/invitation/").content.decode()
    assert "lost@example.com" in page and "Failed" in page and "refused the connection" in page
