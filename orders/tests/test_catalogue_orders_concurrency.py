"""Approvals racing on one product, in real threads on real connections (SQLite and MariaDB alike)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import Role
from inventory.models import Product, StockMovement
from inventory.tests.factories import make_product
from orders.models import CatalogueOrder
from orders.tests.factories import make_order

THREADS = 24
STOCK = 10


@pytest.mark.django_db(transaction=True)
def test_racing_approvals_never_take_stock_below_zero(client_for, make_user):
    product = make_product("iPhone 12", quantity=STOCK)
    creator, manager = make_user(Role.USER), make_user(Role.MANAGER)
    orders = [make_order(product, creator, quantity=1, client=f"Client {i}") for i in range(THREADS)]
    clients = [client_for(user=manager) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results, failures = [None] * THREADS, []

    def approve(i):
        try:
            barrier.wait(timeout=30)  # every thread asks at once
            response = clients[i].patch(f"/api/v1/products/orders/state/{orders[i].pk}", {"transition": "Ready"})
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread that raised it
            failures.append((i, repr(exc)))
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    assert Counter(status for status, _ in results) == {200: STOCK, 409: THREADS - STOCK}
    for status, body in results:
        if status == 409:
            assert body["errors"]["quantity"] == ["The order needs 1 unit(s) of 'iPhone 12', but only 0 are available"]

    product.refresh_from_db()
    assert product.quantity == 0
    ready = set(CatalogueOrder.objects.filter(state=CatalogueOrder.State.READY).values_list("pk", flat=True))
    assert len(ready) == STOCK
    assert CatalogueOrder.objects.filter(state=CatalogueOrder.State.PENDING).count() == THREADS - STOCK
    assert ready == {orders[i].pk for i, (status, _) in enumerate(results) if status == 200}

    entries = list(StockMovement.objects.filter(item_type="product", item_id=product.pk))
    assert sum(entry.change for entry in entries) == product.quantity - STOCK
    assert sorted(entry.balance_after for entry in entries) == list(range(STOCK))  # 9, 8, ... 0, each once
    assert {entry.source_id for entry in entries} == ready
    assert {entry.reason for entry in entries} == {"order_approval"}
    assert Product.objects.filter(quantity__lt=0).count() == 0
