"""Lot services (SPEC section D): enter, write off, hold, release and recall lots.

Each locks what it changes, item first and then its lots in pk order (as inventory.services.stock_change
does), re-checks after locking, writes, and records the ledger (a quantity) or a LotEvent (a status).
"""

from decimal import Decimal

from django.db import transaction

from inventory.lots.moves import NewLot
from inventory.lots.selectors import forward_lots
from inventory.migrations._lots import open_lots
from inventory.models import FinishedProduct, Lot, LotEvent, RawProduct, StockMovement
from inventory.services import lock_items, stock_change, stock_draw_lots
from stocky.kit.errors import Conflict, InvalidInput

ITEM_MODELS = {Lot.ItemType.RAW_PRODUCT: RawProduct, Lot.ItemType.FINISHED_PRODUCT: FinishedProduct}
Reason = StockMovement.Reason


@transaction.atomic
def lots_open():
    """Put the stock that no lot holds into one `opening` lot per item (a bulk load: the demo's scaled
    history, an earlier Stocky's database), as the upgrade migration did. Returns the lots made."""
    models = {"Lot": Lot, "StockMovement": StockMovement, "RawProduct": RawProduct, "FinishedProduct": FinishedProduct}
    lock_items(RawProduct, list(RawProduct.objects.values_list("pk", flat=True)))
    lock_items(FinishedProduct, list(FinishedProduct.objects.values_list("pk", flat=True)))
    return open_lots(models)


def item_of(lot):
    """The raw or finished product a lot belongs to."""
    return ITEM_MODELS[lot.item_type].objects.get(pk=lot.item_id)


def _lock(lot):
    """Lock the lot's item, then the lot; the lot as it is now."""
    item = lock_items(ITEM_MODELS[lot.item_type], [lot.item_id])[lot.item_id]
    return item, Lot.objects.select_for_update().get(pk=lot.pk)


@transaction.atomic
def lot_create(
    *, item, quantity, user=None, code="", use_by=None, best_before=None, supplier=None, supplier_lot_code=""
):
    """Stock found or brought in by hand: a new lot of `quantity`, entered in the ledger as `adjustment`."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise InvalidInput("The quantity must be greater than 0", errors={"quantity": ["Must be greater than 0."]})
    lock_items(type(item), [item.pk])
    new_lot = NewLot(
        code=code, use_by=use_by, best_before=best_before, supplier=supplier, supplier_lot_code=supplier_lot_code
    )
    entry = stock_change(
        item=item, delta=quantity, reason=Reason.ADJUSTMENT, user=user, new_lot=new_lot, note="Lot entered by hand"
    )
    return entry.lot


@transaction.atomic
def lot_write_off(*, lot, quantity, reason="", user=None):
    """Take `quantity` out of the lot for good (spoiled, damaged, recalled and destroyed): a `write_off`
    ledger entry and event. InsufficientStock when the lot holds less."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise InvalidInput("The quantity must be greater than 0", errors={"quantity": ["Must be greater than 0."]})
    item, locked = _lock(lot)
    stock_change(
        item=item, delta=-quantity, reason=Reason.WRITE_OFF, user=user, lot=locked, note=reason or "Written off"
    )
    LotEvent.objects.create(lot=locked, action=LotEvent.Action.WRITE_OFF, reason=reason, quantity=quantity, user=user)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def lots_write_off(*, lots, reason="", user=None):
    """Take out for good all that each of `lots` holds (the day's expired stock, thrown away): as lot_write_off
    lot by lot, a `write_off` ledger entry and event each, in a fixed number of statements however many lots
    and items. Locks the items (raw products, then finished products, pk order), then the lots (pk order), and
    writes off what each holds then; a lot already empty is left alone. Returns the events."""
    pks = [lot.pk for lot in lots]
    wanted = set(Lot.objects.filter(pk__in=pks).values_list("item_type", "item_id"))
    items = {
        kind: lock_items(model, sorted(pk for item_kind, pk in wanted if item_kind == kind))
        for kind, model in ITEM_MODELS.items()
    }
    draws = {}  # (kind, item id) -> [(lot, quantity)]
    for lot in Lot.objects.select_for_update().filter(pk__in=pks, quantity__gt=0).order_by("pk"):
        draws.setdefault((lot.item_type, lot.item_id), []).append((lot, lot.quantity))
    note = reason or "Written off"
    for kind, model in ITEM_MODELS.items():
        mine = [(items[kind][pk], parts) for (item_kind, pk), parts in draws.items() if item_kind == kind]
        if mine:
            stock_draw_lots(model=model, draws=mine, reason=Reason.WRITE_OFF, user=user, note=note)
    events = [
        LotEvent(lot=lot, action=LotEvent.Action.WRITE_OFF, reason=reason, quantity=quantity, user=_user(user))
        for parts in draws.values()
        for lot, quantity in parts
    ]
    return LotEvent.objects.bulk_create(events)


def _user(user):
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def lot_hold(*, lot, reason="", user=None):
    """Put a lot on hold: it is not used nor shipped until released. Conflict when it already is."""
    _, locked = _lock(lot)
    if locked.status == Lot.Status.ON_HOLD:
        message = f"Lot {locked.code} (id {locked.pk}) is already on hold"
        raise Conflict(message, errors={"status": [message]})
    locked.status = Lot.Status.ON_HOLD
    locked.save(update_fields=["status"])
    LotEvent.objects.create(lot=locked, action=LotEvent.Action.HOLD, reason=reason, user=_user(user))
    return locked


@transaction.atomic
def lot_release(*, lot, reason="", user=None):
    """Release a lot on hold: it may be used and shipped again. Conflict when it is not on hold."""
    _, locked = _lock(lot)
    if locked.status != Lot.Status.ON_HOLD:
        message = f"Lot {locked.code} (id {locked.pk}) is not on hold"
        raise Conflict(message, errors={"status": [message]})
    locked.status = Lot.Status.AVAILABLE
    locked.save(update_fields=["status"])
    LotEvent.objects.create(lot=locked, action=LotEvent.Action.RELEASE, reason=reason, user=_user(user))
    return locked


@transaction.atomic
def lot_recall(*, lot, reason="", user=None):
    """Recall a lot: it and every lot of its forward trace (the batches made from it, at every level) go on
    hold in one transaction, each with a `recall` event. Returns the ids of the lots now on hold."""
    ids = [lot.pk, *(entry["lot_id"] for entry in forward_lots(lot))]
    # Items first (raw products, then finished products, each in pk order), then the lots in pk order:
    # the order every mover takes, so that a recall never deadlocks with a production run or a shipment.
    items = Lot.objects.filter(pk__in=ids).values_list("item_type", "item_id")
    for item_type, model in ITEM_MODELS.items():
        lock_items(model, [item_id for kind, item_id in items if kind == item_type])
    lots = list(Lot.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    Lot.objects.filter(pk__in=ids).update(status=Lot.Status.ON_HOLD)
    LotEvent.objects.bulk_create(
        LotEvent(lot=each, action=LotEvent.Action.RECALL, reason=reason, recall_of_id=lot.pk, user=_user(user))
        for each in lots
    )
    return ids
