"""Order status services: the one place an order's status changes (API and admin call them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import FinishedProductOrder, RawProductOrder
from orders.services import (
    finished_product_order_set_status,
    raw_product_order_set_status,
)
from orders.tests.factories import FinishedProductOrderFactory, RawProductOrderFactory
from stocky.kit.errors import InvalidInput

pytestmark = pytest.mark.django_db

KINDS = [
    (RawProductOrderFactory, RawProductOrder, raw_product_order_set_status),
    (FinishedProductOrderFactory, FinishedProductOrder, finished_product_order_set_status),
]


@pytest.mark.parametrize("factory, model, set_status", KINDS)
def test_sets_the_status_and_returns_the_saved_order(factory, model, set_status, make_user):
    order = factory()
    before = order.updated_at
    returned = set_status(order=order, status="expedie", user=make_user())
    stored = model.objects.get(pk=order.pk)
    assert stored.status == "expedie" and stored.updated_at > before
    # The locked, saved instance, as every service returns; the caller's copy follows it.
    assert (returned.pk, returned.status, returned.updated_at) == (order.pk, "expedie", stored.updated_at)
    assert order.status == "expedie" and order.updated_at == stored.updated_at


@pytest.mark.parametrize("factory, model, set_status", KINDS)
def test_an_unknown_status_raises_and_changes_nothing(factory, model, set_status):
    order = factory()
    with pytest.raises(InvalidInput) as caught:
        set_status(order=order, status="lost")
    assert list(caught.value.errors) == ["status"]
    assert model.objects.get(pk=order.pk).status == "commande"


@pytest.mark.parametrize("factory, model, set_status", KINDS)
def test_the_same_status_writes_nothing(factory, model, set_status):
    order = factory(status="expedie")
    with CaptureQueriesContext(connection) as queries:
        set_status(order=order, status="expedie")
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; its write lock serialises")
@pytest.mark.parametrize("factory, model, set_status", KINDS)
def test_locks_the_order_row(factory, model, set_status):
    order = factory()
    with CaptureQueriesContext(connection) as queries:
        set_status(order=order, status="expedie")
    assert any("FOR UPDATE" in q["sql"] for q in queries)
