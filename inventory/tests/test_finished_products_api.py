"""Finished products through the API, with their recipe (GET /finished-products/<id>/recipe)."""

import pytest

from inventory.models import FinishedProduct, RawProduct
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from orders.tests.factories import FinishedProductOrderFactory
from production.models import RecipeItem
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/finished-products"
VALID = {"name": "Baguette", "stock_quantity": 40, "unit_of_measure": "piece", "comments": "Best before 1 day"}


def test_create_answers_201_with_numbers_and_optional_comments(api):
    response = api.post(URL, VALID)
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["name"], data["stock_quantity"], data["comments"]) == ("Baguette", 40, "Best before 1 day")
    assert response.json()["message"] == "Finished product created successfully"
    response = api.post(URL, {"name": "Croissant", "stock_quantity": "0.5", "unit_of_measure": "kg"})
    assert response.status_code == 201 and response.json()["data"]["comments"] == ""
    assert response.json()["data"]["stock_quantity"] == 0.5
    assert api.post(URL, {**VALID, "comments": None}).json()["data"]["comments"] == ""


def test_missing_and_invalid_fields_are_400_and_nothing_is_created(api):
    assert_error(api.post(URL, {"comments": "x"}), 400, "name", "stock_quantity", "unit_of_measure")
    assert_error(api.post(URL, {**VALID, "stock_quantity": -1}), 400, "stock_quantity")
    assert_error(api.post(URL, {**VALID, "stock_quantity": "lots"}), 400, "stock_quantity")
    assert_error(api.post(URL, {**VALID, "stock_quantity": "1.0001"}), 400, "stock_quantity")
    assert not FinishedProduct.objects.exists()


def test_read_put_patch_and_delete(api):
    product = FinishedProductFactory(comments="keep")
    assert api.get(f"{URL}/{product.pk}").json()["data"]["comments"] == "keep"
    assert_error(api.put(f"{URL}/{product.pk}", {"name": "x"}), 400, "stock_quantity", "unit_of_measure")
    response = api.put(f"{URL}/{product.pk}", {"name": "Pain", "stock_quantity": 3, "unit_of_measure": "piece"})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Pain"
    response = api.patch(f"{URL}/{product.pk}/", {"stock_quantity": 7})
    assert response.json()["data"] == {**response.json()["data"], "name": "Pain", "stock_quantity": 7}
    assert api.delete(f"{URL}/{product.pk}").json()["data"] is None
    assert not FinishedProduct.objects.filter(pk=product.pk).exists()


def test_unknown_id_is_404_and_post_on_a_detail_route_is_405(api):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.put(f"{URL}/999", VALID), 404)
    assert_error(api.post(f"{URL}/{FinishedProductFactory().pk}", VALID), 405)


def test_delete_takes_its_recipe_with_it_but_not_the_materials(api):
    item = RecipeItemFactory()
    assert api.delete(f"{URL}/{item.finished_product_id}").status_code == 200
    assert not RecipeItem.objects.exists()
    assert RawProduct.objects.filter(pk=item.raw_product_id).exists()


@pytest.mark.parametrize(
    "make_reference, kind, key",
    [
        (FinishedProductOrderFactory, "finished-product order", "finished_product_orders"),
        (ProductionPlanFactory, "production plan", "production_plans"),
    ],
)
def test_delete_referenced_by_an_order_or_a_plan_is_409_and_deletes_nothing(api, make_reference, kind, key):
    reference = make_reference()
    product = reference.finished_product
    RecipeItemFactory(finished_product=product)
    body = assert_error(api.delete(f"{URL}/{product.pk}"), 409)
    assert body["message"] == f"Cannot delete: still referenced by 1 {kind}"
    assert body["errors"] == {key: [f"1 {kind} still references it (ids {reference.pk})"]}
    assert FinishedProduct.objects.filter(pk=product.pk).exists()
    assert RecipeItem.objects.filter(finished_product=product).count() == 1, "the recipe was not touched"


def test_list_search_ordering_filter_and_pages(api):
    FinishedProductFactory(name="Baguette", stock_quantity=40, unit_of_measure="piece")
    FinishedProductFactory(name="Pain de seigle", stock_quantity=3, unit_of_measure="piece", comments="rye")
    FinishedProductFactory(name="Granola", stock_quantity=12, unit_of_measure="kg")
    rows = api.get(f"{URL}?unit_of_measure=piece&ordering=stock_quantity").json()["data"]
    assert [row["name"] for row in rows] == ["Pain de seigle", "Baguette"]
    assert [row["name"] for row in api.get(f"{URL}?search=RYE").json()["data"]] == ["Pain de seigle"]
    body = api.get(f"{URL}?page=1&page_size=2&ordering=-name").json()
    assert [row["name"] for row in body["data"]] == ["Pain de seigle", "Granola"]
    assert body["meta"]["total_pages"] == 2
    assert_error(api.get(f"{URL}?ordering=nope"), 400, "ordering")
    assert_error(api.get(f"{URL}?page=1&page_size=0"), 400, "page_size")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: FinishedProductFactory.create_batch(n))
    assert one == fifty


def test_recipe_of_a_product(api):
    bread = FinishedProductFactory(name="Bread")
    flour, salt = RawProductFactory(name="Flour"), RawProductFactory(name="Salt")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required="0.5", unit_of_measure="kg")
    RecipeItemFactory(finished_product=bread, raw_product=salt, quantity_required="0.01", unit_of_measure="kg")
    RecipeItemFactory()  # another product's recipe
    body = api.get(f"{URL}/{bread.pk}/recipe").json()
    assert body["message"] == "Recipe fetched successfully"
    assert [(r["raw_product_name"], r["quantity_required"], r["finished_product_name"]) for r in body["data"]] == [
        ("Flour", 0.5, "Bread"),
        ("Salt", 0.01, "Bread"),
    ]
    assert "id" not in body["data"][0]


def test_recipe_of_an_unknown_product_is_404(api):
    assert_error(api.get(f"{URL}/999/recipe"), 404)
    assert api.get(f"{URL}/{FinishedProductFactory().pk}/recipe/").json()["data"] == []


def test_recipe_query_count_does_not_grow_with_rows(rendered_reads, api):
    product = FinishedProductFactory()
    one, fifty = queries_for_one_and_fifty(
        api, f"{URL}/{product.pk}/recipe", lambda n: RecipeItemFactory.create_batch(n, finished_product=product)
    )
    assert one == fifty
