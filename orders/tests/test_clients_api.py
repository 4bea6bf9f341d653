"""Clients through the API, with their orders (GET /clients/<id>/orders)."""

import pytest

from inventory.tests.utils import assert_error, queries_for_one_and_fifty
from orders.models import Client
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients"
VALID = {
    "name": "Chez Marcel",
    "phone": "04 78 00 00 00",
    "email": "marcel@example.com",
    "website": "https://chez-marcel.example",
    "contact_person": "Marcel",
    "client_type": "restaurant",
    "address": "3 place Bellecour",
    "city": "Lyon",
    "region": "Auvergne-Rhône-Alpes",
}
REQUIRED = {"name", "phone", "contact_person", "client_type", "address", "city", "region"}


def test_create_answers_201_with_the_client(api):
    response = api.post(URL, VALID)
    assert response.status_code == 201
    data = response.json()["data"]
    assert {k: data[k] for k in VALID} == VALID
    assert Client.objects.get(pk=data["id"]).client_type == "restaurant"


def test_email_and_website_are_optional_and_not_unique(api):
    body = {k: v for k, v in VALID.items() if k in REQUIRED}
    assert api.post(URL, body).json()["data"]["email"] == ""
    assert api.post(URL, {**body, "email": None, "website": None}).status_code == 201
    assert api.post(URL, VALID).status_code == 201
    assert api.post(URL, VALID).status_code == 201, "two clients may share an e-mail (a family, a chain)"
    assert Client.objects.count() == 4


def test_missing_and_invalid_fields_are_400_and_nothing_is_created(api):
    assert_error(api.post(URL, {}), 400, *REQUIRED)
    body = assert_error(api.post(URL, {**VALID, "client_type": "wholesaler"}), 400, "client_type")
    assert "particulier, epicerie, restaurant" in body["errors"]["client_type"][0]
    assert_error(api.post(URL, {**VALID, "email": "nope"}), 400, "email")
    assert_error(api.post(URL, {**VALID, "website": "ftp:/x"}), 400, "website")
    assert not Client.objects.exists()


def test_read_put_patch_and_delete(api):
    client = ClientFactory()
    assert api.get(f"{URL}/{client.pk}").json()["data"]["name"] == client.name
    assert_error(api.put(f"{URL}/{client.pk}", {"name": "x"}), 400, *(REQUIRED - {"name"}))
    response = api.put(f"{URL}/{client.pk}", VALID)
    assert response.status_code == 200 and response.json()["data"]["name"] == "Chez Marcel"
    response = api.patch(f"{URL}/{client.pk}/", {"client_type": "epicerie"})
    assert response.json()["data"]["client_type"] == "epicerie"
    assert Client.objects.get(pk=client.pk).name == "Chez Marcel"
    assert api.delete(f"{URL}/{client.pk}").json()["message"] == "Client deleted successfully"
    assert not Client.objects.exists()


def test_unknown_id_is_404_and_post_on_a_detail_route_is_405(api):
    assert_error(api.get(f"{URL}/999"), 404)
    assert_error(api.delete(f"{URL}/999"), 404)
    assert_error(api.post(f"{URL}/{ClientFactory().pk}", VALID), 405)


def test_delete_with_orders_is_409_and_deletes_nothing(api):
    order = FinishedProductOrderFactory()
    body = assert_error(api.delete(f"{URL}/{order.client_id}"), 409)
    assert body["message"] == "Cannot delete: still referenced by 1 finished-product order"
    assert list(body["errors"]) == ["finished_product_orders"]
    assert Client.objects.filter(pk=order.client_id).exists()


def test_list_filters_search_ordering_and_pages(api):
    ClientFactory(name="Bistro", client_type="restaurant", city="Lyon")
    ClientFactory(name="Épicerie fine", client_type="epicerie", city="Annecy")
    ClientFactory(name="Mme Petit", client_type="particulier", city="Lyon", contact_person="Anne Petit")
    assert [r["name"] for r in api.get(f"{URL}?client_type=epicerie").json()["data"]] == ["Épicerie fine"]
    assert [r["name"] for r in api.get(f"{URL}?city=Lyon&ordering=-name").json()["data"]] == ["Mme Petit", "Bistro"]
    assert [r["name"] for r in api.get(f"{URL}?search=anne").json()["data"]] == ["Épicerie fine", "Mme Petit"]
    assert api.get(f"{URL}?page=1&page_size=2").json()["meta"]["total"] == 3
    assert_error(api.get(f"{URL}?client_type=wholesaler"), 400, "client_type")
    assert_error(api.get(f"{URL}?ordering=secret"), 400, "ordering")


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api):
    one, fifty = queries_for_one_and_fifty(api, URL, lambda n: ClientFactory.create_batch(n))
    assert one == fifty


def test_orders_of_a_client(api):
    client = ClientFactory(name="Bistro")
    mine = FinishedProductOrderFactory(client=client, finished_product__name="Tarte")
    FinishedProductOrderFactory()  # someone else's
    body = api.get(f"{URL}/{client.pk}/orders").json()
    assert body["message"] == "Client orders fetched successfully"
    assert [(r["id"], r["client_name"], r["finished_product_name"]) for r in body["data"]] == [
        (mine.pk, "Bistro", "Tarte")
    ]


def test_orders_of_an_unknown_client_are_404(api):
    assert_error(api.get(f"{URL}/999/orders"), 404)
    assert api.get(f"{URL}/{ClientFactory().pk}/orders").json()["data"] == []


def test_orders_of_a_client_query_count_does_not_grow_with_rows(rendered_reads, api):
    client = ClientFactory()
    one, fifty = queries_for_one_and_fifty(
        api, f"{URL}/{client.pk}/orders", lambda n: FinishedProductOrderFactory.create_batch(n, client=client)
    )
    assert one == fifty


def test_orders_of_a_client_page_like_any_list(api):
    client = ClientFactory()
    orders = FinishedProductOrderFactory.create_batch(3, client=client)
    body = api.get(f"{URL}/{client.pk}/orders?page=2&page_size=2").json()
    assert [row["id"] for row in body["data"]] == [orders[2].pk]
    assert body["meta"] == {"page": 2, "page_size": 2, "total": 3, "total_pages": 2}
    assert_error(api.get(f"{URL}/{client.pk}/orders?page=3&page_size=2"), 400, "page")
