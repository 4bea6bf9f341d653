"""Recipe components (SPEC E): a finished product in another's recipe, addressed by the pair
/recipe-components/<finishedProductId>/<componentId>; a product may not contain itself at any depth."""

from decimal import Decimal

import pytest

from inventory.tests.factories import FinishedProductFactory
from inventory.tests.utils import assert_error
from production import services
from production.models import RecipeComponent
from production.tests.factories import RecipeComponentFactory
from stocky.exchange.engine import import_table, read_table
from stocky.exchange.resources import REGISTRY
from stocky.kit.errors import InvalidInput

pytestmark = pytest.mark.django_db

URL = "/api/v1/recipe-components"


def detail(line):
    return f"{URL}/{line.finished_product_id}/{line.component_id}"


@pytest.fixture
def chain():
    """Croissant contains Dough, which contains Butter block: a recipe three levels deep."""
    croissant = FinishedProductFactory(name="Croissant", unit_of_measure="unit")
    dough = FinishedProductFactory(name="Dough", unit_of_measure="kg")
    block = FinishedProductFactory(name="Butter block", unit_of_measure="kg")
    RecipeComponentFactory(finished_product=croissant, component=dough, quantity_required="0.08")
    RecipeComponentFactory(finished_product=dough, component=block, quantity_required="0.3")
    return croissant, dough, block


def test_create_answers_201_with_names(api):
    tart = FinishedProductFactory(name="Tart", unit_of_measure="unit")
    pastry = FinishedProductFactory(name="Pastry", unit_of_measure="kg")
    body = {"finished_product_id": tart.pk, "component_id": pastry.pk, "quantity_required": 120, "unit_of_measure": "g"}
    response = api.post(URL, body)
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["finished_product_name"], data["component_name"], data["quantity_required"]) == (
        "Tart",
        "Pastry",
        120,
    )
    assert response.json()["message"] == "Recipe component created successfully"
    assert RecipeComponent.objects.get().unit_of_measure == "g"


def test_read_patch_list_and_delete_by_the_pair(api, chain):
    croissant, dough, _ = chain
    line = RecipeComponent.objects.get(finished_product=croissant)
    assert api.get(detail(line)).json()["data"]["component_name"] == "Dough"
    assert api.patch(detail(line), {"quantity_required": 0.09}).status_code == 200
    line.refresh_from_db()
    assert line.quantity_required == Decimal("0.09")
    listed = api.get(f"/api/v1/finished-products/{croissant.pk}/components").json()["data"]
    assert [row["component_id"] for row in listed] == [dough.pk]
    assert api.get(f"{URL}/product/{croissant.pk}").json()["data"] == listed
    assert api.get(f"{URL}?component_id={dough.pk}").json()["data"][0]["finished_product_name"] == "Croissant"
    assert api.delete(detail(line)).status_code in (200, 204)
    assert not RecipeComponent.objects.filter(finished_product=croissant).exists()


def test_a_unit_that_does_not_convert_to_the_components_unit_is_400(api):
    tart, pastry = FinishedProductFactory(unit_of_measure="unit"), FinishedProductFactory(unit_of_measure="kg")
    body = {"finished_product_id": tart.pk, "component_id": pastry.pk, "quantity_required": 1, "unit_of_measure": "l"}
    assert_error(api.post(URL, body), 400, "unit_of_measure")
    assert not RecipeComponent.objects.exists()


def test_a_product_as_its_own_component_is_400_naming_it(api):
    bread = FinishedProductFactory(name="Bread", unit_of_measure="unit")
    body = {
        "finished_product_id": bread.pk,
        "component_id": bread.pk,
        "quantity_required": 1,
        "unit_of_measure": "unit",
    }
    response = assert_error(api.post(URL, body), 400, "component_id")
    assert response["errors"]["component_id"] == ["A recipe cannot contain itself: Bread → Bread"]
    assert not RecipeComponent.objects.exists()


def test_a_cycle_at_depth_3_is_400_naming_the_path_through_the_api(api, chain):
    croissant, _, block = chain
    body = {
        "finished_product_id": block.pk,
        "component_id": croissant.pk,
        "quantity_required": 1,
        "unit_of_measure": "unit",
    }
    response = assert_error(api.post(URL, body), 400, "component_id")
    assert response["message"] == "A recipe cannot contain itself: Butter block → Croissant → Dough → Butter block"
    assert RecipeComponent.objects.count() == 2


def test_a_cycle_is_refused_by_an_import_file_with_the_same_message(chain):
    croissant, _, block = chain
    resource = REGISTRY["recipe-components"]
    text = f"finished_product_id,component_id,quantity_required,unit_of_measure\n{block.pk},{croissant.pk},1,unit\n"
    report = import_table(resource, read_table(resource, text.encode(), "csv", update=True), update=True)
    ((_line, errors),) = report.errors
    assert errors["component_id"] == ["A recipe cannot contain itself: Butter block → Croissant → Dough → Butter block"]
    assert RecipeComponent.objects.count() == 2


def test_an_import_file_creates_components_by_name():
    FinishedProductFactory(name="Tart", unit_of_measure="unit")
    FinishedProductFactory(name="Pastry", unit_of_measure="kg")
    resource = REGISTRY["recipe-components"]
    text = "finished_product,component,quantity_required,unit_of_measure\nTart,Pastry,0.12,kg\n"
    report = import_table(resource, read_table(resource, text.encode(), "csv"))
    assert not report.errors
    line = RecipeComponent.objects.get()
    assert (line.finished_product.name, line.component.name, line.quantity_required) == (
        "Tart",
        "Pastry",
        Decimal("0.12"),
    )


def test_the_service_refuses_a_cycle_closed_by_changing_a_lines_component(chain):
    croissant, dough, block = chain
    other = FinishedProductFactory(name="Filling", unit_of_measure="kg")
    line = RecipeComponentFactory(finished_product=block, component=other, quantity_required="0.1")
    with pytest.raises(InvalidInput) as refused:
        services.recipe_component_update(item=line, component=croissant, unit_of_measure="unit")
    assert refused.value.message == "A recipe cannot contain itself: Butter block → Croissant → Dough → Butter block"
    line.refresh_from_db()
    assert line.component_id == other.pk
    # Changing only the quantity of a line inside a chain is no cycle.
    services.recipe_component_update(item=RecipeComponent.objects.get(finished_product=dough), quantity_required=1)


def test_the_cycle_check_reads_the_graph_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    products = [FinishedProductFactory(unit_of_measure="kg") for _ in range(12)]
    for parent, child in zip(products, products[1:], strict=False):
        RecipeComponentFactory(finished_product=parent, component=child, quantity_required="0.5")
    with django_assert_max_num_queries(8):
        with pytest.raises(InvalidInput):
            services.recipe_component_create(
                finished_product=products[-1], component=products[0], quantity_required=1, unit_of_measure="kg"
            )


# --- The admin -----------------------------------------------------------------------------------------


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_the_finished_products_page_adds_a_component_through_the_inline(admin_client):
    tart = FinishedProductFactory(name="Tart", unit_of_measure="unit", stock_quantity=0)
    pastry = FinishedProductFactory(name="Pastry", unit_of_measure="kg")
    response = admin_client.post(
        f"/admin/inventory/finishedproduct/{tart.pk}/change/",
        {
            "name": "Tart",
            "stock_quantity": "0",
            "unit_of_measure": "unit",
            **management("conversions"),
            **management("recipe_items"),
            **management("recipe_components", total=1),
            "recipe_components-0-component": pastry.pk,
            "recipe_components-0-quantity_required": "0.15",
            "recipe_components-0-unit_of_measure": "kg",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert RecipeComponent.objects.get().component == pastry
    page = admin_client.get(f"/admin/inventory/finishedproduct/{tart.pk}/change/").content.decode()
    assert "components (finished products made in house)" in page.lower()


def test_the_inline_shows_a_cycle_at_depth_3_and_saves_nothing(admin_client, chain):
    croissant, _, block = chain
    response = admin_client.post(
        f"/admin/inventory/finishedproduct/{block.pk}/change/",
        {
            "name": "Butter block",
            "stock_quantity": str(block.stock_quantity),
            "unit_of_measure": "kg",
            **management("conversions"),
            **management("recipe_items"),
            **management("recipe_components", total=1),
            "recipe_components-0-component": croissant.pk,
            "recipe_components-0-quantity_required": "1",
            "recipe_components-0-unit_of_measure": "unit",
        },
    )
    assert response.status_code == 200
    assert "Butter block → Croissant → Dough → Butter block" in response.content.decode()
    assert RecipeComponent.objects.count() == 2


def test_the_components_admin_pages_render(admin_client, chain):
    line = RecipeComponent.objects.first()
    assert admin_client.get("/admin/production/recipecomponent/").status_code == 200
    assert admin_client.get(f"/admin/production/recipecomponent/{line.pk}/change/").status_code == 200
    assert admin_client.get("/admin/production/recipecomponent/add/").status_code == 200


def test_a_component_still_in_a_recipe_cannot_be_deleted(api, chain):
    _, dough, _ = chain
    body = assert_error(api.delete(f"/api/v1/finished-products/{dough.pk}"), 409)
    assert body["message"] == "Cannot delete: still referenced by 1 recipe component"
    assert RecipeComponent.objects.count() == 2
