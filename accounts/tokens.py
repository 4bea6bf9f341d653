"""The tokens of a session: what they carry, how they are issued and how they die (docs/security.md).

Every token carries the user's `token_version` (claim `ver`): a new password or a deactivation raises the
version, so every token issued before is refused at once (accounts/authentication.py checks access
tokens, `refresh_token_rotate` refresh tokens), and the user's refresh tokens are also blacklisted, so
that the token-blacklist's records say what happened. Every refresh token also carries its family
(claim `fam`: the id of the first refresh token of the log-in); rotation passes it on, and the reuse of an
already used refresh token revokes every live token of its family, since one of the two users of that
token is a thief.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone
from jwt import decode as jwt_decode
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

VERSION_CLAIM = "ver"
FAMILY_CLAIM = "fam"


def refresh_token_issue(*, user: User, family: str | None = None) -> RefreshToken:
    """A new refresh token of `user` (recorded as outstanding, so that it can be revoked), in `family`
    or starting its own; its access token carries the same claims."""
    refresh = RefreshToken()
    refresh[jwt_settings.USER_ID_CLAIM] = str(user.pk)
    refresh[VERSION_CLAIM] = user.token_version
    refresh[FAMILY_CLAIM] = family or refresh[jwt_settings.JTI_CLAIM]
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[jwt_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return refresh


def token_version(payload: dict) -> int:
    """The version a token was issued under; tokens from before versions existed count as version 0."""
    return payload.get(VERSION_CLAIM, 0)


def _live(user: User) -> QuerySet[OutstandingToken]:
    return OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)


def _blacklist(tokens: Iterable[OutstandingToken]) -> None:
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True)


def refresh_tokens_revoke_all(*, user: User) -> None:
    """Blacklist every live refresh token of the user (their version is already refused)."""
    _blacklist(_live(user))


def refresh_family_revoke(*, user: User, family: str) -> int:
    """Blacklist every live refresh token of one family of the user. The outstanding rows keep each token's
    text, signed by this server, so their claims are read back without a signature check."""
    members = [
        token
        for token in _live(user).only("id", "token")
        if jwt_decode(token.token, options={"verify_signature": False}).get(FAMILY_CLAIM) == family
    ]
    _blacklist(members)
    return len(members)
