"""Bearer-token authentication that every web process answers alike (issue 7, issue 15, docs/accounts.md).

simplejwt's JWTAuthentication reads the whole user row on every request. Here the row (all but the password
hash) is kept in the shared cache (`CACHES["default"]`: a database table by default) for
`AUTH_USER_CACHE_SECONDS`, and every saved or deleted user is written there again once the change commits.
So a deactivation, a role change or a new password applies at once on every worker; the time-to-live only
bounds changes made past the ORM's save (a plain UPDATE, a restored backup). With 0, every request reads the
row, as plain simplejwt does.

Every token carries the user's token version (accounts/tokens.py); a token of an older version is refused.

The token's signature is checked once per process, and that memory is right per process: a token that
passed is remembered (by its exact text) until it expires, its expiry is checked again on every request,
and whether it is still valid for its user (active, version) is decided by the row on every request. Each
request gets its own User instance built from the cached values, so nothing one request changes on
`request.user` leaks into the next.

For the read cache's fast path (stocky.kit.readcache.FastPath), `cached_caller` names the caller of a request
without a query: a token this process checked before and the user's row this process read before, together
with the version of the user table it was read under (stocky.kit.versions). The fast path reads that version
in the same query as its answer's tables: the row is used only if no write to the user table committed since
it was read (any writer: the ORM, a plain UPDATE, another node), and the same rules as below then apply to it.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts import tokens
from accounts.models import User
from stocky.kit import versions
from stocky.kit.models import MAX_ID

# Cached: every column but the password hash, which no request needs (a save() of request.user leaves the
# password alone: Django saves only the loaded fields of a partly loaded row).
FIELDS = tuple(field.attname for field in User._meta.concrete_fields if field.attname != "password")
# What the cache holds for an id that names no user (None would read as a miss).
NO_USER = "-"
# raw token (bytes) -> (its expiry, as a Unix time; the validated token): per process
_tokens = {}
_lock = threading.Lock()
# Bounded, so that tokens of many users cannot grow a worker's memory for long.
MAX_TOKENS = 10_000
# user id (str) -> (the user table's version read before the row, the row's FIELDS): per process, for the
# read cache's fast path only (cached_caller); as many entries as tokens at most.
_users = {}
USER_TABLE = User._meta.db_table


def _key(user_id: int | str) -> str:
    return f"auth:user:{user_id}"


def _row(user_id: int | str) -> tuple | str:
    values = User.objects.filter(pk=user_id).values_list(*FIELDS).first()
    return NO_USER if values is None else values


def _remembered(user_id: str, ttl: int) -> User | None:
    values = cache.get(_key(user_id))
    if values is None:
        values = _row(user_id)
        # add, not set: should a change commit between our read and this line, its fresh row (written on
        # commit, below) stays, and ours is dropped.
        cache.add(_key(user_id), values, ttl)
    if values == NO_USER:
        return None
    return User.from_db("default", FIELDS, values)


def forget(user_id: int | str | None = None) -> None:
    """Drop the shared cache's row of one user, and this process's checked tokens (all of them: None)."""
    if user_id is None:
        with _lock:
            _tokens.clear()
            _users.clear()
    else:
        _users.pop(str(user_id), None)
        cache.delete(_key(user_id))


def refresh(user_id: int | str) -> None:
    """Write the user's committed row to the shared cache (after a change commits)."""
    if settings.AUTH_USER_CACHE_SECONDS > 0:
        cache.set(_key(user_id), _row(user_id), settings.AUTH_USER_CACHE_SECONDS)
    else:
        cache.delete(_key(user_id))


class CachedJWTAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication with the user's row in the shared cache, each access token's signature
    checked once per process, and tokens of an older token version refused."""

    def get_validated_token(self, raw_token: bytes) -> Token:
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

    def cached_caller(self, request: HttpRequest) -> "CachedCaller | None":
        """(user, token) of `request` from this process's memory, or None: see the module's docstring."""
        return _cached_caller(self, request)

    def get_user(self, validated_token: Token) -> User:
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if api_settings.USER_ID_FIELD == "id" and not _is_id(user_id):
            # Only this server signs tokens, and it writes the id's digits; anything else (a leaked key,
            # an operator's tool) names no user, and must not reach the query as a 500 or as `pk=True`.
            raise InvalidToken(_("Token contained no recognizable user identification"))
        ttl = settings.AUTH_USER_CACHE_SECONDS
        if ttl <= 0 or api_settings.USER_ID_FIELD != "id":
            user = super().get_user(validated_token)
        else:
            user = _remembered(str(user_id), ttl)
            if user is None:
                raise AuthenticationFailed(_("User not found"), code="user_not_found")
        refusal = _refusal(user, validated_token)
        if refusal is not None:
            raise refusal
        return user


class CachedCaller:
    """A caller named without a query: current only if the user table still has `versions`' version."""

    __slots__ = ("user", "token", "versions", "_user_id")

    def __init__(self, user: User, token: Token, user_id: str, version: int) -> None:
        self.user, self.token, self._user_id = user, token, user_id
        self.versions = {USER_TABLE: version}

    def current(self, stamps: dict[str, int]) -> bool:
        """Whether the versions read now (`stamps`, the fast path's query) still vouch for the user's row."""
        if stamps.get(USER_TABLE) == self.versions[USER_TABLE]:
            return True
        _users.pop(self._user_id, None)  # changed since: the next fast read reads it again
        return False


def _cached_caller(authenticator: JWTAuthentication, request: HttpRequest) -> CachedCaller | None:
    if settings.AUTH_USER_CACHE_SECONDS <= 0 or api_settings.USER_ID_FIELD != "id":
        return None  # no checked tokens are kept: every request is authenticated in full
    header = authenticator.get_header(request)
    if header is None:
        return None
    try:
        raw_token = authenticator.get_raw_token(header)
    except AuthenticationFailed:
        return None  # a malformed header: DRF refuses it
    entry = _tokens.get(raw_token) if raw_token is not None else None
    if entry is None or time.time() >= entry[0]:
        return None  # never checked here, or expired: DRF checks it (and refuses an expired one)
    token = entry[1]
    user_id = token.get(api_settings.USER_ID_CLAIM)
    if not _is_id(user_id):
        return None
    user_id = str(user_id)
    known = _users.get(user_id)
    user = None if known is None else User.from_db("default", FIELDS, known[1])
    if user is not None and _refusal(user, token) is not None:
        # Before sending a refusal the full way: has the row changed since (reactivated, new tokens)?
        if versions.read([USER_TABLE]).get(USER_TABLE) != known[0]:
            known = None
    if known is None:
        # The version first, then the row: the row is at least as new as the version it is kept under, so a
        # write committed in between only makes the next check miss (stocky.kit.readcache's argument).
        version = versions.read([USER_TABLE]).get(USER_TABLE)
        values = _row(user_id)
        if version is None or values == NO_USER:
            return None
        with _lock:
            if len(_users) >= MAX_TOKENS:
                _users.clear()
            _users[user_id] = known = (version, values)
        user = User.from_db("default", FIELDS, values)
    if _refusal(user, token) is not None:
        return None  # DRF refuses it, in full
    return CachedCaller(user, token, user_id, known[0])


def _refusal(user: User, token: Token) -> AuthenticationFailed | None:
    """Why `token` no longer authenticates `user`, or None: get_user's rules, which the fast path applies too.
    The active check is simplejwt's (the same message and code), repeated for a row from a cache."""
    if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        return AuthenticationFailed(_("User is inactive"), code="user_inactive")
    if tokens.token_version(token) != user.token_version:
        # Issued before the user's password changed or the account was deactivated.
        return AuthenticationFailed(_("The token has been revoked"), code="token_revoked")
    return None


def _is_id(value: object) -> bool:
    """Whether a token's user id claim can name a user: an integer (or its digits) a BIGINT key can hold."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return type(value) is int and 0 < value <= MAX_ID


def _checked(validate: Callable[[bytes], Token], raw_token: bytes) -> Token:
    """simplejwt's validation, with claims it cannot read refused like any invalid token: an `exp` or `iat`
    beyond the calendar raises OverflowError or ValueError in simplejwt (a 500 before)."""
    try:
        return validate(raw_token)
    except (OverflowError, ValueError, TypeError) as exc:
        raise InvalidToken(_("Given token not valid for any token type")) from exc


@receiver(post_save, sender=User, dispatch_uid="accounts.authentication.forget_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.authentication.forget_deleted")
def _forget_changed_user(sender: type[User], instance: User, **kwargs: object) -> None:
    if settings.AUTH_USER_CACHE_SECONDS <= 0:
        return
    user_id = instance.pk
    forget(user_id)
    # Once the change is committed, its row goes to the cache for every worker: a request may have read the
    # old row and cached it meanwhile (its `add` loses to this `set` if it comes later).
    transaction.on_commit(lambda: refresh(user_id))


class CachedJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema's bearer scheme for this class too (drf-spectacular matches the exact class)."""

    target_class = CachedJWTAuthentication
