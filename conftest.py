"""Fixtures shared by every app's tests: API clients signed in as each role."""

import os

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role, User

# Processes the tests start (settings probes, live servers) read no developer's .env either (stocky/settings.py).
os.environ["ENV_FILE"] = ""

# A shop with a record of every kind, and `run` for management commands (used by several test packages).
pytest_plugins = ["stocky.tests.fixtures"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Tests create and sign in many users; production's hasher costs ~0.6 s per password here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_read_cache():
    # Each test starts from an empty per-process read cache, as from an empty cache (stocky.kit.readcache),
    # and with no token or user row remembered by the fast path's authentication (accounts.authentication).
    from accounts import authentication
    from stocky.kit import readcache

    readcache.bodies.clear()
    readcache.view_tables.clear()
    authentication.forget()


@pytest.fixture
def rendered_reads(settings):
    """Every GET renders (no read cache, no ETag): for tests that count the queries of rendering a read."""
    settings.READ_CACHE = False


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role=Role.USER, **fields):
        n = next(counter)
        fields.setdefault("email", f"{role.lower()}{n}@example.com")
        fields.setdefault("username", f"{role.lower()}{n}")
        fields.setdefault("password", "correct-horse-battery")
        return User.objects.create_user(role=role, **fields)

    return make


@pytest.fixture
def client_for(make_user):
    """An APIClient authenticated as a fresh user of the given role (a real access token)."""

    def make(role=Role.ADMIN, user=None):
        user = user or make_user(role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        client.user = user
        return client

    return make


@pytest.fixture
def api(client_for):
    """An API client signed in as an Admin: the default for tests about behaviour, not permissions."""
    return client_for(Role.ADMIN)


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def admin_client_for(make_user):
    """A Django test client logged in to the admin as a fresh user of the given role (`.user` is that user)."""

    def make(role=Role.ADMIN):
        client = Client()
        client.user = make_user(role)
        client.force_login(client.user)
        return client

    return make
