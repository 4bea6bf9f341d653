"""Raw products through the API: the pattern every section A resource follows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import RawProduct

pytestmark = pytest.mark.django_db


def make_raw(n=1, **fields):
    return [
        RawProduct.objects.create(
            name=fields.get("name", f"Material {i}"),
            stock_quantity=fields.get("stock_quantity", i),
            unit_of_measure=fields.get("unit_of_measure", "kg"),
        )
        for i in range(n)
    ]


def test_create_answers_201_with_numbers_not_strings(api):
    response = api.post("/api/v1/raw-products", {"name": "Flour", "stock_quantity": 12.5, "unit_of_measure": "kg"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Raw product created successfully"
    assert body["data"]["stock_quantity"] == 12.5
    assert RawProduct.objects.get(pk=body["data"]["id"]).name == "Flour"


def test_missing_fields_and_negative_stock_are_400_in_the_envelope(api):
    response = api.post("/api/v1/raw-products", {"stock_quantity": -1})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["statusCode"] == 400
    assert set(body["errors"]) == {"name", "stock_quantity", "unit_of_measure"}
    assert not RawProduct.objects.exists()


def test_too_many_decimal_places_is_400(api):
    response = api.post("/api/v1/raw-products", {"name": "Salt", "stock_quantity": "1.2345", "unit_of_measure": "kg"})
    assert response.status_code == 400
    assert "stock_quantity" in response.json()["errors"]


def test_malformed_json_is_400(api):
    response = api.generic("POST", "/api/v1/raw-products", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_read_update_and_delete_with_and_without_trailing_slash(api):
    (raw,) = make_raw()
    assert api.get(f"/api/v1/raw-products/{raw.pk}").json()["data"]["name"] == raw.name
    assert api.get(f"/api/v1/raw-products/{raw.pk}/").status_code == 200
    response = api.patch(f"/api/v1/raw-products/{raw.pk}/", {"name": "Rye flour"})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Rye flour"
    response = api.put(f"/api/v1/raw-products/{raw.pk}", {"name": "Spelt"})
    assert response.status_code == 400, "PUT is a full update: every required field"
    response = api.delete(f"/api/v1/raw-products/{raw.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert api.get(f"/api/v1/raw-products/{raw.pk}").status_code == 404


def test_unknown_id_and_unknown_path_are_404_json(api):
    assert api.get("/api/v1/raw-products/999").json()["statusCode"] == 404
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_list_without_page_returns_every_row(api):
    make_raw(60)
    body = api.get("/api/v1/raw-products").json()
    assert len(body["data"]) == 60 and "meta" not in body


def test_list_pages_with_meta_and_rejects_bad_pages(api):
    make_raw(7)
    body = api.get("/api/v1/raw-products?page=2&page_size=3").json()
    assert [row["name"] for row in body["data"]] == ["Material 3", "Material 4", "Material 5"]
    assert body["meta"] == {"page": 2, "page_size": 3, "total": 7, "total_pages": 3}
    for query in ("page=4&page_size=3", "page=0", "page=x", "page=1&page_size=501"):
        response = api.get(f"/api/v1/raw-products?{query}")
        assert response.status_code == 400, query


def test_search_and_ordering(api):
    make_raw(1, name="Butter", stock_quantity=5)
    make_raw(1, name="Sugar", stock_quantity=9)
    make_raw(1, name="Brown sugar", stock_quantity=1)
    names = [r["name"] for r in api.get("/api/v1/raw-products?search=sugar&ordering=-stock_quantity").json()["data"]]
    assert names == ["Sugar", "Brown sugar"]
    assert api.get("/api/v1/raw-products?ordering=password").status_code == 400


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    make_raw(1)
    api.get("/api/v1/raw-products")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/raw-products")
    make_raw(49)
    with CaptureQueriesContext(connection) as fifty:
        api.get("/api/v1/raw-products")
    assert len(fifty) == len(one)


def test_welcome_is_public_and_lists_every_resource(anon):
    body = anon.get("/api/v1/").json()
    assert body["endpoints"]["rawProducts"] == "/api/v1/raw-products"
    assert body["endpoints"]["finishedProductOrders"] == "/api/v1/finished-product-orders"


def test_delete_takes_the_price_list_lines_with_it(api):
    from inventory.models import SupplierRawProduct
    from inventory.tests.factories import SupplierRawProductFactory

    line = SupplierRawProductFactory()
    assert api.delete(f"/api/v1/raw-products/{line.raw_product_id}").status_code == 200
    assert not SupplierRawProduct.objects.exists()
    assert line.supplier.__class__.objects.filter(pk=line.supplier_id).exists(), "the supplier stays"


def test_delete_referenced_by_an_order_is_409_and_deletes_nothing(api):
    from inventory.models import SupplierRawProduct
    from inventory.tests.factories import SupplierRawProductFactory
    from orders.tests.factories import RawProductOrderFactory

    order = RawProductOrderFactory()
    SupplierRawProductFactory(raw_product=order.raw_product)
    response = api.delete(f"/api/v1/raw-products/{order.raw_product_id}")
    assert response.status_code == 409
    assert response.json()["message"] == "Cannot delete: still referenced by 1 raw-product order"
    assert RawProduct.objects.filter(pk=order.raw_product_id).exists()
    assert SupplierRawProduct.objects.count() == 1, "its price list was not touched either"


def test_delete_409_names_every_kind_of_reference_with_counts(api):
    from orders.tests.factories import RawProductOrderFactory
    from production.tests.factories import RecipeItemFactory

    (raw,) = make_raw()
    orders = RawProductOrderFactory.create_batch(2, raw_product=raw)
    item = RecipeItemFactory(raw_product=raw)
    body = api.delete(f"/api/v1/raw-products/{raw.pk}").json()
    assert body["statusCode"] == 409
    assert body["message"] == "Cannot delete: still referenced by 2 raw-product orders, 1 recipe item"
    assert body["errors"] == {
        "raw_product_orders": [f"2 raw-product orders still reference it (ids {orders[0].pk}, {orders[1].pk})"],
        "recipe_items": [f"1 recipe item still references it (ids {item.pk})"],
    }
    assert RawProduct.objects.filter(pk=raw.pk).exists()
