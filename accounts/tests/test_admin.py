"""Users and invitations in the Django admin: who may enter, what each role may do there."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Invitation, Role, User
from accounts.permissions import roles_for_model_action
from accounts.tests.conftest import PASSWORD, login, token_in

pytestmark = pytest.mark.django_db


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "role,enters", [(Role.ADMIN, True), (Role.MANAGER, True), (Role.USER, False), (Role.READONLY, False)]
)
def test_only_admins_and_managers_log_in_to_the_admin(make_user, role, enters):
    user = make_user(role)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
    assert (response.status_code == 302) == enters
    assert (client.get("/admin/").status_code == 200) == enters


def test_a_manager_cannot_manage_users_in_the_admin(make_user):
    manager = admin_client(make_user(Role.MANAGER))
    target = make_user(Role.USER)
    assert manager.get("/admin/accounts/user/").status_code == 403
    assert manager.get(f"/admin/accounts/user/{target.pk}/change/").status_code == 403
    response = manager.post(f"/admin/accounts/user/{target.pk}/change/", {"role": Role.ADMIN})
    assert response.status_code == 403 and User.objects.get(pk=target.pk).role == Role.USER


def test_managers_hold_the_business_permissions_of_the_roles_table(make_user):
    manager, user = make_user(Role.MANAGER), make_user(Role.USER)
    for action in ("view", "add", "change", "delete"):
        assert manager.has_perm(f"inventory.{action}_rawproduct")
        assert manager.has_perm(f"orders.{action}_finishedproductorder")
    assert not manager.has_perm("accounts.change_user") and not manager.has_perm("accounts.view_user")
    assert manager.has_perm("accounts.view_invitation") and manager.has_perm("accounts.resend_invitation")
    assert not manager.has_perm("accounts.delete_invitation")
    assert not user.has_perm("inventory.delete_rawproduct"), "the table: a User does not delete"
    assert not manager.has_perm("auth.change_group") and not manager.has_perm("django_tasks_database.view_dbtaskresult")


def test_a_model_narrows_an_admin_action_with_role_permissions():
    class HubOrder:  # how a hub order declares "delete: Admin only"
        ROLE_PERMISSIONS = {"delete": {Role.ADMIN}}

        class _meta:
            app_label = "orders"

    assert roles_for_model_action(HubOrder, "delete") == {Role.ADMIN}
    assert Role.MANAGER in roles_for_model_action(HubOrder, "change")


def test_changing_a_role_in_the_admin_keeps_admin_rights_in_step(make_user):
    admin = admin_client(make_user(Role.ADMIN))
    target = make_user(Role.ADMIN, first_name="Ada", last_name="Byron")
    assert target.is_superuser and target.is_staff

    def change_role(role):
        response = admin.post(
            f"/admin/accounts/user/{target.pk}/change/",
            {
                "email": target.email,
                "username": target.username,
                "first_name": "Ada",
                "last_name": "Byron",
                "role": role,
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        target.refresh_from_db()

    change_role(Role.MANAGER)
    assert target.is_staff and not target.is_superuser, "a demoted Admin loses superuser"
    change_role(Role.USER)
    assert not target.is_staff and not target.is_superuser
    change_role(Role.ADMIN)
    assert target.is_staff and target.is_superuser


def test_the_admin_lists_users_with_role_activity_and_last_login(make_user, anon):
    admin = admin_client(make_user(Role.ADMIN))
    user = make_user(Role.USER, email="listed@example.com")
    login(anon, user.email)
    page = admin.get("/admin/accounts/user/").content.decode()
    assert "listed@example.com" in page and "Last login" in page and "Role" in page


def test_deactivating_in_the_admin_revokes_refresh_tokens(make_user, anon):
    admin = admin_client(make_user(Role.ADMIN))
    target = make_user(Role.USER, first_name="T", last_name="U")
    tokens = login(anon, target.email).json()
    response = admin.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "email": target.email,
            "username": target.username,
            "first_name": "T",
            "last_name": "U",
            "role": Role.USER,
        },  # is_active unticked
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=target.pk).is_active
    User.objects.filter(pk=target.pk).update(is_active=True)  # even if reactivated, the old tokens stay revoked
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401


def test_an_admin_adds_a_user_with_a_role(make_user):
    admin = admin_client(make_user(Role.ADMIN))
    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "email": "Added@Example.com",
            "username": "",
            "role": Role.MANAGER,
            "password1": "Tulip-Harbour-Ninety-7",
            "password2": "Tulip-Harbour-Ninety-7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = User.objects.get(email="added@example.com")
    assert added.role == Role.MANAGER and added.is_staff and added.username is None


def test_invitations_show_delivery_without_any_token(api, invite, make_user, mailoutbox):
    invite(api, email="shown@example.com")
    invitation = Invitation.objects.get()
    manager = admin_client(make_user(Role.MANAGER))
    listing = manager.get("/admin/accounts/invitation/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "shown@example.com" in page and "Sent" in page
    detail = manager.get(f"/admin/accounts/invitation/{invitation.pk}/change/").content.decode()
    token = token_in(mailoutbox[0])
    assert invitation.token_hash not in detail and token not in detail and token not in page


def test_staff_resend_an_invitation_with_a_new_link(anon, api, invite, make_user, mailoutbox, run_tasks):
    invite(api, email="again@example.com", role=Role.USER)
    old_token = token_in(mailoutbox[0])
    manager = admin_client(make_user(Role.MANAGER))
    invitation = Invitation.objects.get()
    with run_tasks():
        response = manager.post(
            "/admin/accounts/invitation/", {"action": "resend", "_selected_action": [invitation.pk]}, follow=True
        )
    assert "1 invitation(s) queued for sending" in response.content.decode()
    assert len(mailoutbox) == 2
    new_token = token_in(mailoutbox[1])
    body = {"username": "again", "password": "Tulip-Harbour-Ninety-7"}
    assert anon.post("/api/v1/auth/register", {"token": old_token, **body}).status_code == 400
    assert anon.post("/api/v1/auth/register", {"token": new_token, **body}).status_code == 201


def test_a_manager_cannot_resend_an_admin_invitation_and_accepted_ones_are_skipped(
    api, invite, make_user, mailoutbox, run_tasks
):
    invite(api, email="chief@example.com", role=Role.ADMIN)
    chief = Invitation.objects.get()
    manager = admin_client(make_user(Role.MANAGER))
    with run_tasks():
        response = manager.post(
            "/admin/accounts/invitation/", {"action": "resend", "_selected_action": [chief.pk]}, follow=True
        )
    assert "above yours" in response.content.decode() and len(mailoutbox) == 1
    Invitation.objects.update(accepted_at=chief.created_at)
    admin = admin_client(make_user(Role.ADMIN))
    with run_tasks():
        response = admin.post(
            "/admin/accounts/invitation/", {"action": "resend", "_selected_action": [chief.pk]}, follow=True
        )
    assert "already been accepted" in response.content.decode() and len(mailoutbox) == 1


def test_a_user_with_neither_role_nor_permission_cannot_resend(api, invite, make_user):
    """Managers resend through their role; a hand-made staff account without it cannot."""
    invite(api)
    user = make_user(Role.USER)
    User.objects.filter(pk=user.pk).update(is_staff=True)  # staff by hand, not by role
    client = admin_client(User.objects.get(pk=user.pk))
    response = client.post(
        "/admin/accounts/invitation/", {"action": "resend", "_selected_action": [Invitation.objects.get().pk]}
    )
    assert response.status_code == 403


def test_createsuperuser_makes_an_admin_also_non_interactively(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Tulip-Harbour-Ninety-7")
    call_command("createsuperuser", interactive=False, verbosity=0)
    root = User.objects.get(email="root@example.com")
    assert root.role == Role.ADMIN and root.is_superuser and root.is_staff
    assert root.check_password("Tulip-Harbour-Ninety-7")
