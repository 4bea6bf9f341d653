"""Real responses, compared with the OpenAPI schema: every shape a client meets, success and error.

Each test makes real requests through the API and checks each response's body against the schema of its
path, method and status (stocky/tests/openapi.py), besides the status the test expects.
"""

import base64
import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from inventory.models import RawProduct
from inventory.services import stock_change
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
    image_bytes,
    make_product,
)
from orders.models import CatalogueOrder
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
    make_order,
)
from production.models import RecipeItem
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory
from stocky.tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def check(response, status):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return assert_matches_schema(response)


# --- Section A: one record of every kind, and the bodies that create one ---------------------------


@pytest.fixture
def records(db):
    raw = RawProductFactory()
    supplier = SupplierFactory(website="https://mill.example.com")
    finished = FinishedProductFactory(comments="Best before 3 days")
    client = ClientFactory(email="bistro@example.com")
    return {
        "raw-products": raw,
        "suppliers": supplier,
        "finished-products": finished,
        "clients": client,
        "raw-product-orders": RawProductOrderFactory(raw_product=raw, supplier=supplier),
        "finished-product-orders": FinishedProductOrderFactory(finished_product=finished, client=client),
        "production-plans": ProductionPlanFactory(
            finished_product=finished,
            planned_quantity=Decimal("12"),
            unit_of_measure="piece",
            planned_production_date=timezone.now(),
            planned_duration=Decimal("2.5"),
            hourly_rate=Decimal("18.00"),
        ),
        "supplier-raw-products": SupplierRawProductFactory(supplier=supplier, raw_product=raw),
        "recipe-items": RecipeItemFactory(finished_product=finished, raw_product=raw),
    }


def detail_path(resource, record):
    if resource == "supplier-raw-products":
        return f"/api/v1/{resource}/{record.supplier_id}/{record.raw_product_id}"
    if resource == "recipe-items":
        return f"/api/v1/{resource}/{record.finished_product_id}/{record.raw_product_id}"
    return f"/api/v1/{resource}/{record.pk}"


def new_body(resource, records):
    """A valid create body for `resource`, using records that do not clash with the existing pairs."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    if resource == "raw-products":
        return {"name": "Rye flour", "stock_quantity": 12.5, "unit_of_measure": "kg"}
    if resource == "suppliers":
        return {"name": "Mill", "phone": "01", "email": "new-mill@example.com", "contact_person": "Ann"}
    if resource == "finished-products":
        return {"name": "Baguette", "stock_quantity": 0, "unit_of_measure": "piece"}
    if resource == "clients":
        return {
            "name": "Grocer",
            "phone": "02",
            "contact_person": "Bob",
            "client_type": "epicerie",
            "address": "2 rue",
            "city": "Lyon",
            "region": "ARA",
            "email": None,
        }
    if resource == "raw-product-orders":
        return {
            "raw_product_id": records["raw-products"].pk,
            "supplier_id": records["suppliers"].pk,
            "quantity": 4,
            "price": 19.99,
            "expected_delivery_date": tomorrow.isoformat(),
        }
    if resource == "finished-product-orders":
        return {
            "finished_product_id": records["finished-products"].pk,
            "client_id": records["clients"].pk,
            "quantity": 1,
            "sale_price": 3.5,
            "expected_delivery_date": f"{tomorrow.isoformat()}T10:00:00Z",
        }
    if resource == "production-plans":
        return {
            "finished_product_id": records["finished-products"].pk,
            "planned_quantity": 20,
            "unit_of_measure": "piece",
            "planned_production_date": f"{tomorrow.isoformat()}T06:00:00Z",
            "planned_duration": 3,
            "hourly_rate": 17.5,
        }
    if resource == "supplier-raw-products":
        return {
            "supplier_id": records["suppliers"].pk,
            "raw_product_id": RawProductFactory().pk,
            "unit_price": 1.25,
            "unit_of_measure": "kg",
        }
    if resource == "recipe-items":
        return {
            "finished_product_id": records["finished-products"].pk,
            "raw_product_id": RawProductFactory().pk,
            "quantity_required": 0.125,
            "unit_of_measure": "kg",
        }
    raise AssertionError(resource)


SECTION_A = [
    "raw-products",
    "suppliers",
    "finished-products",
    "clients",
    "raw-product-orders",
    "finished-product-orders",
    "production-plans",
    "supplier-raw-products",
    "recipe-items",
]


@pytest.mark.parametrize("resource", SECTION_A)
def test_section_a_reads_and_writes_match_the_schema(api, records, resource):
    record = records[resource]
    body = check(api.get(f"/api/v1/{resource}"), 200)
    assert len(body["data"]) >= 1 and "meta" not in body
    body = check(api.get(f"/api/v1/{resource}/", {"page": 1, "page_size": 1}), 200)
    assert body["meta"]["page"] == 1
    check(api.get(f"/api/v1/{resource}", {"ordering": "-created_at", "search": "a"}), 200)

    check(api.get(detail_path(resource, record)), 200)
    payload = new_body(resource, records)
    created = check(api.post(f"/api/v1/{resource}", payload), 201)["data"]
    check(api.patch(detail_path(resource, record), {}), 200)
    ids = {key: value for key, value in created.items() if key.endswith("_id")}
    target = detail_path(resource, SimpleNamespace(pk=created.get("id"), **ids))
    check(api.put(target, payload), 200)
    body = check(api.delete(target), 200)
    assert body["data"] is None


@pytest.mark.parametrize("resource", SECTION_A)
def test_section_a_errors_match_the_schema(api, client_for, anon, records, resource):
    record = records[resource]
    body = check(api.post(f"/api/v1/{resource}", {}), 400)
    assert body["errors"]
    check(api.get(f"/api/v1/{resource}", {"page": 99}), 400)
    check(api.get(f"/api/v1/{resource}", {"ordering": "nonsense"}), 400)
    missing = detail_path(resource, record).rsplit("/", 1)[0] + "/999999"
    check(api.get(missing), 404)
    check(api.delete(missing), 404)
    check(anon.get(f"/api/v1/{resource}"), 401)
    check(client_for(Role.READONLY).post(f"/api/v1/{resource}", new_body(resource, records)), 403)
    check(client_for(Role.USER).delete(detail_path(resource, record)), 403)
    check(api.generic("POST", f"/api/v1/{resource}", "{not json", content_type="application/json"), 400)
    check(api.generic("POST", f"/api/v1/{resource}", "<a/>", content_type="application/xml"), 415)


def test_section_a_extra_reads_status_changes_and_conflicts_match_the_schema(api, records):
    supplier, client, finished = records["suppliers"], records["clients"], records["finished-products"]
    assert check(api.get(f"/api/v1/suppliers/{supplier.pk}/raw-products"), 200)["data"]
    check(api.get(f"/api/v1/suppliers/{supplier.pk}/raw-products", {"page": 1}), 200)
    assert check(api.get(f"/api/v1/clients/{client.pk}/orders"), 200)["data"]
    assert check(api.get(f"/api/v1/finished-products/{finished.pk}/recipe"), 200)["data"]
    assert check(api.get(f"/api/v1/recipe-items/product/{finished.pk}"), 200)["data"]
    check(api.get("/api/v1/clients/999999/orders"), 404)

    order = records["raw-product-orders"]
    check(api.patch(f"/api/v1/raw-product-orders/{order.pk}/status", {"status": "expedie"}), 200)
    check(api.patch(f"/api/v1/raw-product-orders/{order.pk}/status", {"status": "lost"}), 400)
    sale = records["finished-product-orders"]
    check(api.patch(f"/api/v1/finished-product-orders/{sale.pk}/status", {"status": "expedie"}), 200)

    body = check(api.delete(f"/api/v1/suppliers/{supplier.pk}"), 409)
    assert body["errors"]


# --- Section B -----------------------------------------------------------------------------------


def test_auth_bodies_match_the_schema(anon, make_user, settings):
    user = make_user(Role.MANAGER, email="jane@example.com")
    login = {"email": "jane@example.com", "password": "correct-horse-battery"}
    tokens = check(anon.post("/api/v1/auth/login", login), 200)
    check(anon.post("/api/v1/auth/login", {"email": "jane@example.com", "password": "wrong"}), 401)
    check(anon.post("/api/v1/auth/login", {"email": "not an e-mail"}), 400)
    tokens = check(anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}), 200)
    check(anon.post("/api/v1/auth/refresh", {"refreshToken": "garbage"}), 401)

    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    assert check(anon.get("/api/v1/auth/me"), 200)["id"] == user.pk
    invitation = {"email": "new@example.com", "firstName": "Nora", "lastName": "Newman", "role": "User"}
    check(anon.post("/api/v1/auth/invite", invitation), 201)
    check(anon.post("/api/v1/auth/invite", {**invitation, "email": "x@example.com", "role": "Admin"}), 400)
    check(anon.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]}), 204)
    check(anon.post("/api/v1/auth/register", {"token": "unknown", "username": "nora", "password": "x"}), 400)

    rates = {"auth_ip": "1/min", "auth_account": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    anon.credentials()
    anon.post("/api/v1/auth/login", {"email": "a@example.com", "password": "x"})
    check(anon.post("/api/v1/auth/login", {"email": "a@example.com", "password": "x"}), 429)


def test_users_bodies_match_the_schema(api, make_user, client_for):
    user = make_user(Role.USER)
    body = check(api.get("/api/v1/users", {"page": 1, "pageSize": 5, "ordering": "-createdAt", "search": "user"}), 200)
    assert body["users"]
    check(api.get(f"/api/v1/users/{user.pk}"), 200)
    update = {"firstName": "A", "lastName": "B", "role": "Manager", "email": "changed@example.com"}
    check(api.put(f"/api/v1/users/{user.pk}", update), 204)
    check(api.get("/api/v1/users", {"pageSize": 1000}), 400)
    check(api.get("/api/v1/users/999999"), 404)
    check(client_for(Role.USER).get(f"/api/v1/users/{api.user.pk}"), 403)
    check(api.delete(f"/api/v1/users/{user.pk}"), 204)


def test_catalogue_bodies_match_the_schema(api, client_for):
    product = make_product("iPhone 12", quantity=10)
    query = {"page": 1, "pageSize": 2, "ordering": "-createdAt", "category": "Phones"}
    body = check(api.get("/api/v1/products", query), 200)
    assert body["products"] and body["totalPages"] == 1
    check(api.get("/api/v1/products", {"category": "Nope"}), 400)
    check(api.get(f"/api/v1/products/{product.pk}"), 200)
    image = base64.b64encode(image_bytes("PNG")).decode()
    created = check(api.post("/api/v1/products", {"name": "Pixel", "category": "phones", "image": image}), 201)
    assert created["imageUrl"].startswith("http")
    upload = {"name": "Pixel 2", "category": "Phones", "image": SimpleUploadedFile("p.png", image_bytes("PNG"))}
    check(api.post("/api/v1/products", upload, format="multipart"), 201)
    check(api.put(f"/api/v1/products/{created['id']}", {"name": "Pixel 8", "category": "Phones", "image": None}), 200)
    check(api.patch(f"/api/v1/products/quantity/{product.pk}", {"delta": -2, "reason": "broken"}), 200)
    check(api.patch(f"/api/v1/products/quantity/{product.pk}", {"delta": -100}), 409)
    check(api.post("/api/v1/products", {"name": "X"}), 400)
    check(api.get("/api/v1/products/999999"), 404)
    check(client_for(Role.READONLY).post("/api/v1/products", {"name": "X", "category": "Phones"}), 403)

    categories = check(api.get("/api/v1/products/categories"), 200)["categories"]
    assert categories[0]["itemquantity"] >= 1
    check(api.post("/api/v1/products/categories", {"name": "Tablets"}), 201)
    check(api.post("/api/v1/products/categories", {"name": "tablets"}), 400)
    check(api.delete("/api/v1/products/categories/Tablets"), 204)
    check(api.delete("/api/v1/products/categories/Nothing"), 404)
    check(api.delete(f"/api/v1/products/{created['id']}"), 204)


def test_catalogue_order_bodies_match_the_schema(api, client_for):
    product = make_product("iPhone 12", quantity=10)
    ready = make_order(product, api.user, state=CatalogueOrder.State.READY)
    created = check(api.post("/api/v1/products/orders", {"itemId": product.pk, "client": "Alice", "quantity": 2}), 201)
    check(api.post("/api/v1/products/orders", {"itemId": product.pk, "client": "Alice", "quantity": 99}), 400)
    body = check(api.get("/api/v1/products/orders", {"state": "Pending", "page": 1, "pageSize": 10}), 200)
    assert body["orders"]
    check(api.get(f"/api/v1/products/orders/{created['id']}"), 200)
    check(api.put(f"/api/v1/products/orders/{created['id']}", {"client": "Bob", "quantity": 1}), 200)
    check(api.patch(f"/api/v1/products/orders/state/{created['id']}", {"transition": "Ready"}), 200)
    check(api.patch(f"/api/v1/products/orders/state/{created['id']}", {"transition": "Draft"}), 409)
    check(client_for(Role.USER).delete(f"/api/v1/products/orders/{ready.pk}"), 403)
    check(api.delete(f"/api/v1/products/orders/{ready.pk}"), 204)
    check(api.get("/api/v1/products/orders/999999"), 404)


def test_welcome_matches_the_schema(anon):
    body = check(anon.get("/api/v1/"), 200)
    assert body["endpoints"]["rawProducts"] == "/api/v1/raw-products"


# --- Stock that follows the work: conversions, the ledger, production runs, requirements, costs --------


@pytest.fixture
def bakery(db):
    """Bread planned next month: flour on hand but short and sold by a mill, yeast that nobody sells."""
    flour = RawProductFactory(name="Flour", stock_quantity=2, unit_of_measure="kg")
    yeast = RawProductFactory(name="Yeast", stock_quantity=0, unit_of_measure="g")
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    RecipeItemFactory(finished_product=bread, raw_product=yeast, quantity_required=10, unit_of_measure="g")
    mill = SupplierFactory(name="Mill")
    SupplierRawProductFactory(supplier=mill, raw_product=flour, unit_price="800.00", unit_of_measure="t")
    day = timezone.now() + datetime.timedelta(days=40)
    plan = ProductionPlanFactory(
        finished_product=bread,
        planned_quantity=10,
        unit_of_measure="unit",
        planned_production_date=day,
        planned_duration=2,
        hourly_rate=20,
    )
    window = {"from": day.date().isoformat(), "to": (day.date() + datetime.timedelta(days=1)).isoformat()}
    return SimpleNamespace(flour=flour, yeast=yeast, bread=bread, mill=mill, plan=plan, window=window)


def test_conversions_match_the_schema(api, client_for, bakery):
    for url in (
        f"/api/v1/raw-products/{bakery.flour.pk}/conversions",
        f"/api/v1/finished-products/{bakery.bread.pk}/conversions",
    ):
        assert check(api.get(url), 200)["data"] == []
        rows = [{"quantity_a": 1, "unit_a": "unit", "quantity_b": 450, "unit_b": "g"}]
        assert check(api.put(url, rows), 200)["data"] == rows
        assert check(api.get(f"{url}/"), 200)["data"] == rows
        # Not a list; an unknown unit (400 on `0.unit_b`); a product that does not exist.
        check(api.put(url, {"quantity_a": 1}), 400)
        body = check(api.put(url, [{**rows[0], "unit_b": "sack"}]), 400)
        assert list(body["errors"]) == ["0.unit_b"]
        check(api.put(url.replace(f"/{url.split('/')[4]}/", "/999999/"), rows), 404)
        check(client_for(Role.READONLY).put(url, rows), 403)


def test_the_stock_ledger_matches_the_schema(api, client_for, bakery):
    # One entry made by a user through the API, one by no one (a command: user_id and user_name null).
    check(api.patch(f"/api/v1/raw-products/{bakery.flour.pk}", {"stock_quantity": 30}), 200)
    stock_change(item=bakery.yeast, delta=5, reason="correction", note="Counted")
    body = check(client_for(Role.READONLY).get("/api/v1/stock-movements"), 200)
    users = {entry["user_name"] for entry in body["data"]}
    assert api.user.username in users and None in users
    body = check(api.get("/api/v1/stock-movements/", {"item_type": "raw_product", "page": 1, "page_size": 1}), 200)
    assert body["meta"]["total"] >= 2
    entry = body["data"][0]
    check(api.get(f"/api/v1/stock-movements/{entry['id']}"), 200)
    check(api.get("/api/v1/stock-movements", {"item_type": "lorry"}), 400)
    check(api.get("/api/v1/stock-movements", {"source_id": "-1"}), 400)
    check(api.get("/api/v1/stock-movements/999999"), 404)


def test_production_runs_match_the_schema(api, client_for, bakery):
    plans = "/api/v1/production-plans"
    plan = bakery.plan
    assert check(api.post(f"{plans}/{plan.pk}/start"), 200)["data"]["status"] == "in_progress"
    check(api.post(f"{plans}/{plan.pk}/start"), 409)
    # 10 loaves need 5 kg of flour (2 on hand) and 100 g of yeast (none): nothing moves, each shortage named.
    body = check(api.post(f"{plans}/{plan.pk}/complete", {"actual_duration": 2.5}), 409)
    assert len(body["errors"]["materials"]) == 2
    check(api.post(f"{plans}/{plan.pk}/complete", [1]), 400)
    check(api.post(f"{plans}/{plan.pk}/complete", {"produced_quantity": 0}), 400)
    check(api.post(f"{plans}/999999/complete"), 404)
    check(client_for(Role.READONLY).post(f"{plans}/{plan.pk}/cancel"), 403)

    RawProduct.objects.filter(pk__in=[bakery.flour.pk, bakery.yeast.pk]).update(stock_quantity=1000)
    data = check(api.post(f"{plans}/{plan.pk}/complete", {"produced_quantity": 9, "actual_duration": 2.5}), 200)["data"]
    assert (data["status"], data["produced_quantity"]) == ("completed", 9)
    check(api.post(f"{plans}/{plan.pk}/cancel"), 409)
    other = ProductionPlanFactory(finished_product=bakery.bread)
    assert check(api.post(f"{plans}/{other.pk}/cancel/"), 200)["data"]["status"] == "cancelled"


def test_requirements_and_their_orders_match_the_schema(api, client_for, anon, bakery):
    url = "/api/v1/production/requirements"
    data = check(api.get(url, bakery.window), 200)["data"]
    flour, yeast = data["materials"]  # by name
    assert flour["suggestion"]["supplier_id"] == bakery.mill.pk and flour["reason"] is None
    assert yeast["suggestion"] is None and yeast["reason"]
    assert data["suppliers"][0]["materials"][0]["raw_product_id"] == bakery.flour.pk
    check(api.get(f"{url}/", {"from": "2026-01-01", "to": "2026-01-31"}), 200)  # nothing planned
    # Missing, malformed or reversed dates.
    assert set(check(api.get(url), 400)["errors"]) == {"from", "to"}
    check(api.get(url, {"from": "01/03/2026", "to": "2026-03-31"}), 400)
    check(api.get(url, {"from": "2026-03-31", "to": "2026-03-01"}), 400)
    check(anon.get(url, bakery.window), 401)

    orders = f"{url}/orders"
    created = check(api.post(orders, bakery.window), 201)["data"]
    assert [order["raw_product_id"] for order in created] == [bakery.flour.pk]
    assert check(api.post(orders, bakery.window), 200)["data"] == []  # now on order
    check(api.post(orders, {"from": "2026-03-01"}), 400)
    check(api.post(orders, ["2026-03-01"]), 400)
    check(client_for(Role.READONLY).post(orders, bakery.window), 403)


def test_costs_match_the_schema(api, bakery):
    # Labour from a completed run, a sale price, a material nobody sells and one whose recipe unit no longer
    # converts (only reachable by editing the database): every nullable figure once null, once not.
    ProductionPlanFactory(
        finished_product=bakery.bread,
        planned_quantity=10,
        unit_of_measure="unit",
        planned_duration=2,
        hourly_rate=20,
        status="completed",
        produced_quantity=10,
        completed_at=timezone.now(),
    )
    FinishedProductOrderFactory(finished_product=bakery.bread, quantity=10, unit_of_measure="unit", sale_price=30)
    salt = RawProductFactory(name="Salt", unit_of_measure="kg")
    RecipeItemFactory(finished_product=bakery.bread, raw_product=salt, quantity_required=5, unit_of_measure="g")
    RecipeItem.objects.filter(raw_product=salt).update(unit_of_measure="ml")
    data = check(api.get(f"/api/v1/finished-products/{bakery.bread.pk}/cost"), 200)["data"]
    assert data["labour_basis"]["source"] == "completed_plans" and data["margin_rate"] is not None
    assert {line["raw_product_name"]: line["quantity"] for line in data["materials"]}["Salt"] is None
    assert len(data["missing_prices"]) == 2

    plain = FinishedProductFactory()
    data = check(api.get(f"/api/v1/finished-products/{plain.pk}/cost/"), 200)["data"]
    assert (data["materials"], data["labour_basis"], data["average_sale_price"]) == ([], None, None)
    check(api.get("/api/v1/finished-products/999999/cost"), 404)
