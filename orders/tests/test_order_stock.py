"""Purchase and sales orders move stock through their status transitions, exactly once, in the right unit."""

from decimal import Decimal

import pytest

from accounts.models import Role
from inventory.models import FinishedProduct, RawProduct, StockMovement
from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
)
from inventory.tests.utils import assert_error
from orders.models import FinishedProductOrder, RawProductOrder
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
)

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/raw-product-orders"
SALES = "/api/v1/finished-product-orders"
STATUSES = ["commande", "expedie", "recu", "rupture_de_stock"]

PURCHASE_MOVES = {
    ("commande", "expedie"),
    ("commande", "recu"),
    ("commande", "rupture_de_stock"),
    ("expedie", "recu"),
    ("expedie", "commande"),
    ("rupture_de_stock", "commande"),
    ("recu", "expedie"),
}
SALES_MOVES = {
    ("commande", "expedie"),
    ("commande", "rupture_de_stock"),
    ("expedie", "recu"),
    ("expedie", "commande"),
    ("rupture_de_stock", "commande"),
}


def stock(product):
    return type(product).objects.get(pk=product.pk).stock_quantity


def movements(product):
    kind = product.STOCK_LEDGER.item_type
    # The factories' starting stock (`initial`) aside: what the orders moved.
    entries = StockMovement.objects.filter(item_type=kind, item_id=product.pk).exclude(reason="initial")
    return list(entries.order_by("id"))


def set_status(api, url, order, status):
    return api.patch(f"{url}/{order.pk}/status", {"status": status})


# --- Purchase orders ---------------------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_purchase_transitions_follow_the_table(api, current, target):
    # Plenty of stock, so that leaving "recu" is never refused for want of it.
    order = RawProductOrderFactory(status=current, raw_product__stock_quantity=100)
    response = set_status(api, PURCHASES, order, target)
    if current == target or (current, target) in PURCHASE_MOVES:
        assert response.status_code == 200, response.json()
        assert RawProductOrder.objects.get(pk=order.pk).status == target
    else:
        body = assert_error(response, 409, "status")
        assert f"cannot go from '{current}' to '{target}'" in body["errors"]["status"][0]
        assert RawProductOrder.objects.get(pk=order.pk).status == current
        assert stock(order.raw_product) == 100


def test_receiving_adds_the_quantity_once_and_the_ledger_says_why(api):
    flour = RawProductFactory(name="Flour", stock_quantity=10, unit_of_measure="kg")
    order = RawProductOrderFactory(raw_product=flour, quantity=25)
    assert set_status(api, PURCHASES, order, "expedie").status_code == 200
    assert stock(flour) == 10, "shipped by the supplier is not yet here"
    assert set_status(api, PURCHASES, order, "recu").status_code == 200
    assert set_status(api, PURCHASES, order, "recu").status_code == 200, "the same status again is fine"
    assert stock(flour) == 35
    (entry,) = movements(flour)
    assert (entry.change, entry.balance_after, entry.reason, entry.unit_of_measure) == (25, 35, "receipt", "kg")
    assert (entry.source_type, entry.source_id, entry.user) == ("rawproductorder", order.pk, api.user)


def test_an_order_in_grams_is_received_in_the_stock_unit(api):
    vanilla = RawProductFactory(name="Vanilla", stock_quantity="0.100", unit_of_measure="kg")
    response = api.post(
        PURCHASES,
        {
            "raw_product_id": vanilla.pk,
            "supplier_id": SupplierFactory().pk,
            "quantity": 250,
            "unit_of_measure": "G",
            "price": 40,
            "expected_delivery_date": "2026-03-05",
        },
    )
    assert response.status_code == 201
    assert response.json()["data"]["unit_of_measure"] == "g"
    order = RawProductOrder.objects.get(pk=response.json()["data"]["id"])
    set_status(api, PURCHASES, order, "recu")
    assert stock(vanilla) == Decimal("0.350")


def test_the_unit_defaults_to_the_stock_unit_and_must_convert_to_it(api):
    flour = RawProductFactory(unit_of_measure="kg")
    body = {
        "raw_product_id": flour.pk,
        "supplier_id": SupplierFactory().pk,
        "quantity": 5,
        "price": 5,
        "expected_delivery_date": "2026-03-05",
    }
    assert api.post(PURCHASES, body).json()["data"]["unit_of_measure"] == "kg"
    error = assert_error(api.post(PURCHASES, {**body, "unit_of_measure": "l"}), 400, "unit_of_measure")
    assert "does not convert to kg" in error["errors"]["unit_of_measure"][0]
    assert_error(api.post(PURCHASES, {**body, "unit_of_measure": "sack"}), 400, "unit_of_measure")
    assert RawProductOrder.objects.count() == 1


def test_leaving_received_takes_back_what_receiving_added(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    order = RawProductOrderFactory(raw_product=flour, quantity=500, unit_of_measure="g")
    set_status(api, PURCHASES, order, "recu")
    assert stock(flour) == Decimal("0.5")
    assert set_status(api, PURCHASES, order, "expedie").status_code == 200
    assert stock(flour) == 0
    assert [(e.change, e.reason) for e in movements(flour)] == [
        (Decimal("0.5"), "receipt"),
        (Decimal("-0.5"), "correction"),
    ]
    # Received again, once more: one more receipt.
    set_status(api, PURCHASES, order, "recu")
    assert stock(flour) == Decimal("0.5")


def test_leaving_received_is_409_when_the_stock_was_already_used(api):
    flour = RawProductFactory(stock_quantity=0, unit_of_measure="kg")
    order = RawProductOrderFactory(raw_product=flour, quantity=10)
    set_status(api, PURCHASES, order, "recu")
    api.patch(f"/api/v1/raw-products/{flour.pk}", {"stock_quantity": 4})  # 6 kg used meanwhile
    body = assert_error(set_status(api, PURCHASES, order, "expedie"), 409, "status")
    assert "only 4 kg" in body["message"]
    assert RawProductOrder.objects.get(pk=order.pk).status == "recu"
    assert stock(flour) == 4


def test_creating_a_purchase_order_as_received_receives_it(api):
    flour = RawProductFactory(stock_quantity=1)
    body = {
        "raw_product_id": flour.pk,
        "supplier_id": SupplierFactory().pk,
        "quantity": 9,
        "price": 9,
        "expected_delivery_date": "2026-03-05",
        "status": "recu",
    }
    response = api.post(PURCHASES, body)
    assert response.status_code == 201 and response.json()["data"]["status"] == "recu"
    assert stock(flour) == 10
    assert [e.reason for e in movements(flour)] == ["receipt"]


def test_a_received_orders_quantity_product_and_unit_are_frozen(api):
    flour, rye = RawProductFactory(stock_quantity=0), RawProductFactory(stock_quantity=0)
    order = RawProductOrderFactory(raw_product=flour, quantity=10)
    set_status(api, PURCHASES, order, "recu")
    for change, field in (
        ({"quantity": 12}, "quantity"),
        ({"raw_product_id": rye.pk}, "raw_product"),
        ({"unit_of_measure": "g"}, "unit_of_measure"),
    ):
        body = assert_error(api.patch(f"{PURCHASES}/{order.pk}", change), 409, field)
        assert "Set its status back" in body["message"]
    assert api.patch(f"{PURCHASES}/{order.pk}", {"price": 99, "quantity": 10}).status_code == 200, "unchanged is fine"
    order.refresh_from_db()
    assert (order.quantity, order.raw_product_id, order.price) == (10, flour.pk, 99)
    assert (stock(flour), stock(rye)) == (10, 0)


def test_a_correction_and_a_new_quantity_in_one_update(api):
    flour = RawProductFactory(stock_quantity=0)
    order = RawProductOrderFactory(raw_product=flour, quantity=10)
    set_status(api, PURCHASES, order, "recu")
    # Back to ordered with the right quantity, then received again: stock ends at what arrived.
    assert api.patch(f"{PURCHASES}/{order.pk}", {"status": "expedie", "quantity": 8}).status_code == 200
    assert stock(flour) == 0
    set_status(api, PURCHASES, order, "recu")
    assert stock(flour) == 8
    assert sum(e.change for e in movements(flour)) == 8


def test_a_received_purchase_order_cannot_be_deleted(api):
    order = RawProductOrderFactory(raw_product__stock_quantity=0)
    set_status(api, PURCHASES, order, "recu")
    body = assert_error(api.delete(f"{PURCHASES}/{order.pk}"), 409, "status")
    assert "Set its status back to 'commande' first" in body["message"]
    assert RawProductOrder.objects.filter(pk=order.pk).exists()
    set_status(api, PURCHASES, order, "expedie")
    assert api.delete(f"{PURCHASES}/{order.pk}").status_code == 200


# --- Sales orders ------------------------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_sales_transitions_follow_the_table(api, current, target):
    order = FinishedProductOrderFactory(status=current, finished_product__stock_quantity=100)
    response = set_status(api, SALES, order, target)
    if current == target or (current, target) in SALES_MOVES:
        assert response.status_code == 200, response.json()
    else:
        assert_error(response, 409, "status")
        assert FinishedProductOrder.objects.get(pk=order.pk).status == current
        assert stock(order.finished_product) == 100


def test_shipping_takes_stock_and_going_back_returns_it(client_for):
    user = client_for(Role.USER)
    tarte = FinishedProductFactory(name="Tarte", stock_quantity=5, unit_of_measure="piece")
    order = FinishedProductOrderFactory(finished_product=tarte, quantity=2)
    assert set_status(user, SALES, order, "expedie").status_code == 200
    assert stock(tarte) == 3
    assert set_status(user, SALES, order, "recu").status_code == 200
    assert stock(tarte) == 3, "delivered: nothing more moves"
    assert_error(set_status(user, SALES, order, "expedie"), 409, "status")  # delivered is final
    other = FinishedProductOrderFactory(finished_product=tarte, quantity=3)
    set_status(user, SALES, other, "expedie")
    assert stock(tarte) == 0
    set_status(user, SALES, other, "commande")
    assert stock(tarte) == 3
    assert [(e.change, e.reason, e.user) for e in movements(tarte)] == [
        (-2, "shipment", user.user),
        (-3, "shipment", user.user),
        (3, "correction", user.user),
    ]


def test_shipping_more_than_in_stock_is_409_and_changes_nothing(api):
    tarte = FinishedProductFactory(name="Tarte", stock_quantity=5, unit_of_measure="piece")
    order = FinishedProductOrderFactory(finished_product=tarte, quantity=6)
    body = assert_error(set_status(api, SALES, order, "expedie"), 409, "quantity")
    assert body["message"] == f"Cannot ship sales order {order.pk}: it needs 6 unit of 'Tarte', only 5 unit in stock"
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "commande"
    assert stock(tarte) == 5 and movements(tarte) == []


def test_a_dozen_ships_twelve_units(api):
    eggs = FinishedProductFactory(stock_quantity=30, unit_of_measure="unit")
    order = FinishedProductOrderFactory(finished_product=eggs, quantity=2, unit_of_measure="dozen")
    set_status(api, SALES, order, "expedie")
    assert stock(eggs) == 6


def test_creating_a_sales_order_with_a_status_goes_through_the_transitions(api):
    tarte = FinishedProductFactory(stock_quantity=5)
    body = {
        "finished_product_id": tarte.pk,
        "client_id": ClientFactory().pk,
        "quantity": 2,
        "sale_price": 10,
        "expected_delivery_date": "2026-03-05T08:00:00Z",
    }
    assert_error(api.post(SALES, {**body, "status": "recu"}), 409, "status")
    assert_error(api.post(SALES, {**body, "quantity": 6, "status": "expedie"}), 409, "quantity")
    assert not FinishedProductOrder.objects.exists() and stock(tarte) == 5
    response = api.post(SALES, {**body, "status": "expedie"})
    assert response.status_code == 201 and response.json()["data"]["status"] == "expedie"
    assert stock(tarte) == 3


def test_shipped_and_delivered_sales_orders_cannot_be_deleted(api):
    order = FinishedProductOrderFactory(finished_product__stock_quantity=10)
    set_status(api, SALES, order, "expedie")
    assert_error(api.delete(f"{SALES}/{order.pk}"), 409, "status")
    set_status(api, SALES, order, "recu")
    body = assert_error(api.delete(f"{SALES}/{order.pk}"), 409, "status")
    assert "final" in body["message"]
    assert FinishedProductOrder.objects.filter(pk=order.pk).exists()


def test_a_shipped_order_moved_to_another_product_is_refused(api):
    first, second = FinishedProductFactory(stock_quantity=10), FinishedProductFactory(stock_quantity=10)
    order = FinishedProductOrderFactory(finished_product=first, quantity=2)
    set_status(api, SALES, order, "expedie")
    assert_error(api.patch(f"{SALES}/{order.pk}", {"finished_product_id": second.pk}), 409, "finished_product")
    # Back to ordered in the same update: allowed, the stock goes back to the first product.
    response = api.patch(f"{SALES}/{order.pk}", {"finished_product_id": second.pk, "status": "commande"})
    assert response.status_code == 200
    assert (stock(first), stock(second)) == (10, 10)
    assert FinishedProduct.objects.filter(stock_quantity__lt=0).count() == 0
    assert RawProduct.objects.count() == 0


def test_a_receipt_too_large_for_the_stock_column_is_400_and_changes_nothing(api):
    saffron = RawProductFactory(stock_quantity=1, unit_of_measure="mg")
    order = RawProductOrderFactory(raw_product=saffron, quantity=10**10, unit_of_measure="t")
    assert_error(set_status(api, PURCHASES, order, "recu"), 400, "quantity")
    assert RawProductOrder.objects.get(pk=order.pk).status == "commande"
    assert stock(saffron) == 1
