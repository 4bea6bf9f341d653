"""Domain errors carry data; the handler alone gives them a status, the same for the same situation."""

from decimal import Decimal

import pytest

from inventory import services as inventory_services
from inventory.images import ImageTooLarge
from inventory.tests.factories import RawProductFactory
from orders import services as order_services
from orders.tests.factories import RawProductOrderFactory
from production import services as production_services
from production.tests.factories import ProductionPlanFactory
from stocky.kit import errors
from stocky.kit.api import error_status


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInput(), 400),
        (errors.AuthenticationFailed(), 401),
        (errors.Forbidden(), 403),
        (errors.NotFound(), 404),
        (errors.Conflict(), 409),
        (errors.InvalidTransition(None, "a", "b", message="no"), 409),
        (errors.InsufficientStock([]), 409),
        (ImageTooLarge(), 413),
    ],
)
def test_each_class_has_its_status(error, status):
    assert error_status(error) == status


def test_a_shortage_is_data_and_reads_as_the_ledger_says_it():
    short = errors.Shortage("raw_product", 4, "Flour", Decimal("12.000"), Decimal("3.000"), "kg")
    error = errors.InsufficientStock([short])
    assert error.shortages[0].needed == Decimal(12)
    assert error.message == "Not enough stock of 'Flour': 12.000 requested, 3.000 available"
    assert error.errors == {"quantity": ["Only 3.000 of 'Flour' available, 12.000 requested"]}
    listed = errors.InsufficientStock([short], message="Cannot complete", field="materials")
    assert listed.errors == {"materials": ["'Flour' (raw product 4): 12 kg needed, 3 kg on hand"]}


@pytest.mark.django_db
def test_stock_below_zero_names_the_item_and_figures():
    flour = RawProductFactory(name="Flour", stock_quantity=3, unit_of_measure="kg")
    with pytest.raises(errors.InsufficientStock) as refused:
        inventory_services.stock_change(item=flour, delta=-5, reason="adjustment")
    (short,) = refused.value.shortages
    assert (short.item_type, short.item_id, short.needed, short.available, short.unit) == (
        "raw_product",
        flour.pk,
        Decimal(5),
        Decimal(3),
        "kg",
    )


def _deleted(instance):
    type(instance).objects.filter(pk=instance.pk).delete()
    return instance


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda: inventory_services.raw_product_update(product=_deleted(RawProductFactory()), name="x"),
        lambda: order_services.raw_product_order_set_status(order=_deleted(RawProductOrderFactory()), status="recu"),
        lambda: production_services.production_plan_start(plan=_deleted(ProductionPlanFactory())),
        lambda: production_services.production_plan_update(plan=_deleted(ProductionPlanFactory()), planned_duration=1),
    ],
    ids=["raw product", "purchase order", "plan start", "plan edit"],
)
def test_a_record_deleted_meanwhile_is_not_found_everywhere(change):
    with pytest.raises(errors.NotFound) as refused:
        change()
    assert error_status(refused.value) == 404
