"""Many rows inserted at once stamp their table's version once instead of once per row (stocky.kit.inserts,
versions.stamped_once, docs/caching.md), and reads never go stale for it: the stamp commits with the rows, and
the session flag that quiets the INSERT trigger never outlives the insert, whatever happens to it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from inventory.models import Lot, RawProduct, StockMovement, Supplier
from inventory.tests.factories import RawProductFactory
from stocky.kit import versions
from stocky.kit.inserts import insert_objects

pytestmark = pytest.mark.django_db

TABLE = RawProduct._meta.db_table


def version(model=RawProduct):
    return versions.read([model._meta.db_table])[model._meta.db_table]


def unstamped():
    """The session flag (MariaDB); None on SQLite, whose triggers stamp every row."""
    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {versions.UNSTAMPED}")
        return cursor.fetchone()[0]


def materials(count, start=0, **fields):
    return [
        RawProduct(name=f"Material {n}", stock_quantity=Decimal(n), unit_of_measure="kg", **fields)
        for n in range(start, start + count)
    ]


def test_a_read_cached_before_a_bulk_import_shows_every_imported_row_after_it(api, run, tmp_path):
    RawProductFactory(name="Flour", stock_quantity=2)
    lists = [
        "/api/v1/raw-products?page_size=100",
        "/api/v1/lots?page_size=100",
        "/api/v1/stock-movements?page_size=100",
    ]
    before = {path: api.get(path) for path in lists}
    assert [len(response.json()["data"]) for response in before.values()] == [1, 1, 1]
    path = tmp_path / "materials.csv"
    path.write_text("name,stock_quantity,unit_of_measure\n" + "".join(f"M{n},{n + 1},kg\n" for n in range(30)))

    run("import", "raw-products", str(path))

    for path, earlier in before.items():
        response = api.get(path, HTTP_IF_NONE_MATCH=earlier["ETag"])
        assert response.status_code == 200 and len(response.json()["data"]) == 31, path
        assert response["ETag"] != earlier["ETag"]


def test_a_failed_bulk_insert_leaves_the_session_stamping_every_later_write():
    existing = RawProductFactory(name="Flour")
    before = version()
    rows = [*materials(5), RawProduct(pk=existing.pk, name="Same id", stock_quantity=0, unit_of_measure="kg")]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects(RawProduct, rows)

    assert list(RawProduct.objects.values_list("name", flat=True)) == ["Flour"]
    assert version() == before, "the rollback took the rows and their stamp away together"
    assert unstamped() is None
    # A write of one row, through the trigger: the version moves.
    RawProductFactory(name="Salt")
    assert version() != before
    # And a hand-typed INSERT on the same session.
    after_salt = version()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(TABLE)} (created_at, updated_at, name, stock_quantity, "
            "unit_of_measure, reorder_level, allergens, may_contain, is_packaging, label_name) "
            "VALUES ('2026-01-01 00:00:00', '2026-01-01 00:00:00', 'Rye', 0, 'kg', 0, '[]', '[]', 0, '')"
        )
    assert version() != after_salt


def test_a_bulk_insert_changes_its_tables_version_once_it_is_done_and_only_with_its_rows():
    before = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_objects(RawProduct, materials(20))
        inside = version()
        raise RuntimeError
    assert inside != before
    assert version() == before and not RawProduct.objects.exists()
    insert_objects(RawProduct, materials(20))
    assert version() != before and RawProduct.objects.count() == 20


@pytest.mark.skipif("connection.vendor != 'mysql'", reason="SQLite's triggers stamp every row")
def test_while_a_bulk_insert_runs_only_its_own_tables_trigger_is_quiet():
    before = {model: version(model) for model in (RawProduct, Supplier)}
    with versions.stamped_once(TABLE):
        assert unstamped() == TABLE
        RawProductFactory(name="Flour")
        assert version(RawProduct) == before[RawProduct], "stamped once, at the end"
        Supplier.objects.create(name="Moulin", phone="0", email="m@example.com", contact_person="M")
        assert version(Supplier) != before[Supplier], "another table's writes stamp as ever"
        RawProduct.objects.update(name="Rye")
        assert version(RawProduct) != before[RawProduct], "an UPDATE stamps as ever"
        moved = version(RawProduct)
    assert unstamped() is None
    assert version(RawProduct) != moved


@pytest.mark.skipif("connection.vendor != 'mysql'", reason="no session flag on SQLite")
@pytest.mark.django_db(transaction=True)
def test_a_session_whose_flag_cannot_be_cleared_is_closed_never_reused():
    def refuse_clearing(execute, sql, params, many, context):
        if sql.startswith(f"SET {versions.UNSTAMPED} = NULL"):
            raise OperationalError("lost connection")
        return execute(sql, params, many, context)

    session = connection.connection
    with pytest.raises(OperationalError), connection.execute_wrapper(refuse_clearing):
        insert_objects(RawProduct, materials(3))
    assert connection.connection is None or connection.connection is not session
    assert unstamped() is None, "a new session"
    assert not RawProduct.objects.exists()


def test_an_import_of_stock_writes_its_lots_and_ledger_with_their_versions_moved(run, tmp_path):
    before = {model: version(model) for model in (RawProduct, Lot, StockMovement)}
    path = tmp_path / "materials.csv"
    path.write_text("name,stock_quantity,unit_of_measure\nFlour,2,kg\nSalt,3,kg\n")
    run("import", "raw-products", str(path))
    assert all(version(model) != stamp for model, stamp in before.items())
    assert sorted(Lot.objects.values_list("initial_quantity", flat=True)) == [2, 3]
    assert unstamped() is None


@pytest.mark.skipif("connection.vendor != 'mysql'", reason="SQLite keeps its triggers as they were")
@pytest.mark.django_db(transaction=True)
def test_upgrading_replaces_every_insert_trigger_with_the_one_that_can_wait():
    def insert_triggers():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT event_object_table, action_statement FROM information_schema.triggers WHERE "
                "trigger_schema = DATABASE() AND event_manipulation = 'INSERT' AND trigger_name LIKE 'stocky_v_%%'"
            )
            return dict(cursor.fetchall())

    old = versions.stamp_sql("mysql", TABLE)
    with connection.cursor() as cursor:  # the trigger of 0006, as an older database has it
        cursor.execute(f"DROP TRIGGER `{versions.trigger_name(TABLE, 'INSERT')}`")
        cursor.execute(
            f"CREATE TRIGGER `{versions.trigger_name(TABLE, 'INSERT')}` AFTER INSERT ON `{TABLE}` FOR EACH ROW {old}"
        )
    assert insert_triggers()[TABLE] == old

    versions.replace_insert_triggers(connection)

    found = insert_triggers()
    assert found.keys() == versions.versioned_tables()
    assert all(f"{versions.UNSTAMPED} <=> '{table}'" in body for table, body in found.items())
