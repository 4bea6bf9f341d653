"""An invitation e-mail whose worker was killed while sending it (issue 16): it does not stay "sending"."""

from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Invitation, Role, token_digest
from accounts.tests.conftest import token_in

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What the task sees of a SIGKILL: nothing after this point runs (not even an `except Exception`)."""


class KilledWhileSendingBackend(BaseEmailBackend):
    seen_status = None

    def send_messages(self, messages):
        KilledWhileSendingBackend.seen_status = Invitation.objects.get().delivery_status
        raise WorkerKilled


@pytest.fixture
def killed_while_sending(api, invite, settings):
    """An invitation whose first attempt died with its worker, INVITATION_SENDING_STALE_MINUTES + 1 ago."""
    settings.EMAIL_BACKEND = "accounts.tests.test_interrupted_sending.KilledWhileSendingBackend"
    invite(api, email="lost@example.com")  # the task backend records the task as failed; the invitation knows not
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    invitation = Invitation.objects.get()
    assert KilledWhileSendingBackend.seen_status == "sending", "the attempt is visible while it runs"
    assert invitation.delivery_status == "sending" and invitation.attempts == 1
    long_ago = timezone.now() - timedelta(minutes=settings.INVITATION_SENDING_STALE_MINUTES + 1)
    Invitation.objects.filter(pk=invitation.pk).update(last_attempt_at=long_ago)
    return invitation


def test_the_command_sends_an_interrupted_invitation_again(killed_while_sending, mailoutbox, run_tasks, capsys):
    with run_tasks():
        call_command("recover_invitations")
    assert "1 interrupted invitation" in capsys.readouterr().out
    invitation = Invitation.objects.get()
    assert invitation.delivery_status == "sent" and invitation.attempts == 2 and invitation.last_error == ""
    (message,) = mailoutbox
    assert message.to == ["lost@example.com"]
    assert invitation.token_hash == token_digest(token_in(message)), "the link that went out is the one that works"


def test_the_admins_invitations_page_shows_it_queued_again_rather_than_sending_for_ever(
    killed_while_sending, admin_client_for, mailoutbox, run_tasks
):
    manager = admin_client_for(Role.MANAGER)
    with run_tasks():
        manager.get("/admin/accounts/invitation/")
    assert Invitation.objects.get().delivery_status == "sent" and len(mailoutbox) == 1
    with run_tasks():
        call_command("recover_invitations")  # nothing left to recover: nothing sent twice
    assert len(mailoutbox) == 1


def test_past_the_retries_it_is_failed_and_can_be_resent(killed_while_sending, admin_client_for, settings, run_tasks):
    settings.INVITATION_EMAIL_MAX_RETRIES = 0
    with run_tasks():
        call_command("recover_invitations")
    invitation = Invitation.objects.get()
    assert invitation.delivery_status == "failed" and "Interrupted" in invitation.last_error
    manager = admin_client_for(Role.MANAGER)
    with run_tasks():
        manager.post("/admin/accounts/invitation/", {"action": "resend", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.delivery_status == "sent" and invitation.send_round == 2


def test_an_attempt_still_within_its_time_is_left_alone(api, invite, settings, mailoutbox, run_tasks):
    invite(api, email="slow@example.com")
    recent = timezone.now() - timedelta(minutes=settings.INVITATION_SENDING_STALE_MINUTES - 1)
    Invitation.objects.update(delivery_status="sending", last_attempt_at=recent)
    with run_tasks():
        call_command("recover_invitations")
    assert Invitation.objects.get().delivery_status == "sending" and len(mailoutbox) == 1
