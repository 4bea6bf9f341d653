"""`lots_write_off`: the day's expired stock thrown away in one go (the demo's evening round), lot by lot in the
ledger and the events, as `lot_write_off` writes one lot off."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.lots.services import lot_create, lot_write_off, lots_write_off
from inventory.models import Lot, LotEvent, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from inventory.tests.utils import assert_stock_lots_and_ledger_agree

pytestmark = pytest.mark.django_db


def test_each_lot_is_written_off_whole_with_its_entry_and_event(make_user):
    cook = make_user()
    milk = RawProductFactory(name="Milk", stock_quantity=0, unit_of_measure="l")
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    old_milk, new_milk = lot_create(item=milk, quantity=3, code="M-1"), lot_create(item=milk, quantity=5, code="M-2")
    stale = lot_create(item=bread, quantity=7, code="B-1")
    empty = lot_create(item=bread, quantity=2, code="B-0")
    lot_write_off(lot=empty, quantity=2, reason="Dropped")  # already empty: left alone below

    events = lots_write_off(lots=[stale, old_milk, empty], reason="Past its use-by: thrown away", user=cook)

    assert sorted((event.lot.code, event.quantity) for event in events) == [("B-1", 7), ("M-1", 3)]
    written = StockMovement.objects.filter(reason="write_off").exclude(lot=empty).order_by("lot__code")
    assert [(entry.lot.code, entry.change, entry.note, entry.user) for entry in written] == [
        ("B-1", -7, "Past its use-by: thrown away", cook),
        ("M-1", -3, "Past its use-by: thrown away", cook),
    ]
    assert dict(Lot.objects.values_list("code", "quantity")) == {"M-1": 0, "M-2": 5, "B-1": 0, "B-0": 0}
    assert LotEvent.objects.filter(action="write_off").count() == 3  # the two, and the earlier one
    assert_stock_lots_and_ledger_agree(milk, bread)
    assert new_milk.pk not in {event.lot_id for event in events}


def test_its_statements_do_not_grow_with_the_lots():
    def queries(count):
        items = [RawProductFactory(stock_quantity=0), FinishedProductFactory(stock_quantity=0)]
        lots = [lot_create(item=items[n % 2], quantity=1) for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            lots_write_off(lots=lots, reason="Expired")
        return len(captured)

    assert queries(2) == queries(12)
