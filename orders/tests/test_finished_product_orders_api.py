"""Sales orders through the API, and their status (PATCH /finished-product-orders/<id>/status)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import FinishedProduct
from inventory.tests.factories import FinishedProductFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from orders import services
from orders.models import FinishedProductOrder
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from orders.views import FinishedProductOrderViewSet

pytestmark = pytest.mark.django_db

URL = "/api/v1/finished-product-orders"


@pytest.fixture
def valid():
    return {
        "finished_product_id": FinishedProductFactory(name="Tarte").pk,
        "client_id": ClientFactory(name="Bistro").pk,
        "quantity": 12,
        "sale_price": 54.5,
        "expected_delivery_date": "2026-03-05T08:00:00Z",
    }


@pytest.fixture
def calls(monkeypatch):
    """Records every call of the status service, which still runs."""
    seen = []
    real = services.finished_product_order_set_status

    def spy(**kwargs):
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(FinishedProductOrderViewSet, "set_status_service", staticmethod(spy))
    return seen


def test_create_defaults_status_and_ordered_at(api, valid):
    before = timezone.now()
    response = api.post(URL, valid)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in valid} == valid
    assert (data["finished_product_name"], data["client_name"], data["status"]) == ("Tarte", "Bistro", "commande")
    assert FinishedProductOrder.objects.get(pk=data["id"]).ordered_at >= before


def test_missing_fields_are_400(api):
    assert_error(
        api.post(URL, {}), 400, "finished_product_id", "client_id", "quantity", "sale_price", "expected_delivery_date"
    )
    assert not FinishedProductOrder.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("finished_product_id", 999),
        ("client_id", 999),
        ("client_id", "Bistro"),
        ("quantity", 0),
        ("sale_price", -0.5),
        ("sale_price", "12.345"),
        ("status", "delivered"),
        ("expected_delivery_date", "soon"),
    ],
)
def test_invalid_values_are_400_on_that_field(api, valid, field, value):
    assert_error(api.post(URL, {**valid, field: value}), 400, field)
    assert not FinishedProductOrder.objects.exists()


def test_read_put_patch_and_delete(api, valid):
    order = FinishedProductOrderFactory()
    assert api.get(f"{URL}/{order.pk}").json()["data"]["client_name"] == order.client.name
    assert_error(
        api.put(f"{URL}/{order.pk}", {"quantity": 1}),
        400,
        "finished_product_id",
        "client_id",
        "sale_price",
        "expected_delivery_date",
    )
    response = api.put(f"{URL}/{order.pk}", valid)
    assert response.status_code == 200 and response.json()["data"]["client_name"] == "Bistro"
    response = api.patch(f"{URL}/{order.pk}", {"sale_price": 60})
    assert response.json()["data"]["sale_price"] == 60
    order.refresh_from_db()
    assert (order.sale_price, order.quantity, order.client.name) == (Decimal("60"), Decimal("12"), "Bistro")
    assert api.delete(f"{URL}/{order.pk}").status_code == 200
    assert not FinishedProductOrder.objects.exists()


def test_unknown_id_is_404_and_wrong_methods_are_405(api, valid):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.patch(f"{URL}/999/status", {"status": "recu"}), 404)
    order = FinishedProductOrderFactory()
    assert_error(api.post(f"{URL}/{order.pk}", valid), 405)
    assert_error(api.put(f"{URL}/{order.pk}/status", {"status": "recu"}), 405)


def test_status_change_goes_through_the_service(api, calls):
    order = FinishedProductOrderFactory()
    response = api.patch(f"{URL}/{order.pk}/status/", {"status": "rupture_de_stock"})
    assert response.status_code == 200
    assert response.json()["message"] == "Finished product order status updated successfully"
    assert response.json()["data"]["status"] == "rupture_de_stock"
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "rupture_de_stock"
    assert [(c["order"].pk, c["status"], c["user"]) for c in calls] == [(order.pk, "rupture_de_stock", api.user)]


def test_unknown_status_is_400_and_changes_nothing(api, calls):
    order = FinishedProductOrderFactory()
    assert_error(api.patch(f"{URL}/{order.pk}/status", {"status": "Shipped"}), 400, "status")
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "commande"
    assert calls == []


def test_a_status_in_a_full_update_follows_the_transitions_and_moves_stock(api, valid):
    order = FinishedProductOrderFactory()
    response = api.put(f"{URL}/{order.pk}", {**valid, "quantity": 2, "status": "expedie"})
    assert response.json()["data"]["status"] == "expedie"
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "expedie"
    product = FinishedProduct.objects.get(pk=valid["finished_product_id"])
    assert product.stock_quantity == 3, "the new product's stock shipped the new quantity (5 - 2)"


def test_list_filters_search_ordering_and_pages(api):
    tarte, pain = FinishedProductFactory(name="Tarte"), FinishedProductFactory(name="Pain")
    bistro = ClientFactory(name="Bistro")
    first = FinishedProductOrderFactory(finished_product=tarte, client=bistro, quantity=5)
    second = FinishedProductOrderFactory(finished_product=pain, client=bistro, quantity=1, status="expedie")
    third = FinishedProductOrderFactory(finished_product=tarte, quantity=3)
    ids = lambda query: [row["id"] for row in api.get(f"{URL}?{query}").json()["data"]]  # noqa: E731
    assert ids(f"client_id={bistro.pk}&ordering=quantity") == [second.pk, first.pk]
    assert ids(f"finished_product_id={tarte.pk}&ordering=-quantity") == [first.pk, third.pk]
    assert ids("status=expedie") == [second.pk]
    assert ids("search=bistro") == [first.pk, second.pk]
    assert api.get(f"{URL}?page=1").json()["meta"] == {"page": 1, "page_size": 50, "total": 3, "total_pages": 1}
    assert_error(api.get(f"{URL}?client_id=999"), 400, "client_id")
    assert_error(api.get(f"{URL}?status=EXPEDIE"), 400, "status")
    assert_error(api.get(f"{URL}?page=2"), 400, "page")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: FinishedProductOrderFactory.create_batch(n))
    assert one == fifty
