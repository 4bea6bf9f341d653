import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh directory per test, never into the worktree's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def stored_files(media_root):
    """The files currently in storage, as paths relative to MEDIA_ROOT."""

    def files():
        if not media_root.exists():
            return []
        return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())

    return files


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every test signs in fresh users; the production hasher costs most of a second per user here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
