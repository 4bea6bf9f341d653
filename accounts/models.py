from django.contrib.auth.models import AbstractUser, UserManager as DjangoUserManager
from django.db import models


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


# Roles that may sign in to the Django admin (SPEC section 0).
STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class UserManager(DjangoUserManager):
    """E-mail is the log-in; a superuser is always an Admin."""

    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(username=username or None, email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, username=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, email, password=None, username=None, **extra_fields):
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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username or self.email

    def save(self, *args, **kwargs):
        # Admin rights follow the role, so changing a role anywhere keeps the Django admin in step.
        self.is_staff = self.role in STAFF_ROLES
        if self.email:
            self.email = self.email.lower()
        super().save(*args, **kwargs)

    @property
    def role_rank(self) -> int:
        return Role(self.role).rank

    def outranks(self, other: "User") -> bool:
        return self.role_rank > other.role_rank
