"""Who may do what: the roles table of SPEC section 0."""

from collections.abc import Collection
from functools import cache
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth import get_permission_codename
from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import STAFF_ROLES, Role, User

if TYPE_CHECKING:  # rest_framework.views imports this module (its DEFAULT_*_CLASSES setting)
    from rest_framework.views import APIView

ALL_ROLES = frozenset(Role)
WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.USER})
DELETE_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
# Inviting a user (at most one's own role).
INVITE_ROLES = STAFF_ROLES
# Managing users (read, update, deactivate): ReadonlyUser manages no one.
USER_MANAGER_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.USER})


class RolePermission(BasePermission):
    """The roles table of SPEC section 0, in one place.

    Everyone signed in reads; Admin, Manager and User write; Admin and Manager delete. A view narrows
    a method with `role_overrides = {"DELETE": {Role.ADMIN}}` (hub orders) or per action with
    `action_roles = {"approve": {...}}`.
    """

    message = "Your role does not allow this action"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        allowed = self.allowed_roles(request, view)
        return allowed is None or user.role in allowed

    @staticmethod
    def allowed_roles(request: Request, view: "APIView") -> Collection[str] | None:
        action_roles = getattr(view, "action_roles", None) or {}
        action = getattr(view, "action", None)
        if action in action_roles:
            return action_roles[action]
        overrides = getattr(view, "role_overrides", None) or {}
        if request.method in overrides:
            return overrides[request.method]
        if request.method in SAFE_METHODS:
            return None
        if request.method == "DELETE":
            return DELETE_ROLES
        return WRITE_ROLES


# --- Users (SPEC section B "Users") ----------------------------------------------------------------


def can_see_user(actor: User, target: User) -> bool:
    """A caller sees peers and inferiors (so an Admin sees everyone)."""
    return actor.role_rank >= target.role_rank


def can_manage_user(actor: User, target: User) -> bool:
    """Updates and deactivations reach strictly inferior users only."""
    return actor.role in USER_MANAGER_ROLES and actor.role_rank > target.role_rank


def can_grant_role(actor: User, role: str) -> bool:
    """Nobody invites or promotes anyone above their own role."""
    return role in Role.values and Role(role).rank <= actor.role_rank


class UserManagementPermission(RolePermission):
    """The users API: ReadonlyUser manages no one; reads reach peers and inferiors, writes strictly
    inferior users. (Which role a write may grant depends on the body; the service checks it.)"""

    message = "Your role does not allow you to manage this user"

    @staticmethod
    def allowed_roles(request: Request, view: "APIView") -> Collection[str] | None:
        return USER_MANAGER_ROLES

    def has_object_permission(self, request: Request, view: "APIView", obj: User) -> bool:
        # Instances live for one request, so the message can name what was refused.
        if request.method in SAFE_METHODS:
            self.message = "You cannot see a user above your role"
            return can_see_user(request.user, obj)
        self.message = "You can only change or deactivate users below your role"
        return can_manage_user(request.user, obj)


# --- The Django admin ------------------------------------------------------------------------------

# The apps whose models are business records: in the admin, their model permissions follow the table
# above (view = read, add/change = write, delete = delete). Models elsewhere (users, groups, the task
# queue, the token blacklist) are for superusers, that is Admins, unless they declare otherwise.
BUSINESS_APPS = frozenset({"inventory", "orders", "production"})
ADMIN_ACTION_ROLES = {"view": ALL_ROLES, "add": WRITE_ROLES, "change": WRITE_ROLES, "delete": DELETE_ROLES}


def roles_for_model_action(model: type[Model], action: str) -> frozenset[str]:
    """Which roles hold `<action>_<model>` in the Django admin.

    A model narrows or widens an action with `ROLE_PERMISSIONS = {"delete": {Role.ADMIN}}` (hub orders),
    the admin's counterpart of a view's `role_overrides`.
    """
    declared = getattr(model, "ROLE_PERMISSIONS", None) or {}
    if action in declared:
        return frozenset(declared[action])
    if model._meta.app_label in BUSINESS_APPS:
        return ADMIN_ACTION_ROLES.get(action, frozenset())
    return frozenset()


@cache
def model_permissions_for_role(role: str) -> frozenset[str]:
    """Every "app_label.codename" the role holds in the Django admin (see accounts.backends)."""
    perms = set()
    for model in apps.get_models():
        opts = model._meta
        actions = set(opts.default_permissions) | set(getattr(model, "ROLE_PERMISSIONS", None) or {})
        for action in actions:
            if role in roles_for_model_action(model, action):
                perms.add(f"{opts.app_label}.{get_permission_codename(action, opts)}")
    return frozenset(perms)
