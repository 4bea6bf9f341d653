"""insert_objects: many new rows in a few statements, stored as save() would store them; update_objects: some
columns of many rows in one statement."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Category, Lot, RawProduct
from stocky.kit.inserts import insert_objects, insert_rows, update_objects

pytestmark = pytest.mark.django_db


def test_rows_are_stored_as_save_stores_them_with_ids_in_their_order():
    objects = [
        RawProduct(name="Flour", stock_quantity=Decimal("1.5"), unit_of_measure="Kg"),
        RawProduct(pk=900, name="Salt", stock_quantity=Decimal("2"), unit_of_measure="G"),
        RawProduct(name="Milk", stock_quantity=Decimal("0"), unit_of_measure="L"),
    ]
    insert_objects(RawProduct, objects)
    flour, salt, milk = objects
    assert salt.pk == 900 and flour.pk < milk.pk, "ids follow the objects' order, as saves would"
    stored = {p.pk: (p.name, p.stock_quantity, p.unit_of_measure) for p in RawProduct.objects.all()}
    assert stored == {
        flour.pk: ("Flour", Decimal("1.5"), "kg"),  # the unit field's pre_save: its canonical symbol
        900: ("Salt", Decimal("2"), "g"),
        milk.pk: ("Milk", Decimal("0"), "l"),
    }
    assert all(p.created_at and p.updated_at for p in RawProduct.objects.all()), "auto_now(_add) filled"
    assert not flour._state.adding


def test_a_column_the_database_computes_is_left_to_it():
    (category,) = insert_objects(Category, [Category(name="Épices")])
    assert Category.objects.get(pk=category.pk).name == "Épices"


def test_text_that_sql_quotes_specially_is_stored_as_it_is():
    # MariaDB's statements are sent with their values quoted in place: quotes, backslashes, a placeholder-like
    # percent sign and non-ASCII letters must come back unchanged.
    names = ["O'Brien's \"best\"", "back\\slash\\", "100 % %s %(x)s", "Crème brûlée 🍮", "semi;colon -- x", ""]
    objects = insert_objects(
        RawProduct, [RawProduct(name=name, stock_quantity=0, unit_of_measure="kg") for name in names]
    )
    assert [RawProduct.objects.get(pk=obj.pk).name for obj in objects] == names


def test_values_shared_by_rows_and_lists_are_stored_per_row_as_given():
    milk = ["milk"]
    objects = insert_objects(
        RawProduct,
        [
            RawProduct(name="A", stock_quantity=Decimal("1"), unit_of_measure="kg", allergens=milk),
            RawProduct(name="B", stock_quantity=Decimal("1.000"), unit_of_measure="kg", allergens=[]),
            RawProduct(name="C", stock_quantity=Decimal("2"), unit_of_measure="kg", allergens=["milk"]),
            RawProduct(name="D", stock_quantity=Decimal("1"), unit_of_measure="kg", allergens=["gluten", "milk"]),
        ],
    )
    stored = {
        p.name: (p.stock_quantity, p.allergens) for p in RawProduct.objects.filter(pk__in=[o.pk for o in objects])
    }
    assert stored == {
        "A": (Decimal("1"), ["milk"]),
        "B": (Decimal("1"), []),
        "C": (Decimal("2"), ["milk"]),
        "D": (Decimal("1"), ["gluten", "milk"]),
    }
    assert len({p.created_at for p in RawProduct.objects.all()}) == 1, "one insert, one time"


def test_rows_of_values_get_their_defaults_and_normalised_fields_and_ids_in_order():
    rows = [
        {"item_type": "raw_product", "item_id": n, "code": f"L{n}", "quantity": n, "initial_quantity": n}
        for n in (3, 1, 2)
    ]
    rows[1]["status"] = Lot.Status.ON_HOLD
    ids = insert_rows(Lot, rows)
    assert ids == sorted(ids) and len(set(ids)) == 3
    lots = Lot.objects.in_bulk(ids)
    assert [(lots[pk].code, lots[pk].status, lots[pk].source_id) for pk in ids] == [
        ("L3", "available", None),
        ("L1", "on_hold", None),
        ("L2", "available", None),
    ]
    assert all(lot.created_at for lot in lots.values())


@pytest.mark.parametrize("count", [1, 3])
def test_update_objects_writes_only_the_named_columns_of_every_row_in_one_statement(count):
    products = insert_objects(
        RawProduct, [RawProduct(name=f"M{n}", stock_quantity=Decimal(n), unit_of_measure="kg") for n in range(3)]
    )[:count]
    for n, product in enumerate(products):
        product.stock_quantity, product.name = Decimal(n) + Decimal("0.125"), "not written"

    with CaptureQueriesContext(connection) as queries:
        update_objects(RawProduct, products, ["stock_quantity"])

    assert len(queries) == 1
    stored = {p.name: p.stock_quantity for p in RawProduct.objects.order_by("pk")}
    expected = {f"M{n}": Decimal(n) + (Decimal("0.125") if n < count else 0) for n in range(3)}
    assert stored == expected
