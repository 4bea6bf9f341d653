"""Production plans through the API."""

from decimal import Decimal

import pytest

from inventory.tests.factories import FinishedProductFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/production-plans"


@pytest.fixture
def valid():
    return {
        "finished_product_id": FinishedProductFactory(name="Bread").pk,
        "planned_quantity": 120,
        "unit_of_measure": "unit",
        "planned_production_date": "2026-03-05T04:00:00Z",
        "planned_duration": 3.5,
        "hourly_rate": 22.5,
    }


def test_create_answers_201_with_actual_duration_null(api, valid):
    response = api.post(URL, valid)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in valid} == valid
    assert (data["finished_product_name"], data["actual_duration"]) == ("Bread", None)
    assert ProductionPlan.objects.get(pk=data["id"]).planned_duration == Decimal("3.5")


def test_missing_fields_are_400(api):
    assert_error(
        api.post(URL, {"actual_duration": 1}),
        400,
        "finished_product_id",
        "planned_quantity",
        "unit_of_measure",
        "planned_production_date",
        "planned_duration",
        "hourly_rate",
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("finished_product_id", 999),
        ("planned_quantity", 0),
        ("planned_duration", -1),
        ("actual_duration", -0.5),
        ("hourly_rate", -1),
        ("hourly_rate", "1.234"),
        ("planned_production_date", "tomorrow"),
    ],
)
def test_invalid_values_are_400_on_that_field(api, valid, field, value):
    assert_error(api.post(URL, {**valid, field: value}), 400, field)
    assert not ProductionPlan.objects.exists()


def test_zero_duration_is_allowed(api, valid):
    assert api.post(URL, {**valid, "planned_duration": 0, "actual_duration": 0}).status_code == 201


def test_read_put_patch_and_delete(api, valid):
    plan = ProductionPlanFactory()
    assert api.get(f"{URL}/{plan.pk}").json()["data"]["finished_product_name"] == plan.finished_product.name
    assert_error(api.put(f"{URL}/{plan.pk}", {"actual_duration": 2}), 400, *(set(valid)))
    response = api.put(f"{URL}/{plan.pk}", valid)
    assert response.status_code == 200 and response.json()["data"]["finished_product_name"] == "Bread"
    response = api.patch(f"{URL}/{plan.pk}/", {"actual_duration": 4.25})
    assert response.json()["data"]["actual_duration"] == 4.25
    response = api.patch(f"{URL}/{plan.pk}", {"actual_duration": None})
    assert response.json()["data"]["actual_duration"] is None
    plan.refresh_from_db()
    assert (plan.planned_quantity, plan.actual_duration) == (Decimal("120"), None)
    assert api.delete(f"{URL}/{plan.pk}").json()["message"] == "Production plan deleted successfully"
    assert not ProductionPlan.objects.exists()


def test_unknown_id_is_404_and_post_on_a_detail_route_is_405(api, valid):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.patch(f"{URL}/999", {"planned_quantity": 1}), 404)
    assert_error(api.post(f"{URL}/{ProductionPlanFactory().pk}", valid), 405)


def test_list_filters_search_ordering_and_pages(api):
    bread, cake = FinishedProductFactory(name="Bread"), FinishedProductFactory(name="Cake")
    early = ProductionPlanFactory(finished_product=bread, planned_production_date="2026-03-01T04:00:00Z")
    late = ProductionPlanFactory(finished_product=bread, planned_production_date="2026-03-09T04:00:00Z")
    cake_plan = ProductionPlanFactory(finished_product=cake, planned_production_date="2026-03-05T04:00:00Z")
    ids = lambda query: [row["id"] for row in api.get(f"{URL}?{query}").json()["data"]]  # noqa: E731
    assert ids(f"finished_product_id={bread.pk}&ordering=-planned_production_date") == [late.pk, early.pk]
    assert ids("ordering=planned_production_date") == [early.pk, cake_plan.pk, late.pk]
    assert ids("search=cake") == [cake_plan.pk]
    assert api.get(f"{URL}?page=1&page_size=500").json()["meta"]["total"] == 3
    assert_error(api.get(f"{URL}?finished_product_id=-1"), 400, "finished_product_id")
    assert_error(api.get(f"{URL}?ordering=finished_product"), 400, "ordering")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: ProductionPlanFactory.create_batch(n))
    assert one == fifty
