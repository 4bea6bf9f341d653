"""Log-in by e-mail, and Django admin permissions that follow the role."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from accounts.models import User
from accounts.permissions import model_permissions_for_role


class RoleBackend(ModelBackend):
    """Django's ModelBackend, plus the model permissions the user's role holds by the roles table.

    Computed from the role rather than stored in a group, so that a role change takes effect at once
    and nothing can drift out of step; Admins are superusers and hold every permission anyway.
    Permissions granted by hand to a user or a group still add up.
    """

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Model | None = None) -> set[str]:
        perms = super().get_all_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return perms
        return perms | model_permissions_for_role(user_obj.role)
