"""Writes that move stock issue a number of queries that does not grow with the recipe's lines or the lots
drawn (issue 16): a plan's completion, a sales order's shipment, a window's purchase orders."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.lots.services import lot_create
from inventory.tests.factories import FinishedProductFactory, RawProductFactory, SupplierRawProductFactory
from inventory.tests.utils import assert_stock_lots_and_ledger_agree
from orders.services import finished_product_order_set_status
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from production.services import production_plan_complete, requirements_orders_create
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def completion_queries(lines, lots, components=1):
    """Queries to complete a plan of `lines` recipe lines and `components` component lines (in g, stocked in
    kg), each material and component in `lots` lots of 1 kg, every lot drawn."""
    bread = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit", shelf_life_days=3)
    materials = []
    for n in range(lines + components):
        if n >= lines:  # a component: a finished product made in house, in kg
            raw = FinishedProductFactory(stock_quantity=0, unit_of_measure="kg")
        else:
            raw = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
        for day in range(lots):
            lot_create(item=raw, quantity=1, use_by=TODAY + datetime.timedelta(days=10 + day))
        # 10 loaves: every lot emptied but the last, which keeps 0.5 kg.
        per_loaf = (lots - Decimal("0.5")) * 100
        if n >= lines:
            RecipeComponentFactory(
                finished_product=bread, component=raw, quantity_required=per_loaf, unit_of_measure="g"
            )
        else:
            RecipeItemFactory(finished_product=bread, raw_product=raw, quantity_required=per_loaf, unit_of_measure="g")
        materials.append(raw)
    plan = ProductionPlanFactory(finished_product=bread, planned_quantity=10, unit_of_measure="unit")
    with CaptureQueriesContext(connection) as queries:
        production_plan_complete(plan=plan)
    for raw in materials:
        raw.refresh_from_db()
        assert raw.stock_quantity == Decimal("0.5")
        assert_stock_lots_and_ledger_agree(raw)
    bread.refresh_from_db()
    assert bread.stock_quantity == 10
    assert_stock_lots_and_ledger_agree(bread)
    return len(queries)


def shipment_queries(lots):
    bread = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit")
    for n in range(lots):
        lot_create(item=bread, quantity=2, use_by=TODAY + datetime.timedelta(days=10 + n))
    order = FinishedProductOrderFactory(
        finished_product=bread, client=ClientFactory(), quantity=2 * lots - 1, unit_of_measure="unit"
    )
    with CaptureQueriesContext(connection) as queries:
        finished_product_order_set_status(order=order, status="expedie")
    bread.refresh_from_db()
    assert bread.stock_quantity == 1
    assert_stock_lots_and_ledger_agree(bread)
    return len(queries)


def requirements_queries(materials):
    day = timezone.now() + datetime.timedelta(days=3)
    for _ in range(materials):
        raw = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
        SupplierRawProductFactory(raw_product=raw)
        item = RecipeItemFactory(raw_product=raw, unit_of_measure="g")
        ProductionPlanFactory(finished_product=item.finished_product, planned_production_date=day)
    window = {"date_from": day.date() - datetime.timedelta(days=1), "date_to": day.date() + datetime.timedelta(days=1)}
    with CaptureQueriesContext(connection) as queries:
        orders, _ = requirements_orders_create(**window)
    assert len(orders) == materials
    return len(queries)


def test_a_completion_costs_the_same_queries_for_2_or_20_recipe_lines():
    assert completion_queries(lines=2, lots=2) == completion_queries(lines=20, lots=2)


def test_a_completion_costs_the_same_queries_for_1_or_10_components():
    assert completion_queries(lines=2, lots=2, components=1) == completion_queries(lines=2, lots=2, components=10)


def test_a_completion_costs_the_same_queries_whatever_the_lots_each_material_is_drawn_from():
    assert completion_queries(lines=2, lots=2) == completion_queries(lines=2, lots=5)


def test_a_shipment_costs_the_same_queries_for_1_or_10_lots():
    assert shipment_queries(lots=1) == shipment_queries(lots=10)


def test_a_windows_purchase_orders_cost_the_same_queries_for_2_or_20_short_materials():
    assert requirements_queries(materials=2) == requirements_queries(materials=20)


def test_purchase_orders_made_at_once_refuse_a_unit_that_does_not_convert_and_create_none():
    from orders.models import RawProductOrder
    from orders.services import raw_product_orders_create
    from stocky.kit.errors import InvalidInput

    flour, eggs = RawProductFactory(unit_of_measure="kg"), RawProductFactory(unit_of_measure="unit")
    supplier = SupplierRawProductFactory(raw_product=flour).supplier
    common = {"supplier": supplier, "expected_delivery_date": TODAY, "price": "4.50"}
    lines = [
        {"raw_product": flour, "quantity": 5, "unit_of_measure": "", **common},
        {"raw_product": eggs, "quantity": 2, "unit_of_measure": "l", **common},
    ]
    with pytest.raises(InvalidInput) as refused:
        raw_product_orders_create(orders=lines)
    assert "unit_of_measure" in refused.value.errors
    assert not RawProductOrder.objects.exists()
    [order] = raw_product_orders_create(orders=lines[:1])
    assert (order.pk, order.status, order.unit_of_measure) == (RawProductOrder.objects.get().pk, "commande", "kg")
