"""The inventory admin: pages render, inlines save, lists do not grow with rows."""

import pytest

from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
)
from inventory.tests.utils import (
    admin_pages_render,
    changelist_queries_for_one_and_fifty,
)
from production.models import RecipeItem

pytestmark = pytest.mark.django_db

CASES = [
    (RawProduct, RawProductFactory),
    (FinishedProduct, FinishedProductFactory),
    (Supplier, SupplierFactory),
    (SupplierRawProduct, SupplierRawProductFactory),
]


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_add_and_change_pages_render(admin_client, model, factory):
    admin_pages_render(admin_client, model, factory())


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model, factory):
    one, fifty = changelist_queries_for_one_and_fifty(admin_client, model, lambda n: factory.create_batch(n))
    assert one == fifty


def inline_management(prefix, total=1):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_supplier_is_added_with_its_price_list(admin_client):
    flour = RawProductFactory()
    response = admin_client.post(
        "/admin/inventory/supplier/add/",
        {
            "name": "Moulin",
            "phone": "0400000000",
            "email": "Contact@Moulin.example",
            "website": "",
            "contact_person": "Marie",
            **inline_management("price_list"),
            "price_list-0-raw_product": flour.pk,
            "price_list-0-unit_price": "0.95",
            "price_list-0-unit_of_measure": "kg",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    supplier = Supplier.objects.get()
    assert supplier.email == "contact@moulin.example"
    assert list(supplier.price_list.values_list("raw_product_id", "unit_of_measure")) == [(flour.pk, "kg")]


def test_a_suppliers_email_in_another_case_is_a_form_error(admin_client):
    SupplierFactory(email="contact@moulin.example")
    response = admin_client.post(
        "/admin/inventory/supplier/add/",
        {
            "name": "Copy",
            "phone": "1",
            "email": "CONTACT@moulin.example",
            "contact_person": "x",
            **inline_management("price_list", 0),
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert Supplier.objects.count() == 1


def test_finished_product_is_added_with_its_recipe(admin_client):
    flour = RawProductFactory()
    response = admin_client.post(
        "/admin/inventory/finishedproduct/add/",
        {
            "name": "Bread",
            "stock_quantity": "0",
            "unit_of_measure": "piece",
            "comments": "",
            **inline_management("conversions", 0),
            **inline_management("recipe_items"),
            **inline_management("recipe_components"),
            "recipe_items-0-raw_product": flour.pk,
            "recipe_items-0-quantity_required": "0.5",
            "recipe_items-0-unit_of_measure": "kg",
        },
    )
    assert response.status_code == 302
    assert RecipeItem.objects.get().finished_product.name == "Bread"


def test_raw_product_page_shows_who_sells_it(admin_client):
    line = SupplierRawProductFactory(supplier__name="Moulin Dupont")
    response = admin_client.get(f"/admin/inventory/rawproduct/{line.raw_product_id}/change/")
    assert "Moulin Dupont" in response.content.decode()
