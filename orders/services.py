"""Order services: every rule that changes an order's state or moves stock for it, used by the API,
the admin and the commands alike.

Section A (purchase and sales orders): a status changes along the kind's transition table, and the
transitions that start or end the order's effect on stock move it through inventory.services.stock_change:
receiving a purchase order adds its quantity (in the material's stock unit) to stock, leaving "received"
takes back exactly what receiving added (read from the ledger); shipping a sales order takes its quantity
from stock, going back to "ordered" returns it. Each service locks the product row, then the order row,
and changes nothing when it refuses.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from inventory.lots.moves import DrawPolicy, NewLot
from inventory.measures import check_line, quantize_quantity, to_stock_unit
from inventory.models import FinishedProduct, Lot, RawProduct, StockMovement
from inventory.services import lock_items, stock_change, stock_return
from orders.models import (
    FinishedProductOrder,
    OrderStatus,
    RawProductOrder,
)
from stocky.kit.errors import Conflict, InsufficientStock, InvalidInput, InvalidTransition, NotFound, plain

# --- Purchase and sales orders (SPEC section A) ---------------------------------------------------

COMMANDE, EXPEDIE, RECU, RUPTURE = (
    OrderStatus.COMMANDE,
    OrderStatus.EXPEDIE,
    OrderStatus.RECU,
    OrderStatus.RUPTURE_DE_STOCK,
)


@dataclass(frozen=True)
class OrderKind:
    """What differs between purchase and sales orders."""

    model: type
    product_field: str  # the foreign key whose stock the order moves
    product_model: type
    label: str  # "purchase order"
    transitions: dict  # status -> the statuses it may go to; every other move is a 409
    holding: frozenset  # the statuses in which the order's quantity has moved stock
    direction: int  # +1: entering `holding` adds to stock (a receipt); -1: it takes from stock (a shipment)
    reason: str  # the ledger reason of entering `holding`
    verb: str  # what entering `holding` is called, for messages

    @property
    def stock_fields(self):
        """The fields that say how much of what moves: frozen while the stock they moved is held."""
        return (self.product_field, "quantity", "unit_of_measure")


PURCHASE = OrderKind(
    model=RawProductOrder,
    product_field="raw_product",
    product_model=RawProduct,
    label="purchase order",
    transitions={
        COMMANDE: (EXPEDIE, RECU, RUPTURE),
        EXPEDIE: (RECU, COMMANDE),
        RUPTURE: (COMMANDE,),
        RECU: (EXPEDIE,),  # a correction: the delivery was not what was recorded
    },
    holding=frozenset({RECU}),
    direction=+1,
    reason=StockMovement.Reason.RECEIPT,
    verb="receive",
)
SALES = OrderKind(
    model=FinishedProductOrder,
    product_field="finished_product",
    product_model=FinishedProduct,
    label="sales order",
    transitions={
        COMMANDE: (EXPEDIE, RUPTURE),
        EXPEDIE: (RECU, COMMANDE),
        RUPTURE: (COMMANDE,),
        RECU: (),  # delivered: final
    },
    holding=frozenset({EXPEDIE, RECU}),
    direction=-1,
    reason=StockMovement.Reason.SHIPMENT,
    verb="ship",
)


def _check_status_value(status):
    if status not in OrderStatus.values:
        raise InvalidInput(
            f"'{status}' is not a valid status",
            errors={"status": [f"'{status}' is not a valid status. Valid statuses: {', '.join(OrderStatus.values)}."]},
        )


def order_transition_error(kind: OrderKind, current: str, target: str) -> str | None:
    """Why an order of `kind` cannot go from `current` to `target`, or None if it can (or stays put)."""
    if target == current or target in kind.transitions[current]:
        return None
    allowed = kind.transitions[current]
    then = f"it can go to {', '.join(allowed)}" if allowed else f"'{current}' is final"
    return f"A {kind.label} cannot go from '{current}' to '{target}': {then}."


def _check_transition(kind, current, target, order=None):
    message = order_transition_error(kind, current, target)
    if message:
        raise InvalidTransition(order, current, target, message=message)


def _lock(kind, order, also=()):
    """Lock the order's product (and any in `also`, in pk order), then the order; returns the order as it is
    now, with its locked product."""
    product_id = kind.model.objects.filter(pk=order.pk).values_list(f"{kind.product_field}_id", flat=True).first()
    if product_id is None:  # deleted by someone else meanwhile
        raise NotFound(f"The order {order.pk} does not exist")
    products = lock_items(kind.product_model, {product_id, *also})
    locked = kind.model.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise NotFound(f"The order {order.pk} does not exist")
    product_id = getattr(locked, f"{kind.product_field}_id")
    if product_id not in products:  # its product changed between the two reads
        products.update(lock_items(kind.product_model, [product_id]))
    setattr(locked, kind.product_field, products[product_id])
    return locked


def _held(kind, order, product):
    """What the order's movements of this product add up to (what a return must give back)."""
    total = StockMovement.objects.filter(
        source_type=kind.model._meta.model_name,
        source_id=order.pk,
        item_type=product.STOCK_LEDGER.item_type,
        item_id=product.pk,
    ).aggregate(total=Sum("change"))["total"]
    # SQLite sums decimals in binary floats; the ledger's changes have 3 places, so their sum has too.
    return Decimal(total or 0).quantize(Decimal("0.001"))


def _move_stock(kind, order, current, target, user, lot=None):
    """Move the stock that going from `current` to `target` moves (order and product are locked).

    A receipt makes a lot (SPEC D: `lot` gives its code, supplier lot code and dates) and the order names it;
    a shipment draws the product's lots first-expiry-first-out, skipping lots on hold, past use-by or with
    less shelf life left than the client asks; a return gives each lot back what the order moved of it."""
    product = getattr(order, kind.product_field)
    unit = product.unit_of_measure
    if current not in kind.holding and target in kind.holding:
        quantity = quantize_quantity(
            to_stock_unit(product, order.quantity, order.unit_of_measure, what=f"The {kind.label} {order.pk}")
        )
        if kind is PURCHASE:
            moved = {"new_lot": NewLot(**_receipt_lot(order, lot))}
        else:
            days = order.client.min_remaining_shelf_life_days
            moved = {"policy": DrawPolicy(min_days_left=days, what=f"{kind.label} {order.pk}")}
        try:
            entry = stock_change(
                item=product, delta=kind.direction * quantity, reason=kind.reason, user=user, source=order, **moved
            )
        except InsufficientStock as exc:
            message = (
                f"Cannot {kind.verb} {kind.label} {order.pk}: it needs {plain(quantity)} {unit} of "
                f"'{product.name}', only {plain(product.stock_quantity)} {unit} in stock"
            )
            if product.stock_quantity >= quantity:  # enough stock, but not in lots it may draw
                message = f"Cannot {kind.verb} {kind.label} {order.pk}: {exc.message}"
            raise InsufficientStock(exc.shortages, message=message) from None
        if kind is PURCHASE:
            order.lot = entry.lot
            kind.model.objects.filter(pk=order.pk).update(lot=entry.lot)
    elif current in kind.holding and target not in kind.holding:
        try:
            stock_return(item=product, source=order, user=user, note=f"{kind.label} {order.pk}: {current} → {target}")
        except InsufficientStock as exc:
            held = _held(kind, order, product)
            message = (
                f"Cannot take back the {plain(held)} {unit} of '{product.name}' that {kind.label} {order.pk} "
                f"added: only {plain(product.stock_quantity)} {unit} left in stock"
            )
            if product.stock_quantity >= held and order.lot_id is not None:
                message = (
                    f"Cannot take back the {plain(held)} {unit} of '{product.name}' that {kind.label} "
                    f"{order.pk} added: its lot {order.lot.code} holds less now"
                )
            raise InsufficientStock(exc.shortages, message=message, field="status") from None


def _receipt_lot(order, lot):
    """The fields of the lot a purchase order's receipt makes (`lot`: what the user gave, or None)."""
    return {
        **(lot or {}),
        "source_type": Lot.Source.RAW_PRODUCT_ORDER,
        "source_id": order.pk,
        "supplier": order.supplier,
    }


def _set_status(kind, order, status, user, lot=None):
    _check_status_value(status)
    locked = _lock(kind, order)
    if locked.status != status:
        _check_transition(kind, locked.status, status, locked)
        _move_stock(kind, locked, locked.status, status, user, lot=lot)
        if kind is PURCHASE:
            order.lot = locked.lot
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        order.updated_at = locked.updated_at
    order.status = status  # the caller's copy follows too (the demo and the views keep theirs)
    return locked


def _create(kind, fields, status, user, historical=False):
    _check_status_value(status)
    # The product first, then the order that references it; its unit is checked against the locked row.
    product = fields[kind.product_field]
    locked = lock_items(kind.product_model, [product.pk]).get(product.pk)
    if locked is None:
        raise NotFound(f"'{product}' no longer exists")
    fields[kind.product_field] = locked
    fields.setdefault("unit_of_measure", "")
    order = kind.model(**fields, status=COMMANDE)
    if historical:  # entered as it stands (an empty unit too): the stock imported with the products holds it
        if order.unit_of_measure:
            check_line(order)
        order.status = status
        order.save()
        return order
    if not order.unit_of_measure:
        order.unit_of_measure = locked.unit_of_measure
    check_line(order)  # a 400 on the input before the 409 of the state, as the serializer answered
    _check_transition(kind, COMMANDE, status)
    order.save()
    if status != COMMANDE:
        _move_stock(kind, order, COMMANDE, status, user)
        order.status = status
        order.save(update_fields=["status", "updated_at"])
    return order


def _differs(order, field, value, kind):
    if field == kind.product_field:
        return value.pk != getattr(order, f"{field}_id")
    if field == "unit_of_measure":
        return (value or "") != order.unit_of_measure
    return Decimal(value) != order.quantity


def _update(kind, order, changes, user):
    changes = dict(changes)
    status = changes.pop("status", None)
    if status is not None:
        _check_status_value(status)
    new_product = changes.get(kind.product_field)
    locked = _lock(kind, order, also=[new_product.pk] if new_product is not None else [])
    current, target = locked.status, status or locked.status
    if new_product is not None:  # the locked instance, so that stock moves see its locked figures
        changes[kind.product_field] = lock_items(kind.product_model, [new_product.pk])[new_product.pk]
    product = changes.get(kind.product_field) or getattr(locked, kind.product_field)
    if changes.get("unit_of_measure") == "":
        changes["unit_of_measure"] = product.unit_of_measure
    if kind.product_field in changes or "unit_of_measure" in changes:
        # A 400 on the input before the 409 of the state, as the serializer answered when it checked units.
        unit = changes.get("unit_of_measure", locked.unit_of_measure)
        check_line(kind.model(**{kind.product_field: product, "unit_of_measure": unit}))
    _check_transition(kind, current, target, locked)
    frozen = [name for name in kind.stock_fields if name in changes and _differs(locked, name, changes[name], kind)]
    if frozen and current in kind.holding and target in kind.holding:
        message = (
            f"The {kind.label} is '{current}': its stock has moved, so its {', '.join(frozen)} cannot change. "
            f"Set its status back to '{COMMANDE}' first."
        )
        raise Conflict(message, errors={name: [message] for name in frozen})
    # A return first, to the product the stock came from; a receipt or shipment after the new fields, so
    # that it moves the new quantity of the new product.
    returning = current in kind.holding and target not in kind.holding
    if returning:
        _move_stock(kind, locked, current, target, user)
    for name, value in changes.items():
        setattr(locked, name, value)
    if target != current and not returning:
        _move_stock(kind, locked, current, target, user)
    locked.status = target
    locked.save(update_fields=[*changes, "status", "updated_at"])
    return locked


def _delete(kind, order):
    locked = _lock(kind, order)
    if locked.status in kind.holding:
        message = (
            f"The {kind.label} is '{locked.status}': its stock has moved and the ledger refers to it. "
            f"Set its status back to '{COMMANDE}' first (which reverses the stock), or keep it."
        )
        if COMMANDE not in _reachable(kind, locked.status):
            message = f"The {kind.label} is '{locked.status}', which is final: the ledger refers to it."
        raise Conflict(message, errors={"status": [message]})
    locked.delete()


def _reachable(kind, status):
    seen, todo = set(), [status]
    while todo:
        for following in kind.transitions[todo.pop()]:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


@transaction.atomic
def raw_product_order_create(
    *, user: User | None = None, status: str = COMMANDE, historical: bool = False, **fields
) -> RawProductOrder:
    """A new purchase order. A `status` other than `commande` is reached by the same transition (and stock
    move) as a status change right after creating it: created as `recu`, it is received.

    `historical` enters a past order as it stands (an import of records): any status, and no stock moves,
    since the stock figures imported with the materials already include it. Later changes of the order
    follow the transition table like any other's (leaving `recu` then takes back nothing: the ledger holds
    no receipt of it)."""
    return _create(PURCHASE, fields, status, user, historical)


@transaction.atomic
def raw_product_orders_create(*, orders: list[dict], user: User | None = None) -> list[RawProductOrder]:
    """New purchase orders at `commande` (each a dict of raw_product_order_create's fields), in a fixed number
    of queries whatever their number: the materials locked in one query (pk order) with their conversions,
    each line's unit checked as raw_product_order_create checks it, then one INSERT. All or none. Nothing moves
    at `commande`, so no ledger."""
    pks = {fields["raw_product"].pk for fields in orders}
    queryset = RawProduct.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    products = {product.pk: product for product in queryset.prefetch_related("conversions")}
    built = []
    for fields in orders:
        product = products.get(fields["raw_product"].pk)
        if product is None:
            raise NotFound(f"'{fields['raw_product']}' no longer exists")
        order = RawProductOrder(**{**fields, "raw_product": product}, status=COMMANDE)
        order.unit_of_measure = order.unit_of_measure or product.unit_of_measure
        check_line(order)
        built.append(order)
    return RawProductOrder.objects.bulk_create(built)


@transaction.atomic
def raw_product_order_update(*, order: RawProductOrder, user: User | None = None, **changes) -> RawProductOrder:
    """Change a purchase order's fields and status together. Its material, quantity and unit cannot change
    while it stays received (409); a status change follows raw_product_order_set_status."""
    return _update(PURCHASE, order, changes, user)


@transaction.atomic
def raw_product_order_set_status(
    *, order: RawProductOrder, status: str, user: User | None = None, lot: dict | None = None
) -> RawProductOrder:
    """Move a purchase order along its transition table: reaching `recu` adds its quantity (in the
    material's stock unit) to stock as a new lot (`lot`: optional code, supplier_lot_code, use_by and
    best_before), leaving `recu` takes back what that added (409 if the lot has less). `user` is who asked
    (for the ledger). The same status again changes nothing. Returns the order."""
    return _set_status(PURCHASE, order, status, user, lot=lot)


@transaction.atomic
def raw_product_order_delete(*, order: RawProductOrder) -> None:
    """Delete a purchase order, unless it is received (409): the ledger refers to it."""
    _delete(PURCHASE, order)


@transaction.atomic
def finished_product_order_create(
    *, user: User | None = None, status: str = COMMANDE, historical: bool = False, **fields
) -> FinishedProductOrder:
    """A new sales order; a `status` other than `commande` is reached as by a status change (created as
    `expedie`, it is shipped, 409 if stock is short; `recu` is not reachable from `commande`).
    `historical`: as raw_product_order_create's."""
    return _create(SALES, fields, status, user, historical)


@transaction.atomic
def finished_product_order_update(
    *, order: FinishedProductOrder, user: User | None = None, **changes
) -> FinishedProductOrder:
    """Change a sales order's fields and status together; its product, quantity and unit cannot change
    while it is shipped or delivered (409)."""
    return _update(SALES, order, changes, user)


@transaction.atomic
def finished_product_order_set_status(
    *, order: FinishedProductOrder, status: str, user: User | None = None
) -> FinishedProductOrder:
    """Move a sales order along its transition table: reaching `expedie` takes its quantity from stock
    (409, nothing changed, if not enough), going back to `commande` returns it; `recu` is final."""
    return _set_status(SALES, order, status, user)


@transaction.atomic
def finished_product_order_delete(*, order: FinishedProductOrder) -> None:
    """Delete a sales order, unless it is shipped or delivered (409): the ledger refers to it."""
    _delete(SALES, order)
