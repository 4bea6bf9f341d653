"""Reads of lots from the ledger (SPEC section D): what a lot became, what a batch was made of, and how
every gram of a lot is accounted for. Each walks the production graph one level per query or two,
whatever the number of batches at that level (bench/ measures it)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils import timezone

from inventory.models import Lot, StockMovement

PLAN = Lot.Source.PRODUCTION_PLAN
PLACES = Decimal("0.001")
Reason = StockMovement.Reason


def _exact(value):
    # SQLite sums decimals in binary floats; the ledger's figures have 3 places, so their sums have too.
    return Decimal(value or 0).quantize(PLACES)


def lots_filter(queryset, *, expiring_within=None, today=None):
    """`expiring_within` days: the lots with stock whose use-by or best-before falls before today + N days
    (those already past included)."""
    if expiring_within is None:
        return queryset
    limit = (today or timezone.localdate()) + datetime.timedelta(days=expiring_within)
    return queryset.filter(Q(use_by__lt=limit) | Q(best_before__lt=limit), quantity__gt=0)


def forward_lots(lot):
    """The batches made from the lot, at every level: [{"lot", "lot_id", "quantity_used", "level",
    "parent_id"}], level 1 first. Two queries per level: the consumption entries, then the batches."""
    found, seen, frontier, level = [], {lot.pk}, [lot.pk], 1
    while frontier:
        used = (
            StockMovement.objects.filter(lot_id__in=frontier, source_type=PLAN, reason=Reason.PRODUCTION_CONSUMPTION)
            .values_list("source_id", "lot_id")
            .annotate(total=Sum("change"))
            .order_by("source_id", "lot_id")
        )
        by_plan = defaultdict(list)
        for plan_id, parent_id, total in used:
            by_plan[plan_id].append((parent_id, -_exact(total)))
        if not by_plan:
            break
        batches = Lot.objects.filter(source_type=PLAN, source_id__in=by_plan).order_by("pk")
        frontier = []
        for batch in batches:
            if batch.pk in seen:
                continue
            seen.add(batch.pk)
            frontier.append(batch.pk)
            for parent_id, quantity in by_plan[batch.source_id]:
                found.append(
                    {
                        "lot": batch,
                        "lot_id": batch.pk,
                        "quantity_used": quantity,
                        "level": level,
                        "parent_id": parent_id,
                    }
                )
        level += 1
    return found


def backward_lots(lot):
    """What a batch consumed, at every level: [{"lot", "quantity", "level", "batch_id"}], level 1 first (the
    lots the batch drew), each lot with its supplier loaded. One query per level."""
    found, frontier, level = [], [lot] if lot.source_type == PLAN else [], 1
    while frontier:
        plan_of = {batch.source_id: batch for batch in frontier}
        rows = (
            StockMovement.objects.filter(source_type=PLAN, source_id__in=plan_of, reason=Reason.PRODUCTION_CONSUMPTION)
            .values_list("source_id", "lot_id")
            .annotate(total=Sum("change"))
            .order_by("source_id", "lot_id")
        )
        rows = list(rows)
        consumed = Lot.objects.select_related("supplier").in_bulk([lot_id for _, lot_id, _ in rows if lot_id])
        frontier = []
        for plan_id, lot_id, total in rows:
            if lot_id is None:
                continue
            part = consumed[lot_id]
            found.append({"lot": part, "quantity": -_exact(total), "level": level, "batch_id": plan_of[plan_id].pk})
            if part.source_type == PLAN:
                frontier.append(part)
        level += 1
    return found


def mass_balance(lot):
    """Where every unit of the lot went, from its ledger entries (SPEC D):
    accounted = consumed + shipped + written off + on hand − adjusted, as a share of what was received."""
    totals = defaultdict(Decimal)
    entries = StockMovement.objects.filter(lot_id=lot.pk).order_by("pk").values_list("reason", "source_type", "change")
    first = True
    for reason, source_type, change in entries:
        if first:  # the entry that made the lot: its initial quantity
            first = False
            continue
        if reason == Reason.WRITE_OFF:
            totals["written_off"] -= change
        elif reason == Reason.PRODUCTION_CONSUMPTION:
            totals["consumed"] -= change
        elif source_type == "finishedproductorder":  # shipments and their returns
            totals["shipped"] -= change
        else:  # manual adjustments, a receipt taken back
            totals["adjusted"] += change
    received = lot.initial_quantity
    balance = {
        "received": received,
        "consumed": _exact(totals["consumed"]),
        "shipped": _exact(totals["shipped"]),
        "written_off": _exact(totals["written_off"]),
        "adjusted": _exact(totals["adjusted"]),
        "on_hand": lot.quantity,
    }
    accounted = balance["consumed"] + balance["shipped"] + balance["written_off"] + balance["on_hand"]
    accounted -= balance["adjusted"]
    balance["accounted_percent"] = (Decimal(100) * accounted / received).quantize(Decimal("0.01")) if received else None
    return balance


def shipments_of(lot_ids):
    """{order id: [(lot id, quantity, shipped at)]} of the sales orders that shipped these lots and still
    hold what they took (an order gone back to `commande` gave it back). One query."""
    rows = (
        StockMovement.objects.filter(lot_id__in=lot_ids, source_type="finishedproductorder")
        .values_list("source_id", "lot_id")
        .annotate(total=Sum("change"), shipped_at=Max("created_at"))
        .order_by("source_id", "lot_id")
    )
    shipped = defaultdict(list)
    for order_id, lot_id, total, shipped_at in rows:
        if _exact(total) < 0:
            shipped[order_id].append((lot_id, -_exact(total), shipped_at))
    return shipped
