"""Suppliers through the API, with their price list (GET /suppliers/<id>/raw-products)."""

import pytest

from inventory.models import Supplier, SupplierRawProduct
from inventory.tests.factories import (
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from orders.tests.factories import RawProductOrderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/suppliers"
VALID = {
    "name": "Moulin Dupont",
    "phone": "+33 4 00 00 00 00",
    "email": "contact@moulin.example",
    "website": "https://moulin.example",
    "contact_person": "Marie Dupont",
}


def test_create_answers_201_with_the_supplier(api):
    response = api.post(URL, VALID)
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"] == "Supplier created successfully"
    data = body["data"]
    assert {k: data[k] for k in VALID} == VALID
    assert Supplier.objects.get(pk=data["id"]).contact_person == "Marie Dupont"


@pytest.mark.parametrize("website", [None, ""])
def test_website_is_optional(api, website):
    response = api.post(URL, {**VALID, "website": website})
    assert response.status_code == 201 and response.json()["data"]["website"] == ""
    body = {k: v for k, v in VALID.items() if k != "website"}
    body["email"] = "other@moulin.example"
    assert api.post(URL, body).status_code == 201


def test_missing_fields_are_400_and_nothing_is_created(api):
    assert_error(api.post(URL, {"website": "https://x.example"}), 400, "name", "phone", "email", "contact_person")
    assert not Supplier.objects.exists()


@pytest.mark.parametrize(
    "field, value", [("email", "not-an-email"), ("website", "not a url"), ("name", ""), ("phone", "9" * 51)]
)
def test_invalid_values_are_400_on_that_field(api, field, value):
    assert_error(api.post(URL, {**VALID, field: value}), 400, field)
    assert not Supplier.objects.exists()


@pytest.mark.parametrize("email", ["contact@moulin.example", "CONTACT@Moulin.Example"])
def test_email_is_unique_regardless_of_case(api, email):
    SupplierFactory(email="contact@moulin.example")
    body = assert_error(api.post(URL, {**VALID, "email": email}), 400, "email")
    assert body["errors"]["email"] == ["A supplier with this e-mail already exists."]
    assert Supplier.objects.count() == 1


def test_email_is_stored_lower_cased_and_an_update_may_keep_it(api):
    data = api.post(URL, {**VALID, "email": "Contact@Moulin.EXAMPLE"}).json()["data"]
    assert data["email"] == "contact@moulin.example"
    response = api.patch(f"{URL}/{data['id']}", {"email": "CONTACT@moulin.example", "name": "Moulin"})
    assert response.status_code == 200, "its own e-mail is not a duplicate"
    assert Supplier.objects.get(pk=data["id"]).name == "Moulin"


def test_update_to_another_suppliers_email_is_400(api):
    SupplierFactory(email="taken@example.com")
    supplier = SupplierFactory()
    assert_error(api.patch(f"{URL}/{supplier.pk}", {"email": "Taken@example.com"}), 400, "email")
    supplier.refresh_from_db()
    assert supplier.email != "taken@example.com"


def test_read_put_patch_and_delete(api):
    supplier = SupplierFactory()
    assert api.get(f"{URL}/{supplier.pk}").json()["data"]["name"] == supplier.name
    assert_error(api.put(f"{URL}/{supplier.pk}", {"name": "Only a name"}), 400, "phone", "email", "contact_person")
    response = api.put(f"{URL}/{supplier.pk}/", {**VALID, "name": "Renamed"})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Renamed"
    response = api.patch(f"{URL}/{supplier.pk}", {"phone": "0102030405"})
    assert response.json()["data"]["phone"] == "0102030405"
    assert Supplier.objects.get(pk=supplier.pk).name == "Renamed", "PATCH leaves the other fields alone"
    response = api.delete(f"{URL}/{supplier.pk}")
    assert response.status_code == 200 and response.json() == {
        "success": True,
        "message": "Supplier deleted successfully",
        "data": None,
    }
    assert not Supplier.objects.filter(pk=supplier.pk).exists()


def test_unknown_id_is_404_and_post_on_a_detail_route_is_405(api):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.patch(f"{URL}/999", {"name": "x"}), 404)
    assert_error(api.delete(f"{URL}/999"), 404)
    supplier = SupplierFactory()
    assert_error(api.post(f"{URL}/{supplier.pk}", VALID), 405)
    assert_error(api.delete(URL), 405)


def test_delete_takes_the_price_list_with_it(api):
    line = SupplierRawProductFactory()
    assert api.delete(f"{URL}/{line.supplier_id}").status_code == 200
    assert not SupplierRawProduct.objects.exists()
    assert line.raw_product.__class__.objects.filter(pk=line.raw_product_id).exists(), "the material stays"


def test_delete_with_orders_is_409_and_deletes_nothing(api):
    order = RawProductOrderFactory()
    SupplierRawProductFactory(supplier=order.supplier)
    body = assert_error(api.delete(f"{URL}/{order.supplier_id}"), 409)
    assert body["message"] == "Cannot delete: still referenced by 1 raw-product order"
    assert body["errors"] == {"raw_product_orders": [f"1 raw-product order still references it (ids {order.pk})"]}
    assert Supplier.objects.filter(pk=order.supplier_id).exists()
    assert SupplierRawProduct.objects.count() == 1, "its price list was not touched either"


def test_list_search_ordering_filter_and_pages(api):
    SupplierFactory(name="Moulin", email="a@moulin.example")
    SupplierFactory(name="Laiterie", email="b@laiterie.example", contact_person="Zoé")
    SupplierFactory(name="Moulin du Sud", email="c@sud.example")
    names = [row["name"] for row in api.get(f"{URL}?search=moulin&ordering=-name").json()["data"]]
    assert names == ["Moulin du Sud", "Moulin"]
    assert [row["name"] for row in api.get(f"{URL}?search=zoé").json()["data"]] == ["Laiterie"]
    assert [row["name"] for row in api.get(f"{URL}?email=B@LAITERIE.example").json()["data"]] == ["Laiterie"]
    body = api.get(f"{URL}?page=2&page_size=2").json()
    assert [row["name"] for row in body["data"]] == ["Moulin du Sud"]
    assert body["meta"] == {"page": 2, "page_size": 2, "total": 3, "total_pages": 2}
    assert_error(api.get(f"{URL}?ordering=phone_secret"), 400, "ordering")
    assert_error(api.get(f"{URL}?page=3&page_size=2"), 400, "page")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: SupplierFactory.create_batch(n))
    assert one == fifty


def test_price_list_of_a_supplier(api):
    supplier = SupplierFactory(name="Moulin")
    flour = RawProductFactory(name="Flour")
    SupplierRawProductFactory(supplier=supplier, raw_product=flour, unit_price="0.95", unit_of_measure="kg")
    SupplierRawProductFactory()  # another supplier's line
    body = api.get(f"{URL}/{supplier.pk}/raw-products").json()
    assert body["success"] is True and body["message"] == "Supplier raw products fetched successfully"
    assert body["data"] == [
        {
            "supplier_id": supplier.pk,
            "supplier_name": "Moulin",
            "raw_product_id": flour.pk,
            "raw_product_name": "Flour",
            "unit_price": 0.95,
            "unit_of_measure": "kg",
            "created_at": body["data"][0]["created_at"],
            "updated_at": body["data"][0]["updated_at"],
        }
    ]


def test_price_list_of_an_unknown_supplier_is_404_and_an_empty_one_is_empty(api):
    assert_error(api.get(f"{URL}/999/raw-products"), 404)
    assert api.get(f"{URL}/{SupplierFactory().pk}/raw-products/").json()["data"] == []


def test_price_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    supplier = SupplierFactory()
    one, fifty = queries_for_one_and_fifty(
        api, f"{URL}/{supplier.pk}/raw-products", lambda n: SupplierRawProductFactory.create_batch(n, supplier=supplier)
    )
    assert one == fifty
