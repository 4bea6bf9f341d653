"""Accounts: tokens, invitations, registration and user management.

The API views, the admin and the commands call these functions; every rule lives here once.
"""

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import RefreshToken

# tasks imports this module too; each uses the other only when called, so the cycle is harmless.
from accounts import tasks, tokens
from accounts.models import Invitation, Role, User, token_digest
from accounts.permissions import can_grant_role, can_manage_user
from stocky.kit.errors import AuthenticationFailed, Forbidden, InvalidInput

logger = logging.getLogger("stocky.accounts")

INVALID_INVITATION_TOKEN = "The invitation token is not valid"
INVALID_REFRESH_TOKEN = "The refresh token is not valid"
# Kept in the invitation for the admin; a mail server's error can be long.
LAST_ERROR_MAX_CHARS = 1000


def invalid_role(role: str) -> InvalidInput:
    message = f"The role '{role}' is not valid"
    return InvalidInput(message, errors={"role": [message]})


# --- Tokens ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _token_pair(user: User, family: str | None = None) -> TokenPair:
    refresh = tokens.refresh_token_issue(user=user, family=family)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def user_authenticate(*, email: str, password: str, request: HttpRequest | None = None) -> User:
    """The active account with this e-mail and password. Drafts (invited, not registered) and
    deactivated accounts are refused like a wrong password, so that the answer reveals nothing."""
    user = authenticate(request, email=User.objects.normalize_email(email).lower(), password=password)
    if user is None:
        raise AuthenticationFailed("Invalid e-mail or password")
    return user


@transaction.atomic
def token_pair_issue(*, user: User) -> TokenPair:
    """A fresh access and refresh token for a user who has just proved who they are."""
    pair = _token_pair(user)
    update_last_login(None, user)
    return pair


def _refresh_payload(raw: str) -> dict:
    """The claims of a refresh token this server signed and that has not expired (blacklisted or not)."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        raise AuthenticationFailed(INVALID_REFRESH_TOKEN) from None
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh" or jwt_settings.JTI_CLAIM not in payload:
        raise AuthenticationFailed(INVALID_REFRESH_TOKEN)
    return payload


def refresh_token_rotate(*, raw: str) -> TokenPair:
    """Trade a refresh token for a new pair of the same family; the used one is revoked.

    The token's outstanding row is locked before the blacklist is checked, so that two requests racing
    with the same refresh token cannot both succeed. A token used already (rotated or logged out) is
    refused and revokes its whole family: whoever holds its successor may be a thief, or the thief may be
    the one asking. That revocation is committed although the request is refused.
    """
    payload = _refresh_payload(raw)
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=payload[jwt_settings.JTI_CLAIM]).first()
        if outstanding is None:
            raise AuthenticationFailed(INVALID_REFRESH_TOKEN)
        reused = BlacklistedToken.objects.filter(token=outstanding).exists()
        if reused:
            if outstanding.user_id is not None and tokens.FAMILY_CLAIM in payload:
                tokens.refresh_family_revoke(user=outstanding.user, family=payload[tokens.FAMILY_CLAIM])
        else:
            user = User.objects.filter(pk=payload.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
            if user is None:
                raise AuthenticationFailed("The account is not active")
            if tokens.token_version(payload) != user.token_version:
                # Issued before the password changed: already revoked with the others.
                raise AuthenticationFailed(INVALID_REFRESH_TOKEN)
            BlacklistedToken.objects.create(token=outstanding)
            return _token_pair(user, family=payload.get(tokens.FAMILY_CLAIM))
    raise AuthenticationFailed(INVALID_REFRESH_TOKEN)


@transaction.atomic
def refresh_token_revoke(*, raw: str, user: User) -> None:
    """Log-out: revoke one of the caller's refresh tokens."""
    try:
        refresh = RefreshToken(raw)
    except TokenError:
        raise InvalidInput(INVALID_REFRESH_TOKEN, errors={"refreshToken": [INVALID_REFRESH_TOKEN]}) from None
    if str(refresh.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidInput(INVALID_REFRESH_TOKEN, errors={"refreshToken": [INVALID_REFRESH_TOKEN]})
    refresh.blacklist()


# --- Invitations -----------------------------------------------------------------------------------


def _start_round(invitation: Invitation) -> None:
    """A new send round: the previous token dies now, a new one goes out with the next e-mail."""
    invitation.send_round += 1
    invitation.token_hash = None
    invitation.expires_at = timezone.now() + timedelta(hours=settings.INVITATION_TTL_HOURS)
    invitation.delivery_status = Invitation.Delivery.QUEUED
    invitation.attempts = 0
    invitation.last_error = ""
    invitation.sent_at = None


def _enqueue_delivery(invitation: Invitation) -> None:
    _enqueue_send(invitation.pk, invitation.send_round)


def _enqueue_send(invitation_id: int, send_round: int) -> None:
    # After commit: the task must see the invitation, and a rolled-back invite must send nothing.
    # robust: a queue that cannot take the task leaves the invitation "queued" for a resend from the
    # admin rather than turning an invitation that exists into an error.
    transaction.on_commit(
        lambda: tasks.send_invitation_email.enqueue(invitation_id=invitation_id, send_round=send_round), robust=True
    )


@transaction.atomic
def invitation_create(*, inviter: User, email: str, first_name: str, last_name: str, role: str) -> Invitation:
    """Invite someone: a draft account (inactive, no usable password) and an invitation e-mail.

    Inviting the e-mail of a pending invitation again updates the draft and replaces its token.
    """
    if role not in Role.values or not can_grant_role(inviter, role):
        raise invalid_role(role)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.select_for_update().filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name, role=role, is_active=False)
        user.set_unusable_password()
        user.save()
        invitation = Invitation(user=user, invited_by=inviter, send_round=0)
    else:
        invitation = Invitation.objects.select_for_update().filter(user=user, accepted_at__isnull=True).first()
        if user.is_active:
            raise InvalidInput(
                f"A user with the e-mail '{email}' already exists",
                errors={"email": [f"A user with the e-mail '{email}' already exists"]},
            )
        if invitation is None:
            message = f"The account with the e-mail '{email}' is deactivated; an Admin can reactivate it"
            raise InvalidInput(message, errors={"email": [message]})
        if not can_grant_role(inviter, user.role):
            message = f"'{email}' has a pending invitation as {user.role}, above your role"
            raise InvalidInput(message, errors={"email": [message]})
        user.first_name, user.last_name, user.role = first_name, last_name, role
        user.save()
        invitation.invited_by = inviter
    _start_round(invitation)
    invitation.save()
    _enqueue_delivery(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send a pending invitation again with a new token (the admin's "resend" action)."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvalidInput(f"The invitation of {invitation.user.email} has already been accepted")
    if not can_grant_role(by, invitation.user.role):
        raise Forbidden(f"The invitation of {invitation.user.email} is for a role above yours")
    _start_round(invitation)
    invitation.save()
    _enqueue_delivery(invitation)
    return invitation


def registration_link(token: str) -> str:
    return f"{settings.FRONTEND_URL}/register?{urlencode({'token': token})}"


def _invitation_message(invitation: Invitation, token: str) -> EmailMultiAlternatives:
    user = invitation.user
    context = {
        "user": user,
        "inviter": invitation.invited_by,
        "role": user.get_role_display(),
        "link": registration_link(token),
        "expires_at": invitation.expires_at,
        "ttl_hours": settings.INVITATION_TTL_HOURS,
    }
    subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("accounts/email/invitation.txt", context), to=[user.email]
    )
    message.attach_alternative(render_to_string("accounts/email/invitation.html", context), "text/html")
    return message


def retry_delay(attempt: int, base: float) -> float:
    """Exponential backoff: base, 2 base, 4 base, ... before retry 1, 2, 3, ..."""
    return base * 2 ** (attempt - 1)


def invitation_deliver(*, invitation_id: int, send_round: int) -> str:
    """Send the invitation e-mail of one round (the background task's body); returns what happened.

    Each attempt issues a fresh token, stores its hash and records the attempt before talking to the
    mail server, outside any transaction, so that a slow server holds no lock. A failure is retried
    up to INVITATION_EMAIL_MAX_RETRIES times with exponential backoff: as a deferred task where the
    task backend supports it (database), otherwise in-process (immediate). Does nothing when the
    invitation was accepted or a newer round has started meanwhile.
    """
    while True:
        token = secrets.token_urlsafe(32)  # 256 random bits; only its hash is stored
        now = timezone.now()
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update()
                .select_related("user", "invited_by")
                .filter(pk=invitation_id, send_round=send_round, accepted_at__isnull=True)
                .first()
            )
            if invitation is None:
                return "skipped"
            invitation.token_hash = token_digest(token)
            invitation.expires_at = now + timedelta(hours=settings.INVITATION_TTL_HOURS)
            invitation.attempts += 1
            invitation.last_attempt_at = now
            # "sending" until the mail server has answered: still so much later, the worker was killed meanwhile
            # (invitation_deliveries_recover).
            invitation.delivery_status = Invitation.Delivery.SENDING
            invitation.save(
                update_fields=[
                    "token_hash",
                    "expires_at",
                    "attempts",
                    "last_attempt_at",
                    "delivery_status",
                    "updated_at",
                ]
            )
        try:
            _invitation_message(invitation, token).send()
        except Exception as exc:  # whatever the mail backend raises: refused, unreachable, timed out
            error = f"{type(exc).__name__}: {exc}"[:LAST_ERROR_MAX_CHARS]
            gives_up = invitation.attempts > settings.INVITATION_EMAIL_MAX_RETRIES
            status_ = Invitation.Delivery.FAILED if gives_up else Invitation.Delivery.RETRYING
            Invitation.objects.filter(pk=invitation_id, send_round=send_round).update(
                delivery_status=status_, last_error=error, updated_at=timezone.now()
            )
            if gives_up:
                logger.error("Invitation e-mail to %s failed for good: %s", invitation.user.email, error)
                return "failed"
            logger.warning(
                "Invitation e-mail to %s failed (attempt %s): %s", invitation.user.email, invitation.attempts, error
            )
            if tasks.send_invitation_email.get_backend().supports_defer:
                delay = retry_delay(invitation.attempts, settings.INVITATION_EMAIL_RETRY_BACKOFF_SECONDS)
                tasks.send_invitation_email.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    invitation_id=invitation_id, send_round=send_round
                )
                return "retry scheduled"
            time.sleep(retry_delay(invitation.attempts, settings.INVITATION_EMAIL_INLINE_BACKOFF_SECONDS))
            continue
        Invitation.objects.filter(pk=invitation_id, send_round=send_round).update(
            delivery_status=Invitation.Delivery.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
        )
        return "sent"


INTERRUPTED_SENDING = "Interrupted: the worker stopped while sending (a restart, or out of memory)"


def invitation_deliveries_recover() -> int:
    """Send again the invitations whose worker was killed during an attempt; returns how many.

    Such an invitation stays "sending" (invitation_deliver never came back to record how the attempt went);
    INVITATION_SENDING_STALE_MINUTES after its attempt began, the attempt counts as failed: the e-mail is
    queued again in the same round (a fresh link; one that did get out is replaced), or, past
    INVITATION_EMAIL_MAX_RETRIES attempts, the invitation is marked failed, for a resend from the admin.
    Each is taken over by one conditional UPDATE, so two callers at once queue it once.
    """
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.INVITATION_SENDING_STALE_MINUTES)
    stale = Invitation.objects.filter(
        delivery_status=Invitation.Delivery.SENDING, last_attempt_at__lt=cutoff, accepted_at__isnull=True
    )
    recovered = 0
    for invitation_id, send_round, attempts in stale.values_list("pk", "send_round", "attempts"):
        gives_up = attempts > settings.INVITATION_EMAIL_MAX_RETRIES
        with transaction.atomic():
            taken = stale.filter(pk=invitation_id, send_round=send_round).update(
                delivery_status=Invitation.Delivery.FAILED if gives_up else Invitation.Delivery.RETRYING,
                last_error=INTERRUPTED_SENDING,
                updated_at=now,
            )
            if taken and not gives_up:
                _enqueue_send(invitation_id, send_round)
        if taken:
            logger.warning(
                "Invitation %s was interrupted while sending; %s",
                invitation_id,
                "failed" if gives_up else "queued again",
            )
        recovered += taken
    return recovered


def _validate_username(username: str, user: User) -> list[str]:
    try:
        User.username_validator(username)
    except DjangoValidationError as exc:
        return list(exc.messages)
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        return [f"The username '{username}' is already taken"]
    return []


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> User:
    """Registration: the invited person picks a username and a password; the account becomes active
    and the token is burnt. An unknown, used or expired token changes nothing."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_digest(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or invitation.user.is_active:
        raise InvalidInput(INVALID_INVITATION_TOKEN, errors={"token": [INVALID_INVITATION_TOKEN]})
    user = invitation.user
    errors = {}
    if username_errors := _validate_username(username, user):
        errors["username"] = username_errors
    user.username = username  # the similarity validator compares the password with it
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        summary = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
        raise InvalidInput(f"Invalid input: {summary}", errors=errors)
    now = timezone.now()
    user.set_password(password)
    user.is_active = True
    user.date_joined = now
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # another registration took the username in between
        raise InvalidInput(errors={"username": [f"The username '{username}' is already taken"]}) from None
    invitation.accepted_at = now
    invitation.token_hash = None
    invitation.save(update_fields=["accepted_at", "token_hash", "updated_at"])
    return user


# --- Users -----------------------------------------------------------------------------------------


@transaction.atomic
def user_update(*, actor: User, user: User, first_name: str, last_name: str, role: str, email: str) -> User:
    """Change a user's names, e-mail and role: only a strictly inferior user, never above the actor."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(actor, user):
        raise Forbidden("You can only change users below your role")
    if role not in Role.values:
        raise invalid_role(role)
    if not can_grant_role(actor, role):
        raise Forbidden("You cannot give a role above your own", errors={"role": [f"The role '{role}' is above yours"]})
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        message = f"A user with the e-mail '{email}' already exists"
        raise InvalidInput(message, errors={"email": [message]})
    user.first_name, user.last_name, user.role, user.email = first_name, last_name, role, email
    user.save()
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None) -> User:
    """Deactivate an account (it stays, and what it touched keeps naming it): it can no longer log in,
    its access tokens stop working and its refresh tokens are revoked. `actor` None: the admin, whose
    own permissions already apply."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and not can_manage_user(actor, user):
        raise Forbidden("You can only deactivate users below your role")
    user.is_active = False
    # Its access tokens die with the version they carry, also should the account be reactivated later
    # (raised even when already inactive: the admin saves the unticked box before calling this).
    user.token_version += 1
    user.save(update_fields=["is_active", "token_version"])
    tokens.refresh_tokens_revoke_all(user=user)
    return user
