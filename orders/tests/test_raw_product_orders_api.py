"""Purchase orders through the API, and their status (PATCH /raw-product-orders/<id>/status)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.tests.factories import RawProductFactory, SupplierFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from orders import services
from orders.models import RawProductOrder
from orders.tests.factories import RawProductOrderFactory
from orders.views import RawProductOrderViewSet

pytestmark = pytest.mark.django_db

URL = "/api/v1/raw-product-orders"


@pytest.fixture
def valid():
    return {
        "raw_product_id": RawProductFactory(name="Flour").pk,
        "supplier_id": SupplierFactory(name="Moulin").pk,
        "quantity": 25,
        "price": 23.75,
        "expected_delivery_date": "2026-03-05",
    }


@pytest.fixture
def calls(monkeypatch):
    """Records every call of the status service, which still runs."""
    seen = []
    real = services.raw_product_order_set_status

    def spy(**kwargs):
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(RawProductOrderViewSet, "set_status_service", staticmethod(spy))
    return seen


def test_create_defaults_status_and_ordered_at(api, valid):
    before = timezone.now()
    response = api.post(URL, valid)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in valid} == valid
    assert (data["raw_product_name"], data["supplier_name"], data["status"]) == ("Flour", "Moulin", "commande")
    order = RawProductOrder.objects.get(pk=data["id"])
    assert order.ordered_at >= before and order.status == "commande"


def test_create_takes_ordered_at_and_status_when_given(api, valid):
    body = {**valid, "ordered_at": "2026-02-26T10:00:00Z", "status": "expedie"}
    data = api.post(URL, body).json()["data"]
    assert (data["ordered_at"], data["status"]) == ("2026-02-26T10:00:00Z", "expedie")


def test_missing_fields_are_400(api):
    assert_error(api.post(URL, {}), 400, "raw_product_id", "supplier_id", "quantity", "price", "expected_delivery_date")
    assert not RawProductOrder.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("raw_product_id", 999),
        ("supplier_id", 999),
        ("supplier_id", None),
        ("quantity", 0),
        ("quantity", -1),
        ("price", -1),
        ("status", "lost"),
        ("expected_delivery_date", "05/03/2026"),
        ("ordered_at", "yesterday"),
    ],
)
def test_invalid_values_are_400_on_that_field(api, valid, field, value):
    assert_error(api.post(URL, {**valid, field: value}), 400, field)
    assert not RawProductOrder.objects.exists()


def test_read_put_patch_and_delete(api, valid):
    order = RawProductOrderFactory()
    data = api.get(f"{URL}/{order.pk}").json()["data"]
    assert (data["raw_product_name"], data["supplier_name"]) == (order.raw_product.name, order.supplier.name)
    assert_error(
        api.put(f"{URL}/{order.pk}", {"quantity": 4}),
        400,
        "raw_product_id",
        "supplier_id",
        "price",
        "expected_delivery_date",
    )
    response = api.put(f"{URL}/{order.pk}", valid)
    assert response.status_code == 200
    assert response.json()["data"]["supplier_name"] == "Moulin", "the name follows the new supplier"
    response = api.patch(f"{URL}/{order.pk}/", {"quantity": "2.5"})
    assert response.json()["data"]["quantity"] == 2.5
    order.refresh_from_db()
    assert (order.quantity, order.price, order.supplier.name) == (Decimal("2.5"), Decimal("23.75"), "Moulin")
    assert api.delete(f"{URL}/{order.pk}").json()["message"] == "Raw product order deleted successfully"
    assert not RawProductOrder.objects.exists()


def test_unknown_id_is_404_and_post_on_a_detail_route_is_405(api, valid):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.patch(f"{URL}/999/status", {"status": "recu"}), 404)
    order = RawProductOrderFactory()
    assert_error(api.post(f"{URL}/{order.pk}", valid), 405)
    assert_error(api.post(f"{URL}/{order.pk}/status", {"status": "recu"}), 405)
    assert_error(api.get(f"{URL}/{order.pk}/status"), 405)


def test_status_change_goes_through_the_service(api, calls):
    order = RawProductOrderFactory()
    response = api.patch(f"{URL}/{order.pk}/status", {"status": "expedie"})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Raw product order status updated successfully"
    assert body["data"]["status"] == "expedie" and body["data"]["raw_product_name"] == order.raw_product.name
    assert RawProductOrder.objects.get(pk=order.pk).status == "expedie"
    assert [(c["order"].pk, c["status"], c["user"]) for c in calls] == [(order.pk, "expedie", api.user)]


@pytest.mark.parametrize("body", [{"status": "lost"}, {}, {"status": None}, {"state": "recu"}])
def test_unknown_or_missing_status_is_400_and_changes_nothing(api, calls, body):
    order = RawProductOrderFactory()
    response = assert_error(api.patch(f"{URL}/{order.pk}/status", body), 400, "status")
    if body.get("status") == "lost":
        assert response["errors"]["status"] == [
            "'lost' is not a valid status. Valid statuses: commande, expedie, recu, rupture_de_stock."
        ]
    assert RawProductOrder.objects.get(pk=order.pk).status == "commande"
    assert calls == []


def test_a_status_in_an_update_follows_the_transitions_and_moves_stock(api):
    order = RawProductOrderFactory(quantity=3, raw_product__stock_quantity=10)
    response = api.patch(f"{URL}/{order.pk}", {"status": "recu", "price": 5})
    assert response.json()["data"]["status"] == "recu"
    order.refresh_from_db()
    assert (order.status, order.price) == ("recu", Decimal("5.00"))
    order.raw_product.refresh_from_db()
    assert order.raw_product.stock_quantity == 13, "received through the same rules as PATCH .../status"
    assert_error(api.patch(f"{URL}/{order.pk}", {"status": "rupture_de_stock"}), 409, "status")


def test_list_filters_search_ordering_and_pages(api):
    flour, butter = RawProductFactory(name="Flour"), RawProductFactory(name="Butter")
    moulin = SupplierFactory(name="Moulin")
    first = RawProductOrderFactory(raw_product=flour, supplier=moulin, price=10)
    second = RawProductOrderFactory(raw_product=butter, supplier=moulin, price=30, status="recu")
    third = RawProductOrderFactory(raw_product=flour, price=20)
    ids = lambda query: [row["id"] for row in api.get(f"{URL}?{query}").json()["data"]]  # noqa: E731
    assert ids(f"supplier_id={moulin.pk}&ordering=-price") == [second.pk, first.pk]
    assert ids(f"raw_product_id={flour.pk}") == [first.pk, third.pk]
    assert ids("status=recu") == [second.pk]
    assert ids("search=butter") == [second.pk]
    assert ids("ordering=-expected_delivery_date,price") == [first.pk, third.pk, second.pk]
    meta = api.get(f"{URL}?page=2&page_size=2").json()["meta"]
    assert meta == {"page": 2, "page_size": 2, "total": 3, "total_pages": 2}
    assert_error(api.get(f"{URL}?status=lost"), 400, "status")
    assert_error(api.get(f"{URL}?raw_product_id=x"), 400, "raw_product_id")
    assert_error(api.get(f"{URL}?ordering=raw_product__secret"), 400, "ordering")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    # Each order has its own material and supplier: the names must come from one joined query.
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: RawProductOrderFactory.create_batch(n))
    assert one == fifty


def test_delivery_date_is_a_date(api, valid):
    data = api.post(URL, {**valid, "expected_delivery_date": "2026-03-05"}).json()["data"]
    assert data["expected_delivery_date"] == "2026-03-05"
    assert RawProductOrder.objects.get(pk=data["id"]).expected_delivery_date == datetime.date(2026, 3, 5)
