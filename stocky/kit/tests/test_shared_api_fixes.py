"""Shared API answers that the schemathesis run found wrong: now a JSON error or an empty page, never
HTML or a 409 for a read."""

import pytest
from rest_framework.test import APIClient

from inventory.models import RawProduct
from inventory.tests.factories import make_product

pytestmark = pytest.mark.django_db

HUGE = str(10**20)  # beyond any database integer


@pytest.mark.parametrize("page", ["2", "9223372036854775807", HUGE])
def test_a_hub_page_past_the_end_is_empty_not_an_error(api, page):
    make_product("iPhone 12")
    assert api.get("/api/v1/products", {"page": page}).json() == {"products": [], "totalPages": 1}
    assert api.get("/api/v1/products/orders", {"page": page}).json() == {"orders": [], "totalPages": 0}
    assert api.get("/api/v1/users", {"page": page}).json() == {"users": [], "totalPages": 1}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_an_unknown_path_is_a_json_404_not_the_csrf_page(method):
    # A real client: Django's CSRF check on, as for any caller that is not a test client.
    client = APIClient(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/raw-products/-1/", {"name": "x"})
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["statusCode"] == 404


def test_a_bad_page_size_is_a_400_even_without_page(api):
    RawProduct.objects.create(name="Flour", stock_quantity=1, unit_of_measure="kg")
    response = api.get("/api/v1/raw-products", {"page_size": 501})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"page_size"}
    assert len(api.get("/api/v1/raw-products", {"page_size": 20}).json()["data"]) == 1
