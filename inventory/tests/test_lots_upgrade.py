"""The upgrade to lots (SPEC D, issue 12's done-when 4) on a database the earlier code filled.

How the old schema really runs: the code of the commit before lots (the parent of the commit that added
inventory/migrations/_lots.py, the upgrade's code) is exported with `git archive` into a temporary directory; its own
`manage.py migrate` and `seed_demo --scale 10` fill a fresh database (a SQLite file, or a MariaDB database
`<test database>_upgrade` when the suite runs on MariaDB) with the schema and services of that time; then this
checkout's `manage.py migrate` upgrades it, and the test reads the result. Skipped where git history is absent.
"""

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
ITEMS = {"raw_product": "inventory_rawproduct", "finished_product": "inventory_finishedproduct"}


def _git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def _commit_before_lots():
    try:
        added = _git("log", "--diff-filter=A", "--format=%H", "--", "inventory/migrations/_lots.py").split()
        return _git("rev-parse", f"{added[-1]}^") if added else _git("rev-parse", "HEAD")
    except (OSError, subprocess.CalledProcessError, IndexError):
        return None


def _manage(cwd, env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} in {cwd}:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def upgrade_database(tmp_path):
    """(DATABASE_URL, a DB-API connection factory) of an empty database for the old code to fill."""
    if connection.vendor == "mysql":
        import MySQLdb

        db = settings.DATABASES["default"]
        name = f"{connection.settings_dict['NAME']}_upgrade"
        params = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 3306), "user": db["USER"]}
        if db["PASSWORD"]:
            params["password"] = db["PASSWORD"]
        admin = MySQLdb.connect(**params)
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"mysql://{db['USER']}{password}@{params['host']}:{params['port']}/{name}"
        yield url, lambda: MySQLdb.connect(**params, database=name)
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
    else:
        import sqlite3

        path = tmp_path / "upgrade.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)


def _rows(connect, sql):
    db = connect()
    try:
        cursor = db.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        db.close()


def _stock(connect):
    return {
        (kind, pk): Decimal(str(quantity))
        for kind, table in ITEMS.items()
        for pk, quantity in _rows(connect, f"SELECT id, stock_quantity FROM {table}")
    }


@pytest.mark.django_db
def test_the_upgrade_turns_a_scaled_demos_stock_into_opening_lots(tmp_path, upgrade_database):
    base = _commit_before_lots()
    if base is None or shutil.which("git") is None:
        pytest.skip("needs the git history, to run the code from before lots")
    old = tmp_path / "before-lots"
    old.mkdir()
    archive = subprocess.run(["git", "archive", base], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    url, connect = upgrade_database
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": url, "TASKS_BACKEND": "immediate"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(old, env, "migrate", "--no-input", "-v", "0")
    _manage(old, env, "seed_demo", "--scale", "10", "--no-input")
    before = _stock(connect)
    assert _rows(connect, "SELECT COUNT(*) FROM inventory_stockmovement")[0][0] > 1000, "a scaled history"

    _manage(ROOT, env, "migrate", "--no-input", "-v", "0")

    assert _stock(connect) == before, "stock unchanged"
    stocked = {key for key, quantity in before.items() if quantity > 0}
    lots = _rows(connect, "SELECT item_type, item_id, code, quantity, initial_quantity, source_type FROM inventory_lot")
    assert sorted((kind, pk) for kind, pk, *_ in lots) == sorted(stocked), "one lot per stocked item"
    for kind, pk, code, quantity, initial, source in lots:
        assert (code, source) == ("OPENING", "opening")
        assert Decimal(str(quantity)) == Decimal(str(initial)) == before[(kind, pk)]
    ledger = {
        (kind, pk): Decimal(str(total)).quantize(Decimal("0.001"))
        for kind, pk, total in _rows(
            connect,
            "SELECT item_type, item_id, SUM(`change`) FROM inventory_stockmovement "
            "WHERE item_type IN ('raw_product', 'finished_product') GROUP BY item_type, item_id",
        )
    }
    assert all(ledger.get(key, 0) == quantity for key, quantity in before.items()), "the ledger still balances"
    by_lot = _rows(
        connect,
        "SELECT l.id, l.quantity, SUM(m.`change`) FROM inventory_lot l "
        "JOIN inventory_stockmovement m ON m.lot_id = l.id GROUP BY l.id, l.quantity",
    )
    assert len(by_lot) == len(lots), "each opening lot is linked to its item's history"
    assert all(
        Decimal(str(quantity)) == Decimal(str(total)).quantize(Decimal("0.001")) for _, quantity, total in by_lot
    )
