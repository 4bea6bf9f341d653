"""A mail server that accepts and never answers (issue 15, failure 7): the invitation request returns, the
invitation shows the failure and the e-mail is retried; the worker is not held by one mail."""

import time

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.models import Invitation
from stocky.tests.frozen import SilentServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_smtp(settings):
    server = SilentServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 0.5  # the default is 5 s (stocky/tests/test_timeouts.py); short here
    yield server
    server.close()


def test_the_invitation_request_returns_and_shows_the_failure_after_its_retries(api, invite, silent_smtp, settings):
    settings.INVITATION_EMAIL_MAX_RETRIES = 1  # immediate backend: retried in the request, so keep it short
    started = time.monotonic()
    response = invite(api, email="stuck@example.com")
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert elapsed < 3, "two attempts of EMAIL_TIMEOUT each, not a hung request"
    invitation = Invitation.objects.get()
    assert invitation.attempts == 2 and invitation.delivery_status == "failed"
    assert "timed out" in invitation.last_error
    assert len(silent_smtp.accepted) == 2, "the server was really tried twice"


@pytest.mark.django_db(transaction=True)
def test_the_worker_gives_up_on_a_stuck_mail_in_seconds_and_schedules_a_retry(api, invite, silent_smtp, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    invite(api, email="stuck@example.com")
    started = time.monotonic()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert time.monotonic() - started < 3, "db_worker is free for the next task"
    invitation = Invitation.objects.get()
    assert invitation.delivery_status == "retrying" and invitation.attempts == 1
    assert "timed out" in invitation.last_error
    assert DBTaskResult.objects.filter(status="READY").count() == 1, "the retry is queued"
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1, "the stuck attempt ended"
