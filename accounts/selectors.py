"""Reads of the users API: who a caller sees, searched and ordered."""

import operator
from functools import reduce

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Role, User
from stocky.kit.errors import InvalidInput

# API ordering names (camelCase, as the hub speaks) and what they sort by; `role` sorts by rank.
ORDERING_FIELDS = {
    "id": "id",
    "createdAt": "date_joined",
    "username": "username",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "role": "role_order",
}
SEARCH_FIELDS = ("username", "first_name", "last_name", "email")


def active_users() -> QuerySet[User]:
    """Accounts the users API knows: drafts (invited, not registered) and deactivated ones are left out."""
    return User.objects.filter(is_active=True)


def users_visible_to(actor: User) -> QuerySet[User]:
    """Peers and inferiors (an Admin sees everyone)."""
    return active_users().filter(role__in=Role.at_or_below(actor.role))


def _ordering(ordering: str | None) -> list[str]:
    fields = [part.strip() for part in (ordering or "").split(",") if part.strip()]
    bad = [field for field in fields if field.lstrip("-") not in ORDERING_FIELDS]
    if bad:
        allowed = ", ".join(ORDERING_FIELDS)
        message = f"Cannot order by '{', '.join(bad)}'. Allowed: {allowed}"
        raise InvalidInput(message, errors={"ordering": [message]})
    order_by = [("-" if field.startswith("-") else "") + ORDERING_FIELDS[field.lstrip("-")] for field in fields]
    # A stable tiebreak so that pages never repeat or skip rows.
    if not any(field.lstrip("-") == "id" for field in order_by):
        order_by.append("id")
    return order_by


def user_list(*, actor: User, search: str | None = "", ordering: str | None = "") -> QuerySet[User]:
    """The users `actor` sees; every word of `search` must match username, a name or the e-mail."""
    users = users_visible_to(actor)
    for term in (search or "").split():
        users = users.filter(reduce(operator.or_, (Q(**{f"{field}__icontains": term}) for field in SEARCH_FIELDS)))
    order_by = _ordering(ordering)
    if any(field.lstrip("-") == "role_order" for field in order_by):
        ranks = [When(role=role.value, then=Value(role.rank)) for role in Role]
        users = users.annotate(role_order=Case(*ranks, output_field=IntegerField()))
    return users.order_by(*order_by)
