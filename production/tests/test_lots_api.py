"""The lots API (SPEC D): lists and filters, lots entered by hand, write-off, hold and release with their
events, the trace (JSON, CSV, PDF) with its mass balance, and the recall story of issue 12."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from inventory.lots.services import lot_create, lot_hold
from inventory.models import Lot, LotEvent, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory, SupplierFactory
from inventory.tests.utils import assert_error, assert_stock_lots_and_ledger_agree
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory, RawProductOrderFactory
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory
from stocky.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

URL = "/api/v1/lots"
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def snapshot():
    return sorted(Lot.objects.values_list("pk", "quantity", "status")), StockMovement.objects.count()


@pytest.fixture
def recall_story(client_for):
    """Issue 12's story: 25 kg of flour received, used by two runs, shipped to two clients in three orders,
    2 kg written off."""
    manager = client_for(Role.MANAGER)
    mill = SupplierFactory(name="Moulin Giraud")
    flour = RawProductFactory(name="Flour T65", stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProductFactory(name="Country loaf", stock_quantity=0, unit_of_measure="unit", shelf_life_days=3)
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    purchase = RawProductOrderFactory(raw_product=flour, supplier=mill, quantity=25, unit_of_measure="kg")
    body = {"status": "recu", "lot": {"code": "FLOUR-25", "supplier_lot_code": "MG-2611", "use_by": str(days(60))}}
    assert manager.patch(f"/api/v1/raw-product-orders/{purchase.pk}/status", body).status_code == 200
    lot = Lot.objects.get(code="FLOUR-25")
    batches = []
    for loaves, code in ((20, "B-MON"), (16, "B-TUE")):
        plan = ProductionPlanFactory(finished_product=bread, planned_quantity=loaves, unit_of_measure="unit")
        answer = manager.post(f"/api/v1/production-plans/{plan.pk}/complete", {"batch_code": code})
        assert answer.status_code == 200, answer.json()
        assert_matches_schema(answer)
        batches.append(Lot.objects.get(pk=answer.json()["data"]["output_lot"]["id"]))
    bistro = ClientFactory(name="Bistro Lumière", contact_person="Ana", phone="+33 4 11", email="ana@bistro.example")
    grocer = ClientFactory(name="Épicerie Rose", contact_person="Léo", phone="+33 4 22")
    orders = [
        FinishedProductOrderFactory(finished_product=bread, client=bistro, quantity=12),
        FinishedProductOrderFactory(finished_product=bread, client=grocer, quantity=15),
        FinishedProductOrderFactory(finished_product=bread, client=bistro, quantity=6),
    ]
    for order in orders:
        response = manager.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"})
        assert response.status_code == 200, response.json()
        assert_matches_schema(response)
    response = manager.post(f"{URL}/{lot.pk}/write-off", {"quantity": 2, "reason": "Bag torn in the store"})
    assert response.status_code == 200 and response.json()["data"]["quantity"] == 5
    return {
        "manager": manager,
        "flour": flour,
        "bread": bread,
        "lot": lot,
        "batches": batches,
        "orders": orders,
        "clients": (bistro, grocer),
    }


def test_the_recall_story_traces_both_batches_and_three_orders_and_holds_every_lot(recall_story, client_for):
    manager, lot, batches = recall_story["manager"], recall_story["lot"], recall_story["batches"]
    trace = assert_matches_schema(manager.get(f"{URL}/{lot.pk}/trace"))["data"]
    assert trace["lot"]["code"] == "FLOUR-25" and trace["lot"]["supplier_lot_code"] == "MG-2611"
    assert [(row["code"], row["quantity_used"], row["level"]) for row in trace["forward"]["lots"]] == [
        ("B-MON", 10, 1),
        ("B-TUE", 8, 1),
    ]
    shipped = sorted((row["order_id"], row["client_name"], row["quantity"]) for row in trace["forward"]["orders"])
    first, second, third = recall_story["orders"]
    # FEFO: B-MON (20 loaves) serves the first order and 8 of the second, B-TUE the rest.
    assert shipped == [
        (first.pk, "Bistro Lumière", 12),
        (second.pk, "Épicerie Rose", 7),
        (second.pk, "Épicerie Rose", 8),
        (third.pk, "Bistro Lumière", 6),
    ]
    assert {row["order_id"] for row in trace["forward"]["orders"]} == {first.pk, second.pk, third.pk}
    bistro_row = next(row for row in trace["forward"]["orders"] if row["order_id"] == first.pk)
    assert (bistro_row["contact_person"], bistro_row["phone"], bistro_row["email"]) == (
        "Ana",
        "+33 4 11",
        "ana@bistro.example",
    )
    assert trace["forward"]["on_hand"] == [
        {"lot_id": lot.pk, "code": "FLOUR-25", "quantity": 5},
        {"lot_id": batches[1].pk, "code": "B-TUE", "quantity": 3},
    ]
    assert trace["mass_balance"] == {
        "received": 25,
        "consumed": 18,
        "shipped": 0,
        "written_off": 2,
        "adjusted": 0,
        "on_hand": 5,
        "accounted_percent": 100,
    }
    # The batch's own trace goes back to the supplier's lot.
    back = manager.get(f"{URL}/{batches[0].pk}/trace").json()["data"]["backward"]
    assert [(row["code"], row["quantity"], row["supplier_name"], row["supplier_lot_code"]) for row in back] == [
        ("FLOUR-25", 10, "Moulin Giraud", "MG-2611")
    ]
    assert back[0]["purchase_order_id"] == lot.source_id

    assert_error(client_for(Role.USER).post(f"{URL}/{lot.pk}/recall", {"reason": "x"}), 403)
    recalled = manager.post(f"{URL}/{lot.pk}/recall", {"reason": "Mill's recall: mycotoxins"})
    assert recalled.status_code == 200, recalled.json()
    assert_matches_schema(recalled)
    assert recalled.json()["data"]["mass_balance"]["accounted_percent"] == 100
    assert set(Lot.objects.filter(status="on_hold").values_list("pk", flat=True)) == {lot.pk, *(b.pk for b in batches)}
    events = assert_matches_schema(manager.get(f"{URL}/{batches[1].pk}/events"))["data"]
    assert [(e["action"], e["reason"], e["recall_of_id"], e["user_id"]) for e in events] == [
        ("recall", "Mill's recall: mycotoxins", lot.pk, manager.user.pk)
    ]

    # Nothing of it may be used or shipped any more: each refusal a 409 that changes nothing.
    before = snapshot()
    plan = ProductionPlanFactory(finished_product=recall_story["bread"], planned_quantity=2, unit_of_measure="unit")
    named = {"lots": [{"lot_id": lot.pk, "quantity": 1}]}
    body = assert_error(manager.post(f"/api/v1/production-plans/{plan.pk}/complete", named), 409, "lots")
    assert "FLOUR-25" in body["message"]
    assert_error(manager.post(f"/api/v1/production-plans/{plan.pk}/complete"), 409, "materials")
    order = FinishedProductOrderFactory(finished_product=recall_story["bread"], quantity=1)
    assert_error(manager.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"}), 409)
    assert snapshot() == before
    assert_stock_lots_and_ledger_agree(recall_story["flour"], recall_story["bread"])


def test_the_trace_exports_as_csv_and_as_a_pdf_that_names_the_clients(recall_story):
    manager, lot = recall_story["manager"], recall_story["lot"]
    response = manager.get(f"{URL}/{lot.pk}/trace?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "B-MON" in text and "Épicerie Rose" in text and "accounted_percent" in text
    response = manager.get(f"{URL}/{lot.pk}/trace?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Trace of lot FLOUR-25", "Flour T65", "B-TUE", "Bistro Lumière", "Épicerie Rose", "MG-2611"):
        assert expected in pdf, expected
    assert_error(manager.get(f"{URL}/{lot.pk}/trace?format=docx"), 400, "format")
    assert_error(manager.get(f"{URL}/99999999999999999999/trace"), 404)


def test_a_trace_costs_the_same_queries_for_one_batch_or_ten(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProductFactory(stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=100, unit_of_measure="g")
    lot = lot_create(item=flour, quantity=100)

    def run_and_ship():
        plan = ProductionPlanFactory(finished_product=bread, planned_quantity=5, unit_of_measure="unit")
        assert api.post(f"/api/v1/production-plans/{plan.pk}/complete").status_code == 200
        order = FinishedProductOrderFactory(finished_product=bread, quantity=2)
        api.patch(f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"})

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{URL}/{lot.pk}/trace").status_code == 200
        return len(captured)

    run_and_ship()
    one = queries()
    for _ in range(9):
        run_and_ship()
    assert len(api.get(f"{URL}/{lot.pk}/trace").json()["data"]["forward"]["lots"]) == 10
    assert queries() == one


def test_hold_and_release_are_for_managers_and_leave_events(client_for):
    manager, user = client_for(Role.MANAGER), client_for(Role.USER)
    lot = lot_create(item=RawProductFactory(stock_quantity=0), quantity=3)
    assert_error(user.post(f"{URL}/{lot.pk}/hold", {"reason": "smell"}), 403)
    response = manager.post(f"{URL}/{lot.pk}/hold", {"reason": "Smells off"})
    assert response.status_code == 200 and response.json()["data"]["status"] == "on_hold"
    assert_error(manager.post(f"{URL}/{lot.pk}/hold", {"reason": "again"}), 409, "status")
    assert manager.post(f"{URL}/{lot.pk}/release", {"reason": "Lab says fine"}).json()["data"]["status"] == "available"
    assert_error(manager.post(f"{URL}/{lot.pk}/release"), 409, "status")
    events = user.get(f"{URL}/{lot.pk}/events").json()["data"]
    assert [(e["action"], e["reason"], e["user_id"]) for e in events] == [
        ("release", "Lab says fine", manager.user.pk),
        ("hold", "Smells off", manager.user.pk),
    ]


def test_lots_entered_by_hand_and_written_off_go_through_the_ledger(client_for):
    user = client_for(Role.USER)
    flour, mill = RawProductFactory(stock_quantity=0, unit_of_measure="kg"), SupplierFactory()
    body = {
        "item_type": "raw_product",
        "item_id": flour.pk,
        "quantity": 4,
        "code": "FOUND",
        "supplier_id": mill.pk,
        "supplier_lot_code": "X1",
        "use_by": str(days(5)),
    }
    response = user.post(URL, body)
    assert response.status_code == 201, response.json()
    assert_matches_schema(response)
    data = response.json()["data"]
    assert (data["code"], data["quantity"], data["source_type"], data["unit_of_measure"], data["item_name"]) == (
        "FOUND",
        4,
        "adjustment",
        "kg",
        flour.name,
    )
    assert_error(user.post(URL, body), 400, "code")
    assert_error(user.post(URL, {**body, "item_id": 999999, "code": "B"}), 400, "item_id")
    assert_error(user.post(URL, {**body, "quantity": 0, "code": "C"}), 400, "quantity")
    before = snapshot()
    assert_error(user.post(f"{URL}/{data['id']}/write-off", {"quantity": 5}), 409)
    assert snapshot() == before
    response = user.post(f"{URL}/{data['id']}/write-off", {"quantity": 1.5, "reason": "Wet"})
    assert response.json()["data"]["quantity"] == 2.5
    assert StockMovement.objects.filter(reason="write_off", lot_id=data["id"], change=-1.5).exists()
    assert LotEvent.objects.get(action="write_off").quantity == 1.5
    assert_error(client_for(Role.READONLY).post(f"{URL}/{data['id']}/write-off", {"quantity": 1}), 403)
    assert_stock_lots_and_ledger_agree(flour)


def test_the_lots_list_filters_searches_orders_and_pages(client_for):
    reader = client_for(Role.READONLY)
    flour = RawProductFactory(stock_quantity=0, name="Flour")
    cake = FinishedProductFactory(stock_quantity=0, name="Cake")
    soon = lot_create(item=flour, quantity=1, code="SOON", use_by=days(3))
    lot_create(item=flour, quantity=1, code="LATER", best_before=days(30), supplier_lot_code="SUP-9")
    past = lot_create(item=cake, quantity=1, code="PAST", use_by=days(-1))
    lot_hold(lot=past)

    def codes(query):
        response = reader.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["data"]]

    assert codes("expiring_within=7&ordering=code") == ["PAST", "SOON"]
    assert codes("expiring_within=0") == ["PAST"]
    assert codes(f"item_type=raw_product&item_id={flour.pk}&ordering=-code") == ["SOON", "LATER"]
    assert codes("status=on_hold") == ["PAST"]
    assert codes("search=SUP-9") == ["LATER"]
    row = assert_matches_schema(reader.get(f"{URL}/{past.pk}"))["data"]
    assert_matches_schema(reader.get(f"{URL}?page=1"))
    assert (row["expired"], row["item_name"], row["status"]) == (True, "Cake", "on_hold")
    assert reader.get(f"{URL}?page=1&page_size=2").json()["meta"]["total"] == 3
    for bad in ("expiring_within=-1", "status=lost", "item_type=box"):
        assert_error(reader.get(f"{URL}?{bad}"), 400)
    assert soon.pk in [row["id"] for row in reader.get(URL).json()["data"]]
