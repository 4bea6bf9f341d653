"""Bearer-token authentication without a database query on most requests (issue 7, docs/accounts.md).

simplejwt's JWTAuthentication reads the whole user row on every request, so that a deactivated user is
refused at once: a query that was half the time of a single-row read. Here each process remembers the
rows it read for `AUTH_USER_CACHE_SECONDS` (default 5): within that time a request is checked against the
remembered row (active, role), then the row is read again. So a deactivation or a role change made
anywhere takes effect everywhere within that many seconds (an access token lives 15 minutes), and at
once in the process that made it (a saved user is forgotten there, also when it is saved again by the
commit). With 0, every request reads the row, as before.

The token's signature is checked once per process: a token that passed is remembered (by its exact text)
until it expires, and its expiry is checked again on every request. An access token is never revoked
before it expires (only refresh tokens are), so this refuses nothing that the full check would accept.
Each request gets its own User instance built from the remembered values, so nothing one request changes
on `request.user` leaks into the next.
"""

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from stocky.kit.models import MAX_ID

# user id (as text, as tokens carry it) -> (monotonic time it expires, the row's column values in FIELDS order)
_rows = {}
_lock = threading.Lock()
FIELDS = tuple(field.attname for field in User._meta.concrete_fields)
# raw token (bytes) -> (its expiry, as a Unix time; the validated token)
_tokens = {}
# Bounded, so that tokens of many users cannot grow a worker's memory for long.
MAX_USERS = 10_000
MAX_TOKENS = 10_000


def forget(user_id=None):
    """Drop the remembered row of one user (or of every user) in this process."""
    with _lock:
        if user_id is None:
            _rows.clear()
            _tokens.clear()
        else:
            _rows.pop(str(user_id), None)


def _remembered(user_id, ttl):
    now = time.monotonic()
    entry = _rows.get(user_id)
    if entry is not None and entry[0] > now:
        return User.from_db("default", FIELDS, entry[1])
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        forget(user_id)
        return None
    with _lock:
        if len(_rows) >= MAX_USERS:
            _rows.clear()
        _rows[user_id] = (now + ttl, tuple(getattr(user, name) for name in FIELDS))
    return user


class CachedJWTAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication with the user's row remembered per process for a few seconds, and each
    access token's signature checked once."""

    def get_validated_token(self, raw_token):
        if settings.AUTH_USER_CACHE_SECONDS <= 0:
            return _checked(super().get_validated_token, raw_token)
        entry = _tokens.get(raw_token)
        if entry is not None and time.time() < entry[0]:
            return entry[1]
        token = _checked(super().get_validated_token, raw_token)  # raises for a bad or expired token, as before
        expires = token.payload.get("exp")
        if isinstance(expires, (int, float)):
            with _lock:
                if len(_tokens) >= MAX_TOKENS:
                    _tokens.clear()
                _tokens[raw_token] = (expires, token)
        return token

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if api_settings.USER_ID_FIELD == "id" and not _is_id(user_id):
            # Only this server signs tokens, and it writes the id's digits; anything else (a leaked key,
            # an operator's tool) names no user, and must not reach the query as a 500 or as `pk=True`.
            raise InvalidToken(_("Token contained no recognizable user identification"))
        ttl = settings.AUTH_USER_CACHE_SECONDS
        if ttl <= 0 or api_settings.USER_ID_FIELD != "id":
            return super().get_user(validated_token)
        user = _remembered(str(user_id), ttl)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        # The same checks as simplejwt's, on the remembered row.
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


def _is_id(value):
    """Whether a token's user id claim can name a user: an integer (or its digits) a BIGINT key can hold."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return type(value) is int and 0 < value <= MAX_ID


def _checked(validate, raw_token):
    """simplejwt's validation, with claims it cannot read refused like any invalid token: an `exp` or `iat`
    beyond the calendar raises OverflowError or ValueError in simplejwt (a 500 before)."""
    try:
        return validate(raw_token)
    except (OverflowError, ValueError, TypeError) as exc:
        raise InvalidToken(_("Given token not valid for any token type")) from exc


@receiver(post_save, sender=User, dispatch_uid="accounts.authentication.forget_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.authentication.forget_deleted")
def _forget_changed_user(sender, instance, **kwargs):
    forget(instance.pk)
    # Again once the change is committed: a request of this process may have read the old row meanwhile.
    transaction.on_commit(lambda: forget(instance.pk))


class CachedJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema's bearer scheme for this class too (drf-spectacular matches the exact class)."""

    target_class = CachedJWTAuthentication
