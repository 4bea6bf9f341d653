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
from rest_framework import status

from accounts.models import Role
from inventory.measures import check_line, quantize_quantity, to_stock_unit
from inventory.models import FinishedProduct, Product, RawProduct, StockMovement
from inventory.services import lock_items, stock_change
from orders.models import (
    CatalogueOrder,
    FinishedProductOrder,
    OrderStatus,
    RawProductOrder,
)
from stocky.errors import Conflict, DomainError, InsufficientStock, InvalidInput

# --- Purchase and sales orders (SPEC section A) ---------------------------------------------------

COMMANDE, EXPEDIE, RECU, RUPTURE = (
    OrderStatus.COMMANDE, OrderStatus.EXPEDIE, OrderStatus.RECU, OrderStatus.RUPTURE_DE_STOCK
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


def _plain(number):
    """10.000 → "10", 2.500 → "2.5": quantities as a person writes them."""
    return format(Decimal(number).normalize(), "f")


def _check_status_value(status):
    if status not in OrderStatus.values:
        raise InvalidInput(
            f"'{status}' is not a valid status",
            errors={"status": [f"'{status}' is not a valid status. Valid statuses: {', '.join(OrderStatus.values)}."]},
        )


def order_transition_error(kind, current, target):
    """Why an order of `kind` cannot go from `current` to `target`, or None if it can (or stays put)."""
    if target == current or target in kind.transitions[current]:
        return None
    allowed = kind.transitions[current]
    then = f"it can go to {', '.join(allowed)}" if allowed else f"'{current}' is final"
    return f"A {kind.label} cannot go from '{current}' to '{target}': {then}."


def _check_transition(kind, current, target):
    message = order_transition_error(kind, current, target)
    if message:
        raise Conflict(message, errors={"status": [message]})


def _lock(kind, order, also=()):
    """Lock the order's product (and any in `also`, in pk order), then the order; returns the order as it is
    now, with its locked product."""
    product_id = kind.model.objects.filter(pk=order.pk).values_list(f"{kind.product_field}_id", flat=True).first()
    if product_id is None:  # deleted by someone else meanwhile
        raise DomainError(f"The order {order.pk} does not exist", status_code=status.HTTP_404_NOT_FOUND)
    products = lock_items(kind.product_model, {product_id, *also})
    locked = kind.model.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise DomainError(f"The order {order.pk} does not exist", status_code=status.HTTP_404_NOT_FOUND)
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


def _move_stock(kind, order, current, target, user):
    """Move the stock that going from `current` to `target` moves (order and product are locked)."""
    product = getattr(order, kind.product_field)
    unit = product.unit_of_measure
    if current not in kind.holding and target in kind.holding:
        quantity = quantize_quantity(
            to_stock_unit(product, order.quantity, order.unit_of_measure, what=f"The {kind.label} {order.pk}")
        )
        try:
            stock_change(item=product, delta=kind.direction * quantity, reason=kind.reason, user=user, source=order)
        except InsufficientStock:
            message = (
                f"Cannot {kind.verb} {kind.label} {order.pk}: it needs {_plain(quantity)} {unit} of "
                f"'{product.name}', only {_plain(product.stock_quantity)} {unit} in stock"
            )
            raise InsufficientStock(message, errors={"quantity": [message]}) from None
    elif current in kind.holding and target not in kind.holding:
        held = _held(kind, order, product)
        if not held:
            return
        try:
            stock_change(
                item=product, delta=-held, reason=StockMovement.Reason.CORRECTION, user=user, source=order,
                note=f"{kind.label} {order.pk}: {current} → {target}",
            )
        except InsufficientStock:
            message = (
                f"Cannot take back the {_plain(held)} {unit} of '{product.name}' that {kind.label} {order.pk} "
                f"added: only {_plain(product.stock_quantity)} {unit} left in stock"
            )
            raise InsufficientStock(message, errors={"status": [message]}) from None


def _set_status(kind, order, status, user):
    _check_status_value(status)
    locked = _lock(kind, order)
    if locked.status != status:
        _check_transition(kind, locked.status, status)
        _move_stock(kind, locked, locked.status, status, user)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        order.updated_at = locked.updated_at
    order.status = status
    return order


def _create(kind, fields, status, user):
    _check_status_value(status)
    _check_transition(kind, COMMANDE, status)
    product = fields[kind.product_field]
    if status != COMMANDE:
        lock_items(kind.product_model, [product.pk])  # the product first, then the order that references it
    fields.setdefault("unit_of_measure", "")
    order = kind.model(**fields, status=COMMANDE)
    if not order.unit_of_measure:
        order.unit_of_measure = product.unit_of_measure
    check_line(order)
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
    _check_transition(kind, current, target)
    if new_product is not None:  # the locked instance, so that stock moves see its locked figures
        changes[kind.product_field] = lock_items(kind.product_model, [new_product.pk])[new_product.pk]
    if changes.get("unit_of_measure") == "":
        product = changes.get(kind.product_field) or getattr(locked, kind.product_field)
        changes["unit_of_measure"] = product.unit_of_measure
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
    if frozen:
        check_line(locked)
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
def raw_product_order_create(*, user=None, status=COMMANDE, **fields):
    """A new purchase order. A `status` other than `commande` is reached by the same transition (and stock
    move) as a status change right after creating it: created as `recu`, it is received."""
    return _create(PURCHASE, fields, status, user)


@transaction.atomic
def raw_product_order_update(*, order, user=None, **changes):
    """Change a purchase order's fields and status together. Its material, quantity and unit cannot change
    while it stays received (409); a status change follows raw_product_order_set_status."""
    return _update(PURCHASE, order, changes, user)


@transaction.atomic
def raw_product_order_set_status(*, order, status, user=None):
    """Move a purchase order along its transition table: reaching `recu` adds its quantity (in the
    material's stock unit) to stock, leaving `recu` takes back what that added (409 if stock has less).
    `user` is who asked (for the ledger). The same status again changes nothing. Returns the order."""
    return _set_status(PURCHASE, order, status, user)


@transaction.atomic
def raw_product_order_delete(*, order):
    """Delete a purchase order, unless it is received (409): the ledger refers to it."""
    _delete(PURCHASE, order)


@transaction.atomic
def finished_product_order_create(*, user=None, status=COMMANDE, **fields):
    """A new sales order; a `status` other than `commande` is reached as by a status change (created as
    `expedie`, it is shipped, 409 if stock is short; `recu` is not reachable from `commande`)."""
    return _create(SALES, fields, status, user)


@transaction.atomic
def finished_product_order_update(*, order, user=None, **changes):
    """Change a sales order's fields and status together; its product, quantity and unit cannot change
    while it is shipped or delivered (409)."""
    return _update(SALES, order, changes, user)


@transaction.atomic
def finished_product_order_set_status(*, order, status, user=None):
    """Move a sales order along its transition table: reaching `expedie` takes its quantity from stock
    (409, nothing changed, if not enough), going back to `commande` returns it; `recu` is final."""
    return _set_status(SALES, order, status, user)


@transaction.atomic
def finished_product_order_delete(*, order):
    """Delete a sales order, unless it is shipped or delivered (409): the ledger refers to it."""
    _delete(SALES, order)


# --- Hub catalogue orders (SPEC section B "Orders") -------------------------------------------------
#
# Each service locks the product row, then the order row (always in that order, so two services never
# deadlock), re-checks the rule on what it locked, lets inventory.services.stock_change do the arithmetic
# in the database and record the ledger, and raises a stocky.errors exception that changes nothing.

CatalogueState = CatalogueOrder.State

_EVERY_WRITER = frozenset({Role.ADMIN, Role.MANAGER, Role.USER})
_ADMIN_OR_MANAGER = frozenset({Role.ADMIN, Role.MANAGER})

# (from, to): (roles allowed, stock effect: -1 takes the order's quantity, +1 gives it back, 0 none,
# with the ledger reason). Every pair not listed is refused; Completed and Cancelled are final.
CATALOGUE_TRANSITIONS = {
    (CatalogueState.DRAFT, CatalogueState.PENDING): (_EVERY_WRITER, 0, None),
    (CatalogueState.DRAFT, CatalogueState.CANCELLED): (_EVERY_WRITER, 0, None),
    (CatalogueState.PENDING, CatalogueState.READY): (_ADMIN_OR_MANAGER, -1, StockMovement.Reason.ORDER_APPROVAL),
    (CatalogueState.PENDING, CatalogueState.CANCELLED): (_EVERY_WRITER, 0, None),
    (CatalogueState.READY, CatalogueState.COMPLETED): (_ADMIN_OR_MANAGER, 0, None),
    (CatalogueState.READY, CatalogueState.CANCELLED): (
        _ADMIN_OR_MANAGER, +1, StockMovement.Reason.ORDER_CANCELLATION
    ),
}
CATALOGUE_INITIAL_STATES = (CatalogueState.DRAFT, CatalogueState.PENDING)
CATALOGUE_EDITABLE_STATES = (CatalogueState.DRAFT, CatalogueState.PENDING)


class TransitionForbidden(DomainError):
    """The transition exists, but the caller's role may not make it."""

    status_code = status.HTTP_403_FORBIDDEN


def _check_available(product, quantity):
    if quantity > product.quantity:
        message = (
            f"You specified the quantity {_plain(quantity)}, but the item '{product.name}' has only "
            f"{_plain(product.quantity)} unit(s) available"
        )
        raise InvalidInput(message, errors={"quantity": [message]})


def _lock_order(order):
    """Lock the order's product, then the order; returns the order as it is now, with its locked item."""
    products = lock_items(Product, [order.item_id])
    locked = CatalogueOrder.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:  # deleted by someone else meanwhile
        raise DomainError(f"The order {order.pk} does not exist", status_code=status.HTTP_404_NOT_FOUND)
    locked.item = products[locked.item_id]
    return locked


@transaction.atomic
def catalogue_order_create(*, item_id, client, quantity, user, description="", initial_state=CatalogueState.PENDING):
    """A new order for a catalogue product, Draft or Pending, for no more than the product has."""
    if initial_state not in CATALOGUE_INITIAL_STATES:
        message = f"The state '{initial_state}' cannot be an initial state"
        raise InvalidInput(message, errors={"initialState": [message]})
    product = lock_items(Product, [item_id]).get(item_id)
    if product is None:
        message = f"The item {item_id} does not exist"
        raise InvalidInput(message, errors={"itemId": [message]})
    _check_available(product, quantity)
    return CatalogueOrder.objects.create(
        item=product,
        client=client,
        description=description,
        quantity=quantity,
        state=initial_state,
        created_by=user,
    )


@transaction.atomic
def catalogue_order_update(*, order, client, quantity, description=None):
    """Change an order's client, description and quantity while it is Draft or Pending (409 after)."""
    order = _lock_order(order)
    if order.state not in CATALOGUE_EDITABLE_STATES:
        message = f"The order is {order.state}: only Draft or Pending orders can be edited"
        raise Conflict(message, errors={"state": [message]})
    _check_available(order.item, quantity)
    order.client, order.quantity = client, quantity
    if description is not None:
        order.description = description
    order.save(update_fields=["client", "description", "quantity", "updated_at"])
    return order


@transaction.atomic
def catalogue_order_transition(*, order, target, user):
    """Move an order to the state `target` along the SPEC's table, moving stock where the table says.

    Raises InvalidInput (400) for a state that does not exist, Conflict (409) for a move the table does
    not allow from the order's current state, TransitionForbidden (403) when the caller's role may not
    make it, and InsufficientStock (409) when approving would take the product below zero.
    """
    if target not in CatalogueState.values:
        message = f"The state '{target}' does not exist; the states are {', '.join(CatalogueState.values)}"
        raise InvalidInput(message, errors={"transition": [message]})
    order = _lock_order(order)
    rule = CATALOGUE_TRANSITIONS.get((order.state, target))
    if rule is None:
        message = f"The transaction cannot go from the state '{order.state}' to the state '{target}'"
        raise Conflict(message, errors={"transition": [message]})
    roles, direction, reason = rule
    if getattr(user, "role", None) not in roles:
        message = f"The role '{getattr(user, 'role', None)}' cannot move an order from '{order.state}' to '{target}'"
        raise TransitionForbidden(message, errors={"transition": [message]})
    if direction:
        try:
            stock_change(item=order.item, delta=direction * order.quantity, reason=reason, user=user, source=order)
        except InsufficientStock:
            message = (
                f"The order needs {_plain(order.quantity)} unit(s) of '{order.item.name}', but only "
                f"{_plain(order.item.quantity)} are available"
            )
            raise InsufficientStock(message, errors={"quantity": [message]}) from None
    order.state = target
    order.save(update_fields=["state", "updated_at"])
    return order


@transaction.atomic
def catalogue_order_delete(*, order, user=None):
    """Delete an order; a Ready order first gives its quantity back to stock."""
    order = _lock_order(order)
    if order.state == CatalogueState.READY:
        stock_change(
            item=order.item,
            delta=order.quantity,
            reason=StockMovement.Reason.ORDER_DELETION,
            user=user,
            source=order,
        )
    order.delete()
