"""A supplier's price list lines, addressed by the pair /supplier-raw-products/<supplierId>/<rawProductId>."""

from decimal import Decimal

import pytest

from inventory.models import SupplierRawProduct
from inventory.tests.factories import (
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import assert_error, queries_for_one_and_fifty

pytestmark = pytest.mark.django_db

URL = "/api/v1/supplier-raw-products"


@pytest.fixture
def pair():
    return SupplierFactory(name="Moulin"), RawProductFactory(name="Flour")


def detail(line):
    return f"{URL}/{line.supplier_id}/{line.raw_product_id}"


def test_create_answers_201_with_names_and_no_surrogate_id(api, pair):
    supplier, flour = pair
    body = {"supplier_id": supplier.pk, "raw_product_id": flour.pk, "unit_price": 1.25, "unit_of_measure": "kg"}
    response = api.post(URL, body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in body} == body
    assert (data["supplier_name"], data["raw_product_name"]) == ("Moulin", "Flour")
    assert "id" not in data
    assert SupplierRawProduct.objects.get(supplier=supplier, raw_product=flour).unit_price == Decimal("1.25")


def test_creating_a_pair_that_exists_is_400(api):
    line = SupplierRawProductFactory(unit_price="2.00")
    body = {
        "supplier_id": line.supplier_id,
        "raw_product_id": line.raw_product_id,
        "unit_price": 9,
        "unit_of_measure": "kg",
    }
    assert_error(api.post(URL, body), 400, "non_field_errors")
    line.refresh_from_db()
    assert line.unit_price == Decimal("2.00") and SupplierRawProduct.objects.count() == 1


def test_missing_fields_unknown_references_and_bad_values_are_400(api, pair):
    supplier, flour = pair
    assert_error(api.post(URL, {}), 400, "supplier_id", "raw_product_id", "unit_price", "unit_of_measure")
    body = {"supplier_id": 999, "raw_product_id": flour.pk, "unit_price": 1, "unit_of_measure": "kg"}
    errors = assert_error(api.post(URL, body), 400, "supplier_id")["errors"]
    assert errors["supplier_id"] == ["Supplier 999 does not exist."]
    assert_error(api.post(URL, {**body, "supplier_id": supplier.pk, "raw_product_id": 10**20}), 400, "raw_product_id")
    assert_error(api.post(URL, {**body, "supplier_id": "abc", "raw_product_id": flour.pk}), 400, "supplier_id")
    assert_error(api.post(URL, {**body, "supplier_id": supplier.pk, "unit_price": -0.01}), 400, "unit_price")
    assert_error(api.post(URL, {**body, "supplier_id": supplier.pk, "unit_price": "0.001"}), 400, "unit_price")
    assert not SupplierRawProduct.objects.exists()


def test_read_put_patch_and_delete_by_the_pair(api):
    line = SupplierRawProductFactory(unit_price="2.00", unit_of_measure="kg")
    data = api.get(detail(line)).json()["data"]
    assert (data["supplier_id"], data["raw_product_id"], data["unit_price"]) == (
        line.supplier_id,
        line.raw_product_id,
        2,
    )
    assert_error(api.put(detail(line), {"unit_price": 3}), 400, "unit_of_measure")
    response = api.put(detail(line) + "/", {"unit_price": 3, "unit_of_measure": "G"})
    assert response.status_code == 200
    assert response.json()["data"]["unit_of_measure"] == "g", "stored and read as the canonical symbol"
    response = api.patch(detail(line), {"unit_price": "3.10"})
    assert response.json()["data"]["unit_price"] == 3.1
    line.refresh_from_db()
    assert (line.unit_price, line.unit_of_measure) == (Decimal("3.10"), "g")
    assert api.delete(detail(line)).json() == {
        "success": True,
        "message": "Supplier raw product deleted successfully",
        "data": None,
    }
    assert not SupplierRawProduct.objects.exists()


def test_an_update_may_repeat_the_pair_but_not_change_it(api):
    line = SupplierRawProductFactory(unit_price="2.00")
    other_supplier, other_material = SupplierFactory(), RawProductFactory()
    same = {
        "supplier_id": line.supplier_id,
        "raw_product_id": line.raw_product_id,
        "unit_price": 4,
        "unit_of_measure": "kg",
    }
    assert api.put(detail(line), same).status_code == 200
    response = api.patch(detail(line), {"supplier_id": other_supplier.pk, "unit_price": 5})
    body = assert_error(response, 400, "supplier_id")
    assert "cannot be changed" in body["errors"]["supplier_id"][0]
    assert_error(api.put(detail(line), {**same, "raw_product_id": other_material.pk}), 400, "raw_product_id")
    line.refresh_from_db()
    assert (line.supplier_id, line.unit_price) == (same["supplier_id"], Decimal("4.00"))


def test_unknown_pair_is_404_and_wrong_methods_are_405(api):
    line = SupplierRawProductFactory()
    assert_error(api.get(f"{URL}/{line.supplier_id}/999"), 404)
    assert_error(api.patch(f"{URL}/999/{line.raw_product_id}", {"unit_price": 1}), 404)
    assert_error(api.delete(f"{URL}/{line.raw_product_id + 1000}/{line.supplier_id}"), 404)
    assert_error(api.post(detail(line), {"unit_price": 1}), 405)
    assert_error(api.put(URL, {"unit_price": 1}), 405)
    assert_error(api.get(f"{URL}/{line.supplier_id}"), 404)  # one id alone addresses nothing
    assert SupplierRawProduct.objects.count() == 1


def test_list_filters_search_ordering_and_pages(api):
    moulin, laiterie = SupplierFactory(name="Moulin"), SupplierFactory(name="Laiterie")
    flour, butter = RawProductFactory(name="Flour"), RawProductFactory(name="Butter")
    SupplierRawProductFactory(supplier=moulin, raw_product=flour, unit_price=1)
    SupplierRawProductFactory(supplier=laiterie, raw_product=butter, unit_price=8)
    SupplierRawProductFactory(supplier=laiterie, raw_product=flour, unit_price=2)
    rows = api.get(f"{URL}?supplier_id={laiterie.pk}&ordering=-unit_price").json()["data"]
    assert [row["raw_product_name"] for row in rows] == ["Butter", "Flour"]
    rows = api.get(f"{URL}?raw_product_id={flour.pk}").json()["data"]
    assert [row["supplier_name"] for row in rows] == ["Moulin", "Laiterie"]
    assert [row["unit_price"] for row in api.get(f"{URL}?search=butter").json()["data"]] == [8]
    meta = api.get(f"{URL}?page=1&page_size=1").json()["meta"]
    assert meta == {"page": 1, "page_size": 1, "total": 3, "total_pages": 3}
    assert_error(api.get(f"{URL}?supplier_id=abc"), 400, "supplier_id")
    assert_error(api.get(f"{URL}?supplier_id=999"), 400, "supplier_id")
    assert_error(api.get(f"{URL}?ordering=id_secret"), 400, "ordering")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: SupplierRawProductFactory.create_batch(n))
    assert one == fifty


def test_ids_beyond_any_integer_column_are_404_or_400_not_500(api):
    huge = 10**25
    line = SupplierRawProductFactory()
    assert_error(api.get(f"{URL}/{huge}/{line.raw_product_id}"), 404)
    assert_error(api.get(f"{URL}?supplier_id={huge}"), 400, "supplier_id")
    body = {"supplier_id": line.supplier_id, "raw_product_id": huge, "unit_price": 1, "unit_of_measure": "kg"}
    assert_error(api.post(URL, body), 400, "raw_product_id")
    assert_error(api.get(f"/api/v1/suppliers/{huge}/raw-products"), 404)
