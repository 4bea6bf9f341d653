"""Recipe items, addressed by the pair /recipe-items/<finishedProductId>/<rawProductId>."""

from decimal import Decimal

import pytest

from inventory.models import RawProduct
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from production.models import RecipeItem
from production.tests.factories import RecipeItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/recipe-items"


def detail(item):
    return f"{URL}/{item.finished_product_id}/{item.raw_product_id}"


@pytest.fixture
def valid():
    return {
        "finished_product_id": FinishedProductFactory(name="Bread").pk,
        "raw_product_id": RawProductFactory(name="Flour").pk,
        "quantity_required": 0.5,
        "unit_of_measure": "kg",
    }


def test_create_answers_201_with_names_and_no_surrogate_id(api, valid):
    response = api.post(URL, valid)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in valid} == valid
    assert (data["finished_product_name"], data["raw_product_name"]) == ("Bread", "Flour")
    assert "id" not in data
    assert response.json()["message"] == "Recipe item created successfully"
    assert RecipeItem.objects.get().quantity_required == Decimal("0.5")


def test_creating_a_pair_that_exists_is_400(api, valid):
    RecipeItemFactory(finished_product_id=valid["finished_product_id"], raw_product_id=valid["raw_product_id"])
    body = assert_error(api.post(URL, valid), 400, "non_field_errors")
    assert "already in this finished product's recipe" in body["errors"]["non_field_errors"][0]
    assert RecipeItem.objects.get().quantity_required == Decimal("0.25")


@pytest.mark.parametrize(
    "field, value",
    [
        ("finished_product_id", 999),
        ("raw_product_id", 999),
        ("raw_product_id", [1]),
        ("quantity_required", 0),
        ("quantity_required", -2),
        ("quantity_required", "0.0001"),
        ("unit_of_measure", ""),
    ],
)
def test_invalid_values_are_400_on_that_field(api, valid, field, value):
    assert_error(api.post(URL, {**valid, field: value}), 400, field)
    assert not RecipeItem.objects.exists()


def test_missing_fields_are_400(api):
    assert_error(
        api.post(URL, {}), 400, "finished_product_id", "raw_product_id", "quantity_required", "unit_of_measure"
    )


def test_read_put_patch_and_delete_by_the_pair(api):
    item = RecipeItemFactory(quantity_required="0.25", unit_of_measure="kg")
    data = api.get(detail(item)).json()["data"]
    assert (data["finished_product_id"], data["raw_product_id"], data["quantity_required"]) == (
        item.finished_product_id,
        item.raw_product_id,
        0.25,
    )
    assert_error(api.put(detail(item), {"quantity_required": 1}), 400, "unit_of_measure")
    response = api.put(detail(item), {"quantity_required": 300, "unit_of_measure": "g"})
    assert response.status_code == 200 and response.json()["data"]["unit_of_measure"] == "g"
    response = api.patch(detail(item) + "/", {"quantity_required": 250})
    assert response.json()["data"]["quantity_required"] == 250
    item.refresh_from_db()
    assert (item.quantity_required, item.unit_of_measure) == (Decimal("250"), "g")
    assert api.delete(detail(item)).json()["data"] is None
    assert not RecipeItem.objects.exists()
    assert RawProduct.objects.filter(pk=item.raw_product_id).exists(), "the material stays"


def test_an_update_may_repeat_the_pair_but_not_change_it(api):
    item = RecipeItemFactory()
    same = {"finished_product_id": item.finished_product_id, "raw_product_id": item.raw_product_id}
    assert api.patch(detail(item), {**same, "quantity_required": 2}).status_code == 200
    other = FinishedProductFactory()
    assert_error(api.patch(detail(item), {"finished_product_id": other.pk}), 400, "finished_product_id")
    assert_error(api.patch(detail(item), {"raw_product_id": 999}), 400, "raw_product_id")
    item.refresh_from_db()
    assert (item.finished_product_id, item.quantity_required) == (same["finished_product_id"], Decimal("2"))


def test_unknown_pair_is_404_and_wrong_methods_are_405(api, valid):
    item = RecipeItemFactory()
    assert_error(api.get(f"{URL}/{item.finished_product_id}/999"), 404)
    assert_error(api.delete(f"{URL}/999/{item.raw_product_id}"), 404)
    assert_error(api.post(detail(item), valid), 405)
    assert_error(api.delete(URL), 405)
    assert RecipeItem.objects.count() == 1


def test_deleting_a_material_used_by_a_recipe_is_409_and_deletes_nothing(api):
    item = RecipeItemFactory()
    body = assert_error(api.delete(f"/api/v1/raw-products/{item.raw_product_id}"), 409)
    assert body["message"] == "Cannot delete: still referenced by 1 recipe item"
    assert RawProduct.objects.filter(pk=item.raw_product_id).exists() and RecipeItem.objects.count() == 1


def test_recipe_of_a_product_by_the_recipe_items_path(api):
    bread = FinishedProductFactory(name="Bread")
    RecipeItemFactory(finished_product=bread, raw_product__name="Flour")
    RecipeItemFactory()
    body = api.get(f"{URL}/product/{bread.pk}").json()
    assert [row["raw_product_name"] for row in body["data"]] == ["Flour"]
    assert body["success"] is True
    assert_error(api.get(f"{URL}/product/999"), 404)
    assert_error(api.post(f"{URL}/product/{bread.pk}", {}), 405)


def test_recipe_of_a_product_query_count_does_not_grow_with_rows(rendered_reads, api):
    product = FinishedProductFactory()
    one, fifty = queries_for_one_and_fifty(
        api, f"{URL}/product/{product.pk}", lambda n: RecipeItemFactory.create_batch(n, finished_product=product)
    )
    assert one == fifty


def test_list_filters_search_ordering_and_pages(api):
    bread, cake = FinishedProductFactory(name="Bread"), FinishedProductFactory(name="Cake")
    flour, sugar = RawProductFactory(name="Flour"), RawProductFactory(name="Sugar")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=5)
    RecipeItemFactory(finished_product=cake, raw_product=flour, quantity_required=1)
    RecipeItemFactory(finished_product=cake, raw_product=sugar, quantity_required=2)
    pairs = lambda query: [  # noqa: E731
        (row["finished_product_name"], row["raw_product_name"]) for row in api.get(f"{URL}?{query}").json()["data"]
    ]
    assert pairs(f"raw_product_id={flour.pk}&ordering=quantity_required") == [("Cake", "Flour"), ("Bread", "Flour")]
    assert pairs(f"finished_product_id={cake.pk}") == [("Cake", "Flour"), ("Cake", "Sugar")]
    assert pairs("search=sugar") == [("Cake", "Sugar")]
    assert api.get(f"{URL}?page=3&page_size=1").json()["meta"]["page"] == 3
    assert_error(api.get(f"{URL}?finished_product_id=999"), 400, "finished_product_id")
    assert_error(api.get(f"{URL}?ordering=finished_product__secret"), 400, "ordering")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: RecipeItemFactory.create_batch(n))
    assert one == fifty


def test_ids_beyond_any_integer_column_are_404_not_500(api):
    item = RecipeItemFactory()
    huge = 2**63
    assert_error(api.get(f"{URL}/{huge}/{item.raw_product_id}"), 404)
    assert_error(api.patch(f"{URL}/{item.finished_product_id}/{huge}", {"quantity_required": 1}), 404)
    assert_error(api.get(f"{URL}/product/{huge}"), 404)
    assert_error(api.get(f"/api/v1/finished-products/{huge}/recipe"), 404)
