"""Hub orders through the API: the state table, who may do what, and what happens to stock."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from inventory.models import Category, Product, StockMovement
from inventory.tests.factories import make_category, make_product
from orders.models import CatalogueOrder
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

State = CatalogueOrder.State
ORDER_KEYS = {"id", "client", "description", "quantity", "state", "createdAt", "updatedAt", "item"}


@pytest.fixture
def iphone(db):
    return make_product("iPhone 12", quantity=10)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN)


def stock_of(product):
    product.refresh_from_db()
    return product.quantity


# --- Creating --------------------------------------------------------------------------------------


def test_create_answers_201_with_the_order_and_its_item(client_for, iphone):
    user = client_for(Role.USER)
    response = user.post(
        "/api/v1/products/orders",
        {"itemId": iphone.pk, "client": "Alice", "description": "Gift", "quantity": 3},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == ORDER_KEYS
    assert (body["client"], body["description"], body["quantity"], body["state"]) == ("Alice", "Gift", 3, "Pending")
    assert body["item"]["id"] == iphone.pk and body["item"]["name"] == "iPhone 12" and body["item"]["quantity"] == 10
    assert body["item"]["category"] == "Phones" and "imageUrl" in body["item"]
    order = CatalogueOrder.objects.get()
    assert order.created_by == user.user
    assert stock_of(iphone) == 10 and not StockMovement.objects.exists(), "stock leaves only at Ready"


def test_create_as_draft(api, iphone):
    response = api.post(
        "/api/v1/products/orders/", {"itemId": iphone.pk, "client": "A", "quantity": 1, "initialState": "Draft"}
    )
    assert response.status_code == 201 and response.json()["state"] == "Draft"
    assert response.json()["description"] == ""


@pytest.mark.parametrize("state", ["Ready", "Completed", "Cancelled", "Shipped", "pending"])
def test_other_initial_states_are_400(api, iphone, state):
    response = api.post(
        "/api/v1/products/orders", {"itemId": iphone.pk, "client": "A", "quantity": 1, "initialState": state}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"initialState": [f"The state '{state}' cannot be an initial state"]}
    assert not CatalogueOrder.objects.exists()


def test_a_quantity_above_what_is_available_is_400_with_the_spec_message(api, iphone):
    response = api.post("/api/v1/products/orders", {"itemId": iphone.pk, "client": "A", "quantity": 11})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "quantity": ["You specified the quantity 11, but the item 'iPhone 12' has only 10 unit(s) available"]
    }
    assert not CatalogueOrder.objects.exists()
    assert api.post("/api/v1/products/orders", {"itemId": iphone.pk, "client": "A", "quantity": 10}).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"client": "A", "quantity": 1}, "itemId"),
        ({"itemId": 999999, "client": "A", "quantity": 1}, "itemId"),
        ({"itemId": "x", "client": "A", "quantity": 1}, "itemId"),
        ({"itemId": "ITEM", "quantity": 1}, "client"),
        ({"itemId": "ITEM", "client": "A"}, "quantity"),
        ({"itemId": "ITEM", "client": "A", "quantity": 0}, "quantity"),
        ({"itemId": "ITEM", "client": "A", "quantity": -2}, "quantity"),
        ({"itemId": "ITEM", "client": "A", "quantity": "1.0001"}, "quantity"),
    ],
)
def test_bad_order_input_is_400_and_creates_nothing(api, iphone, body, field):
    body = {key: iphone.pk if value == "ITEM" else value for key, value in body.items()}
    response = api.post("/api/v1/products/orders", body)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not CatalogueOrder.objects.exists()


def test_unknown_item_message(api):
    response = api.post("/api/v1/products/orders", {"itemId": 999999, "client": "A", "quantity": 1})
    assert response.json()["errors"] == {"itemId": ["The item 999999 does not exist"]}


def test_readonly_user_reads_but_cannot_order(client_for, iphone, admin_user):
    order = make_order(iphone, admin_user)
    readonly = client_for(Role.READONLY)
    assert readonly.get(f"/api/v1/products/orders/{order.pk}").status_code == 200
    response = readonly.post("/api/v1/products/orders", {"itemId": iphone.pk, "client": "A", "quantity": 1})
    assert response.status_code == 403 and CatalogueOrder.objects.count() == 1
    response = readonly.patch(f"/api/v1/products/orders/state/{order.pk}", {"transition": "Cancelled"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == State.PENDING


# --- The state table -------------------------------------------------------------------------------

# SPEC section B: (from, to) -> roles allowed, change of the product's quantity for an order of 3.
EVERY_WRITER = {Role.ADMIN, Role.MANAGER, Role.USER}
ADMIN_MANAGER = {Role.ADMIN, Role.MANAGER}
TABLE = {
    (State.DRAFT, State.PENDING): (EVERY_WRITER, 0),
    (State.DRAFT, State.CANCELLED): (EVERY_WRITER, 0),
    (State.PENDING, State.READY): (ADMIN_MANAGER, -3),
    (State.PENDING, State.CANCELLED): (EVERY_WRITER, 0),
    (State.READY, State.COMPLETED): (ADMIN_MANAGER, 0),
    (State.READY, State.CANCELLED): (ADMIN_MANAGER, +3),
}
CASES = [
    (source, target, role)
    for source in State.values
    for target in State.values
    for role in (Role.ADMIN, Role.MANAGER, Role.USER)
]


@pytest.mark.parametrize("source, target, role", CASES)
def test_state_table(client_for, iphone, admin_user, source, target, role):
    order = make_order(iphone, admin_user, quantity=3, state=source)
    caller = client_for(role)
    response = caller.patch(f"/api/v1/products/orders/state/{order.pk}", {"transition": target})
    order.refresh_from_db()
    rule = TABLE.get((source, target))
    if rule is None:
        assert response.status_code == 409
        assert response.json()["errors"] == {
            "transition": [f"The transaction cannot go from the state '{source}' to the state '{target}'"]
        }
        assert order.state == source
    elif role not in rule[0]:
        assert response.status_code == 403 and "transition" in response.json()["errors"]
        assert order.state == source
    else:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["state"] == target and body["id"] == order.pk and set(body) == ORDER_KEYS
        assert order.state == target
        change = rule[1]
        assert stock_of(iphone) == 10 + change and body["item"]["quantity"] == 10 + change
        entries = list(StockMovement.objects.all())
        if change:
            (entry,) = entries
            reason = "order_approval" if change < 0 else "order_cancellation"
            assert (entry.change, entry.balance_after, entry.reason) == (change, 10 + change, reason)
            assert (entry.source_type, entry.source_id, entry.user) == ("catalogueorder", order.pk, caller.user)
            assert (entry.item_type, entry.item_id) == ("product", iphone.pk)
        else:
            assert entries == []
        return
    assert stock_of(iphone) == 10 and not StockMovement.objects.exists()


def test_approving_more_than_the_stock_is_409_and_changes_nothing(api, iphone, admin_user):
    order = make_order(iphone, admin_user, quantity=4)
    Product.objects.filter(pk=iphone.pk).update(quantity=3)  # stock taken by something else meanwhile
    response = api.patch(f"/api/v1/products/orders/state/{order.pk}/", {"transition": "Ready"})
    assert response.status_code == 409
    assert response.json()["errors"] == {
        "quantity": ["The order needs 4 unit(s) of 'iPhone 12', but only 3 are available"]
    }
    order.refresh_from_db()
    assert order.state == State.PENDING and stock_of(iphone) == 3 and not StockMovement.objects.exists()


@pytest.mark.parametrize("body", [{}, {"transition": ""}, {"transition": "Shipped"}, {"state": "Ready"}])
def test_a_missing_or_unknown_transition_is_400(api, iphone, admin_user, body):
    order = make_order(iphone, admin_user)
    response = api.patch(f"/api/v1/products/orders/state/{order.pk}", body)
    assert response.status_code == 400 and "transition" in response.json()["errors"]
    order.refresh_from_db()
    assert order.state == State.PENDING


def test_transition_of_an_unknown_order_is_404(api):
    assert api.patch("/api/v1/products/orders/state/999999", {"transition": "Ready"}).status_code == 404


def test_a_whole_life_moves_stock_and_the_ledger_adds_up(client_for, iphone):
    manager, user = client_for(Role.MANAGER), client_for(Role.USER)
    order_id = user.post("/api/v1/products/orders", {"itemId": iphone.pk, "client": "A", "quantity": 4}).json()["id"]
    manager.patch(f"/api/v1/products/orders/state/{order_id}", {"transition": "Ready"})
    assert stock_of(iphone) == 6
    manager.patch(f"/api/v1/products/orders/state/{order_id}", {"transition": "Cancelled"})
    assert stock_of(iphone) == 10
    entries = list(StockMovement.objects.order_by("id").values_list("change", "balance_after", "reason"))
    assert entries == [(-4, 6, "order_approval"), (4, 10, "order_cancellation")]


# --- Updating --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
@pytest.mark.parametrize("state", [State.DRAFT, State.PENDING])
def test_admin_and_manager_edit_draft_and_pending_orders(client_for, iphone, admin_user, role, state):
    order = make_order(iphone, admin_user, quantity=2, state=state, description="old")
    response = client_for(role).put(
        f"/api/v1/products/orders/{order.pk}", {"client": "Bob", "description": "new", "quantity": 5}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["client"], body["description"], body["quantity"], body["state"]) == ("Bob", "new", 5, state)
    order.refresh_from_db()
    assert (order.client, order.description, order.quantity) == ("Bob", "new", 5)
    assert stock_of(iphone) == 10


@pytest.mark.parametrize("role", [Role.USER, Role.READONLY])
def test_users_cannot_edit_orders(client_for, iphone, admin_user, role):
    order = make_order(iphone, admin_user, quantity=2)
    response = client_for(role).put(f"/api/v1/products/orders/{order.pk}", {"client": "Bob", "quantity": 5})
    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.client, order.quantity) == ("Alice", 2)


@pytest.mark.parametrize("state", [State.READY, State.COMPLETED, State.CANCELLED])
def test_orders_past_pending_cannot_be_edited(api, iphone, admin_user, state):
    order = make_order(iphone, admin_user, quantity=2, state=state)
    response = api.put(f"/api/v1/products/orders/{order.pk}/", {"client": "Bob", "quantity": 1})
    assert response.status_code == 409 and "state" in response.json()["errors"]
    order.refresh_from_db()
    assert (order.client, order.quantity) == ("Alice", 2)


def test_an_edit_above_the_available_quantity_is_400(api, iphone, admin_user):
    order = make_order(iphone, admin_user, quantity=2, description="kept")
    response = api.put(f"/api/v1/products/orders/{order.pk}", {"client": "Bob", "quantity": "10.5"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "quantity": ["You specified the quantity 10.5, but the item 'iPhone 12' has only 10 unit(s) available"]
    }
    order.refresh_from_db()
    assert (order.client, order.quantity, order.description) == ("Alice", 2, "kept")


def test_put_needs_client_and_quantity(api, iphone, admin_user):
    order = make_order(iphone, admin_user)
    response = api.put(f"/api/v1/products/orders/{order.pk}", {"description": "x"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"client", "quantity"}


# --- Deleting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.USER, Role.READONLY])
def test_only_admins_delete_orders(client_for, iphone, admin_user, role):
    order = make_order(iphone, admin_user)
    assert client_for(role).delete(f"/api/v1/products/orders/{order.pk}").status_code == 403
    assert CatalogueOrder.objects.filter(pk=order.pk).exists()


def test_deleting_a_ready_order_gives_its_quantity_back(api, iphone, admin_user):
    order = make_order(iphone, admin_user, quantity=3, state=State.READY)
    Product.objects.filter(pk=iphone.pk).update(quantity=7)
    response = api.delete(f"/api/v1/products/orders/{order.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not CatalogueOrder.objects.exists() and stock_of(iphone) == 10
    entry = StockMovement.objects.get()
    assert (entry.change, entry.balance_after, entry.reason, entry.source_id, entry.user) == (
        3,
        10,
        "order_deletion",
        order.pk,
        api.user,
    )


@pytest.mark.parametrize("state", [State.DRAFT, State.PENDING, State.COMPLETED, State.CANCELLED])
def test_deleting_other_orders_leaves_stock_alone(api, iphone, admin_user, state):
    order = make_order(iphone, admin_user, quantity=3, state=state)
    assert api.delete(f"/api/v1/products/orders/{order.pk}/").status_code == 204
    assert stock_of(iphone) == 10 and not StockMovement.objects.exists()


def test_delete_unknown_order_is_404(api):
    assert api.delete("/api/v1/products/orders/999999").status_code == 404


# --- What orders protect -------------------------------------------------------------------------------


def test_a_product_with_orders_cannot_be_deleted(api, iphone, admin_user):
    make_order(iphone, admin_user)
    response = api.delete(f"/api/v1/products/{iphone.pk}")
    assert response.status_code == 409 and "catalogue_orders" in response.json()["errors"]
    assert Product.objects.filter(pk=iphone.pk).exists()


def test_a_category_whose_products_have_orders_cannot_be_deleted(api, iphone, admin_user):
    make_product("Pixel", iphone.category)
    make_order(iphone, admin_user)
    response = api.delete("/api/v1/products/categories/Phones")
    assert response.status_code == 409
    assert Category.objects.filter(name="Phones").exists() and Product.objects.count() == 2


def test_the_creator_of_an_order_cannot_be_erased(iphone, make_user):
    user = make_user(Role.USER)
    make_order(iphone, user)
    with pytest.raises(ProtectedError):
        user.delete()


# --- The list --------------------------------------------------------------------------------------


def _clients(response):
    assert response.status_code == 200, response.json()
    return [row["client"] for row in response.json()["orders"]]


def test_list_contract_filters_and_search(api, iphone, admin_user):
    laptop = make_product("ThinkPad", make_category("Laptops"))
    make_order(iphone, admin_user, client="Alice", state=State.DRAFT)
    make_order(iphone, admin_user, client="Bob", description="urgent")
    make_order(laptop, admin_user, client="Carol", state=State.READY)
    body = api.get("/api/v1/products/orders?ordering=client").json()
    assert set(body) == {"orders", "totalPages"} and body["totalPages"] == 1
    assert [o["client"] for o in body["orders"]] == ["Alice", "Bob", "Carol"]
    assert set(body["orders"][0]) == ORDER_KEYS
    assert _clients(api.get("/api/v1/products/orders?state=Ready")) == ["Carol"]
    assert _clients(api.get("/api/v1/products/orders?category=phones&ordering=-client")) == ["Bob", "Alice"]
    assert _clients(api.get("/api/v1/products/orders?search=urgent")) == ["Bob"]
    assert _clients(api.get("/api/v1/products/orders?search=thinkpad")) == ["Carol"]
    body = api.get("/api/v1/products/orders?page=2&pageSize=2&ordering=client").json()
    assert [o["client"] for o in body["orders"]] == ["Carol"] and body["totalPages"] == 2
    assert _clients(api.get("/api/v1/products/orders"))[0] == "Carol", "newest first by default"


@pytest.mark.parametrize(
    "query, field",
    [
        ("state=Shipped", "state"),
        ("category=Nope", "category"),
        ("page=0", "page"),
        ("pageSize=500", "pageSize"),
        ("ordering=created_at", "ordering"),
    ],
)
def test_bad_list_parameters_are_400(api, query, field):
    response = api.get(f"/api/v1/products/orders?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_list_query_count_does_not_grow_with_rows(rendered_reads, api, iphone, admin_user):
    make_order(iphone, admin_user)
    api.get("/api/v1/products/orders")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/products/orders").json()["orders"]) == 1
    others = [make_product(f"P{i}", make_category(f"C{i}")) for i in range(7)]
    for i in range(49):
        make_order(others[i % 7], admin_user, client=f"Client {i}")
    with CaptureQueriesContext(connection) as fifty:
        assert len(api.get("/api/v1/products/orders?pageSize=50").json()["orders"]) == 50
    assert len(fifty) == len(one)


def test_quantities_are_json_numbers(api, iphone, admin_user):
    make_order(iphone, admin_user, quantity=Decimal("2.5"))
    order = api.get("/api/v1/products/orders").json()["orders"][0]
    assert order["quantity"] == 2.5 and order["item"]["quantity"] == 10
