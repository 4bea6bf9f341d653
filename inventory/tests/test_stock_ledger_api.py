"""Every change of a raw or finished product's stock is in the ledger, and GET /stock-movements reads it."""

from decimal import Decimal

import pytest

from accounts.models import Role
from inventory.models import FinishedProduct, RawProduct, StockMovement
from inventory.services import stock_change
from inventory.tests.factories import RawProductFactory
from inventory.tests.utils import assert_error, queries_for_one_and_fifty

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock-movements"


def ledger(product):
    return list(
        StockMovement.objects.filter(item_type=product.STOCK_LEDGER.item_type, item_id=product.pk)
        .order_by("id")
        .values_list("change", "balance_after", "reason", "user_id", "note")
    )


@pytest.mark.parametrize("path, model", [("raw-products", RawProduct), ("finished-products", FinishedProduct)])
def test_creating_with_stock_records_it_as_initial(api, path, model):
    body = {"name": "Flour", "stock_quantity": 12.5, "unit_of_measure": "kg"}
    data = api.post(f"/api/v1/{path}", body).json()["data"]
    product = model.objects.get(pk=data["id"])
    assert product.stock_quantity == Decimal("12.5")
    assert ledger(product) == [(Decimal("12.5"), Decimal("12.5"), "initial", api.user.pk, "")]
    empty = api.post(f"/api/v1/{path}", {"name": "Salt", "stock_quantity": 0, "unit_of_measure": "kg"}).json()["data"]
    assert ledger(model.objects.get(pk=empty["id"])) == []


@pytest.mark.parametrize("path, model", [("raw-products", RawProduct), ("finished-products", FinishedProduct)])
def test_a_manual_stock_change_is_an_adjustment_by_the_caller(client_for, path, model):
    user = client_for(Role.USER)
    product = model.objects.create(name="Flour", stock_quantity=0, unit_of_measure="kg")
    stock_change(item=product, delta=10, reason="initial")
    response = user.patch(f"/api/v1/{path}/{product.pk}", {"stock_quantity": "7.250"})
    assert response.status_code == 200 and response.json()["data"]["stock_quantity"] == 7.25
    body = {"name": "Flour T55", "stock_quantity": 7.25, "unit_of_measure": "kg"}
    assert user.put(f"/api/v1/{path}/{product.pk}", body).json()["data"]["name"] == "Flour T55"
    assert ledger(product)[1:] == [(Decimal("-2.75"), Decimal("7.25"), "adjustment", user.user.pk, "")], "one entry"
    assert_error(user.patch(f"/api/v1/{path}/{product.pk}", {"stock_quantity": -1}), 400, "stock_quantity")
    assert model.objects.get(pk=product.pk).stock_quantity == Decimal("7.25")


def test_the_ledger_endpoint_lists_newest_first_with_filters(client_for):
    reader = client_for(Role.READONLY)
    flour, sugar = RawProductFactory(name="Flour", stock_quantity=0), RawProductFactory(name="Sugar", stock_quantity=0)
    first = stock_change(item=flour, delta=10, reason="receipt", user=reader.user)
    stock_change(item=sugar, delta=3, reason="adjustment")
    last = stock_change(item=flour, delta=-4, reason="production_consumption", note="plan 3")
    body = reader.get(f"{URL}?item_type=raw_product&item_id={flour.pk}").json()
    assert body["message"] == "Stock movements fetched successfully"
    assert first.lot_id is not None, "a raw product's movement names its lot"
    assert [row["id"] for row in body["data"]] == [last.pk, first.pk]
    assert body["data"][1] == {
        "id": first.pk,
        "item_type": "raw_product",
        "item_id": flour.pk,
        "item_name": "Flour",
        "change": 10,
        "balance_after": 10,
        "unit_of_measure": "kg",
        "reason": "receipt",
        "source_type": "",
        "source_id": None,
        "note": "",
        "lot_id": first.lot_id,
        "user_id": reader.user.pk,
        "user_name": reader.user.username,
        "created_at": body["data"][1]["created_at"],
    }
    assert [row["change"] for row in reader.get(f"{URL}?reason=adjustment").json()["data"]] == [3]
    assert len(reader.get(URL).json()["data"]) == 3
    paged = reader.get(f"{URL}?item_type=raw_product&page=1&page_size=2").json()
    assert paged["meta"] == {"page": 1, "page_size": 2, "total": 3, "total_pages": 2}


@pytest.mark.parametrize(
    "query, field",
    [
        ("item_type=flour", "item_type"),
        ("item_id=x", "item_id"),
        ("item_id=0", "item_id"),
        ("item_id=99999999999999999999", "item_id"),
        ("reason=gift", "reason"),
        ("page=9", "page"),
    ],
)
def test_bad_filters_are_400(api, query, field):
    assert_error(api.get(f"{URL}?{query}"), 400, field)


def test_the_ledger_is_read_only(api, anon):
    entry = stock_change(item=RawProductFactory(), delta=1, reason="adjustment")
    assert api.get(f"{URL}/{entry.pk}").json()["data"]["id"] == entry.pk
    assert_error(api.post(URL, {"item_type": "raw_product"}), 405)
    assert_error(api.delete(f"{URL}/{entry.pk}"), 405)
    assert_error(api.patch(f"{URL}/{entry.pk}", {"change": 5}), 405)
    assert_error(anon.get(URL), 401)
    assert StockMovement.objects.get(pk=entry.pk).change == 1


def test_the_list_costs_the_same_queries_for_one_row_or_fifty(rendered_reads, api, make_user):
    def add(n):
        for _ in range(n):
            stock_change(item=RawProductFactory(stock_quantity=0), delta=1, reason="adjustment", user=make_user())

    one, fifty = queries_for_one_and_fifty(api, f"{URL}?item_type=raw_product", add)
    assert one == fifty


def test_the_ledger_without_page_answers_its_first_page_not_every_entry(client_for):
    """The ledger only grows: a plain GET must not read all of it (issue 15), so it pages by default."""
    reader = client_for(Role.READONLY)
    flour = RawProductFactory(name="Flour", stock_quantity=0)
    entries = [stock_change(item=flour, delta=1, reason="receipt") for _ in range(53)]
    body = reader.get(URL).json()
    assert [row["id"] for row in body["data"]] == [entry.pk for entry in reversed(entries)][:50]
    assert body["meta"] == {"page": 1, "page_size": 50, "total": 53, "total_pages": 2}
    last = reader.get(URL, {"page": 2}).json()
    assert [row["id"] for row in last["data"]] == [entry.pk for entry in reversed(entries)][50:]
    assert reader.get(URL, {"page_size": 5}).json()["meta"]["total_pages"] == 11
