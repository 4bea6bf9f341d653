"""The admin's log-in is guarded by django-axes (issue 15, failure 2; docs/security.md "Admin log-in")."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from accounts.models import Role
from accounts.tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

LIMIT = 10  # ADMIN_LOGIN_FAILURE_LIMIT's default


def admin_login(email, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/admin/login/?next=/admin/", {"username": email, "password": password})


def test_wrong_passwords_lock_the_account_out_of_the_admin_until_unlocked(make_user):
    admin = make_user(Role.ADMIN)
    # One address each: the account counts, whatever the case of its e-mail. The failure that reaches the
    # limit is answered 429 already.
    answers = [
        admin_login(admin.email.upper() if n % 2 else admin.email, f"guess-{n}", ip=f"10.0.1.{n}").status_code
        for n in range(LIMIT)
    ]
    assert answers == [200] * (LIMIT - 1) + [429], "the form with its error, then the lock-out"
    locked = admin_login(admin.email, PASSWORD, ip="10.0.2.1")
    assert locked.status_code == 429, "the right password, from a fresh address, is refused while locked"
    assert "_auth_user_id" not in locked.wsgi_request.session
    call_command("axes_reset_username", admin.email, stdout=None)
    assert admin_login(admin.email, PASSWORD, ip="10.0.2.1").status_code == 302


def test_one_address_is_locked_out_for_every_account(make_user):
    admin, other = make_user(Role.ADMIN), make_user(Role.MANAGER)
    for n in range(LIMIT):
        admin_login(f"nobody{n}@example.com", "guess", ip="10.0.3.1")
    assert admin_login(other.email, PASSWORD, ip="10.0.3.1").status_code == 429
    assert admin_login(admin.email, PASSWORD, ip="10.0.3.2").status_code == 302, "another address logs in"


def test_the_api_log_in_neither_counts_for_nor_is_stopped_by_the_admin_guard(make_user, anon):
    user = make_user(Role.MANAGER)
    for n in range(LIMIT + 2):
        assert login(anon, user.email, f"guess-{n}").status_code in (401, 429)
    assert admin_login(user.email, PASSWORD).status_code == 302, "API failures do not lock the admin"
    for n in range(LIMIT + 1):
        admin_login(user.email, f"guess-{n}")
    cache.clear()  # the API's own throttle counts, spent above
    assert login(anon, user.email).status_code == 200, "admin failures do not lock the API"
