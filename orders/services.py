"""Order status changes: one service per kind of order, used by the API and the admin alike.

For now a change only sets the status. Receiving a purchase order or shipping a sales order will
move stock here (through inventory.services.stock_change), which is why each change already locks
the order row and runs in one transaction.
"""

from django.db import transaction

from orders.models import FinishedProductOrder, OrderStatus, RawProductOrder
from stocky.errors import InvalidInput


def _set_status(model, order, status):
    if status not in OrderStatus.values:
        raise InvalidInput(
            f"'{status}' is not a valid status",
            errors={"status": [f"'{status}' is not a valid status. Valid statuses: {', '.join(OrderStatus.values)}."]},
        )
    # Lock the row so that two changes of the same order run one after the other, each seeing the
    # status the other left.
    locked = model.objects.select_for_update().only("id", "status").get(pk=order.pk)
    if locked.status != status:
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        order.updated_at = locked.updated_at
    order.status = status
    return order


@transaction.atomic
def raw_product_order_set_status(*, order, status, user=None):
    """Set a purchase order's status. `user` is who asked (for the stock ledger). Returns the order."""
    return _set_status(RawProductOrder, order, status)


@transaction.atomic
def finished_product_order_set_status(*, order, status, user=None):
    """Set a sales order's status. `user` is who asked (for the stock ledger). Returns the order."""
    return _set_status(FinishedProductOrder, order, status)
