"""The production admin: pages render and lists do not grow with rows."""

import pytest

from inventory.tests.utils import (
    admin_pages_render,
    changelist_queries_for_one_and_fifty,
)
from production.models import ProductionPlan, RecipeItem
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

CASES = [(RecipeItem, RecipeItemFactory), (ProductionPlan, ProductionPlanFactory)]


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_add_and_change_pages_render(admin_client, model, factory):
    admin_pages_render(admin_client, model, factory())


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model, factory):
    one, fifty = changelist_queries_for_one_and_fifty(admin_client, model, lambda n: factory.create_batch(n))
    assert one == fifty


def test_plan_list_shows_the_planned_labour_cost(admin_client):
    ProductionPlanFactory(planned_duration="4.50", hourly_rate="25.00")
    assert "112.50" in admin_client.get("/admin/production/productionplan/").content.decode()
