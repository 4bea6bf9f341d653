"""What a finished product really costs: materials at the cheapest price, labour, margin, and what is missing."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import assert_error
from orders.tests.factories import FinishedProductOrderFactory
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db


def url(product):
    return f"/api/v1/finished-products/{product.pk}/cost"


@pytest.fixture
def tart():
    """A lemon tart stocked by the piece: 200 g flour, 100 g butter, 2 eggs, 50 ml of a cream nobody sells."""
    product = FinishedProductFactory(name="Lemon tart", unit_of_measure="unit")
    flour = RawProductFactory(name="Flour", unit_of_measure="kg")
    butter = RawProductFactory(name="Butter", unit_of_measure="kg")
    eggs = RawProductFactory(name="Eggs", unit_of_measure="unit")
    cream = RawProductFactory(name="Cream", unit_of_measure="l")
    for raw, quantity, unit in ((flour, 200, "g"), (butter, 100, "g"), (eggs, 2, "unit"), (cream, 50, "ml")):
        RecipeItemFactory(finished_product=product, raw_product=raw, quantity_required=quantity, unit_of_measure=unit)
    mill, farm = SupplierFactory(name="Mill"), SupplierFactory(name="Farm")
    SupplierRawProductFactory(supplier=mill, raw_product=flour, unit_price="1.20", unit_of_measure="kg")
    SupplierRawProductFactory(supplier=farm, raw_product=flour, unit_price="0.15", unit_of_measure="g")  # dearer
    SupplierRawProductFactory(supplier=farm, raw_product=butter, unit_price="10.00", unit_of_measure="kg")
    SupplierRawProductFactory(supplier=farm, raw_product=eggs, unit_price="3.60", unit_of_measure="dozen")
    return {"product": product, "flour": flour, "cream": cream, "mill": mill, "farm": farm}


def test_materials_at_the_cheapest_price_and_what_could_not_be_priced(api, tart):
    data = api.get(url(tart["product"])).json()["data"]
    flour, butter, eggs, cream = data["materials"]
    assert flour == {
        "raw_product_id": tart["flour"].pk,
        "raw_product_name": "Flour",
        "quantity": 0.2,
        "unit_of_measure": "kg",
        "unit_price": 1.2,
        "supplier_id": tart["mill"].pk,
        "supplier_name": "Mill",
        "cost": 0.24,
    }
    assert (butter["quantity"], butter["unit_price"], butter["cost"]) == (0.1, 10, 1)
    assert (eggs["quantity"], eggs["unit_price"], eggs["cost"], eggs["supplier_name"]) == (2, 0.3, 0.6, "Farm")
    assert (cream["quantity"], cream["unit_of_measure"], cream["cost"], cream["supplier_id"]) == (0.05, "l", None, None)
    assert data["missing_prices"] == [
        {
            "raw_product_id": tart["cream"].pk,
            "raw_product_name": "Cream",
            "reason": "No supplier sells it: add it to a supplier's price list",
            "path": "Lemon tart",
        }
    ]
    # Left out, not counted: 0.24 + 1 + 0.6.
    assert data["material_cost"] == 1.84
    assert (data["labour_cost"], data["labour_basis"], data["unit_cost"]) == (None, None, 1.84)
    assert (data["average_sale_price"], data["margin"], data["margin_rate"]) == (None, None, None)


def test_labour_from_the_last_five_completed_runs(api, tart):
    product = tart["product"]
    now = timezone.now()
    # Six completed runs; the oldest (absurdly dear) is beyond the last five and does not count.
    ProductionPlanFactory(
        finished_product=product,
        status="completed",
        planned_quantity=1,
        produced_quantity=1,
        actual_duration=100,
        hourly_rate=100,
        completed_at=now - datetime.timedelta(days=30),
    )
    used = [
        ProductionPlanFactory(
            finished_product=product,
            status="completed",
            planned_quantity=50,
            produced_quantity=40,
            planned_duration=3,
            actual_duration=4,
            hourly_rate=20,
            completed_at=now - datetime.timedelta(days=day),
        )
        for day in range(5, 0, -1)
    ]
    # Runs in dozens count in the stock unit; planned and cancelled plans do not count.
    used[0].unit_of_measure, used[0].produced_quantity = "dozen", 4  # 48 units
    used[0].save()
    ProductionPlanFactory(finished_product=product, planned_quantity=1, planned_duration=100, hourly_rate=100)
    ProductionPlanFactory(finished_product=product, status="cancelled", planned_quantity=1, planned_duration=100)
    data = api.get(url(product)).json()["data"]
    # 5 runs × 4 h × 20 = 400 for 40 × 4 + 48 = 208 tarts.
    assert data["labour_cost"] == 1.92
    assert data["labour_basis"] == {"source": "completed_plans", "plan_ids": [plan.pk for plan in reversed(used)]}
    assert data["unit_cost"] == 3.76


def test_without_a_completed_run_the_latest_plans_planned_figures(api, tart):
    product = tart["product"]
    ProductionPlanFactory(
        finished_product=product,
        planned_quantity=10,
        planned_duration=1,
        hourly_rate=30,
        planned_production_date=timezone.now() - datetime.timedelta(days=3),
    )
    latest = ProductionPlanFactory(
        finished_product=product,
        planned_quantity=24,
        planned_duration=2,
        hourly_rate=18,
        planned_production_date=timezone.now() + datetime.timedelta(days=3),
    )
    data = api.get(url(product)).json()["data"]
    assert data["labour_cost"] == 1.5  # 2 h × 18 / 24
    assert data["labour_basis"] == {"source": "latest_plan", "plan_ids": [latest.pk]}


def test_a_completed_run_without_actual_duration_uses_the_planned_one(api, tart):
    ProductionPlanFactory(
        finished_product=tart["product"],
        status="completed",
        planned_quantity=10,
        produced_quantity=10,
        planned_duration=1,
        hourly_rate=25,
        completed_at=timezone.now(),
    )
    assert api.get(url(tart["product"])).json()["data"]["labour_cost"] == 2.5


def test_average_sale_price_and_margin(api, tart):
    product = tart["product"]
    FinishedProductOrderFactory(finished_product=product, quantity=10, sale_price=45)
    FinishedProductOrderFactory(finished_product=product, quantity=1, unit_of_measure="dozen", sale_price=51)
    FinishedProductOrderFactory(finished_product=product, quantity=100, sale_price=1, status="rupture_de_stock")
    data = api.get(url(product)).json()["data"]
    assert data["average_sale_price"] == 4.36  # 96 for 22 tarts
    assert data["margin"] == 2.52  # 4.3636... - 1.84
    assert data["margin_rate"] == 0.5783


def test_an_unknown_product_is_404_and_everyone_may_read(client_for, tart):
    assert client_for(Role.READONLY).get(url(tart["product"])).status_code == 200
    assert_error(client_for(Role.READONLY).get("/api/v1/finished-products/999/cost"), 404)
    assert_error(client_for(Role.USER).post(url(tart["product"])), 405)


def test_the_cost_costs_the_same_queries_for_a_long_recipe(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = FinishedProductFactory()

    def add_items(n):
        for _ in range(n):
            item = RecipeItemFactory(finished_product=product, unit_of_measure="g")
            SupplierRawProductFactory(raw_product=item.raw_product)
            ProductionPlanFactory(
                finished_product=product, status="completed", produced_quantity=5, completed_at=timezone.now()
            )

    add_items(1)
    api.get(url(product))  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        api.get(url(product))
    add_items(20)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url(product)).json()["data"]["materials"]) == 21
    assert len(one) == len(many)
