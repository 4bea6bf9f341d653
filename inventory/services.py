"""Every change of a stocked quantity goes through `stock_change`: lock, check, write, record."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from inventory.models import StockMovement
from stocky.errors import InsufficientStock

Reason = StockMovement.Reason


def _kind_of(model):
    kind = getattr(model, "STOCK_LEDGER", None)
    if kind is None:
        raise TypeError(f"{model.__name__} does not declare STOCK_LEDGER; it cannot move stock")
    return kind


def lock_items(model, pks):
    """Lock the rows of `model` with these pks, always in pk order so that two movers never deadlock."""
    return {item.pk: item for item in model.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


@transaction.atomic
def stock_change(*, item, delta, reason, user=None, source=None, note=""):
    """Add `delta` (negative to take) to a stocked item's quantity and append a ledger entry.

    Locks the item's row (callers that move several items lock them first with `lock_items`, in pk
    order), re-checks the quantity after locking, lets the database do the arithmetic, and raises
    `InsufficientStock` (nothing changed) when the result would fall below zero. `source` is the
    document that caused the movement (any model instance). Returns the ledger entry; `item` is
    refreshed in place.
    """
    model = type(item)
    kind = _kind_of(model)
    delta = Decimal(delta)
    on_hand = model.objects.select_for_update().values_list(kind.quantity_field, flat=True).get(pk=item.pk)
    if on_hand + delta < 0:
        raise InsufficientStock(
            f"Not enough stock of '{item.name}': {abs(delta)} requested, {on_hand} available",
            errors={"quantity": [f"Only {on_hand} of '{item.name}' available, {abs(delta)} requested"]},
        )
    if delta:
        model.objects.filter(pk=item.pk).update(**{kind.quantity_field: F(kind.quantity_field) + delta})
    balance = on_hand + delta
    setattr(item, kind.quantity_field, balance)
    return StockMovement.objects.create(
        item_type=kind.item_type,
        item_id=item.pk,
        item_name=item.name,
        change=delta,
        balance_after=balance,
        unit_of_measure=getattr(item, kind.unit_field, "") if kind.unit_field else "",
        reason=reason,
        source_type=source._meta.model_name if source is not None else "",
        source_id=source.pk if source is not None else None,
        note=note[:255],
        user=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def stock_set(*, item, quantity, reason=Reason.ADJUSTMENT, user=None, source=None, note=""):
    """Set an item's quantity to an absolute value, recorded in the ledger as the difference."""
    model = type(item)
    kind = _kind_of(model)
    on_hand = model.objects.select_for_update().values_list(kind.quantity_field, flat=True).get(pk=item.pk)
    return stock_change(
        item=item, delta=Decimal(quantity) - on_hand, reason=reason, user=user, source=source, note=note
    )
