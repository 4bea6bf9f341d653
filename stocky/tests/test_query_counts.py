"""Queries per request do not grow with the rows, on pages too (where a joined list reads the page's ids
first), and the write paths read nothing they do not need (issue 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import RawProduct, StockMovement
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
    make_category,
    make_product,
)
from orders.models import CatalogueOrder
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
    make_order,
)
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

PAGE = "?page=1&page_size=100"
LISTS = {
    "raw-products": RawProductFactory,
    "finished-products": FinishedProductFactory,
    "suppliers": SupplierFactory,
    "clients": ClientFactory,
    "supplier-raw-products": SupplierRawProductFactory,
    "raw-product-orders": RawProductOrderFactory,
    "finished-product-orders": FinishedProductOrderFactory,
    "recipe-items": RecipeItemFactory,
    "production-plans": ProductionPlanFactory,
}


def queries(api, url):
    """The queries of `GET url` as a signed-in user's requests cost once the token check remembers them."""
    api.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured), response


@pytest.mark.parametrize("resource", LISTS)
def test_a_page_of_a_list_costs_the_same_queries_for_1_row_or_30(rendered_reads, api, resource):
    factory, url = LISTS[resource], f"/api/v1/{resource}{PAGE}"
    factory.create_batch(1)
    one, first = queries(api, url)
    factory.create_batch(29)
    thirty, second = queries(api, url)
    assert len(first.json()["data"]) == 1 and len(second.json()["data"]) == 30
    assert one == thirty


def test_a_page_of_hub_products_costs_the_same_queries_for_1_row_or_30(rendered_reads, api):
    phones = make_category("Phones")
    make_product("First", phones)
    one, _ = queries(api, "/api/v1/products?page=1&pageSize=100")
    for n in range(29):
        make_product(f"Phone {n}", make_category(f"Category {n}"))
    thirty, response = queries(api, "/api/v1/products?page=1&pageSize=100")
    assert len(response.json()["products"]) == 30 and one == thirty


@pytest.mark.parametrize("url", ["/api/v1/raw-product-orders?page=2&page_size=2", "/api/v1/products?page=2&pageSize=2"])
def test_a_joined_page_reads_its_ids_from_its_own_table_then_joins_those_rows_only(rendered_reads, api, url):
    """MariaDB's join order trap: ORDER BY id LIMIT on the join sorted a temporary table (PERFORMANCE.md)."""
    RawProductOrderFactory.create_batch(5)
    for n in range(5):
        make_product(f"Phone {n}", make_category(f"Category {n}"))
    _, response = queries(api, url)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).json() == response.json()
    limited = [q["sql"] for q in captured if " LIMIT " in q["sql"] and "accounts_user" not in q["sql"]]
    assert len(limited) == 1 and " JOIN " not in limited[0], limited
    joined = [q["sql"] for q in captured if " JOIN " in q["sql"]]
    assert len(joined) == 1 and " IN (" in joined[0] and " LIMIT " not in joined[0], joined


def sql_of(captured, *words):
    return [q["sql"] for q in captured if all(word in q["sql"] for word in words)]


def test_creating_with_stock_costs_two_inserts_more_than_without(api):
    api.get("/api/v1/raw-products")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as without:
        assert (
            api.post("/api/v1/raw-products", {"name": "Salt", "stock_quantity": 0, "unit_of_measure": "kg"}).status_code
            == 201
        )
    with CaptureQueriesContext(connection) as with_stock:
        response = api.post("/api/v1/raw-products", {"name": "Flour", "stock_quantity": 12.5, "unit_of_measure": "kg"})
    assert response.status_code == 201
    # A new row is the transaction's own: no locking read, no update after the insert, no lot code to
    # check; just its lot and its ledger entry.
    assert len(with_stock) == len(without) + 2
    assert not sql_of(with_stock, "FOR UPDATE") and not sql_of(with_stock, "UPDATE ", "inventory_rawproduct")
    product = RawProduct.objects.get(pk=response.json()["data"]["id"])
    entry = StockMovement.objects.get(item_type="raw_product", item_id=product.pk)
    assert (product.stock_quantity, entry.change, entry.balance_after, entry.reason) == (12.5, 12.5, 12.5, "initial")


def test_approving_an_order_reads_its_product_once_and_its_category_for_the_answer(api):
    product = make_product("iPhone", make_category("Phones"), quantity=3)
    order = make_order(product, api.user, quantity=1)
    with CaptureQueriesContext(connection) as captured:
        response = api.patch(f"/api/v1/products/orders/state/{order.pk}", {"transition": "Ready"})
    assert response.status_code == 200 and response.json()["item"]["category"] == "Phones"
    assert CatalogueOrder.objects.get(pk=order.pk).state == "Ready"
    # Two reads, both locking (where the database locks): the service's lock, and stock_change's.
    product_reads = sql_of(captured, "SELECT", "FROM", "inventory_product")
    assert len(product_reads) == 2, "no read of the product before the transaction"
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in sql for sql in product_reads), product_reads
    assert len(sql_of(captured, "SELECT", "inventory_category")) == 1
