"""Hub orders in the Django admin: the state actions call the API's service and report what they could not do."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from inventory.models import Product, StockMovement
from inventory.tests.factories import make_category, make_product
from orders.models import CatalogueOrder
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

State = CatalogueOrder.State
CHANGELIST = "/admin/orders/catalogueorder/"


def run_action(client, action, orders):
    response = client.post(
        CHANGELIST, {"action": action, "_selected_action": [order.pk for order in orders]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_approve_moves_what_it_can_and_names_each_refusal(admin_client_for, make_user):
    iphone = make_product("iPhone 12", quantity=5)
    creator = make_user(Role.USER)
    fits = make_order(iphone, creator, quantity=3)
    too_big = make_order(iphone, creator, quantity=4)  # only 2 left once the first is approved
    draft = make_order(iphone, creator, quantity=1, state=State.DRAFT)
    client = admin_client_for(Role.MANAGER)
    messages = run_action(client, "approve", [fits, too_big, draft])
    for order in (fits, too_big, draft):
        order.refresh_from_db()
    assert (fits.state, too_big.state, draft.state) == (State.READY, State.PENDING, State.DRAFT)
    iphone.refresh_from_db()
    assert iphone.quantity == 2
    assert "1 order(s) moved to Ready." in messages
    assert any(m.startswith(f"Order {too_big.pk} ") and "only 2 are available" in m for m in messages)
    assert any(
        m.startswith(f"Order {draft.pk} ") and "cannot go from the state 'Draft' to the state 'Ready'" in m
        for m in messages
    )
    entry = StockMovement.objects.get()
    assert (entry.change, entry.reason, entry.source_id, entry.user) == (-3, "order_approval", fits.pk, client.user)


def test_complete_and_cancel_actions(admin_client_for, make_user):
    iphone = make_product("iPhone 12", quantity=4)  # 6 already taken by the two Ready orders
    creator = make_user(Role.USER)
    to_complete = make_order(iphone, creator, quantity=2, state=State.READY)
    to_cancel = make_order(iphone, creator, quantity=4, state=State.READY)
    client = admin_client_for(Role.ADMIN)
    assert run_action(client, "complete", [to_complete]) == ["1 order(s) moved to Completed."]
    assert run_action(client, "cancel", [to_cancel, to_complete])[0] == "1 order(s) moved to Cancelled."
    to_complete.refresh_from_db()
    to_cancel.refresh_from_db()
    assert (to_complete.state, to_cancel.state) == (State.COMPLETED, State.CANCELLED)
    iphone.refresh_from_db()
    assert iphone.quantity == 8
    assert list(StockMovement.objects.values_list("change", "reason")) == [(4, "order_cancellation")]


def test_orders_changelist_filters_by_state(admin_client_for, make_user):
    iphone = make_product()
    creator = make_user(Role.USER)
    make_order(iphone, creator, client="Alice")
    make_order(iphone, creator, client="Bob", state=State.DRAFT)
    response = admin_client_for(Role.MANAGER).get(CHANGELIST + "?state__exact=Draft")
    assert response.context["cl"].result_count == 1 and "Bob" in response.content.decode()


def test_orders_are_read_only_in_the_admin(admin_client_for, make_user):
    order = make_order(make_product(), make_user(Role.USER))
    client = admin_client_for(Role.ADMIN)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    response = client.post(f"{CHANGELIST}{order.pk}/change/", {"client": "Mallory", "quantity": "9"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.client, order.quantity) == ("Alice", 1)


def test_only_admins_delete_orders_in_the_admin_and_a_ready_one_gives_stock_back(admin_client_for, make_user):
    iphone = make_product(quantity=7)
    order = make_order(iphone, make_user(Role.USER), quantity=3, state=State.READY)
    manager = admin_client_for(Role.MANAGER)
    assert manager.post(f"{CHANGELIST}{order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CatalogueOrder.objects.exists()
    response = admin_client_for(Role.ADMIN).post(f"{CHANGELIST}{order.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not CatalogueOrder.objects.exists()
    assert Product.objects.get().quantity == 10
    assert StockMovement.objects.get().reason == "order_deletion"


def test_delete_selected_goes_through_the_service(admin_client_for, make_user):
    iphone = make_product(quantity=7)
    creator = make_user(Role.USER)
    orders = [make_order(iphone, creator, quantity=3, state=State.READY), make_order(iphone, creator)]
    response = admin_client_for(Role.ADMIN).post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [o.pk for o in orders], "post": "yes"}
    )
    assert response.status_code == 302 and not CatalogueOrder.objects.exists()
    assert Product.objects.get().quantity == 10


def test_changelist_queries_do_not_grow_with_rows(admin_client_for, make_user):
    client = admin_client_for(Role.MANAGER)
    make_order(make_product("P0", make_category("C0")), make_user(Role.USER))
    with CaptureQueriesContext(connection) as one:
        assert client.get(CHANGELIST).status_code == 200
    for i in range(1, 50):
        make_order(make_product(f"P{i}", make_category(f"C{i}")), make_user(Role.USER))
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(CHANGELIST).context["cl"].result_count == 50
    assert len(fifty) == len(one)
