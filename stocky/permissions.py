"""Who may do what: the roles table of SPEC section 0."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role

WRITE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.USER})
DELETE_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class RolePermission(BasePermission):
    """The roles table of SPEC section 0, in one place.

    Everyone signed in reads; Admin, Manager and User write; Admin and Manager delete. A view narrows
    a method with `role_overrides = {"DELETE": {Role.ADMIN}}` (hub orders) or per action with
    `action_roles = {"approve": {...}}`.
    """

    message = "Your role does not allow this action"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        allowed = self.allowed_roles(request, view)
        return allowed is None or user.role in allowed

    @staticmethod
    def allowed_roles(request, view):
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
