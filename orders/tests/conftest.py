import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every API test signs a user in; the production hasher costs ~0.6 s per user and tests nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
