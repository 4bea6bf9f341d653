from decimal import Decimal

from orders.models import CatalogueOrder


def make_order(item, user, quantity=1, state=CatalogueOrder.State.PENDING, client="Alice", **fields):
    """An order row as it would stand in `state` (no stock moved: set the product's quantity to match)."""
    return CatalogueOrder.objects.create(
        item=item, created_by=user, quantity=Decimal(quantity), state=state, client=client, **fields
    )
