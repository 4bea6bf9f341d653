"""Fixtures shared across the test packages (registered in the root conftest.py): a shop with a record of
every kind, the snapshot and wipe helpers of the exchange tests, and `run` for management commands."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from inventory.models import (
    Category,
    FinishedProduct,
    Product,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from orders.models import Client, FinishedProductOrder, RawProductOrder
from production.models import ProductionPlan, RecipeComponent, RecipeItem

# Every table the exchange writes, parents first.
MODELS = [
    Supplier,
    RawProduct,
    FinishedProduct,
    Client,
    SupplierRawProduct,
    RecipeItem,
    RecipeComponent,
    RawProductOrder,
    ProductionPlan,
    FinishedProductOrder,
    Category,
    Product,
]


@pytest.fixture
def shop(db):
    """Records of every resource, with the values a file format could get wrong: commas, quotes, line
    breaks, accents, a formula-like text, two materials of one name, a null, dates and times."""
    paris = datetime.timezone(datetime.timedelta(hours=1))
    moulins = Supplier.objects.create(
        name="Moulins Bio",
        phone="+33 4 00 00 00 00",
        email="contact@moulins.example",
        website="https://moulins.example",
        contact_person="Anne, l'meunière",
    )
    sucrerie = Supplier.objects.create(
        name="Sucrerie du Nord",
        phone="0320000000",
        email="vente@sucrerie.example",
        contact_person="Marc",
    )
    flour = RawProduct.objects.create(
        name='Flour "T65", organic', stock_quantity=Decimal("120.125"), unit_of_measure="kg"
    )
    sugar = RawProduct.objects.create(name="Sugar", stock_quantity=Decimal("40"), unit_of_measure="kg")
    RawProduct.objects.create(name="Sugar", stock_quantity=Decimal("0"), unit_of_measure="g")
    cream = RawProduct.objects.create(name="Crème fraîche", stock_quantity=Decimal("8.5"), unit_of_measure="l")
    tart = FinishedProduct.objects.create(
        name="Tarte au sucre",
        stock_quantity=Decimal("12"),
        unit_of_measure="unit",
        comments="Best on day one;\nkeep cool.",
    )
    brioche = FinishedProduct.objects.create(
        name="Brioche",
        stock_quantity=Decimal("0"),
        unit_of_measure="unit",
        comments="=SUM(A1:A2)",
    )
    bistro = Client.objects.create(
        name="Le Bistrot",
        phone="0600000000",
        email="chef@bistrot.example",
        contact_person="Chef",
        client_type="restaurant",
        address="1 rue Haute",
        city="Lyon",
        region="Auvergne-Rhône-Alpes",
    )
    alice = Client.objects.create(
        name="Alice Martin",
        phone="0611111111",
        contact_person="Alice",
        client_type="particulier",
        address="2 place Basse",
        city="Lille",
        region="Hauts-de-France",
    )
    SupplierRawProduct.objects.create(
        supplier=moulins, raw_product=flour, unit_price=Decimal("0.95"), unit_of_measure="kg"
    )
    SupplierRawProduct.objects.create(
        supplier=sucrerie, raw_product=sugar, unit_price=Decimal("1.10"), unit_of_measure="kg"
    )
    RecipeItem.objects.create(
        finished_product=tart, raw_product=flour, quantity_required=Decimal("0.250"), unit_of_measure="kg"
    )
    RecipeItem.objects.create(
        finished_product=tart, raw_product=cream, quantity_required=Decimal("150"), unit_of_measure="ml"
    )
    # A component: the tart made on a brioche base (a finished product in another's recipe, SPEC E).
    RecipeComponent.objects.create(
        finished_product=tart, component=brioche, quantity_required=Decimal("0.5"), unit_of_measure="unit"
    )
    RawProductOrder.objects.create(
        raw_product=flour,
        supplier=moulins,
        quantity=Decimal("50"),
        price=Decimal("47.50"),
        status="recu",
        ordered_at=datetime.datetime(2026, 1, 5, 9, 30, 15, 250000, tzinfo=paris),
        expected_delivery_date=datetime.date(2026, 1, 12),
    )
    RawProductOrder.objects.create(
        raw_product=sugar,
        supplier=sucrerie,
        quantity=Decimal("0.001"),
        price=Decimal("0"),
        ordered_at=datetime.datetime(2026, 2, 1, 8, 0, tzinfo=datetime.UTC),
        expected_delivery_date=datetime.date(2026, 2, 28),
    )
    ProductionPlan.objects.create(
        finished_product=tart,
        planned_quantity=Decimal("40"),
        unit_of_measure="unit",
        planned_production_date=datetime.datetime(2026, 3, 5, 6, 0, tzinfo=datetime.UTC),
        planned_duration=Decimal("4.50"),
        actual_duration=None,
        hourly_rate=Decimal("25.00"),
    )
    ProductionPlan.objects.create(
        finished_product=brioche,
        planned_quantity=Decimal("2"),
        unit_of_measure="dozen",
        planned_production_date=datetime.datetime(2026, 3, 6, 6, 0, tzinfo=datetime.UTC),
        planned_duration=Decimal("1"),
        actual_duration=Decimal("1.25"),
        hourly_rate=Decimal("22.50"),
    )
    FinishedProductOrder.objects.create(
        finished_product=tart,
        client=bistro,
        quantity=Decimal("6"),
        sale_price=Decimal("54.00"),
        status="expedie",
        ordered_at=datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC),
        expected_delivery_date=datetime.datetime(2026, 3, 7, 8, 0, tzinfo=datetime.UTC),
    )
    FinishedProductOrder.objects.create(
        finished_product=brioche,
        client=alice,
        quantity=Decimal("1"),
        sale_price=Decimal("6.90"),
        ordered_at=timezone.now(),
        expected_delivery_date=timezone.now() + datetime.timedelta(days=2),
    )
    phones, cases = Category.objects.create(name="Phones"), Category.objects.create(name="Cases")
    Product.objects.create(name="iPhone 12", category=phones, quantity=Decimal("10"), description="Refurbished, 64 GB")
    Product.objects.create(name="Leather case", category=cases, quantity=Decimal("0"))


def snapshot():
    """Every exchanged row, as comparable values: what an export and an import must keep.

    Not kept, by design: creation/update times (a new record is new), the surrogate ids of link rows
    (the pair is their key), category ids (categories are found by name) and images (not in files).
    """
    rows = {}
    for model in MODELS:
        if model is Category:
            rows["Category"] = sorted(Category.objects.values_list("name", flat=True))
            continue
        if model is Product:
            fields = ["id", "name", "category__name", "quantity", "description"]
        else:
            skip = {"created_at", "updated_at"} | (
                {"id"} if model in (SupplierRawProduct, RecipeItem, RecipeComponent) else set()
            )
            fields = [field.attname for field in model._meta.concrete_fields if field.attname not in skip]
        rows[model.__name__] = list(model.objects.order_by(*model._meta.ordering, "pk").values(*fields))
    return rows


def wipe():
    """An empty database, as far as business records go."""
    for model in reversed(MODELS):
        model.objects.all().delete()
    StockMovement.objects.all().delete()


@pytest.fixture
def run():
    """Run a management command; returns (stdout, stderr). `fails=True` expects a CommandError and
    returns (its message, stderr)."""

    def run(*args, fails=False):
        out, err = io.StringIO(), io.StringIO()
        if fails:
            with pytest.raises(CommandError) as caught:
                call_command(*args, stdout=out, stderr=err)
            return str(caught.value), err.getvalue()
        try:
            call_command(*args, stdout=out, stderr=err)
        except CommandError as exc:
            raise AssertionError(f"{exc}\n{err.getvalue()}") from None
        return out.getvalue(), err.getvalue()

    return run
