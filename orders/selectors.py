"""Reads of orders that join the ledger (SPEC section D)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from inventory.models import StockMovement

PLACES = Decimal("0.001")


def order_lots(order_ids):
    """{sales order id: [{"lot_id", "code", "quantity"}]}: what each order's shipment drew from each lot and
    still holds (nothing once it went back to `commande`). One query for any number of orders."""
    rows = (
        StockMovement.objects.filter(source_type="finishedproductorder", source_id__in=order_ids, lot__isnull=False)
        .values_list("source_id", "lot_id", "lot__code")
        .annotate(total=Sum("change"))
        .order_by("source_id", "lot_id")
    )
    lots = defaultdict(list)
    for order_id, lot_id, code, total in rows:
        # SQLite sums decimals in binary floats; the ledger's figures have 3 places, so their sums have too.
        quantity = -Decimal(total or 0).quantize(PLACES)
        if quantity > 0:
            lots[order_id].append({"lot_id": lot_id, "code": code, "quantity": quantity})
    return lots
