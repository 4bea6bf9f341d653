"""The hub catalogue through the API: categories, products, their list contract and the quantity endpoint."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from inventory.models import Category, Product, StockMovement
from inventory.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db

PRODUCT_KEYS = {"id", "name", "category", "quantity", "description", "imageUrl", "createdAt", "updatedAt"}


# --- Categories ------------------------------------------------------------------------------------


def test_create_category_answers_201_with_id_and_name(api):
    response = api.post("/api/v1/products/categories", {"name": "Phones"})
    assert response.status_code == 201
    category = Category.objects.get()
    assert response.json() == {"id": category.pk, "name": "Phones"}


@pytest.mark.parametrize("name", ["phones", "PHONES", "Phones"])
def test_a_category_name_that_exists_in_any_case_is_400(api, name):
    make_category("Phones")
    response = api.post("/api/v1/products/categories/", {"name": name})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["errors"]["name"] == [f"The category '{name}' already exists"]
    assert Category.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "a/b"}, {"name": "x" * 101}])
def test_a_bad_category_name_is_400(api, body):
    response = api.post("/api/v1/products/categories", body)
    assert response.status_code == 400 and "name" in response.json()["errors"]
    assert not Category.objects.exists()


def test_categories_list_counts_their_products(api):
    phones, laptops = make_category("Phones"), make_category("Laptops")
    make_category("Cables")
    make_product("iPhone 12", phones)
    make_product("Pixel 8", phones)
    make_product("ThinkPad", laptops)
    response = api.get("/api/v1/products/categories/")
    assert response.status_code == 200
    assert response.json() == {
        "categories": [
            {"id": Category.objects.get(name="Cables").pk, "name": "Cables", "itemquantity": 0},
            {"id": laptops.pk, "name": "Laptops", "itemquantity": 1},
            {"id": phones.pk, "name": "Phones", "itemquantity": 2},
        ]
    }


def test_delete_category_takes_its_products_and_answers_204(api):
    phones, laptops = make_category("Phones"), make_category("Laptops")
    make_product("iPhone 12", phones)
    keep = make_product("ThinkPad", laptops)
    response = api.delete("/api/v1/products/categories/phones")  # any letter case
    assert response.status_code == 204 and response.content == b""
    assert list(Category.objects.all()) == [laptops]
    assert list(Product.objects.all()) == [keep]


def test_delete_unknown_category_is_404(api):
    response = api.delete("/api/v1/products/categories/Nope/")
    assert response.status_code == 404 and response.json()["statusCode"] == 404


def test_roles_on_categories(client_for):
    make_category("Phones")
    assert client_for(Role.READONLY).get("/api/v1/products/categories").status_code == 200
    assert client_for(Role.READONLY).post("/api/v1/products/categories", {"name": "A"}).status_code == 403
    assert client_for(Role.USER).post("/api/v1/products/categories", {"name": "A"}).status_code == 201
    assert client_for(Role.USER).delete("/api/v1/products/categories/Phones").status_code == 403
    assert client_for(Role.MANAGER).delete("/api/v1/products/categories/Phones").status_code == 204


def test_catalogue_needs_a_token(anon):
    for path in ("/api/v1/products", "/api/v1/products/categories"):
        response = anon.get(path)
        assert response.status_code == 401 and response.json()["success"] is False


# --- Products --------------------------------------------------------------------------------------


def test_create_product_answers_201_with_the_product_and_records_initial_stock(api):
    make_category("Phones")
    response = api.post(
        "/api/v1/products",
        {"name": "iPhone 12", "category": "phones", "quantity": 10, "description": "128 GB"},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PRODUCT_KEYS
    assert body["category"] == "Phones" and body["quantity"] == 10 and body["imageUrl"] is None
    assert isinstance(body["quantity"], (int, float))
    product = Product.objects.get(pk=body["id"])
    assert (product.name, product.quantity, product.description) == ("iPhone 12", 10, "128 GB")
    entry = StockMovement.objects.get()
    assert (entry.item_type, entry.item_id, entry.change, entry.balance_after, entry.reason, entry.user) == (
        "product",
        product.pk,
        10,
        10,
        "initial",
        api.user,
    )


def test_create_product_without_quantity_starts_at_zero_and_records_nothing(api):
    make_category("Phones")
    response = api.post("/api/v1/products/", {"name": "Pixel", "category": "Phones"})
    assert response.status_code == 201 and response.json()["quantity"] == 0
    assert response.json()["description"] == ""
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "category": "Nope"}, "category"),
        ({"category": "Phones"}, "name"),
        ({"name": "X"}, "category"),
        ({"name": "X", "category": "Phones", "quantity": -1}, "quantity"),
        ({"name": "X", "category": "Phones", "quantity": "1.2345"}, "quantity"),
        ({"name": "X", "category": "Phones", "image": 12}, "image"),
    ],
)
def test_bad_product_input_is_400_and_creates_nothing(api, body, field):
    make_category("Phones")
    response = api.post("/api/v1/products", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Product.objects.exists() and not StockMovement.objects.exists()


def test_unknown_category_message(api):
    response = api.post("/api/v1/products", {"name": "X", "category": "Nope"})
    assert response.json()["errors"]["category"] == ["The category 'Nope' does not exist"]


def test_read_product_with_and_without_slash_and_unknown_is_404(api):
    product = make_product()
    for path in (f"/api/v1/products/{product.pk}", f"/api/v1/products/{product.pk}/"):
        body = api.get(path).json()
        assert body["id"] == product.pk and body["category"] == "Phones" and set(body) == PRODUCT_KEYS
    response = api.get("/api/v1/products/999999")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_put_updates_the_product_and_records_a_quantity_change(api):
    product = make_product(quantity=10, description="old")
    make_category("Refurbished")
    response = api.put(
        f"/api/v1/products/{product.pk}",
        {"name": "iPhone 12 Pro", "category": "Refurbished", "quantity": 7, "description": "new"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["category"], body["quantity"], body["description"]) == (
        "iPhone 12 Pro",
        "Refurbished",
        7,
        "new",
    )
    entry = StockMovement.objects.get()
    assert (entry.change, entry.balance_after, entry.reason, entry.note) == (-3, 7, "adjustment", "Product updated")


def test_put_without_quantity_or_with_the_same_one_leaves_stock_and_ledger_alone(api):
    product = make_product(quantity=10, description="kept")
    response = api.put(f"/api/v1/products/{product.pk}/", {"name": "Renamed", "category": "Phones"})
    assert response.status_code == 200 and response.json()["description"] == "kept"
    api.put(f"/api/v1/products/{product.pk}", {"name": "Renamed", "category": "Phones", "quantity": 10})
    product.refresh_from_db()
    assert (product.name, product.quantity) == ("Renamed", 10)
    assert not StockMovement.objects.exists()


def test_put_is_a_full_update_of_the_required_fields(api):
    product = make_product()
    response = api.put(f"/api/v1/products/{product.pk}", {"name": "Only a name"})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    product.refresh_from_db()
    assert product.name == "iPhone 12"


def test_delete_product_answers_204(api):
    product = make_product()
    response = api.delete(f"/api/v1/products/{product.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not Product.objects.exists()


def test_roles_on_products(client_for):
    product = make_product()
    readonly, user = client_for(Role.READONLY), client_for(Role.USER)
    assert readonly.get(f"/api/v1/products/{product.pk}").status_code == 200
    assert readonly.post("/api/v1/products", {"name": "X", "category": "Phones"}).status_code == 403
    assert readonly.patch(f"/api/v1/products/quantity/{product.pk}", {"delta": 1}).status_code == 403
    assert user.post("/api/v1/products", {"name": "X", "category": "Phones"}).status_code == 201
    assert user.delete(f"/api/v1/products/{product.pk}").status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


def test_patch_on_a_product_is_405(api):
    product = make_product()
    response = api.patch(f"/api/v1/products/{product.pk}", {"name": "X"})
    assert response.status_code == 405 and response.json()["statusCode"] == 405


# --- The list contract ------------------------------------------------------------------------------


def _names(response):
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["products"]]


def test_list_pages_with_total_pages(api):
    phones = make_category("Phones")
    for i in range(23):
        make_product(f"P{i:02}", phones, quantity=i)
    body = api.get("/api/v1/products?ordering=name").json()
    assert set(body) == {"products", "totalPages"}
    assert body["totalPages"] == 3 and len(body["products"]) == 10  # pageSize defaults to 10
    assert set(body["products"][0]) == PRODUCT_KEYS
    assert _names(api.get("/api/v1/products?ordering=name&page=3")) == ["P20", "P21", "P22"]
    body = api.get("/api/v1/products?ordering=name&page=2&pageSize=5").json()
    assert [p["name"] for p in body["products"]] == ["P05", "P06", "P07", "P08", "P09"] and body["totalPages"] == 5
    # Past the end: an empty page, so a client that removed the last row of a page just steps back.
    assert api.get("/api/v1/products?page=9").json() == {"products": [], "totalPages": 3}


def test_an_empty_list_has_zero_pages(api):
    assert api.get("/api/v1/products").json() == {"products": [], "totalPages": 0}


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("page=0", "page", "The page must be a positive integer"),
        ("page=-1", "page", "The page must be a positive integer"),
        ("page=abc", "page", "The page must be a positive integer"),
        ("pageSize=0", "pageSize", "The pageSize must be a positive integer"),
        ("pageSize=101", "pageSize", "The pageSize must be at most 100"),
        ("pageSize=x", "pageSize", "The pageSize must be a positive integer"),
    ],
)
def test_bad_page_values_are_400(api, query, field, message):
    response = api.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}


def test_search_and_category_filter(api):
    phones, laptops = make_category("Phones"), make_category("Laptops")
    make_product("Apple iPhone 12", phones)
    make_product("Pixel 8", phones, description="Google phone")
    make_product("MacBook", laptops)
    assert _names(api.get("/api/v1/products?search=phone&ordering=name")) == ["Apple iPhone 12", "Pixel 8"]
    assert _names(api.get("/api/v1/products?category=laptops")) == ["MacBook"]
    assert _names(api.get("/api/v1/products?category=Phones&search=pixel")) == ["Pixel 8"]
    assert _names(api.get("/api/v1/products?search=LAPTOP")) == ["MacBook"]  # the category's name too


def test_unknown_category_filter_is_400(api):
    response = api.get("/api/v1/products?category=Nope")
    assert response.status_code == 400
    assert response.json()["errors"] == {"category": ["The category 'Nope' does not exist"]}


def test_ordering_on_camel_case_fields(api):
    phones = make_category("Phones")
    b = make_product("B", phones, quantity=5)
    a = make_product("A", phones, quantity=9)
    c = make_product("C", phones, quantity=1)
    Product.objects.filter(pk=c.pk).update(created_at=a.created_at.replace(year=2020))
    assert _names(api.get("/api/v1/products?ordering=name")) == ["A", "B", "C"]
    assert _names(api.get("/api/v1/products?ordering=-quantity")) == ["A", "B", "C"]
    assert _names(api.get("/api/v1/products?ordering=quantity")) == ["C", "B", "A"]
    assert _names(api.get("/api/v1/products?ordering=createdAt"))[0] == "C"
    assert _names(api.get("/api/v1/products?ordering=-createdAt"))[-1] == "C"
    assert _names(api.get("/api/v1/products"))[-1] == "C", "newest first by default"
    assert b.pk  # created in the middle; every ordering above is total


@pytest.mark.parametrize("ordering", ["created_at", "password", "-nope", "category__name", ","])
def test_unknown_ordering_is_400(api, ordering):
    response = api.get(f"/api/v1/products?ordering={ordering}")
    assert response.status_code == 400 and "ordering" in response.json()["errors"]


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    phones = make_category("Phones")
    make_product("P0", phones)
    api.get("/api/v1/products")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/products").json()["products"]) == 1
    other = make_category("Other")
    for i in range(49):
        make_product(f"P{i + 1}", phones if i % 2 else other)
    with CaptureQueriesContext(connection) as fifty:
        assert len(api.get("/api/v1/products?pageSize=50").json()["products"]) == 50
    assert len(fifty) == len(one)


def test_categories_list_query_count_does_not_grow_with_rows(api):
    make_product("P0", make_category("C0"))
    api.get("/api/v1/products/categories")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/products/categories")
    for i in range(1, 50):
        make_product(f"P{i}", make_category(f"C{i}"))
    with CaptureQueriesContext(connection) as fifty:
        assert len(api.get("/api/v1/products/categories").json()["categories"]) == 50
    assert len(fifty) == len(one)


# --- PATCH /products/quantity/<id> -------------------------------------------------------------------


def test_set_quantity_records_the_difference(api):
    product = make_product(quantity=10)
    response = api.patch(f"/api/v1/products/quantity/{product.pk}", {"quantity": 4, "reason": "counted"})
    assert response.status_code == 200
    assert response.json()["quantity"] == 4 and set(response.json()) == PRODUCT_KEYS
    entry = StockMovement.objects.get()
    assert (entry.change, entry.balance_after, entry.reason, entry.note, entry.user) == (
        -6,
        4,
        "adjustment",
        "counted",
        api.user,
    )
    assert (entry.item_type, entry.item_id, entry.item_name) == ("product", product.pk, "iPhone 12")


def test_delta_adjusts_up_and_down(client_for):
    user = client_for(Role.USER)  # a User may adjust stock
    product = make_product(quantity=10)
    assert user.patch(f"/api/v1/products/quantity/{product.pk}/", {"delta": 5}).json()["quantity"] == 15
    assert user.patch(f"/api/v1/products/quantity/{product.pk}", {"delta": "-2.5"}).json()["quantity"] == 12.5
    assert list(StockMovement.objects.order_by("id").values_list("change", "balance_after")) == [
        (Decimal("5"), Decimal("15")),
        (Decimal("-2.5"), Decimal("12.5")),
    ]


@pytest.mark.parametrize("body", [{"delta": -11}, {"quantity": -1}])
def test_a_result_below_zero_is_409_and_changes_nothing(api, body):
    product = make_product(quantity=10)
    response = api.patch(f"/api/v1/products/quantity/{product.pk}", body)
    assert response.status_code == 409 and response.json()["success"] is False
    product.refresh_from_db()
    assert product.quantity == 10 and not StockMovement.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": "x"},
        {"quantity": 1, "delta": 1},
        {"delta": "abc"},
        {"delta": "99999999999"},
        {"quantity": "100000000000"},
    ],
)
def test_both_or_neither_or_bad_values_are_400(api, body):
    product = make_product(quantity=10)
    response = api.patch(f"/api/v1/products/quantity/{product.pk}", body)
    assert response.status_code == 400
    product.refresh_from_db()
    assert product.quantity == 10 and not StockMovement.objects.exists()


def test_quantity_of_unknown_product_is_404(api):
    assert api.patch("/api/v1/products/quantity/999999", {"delta": 1}).status_code == 404
