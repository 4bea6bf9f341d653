"""The admin moves stock only through the API's services: product stock edits, orders created or changed on
their pages, plan actions, and the material requirements page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from inventory.models import (
    FinishedProduct,
    RawProduct,
    RawProductConversion,
    StockMovement,
)
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from orders.models import FinishedProductOrder, RawProductOrder
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
)
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- Products -----------------------------------------------------------------------------------------


def test_a_stock_edit_in_the_admin_is_an_adjustment_by_the_staff_member(admin_client_for):
    client = admin_client_for(Role.MANAGER)
    flour = RawProductFactory(name="Flour", stock_quantity=10, unit_of_measure="kg")
    response = client.post(
        f"/admin/inventory/rawproduct/{flour.pk}/change/",
        {
            "name": "Flour",
            "stock_quantity": "8.5",
            "unit_of_measure": "kg",
            **management("conversions"),
            **management("supplier_prices"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    (entry,) = StockMovement.objects.filter(item_type="raw_product", item_id=flour.pk).exclude(reason="initial")
    assert (entry.change, entry.reason, entry.user, entry.note) == (
        Decimal("-1.5"),
        "adjustment",
        client.user,
        "Changed in the admin",
    )
    page = client.get(f"/admin/inventory/rawproduct/{flour.pk}/change/").content.decode()
    assert "Manual adjustment" in page, "the latest ledger entries, read-only, on the page"
    ledger = client.get(f"/admin/inventory/stockmovement/?item_type=raw_product&item_id={flour.pk}")
    assert ledger.status_code == 200 and list(ledger.context["cl"].result_list)[0] == entry, "newest first"
    assert f"item_id={flour.pk}" in page


def test_adding_a_product_with_stock_records_initial(admin_client):
    admin_client.post(
        "/admin/inventory/finishedproduct/add/",
        {
            "name": "Bread",
            "stock_quantity": "12",
            "unit_of_measure": "piece",
            "comments": "",
            **management("conversions"),
            **management("recipe_items"),
            **management("recipe_components"),
        },
    )
    bread = FinishedProduct.objects.get()
    assert (bread.stock_quantity, bread.unit_of_measure) == (12, "unit")
    assert list(StockMovement.objects.values_list("reason", "change")) == [("initial", 12)]


def test_a_unit_change_that_strands_a_line_is_a_form_error_and_changes_nothing(admin_client):
    flour = RawProductFactory(name="Flour", stock_quantity=10, unit_of_measure="kg")
    RecipeItemFactory(raw_product=flour, unit_of_measure="g")
    url = f"/admin/inventory/rawproduct/{flour.pk}/change/"
    base = {"name": "Flour", "stock_quantity": "3", "unit_of_measure": "l", **management("supplier_prices")}
    response = admin_client.post(url, {**base, **management("conversions")})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "recipe item in g" in errors["unit_of_measure"][0]
    assert response.context["adminform"].form["stock_quantity"].value() == "3", "what was typed is kept"
    flour.refresh_from_db()
    assert (flour.unit_of_measure, flour.stock_quantity) == ("kg", 10)
    assert not StockMovement.objects.exclude(reason="initial").exists(), (
        "the stock edit of the refused page was rolled back"
    )
    # With an equivalence added on the same page, the change goes through.
    response = admin_client.post(
        url,
        {
            **base,
            **management("conversions", 1),
            "conversions-0-quantity_a": "1",
            "conversions-0-unit_a": "kg",
            "conversions-0-quantity_b": "1.6",
            "conversions-0-unit_b": "l",
        },
    )
    assert response.status_code == 302
    flour.refresh_from_db()
    assert (flour.unit_of_measure, flour.stock_quantity) == ("l", 3)
    assert RawProductConversion.objects.filter(raw_product=flour).count() == 1


def test_a_price_row_in_a_unit_that_cannot_convert_is_a_form_error(admin_client):
    flour = RawProductFactory(unit_of_measure="kg")
    response = admin_client.post(
        "/admin/inventory/supplierrawproduct/add/",
        {"supplier": SupplierFactory().pk, "raw_product": flour.pk, "unit_price": "1", "unit_of_measure": "ml"},
    )
    assert response.status_code == 200
    assert "does not convert to kg" in response.context["adminform"].form.errors["unit_of_measure"][0]
    response = admin_client.post(
        "/admin/inventory/supplierrawproduct/add/",
        {"supplier": SupplierFactory().pk, "raw_product": flour.pk, "unit_price": "1", "unit_of_measure": "sack"},
    )
    assert "Unknown unit of measure" in response.context["adminform"].form.errors["unit_of_measure"][0]


def test_the_finished_product_list_shows_the_unit_cost(admin_client):
    tart = FinishedProductFactory(name="Tart", unit_of_measure="unit")
    flour, cream = RawProductFactory(name="Flour", unit_of_measure="kg"), RawProductFactory(name="Cream")
    RecipeItemFactory(finished_product=tart, raw_product=flour, quantity_required=200, unit_of_measure="g")
    RecipeItemFactory(finished_product=tart, raw_product=cream, quantity_required=1, unit_of_measure="kg")
    SupplierRawProductFactory(raw_product=flour, unit_price="1.20", unit_of_measure="kg")
    ProductionPlanFactory(finished_product=tart, planned_quantity=10, planned_duration=1, hourly_rate=20)
    page = admin_client.get("/admin/inventory/finishedproduct/").content.decode()
    assert "2.24\u00a0€ / unit" in page  # 0.24 of flour + 2.00 of labour, in settings.CURRENCY
    assert "Without a price: Cream" in page


# --- Orders -------------------------------------------------------------------------------------------


def order_form(flour, supplier, **fields):
    now = timezone.now()
    return {
        "raw_product": flour.pk,
        "supplier": supplier.pk,
        "quantity": "25",
        "unit_of_measure": "",
        "price": "20",
        "ordered_at_0": now.strftime("%Y-%m-%d"),
        "ordered_at_1": now.strftime("%H:%M:%S"),
        "expected_delivery_date": "2026-03-05",
        "status": "commande",
        **fields,
    }


def test_adding_a_received_purchase_order_receives_it(admin_client):
    flour, supplier = RawProductFactory(stock_quantity=1, unit_of_measure="kg"), SupplierFactory()
    response = admin_client.post("/admin/orders/rawproductorder/add/", order_form(flour, supplier, status="recu"))
    assert response.status_code == 302, response.context["adminform"].errors
    order = RawProductOrder.objects.get()
    assert (order.status, order.unit_of_measure) == ("recu", "kg")
    assert RawProduct.objects.get(pk=flour.pk).stock_quantity == 26
    assert StockMovement.objects.exclude(reason="initial").get().source_id == order.pk


def test_adding_a_shipped_sales_order_without_stock_is_a_form_error(admin_client):
    tart, client = FinishedProductFactory(stock_quantity=1), ClientFactory()
    now = timezone.now()
    form = {
        "finished_product": tart.pk,
        "client": client.pk,
        "quantity": "3",
        "unit_of_measure": "",
        "sale_price": "9",
        "ordered_at_0": now.strftime("%Y-%m-%d"),
        "ordered_at_1": "10:00:00",
        "expected_delivery_date_0": "2026-03-05",
        "expected_delivery_date_1": "10:00:00",
        "status": "expedie",
    }
    response = admin_client.post("/admin/orders/finishedproductorder/add/", form)
    assert response.status_code == 200
    assert "only 1 unit in stock" in response.context["adminform"].form.errors["quantity"][0]
    assert not FinishedProductOrder.objects.exists()
    assert FinishedProduct.objects.get(pk=tart.pk).stock_quantity == 1
    form["status"] = "recu"
    response = admin_client.post("/admin/orders/finishedproductorder/add/", {**form, "quantity": "1"})
    assert "cannot go from 'commande' to 'recu'" in response.context["adminform"].form.errors["status"][0]
    assert not FinishedProductOrder.objects.exists()


def test_a_received_orders_quantity_is_read_only_and_it_cannot_be_deleted(admin_client):
    order = RawProductOrderFactory(raw_product__stock_quantity=0)
    from orders.services import raw_product_order_set_status

    raw_product_order_set_status(order=order, status="recu")
    page = admin_client.get(f"/admin/orders/rawproductorder/{order.pk}/change/")
    assert "quantity" not in page.context["adminform"].form.fields
    assert "price" in page.context["adminform"].form.fields
    response = admin_client.post(f"/admin/orders/rawproductorder/{order.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and "set its status back to ordered first" in response.content.decode()
    assert RawProductOrder.objects.filter(pk=order.pk).exists()


def test_a_change_page_edit_goes_through_the_update_service(admin_client):
    flour, supplier = RawProductFactory(stock_quantity=0), SupplierFactory()
    order = RawProductOrderFactory(raw_product=flour, supplier=supplier, quantity=5)
    form = order_form(flour, supplier, quantity="7", unit_of_measure="g")
    form.pop("status")
    response = admin_client.post(f"/admin/orders/rawproductorder/{order.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].errors
    order.refresh_from_db()
    assert (order.quantity, order.unit_of_measure) == (7, "g")


def test_the_ship_action_takes_stock_and_reports_shortages(admin_client):
    tart = FinishedProductFactory(name="Tart", stock_quantity=3)
    fits, short = (
        FinishedProductOrderFactory(finished_product=tart, quantity=2),
        FinishedProductOrderFactory(finished_product=tart, quantity=2),
    )
    response = admin_client.post(
        "/admin/orders/finishedproductorder/",
        {"action": "mark_expedie", "_selected_action": [fits.pk, short.pk]},
        follow=True,
    )
    shown = messages_of(response)
    assert f"Marked 1 order(s) as shipped: #{fits.pk}." in shown
    assert any(f"#{short.pk}: Cannot ship" in text for text in shown)
    assert FinishedProduct.objects.get(pk=tart.pk).stock_quantity == 1


# --- Plans and requirements -----------------------------------------------------------------------------


def test_plan_actions_run_the_services(admin_client):
    flour = RawProductFactory(name="Flour", stock_quantity=1, unit_of_measure="kg")
    item = RecipeItemFactory(raw_product=flour, quantity_required=100, unit_of_measure="g")
    fits = ProductionPlanFactory(finished_product=item.finished_product, planned_quantity=4)
    short = ProductionPlanFactory(finished_product=item.finished_product, planned_quantity=8)
    url = "/admin/production/productionplan/"
    response = admin_client.post(url, {"action": "complete", "_selected_action": [fits.pk, short.pk]}, follow=True)
    shown = messages_of(response)
    assert f"1 plan(s) completed: #{fits.pk}." in shown
    assert (
        f"Plan {short.pk} not completed: Cannot complete production plan {short.pk}: 1 material(s) short "
        f"('Flour' (raw product {flour.pk}): 0.8 kg needed, 0.6 kg on hand)" in shown
    )
    assert RawProduct.objects.get(pk=flour.pk).stock_quantity == Decimal("0.6")
    assert list(ProductionPlan.objects.order_by("pk").values_list("status", flat=True)) == ["completed", "planned"]
    admin_client.post(url, {"action": "cancel", "_selected_action": [short.pk]})
    assert ProductionPlan.objects.get(pk=short.pk).status == "cancelled"
    # Final plans are shown read-only; a completed one has no Delete button, and is not deleted.
    page = admin_client.get(f"{url}{fits.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"] and f"{fits.pk}/delete/" not in page.content.decode()
    assert admin_client.post(f"{url}{fits.pk}/delete/", {"post": "yes"}).status_code == 403
    # Chosen with others in the list, it is named as what cannot go.
    refused = admin_client.post(url, {"action": "delete_selected", "_selected_action": [fits.pk], "post": "yes"})
    assert "labour cost refer to it" in refused.content.decode()
    assert ProductionPlan.objects.filter(pk=fits.pk).exists()


def test_the_requirements_page_shows_what_to_buy_and_orders_it(admin_client_for):
    client = admin_client_for(Role.MANAGER)
    flour = RawProductFactory(name="Flour", stock_quantity=2, unit_of_measure="kg")
    SupplierRawProductFactory(raw_product=flour, supplier__name="Moulin", unit_price="0.90", unit_of_measure="kg")
    item = RecipeItemFactory(raw_product=flour, quantity_required=500, unit_of_measure="g")
    day = timezone.localdate() + datetime.timedelta(days=3)
    ProductionPlanFactory(
        finished_product=item.finished_product,
        planned_quantity=10,
        planned_production_date=timezone.now() + datetime.timedelta(days=3),
    )
    changelist = client.get("/admin/production/productionplan/").content.decode()
    assert "/admin/production/productionplan/requirements/" in changelist
    assert client.get("/admin/production/productionplan/requirements/").status_code == 200
    query = f"date_from={day - datetime.timedelta(days=1)}&date_to={day + datetime.timedelta(days=1)}"
    page = client.get(f"/admin/production/productionplan/requirements/?{query}")
    table = page.content.decode()
    assert "Flour" in table and "Moulin" in table and "2.7" in table  # 3 kg short at 0.90
    response = client.post(
        "/admin/production/productionplan/requirements/",
        {
            "date_from": day - datetime.timedelta(days=1),
            "date_to": day + datetime.timedelta(days=1),
            "expected_delivery_date": "",
        },
        follow=True,
    )
    order = RawProductOrder.objects.get()
    assert (order.quantity, order.price, order.status, order.supplier.name) == (
        3,
        Decimal("2.70"),
        "commande",
        "Moulin",
    )
    assert f"1 purchase order(s) created: #{order.pk}." in messages_of(response)


def test_the_requirements_page_refuses_a_bad_window_and_non_staff(admin_client_for, make_user):
    from django.test import Client

    page = "/admin/production/productionplan/requirements/"
    bad = admin_client_for(Role.ADMIN).get(f"{page}?date_from=2026-03-31&date_to=2026-03-01")
    assert "The window ends before it starts." in bad.content.decode()
    readonly = Client()
    readonly.force_login(make_user(Role.READONLY))
    assert readonly.get("/admin/production/productionplan/requirements/").status_code in (302, 403)
