"""A reorder level per raw and finished product: below it the item is low, and the API finds it."""

import datetime

import pytest
from django.utils import timezone

from inventory.models import FinishedProduct, RawProduct
from inventory.services import stock_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("resource", "model"), [("raw-products", RawProduct), ("finished-products", FinishedProduct)])
def test_a_product_has_a_reorder_level_that_defaults_to_zero(api, resource, model):
    plain = api.post(f"/api/v1/{resource}", {"name": "Plain", "stock_quantity": 3, "unit_of_measure": "kg"})
    watched = api.post(
        f"/api/v1/{resource}",
        {"name": "Watched", "stock_quantity": 3, "unit_of_measure": "kg", "reorder_level": 4.5},
    )

    assert plain.status_code == watched.status_code == 201
    assert plain.json()["data"]["reorder_level"] == 0
    assert watched.json()["data"]["reorder_level"] == 4.5
    changed = api.patch(f"/api/v1/{resource}/{plain.json()['data']['id']}", {"reorder_level": 2})
    assert changed.json()["data"]["reorder_level"] == 2
    assert model.objects.get(name="Plain").reorder_level == 2


@pytest.mark.parametrize("resource", ["raw-products", "finished-products"])
def test_below_reorder_level_lists_what_is_low_and_only_that(api, resource):
    for name, stock, level in [("Low", 1, 5), ("At the level", 5, 5), ("Plenty", 9, 5), ("Unwatched", 0, 0)]:
        body = {"name": name, "stock_quantity": stock, "unit_of_measure": "kg", "reorder_level": level}
        assert api.post(f"/api/v1/{resource}", body).status_code == 201

    low = api.get(f"/api/v1/{resource}", {"below_reorder_level": "true"}).json()["data"]
    others = api.get(f"/api/v1/{resource}", {"below_reorder_level": "false"}).json()["data"]
    by_level = api.get(f"/api/v1/{resource}", {"ordering": "-reorder_level,name"}).json()["data"]

    assert [row["name"] for row in low] == ["Low"]
    assert sorted(row["name"] for row in others) == ["At the level", "Plenty", "Unwatched"]
    assert [row["name"] for row in by_level] == ["At the level", "Low", "Plenty", "Unwatched"]


@pytest.mark.parametrize("resource", ["raw-products", "finished-products"])
def test_a_bad_reorder_level_or_filter_is_a_400_that_changes_nothing(api, resource):
    negative = api.post(
        f"/api/v1/{resource}", {"name": "X", "stock_quantity": 1, "unit_of_measure": "kg", "reorder_level": -1}
    )
    word = api.post(
        f"/api/v1/{resource}", {"name": "X", "stock_quantity": 1, "unit_of_measure": "kg", "reorder_level": "lots"}
    )
    bad_filter = api.get(f"/api/v1/{resource}", {"below_reorder_level": "perhaps"})

    for response in (negative, word):
        assert response.status_code == 400 and list(response.json()["errors"]) == ["reorder_level"]
    assert bad_filter.status_code == 400 and "below_reorder_level" in bad_filter.json()["errors"]
    assert not RawProduct.objects.exists() and not FinishedProduct.objects.exists()


def test_updated_at_moves_when_stock_moves():
    flour = RawProduct.objects.create(name="Flour", stock_quantity=5, unit_of_measure="kg")
    long_ago = timezone.now() - datetime.timedelta(days=3)
    RawProduct.objects.filter(pk=flour.pk).update(updated_at=long_ago)

    stock_change(item=flour, delta=2, reason="receipt")

    flour.refresh_from_db()
    assert flour.stock_quantity == 7 and flour.updated_at > long_ago + datetime.timedelta(days=2)
