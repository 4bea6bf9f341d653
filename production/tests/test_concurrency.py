"""Completions and shipments racing on shared materials, in real threads on real connections."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Role
from inventory.models import FinishedProduct, RawProduct, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import assert_stock_lots_and_ledger_agree
from orders.models import FinishedProductOrder
from orders.tests.factories import FinishedProductOrderFactory, RawProductOrderFactory
from production.models import ProductionPlan, RecipeComponent
from production.selectors import component_graph, contained
from production.tests.factories import ProductionPlanFactory, RecipeComponentFactory, RecipeItemFactory

FLOUR, BUTTER, BREAD, BRIOCHE = Decimal("12"), Decimal("3"), Decimal("4"), Decimal("2")


def run_at_once(requests):
    """Send every request from its own thread and connection, all released together; [(status, body)]."""
    barrier = threading.Barrier(len(requests))
    results, failures = [None] * len(requests), []

    def send(i):
        client, method, url, body = requests[i]
        try:
            barrier.wait(timeout=30)
            response = getattr(client, method)(url, body)
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - reported below, with the request that raised it
            failures.append((requests[i][2], repr(exc)))
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    return results


@pytest.mark.django_db(transaction=True)
def test_completions_shipments_and_receipts_racing_keep_stock_and_ledger_right(client_for, make_user):
    flour = RawProductFactory(name="Flour", stock_quantity=FLOUR, unit_of_measure="kg")
    butter = RawProductFactory(name="Butter", stock_quantity=BUTTER, unit_of_measure="kg")
    bread = FinishedProductFactory(name="Bread", stock_quantity=BREAD, unit_of_measure="unit")
    brioche = FinishedProductFactory(name="Brioche", stock_quantity=BRIOCHE, unit_of_measure="unit")
    # Both recipes draw on the same flour, in grams; brioche also on butter.
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    RecipeItemFactory(finished_product=brioche, raw_product=flour, quantity_required=250, unit_of_measure="g")
    RecipeItemFactory(finished_product=brioche, raw_product=butter, quantity_required=100, unit_of_measure="g")
    # 6 runs of 4 bread (2 kg of flour each) and 6 of 8 brioche (2 kg of flour, 0.8 kg of butter each): 24 kg of
    # flour asked for, 12 on hand plus 2 arriving; 4.8 kg of butter asked for, 3 on hand.
    plans = [ProductionPlanFactory(finished_product=bread, planned_quantity=4) for _ in range(6)]
    plans += [ProductionPlanFactory(finished_product=brioche, planned_quantity=8) for _ in range(6)]
    # Shipments of what is in stock, and of what the runs may or may not have made by then.
    sales = [FinishedProductOrderFactory(finished_product=bread, quantity=3) for _ in range(5)]
    sales += [FinishedProductOrderFactory(finished_product=brioche, quantity=5) for _ in range(5)]
    receipts = [RawProductOrderFactory(raw_product=flour, quantity=1000, unit_of_measure="g") for _ in range(2)]
    user = make_user(Role.USER)
    requests = [(client_for(user=user), "post", f"/api/v1/production-plans/{plan.pk}/complete", {}) for plan in plans]
    requests += [
        (client_for(user=user), "patch", f"/api/v1/finished-product-orders/{order.pk}/status", {"status": "expedie"})
        for order in sales
    ]
    requests += [
        (client_for(user=user), "patch", f"/api/v1/raw-product-orders/{order.pk}/status", {"status": "recu"})
        for order in receipts
    ]

    results = run_at_once(requests)

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 409}, results  # no 500, no deadlock surfacing as an error
    for status, body in results:
        if status == 409:
            assert set(body["errors"]) <= {"materials", "quantity"}, body
    plan_results = results[: len(plans)]
    assert all(status == 200 for status, _ in results[len(plans) + len(sales) :]), "receipts never fail"

    for item in (flour, butter, bread, brioche):
        item.refresh_from_db()
        assert item.stock_quantity >= 0
    # The factories enter the starting stock in the ledger and a lot: stock = lots = ledger, from zero.
    assert_stock_lots_and_ledger_agree(flour, butter, bread, brioche)
    for item in (flour, butter, bread, brioche):
        entries = StockMovement.objects.filter(item_type=item.STOCK_LEDGER.item_type, item_id=item.pk)
        # Each entry's balance is what the one before it left, plus its change: no lost update.
        balance = 0
        for entry in entries.order_by("id"):
            balance += entry.change
            assert entry.balance_after == balance, item.name

    completed = ProductionPlan.objects.filter(status="completed")
    assert completed.count() == sum(1 for status, _ in plan_results if status == 200) > 0
    bread_runs = completed.filter(finished_product=bread).count()
    brioche_runs = completed.filter(finished_product=brioche).count()
    assert flour.stock_quantity == FLOUR + 2 - 2 * bread_runs - 2 * brioche_runs
    assert butter.stock_quantity == BUTTER - Decimal("0.8") * brioche_runs
    shipped = FinishedProductOrder.objects.filter(status="expedie")
    assert bread.stock_quantity == BREAD + 4 * bread_runs - 3 * shipped.filter(finished_product=bread).count()
    assert brioche.stock_quantity == BRIOCHE + 8 * brioche_runs - 5 * shipped.filter(finished_product=brioche).count()
    assert RawProduct.objects.filter(stock_quantity__lt=0).count() == 0
    assert FinishedProduct.objects.filter(stock_quantity__lt=0).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_component_lines_that_would_close_a_cycle_together_never_both_pass(client_for, make_user):
    """A contains B and C contains D; at once, one request adds C to B's recipe and another A to D's: each
    alone is fine, both would make A → B → C → D → A. One passes, the other is a 400 naming the cycle."""
    user = make_user(Role.USER)
    for round_ in range(4):
        a, b, c, d = (FinishedProductFactory(name=f"{name}{round_}", unit_of_measure="kg") for name in "ABCD")
        RecipeComponentFactory(finished_product=a, component=b)
        RecipeComponentFactory(finished_product=c, component=d)
        body = {"quantity_required": 1, "unit_of_measure": "kg"}
        results = run_at_once(
            [
                (
                    client_for(user=user),
                    "post",
                    "/api/v1/recipe-components",
                    {**body, "finished_product_id": b.pk, "component_id": c.pk},
                ),
                (
                    client_for(user=user),
                    "post",
                    "/api/v1/recipe-components",
                    {**body, "finished_product_id": d.pk, "component_id": a.pk},
                ),
            ]
        )
        assert sorted(status for status, _ in results) == [201, 400], results
        (refused,) = [answer for status, answer in results if status == 400]
        assert refused["message"].startswith("A recipe cannot contain itself: ")
        assert RecipeComponent.objects.filter(finished_product__in=[a, b, c, d]).count() == 3
    graph = component_graph()
    assert all(pk not in contained(graph, child) for pk, children in graph.items() for child in children)
