"""Units of measure through the API: validated and stored in canonical form on every record, convertible to
the product's stock unit on every line, bridged across kinds by each product's own conversions."""

import pytest

from accounts.models import Role
from inventory.models import RawProduct, RawProductConversion
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
)
from inventory.tests.utils import assert_error
from orders.tests.factories import ClientFactory, RawProductOrderFactory
from production.models import RecipeItem
from production.tests.factories import RecipeItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.mark.parametrize("path", ["raw-products", "finished-products"])
def test_product_units_are_validated_and_stored_in_canonical_form(api, path):
    for typed, stored in (("L", "l"), ("Kg", "kg"), ("pcs", "unit"), ("Douzaine", "dozen")):
        data = api.post(f"{API}/{path}", {"name": "x", "stock_quantity": 1, "unit_of_measure": typed}).json()["data"]
        assert data["unit_of_measure"] == stored
    body = assert_error(
        api.post(f"{API}/{path}", {"name": "x", "stock_quantity": 1, "unit_of_measure": "sack"}), 400, "unit_of_measure"
    )
    assert body["errors"]["unit_of_measure"][0].startswith("Unknown unit of measure 'sack'; use one of mg, g, kg")
    # Lists filter by any spelling of a unit.
    assert len(api.get(f"{API}/{path}?unit_of_measure=LITRE").json()["data"]) == 1


def line_bodies(flour, cake):
    """A create body for every kind of line of `flour` (kg) or `cake` (unit), without its unit."""
    supplier, client = SupplierFactory(), ClientFactory()
    return {
        "supplier-raw-products": {"supplier_id": supplier.pk, "raw_product_id": flour.pk, "unit_price": 1},
        "recipe-items": {"finished_product_id": cake.pk, "raw_product_id": flour.pk, "quantity_required": 200},
        "raw-product-orders": {
            "raw_product_id": flour.pk,
            "supplier_id": supplier.pk,
            "quantity": 5,
            "price": 5,
            "expected_delivery_date": "2026-03-05",
        },
        "finished-product-orders": {
            "finished_product_id": cake.pk,
            "client_id": client.pk,
            "quantity": 2,
            "sale_price": 9,
            "expected_delivery_date": "2026-03-05T08:00:00Z",
        },
        "production-plans": {
            "finished_product_id": cake.pk,
            "planned_quantity": 3,
            "planned_production_date": "2026-03-05T04:00:00Z",
            "planned_duration": 1,
            "hourly_rate": 20,
        },
    }


@pytest.mark.parametrize(
    "path, good, bad",
    [
        ("supplier-raw-products", "G", "ml"),
        ("recipe-items", "gramme", "l"),
        ("raw-product-orders", "t", "dozen"),
        ("finished-product-orders", "Dozen", "kg"),
        ("production-plans", "PCS", "ml"),
    ],
)
def test_every_line_unit_must_convert_to_its_products_stock_unit(api, path, good, bad):
    flour = RawProductFactory(name="Flour", unit_of_measure="kg")
    cake = FinishedProductFactory(name="Cake", unit_of_measure="unit")
    body = line_bodies(flour, cake)[path]
    error = assert_error(api.post(f"{API}/{path}", {**body, "unit_of_measure": bad}), 400, "unit_of_measure")
    assert "does not convert to" in error["errors"]["unit_of_measure"][0]
    assert_error(api.post(f"{API}/{path}", {**body, "unit_of_measure": "bucket"}), 400, "unit_of_measure")
    response = api.post(f"{API}/{path}", {**body, "unit_of_measure": good})
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["unit_of_measure"] == good.lower().replace("gramme", "g").replace("pcs", "unit")


def test_a_partial_update_checks_the_unit_against_the_stored_product(api):
    item = RecipeItemFactory(raw_product__unit_of_measure="kg", unit_of_measure="g")
    path = f"{API}/recipe-items/{item.finished_product_id}/{item.raw_product_id}"
    assert_error(api.patch(path, {"unit_of_measure": "ml"}), 400, "unit_of_measure")
    assert RecipeItem.objects.get(pk=item.pk).unit_of_measure == "g"


def test_conversions_are_read_and_replaced_as_a_whole(api):
    lemons = RawProductFactory(name="Lemons", unit_of_measure="kg")
    url = f"{API}/raw-products/{lemons.pk}/conversions"
    assert api.get(url).json() == {"success": True, "message": "Conversions fetched successfully", "data": []}
    body = [
        {"quantity_a": 1, "unit_a": "KG", "quantity_b": 400, "unit_b": "mL"},
        {"quantity_a": 1, "unit_a": "unit", "quantity_b": 120, "unit_b": "g"},
    ]
    response = api.put(url, body)
    assert response.status_code == 200
    assert response.json()["data"] == [
        {"quantity_a": 1, "unit_a": "kg", "quantity_b": 400, "unit_b": "ml"},
        {"quantity_a": 1, "unit_a": "unit", "quantity_b": 120, "unit_b": "g"},
    ]
    # Now a recipe may ask for juice in ml, and a supplier may sell lemons by the piece.
    cake = FinishedProductFactory()
    item = {
        "finished_product_id": cake.pk,
        "raw_product_id": lemons.pk,
        "quantity_required": 30,
        "unit_of_measure": "ml",
    }
    assert api.post(f"{API}/recipe-items", item).status_code == 201
    # Dropping the juice equivalence would strand that recipe item: refused, nothing replaced.
    error = assert_error(api.put(url, body[1:]), 400, "conversions")
    assert "recipe item in ml" in error["message"]
    assert_error(api.put(url, []), 400, "conversions")
    assert RawProductConversion.objects.filter(raw_product=lemons).count() == 2
    # Juice through the piece instead (1 piece = 120 g = 48 ml): ml still converts.
    through_piece = [body[1], {"quantity_a": 1, "unit_a": "unit", "quantity_b": 48, "unit_b": "ml"}]
    assert api.put(url, through_piece).status_code == 200
    assert RawProductConversion.objects.filter(raw_product=lemons).count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"quantity_a": 1, "unit_a": "kg", "quantity_b": 1000, "unit_b": "g"}, "0.non_field_errors"),
        ({"quantity_a": 0, "unit_a": "kg", "quantity_b": 4, "unit_b": "ml"}, "0.quantity_a"),
        ({"quantity_a": 1, "unit_a": "sack", "quantity_b": 4, "unit_b": "ml"}, "0.unit_a"),
        ({"quantity_a": 1, "unit_a": "kg"}, "0.quantity_b"),
    ],
)
def test_bad_conversions_are_400_and_change_nothing(api, body, field):
    lemons = RawProductFactory(unit_of_measure="kg")
    RawProductConversion.objects.create(raw_product=lemons, quantity_a=1, unit_a="kg", quantity_b=400, unit_b="ml")
    error = assert_error(api.put(f"{API}/raw-products/{lemons.pk}/conversions", [body]), 400)
    assert field in error["errors"]
    assert RawProductConversion.objects.get(raw_product=lemons).quantity_b == 400


def test_disagreeing_conversions_and_a_body_that_is_not_a_list_are_400(api):
    product = FinishedProductFactory(unit_of_measure="unit")
    url = f"{API}/finished-products/{product.pk}/conversions"
    disagree = [
        {"quantity_a": 1, "unit_a": "unit", "quantity_b": 100, "unit_b": "g"},
        {"quantity_a": 1, "unit_a": "unit", "quantity_b": 0.2, "unit_b": "kg"},
    ]
    assert_error(api.put(url, disagree), 400, "conversions")
    assert_error(api.put(url, {"quantity_a": 1}), 400, "non_field_errors")
    assert api.get(url).json()["data"] == []


def test_conversions_roles_and_missing_product(client_for):
    product = RawProductFactory()
    url = f"{API}/raw-products/{product.pk}/conversions"
    body = [{"quantity_a": 1, "unit_a": "kg", "quantity_b": 2, "unit_b": "unit"}]
    assert client_for(Role.READONLY).get(url).status_code == 200
    assert_error(client_for(Role.READONLY).put(url, body), 403)
    assert client_for(Role.USER).put(url, body).status_code == 200
    assert_error(client_for(Role.USER).get(f"{API}/raw-products/999/conversions"), 404)
    assert_error(client_for(Role.USER).post(url, body), 405)


def test_changing_a_stock_unit_is_refused_while_a_line_could_no_longer_convert(api):
    flour = RawProductFactory(name="Flour", stock_quantity=12, unit_of_measure="kg")
    item = RecipeItemFactory(raw_product=flour, unit_of_measure="g")
    order = RawProductOrderFactory(raw_product=flour, unit_of_measure="kg")
    error = assert_error(api.patch(f"{API}/raw-products/{flour.pk}", {"unit_of_measure": "l"}), 400, "unit_of_measure")
    assert f"recipe item in g: ids {item.pk}" in error["message"]
    assert f"raw-product order in kg: ids {order.pk}" in error["message"]
    assert RawProduct.objects.get(pk=flour.pk).unit_of_measure == "kg"
    # Within the kind it is allowed, and the stock figure is not rescaled.
    response = api.patch(f"{API}/raw-products/{flour.pk}", {"unit_of_measure": "g"})
    assert response.status_code == 200
    assert RawProduct.objects.get(pk=flour.pk).stock_quantity == 12
    # With an equivalence, across kinds too.
    RawProductConversion.objects.create(raw_product=flour, quantity_a=1, unit_a="kg", quantity_b="1.6", unit_b="l")
    assert api.patch(f"{API}/raw-products/{flour.pk}", {"unit_of_measure": "l"}).status_code == 200
