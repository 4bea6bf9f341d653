"""The staff's workspace in the admin: a home that says what needs attention, pictures, lists that read well,
the run's completion form, the requirements page, and a theme that loads nothing from the internet."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role
from inventory.lots.services import lot_create, lot_hold, lot_write_off
from inventory.models import FinishedProduct, RawProduct, StockMovement
from inventory.services import stock_change
from inventory.tests.factories import FinishedProductFactory, RawProductFactory, SupplierRawProductFactory
from orders.tests.factories import FinishedProductOrderFactory, RawProductOrderFactory
from production import selectors
from production.models import ProductionPlan, RecipeComponent
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory
from stocky.kit.charts import line_chart
from stocky.kit.display import money
from stocky.workspace.navigation import sidebar

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def bakery(db):
    """Flour below its reorder level and short for today's bread; cream plenty; orders due."""
    flour = RawProductFactory(name="Flour", stock_quantity=Decimal("2.000"), unit_of_measure="kg", reorder_level=5)
    cream = RawProductFactory(name="Cream", stock_quantity=Decimal("40"), unit_of_measure="l", reorder_level=1)
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    SupplierRawProductFactory(raw_product=flour, unit_price="1.20", unit_of_measure="kg")
    today_run = ProductionPlanFactory(
        finished_product=bread, planned_quantity=10, unit_of_measure="unit", planned_duration=2, hourly_rate=20
    )
    later = timezone.now() + datetime.timedelta(days=3)
    ProductionPlanFactory(
        finished_product=bread, planned_quantity=4, unit_of_measure="unit", planned_production_date=later
    )
    RawProductOrderFactory(raw_product=cream, expected_delivery_date=timezone.localdate(), supplier__name="Dairy")
    FinishedProductOrderFactory(
        finished_product=bread,
        client__name="Chez Paul",
        expected_delivery_date=timezone.now() + datetime.timedelta(hours=5),
    )
    return {"flour": flour, "cream": cream, "bread": bread, "run": today_run}


def text_of(response):
    """The page's words, spaces squeezed (but not the no-break spaces between a figure and its unit)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_home_says_what_needs_attention_with_a_link_to_act(admin_client_for, bakery, role):
    response = admin_client_for(role).get("/admin/")
    page, markup = text_of(response), response.content.decode()

    assert response.status_code == 200
    assert f"Flour 2{NBSP}kg on hand, reorder level 5{NBSP}kg" in page and "Cream 40" not in page
    assert f'href="/admin/inventory/rawproduct/{bakery["flour"].pk}/change/"' in markup
    assert "Today's production runs 1" in page and f"Bread: 10{NBSP}unit" in page
    assert f'href="/admin/production/productionplan/{bakery["run"].pk}/complete/"' in markup
    assert "This week's production runs 1" in page and f"Bread: 4{NBSP}unit" in page
    assert "Deliveries due 1" in page and "Dairy, due" in page
    assert "Sales orders to ship 1" in page and "Chez Paul" in page
    # The next 7 days need 5 + 2 kg of flour; 2 are on hand and none on order.
    assert f"Shortfalls, next 7 days 1 Flour 5{NBSP}kg short" in page
    assert "Production runs completed per week" in page and "Sales per week" in page
    assert markup.count('<svg class="stocky-chart"') == 2


def test_the_home_loads_nothing_from_another_machine(admin_client_for, bakery):
    markup = admin_client_for(Role.MANAGER).get("/admin/").content.decode()

    addresses = re.findall(r'(?:src|href)="([^"]+)"', markup)
    assert addresses and all(not re.match(r"(https?:)?//", address) for address in addresses), addresses
    assert "/static/workspace/workspace.css" in markup


def test_the_home_with_nothing_to_do_says_so(admin_client_for):
    page = text_of(admin_client_for(Role.MANAGER).get("/admin/"))

    assert "Nothing is below its reorder level." in page and "No run planned today." in page
    assert "What is on hand and on order covers every run." in page
    assert "No lot on hand expires soon." in page and "No lot is on hold." in page


def test_the_sidebar_speaks_the_business_and_follows_the_role(admin_client_for):
    manager = text_of(admin_client_for(Role.MANAGER).get("/admin/"))
    admin = text_of(admin_client_for(Role.ADMIN).get("/admin/"))

    for group in ("Stock", "Production", "Sales", "Purchasing", "People"):
        assert group in manager
    assert "Material requirements" in manager and "Stock ledger" in manager
    request = RequestFactory().get("/admin/")
    request.user = admin_client_for(Role.MANAGER).user
    stock = next(group for group in sidebar(request) if group["title"] == "Stock")
    assert [item["title"] for item in stock["items"]][:3] == ["Raw materials", "Finished products", "Lots"]
    # Users are managed by Admins only (accounts.backends.RoleBackend): the manager has no link to them.
    assert 'href="/admin/accounts/user/"' in admin_client_for(Role.ADMIN).get("/admin/").content.decode()
    assert 'href="/admin/accounts/user/"' not in admin_client_for(Role.MANAGER).get("/admin/").content.decode()
    assert "Users" in admin
    # The imports anyone who can import has run: their list is in the sidebar, for managers too.
    people = next(group for group in sidebar(request) if group["title"] == "People")
    jobs = next(item for item in people["items"] if item["title"] == "Import jobs")
    assert jobs["link"] == "/admin/exchange/importjob/" and jobs["permission"](request)


def test_a_material_page_draws_its_stock_over_time_with_the_reorder_level(admin_client_for, bakery):
    flour = bakery["flour"]
    stock_change(item=flour, delta=3, reason="receipt")
    stock_change(item=flour, delta=-4, reason="adjustment")

    markup = admin_client_for(Role.MANAGER).get(f"/admin/inventory/rawproduct/{flour.pk}/change/").content.decode()

    svg = markup[markup.index('id="stock-picture"') :]
    assert 'class="stock-line"' in svg and 'class="reorder-level"' in svg
    assert "reorder level 5 kg" in svg.replace(NBSP, " ")
    assert "below it" in svg  # 1 kg on hand


def test_a_product_page_breaks_its_unit_cost_into_materials_and_labour(admin_client_for, bakery):
    response = admin_client_for(Role.MANAGER).get(f"/admin/inventory/finishedproduct/{bakery['bread'].pk}/change/")
    page = text_of(response)

    # 0.5 kg of flour at 1.20 = 0.60; labour 2 h at 20 for the 10 + 4 planned... from the latest plan: 40 / 4.
    assert f"Materials: 0.60{NBSP}€" in page and "Labour:" in page
    assert "Flour" in page and f"0.5{NBSP}kg" in page and "No stock movement yet" in page


def test_a_product_made_with_a_component_shows_what_the_component_costs(admin_client_for, bakery):
    """A sandwich made of two breads (a component, SPEC E): the bar and a table name the bread at its own unit
    cost (its flour and its labour), and the unit cost counts it."""
    sandwich = FinishedProductFactory(name="Sandwich", stock_quantity=0, unit_of_measure="unit")
    RecipeComponent.objects.create(
        finished_product=sandwich, component=bakery["bread"], quantity_required=2, unit_of_measure="unit"
    )
    bread_cost = selectors.finished_product_cost(bakery["bread"], with_sales=False)["unit_cost"]

    page = text_of(admin_client_for(Role.MANAGER).get(f"/admin/inventory/finishedproduct/{sandwich.pk}/change/"))

    assert f"Components: {money(2 * bread_cost)}" in page
    assert f"Bread 2{NBSP}unit {money(bread_cost)} {money(2 * bread_cost)}" in page
    assert f"Unit cost: {money(2 * bread_cost)} per unit" in page  # no materials or runs of its own


def test_lists_show_quantities_with_units_money_with_currency_and_the_newest_first(admin_client_for, bakery, settings):
    settings.CURRENCY = "CHF"
    client = admin_client_for(Role.MANAGER)

    materials = text_of(client.get("/admin/inventory/rawproduct/"))
    orders = text_of(client.get("/admin/orders/rawproductorder/"))
    plans = client.get("/admin/production/productionplan/").content.decode()

    assert f"Flour 2{NBSP}kg 5{NBSP}kg" in materials and "2.000" not in materials
    assert f"3{NBSP}l 12.00{NBSP}CHF" in orders
    later, today = (str(plan.pk) for plan in ProductionPlan.objects.order_by("-planned_production_date"))
    assert plans.index(f"/productionplan/{later}/change/") < plans.index(f"/productionplan/{today}/change/")


def test_the_complete_form_records_what_the_run_produced_and_how_long_it_took(admin_client_for, bakery):
    flour, run = bakery["flour"], bakery["run"]
    stock_change(item=flour, delta=8, reason="receipt")  # 10 kg: enough for 12 loaves of 0.5 kg
    client = admin_client_for(Role.MANAGER)
    url = f"/admin/production/productionplan/{run.pk}/complete/"
    assert "Complete the run" in client.get(url).content.decode()
    assert url in client.get(f"/admin/production/productionplan/{run.pk}/change/").content.decode()

    response = client.post(url, {"produced_quantity": "12", "actual_duration": "2.5"})

    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.produced_quantity, run.actual_duration) == ("completed", 12, Decimal("2.5"))
    assert FinishedProduct.objects.get(pk=bakery["bread"].pk).stock_quantity == 12
    assert RawProduct.objects.get(pk=flour.pk).stock_quantity == 4
    # Completed: no Delete button, no complete form.
    page = client.get(f"/admin/production/productionplan/{run.pk}/change/").content.decode()
    assert f"{run.pk}/delete/" not in page and url not in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"produced_quantity": "0"}, "Ensure this value is greater than or equal to 0.001."),
        ({"produced_quantity": "lots"}, "Enter a number."),
        ({"produced_quantity": "12", "actual_duration": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"produced_quantity": "12"}, "1 material(s) short"),  # 6 kg of flour needed, 2 on hand
    ],
)
def test_a_refused_completion_says_why_and_changes_nothing(admin_client_for, bakery, body, message):
    run = bakery["run"]
    movements = StockMovement.objects.count()

    response = admin_client_for(Role.MANAGER).post(f"/admin/production/productionplan/{run.pk}/complete/", body)

    assert response.status_code == 200 and message in response.content.decode()
    assert ProductionPlan.objects.get(pk=run.pk).status == "planned"
    assert StockMovement.objects.count() == movements
    assert RawProduct.objects.get(pk=bakery["flour"].pk).stock_quantity == 2


def test_the_complete_form_is_refused_to_whoever_may_not_change_plans(admin_client_for, make_user, bakery):
    from django.test import Client

    api_only = Client()
    api_only.force_login(make_user(Role.USER))
    url = f"/admin/production/productionplan/{bakery['run'].pk}/complete/"

    assert api_only.post(url, {"produced_quantity": "1"}).status_code == 302  # to the log-in page
    assert ProductionPlan.objects.get(pk=bakery["run"].pk).status == "planned"


def test_the_requirements_page_answers_at_once_and_marks_shortfalls(admin_client_for, bakery):
    response = admin_client_for(Role.MANAGER).get("/admin/production/productionplan/requirements/")
    markup = response.content.decode()

    assert "1 material short" in text_of(response)
    assert re.search(r'<tr class="shortfall">\s*<td>Flour</td>', markup)
    assert "Nothing to buy" not in markup


def test_line_chart_draws_nothing_without_points_and_a_dashed_reference_with_them():
    now = timezone.now()
    assert "No stock movement yet" in line_chart([], title="t")

    svg = line_chart([(now - datetime.timedelta(days=2), 4), (now, Decimal("1.5"))], title="t", reference=3, unit="kg")
    assert 'class="reorder-level"' in svg and 'stroke-dasharray="6 4"' in svg and "3 kg" in svg
    assert "<title>t</title>" in svg


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_home_lists_lots_expiring_expired_first_and_lots_on_hold(admin_client_for, bakery, role, settings):
    settings.LOTS_DIGEST_DAYS = 3
    flour, bread = bakery["flour"], bakery["bread"]
    today = timezone.localdate()
    soon = lot_create(item=flour, quantity=5, code="F-SOON", best_before=today + datetime.timedelta(days=2))
    gone = lot_create(item=flour, quantity=1, code="F-GONE", use_by=today - datetime.timedelta(days=1))
    lot_create(item=flour, quantity=9, code="F-FAR", use_by=today + datetime.timedelta(days=30))
    held = lot_create(item=bread, quantity=4, code="B-HELD", use_by=today + datetime.timedelta(days=20))
    empty = lot_create(item=bread, quantity=1, code="B-EMPTY")
    for lot in (held, empty):
        lot_hold(lot=lot, reason="Supplier recall")
    lot_write_off(lot=empty, quantity=1, reason="Binned")
    client = admin_client_for(role)

    response = client.get("/admin/")
    page, markup = text_of(response), response.content.decode()

    assert "Lots expiring within 3 days 2" in page
    assert page.index(f"Flour, lot F-GONE: 1{NBSP}kg") < page.index(f"Flour, lot F-SOON: 5{NBSP}kg")
    assert "(expired)" in page and "best before" in page and "F-FAR" not in page
    assert f"Lots on hold 1 Bread, lot B-HELD: 4{NBSP}unit on hold" in page and "B-EMPTY" not in page
    for lot in (gone, soon, held):
        assert f'href="/admin/inventory/lot/{lot.pk}/change/"' in markup
    # Each panel's link opens the lots list on the same lots.
    for query, codes in (("expiry=to_act", ["F-GONE", "F-SOON"]), ("expiry=on_hold&amp;quantity__gt=0", ["B-HELD"])):
        assert f'href="/admin/inventory/lot/?{query}"' in markup
        listed = client.get(f"/admin/inventory/lot/?{html.unescape(query)}").context["cl"].result_list
        assert sorted(lot.code for lot in listed) == codes
