"""Fixtures of the accounts tests: e-mail, invitations, tokens, and a clean throttling state."""

import re

import pytest
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from rest_framework.test import APIClient

from accounts.models import Role

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Tulip-Harbour-Ninety-7"
LINK = re.compile(r"/register\?token=([A-Za-z0-9_\-]+)")


@pytest.fixture(autouse=True)
def fresh_throttles():
    # Throttling counts live in the cache; a test must not inherit another's requests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def quick_settings(settings):
    settings.INVITATION_EMAIL_INLINE_BACKOFF_SECONDS = 0


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what would run after commit (the e-mail tasks) when the block ends, as a real request does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def invite(run_tasks):
    """POST /auth/invite as `client`, letting the e-mail task run after the (test) commit."""

    def do(client, email="new@example.com", role=Role.USER, first_name="Nora", last_name="Newman"):
        with run_tasks():
            return client.post(
                "/api/v1/auth/invite", {"email": email, "firstName": first_name, "lastName": last_name, "role": role}
            )

    return do


def token_in(message):
    """The registration token of an invitation e-mail, read from its link (text and HTML must agree)."""
    (token,) = set(LINK.findall(message.body))
    html = message.alternatives[0][0]
    assert f"/register?token={token}" in html
    return token


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", {"email": email, "password": password})


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


class FailingMailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail.example.com:587 refused the connection")


class FlakyMailBackend(LocmemBackend):
    """A mail server that fails `failures` times, then delivers to Django's test outbox."""

    failures = 0

    def send_messages(self, messages):
        if FlakyMailBackend.failures > 0:
            FlakyMailBackend.failures -= 1
            raise TimeoutError("mail server timed out")
        return super().send_messages(messages)


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "accounts.tests.conftest.FailingMailBackend"


@pytest.fixture
def flaky_mail(settings):
    def make(failures):
        FlakyMailBackend.failures = failures
        settings.EMAIL_BACKEND = "accounts.tests.conftest.FlakyMailBackend"

    yield make
    FlakyMailBackend.failures = 0
