"""Requirements through every level of components (SPEC E): a week of croissants needs dough; the dough
short after its stock and the dough already planned is proposed as production plans dated before the
croissants, and the dough's flour and butter join the purchase suggestions."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import assert_error
from orders.models import RawProductOrder
from production.models import ProductionPlan
from production.services import requirements_plans_create
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/production/requirements"
WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def at(day, hour=5):
    return datetime.datetime(2026, 3, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def week():
    """Croissants Monday to Friday, 100 a day: 80 g of dough and 5 g of sugar each. Dough: 600 g of flour
    and 300 g of butter a kg, with a butter block (a third level) of 0.1 kg a kg of dough. 2 kg of dough on
    hand; a 3 kg dough plan on Tuesday 3:00 (before Tuesday's croissants)."""
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    butter = RawProductFactory(name="Butter", stock_quantity=0, unit_of_measure="kg")
    sugar = RawProductFactory(name="Sugar", stock_quantity=100, unit_of_measure="kg")
    block = FinishedProductFactory(name="Butter block", stock_quantity=0, unit_of_measure="kg")
    dough = FinishedProductFactory(name="Pâte à croissant", stock_quantity=2, unit_of_measure="kg")
    croissant = FinishedProductFactory(name="Croissant", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=croissant, raw_product=sugar, quantity_required=5, unit_of_measure="g")
    RecipeComponentFactory(finished_product=croissant, component=dough, quantity_required=80, unit_of_measure="g")
    RecipeItemFactory(finished_product=dough, raw_product=flour, quantity_required="0.6", unit_of_measure="kg")
    RecipeItemFactory(finished_product=dough, raw_product=butter, quantity_required="0.3", unit_of_measure="kg")
    RecipeComponentFactory(finished_product=dough, component=block, quantity_required="0.1", unit_of_measure="kg")
    RecipeItemFactory(finished_product=block, raw_product=butter, quantity_required=1, unit_of_measure="kg")
    for day in range(2, 7):
        ProductionPlanFactory(
            finished_product=croissant, planned_quantity=100, unit_of_measure="unit", planned_production_date=at(day)
        )
    ProductionPlanFactory(
        finished_product=dough,
        planned_quantity=3,
        unit_of_measure="kg",
        planned_production_date=at(3, 3),
        planned_duration="1.5",
        hourly_rate="20.00",
    )
    mill = SupplierFactory(name="Moulin")
    SupplierRawProductFactory(supplier=mill, raw_product=flour, unit_price="0.90", unit_of_measure="kg")
    SupplierRawProductFactory(supplier=mill, raw_product=butter, unit_price="9.00", unit_of_measure="kg")
    return {"flour": flour, "butter": butter, "dough": dough, "block": block, "croissant": croissant, "mill": mill}


def test_a_week_of_croissants_proposes_the_dough_and_the_flour_and_butter(api, week):
    response = api.get(URL, WEEK)
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    dough, block = data["components"]  # parents first
    # 500 croissants × 80 g = 40 kg of dough. Monday's 8 kg: 2 on hand, 6 short (the Tuesday plan is later).
    # Tuesday's 8: the 3 kg planned, 5 short; Wednesday to Friday: 24 short. 35 kg in all, needed Monday.
    assert dough == {
        "finished_product_id": week["dough"].pk,
        "finished_product_name": "Pâte à croissant",
        "unit_of_measure": "kg",
        "required": 40,
        "on_hand": 2,
        "planned": 3,
        "shortfall": 35,
        "used_by": ["Croissant"],
        "proposed_plan": {
            "planned_quantity": 35,
            "unit_of_measure": "kg",
            # The day before Monday's croissants, but not before the window.
            "planned_production_date": "2026-03-02T00:00:00+00:00",
            "needed_by": "2026-03-02T05:00:00+00:00",
        },
    }
    # The butter block: 0.1 kg a kg of dough, for the 3 kg planned and the 35 proposed.
    assert (block["finished_product_name"], block["required"], block["shortfall"], block["used_by"]) == (
        "Butter block",
        3.8,
        3.8,
        ["Pâte à croissant"],
    )
    materials = {line["raw_product_name"]: line for line in data["materials"]}
    # Flour: 0.6 × (3 + 35) = 22.8 kg. Butter: 0.3 × 38 = 11.4 kg in the dough, 3.8 kg in the block.
    assert materials["Flour"]["required"] == 22.8 and materials["Flour"]["suggestion"]["quantity"] == 22.8
    assert materials["Butter"]["required"] == 15.2
    assert materials["Sugar"]["required"] == 2.5 and materials["Sugar"]["suggestion"] is None


def test_the_purchase_orders_cover_the_doughs_materials_and_the_plans_are_a_separate_call(client_for, week):
    user = client_for(Role.USER)
    response = user.post(f"{URL}/orders", WEEK)
    assert response.status_code == 201, response.json()
    ordered = dict(RawProductOrder.objects.values_list("raw_product__name", "quantity"))
    assert ordered == {"Flour": Decimal("22.8"), "Butter": Decimal("15.2")}
    assert ProductionPlan.objects.count() == 6, "ordering materials plans nothing"

    response = user.post(f"{URL}/plans", WEEK)
    assert response.status_code == 201, response.json()
    assert response.json()["message"] == "2 production plan(s) created"
    made = {row["finished_product_name"]: row for row in response.json()["data"]}
    assert (made["Pâte à croissant"]["planned_quantity"], made["Pâte à croissant"]["status"]) == (35, "planned")
    # The rate of the dough's latest plan, and its 0.5 h a kg.
    assert (made["Pâte à croissant"]["hourly_rate"], made["Pâte à croissant"]["planned_duration"]) == (20, 17.5)
    assert made["Butter block"]["planned_quantity"] == 3.8
    # Planned now: nothing more to propose, and the materials stay as they were.
    again = user.get(URL, WEEK).json()["data"]
    assert [line["proposed_plan"] for line in again["components"]] == [None, None]
    assert user.post(f"{URL}/plans", WEEK).json()["data"] == []


def test_readonly_users_may_not_create_plans(client_for, week):
    assert_error(client_for(Role.READONLY).post(f"{URL}/plans", WEEK), 403)
    assert ProductionPlan.objects.count() == 6


def test_a_bad_window_is_400_and_plans_nothing(api, week):
    assert_error(api.post(f"{URL}/plans", {"from": "2026-03-08", "to": "2026-03-02"}), 400, "from")
    assert ProductionPlan.objects.count() == 6


def test_enough_dough_on_hand_proposes_only_the_butter_block_of_the_planned_dough(week):
    type(week["dough"]).objects.filter(pk=week["dough"].pk).update(stock_quantity=100)
    plans, answer = requirements_plans_create(date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 8))
    (dough, block) = answer["components"]
    assert (dough["shortfall"], dough["proposal"]) == (0, None)
    # The Tuesday 3 kg dough plan still needs 0.3 kg of butter block, by Tuesday 3:00.
    (plan,) = plans
    assert (plan.finished_product, plan.planned_quantity) == (week["block"], Decimal("0.3"))
    assert plan.planned_production_date == at(2, 3)


def test_the_answer_costs_the_same_queries_for_a_few_components_or_many(api, django_assert_max_num_queries):
    def build(n):
        for _ in range(n):
            top = FinishedProductFactory(unit_of_measure="unit")
            middle = FinishedProductFactory(unit_of_measure="kg", stock_quantity=0)
            RecipeComponentFactory(finished_product=top, component=middle, quantity_required=1, unit_of_measure="kg")
            RecipeItemFactory(finished_product=middle, raw_product=RawProductFactory(unit_of_measure="kg"))
            ProductionPlanFactory(finished_product=top, planned_production_date=at(3), unit_of_measure="unit")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL, WEEK).status_code == 200
        return len(queries)

    build(1)
    count()  # the first request reads the user's token and role
    few = count()
    build(10)
    assert count() == few


def test_the_admin_requirements_page_shows_the_dough_and_creates_its_plans(admin_client_for, week):
    client = admin_client_for(Role.MANAGER)
    page = "/admin/production/productionplan/requirements/"
    window = {"date_from": "2026-03-02", "date_to": "2026-03-08"}
    text = client.get(page, window).content.decode()
    assert 'id="requirements-components"' in text
    assert "Pâte à croissant" in text and "Create the proposed production plans" in text
    response = client.post(page, {**window, "plan_components": "1"}, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("2 production plan(s) created: #") for message in messages), messages
    assert ProductionPlan.objects.filter(finished_product=week["dough"], planned_quantity=35).exists()
    assert not RawProductOrder.objects.exists(), "planning orders nothing"
    text = client.get(page, window).content.decode()
    assert "Create the proposed production plans" not in text
