"""Completing a plan whose recipe has a component (SPEC E): the dough is drawn from its lots like a material
(first-expiry-first-out, never on hold or past use-by), a short dough is a 409 naming it, the croissants'
use-by follows the shortest-lived lot among materials and components, and the trace follows both levels."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.lots.services import lot_create, lot_hold
from inventory.models import Lot, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory, SupplierFactory
from inventory.tests.utils import assert_error, assert_stock_lots_and_ledger_agree
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def snapshot():
    return sorted(Lot.objects.values_list("pk", "quantity", "status")), StockMovement.objects.count()


@pytest.fixture
def bakery():
    """Croissant (5-day shelf life): 80 g of dough and 5 g of sugar each. Dough (kg) in four lots: one on
    hold, one past its use-by, an early one and a late one; sugar keeps long."""
    sugar = RawProductFactory(name="Sugar", stock_quantity=0, unit_of_measure="kg")
    dough = FinishedProductFactory(name="Pâte à croissant", stock_quantity=0, unit_of_measure="kg", shelf_life_days=3)
    croissant = FinishedProductFactory(name="Croissant", stock_quantity=0, unit_of_measure="unit", shelf_life_days=5)
    RecipeItemFactory(finished_product=croissant, raw_product=sugar, quantity_required=5, unit_of_measure="g")
    RecipeComponentFactory(finished_product=croissant, component=dough, quantity_required=80, unit_of_measure="g")
    lot_create(item=sugar, quantity=10, code="SU-1", use_by=days(300))
    held = lot_create(item=dough, quantity=5, code="D-HELD", use_by=days(1))
    lot_hold(lot=held, reason="suspect butter")
    lot_create(item=dough, quantity=5, code="D-OLD", use_by=days(-1))
    early = lot_create(item=dough, quantity=2, code="D-EARLY", use_by=days(2))
    late = lot_create(item=dough, quantity=3, code="D-LATE", use_by=days(4))
    return {"croissant": croissant, "dough": dough, "sugar": sugar, "early": early, "late": late, "held": held}


def test_completion_draws_the_dough_first_expiry_first_out_and_limits_the_use_by(api, bakery):
    plan = ProductionPlanFactory(finished_product=bakery["croissant"], planned_quantity=40, unit_of_measure="unit")
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", {"batch_code": "CR-1"})
    assert response.status_code == 200, response.json()
    # 40 × 80 g = 3.2 kg of dough: the 2 kg of D-EARLY, then 1.2 of D-LATE; the held and the expired lots stay.
    early, late = (Lot.objects.get(pk=bakery[name].pk) for name in ("early", "late"))
    assert (early.quantity, late.quantity) == (0, Decimal("1.8"))
    assert Lot.objects.get(code="D-HELD").quantity == 5 and Lot.objects.get(code="D-OLD").quantity == 5
    entries = StockMovement.objects.filter(reason="production_consumption", item_type="finished_product")
    assert sorted((entry.lot_id, entry.change) for entry in entries) == [
        (early.pk, Decimal("-2")),
        (late.pk, Decimal("-1.2")),
    ]
    output = response.json()["data"]["output_lot"]
    # The dough's D-EARLY (2 days) is shorter than the croissant's 5 days of shelf life.
    assert (output["code"], output["use_by"], output["limiting_lot_id"]) == ("CR-1", str(days(2)), early.pk)
    for item in ("dough", "sugar", "croissant"):
        bakery[item].refresh_from_db()
        assert_stock_lots_and_ledger_agree(bakery[item])
    assert bakery["dough"].stock_quantity == Decimal("11.8")


def test_a_named_dough_lot_is_drawn_first(api, bakery):
    plan = ProductionPlanFactory(finished_product=bakery["croissant"], planned_quantity=10, unit_of_measure="unit")
    body = {"lots": [{"lot_id": bakery["late"].pk, "quantity": 0.8}]}
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", body)
    assert response.status_code == 200, response.json()
    assert Lot.objects.get(pk=bakery["late"].pk).quantity == Decimal("2.2")
    assert Lot.objects.get(pk=bakery["early"].pk).quantity == 2
    held = {"lots": [{"lot_id": bakery["held"].pk, "quantity": 0.8}]}
    other = ProductionPlanFactory(finished_product=bakery["croissant"], planned_quantity=10, unit_of_measure="unit")
    body = assert_error(api.post(f"/api/v1/production-plans/{other.pk}/complete", held), 409, "lots")
    assert "D-HELD" in body["message"] and "on hold" in body["message"]


def test_a_short_dough_is_a_409_naming_it_and_nothing_moves(api, bakery):
    # 100 croissants need 8 kg of dough: 15 kg in stock, but only 5 of it usable (held and expired lots).
    plan = ProductionPlanFactory(finished_product=bakery["croissant"], planned_quantity=100, unit_of_measure="unit")
    before = snapshot()
    body = assert_error(api.post(f"/api/v1/production-plans/{plan.pk}/complete"), 409, "materials")
    assert body["message"] == f"Cannot complete production plan {plan.pk}: component(s) short: Pâte à croissant"
    (line,) = body["errors"]["materials"]
    assert line.startswith(f"'Pâte à croissant' (finished product {bakery['dough'].pk}): 8 kg needed, 5 kg usable")
    assert snapshot() == before
    plan.refresh_from_db()
    assert plan.status == "planned"


def test_a_dough_short_in_stock_and_a_short_material_are_both_named(api, bakery):
    plan = ProductionPlanFactory(finished_product=bakery["croissant"], planned_quantity=2500, unit_of_measure="unit")
    body = assert_error(api.post(f"/api/v1/production-plans/{plan.pk}/complete"), 409, "materials")
    assert body["message"] == (
        f"Cannot complete production plan {plan.pk}: 1 material(s) short; component(s) short: Pâte à croissant"
    )
    assert len(body["errors"]["materials"]) == 2


def test_a_two_level_trace_from_flour_to_the_client_and_back(api):
    """Flour → dough batch (level 1) → croissant batch (level 2) → a client's order; and back."""
    mill = SupplierFactory(name="Moulin Gaubert")
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    dough = FinishedProductFactory(name="Dough", stock_quantity=0, unit_of_measure="kg")
    croissant = FinishedProductFactory(name="Croissant", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=dough, raw_product=flour, quantity_required="0.6", unit_of_measure="kg")
    RecipeComponentFactory(finished_product=croissant, component=dough, quantity_required=80, unit_of_measure="g")
    flour_lot = lot_create(item=flour, quantity=10, code="FL-1", supplier=mill, supplier_lot_code="MG-7")

    dough_plan = ProductionPlanFactory(finished_product=dough, planned_quantity=5, unit_of_measure="kg")
    assert api.post(f"/api/v1/production-plans/{dough_plan.pk}/complete", {"batch_code": "D-1"}).status_code == 200
    plan = ProductionPlanFactory(finished_product=croissant, planned_quantity=50, unit_of_measure="unit")
    assert api.post(f"/api/v1/production-plans/{plan.pk}/complete", {"batch_code": "CR-1"}).status_code == 200
    client = ClientFactory(name="Café Lune")
    order = FinishedProductOrderFactory(finished_product=croissant, client=client, quantity=30, unit_of_measure="unit")
    assert api.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"}).status_code == 200

    trace = api.get(f"/api/v1/lots/{flour_lot.pk}/trace").json()["data"]
    assert [
        (row["code"], row["item_name"], row["quantity_used"], row["level"]) for row in trace["forward"]["lots"]
    ] == [
        ("D-1", "Dough", 3, 1),
        ("CR-1", "Croissant", 4, 2),
    ]
    assert [(row["client_name"], row["quantity"]) for row in trace["forward"]["orders"]] == [("Café Lune", 30)]
    assert trace["mass_balance"]["accounted_percent"] == 100

    batch = Lot.objects.get(code="CR-1")
    backward = api.get(f"/api/v1/lots/{batch.pk}/trace").json()["data"]["backward"]
    assert [(row["code"], row["quantity"], row["level"], row["supplier_name"]) for row in backward] == [
        ("D-1", 4, 1, None),
        ("FL-1", 3, 2, "Moulin Gaubert"),
    ]
    dough_batch = api.get(f"/api/v1/lots/{Lot.objects.get(code='D-1').pk}/trace").json()["data"]
    # 5 kg made, 4 kg into croissants, 1 kg on hand.
    assert dough_batch["mass_balance"]["accounted_percent"] == 100
    assert dough_batch["forward"]["on_hand"][0]["quantity"] == 1


def test_a_two_level_trace_costs_the_same_queries_for_one_croissant_batch_or_ten(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    dough = FinishedProductFactory(stock_quantity=0, unit_of_measure="kg")
    croissant = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=dough, raw_product=flour, quantity_required="0.5", unit_of_measure="kg")
    RecipeComponentFactory(finished_product=croissant, component=dough, quantity_required=100, unit_of_measure="g")
    lot = lot_create(item=flour, quantity=100)

    def make_and_ship():
        for product, quantity in ((dough, 1), (croissant, 10)):
            plan = ProductionPlanFactory(
                finished_product=product, planned_quantity=quantity, unit_of_measure=product.unit_of_measure
            )
            assert api.post(f"/api/v1/production-plans/{plan.pk}/complete").status_code == 200
        order = FinishedProductOrderFactory(finished_product=croissant, quantity=4, unit_of_measure="unit")
        assert api.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"}).status_code == 200

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/lots/{lot.pk}/trace").status_code == 200
        return len(captured)

    make_and_ship()
    one = queries()
    for _ in range(9):
        make_and_ship()
    trace = api.get(f"/api/v1/lots/{lot.pk}/trace").json()["data"]
    assert sorted({row["level"] for row in trace["forward"]["lots"]}) == [1, 2]
    assert len({row["order_id"] for row in trace["forward"]["orders"]}) == 10
    assert trace["mass_balance"]["accounted_percent"] == 100
    assert queries() == one
