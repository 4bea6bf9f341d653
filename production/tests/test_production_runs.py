"""Production runs: start, complete (consume the recipe, add the output) and cancel, all or nothing."""

from decimal import Decimal

import pytest

from accounts.models import Role
from inventory.models import (
    FinishedProduct,
    RawProduct,
    RawProductConversion,
    StockMovement,
)
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import assert_error
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/production-plans"


@pytest.fixture
def brioche():
    """A real-looking recipe: written in g, ml and eggs, for materials stocked in kg, L and units."""
    flour = RawProductFactory(name="Flour T45", stock_quantity="25", unit_of_measure="kg")
    milk = RawProductFactory(name="Milk", stock_quantity="6", unit_of_measure="L")
    eggs = RawProductFactory(name="Eggs", stock_quantity="60", unit_of_measure="unit")
    butter = RawProductFactory(name="Butter", stock_quantity="5", unit_of_measure="kg")
    product = FinishedProductFactory(name="Brioche", stock_quantity=0, unit_of_measure="piece")
    # Per brioche: 250 g flour, 60 ml milk, 1.5 eggs, 125 g butter.
    RecipeItemFactory(finished_product=product, raw_product=flour, quantity_required=250, unit_of_measure="g")
    RecipeItemFactory(finished_product=product, raw_product=milk, quantity_required=60, unit_of_measure="ml")
    RecipeItemFactory(finished_product=product, raw_product=eggs, quantity_required="1.5", unit_of_measure="pcs")
    RecipeItemFactory(finished_product=product, raw_product=butter, quantity_required=125, unit_of_measure="g")
    return {"product": product, "flour": flour, "milk": milk, "eggs": eggs, "butter": butter}


def stocks(*items):
    return [type(item).objects.get(pk=item.pk).stock_quantity for item in items]


def test_completing_consumes_the_recipe_in_stock_units_and_adds_the_output(api, brioche):
    plan = ProductionPlanFactory(finished_product=brioche["product"], planned_quantity=40, unit_of_measure="piece")
    assert api.post(f"{URL}/{plan.pk}/start").json()["data"]["status"] == "in_progress"
    response = api.post(f"{URL}/{plan.pk}/complete", {"actual_duration": 5.25})
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["status"], data["produced_quantity"], data["actual_duration"]) == ("completed", 40, 5.25)
    assert data["completed_at"] and data["started_at"]
    flour, milk, eggs, butter = brioche["flour"], brioche["milk"], brioche["eggs"], brioche["butter"]
    product = brioche["product"]
    # 40 × 250 g = 10 kg; 40 × 60 ml = 2.4 L; 40 × 1.5 = 60 eggs; 40 × 125 g = 5 kg.
    assert stocks(flour, milk, eggs, butter, product) == [15, Decimal("3.6"), 0, 0, 40]
    entries = StockMovement.objects.filter(source_type="productionplan", source_id=plan.pk).order_by("id")
    assert [(e.item_name, e.change, e.unit_of_measure, e.reason) for e in entries] == [
        ("Flour T45", -10, "kg", "production_consumption"),
        ("Milk", Decimal("-2.4"), "l", "production_consumption"),
        ("Eggs", -60, "unit", "production_consumption"),
        ("Butter", -5, "kg", "production_consumption"),
        ("Brioche", 40, "unit", "production_output"),
    ]
    assert {e.user for e in entries} == {api.user}


def test_the_produced_quantity_decides_what_is_consumed(api, brioche):
    plan = ProductionPlanFactory(finished_product=brioche["product"], planned_quantity=40, unit_of_measure="unit")
    data = api.post(f"{URL}/{plan.pk}/complete", {"produced_quantity": 36}).json()["data"]
    assert data["produced_quantity"] == 36 and data["planned_quantity"] == 40
    assert stocks(brioche["flour"], brioche["product"]) == [16, 36]


def test_a_plan_in_dozens_produces_units(api, brioche):
    plan = ProductionPlanFactory(finished_product=brioche["product"], planned_quantity=2, unit_of_measure="dozen")
    assert api.post(f"{URL}/{plan.pk}/complete").status_code == 200
    assert stocks(brioche["flour"], brioche["product"]) == [19, 24]


def test_a_short_material_refuses_the_whole_run_and_lists_each_shortage(api, brioche):
    plan = ProductionPlanFactory(finished_product=brioche["product"], planned_quantity=50)
    before = stocks(brioche["flour"], brioche["milk"], brioche["eggs"], brioche["butter"], brioche["product"])
    body = assert_error(api.post(f"{URL}/{plan.pk}/complete"), 409, "materials")
    assert body["message"] == f"Cannot complete production plan {plan.pk}: 2 material(s) short"
    assert body["errors"]["materials"] == [
        f"'Eggs' (raw product {brioche['eggs'].pk}): 75 unit needed, 60 unit on hand",
        f"'Butter' (raw product {brioche['butter'].pk}): 6.25 kg needed, 5 kg on hand",
    ]
    # Atomic: not one gram moved, the plan is as it was.
    assert stocks(brioche["flour"], brioche["milk"], brioche["eggs"], brioche["butter"], brioche["product"]) == before
    assert not StockMovement.objects.exclude(reason="initial").exists()
    plan.refresh_from_db()
    assert (plan.status, plan.produced_quantity, plan.completed_at) == ("planned", None, None)


def test_a_failure_after_some_materials_moved_rolls_everything_back(api, brioche, monkeypatch):
    """Even a failure in the middle of the writes (here: adding the output) leaves no stock changed."""
    from production import services

    real = services.stock_change

    def fail_on_output(**kwargs):
        if kwargs["reason"] == "production_output":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "stock_change", fail_on_output)
    plan = ProductionPlanFactory(finished_product=brioche["product"], planned_quantity=4)
    before = stocks(brioche["flour"], brioche["milk"], brioche["eggs"], brioche["butter"], brioche["product"])
    with pytest.raises(RuntimeError):
        services.production_plan_complete(plan=plan)
    assert stocks(brioche["flour"], brioche["milk"], brioche["eggs"], brioche["butter"], brioche["product"]) == before
    assert not StockMovement.objects.exclude(reason="initial").exists()
    assert ProductionPlan.objects.get(pk=plan.pk).status == "planned"


def test_lemon_juice_in_ml_from_lemons_stocked_in_kg(api):
    lemons = RawProductFactory(name="Lemons", stock_quantity=10, unit_of_measure="kg")
    RawProductConversion.objects.create(raw_product=lemons, quantity_a=1, unit_a="kg", quantity_b=400, unit_b="ml")
    curd = FinishedProductFactory(name="Lemon curd", stock_quantity=0, unit_of_measure="l")
    RecipeItemFactory(finished_product=curd, raw_product=lemons, quantity_required=300, unit_of_measure="ml")
    plan = ProductionPlanFactory(finished_product=curd, planned_quantity=4000, unit_of_measure="ml")
    assert api.post(f"{URL}/{plan.pk}/complete").status_code == 200
    # 4 L × 300 ml of juice per litre = 1.2 L of juice = 3 kg of lemons.
    assert stocks(lemons, curd) == [7, 4]


def test_cancel_and_final_states(api):
    plan = ProductionPlanFactory()
    assert api.post(f"{URL}/{plan.pk}/cancel").json()["data"]["status"] == "cancelled"
    for action in ("start", "complete", "cancel"):
        body = assert_error(api.post(f"{URL}/{plan.pk}/{action}"), 409, "status")
        assert "final" in body["message"]
    done = ProductionPlanFactory(finished_product__stock_quantity=0)
    api.post(f"{URL}/{done.pk}/complete")
    assert_error(api.post(f"{URL}/{done.pk}/cancel"), 409, "status")
    started = ProductionPlanFactory()
    api.post(f"{URL}/{started.pk}/start")
    assert_error(api.post(f"{URL}/{started.pk}/start"), 409, "status")
    assert api.post(f"{URL}/{started.pk}/cancel").status_code == 200


def test_completed_and_cancelled_plans_cannot_be_edited_and_completed_ones_not_deleted(api):
    done, cancelled = ProductionPlanFactory(), ProductionPlanFactory()
    api.post(f"{URL}/{done.pk}/complete")
    api.post(f"{URL}/{cancelled.pk}/cancel")
    for plan in (done, cancelled):
        assert_error(api.patch(f"{URL}/{plan.pk}", {"planned_quantity": 1}), 409, "status")
    assert_error(api.delete(f"{URL}/{done.pk}"), 409, "status")
    assert ProductionPlan.objects.filter(pk=done.pk).exists()
    assert api.delete(f"{URL}/{cancelled.pk}").status_code == 200


def test_status_and_produced_quantity_change_only_through_the_actions(api):
    plan = ProductionPlanFactory()
    assert_error(api.patch(f"{URL}/{plan.pk}", {"status": "completed"}), 400, "status")
    assert_error(api.patch(f"{URL}/{plan.pk}", {"produced_quantity": 3}), 400, "produced_quantity")
    read = api.get(f"{URL}/{plan.pk}").json()["data"]
    fields = (
        "finished_product_id",
        "planned_quantity",
        "unit_of_measure",
        "planned_production_date",
        "planned_duration",
        "hourly_rate",
        "status",
        "produced_quantity",
    )
    body = {k: read[k] for k in fields}
    assert api.put(f"{URL}/{plan.pk}", body).status_code == 200, "sending back what was read is fine"
    assert ProductionPlan.objects.get(pk=plan.pk).status == "planned"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"produced_quantity": 0}, "produced_quantity"),
        ({"produced_quantity": "x"}, "produced_quantity"),
        ({"actual_duration": -1}, "actual_duration"),
    ],
)
def test_bad_completion_bodies_are_400_and_change_nothing(api, body, field):
    plan = ProductionPlanFactory(finished_product__stock_quantity=0)
    assert_error(api.post(f"{URL}/{plan.pk}/complete", body), 400, field)
    assert ProductionPlan.objects.get(pk=plan.pk).status == "planned"
    assert FinishedProduct.objects.get(pk=plan.finished_product_id).stock_quantity == 0


def test_a_plan_unit_must_convert_to_the_products_stock_unit(api):
    product = FinishedProductFactory(unit_of_measure="kg")
    body = {
        "finished_product_id": product.pk,
        "planned_quantity": 3,
        "unit_of_measure": "piece",
        "planned_production_date": "2026-03-05T04:00:00Z",
        "planned_duration": 1,
        "hourly_rate": 20,
    }
    assert_error(api.post(URL, body), 400, "unit_of_measure")
    assert_error(api.post(URL, {**body, "unit_of_measure": "bag"}), 400, "unit_of_measure")
    assert api.post(URL, {**body, "unit_of_measure": "G"}).json()["data"]["unit_of_measure"] == "g"


def test_roles_for_the_actions(client_for):
    plan = ProductionPlanFactory()
    assert_error(client_for(Role.READONLY).post(f"{URL}/{plan.pk}/start"), 403)
    assert client_for(Role.USER).post(f"{URL}/{plan.pk}/start").status_code == 200
    assert_error(client_for(Role.USER).get(f"{URL}/{plan.pk}/start"), 405)
    assert_error(client_for(Role.USER).post(f"{URL}/999/start"), 404)
    assert RawProduct.objects.count() == 0
