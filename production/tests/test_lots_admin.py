"""Lots in the admin (SPEC D, issue 12): the list with expiry colours and filters, hold, release, write-off and
recall as actions through the services, the trace page with its CSV and PDF, and the lots on a product's page."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from inventory.lots.services import lot_create
from inventory.models import Lot, LotEvent, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import changelist_queries_for_one_and_fifty
from orders.services import finished_product_order_set_status
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from production.models import ProductionPlan
from production.services import production_plan_complete
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/inventory/lot/"
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def lots():
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    fresh = lot_create(item=flour, quantity=10, code="FRESH", use_by=days(40))
    soon = lot_create(item=flour, quantity=2, code="SOON", use_by=days(1))
    gone = lot_create(item=flour, quantity=1, code="GONE", use_by=days(-2))
    return {"flour": flour, "bread": bread, "fresh": fresh, "soon": soon, "gone": gone}


def action(client, name, *lots):
    return client.post(LIST, {"action": name, "_selected_action": [lot.pk for lot in lots]}, follow=True)


def test_the_lots_list_colours_expiry_and_filters_expiring_expired_and_on_hold(admin_client_for, lots):
    client = admin_client_for(Role.MANAGER)
    page = client.get(LIST).content.decode()
    assert 'class="lot-expired"' in page and 'class="lot-expiring"' in page
    assert [lot.code for lot in client.get(f"{LIST}?expiry=expired").context["cl"].result_list] == ["GONE"]
    assert [lot.code for lot in client.get(f"{LIST}?expiry=expiring").context["cl"].result_list] == ["SOON"]
    action(client, "hold", lots["fresh"])
    assert [lot.code for lot in client.get(f"{LIST}?expiry=on_hold").context["cl"].result_list] == ["FRESH"]
    product_page = client.get(f"/admin/inventory/rawproduct/{lots['flour'].pk}/change/").content.decode()
    assert "lots on hand" in product_page.lower() and "FRESH" in product_page and "GONE" in product_page


def test_hold_release_and_write_off_actions_go_through_the_services(admin_client_for, lots):
    client = admin_client_for(Role.MANAGER)
    action(client, "hold", lots["fresh"], lots["soon"])
    assert set(Lot.objects.filter(status="on_hold").values_list("code", flat=True)) == {"FRESH", "SOON"}
    response = action(client, "hold", lots["fresh"])
    assert any("already on hold" in str(m) for m in response.context["messages"]), "a refusal, as a message"
    action(client, "release", lots["soon"])
    assert Lot.objects.get(pk=lots["soon"].pk).status == "available"
    action(client, "write_off", lots["gone"])
    assert Lot.objects.get(pk=lots["gone"].pk).quantity == 0
    assert StockMovement.objects.filter(reason="write_off", lot=lots["gone"], change=-1).exists()
    assert [e.action for e in LotEvent.objects.filter(lot=lots["fresh"])] == ["hold"]
    lots["flour"].refresh_from_db()
    assert lots["flour"].stock_quantity == 12


def test_recall_and_the_trace_page_with_its_csv_and_pdf(admin_client_for, lots):
    client = admin_client_for(Role.MANAGER)
    plan = ProductionPlanFactory(finished_product=lots["bread"], planned_quantity=4, unit_of_measure="unit")
    production_plan_complete(plan=plan, batch_code="B-1", lots=[{"lot_id": lots["fresh"].pk, "quantity": 2}])
    order = FinishedProductOrderFactory(
        finished_product=lots["bread"], client=ClientFactory(name="Café Nord"), quantity=3
    )
    finished_product_order_set_status(order=order, status="expedie")
    action(client, "recall", lots["fresh"])
    batch = Lot.objects.get(code="B-1")
    assert {Lot.objects.get(pk=lots["fresh"].pk).status, batch.status} == {"on_hold"}
    url = f"{LIST}{lots['fresh'].pk}/trace/"
    page = client.get(url).content.decode()
    assert "B-1" in page and "Café Nord" in page and "?format=csv" in page and "?format=pdf" in page
    csv = client.get(f"{url}?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and "Café Nord" in csv.content.decode()
    pdf = client.get(f"{url}?format=pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Trace of lot FRESH" in text and "Café Nord" in text
    assert client.get(f"{LIST}999999/trace/").status_code == 404


def test_the_complete_form_names_the_batch_it_makes(admin_client_for, lots):
    plan = ProductionPlanFactory(finished_product=lots["bread"], planned_quantity=4, unit_of_measure="unit")

    response = admin_client_for(Role.MANAGER).post(
        f"/admin/production/productionplan/{plan.pk}/complete/", {"produced_quantity": "4", "batch_code": "B-0412"}
    )

    assert response.status_code == 302
    batch = Lot.objects.get(item_type="finished_product", item_id=lots["bread"].pk)
    assert (batch.code, batch.quantity) == ("B-0412", 4)
    assert batch.use_by == lots["soon"].use_by  # drawn first-expiry-first-out, it limits the batch


@pytest.mark.parametrize(
    ("batch_code", "message"),
    [("B-1", "&#x27;Bread&#x27; already has a lot B-1"), ("B" * 65, "at most 64 characters")],
)
def test_a_batch_code_the_product_has_or_too_long_is_refused_on_the_form(admin_client_for, lots, batch_code, message):
    lot_create(item=lots["bread"], quantity=1, code="B-1")
    plan = ProductionPlanFactory(finished_product=lots["bread"], planned_quantity=4, unit_of_measure="unit")
    movements = StockMovement.objects.count()

    response = admin_client_for(Role.MANAGER).post(
        f"/admin/production/productionplan/{plan.pk}/complete/", {"produced_quantity": "4", "batch_code": batch_code}
    )

    assert response.status_code == 200 and message in response.content.decode()
    assert ProductionPlan.objects.get(pk=plan.pk).status == "planned"
    assert StockMovement.objects.count() == movements
    assert list(Lot.objects.filter(item_type="finished_product").values_list("code", flat=True)) == ["B-1"]


LEDGER = "/admin/inventory/stockmovement/"


def test_the_ledger_names_each_entry_s_lot_and_finds_a_lot_s_entries(admin_client_for, lots):
    client = admin_client_for(Role.MANAGER)
    lot_create(item=lots["bread"], quantity=3, code="FRESH")  # the same code on another item
    page = client.get(LEDGER).content.decode()
    assert f'<a href="/admin/inventory/lot/{lots["soon"].pk}/change/">SOON</a>' in page

    found = client.get(f"{LEDGER}?q=FRESH").context["cl"].result_list
    assert sorted((entry.item_name, entry.lot.code) for entry in found) == [("Bread", "FRESH"), ("Flour", "FRESH")]
    assert not client.get(f"{LEDGER}?q=FRES").context["cl"].result_list  # a code, exactly

    list_page = client.get(LIST).content.decode()
    assert f'href="{LEDGER}?lot={lots["gone"].pk}"' in list_page
    one_lot = client.get(f"{LEDGER}?lot={lots['gone'].pk}").context["cl"].result_list
    assert [(entry.lot_id, entry.change) for entry in one_lot] == [(lots["gone"].pk, 1)]


def test_the_ledger_list_reads_its_lots_in_the_same_query(admin_client_for):
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    one, fifty = changelist_queries_for_one_and_fifty(
        admin_client_for(Role.MANAGER),
        StockMovement,
        lambda n: [lot_create(item=flour, quantity=1) for _ in range(n)],
    )
    assert one == fifty
