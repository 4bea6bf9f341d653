"""Throttling of log-in, refresh and register: per client IP and per account."""

import hashlib

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend

from accounts.models import token_digest


def client_ip(request: HttpRequest | Request) -> str | None:
    """The client's address: the socket's, or the one the trusted proxies say (REST_FRAMEWORK["NUM_PROXIES"]:
    the address that many entries from the right of X-Forwarded-For, written by the nearest proxy). Without
    proxies configured the header is ignored, since any client can send one. The API's throttles and the
    admin's log-in guard (accounts/admin_login.py) both count by it."""
    return BaseThrottle().get_ident(request)


class AuthThrottle(SimpleRateThrottle):
    """Counts one auth endpoint's requests (the view's `throttle_scope`) per identity.

    The rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope], read at each request (DRF's
    own throttles read it once at import, which settings overrides cannot reach).
    """

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def identity(self, request: Request, view: APIView) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        identity = self.identity(request, view)
        if not identity:
            return None
        digest = hashlib.sha256(str(identity).encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{view.throttle_scope}:{digest}"


class AuthIPThrottle(AuthThrottle):
    scope = "auth_ip"

    def identity(self, request: Request, view: APIView) -> str | None:
        return client_ip(request)


class AuthAccountThrottle(AuthThrottle):
    """Per account, as the view names it from the body (`throttle_account(data)`): the e-mail of a
    log-in, the user of a refresh token, the invitation of a registration."""

    scope = "auth_account"

    def identity(self, request: Request, view: APIView) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        return view.throttle_account(data)


def email_account(email: object) -> str | None:
    return f"email:{email.strip().lower()}" if isinstance(email, str) and email.strip() else None


def refresh_token_account(raw: object) -> str | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        # Verified, so that nobody can spend another user's budget with a forged token.
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        return None
    return f"user:{payload.get(jwt_settings.USER_ID_CLAIM)}"


def invitation_account(token: object) -> str | None:
    return f"invitation:{token_digest(token)}" if isinstance(token, str) and token else None
