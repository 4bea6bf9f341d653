"""The data migrations that bring existing rows to the units rules: canonical symbols, and order units."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("inventory", "0002_catalogue"), ("orders", "0002_catalogue_orders"), ("production", "0001_initial")]
AFTER = [
    ("inventory", "0003_units_conversions_ledger_source"),
    ("orders", "0003_order_units"),
    ("production", "0002_plan_status_and_units"),
]


@pytest.fixture
def latest_schema_afterwards():
    """Migrate forward to the latest migrations once the test is done: the tests that this worker runs next
    need today's tables (a column added after AFTER was missing for them)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_units_become_canonical_and_orders_take_their_products_unit(latest_schema_afterwards):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    RawProduct = apps.get_model("inventory", "RawProduct")
    FinishedProduct = apps.get_model("inventory", "FinishedProduct")
    milk = RawProduct.objects.create(name="Milk", stock_quantity=1, unit_of_measure="L")
    RawProduct.objects.create(name="Salt", stock_quantity=1, unit_of_measure="sack")
    bread = FinishedProduct.objects.create(name="Bread", stock_quantity=1, unit_of_measure="Pièces")
    supplier = apps.get_model("inventory", "Supplier").objects.create(
        name="S", phone="1", email="s@x.fr", contact_person="x"
    )
    order = apps.get_model("orders", "RawProductOrder").objects.create(
        raw_product=milk, supplier=supplier, quantity=2, price=1, expected_delivery_date="2026-03-05"
    )
    item = apps.get_model("production", "RecipeItem").objects.create(
        finished_product=bread, raw_product=milk, quantity_required=1, unit_of_measure="ML"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    units = dict(apps.get_model("inventory", "RawProduct").objects.values_list("name", "unit_of_measure"))
    assert units == {"Milk": "l", "Salt": "sack"}, "an unknown unit is left for its next edit to fix"
    assert apps.get_model("inventory", "FinishedProduct").objects.get(pk=bread.pk).unit_of_measure == "unit"
    assert apps.get_model("orders", "RawProductOrder").objects.get(pk=order.pk).unit_of_measure == "l"
    assert apps.get_model("production", "RecipeItem").objects.get(pk=item.pk).unit_of_measure == "ml"
    assert apps.get_model("production", "ProductionPlan")._meta.get_field("status").default == "planned"
