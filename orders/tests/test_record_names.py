"""How plans and orders name themselves in the admin (titles, breadcrumbs, autocomplete, messages): quantities
as people write them, with their unit, not "2.000"."""

from decimal import Decimal

from inventory.models import FinishedProduct, Product, RawProduct
from orders.models import CatalogueOrder, FinishedProductOrder, RawProductOrder
from production.models import ProductionPlan


def test_plans_and_orders_read_without_trailing_zeros():
    tart, flour = FinishedProduct(name="Tarte aux fraises"), RawProduct(name="Farine")
    plan = ProductionPlan(pk=342, planned_quantity=Decimal("2.000"), unit_of_measure="unit", finished_product=tart)
    assert str(plan) == "Plan 342: 2 unit Tarte aux fraises"
    assert str(RawProductOrder(pk=5, quantity=Decimal("12.500"), unit_of_measure="kg", raw_product=flour)) == (
        "PO-5: 12.5 kg Farine"
    )
    # No unit on the order: the product's stock unit, which __str__ does not query for.
    assert (
        str(RawProductOrder(pk=6, quantity=Decimal("3.000"), unit_of_measure="", raw_product=flour)) == "PO-6: 3 Farine"
    )
    sale = FinishedProductOrder(pk=7, quantity=Decimal("4.000"), unit_of_measure="dozen", finished_product=tart)
    assert str(sale) == "SO-7: 4 dozen Tarte aux fraises"
    assert (
        str(CatalogueOrder(pk=8, quantity=Decimal("10.000"), item=Product(name="iPhone 12")))
        == "Order 8: 10 × iPhone 12"
    )
