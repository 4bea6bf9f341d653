"""Users and invitations in the Django admin.

Who may do what here follows the roles: only Admins and Managers enter (is_staff follows the role),
Admins are superusers, and Managers hold the model permissions of accounts.backends.RoleBackend:
business records, and invitations to view and resend. Users themselves are managed by Admins only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.db import transaction
from django.template.defaultfilters import truncatechars
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import Invitation, User
from stocky.kit.admin_mixins import ViewOnlyAdmin
from stocky.kit.errors import DomainError


class UsernameOrNoneMixin:
    def clean_username(self):
        # No username is NULL, not "": drafts have none, and two empty strings would collide.
        username = self.cleaned_data.get("username") or None
        if username and User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"The username '{username}' is already taken")
        return username


class UserCreationForm(UsernameOrNoneMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "username", "role")


class UserEditForm(UsernameOrNoneMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "username", "first_name", "last_name", "role", "is_active", "last_login", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email", "username", "first_name", "last_name")
    ordering = ("email",)
    # is_staff and is_superuser follow the role (User.save), so they are shown, not edited.
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined", "invitation_summary")
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Role and access",
            {"fields": ("role", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "invitation_summary")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "username", "role", "password1", "password2")}),)

    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        # Users are deactivated, never deleted: the ledger, orders and runs keep naming who made them
        # (docs/accounts.md). The action below, or unticking "active", does what DELETE /users/<id> does.
        return False

    @admin.action(description="Deactivate the selected users (they can no longer log in)", permissions=["change"])
    def deactivate(self, request, queryset):
        done = 0
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)
                continue
            services.user_deactivate(user=user)
            done += 1
        if done:
            self.message_user(request, f"{done} user(s) deactivated; their sessions have ended.", messages.SUCCESS)

    @admin.display(description="invitation")
    def invitation_summary(self, user):
        invitation = getattr(user, "invitation", None)
        if invitation is None:
            return "-"
        return f"{invitation.status}, e-mail {invitation.get_delivery_status_display().lower()}"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Deactivating here is the same act as DELETE /users/<id>: refresh tokens are revoked too.
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(user=obj)


class TokenAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Who holds a session and until when, for Admins; never the token itself, which would let its reader
    act as its owner. Read-only, like simplejwt's own pages that these replace."""

    list_display = ("jti", "user", "created_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "jti")
    ordering = ("-created_at",)
    fields = ("jti", "user", "created_at", "expires_at")
    readonly_fields = fields
    actions = None


class RevokedTokenAdmin(TokenAdmin):
    list_display = ("token_jti", "token_user", "token_expires_at", "blacklisted_at")
    list_select_related = ("token__user",)
    search_fields = ("token__user__email", "token__jti")
    ordering = ("-blacklisted_at",)
    fields = ("token_jti", "token_user", "token_expires_at", "blacklisted_at")
    readonly_fields = fields

    @admin.display(description="jti", ordering="token__jti")
    def token_jti(self, revoked):
        return revoked.token.jti

    @admin.display(description="user", ordering="token__user")
    def token_user(self, revoked):
        return revoked.token.user

    @admin.display(description="expires at", ordering="token__expires_at")
    def token_expires_at(self, revoked):
        return revoked.token.expires_at


for model, model_admin in ((OutstandingToken, TokenAdmin), (BlacklistedToken, RevokedTokenAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "role",
        "status",
        "delivery_status",
        "attempts",
        "expires_at",
        "sent_at",
        "short_error",
        "invited_by",
        "created_at",
    )
    list_filter = ("delivery_status", "user__role")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user", "invited_by")
    # The token itself is never stored; its hash is not shown either.
    fields = (
        "user",
        "invited_by",
        "status",
        "delivery_status",
        "attempts",
        "last_attempt_at",
        "sent_at",
        "last_error",
        "expires_at",
        "accepted_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["resend"]

    def has_add_permission(self, request):
        return False  # invitations are made through POST /api/v1/auth/invite

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A draft without its invitation could never register; users are never deleted (a draft stays inactive
        # and its link expires).
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("accounts.resend_invitation")

    # Where staff look when an e-mail seems stuck: one whose worker was killed is sent again before it is shown.
    def changelist_view(self, request, extra_context=None):
        services.invitation_deliveries_recover()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        services.invitation_deliveries_recover()
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, invitation):
        return invitation.user.email

    @admin.display(description="role", ordering="user__role")
    def role(self, invitation):
        return invitation.user.role

    @admin.display(description="status")
    def status(self, invitation):
        return invitation.status

    @admin.display(description="last error")
    def short_error(self, invitation):
        return truncatechars(invitation.last_error, 80)

    @admin.action(description="Resend the invitation e-mail (new link)", permissions=["resend"])
    def resend(self, request, queryset):
        resent = 0
        for invitation in queryset.select_related("user"):
            try:
                services.invitation_resend(invitation=invitation, by=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                resent += 1
        if resent:
            self.message_user(request, f"{resent} invitation(s) queued for sending.", messages.SUCCESS)
