"""The admin's log-in guard: django-axes, on the admin's log-in form only (docs/security.md "Admin log-in").

Failed log-ins at /admin/login/ are counted per client address and per account in the database (so every
web worker counts the same failures); past ADMIN_LOGIN_FAILURE_LIMIT, that address or account is refused
with a 429 for ADMIN_LOGIN_COOLOFF_MINUTES, right password or not. `manage.py axes_reset_username <e-mail>`
(or `axes_reset_ip <address>`, `axes_reset`) lifts a lock at once. The API's log-in is not counted here:
it has its own throttles (accounts/throttles.py), and an API client must not lock an Admin out of the admin.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.http import HttpRequest

from accounts.models import User


def _counted(handler: AxesDatabaseHandler, request: HttpRequest | None) -> bool:
    return request is not None and handler.is_admin_request(request)


class AdminLoginBackend(AxesStandaloneBackend):
    """django-axes' backend, refusing a locked-out client at the admin's log-in. Authentication without a
    request (Django's test client, a command) is not a log-in form, so nothing is checked."""

    def authenticate(
        self,
        request: HttpRequest | None = None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AdminLoginHandler(AxesDatabaseHandler):
    """django-axes' database handler, counting the admin's log-ins only."""

    def user_login_failed(
        self, sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
    ) -> None:
        if _counted(self, request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: object, request: HttpRequest, user: User, **kwargs: object) -> None:
        if _counted(self, request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: object, request: HttpRequest, user: User | None, **kwargs: object) -> None:
        if _counted(self, request):
            super().user_logged_out(sender, request, user, **kwargs)


def username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account a log-in names, as the log-in finds it: e-mail addresses are kept in lower case, so
    `Admin@…` and `admin@…` count as one account."""
    value = (credentials or {}).get("username") or ""
    return value.strip().lower() if isinstance(value, str) else ""
