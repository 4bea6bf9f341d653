"""SPEC D's rules through the admin (issue 12, done-when 2): first-expiry-first-out, the limiting lot's use-by,
the refusal of lots past use-by or on hold, and a client's minimum remaining shelf life, on the plan's
"Complete…" page and the sales orders' "shipped" action, with hold and release from the lots list. The same
rules through the API: production/tests/test_lot_moves.py and test_lots_api.py."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from inventory.lots.services import lot_create
from inventory.models import FinishedProduct, Lot, RawProduct, StockMovement
from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from orders.models import FinishedProductOrder
from orders.tests.factories import ClientFactory, FinishedProductOrderFactory
from production.models import ProductionPlan
from production.tests.factories import ProductionPlanFactory, RecipeItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def drawn(reason, source_id):
    """{lot code: quantity taken} by the ledger entries of one run or shipment."""
    entries = StockMovement.objects.filter(reason=reason, source_id=source_id).select_related("lot")
    return {entry.lot.code: -entry.change for entry in entries}


@pytest.fixture
def manager(admin_client_for):
    return admin_client_for(Role.MANAGER)


# --- A production plan's "Complete…" page ------------------------------------------------------------------


@pytest.fixture
def bakery():
    """Bread needs 500 g of flour a loaf; three usable flour lots and two that must never be drawn."""
    flour = RawProductFactory(name="Flour", stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit", shelf_life_days=10)
    RecipeItemFactory(finished_product=bread, raw_product=flour, quantity_required=500, unit_of_measure="g")
    lots = {
        "LATE": lot_create(item=flour, quantity=10, code="LATE", use_by=days(30)),
        "SOON": lot_create(item=flour, quantity=1, code="SOON", use_by=days(4)),
        "UNDATED": lot_create(item=flour, quantity=5, code="UNDATED"),
        "GONE": lot_create(item=flour, quantity=8, code="GONE", use_by=days(-1)),
        "HELD": lot_create(item=flour, quantity=8, code="HELD", use_by=days(2)),
    }
    Lot.objects.filter(pk=lots["HELD"].pk).update(status=Lot.Status.ON_HOLD)
    plan = ProductionPlanFactory(finished_product=bread, planned_quantity=4, unit_of_measure="unit")
    return {"flour": flour, "bread": bread, "plan": plan, **lots}


def complete(client, plan, **body):
    return client.post(f"/admin/production/productionplan/{plan.pk}/complete/", {"produced_quantity": "4", **body})


def quantities():
    return dict(Lot.objects.values_list("code", "quantity"))


def assert_nothing_changed(bakery, before, movements):
    assert ProductionPlan.objects.get(pk=bakery["plan"].pk).status == "planned"
    assert quantities() == before
    assert StockMovement.objects.count() == movements
    assert RawProduct.objects.get(pk=bakery["flour"].pk).stock_quantity == 32
    assert FinishedProduct.objects.get(pk=bakery["bread"].pk).stock_quantity == 0


def test_the_form_lists_the_material_lots_in_the_order_a_run_draws_them(manager, bakery):
    response = manager.get(f"/admin/production/productionplan/{bakery['plan'].pk}/complete/")
    rows = [(row["lot"].code, row["usable"]) for row in response.context["material_lots"]]
    assert rows == [("GONE", False), ("HELD", False), ("SOON", True), ("LATE", True), ("UNDATED", True)]
    page = response.content.decode()
    assert "past its use-by" in page and "on hold" in page


def test_completing_draws_first_expiry_first_out_skipping_expired_and_held_lots(manager, bakery):
    response = complete(manager, bakery["plan"], batch_code="B-1")

    assert response.status_code == 302
    # 2 kg of flour: the 1 kg of SOON first, then LATE; GONE (past use-by) and HELD (on hold) are passed over.
    assert drawn("production_consumption", bakery["plan"].pk) == {"SOON": 1, "LATE": 1}
    batch = Lot.objects.get(code="B-1")
    # The batch lives no longer than its shortest-lived ingredient: SOON's use-by, before today + 10 days.
    assert (batch.quantity, batch.use_by) == (4, days(4))


def test_the_shelf_life_sets_the_batch_use_by_when_it_is_the_shorter(manager, bakery):
    FinishedProduct.objects.filter(pk=bakery["bread"].pk).update(shelf_life_days=2)

    assert complete(manager, bakery["plan"], batch_code="B-1").status_code == 302

    assert Lot.objects.get(code="B-1").use_by == days(2)


def test_named_lots_are_drawn_first_and_set_the_batch_use_by(manager, bakery):
    response = complete(manager, bakery["plan"], batch_code="B-1", lots="LATE 1.5\n\nUNDATED 0.5\n")

    assert response.status_code == 302
    assert drawn("production_consumption", bakery["plan"].pk) == {"LATE": Decimal("1.5"), "UNDATED": Decimal("0.5")}
    assert Lot.objects.get(code="B-1").use_by == days(10)  # LATE's day 30 is later than the shelf life


@pytest.mark.parametrize(
    ("lots", "message"),
    [
        ("GONE 2", "Lot GONE (id {GONE}) is past its use-by date"),
        ("HELD 2", "Lot HELD (id {HELD}) is on hold: it cannot be used or shipped"),
        ("SOON 2", "Lot SOON (id {SOON}) holds 1, 2 asked"),
        ("NOPE 2", "No material of Bread&#x27;s recipe has a lot NOPE"),
        ("LATE", "write a lot code and a quantity greater than 0, e.g. LATE 2.5"),
        ("LATE -1", "write a lot code and a quantity greater than 0"),
    ],
)
def test_a_named_lot_that_may_not_be_drawn_is_shown_on_the_form_and_changes_nothing(manager, bakery, lots, message):
    before, movements = quantities(), StockMovement.objects.count()

    response = complete(manager, bakery["plan"], lots=lots)

    assert response.status_code == 200
    assert message.format(**{code: bakery[code].pk for code in ("GONE", "HELD", "SOON")}) in response.content.decode()
    assert_nothing_changed(bakery, before, movements)


def test_stock_only_in_expired_or_held_lots_is_refused_with_what_is_usable(manager, bakery):
    Lot.objects.filter(code__in=["LATE", "SOON", "UNDATED"]).update(status=Lot.Status.ON_HOLD)
    before, movements = quantities(), StockMovement.objects.count()

    response = complete(manager, bakery["plan"])

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 material(s) short" in page
    assert "2 kg needed, 0 kg usable (32 kg more on hold, expired or too close to its date)" in page
    assert_nothing_changed(bakery, before, movements)


def test_a_lot_held_in_the_lots_list_is_not_drawn_until_it_is_released(manager, bakery):
    select = {"_selected_action": [bakery["SOON"].pk, bakery["LATE"].pk, bakery["UNDATED"].pk]}
    manager.post("/admin/inventory/lot/", {"action": "hold", **select})
    assert complete(manager, bakery["plan"]).status_code == 200  # nothing usable left: refused
    assert ProductionPlan.objects.get(pk=bakery["plan"].pk).status == "planned"

    manager.post("/admin/inventory/lot/", {"action": "release", "_selected_action": [bakery["UNDATED"].pk]})

    assert complete(manager, bakery["plan"]).status_code == 302
    assert drawn("production_consumption", bakery["plan"].pk) == {"UNDATED": 2}


# --- A sales order shipped from the admin ------------------------------------------------------------------


@pytest.fixture
def loaves():
    """Bread in three lots: one ending in 2 days, one in 6, one past its use-by, and one on hold."""
    bread = FinishedProductFactory(name="Bread", stock_quantity=0, unit_of_measure="unit")
    for code, quantity, use_by in [("B-OLD", 3, 2), ("B-NEW", 10, 6), ("B-GONE", 5, -1), ("B-HELD", 5, 9)]:
        lot_create(item=bread, quantity=quantity, code=code, use_by=days(use_by))
    Lot.objects.filter(code="B-HELD").update(status=Lot.Status.ON_HOLD)
    return bread


def ship(client, *orders):
    body = {"action": "mark_expedie", "_selected_action": [order.pk for order in orders]}
    response = client.post("/admin/orders/finishedproductorder/", body, follow=True)
    return [str(message) for message in response.context["messages"]]


def test_shipping_draws_first_expiry_first_out_skipping_expired_and_held_lots(manager, loaves):
    order = FinishedProductOrderFactory(finished_product=loaves, quantity=5, unit_of_measure="unit")

    assert ship(manager, order) == [f"Marked 1 order(s) as shipped: #{order.pk}."]

    assert drawn("shipment", order.pk) == {"B-OLD": 3, "B-NEW": 2}
    assert FinishedProduct.objects.get(pk=loaves.pk).stock_quantity == 18


def test_shipping_honours_the_client_minimum_remaining_shelf_life(manager, loaves):
    fussy = ClientFactory(name="Hôtel Lumière", min_remaining_shelf_life_days=3)
    order = FinishedProductOrderFactory(finished_product=loaves, client=fussy, quantity=5, unit_of_measure="unit")

    ship(manager, order)

    assert drawn("shipment", order.pk) == {"B-NEW": 5}  # B-OLD has 2 days left: too few for this client


def test_a_shipment_only_expired_held_or_too_short_lots_could_serve_is_refused(manager, loaves):
    fussy = ClientFactory(min_remaining_shelf_life_days=3)
    order = FinishedProductOrderFactory(finished_product=loaves, client=fussy, quantity=11, unit_of_measure="unit")
    before, movements = quantities(), StockMovement.objects.count()

    shown = ship(manager, order)

    assert shown == [
        f"Not changed, #{order.pk}: Cannot ship sales order {order.pk}: Not enough usable stock of 'Bread' for "
        f"this sales order {order.pk}: 11 needed, 10 usable (13 more is on hold, expired or too close to its date)"
    ]
    assert FinishedProductOrder.objects.get(pk=order.pk).status == "commande"
    assert (quantities(), StockMovement.objects.count()) == (before, movements)


def test_a_sales_order_added_as_shipped_draws_its_lots_by_the_same_rules(manager, loaves):
    client = ClientFactory(min_remaining_shelf_life_days=3)
    body = {
        "client": client.pk,
        "finished_product": loaves.pk,
        "quantity": "4",
        "unit_of_measure": "unit",
        "sale_price": "10",
        "ordered_at_0": TODAY.isoformat(),
        "ordered_at_1": "08:00:00",
        "expected_delivery_date_0": days(1).isoformat(),
        "expected_delivery_date_1": "10:00:00",
        "status": "expedie",
    }

    response = manager.post("/admin/orders/finishedproductorder/add/", body)

    assert response.status_code == 302, response.context["adminform"].form.errors
    order = FinishedProductOrder.objects.get()
    assert (order.status, drawn("shipment", order.pk)) == ("expedie", {"B-NEW": 4})
