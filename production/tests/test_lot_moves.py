"""Stock moves through lots (SPEC D): receipts make lots, runs and shipments draw them first-expiry-first-out,
refusals name the lot and change nothing, and going back returns quantities to the lots they came from."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from inventory.lots.services import lot_create, lot_hold
from inventory.models import Lot, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory, SupplierFactory
from inventory.tests.utils import assert_error, assert_stock_lots_and_ledger_agree
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory, RawProductOrderFactory
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def quantities(*lots):
    return [Lot.objects.get(pk=lot.pk).quantity for lot in lots]


def snapshot():
    return (
        sorted(Lot.objects.values_list("pk", "quantity", "status")),
        StockMovement.objects.count(),
    )


@pytest.fixture
def bread():
    """Bread (3-day shelf life): 500 g of flour a loaf; flour in two dated lots, no other stock."""
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    loaf = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit", shelf_life_days=3)
    RecipeItemFactory(finished_product=loaf, raw_product=flour, quantity_required=500, unit_of_measure="g")
    late = lot_create(item=flour, quantity=10, code="FL-LATE", use_by=days(30))
    early = lot_create(item=flour, quantity=4, code="FL-EARLY", use_by=days(2))
    return {"flour": flour, "bread": loaf, "late": late, "early": early}


def test_a_receipt_makes_a_lot_with_what_the_label_says_and_a_correction_takes_it_back(api):
    flour, supplier = RawProductFactory(stock_quantity=0, unit_of_measure="kg"), SupplierFactory()
    order = RawProductOrderFactory(raw_product=flour, supplier=supplier, quantity=25)
    body = {
        "status": "recu",
        "lot": {"code": "F-0412", "supplier_lot_code": "MOULIN-77", "use_by": str(days(90)), "best_before": None},
    }
    response = api.patch(f"/api/v1/raw-product-orders/{order.pk}/status", body)
    assert response.status_code == 200, response.json()
    lot = Lot.objects.get(code="F-0412")
    assert response.json()["data"]["lot_id"] == lot.pk
    assert (lot.quantity, lot.initial_quantity, lot.supplier_id, lot.supplier_lot_code, lot.use_by) == (
        25,
        25,
        supplier.pk,
        "MOULIN-77",
        days(90),
    )
    assert (lot.source_type, lot.source_id) == ("rawproductorder", order.pk)
    assert api.get(f"/api/v1/raw-product-orders/{order.pk}").json()["data"]["lot_id"] == lot.pk
    entry = StockMovement.objects.get(reason="receipt")
    assert entry.lot_id == lot.pk
    ledger = api.get(f"/api/v1/stock-movements?item_type=raw_product&item_id={flour.pk}").json()["data"]
    assert ledger[0]["lot_id"] == lot.pk

    assert api.patch(f"/api/v1/raw-product-orders/{order.pk}/status", {"status": "expedie"}).status_code == 200
    assert quantities(lot) == [0]
    assert_stock_lots_and_ledger_agree(flour)


def test_a_receipt_without_a_lot_gets_a_generated_code_and_a_taken_code_is_a_400(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    lot_create(item=flour, quantity=1, code="TAKEN")
    first, second = RawProductOrderFactory(raw_product=flour), RawProductOrderFactory(raw_product=flour)
    assert api.patch(f"/api/v1/raw-product-orders/{first.pk}/status", {"status": "recu"}).status_code == 200
    assert Lot.objects.get(source_id=first.pk, source_type="rawproductorder").code == f"PO-{TODAY:%Y%m%d}"
    before = snapshot()
    response = api.patch(f"/api/v1/raw-product-orders/{second.pk}/status", {"status": "recu", "lot": {"code": "TAKEN"}})
    assert "TAKEN" in assert_error(response, 400, "code")["message"]
    assert snapshot() == before


def test_a_run_draws_first_expiry_first_out_and_its_batch_is_limited_by_the_shortest_lived_lot(api, bread):
    plan = ProductionPlanFactory(finished_product=bread["bread"], planned_quantity=10, unit_of_measure="unit")
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", {"batch_code": "B-MON"})
    assert response.status_code == 200, response.json()
    # 5 kg: the 4 kg expiring in 2 days first, then 1 kg of the later lot.
    assert quantities(bread["early"], bread["late"]) == [0, 9]
    output = response.json()["data"]["output_lot"]
    assert (output["code"], output["quantity"], output["item_name"]) == ("B-MON", 10, "Bread")
    # 3 days of shelf life, but the early flour's use-by comes first.
    assert (output["use_by"], output["limiting_lot_id"]) == (str(days(2)), bread["early"].pk)
    assert response.json()["data"]["output_lot_id"] == output["id"]
    assert api.get(f"/api/v1/production-plans/{plan.pk}").json()["data"]["output_lot_id"] == output["id"]
    assert_stock_lots_and_ledger_agree(bread["flour"], bread["bread"])


def test_a_run_on_long_lived_lots_takes_the_products_shelf_life(api, bread):
    plan = ProductionPlanFactory(finished_product=bread["bread"], planned_quantity=2, unit_of_measure="unit")
    body = {"lots": [{"lot_id": bread["late"].pk, "quantity": 1}]}
    output = api.post(f"/api/v1/production-plans/{plan.pk}/complete", body).json()["data"]["output_lot"]
    assert quantities(bread["early"], bread["late"]) == [4, 9], "the named lot, not the earliest"
    assert (output["use_by"], output["limiting_lot_id"]) == (str(days(3)), None)


def test_a_run_refuses_a_named_lot_on_hold_or_past_use_by_and_changes_nothing(api, bread):
    plan = ProductionPlanFactory(finished_product=bread["bread"], planned_quantity=2, unit_of_measure="unit")
    lot_hold(lot=bread["late"], reason="supplier alert")
    before = snapshot()
    body = {"lots": [{"lot_id": bread["late"].pk, "quantity": 1}]}
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", body)
    assert "FL-LATE" in assert_error(response, 409, "lots")["message"]
    Lot.objects.filter(pk=bread["early"].pk).update(use_by=days(-1))
    body = {"lots": [{"lot_id": bread["early"].pk, "quantity": 1}]}
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", body)
    assert "FL-EARLY" in assert_error(response, 400, "lots")["message"]
    assert snapshot() == before
    plan.refresh_from_db()
    assert plan.status == "planned"
    # Neither lot may be drawn by itself either: the run is short of usable flour.
    body = assert_error(api.post(f"/api/v1/production-plans/{plan.pk}/complete"), 409, "materials")
    assert "usable" in body["errors"]["materials"][0]
    assert snapshot() == before


def test_a_named_lot_of_another_material_is_a_400(api, bread):
    other = RawProductFactory(stock_quantity=3)
    lot = Lot.objects.get(item_type="raw_product", item_id=other.pk)
    plan = ProductionPlanFactory(finished_product=bread["bread"], planned_quantity=2, unit_of_measure="unit")
    response = api.post(f"/api/v1/production-plans/{plan.pk}/complete", {"lots": [{"lot_id": lot.pk, "quantity": 1}]})
    assert_error(response, 400, "lots")


def test_drawing_a_lot_past_best_before_is_allowed_and_the_ledger_says_so(api, bread):
    Lot.objects.filter(pk=bread["early"].pk).update(use_by=None, best_before=days(-3))
    plan = ProductionPlanFactory(finished_product=bread["bread"], planned_quantity=2, unit_of_measure="unit")
    body = {"lots": [{"lot_id": bread["early"].pk, "quantity": 1}]}
    assert api.post(f"/api/v1/production-plans/{plan.pk}/complete", body).status_code == 200
    entry = StockMovement.objects.get(reason="production_consumption", lot=bread["early"])
    assert "past its best-before date" in entry.note


def test_a_shipment_draws_fefo_skipping_held_expired_and_too_short_lots_and_going_back_returns_them(client_for):
    user = client_for(Role.USER)
    cake = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit")
    expired = lot_create(item=cake, quantity=5, code="EXPIRED", use_by=days(-1))
    short = lot_create(item=cake, quantity=5, code="SHORT", use_by=days(2))
    held = lot_create(item=cake, quantity=5, code="HELD", use_by=days(6))
    lot_hold(lot=held)
    good = lot_create(item=cake, quantity=5, code="GOOD", use_by=days(10))
    later = lot_create(item=cake, quantity=5, code="LATER", use_by=days(20))
    picky = ClientFactory(min_remaining_shelf_life_days=5)
    order = FinishedProductOrderFactory(finished_product=cake, client=picky, quantity=7)
    response = user.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["lots"] == [
        {"lot_id": good.pk, "code": "GOOD", "quantity": 5},
        {"lot_id": later.pk, "code": "LATER", "quantity": 2},
    ]
    assert quantities(expired, short, held, good, later) == [5, 5, 5, 0, 3]
    listed = user.get(f"/api/v1/finished-product-orders?client_id={picky.pk}").json()["data"]
    assert listed[0]["lots"] == response.json()["data"]["lots"]

    too_much = FinishedProductOrderFactory(finished_product=cake, client=picky, quantity=4)
    before = snapshot()
    response = user.patch(f"/api/v1/finished-product-orders/{too_much.pk}/status", {"status": "expedie"})
    body = assert_error(response, 409, "quantity")
    assert "3 usable" in body["message"] and "on hold, expired or too close" in body["message"]
    assert snapshot() == before

    assert user.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "commande"}).status_code == 200
    assert quantities(expired, short, held, good, later) == [5, 5, 5, 5, 5], "back to the lots it came from"
    assert user.get(f"/api/v1/finished-product-orders/{order.pk}").json()["data"]["lots"] == []
    assert_stock_lots_and_ledger_agree(cake)


def test_a_client_without_a_minimum_gets_any_lot_in_date(api):
    cake = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit")
    short = lot_create(item=cake, quantity=5, code="SHORT", use_by=TODAY)
    order = FinishedProductOrderFactory(finished_product=cake, quantity=2)
    assert api.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"}).status_code == 200
    assert quantities(short) == [3], "today is the last day of use: still in date"


def test_manual_stock_changes_make_an_adjustment_lot_or_draw_fefo(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    late = lot_create(item=flour, quantity=5, code="LATE", use_by=days(40))
    early = lot_create(item=flour, quantity=5, code="EARLY", use_by=days(4))
    assert api.patch(f"/api/v1/raw-products/{flour.pk}", {"stock_quantity": 13}).status_code == 200
    added = Lot.objects.get(item_id=flour.pk, source_type="adjustment", code__startswith="ADJ")
    assert added.quantity == 3
    assert api.patch(f"/api/v1/raw-products/{flour.pk}", {"stock_quantity": 4}).status_code == 200
    # 9 taken: first-expiry-first-out, then the lot with no date.
    assert quantities(early, late, added) == [0, 1, 3]
    assert_stock_lots_and_ledger_agree(flour)


def test_catalogue_products_keep_no_lots(api):
    from inventory.tests.factories import make_category

    response = api.post("/api/v1/products", {"name": "Mug", "category": make_category().name, "quantity": 4})
    assert response.status_code in (200, 201), response.content
    assert not Lot.objects.exists()
