"""How a stock move meets lots: which lots a quantity is drawn from, and the new lots that receive it.

inventory.services.stock_change calls these under the item's lock (the item first, then its lots in pk
order: every mover takes them in that order, so two never deadlock). Nothing here writes stock.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from inventory.migrations._lots import open_item_lot
from inventory.models import Lot, StockMovement
from stocky.kit.errors import Conflict, InsufficientStock, InvalidInput, Shortage, plain


@dataclass(frozen=True)
class NewLot:
    """What a move that adds stock knows of the lot it makes (SPEC D); a code is generated when empty."""

    source_type: str = Lot.Source.ADJUSTMENT
    source_id: int | None = None
    code: str = ""
    use_by: datetime.date | None = None
    best_before: datetime.date | None = None
    supplier: object = None
    supplier_lot_code: str = ""


@dataclass(frozen=True)
class DrawPolicy:
    """Which lots a draw may take, and what it does with the rest.

    `usable_only`: skip lots on hold and past use-by (production, shipments); otherwise every lot with stock
    may be drawn, on-hold ones last (a manual count correction: the stock is gone whatever its state).
    `min_days_left`: skip lots whose use-by (else best-before) leaves fewer days than this (a client's minimum).
    """

    usable_only: bool = True
    min_days_left: int | None = None
    what: str = "draw"  # for messages: "production", "shipment"


MANUAL = DrawPolicy(usable_only=False, what="adjustment")


@dataclass
class Allocation:
    """The lots a quantity is drawn from: [(lot, quantity)], in the order they are drawn."""

    parts: list = field(default_factory=list)

    @property
    def total(self):
        return sum((quantity for _, quantity in self.parts), Decimal(0))


@dataclass(frozen=True)
class UsableShortage(Shortage):
    """A shortage of usable lots: the item has the stock, but `unusable` of it is on hold, expired or too close
    to its date for this draw."""

    unusable: Decimal = Decimal(0)

    def describe(self):
        unit = f" {self.unit}" if self.unit else ""
        kind = self.item_type.replace("_", " ")
        return (
            f"'{self.name}' ({kind} {self.item_id}): {plain(self.needed)}{unit} needed, {plain(self.available)}{unit} "
            f"usable ({plain(self.unusable)}{unit} more on hold, expired or too close to its date)"
        )


def _unit(item):
    field = item.STOCK_LEDGER.unit_field
    return getattr(item, field, "") if field else ""


def item_lots(item, *, lock=True):
    """The item's lots with stock, locked in pk order (the item must already be locked)."""
    queryset = Lot.objects.filter(item_type=item.STOCK_LEDGER.item_type, item_id=item.pk, quantity__gt=0)
    if lock:
        queryset = queryset.select_for_update()
    return list(queryset.order_by("pk"))


def fefo_key(lot):
    """First-expiry-first-out: earliest use-by, then earliest best-before, then the oldest (SPEC D)."""
    far = datetime.date.max
    return (lot.use_by or far, lot.best_before or far, lot.created_at or timezone.now(), lot.pk)


def days_left(lot, today):
    date = lot.use_by or lot.best_before
    return None if date is None else (date - today).days


def lock_lot(item, lot_id):
    """The item's lot `lot_id`, locked; InvalidInput when it is not one of the item's lots."""
    lot = (
        Lot.objects.select_for_update()
        .filter(pk=lot_id, item_type=item.STOCK_LEDGER.item_type, item_id=item.pk)
        .first()
    )
    if lot is None:
        message = f"Lot {lot_id} is not a lot of '{item.name}'"
        raise InvalidInput(message, errors={"lots": [message]})
    return lot


def check_usable(lot, *, today=None):
    """Conflict (409) when the lot is on hold, InvalidInput (400) when it is past its use-by date."""
    today = today or timezone.localdate()
    if lot.status == Lot.Status.ON_HOLD:
        message = f"Lot {lot.code} (id {lot.pk}) is on hold: it cannot be used or shipped"
        raise Conflict(message, errors={"lots": [message]})
    if lot.use_by is not None and lot.use_by < today:
        message = f"Lot {lot.code} (id {lot.pk}) is past its use-by date ({lot.use_by.isoformat()})"
        raise InvalidInput(message, errors={"lots": [message]})


def allocate(item, quantity, *, policy, named=(), today=None, lots=None):
    """Choose the lots `quantity` (in the item's stock unit) is drawn from, under lock; writes nothing.

    `named` ([(lot, quantity)], already locked) are drawn first, as asked (each must be usable); the rest
    first-expiry-first-out among the lots the policy allows. InsufficientStock when they hold too little.
    `lots`: the item's lots with stock, already locked (a service drawing many items locks them in one query).
    """
    today = today or timezone.localdate()
    allocation = Allocation()
    named_ids = set()
    for lot, wanted in named:
        check_usable(lot, today=today)
        if wanted > lot.quantity:
            message = f"Lot {lot.code} (id {lot.pk}) holds {plain(lot.quantity)}, {plain(wanted)} asked"
            shortage = Shortage(lot.item_type, lot.item_id, item.name, wanted, lot.quantity, _unit(item))
            raise InsufficientStock([shortage], message=message, field="lots")
        allocation.parts.append((lot, wanted))
        named_ids.add(lot.pk)
    remaining = quantity - allocation.total
    if remaining < 0:
        message = f"The lots named for '{item.name}' hold more than the {plain(quantity)} needed"
        raise InvalidInput(message, errors={"lots": [message]})
    if remaining == 0:
        return allocation
    candidates, skipped = [], Decimal(0)
    for lot in with_untracked_stock(item, item_lots(item) if lots is None else lots):
        if lot.pk in named_ids:
            continue
        unusable = lot.status == Lot.Status.ON_HOLD or (lot.use_by is not None and lot.use_by < today)
        left = days_left(lot, today)
        too_short = policy.min_days_left is not None and left is not None and left < policy.min_days_left
        if policy.usable_only and (unusable or too_short):
            skipped += lot.quantity
            continue
        candidates.append(lot)
    # A manual correction draws on-hold lots last: what is usable is what was most likely used.
    candidates.sort(key=lambda lot: (lot.status == Lot.Status.ON_HOLD, fefo_key(lot)))
    for lot in candidates:
        if remaining <= 0:
            break
        take = min(lot.quantity, remaining)
        allocation.parts.append((lot, take))
        remaining -= take
    if remaining > 0:
        usable = quantity - remaining
        why = f" ({plain(skipped)} more is on hold, expired or too close to its date)" if skipped else ""
        message = (
            f"Not enough usable stock of '{item.name}' for this {policy.what}: {plain(quantity)} needed, "
            f"{plain(usable)} usable{why}"
        )
        kind = item.STOCK_LEDGER.item_type
        shortage = UsableShortage(kind, item.pk, item.name, quantity, usable, _unit(item), unusable=skipped)
        raise InsufficientStock([shortage], message=message)
    return allocation


def with_untracked_stock(item, lots):
    """`lots` (the item's lots with stock), plus an `opening` lot for any stock that no lot holds.

    Stock only moves through stock_change, which keeps lots and stock together; but a bulk load (the
    demo's scaled history, an old database, a row written by hand) can leave stock outside any lot. Such
    stock becomes an opening lot, with its ledger entries, the first time it is drawn, as the upgrade
    migration does (inventory/migrations/_lots.py), rather than being unusable."""
    gap = getattr(item, item.STOCK_LEDGER.quantity_field) - sum((lot.quantity for lot in lots), Decimal(0))
    if gap <= 0:
        return lots
    models = {"Lot": Lot, "StockMovement": StockMovement}
    return [*lots, open_item_lot(models, item.STOCK_LEDGER.item_type, item, gap)]


def unique_code(item, wanted, base, *, new_item=False):
    """`wanted` if given (InvalidInput when the item has a lot of that code), else `base`, suffixed until
    free. The item is locked, so no other mover can take the code meanwhile; a new item has no lots yet."""
    if new_item:
        return wanted or base
    existing = Lot.objects.filter(item_type=item.STOCK_LEDGER.item_type, item_id=item.pk)
    if wanted:
        if existing.filter(code=wanted).exists():
            message = f"'{item.name}' already has a lot {wanted}"
            raise InvalidInput(message, errors={"code": [message]})
        return wanted
    code, n = base, 1
    while existing.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


CODE_PREFIX = {
    Lot.Source.RAW_PRODUCT_ORDER: "PO",
    Lot.Source.PRODUCTION_PLAN: "B",
    Lot.Source.ADJUSTMENT: "ADJ",
    Lot.Source.OPENING: "OPENING",
}


def create_lot(item, quantity, new_lot, *, new_item=False):
    """A new lot of `quantity` for the (locked, or just created: `new_item`) item, as `new_lot` describes."""
    lot = lot_row(item, quantity, new_lot, new_item=new_item)
    lot.save(force_insert=True)
    return lot


def lot_row(item, quantity, new_lot, *, new_item=False, today=None):
    """The lot `create_lot` writes, unsaved."""
    return Lot(supplier=new_lot.supplier, **lot_fields(item, quantity, new_lot, new_item=new_item, today=today))


def lot_fields(item, quantity, new_lot, *, new_item=False, today=None):
    """What the lot of `lot_row` holds but its supplier, {attname: value}: many new items' opening lots are
    written as such rows in one statement (their caller reads `today`, the date in the code, once for them all)."""
    today = today or timezone.localdate()
    prefix = CODE_PREFIX[new_lot.source_type]
    # The date, not the document's id: a code that reads the same in every copy of the data.
    base = f"{prefix}-{today:%Y%m%d}"
    return {
        "item_type": item.STOCK_LEDGER.item_type,
        "item_id": item.pk,
        "code": unique_code(item, new_lot.code, base, new_item=new_item),
        "quantity": quantity,
        "initial_quantity": quantity,
        "use_by": new_lot.use_by,
        "best_before": new_lot.best_before,
        "supplier_lot_code": new_lot.supplier_lot_code or "",
        "source_type": new_lot.source_type,
        "source_id": new_lot.source_id,
    }
