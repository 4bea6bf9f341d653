"""The orders admin: pages render, and the status actions go through the order services."""

import pytest

from accounts.models import Role
from inventory.lots.services import lot_create
from inventory.models import Lot, RawProduct, StockMovement
from inventory.tests.utils import (
    admin_pages_render,
    changelist_queries_for_one_and_fifty,
)
from orders import services
from orders.admin import FinishedProductOrderAdmin, RawProductOrderAdmin
from orders.models import Client, FinishedProductOrder, RawProductOrder
from orders.tests.factories import (
    ClientFactory,
    FinishedProductOrderFactory,
    RawProductOrderFactory,
)
from stocky.kit.errors import Conflict

pytestmark = pytest.mark.django_db

CASES = [
    (Client, ClientFactory),
    (RawProductOrder, RawProductOrderFactory),
    (FinishedProductOrder, FinishedProductOrderFactory),
]
ORDER_KINDS = [
    (RawProductOrder, RawProductOrderFactory, "raw_product_order_set_status"),
    (FinishedProductOrder, FinishedProductOrderFactory, "finished_product_order_set_status"),
]


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_add_and_change_pages_render(admin_client, model, factory):
    base = admin_pages_render(admin_client, model, factory())
    if model is not Client:
        assert admin_client.get(f"{base}?status__exact=expedie").status_code == 200


@pytest.mark.parametrize("model, factory", CASES)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model, factory):
    one, fifty = changelist_queries_for_one_and_fifty(admin_client, model, lambda n: factory.create_batch(n))
    assert one == fifty


def admin_for(service):
    """The ModelAdmin class whose status actions call this service."""
    return RawProductOrderAdmin if service.startswith("raw_product_order") else FinishedProductOrderAdmin


@pytest.fixture
def spy(monkeypatch):
    """Wraps a status service so the test sees each call; the service still does its work."""
    calls = []

    def install(name):
        real = getattr(services, name)

        def recorded(**kwargs):
            calls.append(kwargs)
            return real(**kwargs)

        monkeypatch.setattr(admin_for(name), "set_status_service", staticmethod(recorded))
        return calls

    return install


def run_action(client, model, action, pks):
    url = f"/admin/orders/{model._meta.model_name}/"
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True)


@pytest.mark.parametrize("model, factory, service", ORDER_KINDS)
def test_status_action_changes_the_status_through_the_service(admin_client, admin_user, spy, model, factory, service):
    calls = spy(service)
    first, second, done = factory(), factory(), factory(status="expedie")
    untouched = factory()
    response = run_action(admin_client, model, "mark_expedie", [first.pk, second.pk, done.pk])
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert f"Marked 2 order(s) as shipped: #{first.pk}, #{second.pk}." in shown
    assert f"1 order(s) already shipped: #{done.pk}." in shown
    assert [(call["order"].pk, call["status"], call["user"]) for call in calls] == [
        (first.pk, "expedie", admin_user),
        (second.pk, "expedie", admin_user),
    ]
    assert set(model.objects.filter(status="expedie").values_list("pk", flat=True)) == {first.pk, second.pk, done.pk}
    assert model.objects.get(pk=untouched.pk).status == "commande"


@pytest.mark.parametrize("model, factory, service", ORDER_KINDS)
def test_a_refused_change_is_reported_and_does_not_stop_the_others(admin_client, monkeypatch, model, factory, service):
    refused, accepted = factory(), factory()
    real = getattr(services, service)

    def refuse_first(*, order, status, user):
        if order.pk == refused.pk:
            raise Conflict("Not enough stock")
        return real(order=order, status=status, user=user)

    monkeypatch.setattr(admin_for(service), "set_status_service", staticmethod(refuse_first))
    response = run_action(admin_client, model, "mark_expedie", [refused.pk, accepted.pk])
    shown = [str(message) for message in response.context["messages"]]
    assert f"Not changed, #{refused.pk}: Not enough stock" in shown
    assert model.objects.get(pk=refused.pk).status == "commande"
    assert model.objects.get(pk=accepted.pk).status == "expedie"


@pytest.mark.parametrize("model, factory, service", ORDER_KINDS)
def test_status_is_read_only_on_the_change_page(admin_client, model, factory, service):
    order = factory()
    response = admin_client.get(f"/admin/orders/{model._meta.model_name}/{order.pk}/change/")
    assert "status" not in response.context["adminform"].form.fields
    assert "status" in admin_client.get(f"/admin/orders/{model._meta.model_name}/add/").context["adminform"].form.fields


def test_the_receive_form_makes_the_lot_with_the_codes_and_dates_given(admin_client_for):
    order = RawProductOrderFactory(raw_product__name="Milk", raw_product__stock_quantity=0, quantity=12)
    client = admin_client_for(Role.MANAGER)
    url = f"/admin/orders/rawproductorder/{order.pk}/receive/"
    assert url in client.get(f"/admin/orders/rawproductorder/{order.pk}/change/").content.decode()
    body = {"code": "MILK-0412", "supplier_lot_code": "L2291", "use_by": "2026-12-10", "best_before": "2026-12-08"}

    response = client.post(url, body)

    assert response.status_code == 302
    order.refresh_from_db()
    lot = order.lot
    assert order.status == "recu" and lot.quantity == 12 and lot.supplier_id == order.supplier_id
    assert (lot.code, lot.supplier_lot_code, str(lot.use_by), str(lot.best_before)) == tuple(body.values())
    assert RawProduct.objects.get(pk=order.raw_product_id).stock_quantity == 12
    assert url not in client.get(f"/admin/orders/rawproductorder/{order.pk}/change/").content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "OPEN"}, "&#x27;Milk&#x27; already has a lot OPEN"),
        ({"use_by": "31/02/2026"}, "Enter a valid date."),
        ({"supplier_lot_code": "L" * 65}, "at most 64 characters"),
    ],
)
def test_a_bad_lot_on_the_receive_form_is_shown_and_changes_nothing(admin_client_for, body, message):
    order = RawProductOrderFactory(raw_product__name="Milk", raw_product__stock_quantity=0)
    lot_create(item=order.raw_product, quantity=1, code="OPEN")
    movements = StockMovement.objects.count()

    response = admin_client_for(Role.MANAGER).post(f"/admin/orders/rawproductorder/{order.pk}/receive/", body)

    assert response.status_code == 200 and message in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.lot_id) == ("commande", None)
    assert StockMovement.objects.count() == movements
    assert list(Lot.objects.values_list("code", flat=True)) == ["OPEN"]


def test_an_order_already_received_is_not_received_again(admin_client_for):
    order = RawProductOrderFactory(raw_product__stock_quantity=0)
    services.raw_product_order_set_status(order=order, status="recu", lot={"code": "FIRST"})

    response = admin_client_for(Role.MANAGER).post(f"/admin/orders/rawproductorder/{order.pk}/receive/", {"code": "X"})

    assert "already received: its lot is FIRST" in response.content.decode()
    assert list(Lot.objects.values_list("code", flat=True)) == ["FIRST"]
