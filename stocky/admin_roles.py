"""The roles table of SPEC section 0 in the Django admin: Admins and Managers enter; what each may do
there follows the same table as the API, whatever Django model permissions say."""

from accounts.models import STAFF_ROLES, Role


class RoleAdminMixin:
    """ModelAdmin permissions from the caller's role. A model admin narrows them with these sets."""

    view_roles = STAFF_ROLES
    add_roles = STAFF_ROLES
    change_roles = STAFF_ROLES
    delete_roles = frozenset({Role.ADMIN, Role.MANAGER})

    @staticmethod
    def role_in(request, roles):
        user = request.user
        return bool(user.is_active and user.is_authenticated and getattr(user, "role", None) in roles)

    def has_module_permission(self, request):
        return self.role_in(request, self.view_roles)

    def has_view_permission(self, request, obj=None):
        return self.role_in(request, self.view_roles)

    def has_add_permission(self, request):
        return self.role_in(request, self.add_roles)

    def has_change_permission(self, request, obj=None):
        return self.role_in(request, self.change_roles)

    def has_delete_permission(self, request, obj=None):
        return self.role_in(request, self.delete_roles)
