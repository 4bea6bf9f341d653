"""Material requirements for a window of planned production, and the purchase orders that cover them."""

import datetime
from decimal import Decimal

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
from orders.models import RawProductOrder
from orders.tests.factories import RawProductOrderFactory
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/production/requirements"
MARCH = "from=2026-03-01&to=2026-03-31"


def at(day, hour=4):
    return datetime.datetime(2026, 3, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def bakery():
    """A month of bread and brioche planned, materials partly on hand and on order, two mills."""
    flour = RawProductFactory(name="Flour", stock_quantity=20, unit_of_measure="kg")
    butter = RawProductFactory(name="Butter", stock_quantity=1, unit_of_measure="kg")
    yeast = RawProductFactory(name="Yeast", stock_quantity=0, unit_of_measure="g")
    bread = FinishedProductFactory(name="Bread", unit_of_measure="unit")
    brioche = FinishedProductFactory(name="Brioche", unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    RecipeItemFactory(finished_product=bread, raw_product=yeast, quantity_required=10, unit_of_measure="g")
    RecipeItemFactory(finished_product=brioche, raw_product=flour, quantity_required=250, unit_of_measure="g")
    RecipeItemFactory(finished_product=brioche, raw_product=butter, quantity_required=125, unit_of_measure="g")
    # In the window: 100 bread, 40 brioche (one plan started). Outside it, or done, or cancelled: ignored.
    ProductionPlanFactory(finished_product=bread, planned_quantity=60, planned_production_date=at(3))
    ProductionPlanFactory(
        finished_product=bread, planned_quantity=40, planned_production_date=at(31, 22), status="in_progress"
    )
    ProductionPlanFactory(finished_product=brioche, planned_quantity=40, planned_production_date=at(15))
    before_march = at(1) - datetime.timedelta(hours=5)
    ProductionPlanFactory(finished_product=bread, planned_quantity=999, planned_production_date=before_march)
    for status in ("completed", "cancelled"):
        ProductionPlanFactory(
            finished_product=bread, planned_quantity=999, planned_production_date=at(10), status=status
        )
    mill, moulin = SupplierFactory(name="Mill"), SupplierFactory(name="Moulin")
    # Mill: 0.90 per kg. Moulin: 0.08 per 100 g... per g: 0.0008 -> 0.80 per kg, cheaper.
    SupplierRawProductFactory(supplier=mill, raw_product=flour, unit_price="0.90", unit_of_measure="kg")
    SupplierRawProductFactory(supplier=moulin, raw_product=flour, unit_price="800.00", unit_of_measure="t")
    SupplierRawProductFactory(supplier=mill, raw_product=butter, unit_price="9.50", unit_of_measure="kg")
    # Open purchase orders count as on order; received or out-of-stock ones do not.
    RawProductOrderFactory(raw_product=flour, supplier=mill, quantity=10, status="expedie")
    RawProductOrderFactory(raw_product=flour, supplier=mill, quantity=500, unit_of_measure="g", status="commande")
    RawProductOrderFactory(raw_product=flour, supplier=mill, quantity=99, status="rupture_de_stock")
    return {"flour": flour, "butter": butter, "yeast": yeast, "mill": mill, "moulin": moulin}


def test_requirements_for_a_month(api, bakery):
    response = api.get(f"{URL}?{MARCH}")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Material requirements fetched successfully"
    data = body["data"]
    assert (data["from"], data["to"]) == ("2026-03-01", "2026-03-31")
    butter, flour, yeast = data["materials"]  # by name
    # Flour: 100 × 0.5 kg + 40 × 0.25 kg = 60 kg; 20 on hand, 10.5 on order: 29.5 short, cheapest at Moulin.
    assert flour == {
        "raw_product_id": bakery["flour"].pk,
        "raw_product_name": "Flour",
        "unit_of_measure": "kg",
        "required": 60,
        "on_hand": 20,
        "on_order": 10.5,
        "shortfall": 29.5,
        "suggestion": {
            "supplier_id": bakery["moulin"].pk,
            "supplier_name": "Moulin",
            "unit_price": 0.8,
            "quantity": 29.5,
            "cost": 23.6,
            "price_list_unit_price": 800,
            "price_list_unit_of_measure": "t",
        },
        "reason": None,
    }
    # Butter: 40 × 125 g = 5 kg, 1 on hand: 4 kg from Mill at 9.50.
    assert (butter["required"], butter["shortfall"], butter["suggestion"]["cost"]) == (5, 4, 38)
    # Yeast: 100 × 10 g = 1000 g, nobody sells it.
    assert (yeast["unit_of_measure"], yeast["required"], yeast["shortfall"]) == ("g", 1000, 1000)
    assert yeast["suggestion"] is None
    assert yeast["reason"] == "No supplier sells it: add it to a supplier's price list"
    assert data["suppliers"] == [
        {
            "supplier_id": bakery["mill"].pk,
            "supplier_name": "Mill",
            "total": 38,
            "materials": [
                {
                    "raw_product_id": bakery["butter"].pk,
                    "raw_product_name": "Butter",
                    "quantity": 4,
                    "unit_of_measure": "kg",
                    "cost": 38,
                }
            ],
        },
        {
            "supplier_id": bakery["moulin"].pk,
            "supplier_name": "Moulin",
            "total": 23.6,
            "materials": [
                {
                    "raw_product_id": bakery["flour"].pk,
                    "raw_product_name": "Flour",
                    "quantity": 29.5,
                    "unit_of_measure": "kg",
                    "cost": 23.6,
                }
            ],
        },
    ]
    assert data["total_cost"] == 61.6


def test_nothing_short_has_no_suggestion_and_says_why(api, bakery):
    line = next(
        m
        for m in api.get(f"{URL}?from=2026-03-02&to=2026-03-03").json()["data"]["materials"]
        if m["raw_product_name"] == "Flour"
    )
    # 60 bread: 30 kg needed, 20 + 10.5 cover it... not quite: 30 - 30.5 < 0, nothing to buy.
    assert (line["required"], line["shortfall"], line["suggestion"]) == (30, 0, None)
    assert line["reason"].startswith("Nothing to buy")


def test_a_price_in_a_unit_that_cannot_convert_is_skipped_and_named(api, bakery):
    SupplierRawProductFactory(
        supplier=bakery["moulin"], raw_product=bakery["yeast"], unit_price=3, unit_of_measure="unit"
    )
    yeast = api.get(f"{URL}?{MARCH}").json()["data"]["materials"][2]
    assert yeast["suggestion"] is None
    assert yeast["reason"] == (
        "No usable price: Moulin sells it per unit, which does not convert to g "
        "(give the material an equivalence between the two)"
    )


def test_a_window_without_plans_is_empty(api, bakery):
    data = api.get(f"{URL}?from=2027-01-01&to=2027-01-31").json()["data"]
    assert (data["materials"], data["suppliers"], data["total_cost"]) == ([], [], 0)


def test_the_widest_window_is_fine(api, bakery):
    data = api.get(f"{URL}?from=0001-01-01&to=9999-12-31").json()["data"]
    # The plan of February counts now; the completed and cancelled ones (999 each) still do not.
    assert [line["required"] for line in data["materials"]] == [5, 60 + 499.5, 1000 + 9990]


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "from"),
        ("from=2026-03-01", "to"),
        ("from=2026-02-30&to=2026-03-31", "from"),
        ("from=2026-03-01&to=tomorrow", "to"),
        ("from=2026-03-31&to=2026-03-01", "from"),
    ],
)
def test_a_bad_window_is_400(api, query, field):
    body = assert_error(api.get(f"{URL}?{query}"), 400)
    assert field in body["errors"]


def test_readonly_users_read_and_may_not_order(client_for, bakery):
    readonly = client_for(Role.READONLY)
    assert readonly.get(f"{URL}?{MARCH}").status_code == 200
    assert_error(readonly.post(f"{URL}/orders", {"from": "2026-03-01", "to": "2026-03-31"}), 403)
    assert not RawProductOrder.objects.filter(status="commande", quantity__gt=1000).exists()


def test_one_call_turns_the_suggestions_into_purchase_orders(client_for, bakery):
    user = client_for(Role.USER)
    before = set(RawProductOrder.objects.values_list("pk", flat=True))
    window = {"from": "2026-03-01", "to": "2026-03-31", "expected_delivery_date": "2026-02-27"}
    response = user.post(f"{URL}/orders", window)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "2 purchase order(s) created; not ordered, no usable supplier price: Yeast"
    created = {row["raw_product_name"]: row for row in body["data"]}
    assert set(created) == {"Butter", "Flour"}
    assert {
        k: created["Flour"][k]
        for k in ("supplier_name", "quantity", "unit_of_measure", "price", "status", "expected_delivery_date")
    } == {
        "supplier_name": "Moulin",
        "quantity": 29.5,
        "unit_of_measure": "kg",
        "price": 23.6,
        "status": "commande",
        "expected_delivery_date": "2026-02-27",
    }
    new = RawProductOrder.objects.exclude(pk__in=before)
    assert sorted(new.values_list("supplier__name", "price")) == [
        ("Mill", Decimal("38.00")),
        ("Moulin", Decimal("23.60")),
    ]
    # Now on order: nothing left to buy that a supplier sells.
    again = user.post(f"{URL}/orders", {"from": "2026-03-01", "to": "2026-03-31"})
    assert again.status_code == 200 and again.json()["data"] == []
    assert again.json()["message"] == (
        "Nothing to order from 2026-03-01 to 2026-03-31; not ordered, no usable supplier price: Yeast"
    )
    assert RawProductOrder.objects.exclude(pk__in=before).count() == 2


def test_the_delivery_date_defaults_to_the_windows_start_or_today(api, bakery):
    future = timezone.localdate() + datetime.timedelta(days=10)
    plan_day = datetime.datetime.combine(future, datetime.time(4), tzinfo=datetime.UTC)
    ProductionPlanFactory(
        finished_product=bakery["flour"].recipe_items.first().finished_product,
        planned_quantity=500,
        planned_production_date=plan_day,
    )
    response = api.post(f"{URL}/orders?from={future}&to={future}")
    assert response.status_code == 201
    assert {row["expected_delivery_date"] for row in response.json()["data"]} == {future.isoformat()}
    past = api.post(f"{URL}/orders", {"from": "2026-03-01", "to": "2026-03-31"}).json()["data"]
    assert {row["expected_delivery_date"] for row in past} <= {timezone.localdate().isoformat()}


def test_nothing_short_at_all_answers_200_with_an_empty_list(api):
    response = api.post(f"{URL}/orders", {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Nothing to order from 2026-03-01 to 2026-03-31: nothing is short",
        "data": [],
    }


@pytest.mark.parametrize(
    "body",
    [
        {"from": "2026-03-31", "to": "2026-03-01"},
        {"to": "2026-03-01"},
        {"from": "2026-03-01", "to": "2026-03-31", "expected_delivery_date": "soon"},
    ],
)
def test_bad_order_requests_are_400_and_create_nothing(api, bakery, body):
    count = RawProductOrder.objects.count()
    assert_error(api.post(f"{URL}/orders", body), 400)
    assert RawProductOrder.objects.count() == count


def test_the_answer_costs_the_same_queries_for_one_plan_or_many(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_product(n):
        for _ in range(n):
            raw = RawProductFactory(stock_quantity=0)
            SupplierRawProductFactory(raw_product=raw)
            item = RecipeItemFactory(raw_product=raw, unit_of_measure="g")
            ProductionPlanFactory(finished_product=item.finished_product, planned_production_date=at(5))
            RawProductOrderFactory(raw_product=raw, quantity=1)

    add_product(1)
    api.get(f"{URL}?{MARCH}")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(f"{URL}?{MARCH}").json()["data"]["materials"]) == 1
    add_product(20)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"{URL}?{MARCH}").json()["data"]["materials"]) == 21
    assert len(one) == len(many)
