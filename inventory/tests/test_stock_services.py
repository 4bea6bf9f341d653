"""The one service that moves stock: locks, refuses to go below zero, and records the ledger."""

from decimal import Decimal

import pytest

from inventory.models import RawProduct, StockMovement
from inventory.services import stock_change, stock_set
from stocky.errors import InsufficientStock

pytestmark = pytest.mark.django_db


@pytest.fixture
def flour():
    return RawProduct.objects.create(name="Flour", stock_quantity=10, unit_of_measure="kg")


def test_change_moves_stock_and_records_balance(flour, make_user):
    user = make_user()
    entry = stock_change(item=flour, delta=Decimal("-2.5"), reason=StockMovement.Reason.SHIPMENT, user=user)
    flour.refresh_from_db()
    assert flour.stock_quantity == Decimal("7.5")
    assert (entry.change, entry.balance_after, entry.item_type, entry.user) == (
        Decimal("-2.5"), Decimal("7.5"), "raw_product", user
    )


def test_change_below_zero_raises_and_changes_nothing(flour):
    with pytest.raises(InsufficientStock) as caught:
        stock_change(item=flour, delta=-11, reason=StockMovement.Reason.SHIPMENT)
    assert "10" in caught.value.message
    flour.refresh_from_db()
    assert flour.stock_quantity == 10
    assert not StockMovement.objects.exists()


def test_set_records_the_difference(flour):
    entry = stock_set(item=flour, quantity=4, note="counted")
    assert (entry.change, entry.balance_after, entry.reason, entry.note) == (-6, 4, "adjustment", "counted")
