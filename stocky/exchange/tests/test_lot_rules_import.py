"""SPEC D's rules through `manage.py import` (issue 12, done-when 2): a file that ships sales orders draws their
lots first-expiry-first-out, honours the client's minimum remaining shelf life and never ships a lot past its
use-by or on hold, as the API and the admin do. A production plan's status is not a column of a file (a run is
completed by the API or the admin's "Complete…" page), so that a file cannot run production around the rules.
A purchase order received by a file: test_exchange_commands.py."""

import datetime

import pytest
from django.utils import timezone

from inventory.lots.services import lot_create
from inventory.models import FinishedProduct, Lot, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from orders.models import FinishedProductOrder
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def loaves():
    """Bread in lots ending in 2 and 6 days, one past its use-by and one on hold."""
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    for code, quantity, use_by in [("B-OLD", 3, 2), ("B-NEW", 10, 6), ("B-GONE", 5, -1), ("B-HELD", 5, 9)]:
        lot_create(item=bread, quantity=quantity, code=code, use_by=days(use_by))
    Lot.objects.filter(code="B-HELD").update(status=Lot.Status.ON_HOLD)
    return bread


def ship_by_file(run, tmp_path, *orders, fails=False):
    path = tmp_path / "orders.csv"
    path.write_text("id,status\n" + "".join(f"{order.pk},expedie\n" for order in orders), encoding="utf-8")
    return run("import", "finished-product-orders", str(path), "--update", fails=fails)


def drawn(order):
    entries = StockMovement.objects.filter(reason="shipment", source_id=order.pk).select_related("lot")
    return {entry.lot.code: -entry.change for entry in entries}


def state():
    return dict(Lot.objects.values_list("code", "quantity")), StockMovement.objects.count()


def test_a_file_that_ships_orders_draws_their_lots_first_expiry_first_out(run, tmp_path, loaves):
    first = FinishedProductOrderFactory(finished_product=loaves, quantity=5, unit_of_measure="unit")
    second = FinishedProductOrderFactory(finished_product=loaves, quantity=4, unit_of_measure="unit")

    out, _ = ship_by_file(run, tmp_path, first, second)

    assert "0 created, 2 updated" in out
    # B-GONE (past use-by) and B-HELD (on hold) hold the earliest and the latest dates: neither is drawn.
    assert (drawn(first), drawn(second)) == ({"B-OLD": 3, "B-NEW": 2}, {"B-NEW": 4})
    assert FinishedProduct.objects.get(pk=loaves.pk).stock_quantity == 14


def test_a_file_that_ships_honours_the_client_minimum_remaining_shelf_life(run, tmp_path, loaves):
    fussy = ClientFactory(min_remaining_shelf_life_days=3)
    order = FinishedProductOrderFactory(finished_product=loaves, client=fussy, quantity=5, unit_of_measure="unit")

    ship_by_file(run, tmp_path, order)

    assert drawn(order) == {"B-NEW": 5}  # B-OLD has 2 days left: too few for this client


@pytest.mark.parametrize("min_days", [None, 3])
def test_a_row_that_only_expired_held_or_too_short_lots_could_ship_is_refused(run, tmp_path, loaves, min_days):
    client = ClientFactory(min_remaining_shelf_life_days=min_days)
    usable = 13 if min_days is None else 10
    order = FinishedProductOrderFactory(finished_product=loaves, client=client, quantity=usable + 1)
    before = state()

    message, err = ship_by_file(run, tmp_path, order, fails=True)

    assert f"line 2: quantity: Cannot ship sales order {order.pk}: Not enough usable stock of 'Bread'" in err
    assert f"{usable + 1} needed, {usable} usable" in err
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "commande"
    assert state() == before


def test_a_file_cannot_complete_a_production_plan(run, tmp_path):
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    lot_create(item=flour, quantity=8, code="GONE", use_by=days(-1))
    plan = ProductionPlanFactory(finished_product=bread, planned_quantity=4, unit_of_measure="unit")
    path = tmp_path / "plans.csv"
    path.write_text(f"id,status\n{plan.pk},completed\n", encoding="utf-8")
    before = state()

    message, _ = run("import", "production-plans", str(path), "--update", fails=True)

    assert "Unknown column for production-plans: status" in message
    assert ProductionPlan.objects.get(pk=plan.pk).status == "planned"
    assert state() == before
