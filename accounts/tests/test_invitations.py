"""Invitations and registration (SPEC section B, Auth): tokens, e-mail, retries, roles."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Invitation, Role, User, token_digest
from accounts.tests.conftest import NEW_PASSWORD, login, token_in

pytestmark = pytest.mark.django_db

INVALID_TOKEN = {"token": ["The invitation token is not valid"]}


def register(client, token, username="newbie", password=NEW_PASSWORD):
    return client.post("/api/v1/auth/register", {"token": token, "username": username, "password": password})


def test_an_invitation_creates_a_draft_account_and_e_mails_a_single_use_link(api, invite, mailoutbox, settings):
    response = invite(api, email="Nora@Example.com", role=Role.MANAGER, first_name="Nora", last_name="Newman")
    assert response.status_code == 201 and response.content == b""
    user = User.objects.get(email="nora@example.com")
    assert (user.first_name, user.last_name, user.role) == ("Nora", "Newman", "Manager")
    assert not user.is_active and not user.has_usable_password() and user.username is None
    invitation = user.invitation
    assert invitation.invited_by == api.user
    assert invitation.delivery_status == "sent" and invitation.attempts == 1 and invitation.sent_at

    (message,) = mailoutbox
    assert message.to == ["nora@example.com"] and "Stocky" in message.subject
    assert message.alternatives[0][1] == "text/html"
    token = token_in(message)
    assert f"{settings.FRONTEND_URL}/register?token={token}" in message.body
    assert len(token) >= 43, "256 random bits, url-safe base64"
    # Only the hash is kept.
    assert invitation.token_hash == token_digest(token) and token not in invitation.token_hash
    assert abs(invitation.expires_at - (timezone.now() + timedelta(hours=72))) < timedelta(minutes=1)


def test_the_invitation_lifetime_comes_from_settings(api, invite, settings):
    settings.INVITATION_TTL_HOURS = 2
    invite(api)
    expires_at = Invitation.objects.get().expires_at
    assert abs(expires_at - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)


def test_register_activates_the_account_burns_the_token_and_returns_tokens(anon, api, invite, mailoutbox):
    invite(api, email="nora@example.com")
    token = token_in(mailoutbox[0])
    response = anon.post("/api/v1/auth/register/", {"token": token, "username": "nora", "password": NEW_PASSWORD})
    assert response.status_code == 201 and set(response.json()) == {"accessToken", "refreshToken"}
    user = User.objects.get(email="nora@example.com")
    assert user.is_active and user.username == "nora" and user.check_password(NEW_PASSWORD)
    assert user.invitation.accepted_at is not None and user.invitation.token_hash is None
    assert login(anon, "nora@example.com", NEW_PASSWORD).status_code == 200
    again = register(anon, token, username="nora2")
    assert again.status_code == 400 and again.json()["errors"] == INVALID_TOKEN


def test_an_unknown_token_is_400_with_the_spec_message(anon):
    response = register(anon, "no-such-token")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["errors"] == INVALID_TOKEN


def test_an_expired_token_is_refused_and_changes_nothing(anon, api, invite, mailoutbox):
    invite(api, email="late@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = register(anon, token_in(mailoutbox[0]))
    assert response.status_code == 400 and response.json()["errors"] == INVALID_TOKEN
    user = User.objects.get(email="late@example.com")
    assert not user.is_active and user.username is None


@pytest.mark.parametrize(
    "password,fragment",
    [
        ("short", "too short"),
        ("password123", "too common"),
        ("83749201938", "entirely numeric"),
        ("nora.newman", "too similar"),
    ],
)
def test_register_applies_djangos_password_validators(anon, api, invite, mailoutbox, password, fragment):
    invite(api, email="nora.newman@example.com")
    token = token_in(mailoutbox[0])
    response = register(anon, token, username="nora", password=password)
    assert response.status_code == 400
    assert any(fragment in message for message in response.json()["errors"]["password"])
    assert not User.objects.get(email="nora.newman@example.com").is_active
    assert register(anon, token, username="nora").status_code == 201, "a refused attempt does not burn the token"


def test_register_refuses_a_taken_or_malformed_username(anon, api, invite, make_user, mailoutbox):
    make_user(Role.USER, username="Taken")
    invite(api)
    token = token_in(mailoutbox[0])
    response = register(anon, token, username="taken")
    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["The username 'taken' is already taken"]}
    response = register(anon, token, username="no spaces!")
    assert response.status_code == 400 and "username" in response.json()["errors"]


@pytest.mark.parametrize("missing", ["token", "username", "password"])
def test_register_without_a_field_is_400(anon, missing):
    body = {"token": "t", "username": "u", "password": NEW_PASSWORD}
    del body[missing]
    response = anon.post("/api/v1/auth/register", body)
    assert response.status_code == 400 and missing in response.json()["errors"]


@pytest.mark.parametrize("role", ["Boss", "admin", ""])
def test_an_unknown_role_is_400_and_nothing_is_created(api, invite, mailoutbox, role):
    response = invite(api, role=role)
    assert response.status_code == 400
    if role:
        assert response.json()["errors"] == {"role": [f"The role '{role}' is not valid"]}
    assert not User.objects.filter(email="new@example.com").exists() and mailoutbox == []


@pytest.mark.parametrize(
    "inviter,role,status",
    [
        (Role.ADMIN, Role.ADMIN, 201),
        (Role.MANAGER, Role.MANAGER, 201),
        (Role.MANAGER, Role.USER, 201),
        (Role.MANAGER, Role.READONLY, 201),
        (Role.MANAGER, Role.ADMIN, 400),
        (Role.USER, Role.READONLY, 403),
        (Role.READONLY, Role.READONLY, 403),
    ],
)
def test_who_may_invite_whom(client_for, invite, inviter, role, status):
    response = invite(client_for(inviter), role=role)
    assert response.status_code == status
    assert User.objects.filter(email="new@example.com").exists() == (status == 201)
    if status == 400:
        assert response.json()["errors"] == {"role": [f"The role '{role}' is not valid"]}
    if status == 403:
        assert response.json()["statusCode"] == 403 and response.json()["success"] is False


def test_inviting_needs_a_token(anon, invite):
    assert invite(anon).status_code == 401


def test_the_email_of_an_active_account_cannot_be_invited(api, invite, make_user, mailoutbox):
    make_user(Role.USER, email="here@example.com")
    response = invite(api, email="HERE@example.com")
    assert response.status_code == 400
    assert response.json()["errors"] == {"email": ["A user with the e-mail 'here@example.com' already exists"]}
    assert mailoutbox == []


def test_the_email_of_a_deactivated_account_cannot_be_invited(api, invite, make_user):
    gone = make_user(Role.USER, email="gone@example.com", is_active=False)
    response = invite(api, email="gone@example.com", role=Role.ADMIN)
    assert response.status_code == 400 and "deactivated" in response.json()["errors"]["email"][0]
    gone.refresh_from_db()
    assert gone.role == Role.USER and not Invitation.objects.exists()


@pytest.mark.parametrize("body", [{}, {"email": "x", "firstName": "a", "lastName": "b", "role": "User"}])
def test_an_invite_with_missing_or_malformed_fields_is_400(api, body):
    response = api.post("/api/v1/auth/invite", body)
    assert response.status_code == 400 and not User.objects.filter(email="x").exists()


def test_inviting_a_pending_email_again_replaces_the_token(anon, api, invite, mailoutbox):
    invite(api, email="twice@example.com", role=Role.USER, first_name="Old")
    old_token = token_in(mailoutbox[0])
    invite(api, email="twice@example.com", role=Role.MANAGER, first_name="New")
    new_token = token_in(mailoutbox[1])
    assert old_token != new_token
    user = User.objects.get(email="twice@example.com")
    assert (user.first_name, user.role) == ("New", "Manager") and Invitation.objects.count() == 1
    assert register(anon, old_token).json()["errors"] == INVALID_TOKEN
    assert register(anon, new_token).status_code == 201


def test_a_manager_cannot_override_a_pending_invitation_above_their_role(client_for, api, invite):
    invite(api, email="chief@example.com", role=Role.ADMIN)
    response = invite(client_for(Role.MANAGER), email="chief@example.com", role=Role.USER)
    assert response.status_code == 400 and "email" in response.json()["errors"]
    assert User.objects.get(email="chief@example.com").role == Role.ADMIN


def test_a_mail_server_that_recovers_delivers_after_retries(anon, api, invite, flaky_mail, mailoutbox):
    flaky_mail(failures=2)
    assert invite(api, email="later@example.com").status_code == 201
    invitation = Invitation.objects.get()
    assert invitation.delivery_status == "sent" and invitation.attempts == 3 and invitation.last_error == ""
    (message,) = mailoutbox
    assert register(anon, token_in(message)).status_code == 201, "the token of the e-mail that arrived works"


def test_retries_stop_at_the_configured_count(api, invite, failing_mail, settings):
    settings.INVITATION_EMAIL_MAX_RETRIES = 2
    invite(api)
    invitation = Invitation.objects.get()
    assert invitation.attempts == 3 and invitation.delivery_status == "failed"


def test_a_rolled_back_invitation_sends_nothing(api, mailoutbox, run_tasks):
    with run_tasks():
        response = api.post(
            "/api/v1/auth/invite", {"email": "x@example.com", "firstName": "X", "lastName": "Y", "role": "Nope"}
        )
    assert response.status_code == 400 and mailoutbox == []


def test_the_email_can_go_to_files(api, invite, settings, tmp_path):
    # EMAIL_URL=filemail:///path selects this backend in production.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    invite(api, email="files@example.com")
    (written,) = tmp_path.iterdir()
    content = written.read_text()
    assert "files@example.com" in content and "/register?token=" in content


@pytest.mark.django_db(transaction=True)
def test_on_the_database_backend_the_worker_sends_and_failures_are_deferred_with_backoff(
    api, invite, settings, mailoutbox
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    invite(api, email="queued@example.com")
    invitation = Invitation.objects.get()
    assert mailoutbox == [] and invitation.attempts == 0, "queued, not sent in the request"
    assert DBTaskResult.objects.count() == 1

    settings.EMAIL_BACKEND = "accounts.tests.conftest.FailingMailBackend"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    invitation.refresh_from_db()
    assert invitation.delivery_status == "retrying" and invitation.attempts == 1
    retry = DBTaskResult.objects.filter(status="READY").get()
    delay = (retry.run_after - invitation.last_attempt_at).total_seconds()
    assert 55 <= delay <= 65, "first retry after INVITATION_EMAIL_RETRY_BACKOFF_SECONDS"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    invitation.refresh_from_db()
    assert invitation.delivery_status == "sent" and invitation.attempts == 2
    (message,) = mailoutbox
    assert invitation.token_hash == token_digest(token_in(message))


def test_a_queued_send_of_an_older_round_does_nothing(api, invite, mailoutbox):
    from accounts.services import invitation_deliver

    invite(api, email="rounds@example.com")
    invitation = Invitation.objects.get()
    assert invitation_deliver(invitation_id=invitation.pk, send_round=invitation.send_round - 1) == "skipped"
    assert len(mailoutbox) == 1
