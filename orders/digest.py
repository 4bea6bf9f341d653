"""The daily expiry digest (SPEC D, issue 12): lots expiring within LOTS_DIGEST_DAYS days and expired lots still
on hand, with quantity and value at the latest price, e-mailed to every active Manager and Admin.

In the orders layer because a lot's value is read from the orders: a material at its latest received purchase
order's price, a finished product at its latest shipped sales order's price (each per stock unit); no price yet:
no value, and the e-mail says so.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from inventory.lots.serializers import lots_with_items
from inventory.measures import to_stock_unit
from inventory.models import Lot
from inventory.units import UnitError
from orders.models import FinishedProductOrder, OrderStatus, RawProductOrder
from stocky.kit.errors import plain


@dataclass(frozen=True)
class DigestLine:
    lot: Lot
    expired: bool
    unit_price: Decimal | None

    @property
    def value(self):
        return None if self.unit_price is None else (self.lot.quantity * self.unit_price).quantize(Decimal("0.01"))


def _unit_price(order, product, price):
    try:
        quantity = to_stock_unit(product, order.quantity, order.unit_of_measure, what=f"Order {order.pk}")
    except (UnitError, Exception):  # a unit that no longer converts: no price rather than no digest
        return None
    return (price / quantity) if quantity else None


def latest_unit_prices(lots):
    """{(item_type, item_id): price per stock unit} from the latest received or shipped order of each item."""
    prices = {}
    wanted = {(lot.item_type, lot.item_id) for lot in lots}
    raw_ids = [pk for kind, pk in wanted if kind == Lot.ItemType.RAW_PRODUCT]
    finished_ids = [pk for kind, pk in wanted if kind == Lot.ItemType.FINISHED_PRODUCT]
    received = RawProductOrder.objects.filter(raw_product_id__in=raw_ids, status=OrderStatus.RECU)
    for order in received.select_related("raw_product").order_by("raw_product_id", "-updated_at", "-pk"):
        key = (Lot.ItemType.RAW_PRODUCT, order.raw_product_id)
        if key not in prices:
            prices[key] = _unit_price(order, order.raw_product, order.price)
    shipped = FinishedProductOrder.objects.filter(
        finished_product_id__in=finished_ids, status__in=[OrderStatus.EXPEDIE, OrderStatus.RECU]
    )
    for order in shipped.select_related("finished_product").order_by("finished_product_id", "-updated_at", "-pk"):
        key = (Lot.ItemType.FINISHED_PRODUCT, order.finished_product_id)
        if key not in prices:
            prices[key] = _unit_price(order, order.finished_product, order.sale_price)
    return prices


def lots_to_act_on(*, today, days, lots=None):
    """The lots (of `lots`, default all) with stock whose use-by or best-before is past or within `days` of
    `today`: the digest's, the lots list's "to act on" filter's and the admin home's."""
    limit = today + datetime.timedelta(days=days)
    return (Lot.objects if lots is None else lots).filter(
        Q(use_by__lte=limit) | Q(best_before__lte=limit), quantity__gt=0
    )


def expiry_digest(*, today=None, days=None):
    """[DigestLine] of the lots with stock expiring within `days` (default LOTS_DIGEST_DAYS) of `today`, or
    already expired, soonest first."""
    today = today or timezone.localdate()
    days = settings.LOTS_DIGEST_DAYS if days is None else days
    lots = list(lots_with_items(lots_to_act_on(today=today, days=days)).order_by("use_by", "best_before", "pk"))
    prices = latest_unit_prices(lots)
    return [
        DigestLine(lot, lot.use_by is not None and lot.use_by < today, prices.get((lot.item_type, lot.item_id)))
        for lot in lots
    ]


def digest_text(lines, *, today, days):
    def row(line):
        lot = line.lot
        date = f"use by {lot.use_by}" if lot.use_by else f"best before {lot.best_before}"
        value = f"{line.value} (latest price)" if line.value is not None else "no price yet"
        held = ", on hold" if lot.status == Lot.Status.ON_HOLD else ""
        return f"- {lot.item_name}, lot {lot.code}: {plain(lot.quantity)} {lot.unit_of_measure}, {date}{held}; {value}"

    expired = [row(line) for line in lines if line.expired]
    soon = [row(line) for line in lines if not line.expired]
    total = sum((line.value for line in lines if line.value is not None), Decimal(0))
    parts = [f"Lots to act on, {today.isoformat()}:", ""]
    parts += [f"Expired and still on hand ({len(expired)}):", *(expired or ["- none"]), ""]
    parts += [f"Expiring within {days} days ({len(soon)}):", *(soon or ["- none"]), ""]
    parts += [f"Value at the latest prices: {total}.", "", f"{settings.FRONTEND_URL}"]
    return "\n".join(parts)


def expiry_digest_send(*, today=None, days=None):
    """E-mail the digest to every active Manager and Admin; nothing when no lot needs attention. Returns the
    number of recipients."""
    today = today or timezone.localdate()
    days = settings.LOTS_DIGEST_DAYS if days is None else days
    lines = expiry_digest(today=today, days=days)
    if not lines:
        return 0
    recipients = list(
        User.objects.filter(is_active=True, role__in=[Role.ADMIN, Role.MANAGER])
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    expired = sum(1 for line in lines if line.expired)
    subject = f"Stocky: {expired} expired lot(s) on hand, {len(lines) - expired} expiring within {days} days"
    # One message, every recipient in Bcc: managers do not see one another's addresses.
    EmailMessage(subject, digest_text(lines, today=today, days=days), bcc=recipients).send()
    return len(recipients)
