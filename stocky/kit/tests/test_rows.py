"""The fast reads (stocky.kit.rows) answer byte for byte what the serializers answer, on every section A resource
and on the hub's catalogue products.

Each read is made twice on the same rows: with the fast path, during which no serializer may write a row
(so the fast path is really what answered), and with `fast_reads` off (the serializer). The rows hold the
values where the two could drift: nulls, zero and large decimals, 0.001, dates, date-times with and
without microseconds, units typed in another spelling, empty text, accents and U+2028.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import get_resolver
from django.utils import timezone
from rest_framework import serializers

from inventory.lots.services import lot_create
from inventory.models import StockMovement
from inventory.services import stock_change
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
    SupplierRawProductFactory,
    make_category,
    make_product,
)
from orders.services import finished_product_order_set_status
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
)
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory
from stocky.kit.rows import plan_for
from stocky.kit.viewsets import FastReadMixin, ManufacturingViewSet

pytestmark = pytest.mark.django_db

# Reads that keep their serializer, and why (a method field: the user's name through a nullable key; a lot's
# item name and unit, annotated). A sales order's lots are a row batch: the fast read has them.
SERIALIZED = {"StockMovementViewSet", "LotViewSet"}
EXACT_SECOND = datetime.datetime(2026, 2, 26, 10, 0, 0, tzinfo=datetime.UTC)
WITH_MICROSECONDS = datetime.datetime(2026, 2, 26, 10, 0, 0, 123456, tzinfo=datetime.UTC)


@pytest.fixture
def shop():
    """Two records of every section A resource, the second with the awkward values."""
    flour = RawProductFactory(name="Flour", stock_quantity=Decimal("0"), unit_of_measure="Kg")
    cream = RawProductFactory(
        name='Crème\u2028brûlée \u2029 "quoted" \\ 😀',
        stock_quantity=Decimal("99999999999.999"),
        unit_of_measure="L",
        # What a label declares (SPEC E): a JSON list and a nested object of nullable decimals.
        allergens=["milk"],
        may_contain=["nuts", "sesame"],
        label_name="crème fraîche",
        energy_kj=Decimal("1234.50"),
        fat=Decimal("35"),
        saturates=Decimal("0.01"),
    )
    bread = FinishedProductFactory(name="Bread", comments="", unit_of_measure="pcs", net_weight_g=Decimal("400.5"))
    cake = FinishedProductFactory(name="Cake", stock_quantity=Decimal("0.001"), comments="Fragile\nline two")
    mill = SupplierFactory(name="Mill", website="")
    dairy = SupplierFactory(name="Dairy", website="https://dairy.example.com/é")
    SupplierRawProductFactory(supplier=mill, raw_product=flour, unit_price=Decimal("0.01"), unit_of_measure="g")
    SupplierRawProductFactory(supplier=dairy, raw_product=cream, unit_price=Decimal("1234567890.00"))
    bistro = ClientFactory(name="Bistro", email="", website="")
    ClientFactory(name="Épicerie", email="shop@example.com", client_type="epicerie")
    RawProductOrderFactory(raw_product=flour, supplier=mill, unit_of_measure="", ordered_at=EXACT_SECOND)
    RawProductOrderFactory(
        raw_product=cream,
        supplier=dairy,
        quantity=Decimal("0.001"),
        price=Decimal("0"),
        ordered_at=WITH_MICROSECONDS,
        status="recu",
        expected_delivery_date=datetime.date(2026, 12, 31),
    )
    FinishedProductOrderFactory(finished_product=bread, client=bistro, expected_delivery_date=EXACT_SECOND)
    FinishedProductOrderFactory(
        finished_product=cake, client=bistro, unit_of_measure="", expected_delivery_date=WITH_MICROSECONDS
    )
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=Decimal("0.001"))
    RecipeItemFactory(finished_product=cake, raw_product=cream, unit_of_measure="ml")
    RecipeComponentFactory(
        finished_product=cake, component=bread, quantity_required=Decimal("0.001"), unit_of_measure="PCS"
    )
    ProductionPlanFactory(finished_product=bread, planned_production_date=EXACT_SECOND)  # nulls: not run yet
    done = ProductionPlanFactory(finished_product=cake, planned_production_date=WITH_MICROSECONDS)
    ProductionPlan.objects.filter(pk=done.pk).update(
        status=ProductionPlan.Status.COMPLETED,
        actual_duration=Decimal("0.00"),
        produced_quantity=Decimal("12.5"),
        started_at=EXACT_SECOND,
        completed_at=timezone.now(),
    )
    stock_change(item=flour, delta=Decimal("2.5"), reason=StockMovement.Reason.RECEIPT)
    # A sales order that shipped from two lots, so that its `lots` are read both ways.
    lot_create(item=bread, quantity=Decimal("1.5"), code="B-1")
    lot_create(item=bread, quantity=Decimal("2"), code="B-2")
    shipped = FinishedProductOrderFactory(finished_product=bread, client=bistro, quantity=Decimal("3"))
    finished_product_order_set_status(order=shipped, status="expedie")
    return {
        "flour": flour,
        "cream": cream,
        "bread": bread,
        "cake": cake,
        "mill": mill,
        "dairy": dairy,
        "bistro": bistro,
    }


def reads(shop):
    """(viewset name, [paths]) of every section A read: lists, pages, searches, single rows, extra reads."""
    flour, cream, cake, dairy = shop["flour"], shop["cream"], shop["cake"], shop["dairy"]
    return {
        "RawProductViewSet": [
            "/api/v1/raw-products",
            f"/api/v1/raw-products/{cream.pk}",
            "/api/v1/raw-products?page=2&page_size=1",
            "/api/v1/raw-products?search=cr&ordering=-stock_quantity",
            "/api/v1/raw-products?unit_of_measure=l",
        ],
        "FinishedProductViewSet": ["/api/v1/finished-products", f"/api/v1/finished-products/{cake.pk}"],
        "SupplierViewSet": [
            "/api/v1/suppliers",
            f"/api/v1/suppliers/{dairy.pk}",
            f"/api/v1/suppliers/{dairy.pk}/raw-products",
        ],
        "SupplierRawProductViewSet": [
            "/api/v1/supplier-raw-products",
            f"/api/v1/supplier-raw-products/{dairy.pk}/{cream.pk}",
            "/api/v1/supplier-raw-products?page=1&page_size=1&ordering=-unit_price",
        ],
        "ClientViewSet": [
            "/api/v1/clients",
            f"/api/v1/clients/{shop['bistro'].pk}",
        ],
        "RawProductOrderViewSet": [
            "/api/v1/raw-product-orders",
            "/api/v1/raw-product-orders?page=2&page_size=1",
            "/api/v1/raw-product-orders?page=1&search=dairy",
            "/api/v1/raw-product-orders?ordering=-ordered_at",
            f"/api/v1/raw-product-orders/{cream.orders.get().pk}",
            f"/api/v1/raw-product-orders?supplier_id={dairy.pk}",
        ],
        "FinishedProductOrderViewSet": [
            "/api/v1/finished-product-orders",
            f"/api/v1/finished-product-orders/{cake.orders.get().pk}",
            "/api/v1/finished-product-orders?page=1&page_size=1",
            f"/api/v1/clients/{shop['bistro'].pk}/orders",  # sales orders, read as the list above
        ],
        "RecipeItemViewSet": [
            "/api/v1/recipe-items",
            f"/api/v1/recipe-items/{cake.pk}/{cream.pk}",
            f"/api/v1/recipe-items/product/{cake.pk}",
            f"/api/v1/finished-products/{cake.pk}/recipe",
        ],
        "RecipeComponentViewSet": [
            "/api/v1/recipe-components",
            f"/api/v1/recipe-components/{cake.pk}/{shop['bread'].pk}",
            f"/api/v1/recipe-components/product/{cake.pk}",
            f"/api/v1/finished-products/{cake.pk}/components",
            "/api/v1/recipe-components?ordering=-quantity_required",
        ],
        "ProductionPlanViewSet": [
            "/api/v1/production-plans",
            f"/api/v1/production-plans/{cake.production_plans.get().pk}",
            "/api/v1/production-plans?page=1&page_size=2&ordering=-id",
        ],
        "StockMovementViewSet": ["/api/v1/stock-movements", f"/api/v1/stock-movements?item_id={flour.pk}"],
        "LotViewSet": ["/api/v1/lots", f"/api/v1/lots?item_type=raw_product&item_id={flour.pk}"],
    }


def routed_section_a_viewsets():
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
            cls = getattr(pattern.callback, "cls", None) if hasattr(pattern, "callback") else None
            if cls is not None and issubclass(cls, ManufacturingViewSet):
                found.add(cls)

    walk(get_resolver().url_patterns)
    return found


def both_ways(api, monkeypatch, path, fast):
    """(fast answer, serializer answer) of GET `path`. With `fast`, a serializer writing a row fails."""
    for cls in routed_section_a_viewsets():
        plan_for(cls.serializer_class)  # planned (and cached) before the serializers are patched below
    with monkeypatch.context() as patch:
        if fast:

            def refuse(self, instance):
                raise AssertionError(f"{path}: the serializer wrote a row on the fast path")

            patch.setattr(serializers.ModelSerializer, "to_representation", refuse, raising=False)
        first = api.get(path)
    with monkeypatch.context() as patch:
        patch.setattr(FastReadMixin, "fast_reads", False)
        second = api.get(path)
    return first, second


def test_every_section_a_read_is_covered_and_has_a_plan_unless_listed():
    viewsets = routed_section_a_viewsets()
    names = {cls.__name__ for cls in viewsets}
    assert names == {
        "RawProductViewSet",
        "FinishedProductViewSet",
        "SupplierViewSet",
        "SupplierRawProductViewSet",
        "ClientViewSet",
        "RawProductOrderViewSet",
        "FinishedProductOrderViewSet",
        "RecipeItemViewSet",
        "RecipeComponentViewSet",
        "ProductionPlanViewSet",
        "StockMovementViewSet",
        "LotViewSet",
    }, "a new section A resource: add it to reads() above"
    for cls in viewsets:
        assert (plan_for(cls.serializer_class) is None) == (cls.__name__ in SERIALIZED), cls.__name__


def test_each_fast_read_answers_the_serializers_bytes(api, shop, monkeypatch):
    table = reads(shop)
    assert set(table) == {cls.__name__ for cls in routed_section_a_viewsets()}
    for name, paths in table.items():
        for path in paths:
            fast, serialized = both_ways(api, monkeypatch, path, fast=name not in SERIALIZED)
            assert fast.status_code == serialized.status_code == 200, (path, fast.content)
            assert fast.content == serialized.content, path
            assert fast["Content-Type"] == serialized["Content-Type"] == "application/json"
            data = fast.json()["data"]
            assert data, f"{path}: nothing compared"


def test_the_awkward_values_come_out_as_the_spec_says(api, shop):
    cream = api.get(f"/api/v1/raw-products/{shop['cream'].pk}").json()["data"]
    assert cream["stock_quantity"] == 99999999999.999 and cream["unit_of_measure"] == "l"
    assert cream["name"].startswith("Crème\u2028brûlée")
    raw = api.get(f"/api/v1/raw-products/{shop['cream'].pk}").content
    assert b"\\u2028" in raw and b"\\u2029" in raw, "escaped as DRF escapes them"
    orders = api.get("/api/v1/raw-product-orders").json()["data"]
    assert [order["ordered_at"] for order in orders] == ["2026-02-26T10:00:00Z", "2026-02-26T10:00:00.123456Z"]
    assert orders[1]["expected_delivery_date"] == "2026-12-31" and orders[1]["price"] == 0.0
    assert orders[0]["unit_of_measure"] == "" and orders[1]["raw_product_name"] == shop["cream"].name
    plans = api.get("/api/v1/production-plans").json()["data"]
    assert plans[0]["actual_duration"] is None and plans[0]["started_at"] is None
    assert plans[1]["actual_duration"] == 0.0 and plans[1]["produced_quantity"] == 12.5


def test_in_another_time_zone_the_fast_reads_write_its_offset_as_the_serializer(api, shop, monkeypatch, settings):
    settings.TIME_ZONE = "Europe/Paris"
    for path in ("/api/v1/raw-product-orders", f"/api/v1/production-plans/{shop['cake'].production_plans.get().pk}"):
        fast, serialized = both_ways(api, monkeypatch, path, fast=True)
        assert fast.content == serialized.content, path
        assert b"+01:00" in fast.content and b'Z"' not in fast.content


def test_an_indented_answer_is_the_same_rows_indented(api, shop):
    plain = api.get("/api/v1/raw-product-orders")
    indented = api.get("/api/v1/raw-product-orders", HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and b'\n    "success": true' in indented.content
    assert indented.json() == plain.json()


def test_a_missing_row_is_the_usual_404(api, shop):
    for path in (
        "/api/v1/raw-products/999999",
        f"/api/v1/supplier-raw-products/{shop['mill'].pk}/{shop['cream'].pk}",
        f"/api/v1/recipe-items/{2**63}/1",
    ):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["statusCode"] == 404, path


def test_the_hub_products_fast_reads_answer_the_serializers_bytes(api, monkeypatch):
    phones, cables = make_category("Phones"), make_category("Câbles  ")
    plain = make_product("iPhone 12", phones, quantity=Decimal("0"), description="")
    make_product("USB-C", cables, quantity=Decimal("12.345"), description="Long\nline", image="products/usb.png")
    make_product("Charger", cables, quantity=10, image="products/é ü.webp")
    from inventory.catalogue.views import ProductViewSet
    from orders.catalogue.views import CatalogueOrderViewSet

    assert plan_for(ProductViewSet.serializer_class) is not None
    assert plan_for(CatalogueOrderViewSet.serializer_class) is None, "orders nest their product: serialized"
    paths = [
        "/api/v1/products",
        "/api/v1/products?page=1&pageSize=2",
        "/api/v1/products?page=2&pageSize=2",
        "/api/v1/products?page=9",
        "/api/v1/products?category=phones",
        "/api/v1/products?search=c&ordering=quantity",
        "/api/v1/products?ordering=-category,name",
        f"/api/v1/products/{plain.pk}",
        f"/api/v1/products/{plain.pk + 1}",
    ]
    plan_for(ProductViewSet.serializer_class)
    for path in paths:
        fast, serialized = both_ways(api, monkeypatch, path, fast=True)
        assert fast.status_code == serialized.status_code == 200, (path, fast.content)
        assert fast.content == serialized.content, path
    body = api.get("/api/v1/products").json()
    assert {p["name"]: p["imageUrl"] for p in body["products"]} == {
        "Charger": "http://testserver/media/products/%C3%A9%20%C3%BC.webp",
        "iPhone 12": None,
        "USB-C": "http://testserver/media/products/usb.png",
    }
    assert api.get("/api/v1/products?page=9").json() == {"products": [], "totalPages": 1}
