"""Hub catalogue orders and their state machine (SPEC section B "Orders"); approval moves stock through the
ledger (inventory.services)."""

from decimal import Decimal

from django.db import transaction

from accounts.models import Role, User
from inventory.models import Product, StockMovement
from inventory.services import lock_items, stock_change
from orders.models import (
    CatalogueOrder,
)
from stocky.kit.errors import Conflict, Forbidden, InsufficientStock, InvalidInput, InvalidTransition, NotFound, plain

#
# Each service locks the product row, then the order row (always in that order, so two services never
# deadlock), re-checks the rule on what it locked, lets inventory.services.stock_change do the arithmetic
# in the database and record the ledger, and raises a stocky.kit.errors exception that changes nothing.

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
    (CatalogueState.READY, CatalogueState.CANCELLED): (_ADMIN_OR_MANAGER, +1, StockMovement.Reason.ORDER_CANCELLATION),
}
CATALOGUE_INITIAL_STATES = (CatalogueState.DRAFT, CatalogueState.PENDING)
CATALOGUE_EDITABLE_STATES = (CatalogueState.DRAFT, CatalogueState.PENDING)


class TransitionForbidden(Forbidden):
    """The transition exists, but the caller's role may not make it."""


def _check_available(product, quantity):
    if quantity > product.quantity:
        message = (
            f"You specified the quantity {plain(quantity)}, but the item '{product.name}' has only "
            f"{plain(product.quantity)} unit(s) available"
        )
        raise InvalidInput(message, errors={"quantity": [message]})


def _lock_order(order):
    """Lock the order's product, then the order; returns the order as it is now, with its locked item."""
    products = lock_items(Product, [order.item_id])
    locked = CatalogueOrder.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:  # deleted by someone else meanwhile
        raise NotFound(f"The order {order.pk} does not exist")
    locked.item = products[locked.item_id]
    return locked


@transaction.atomic
def catalogue_order_create(
    *,
    item_id: int,
    client: str,
    quantity: Decimal,
    user: User,
    description: str = "",
    initial_state: str = CatalogueState.PENDING,
) -> CatalogueOrder:
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
def catalogue_order_update(
    *, order: CatalogueOrder, client: str, quantity: Decimal, description: str | None = None
) -> CatalogueOrder:
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
def catalogue_order_transition(*, order: CatalogueOrder, target: str, user: User) -> CatalogueOrder:
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
        raise InvalidTransition(order, order.state, target, message=message, field="transition")
    roles, direction, reason = rule
    if getattr(user, "role", None) not in roles:
        message = f"The role '{getattr(user, 'role', None)}' cannot move an order from '{order.state}' to '{target}'"
        raise TransitionForbidden(message, errors={"transition": [message]})
    if direction:
        try:
            stock_change(item=order.item, delta=direction * order.quantity, reason=reason, user=user, source=order)
        except InsufficientStock as exc:
            message = (
                f"The order needs {plain(order.quantity)} unit(s) of '{order.item.name}', but only "
                f"{plain(order.item.quantity)} are available"
            )
            raise InsufficientStock(exc.shortages, message=message) from None
    order.state = target
    order.save(update_fields=["state", "updated_at"])
    return order


@transaction.atomic
def catalogue_order_delete(*, order: CatalogueOrder, user: User | None = None) -> None:
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
