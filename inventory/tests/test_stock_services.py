"""The one service that moves stock: locks, refuses to go below zero, and records the ledger."""

from decimal import Decimal

import pytest

from inventory.models import RawProduct, StockMovement
from inventory.services import raw_product_create, stock_change, stock_set
from stocky.kit.errors import InsufficientStock

pytestmark = pytest.mark.django_db


@pytest.fixture
def flour():
    # Through the service: its starting stock is a lot and an `initial` ledger entry.
    return raw_product_create(name="Flour", stock_quantity=10, unit_of_measure="kg")


def test_change_moves_stock_and_records_balance(flour, make_user):
    user = make_user()
    entry = stock_change(item=flour, delta=Decimal("-2.5"), reason=StockMovement.Reason.SHIPMENT, user=user)
    flour.refresh_from_db()
    assert flour.stock_quantity == Decimal("7.5")
    assert (entry.change, entry.balance_after, entry.item_type, entry.user) == (
        Decimal("-2.5"),
        Decimal("7.5"),
        "raw_product",
        user,
    )


def test_changes_that_empty_the_stock_exactly_leave_zero(flour):
    # SQLite keeps decimals as binary floats: 0.7 - 0.4 - 0.3 computed there is just below 0.
    stock_set(item=flour, quantity=Decimal("0.7"))
    stock_change(item=flour, delta=Decimal("-0.4"), reason=StockMovement.Reason.SHIPMENT)
    entry = stock_change(item=flour, delta=Decimal("-0.3"), reason=StockMovement.Reason.SHIPMENT)
    flour.refresh_from_db()
    assert flour.stock_quantity == 0 == entry.balance_after
    assert RawProduct.objects.filter(pk=flour.pk, stock_quantity__gt=0).count() == 0


def test_change_below_zero_raises_and_changes_nothing(flour):
    with pytest.raises(InsufficientStock) as caught:
        stock_change(item=flour, delta=-11, reason=StockMovement.Reason.SHIPMENT)
    assert "10" in caught.value.message
    flour.refresh_from_db()
    assert flour.stock_quantity == 10
    assert list(StockMovement.objects.values_list("reason", flat=True)) == ["initial"]


def test_set_records_the_difference(flour):
    entry = stock_set(item=flour, quantity=4, note="counted")
    assert (entry.change, entry.balance_after, entry.reason, entry.note) == (-6, 4, "adjustment", "counted")
