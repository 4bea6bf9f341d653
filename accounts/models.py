import hashlib

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """The four roles of SPEC section 0, highest first."""

    ADMIN = "Admin", "Admin"
    MANAGER = "Manager", "Manager"
    USER = "User", "User"
    READONLY = "ReadonlyUser", "Read-only user"

    @property
    def rank(self) -> int:
        # Higher outranks lower; comparisons between roles go through this number only.
        return {"Admin": 4, "Manager": 3, "User": 2, "ReadonlyUser": 1}[self.value]

    @classmethod
    def at_or_below(cls, role: str) -> list[str]:
        """The roles a holder of `role` may see and grant: their own and every lower one."""
        rank = cls(role).rank
        return [member.value for member in cls if member.rank <= rank]


# Roles that may sign in to the Django admin (SPEC section 0).
STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class UserManager(DjangoUserManager):
    """E-mail is the log-in; a superuser is always an Admin."""

    use_in_migrations = True

    def _create_user(self, username: str | None, email: str, password: str | None, **extra_fields: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(username=username or None, email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, username: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, username: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields["role"] = Role.ADMIN
        extra_fields["is_superuser"] = True
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    # Invited accounts exist before their owner picks a username, hence nullable (NULLs never collide).
    username = models.CharField(
        max_length=150,
        unique=True,
        null=True,
        blank=True,
        validators=[AbstractUser.username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField("e-mail address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READONLY, db_index=True)
    # Every token carries the version it was issued under; a new password or a deactivation raises it, and
    # tokens of an older version are refused (accounts/authentication.py, docs/security.md).
    token_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username or self.email

    def set_password(self, raw_password: str | None) -> None:
        """A new password: saving it ends every session of the account (its tokens die, its refresh tokens
        are revoked), whoever sets it: the admin, `manage.py changepassword`, registration."""
        super().set_password(raw_password)
        self._password_replaced = True

    def check_password(self, raw_password: str) -> bool:
        # Django re-hashes a correct password when the hasher's settings grow stronger: the same password,
        # so no session ends (only the hash is saved, as Django does).
        def rehash(raw: str) -> None:
            AbstractUser.set_password(self, raw)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, rehash)

    def save(self, *args: object, **kwargs: object) -> None:
        # Admin rights follow the role, so changing a role anywhere keeps the Django admin in step:
        # Admins and Managers enter the admin, only Admins are superusers (a demoted Admin loses it).
        self.is_staff = self.role in STAFF_ROLES
        self.is_superuser = self.role == Role.ADMIN
        if self.email:
            self.email = self.email.lower()
        ends_sessions = getattr(self, "_password_replaced", False) and self.pk is not None
        if ends_sessions:
            self.token_version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "token_version"}
        super().save(*args, **kwargs)
        self._password_replaced = False
        if ends_sessions:
            # Imported here: tokens loads simplejwt's blacklist models, which cannot be imported while this
            # module's models are still being defined (app loading).
            from accounts.tokens import refresh_tokens_revoke_all

            refresh_tokens_revoke_all(user=self)

    @property
    def role_rank(self) -> int:
        return Role(self.role).rank

    def outranks(self, other: "User") -> bool:
        return self.role_rank > other.role_rank


def token_digest(token: str) -> str:
    """What is stored of an invitation token: its SHA-256 (the token itself is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """The invitation of a draft account: its current token (as a hash) and how its e-mail fared.

    One per invited account; inviting the same pending e-mail again (or resending) starts a new
    `send_round`, which replaces the token and makes any e-mail still queued for an older round moot.
    """

    class Delivery(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"  # an attempt in progress (services.invitation_deliver)
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # The Django admin: Managers see invitations and resend them (never their tokens, which are not kept).
    ROLE_PERMISSIONS = {"view": STAFF_ROLES, "resend": STAFF_ROLES}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    send_round = models.PositiveIntegerField(default=1, editable=False)
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Send attempts in the current round")
    # When the last attempt began: one still "sending" INVITATION_SENDING_STALE_MINUTES later lost its worker.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("resend_invitation", "Can resend an invitation e-mail")]

    def __str__(self) -> str:
        return f"Invitation of {self.user.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
