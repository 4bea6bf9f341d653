"""`manage.py import_stocky` against a database of the earlier Stocky that the test creates in MariaDB."""

import datetime
import os
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import MySQLdb
import pytest
from django.conf import settings
from django.db import connection

from inventory.models import (
    FinishedProduct,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from orders.models import Client, FinishedProductOrder, RawProductOrder
from production.models import ProductionPlan, RecipeItem
from stocky.tests.fixtures import snapshot

pytestmark = pytest.mark.django_db

# The earlier Stocky as Sequelize made it: PascalCase plural tables, the SPEC's snake_case columns,
# `createdAt`/`updatedAt` on some tables and `created_at` on others, no foreign-key constraints, a link
# table keyed by its pair, a column we do not know, and DATETIMEs without a time zone.
SCHEMA = """
CREATE TABLE Suppliers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), phone VARCHAR(50), email VARCHAR(255),
  website VARCHAR(255) NULL, contact_person VARCHAR(255), createdAt DATETIME NOT NULL, updatedAt DATETIME NOT NULL);
CREATE TABLE RawProducts (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), stock_quantity DECIMAL(12,3),
  unit_of_measure VARCHAR(20), created_at DATETIME NULL, updated_at DATETIME NULL);
CREATE TABLE FinishedProducts (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), stock_quantity DECIMAL(12,3),
  unit_of_measure VARCHAR(20), comments TEXT NULL);
CREATE TABLE Clients (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), phone VARCHAR(50), email VARCHAR(255) NULL,
  website VARCHAR(255) NULL, contact_person VARCHAR(255), client_type VARCHAR(20), address VARCHAR(255),
  city VARCHAR(120), region VARCHAR(120));
CREATE TABLE SupplierRawProducts (supplier_id INT NOT NULL, raw_product_id INT NOT NULL, unit_price DECIMAL(10,4),
  unit_of_measure VARCHAR(20), PRIMARY KEY (supplier_id, raw_product_id));
CREATE TABLE RecipeItems (id INT AUTO_INCREMENT PRIMARY KEY, finished_product_id INT, raw_product_id INT,
  quantity_required DECIMAL(12,3), unit_of_measure VARCHAR(20), notes TEXT NULL);
CREATE TABLE RawProductOrders (id INT AUTO_INCREMENT PRIMARY KEY, raw_product_id INT, supplier_id INT,
  quantity DECIMAL(12,3), price DECIMAL(10,2), ordered_at DATETIME NULL, expected_delivery_date DATE,
  status VARCHAR(30) NULL, createdAt DATETIME NULL, updatedAt DATETIME NULL);
CREATE TABLE ProductionPlans (id INT AUTO_INCREMENT PRIMARY KEY, finished_product_id INT,
  planned_quantity DECIMAL(12,3), unit_of_measure VARCHAR(20), planned_production_date DATETIME,
  planned_duration DECIMAL(8,2), actual_duration DECIMAL(8,2) NULL, hourly_rate DECIMAL(10,2));
CREATE TABLE FinishedProductOrders (id INT AUTO_INCREMENT PRIMARY KEY, finished_product_id INT, client_id INT,
  quantity DECIMAL(12,3), sale_price DECIMAL(10,2), ordered_at DATETIME, expected_delivery_date DATETIME,
  status VARCHAR(30) NULL)
"""

DATA = """
INSERT INTO Suppliers VALUES
  (3, 'Moulins Bio', '0400000000', 'contact@moulins.example', NULL, 'Anne', '2023-01-10 09:00:00',
   '2023-06-01 12:00:00'),
  (5, 'Sucrerie du Nord', '0320000000', 'vente@sucrerie.example', 'https://sucrerie.example', 'Marc',
   '2023-02-01 09:00:00', '2023-02-01 09:00:00'),
  (7, 'Moulins Bis', '0400000001', 'CONTACT@moulins.example', NULL, 'Anne', '2023-03-01 09:00:00',
   '2023-03-01 09:00:00');
INSERT INTO RawProducts VALUES
  (2, 'Flour', 120.500, 'kg', '2023-05-01 10:00:00', '2023-05-02 10:00:00'),
  (4, 'Sugar', 40, 'kg', NULL, NULL),
  (9, 'Cream', 8.250, 'L', NULL, NULL),
  (11, 'Salt', NULL, 'kg', NULL, NULL);
INSERT INTO FinishedProducts VALUES (1, 'Tarte au sucre', 12, 'unit', NULL), (6, 'Brioche', 0, 'piece', 'Sunday only');
INSERT INTO Clients VALUES
  (1, 'Le Bistrot', '0600000000', 'chef@bistrot.example', NULL, 'Chef', 'restaurant', '1 rue Haute', 'Lyon', 'ARA'),
  (2, 'Alice Martin', '0611111111', NULL, NULL, 'Alice', 'Particulier', '2 place Basse', 'Lille', 'HDF'),
  (3, 'Big Buyer', '0622222222', NULL, NULL, 'Bob', 'wholesale', '3 quai', 'Paris', 'IDF');
INSERT INTO SupplierRawProducts VALUES (3, 2, 0.95, 'kg'), (5, 4, 1.10, 'kg'), (7, 2, 0.90, 'kg'), (5, 99, 1, 'kg');
INSERT INTO RecipeItems VALUES
  (1, 1, 2, 0.250, 'kg', 'sifted'),
  (2, 1, 9, 150, 'ml', NULL),
  (3, 6, 2, 0.5, 'l', NULL),
  (4, 6, 4, 1, 'pinch', NULL),
  (5, 1, 2, 0.300, 'kg', 'a second line for the same pair');
INSERT INTO RawProductOrders VALUES
  (10, 2, 3, 50, 47.50, '2024-01-15 10:00:00', '2024-01-20', NULL, NULL, NULL),
  (12, 4, 5, 10, 11.00, NULL, '2024-02-05', 'Recu', '2024-02-01 08:00:00', '2024-02-03 08:00:00'),
  (13, 4, 7, 1, 1.00, '2024-02-01 08:00:00', '2024-02-05', NULL, NULL, NULL),
  (14, 4, 5, 1, 1.00, '2024-02-01 08:00:00', '2024-02-05', 'lost', NULL, NULL);
INSERT INTO ProductionPlans VALUES
  (1, 1, 40, 'unit', '2024-03-05 06:00:00', 4.50, NULL, 25.00),
  (2, 6, 2, 'dozen', '2024-03-06 06:00:00', 1.00, 1.25, 22.50),
  (3, 1, 1, 'kg', '2024-03-07 06:00:00', 1.00, NULL, 20.00);
INSERT INTO FinishedProductOrders VALUES
  (20, 1, 1, 6, 54.00, '2024-03-01 10:00:00', '2024-03-07 08:00:00', 'expedie'),
  (21, 6, 3, 1, 6.90, '2024-03-01 10:00:00', '2024-03-02 08:00:00', NULL)
"""


def _server():
    """The MariaDB server to create the old database on: the one under test, else MARIADB_URL's."""
    if connection.vendor == "mysql":
        return settings.DATABASES["default"]["NAME"].removeprefix("test_"), connection.settings_dict
    parts = urlsplit(os.environ.get("MARIADB_URL", "mysql://root@127.0.0.1:3306/stocky"))
    return parts.path.lstrip("/") or "stocky", {
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": parts.port or 3306,
        "USER": parts.username or "root",
        "PASSWORD": parts.password or "",
    }


@pytest.fixture
def legacy(settings):
    """A fresh database `<name>_legacy_<random>` holding the earlier Stocky's schema and rows; dropped after.
    Yields the --source URL."""
    base, server = _server()
    host, port = server["HOST"] or "127.0.0.1", int(server["PORT"] or 3306)
    try:
        admin = MySQLdb.connect(
            host=host, port=port, user=server["USER"], password=server["PASSWORD"] or "", connect_timeout=3
        )
    except MySQLdb.OperationalError as exc:
        if connection.vendor == "mysql":
            raise
        pytest.skip(
            f"No MariaDB server at {host}:{port} ({exc.args[-1]}): the legacy import is tested against a real "
            "MariaDB database it creates. Set MARIADB_URL to one; CI has one."
        )
    name = f"{base}_legacy_{uuid.uuid4().hex[:8]}"
    cursor = admin.cursor()
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        cursor.execute(f"USE `{name}`")
        for statement in (SCHEMA + ";" + DATA).split(";"):
            if statement.strip():
                cursor.execute(statement)
        admin.commit()
        password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
        settings.TIME_ZONE = "Europe/Paris"  # the old app's DATETIMEs are read in this zone
        yield f"mysql://{server['USER']}{password}@{host}:{port}/{name}", cursor
    finally:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def test_the_earlier_stocky_comes_in_with_its_ids_and_a_report(legacy, run):
    url, _ = legacy
    out, _ = run("import_stocky", "--source", url)

    assert "date-times read as Europe/Paris:" in out
    assert "Suppliers: 3 read, 2 imported, 0 already here, 1 skipped" in out
    assert "  skipped id 7: email: A supplier with this e-mail already exists." in out
    assert "RawProducts: 4 read, 3 imported, 0 already here, 1 skipped" in out
    assert "  skipped id 11: stock_quantity: NULL in the source, but required" in out
    assert "Clients: 3 read, 2 imported, 0 already here, 1 skipped" in out
    assert "  skipped id 3: client_type: 'wholesale' is not a valid client type." in out
    assert "SupplierRawProducts: 4 read, 2 imported, 0 already here, 2 skipped" in out
    assert "  skipped (supplier_id 7, raw_product_id 2): supplier_id: its supplier 7 was skipped" in out
    assert (
        "  skipped (supplier_id 5, raw_product_id 99): raw_product_id: its raw product 99 does not exist in the source"
        in out
    )
    assert "RecipeItems: 5 read, 2 imported, 0 already here, 3 skipped" in out
    assert "  skipped id 3: unit_of_measure: 'l' cannot convert to the raw product's unit 'kg'" in out
    assert "  skipped id 4: unit_of_measure: Unknown unit of measure 'pinch'" in out
    assert "  skipped id 5: the same finished_product_id and raw_product_id as id 1" in out
    assert "  columns not imported: notes" in out
    assert "RawProductOrders: 4 read, 2 imported, 0 already here, 2 skipped" in out
    assert "  skipped id 13: supplier_id: its supplier 7 was skipped" in out
    assert "  skipped id 14: status: 'lost' is not a valid status." in out
    assert "ProductionPlans: 3 read, 2 imported, 0 already here, 1 skipped" in out
    assert "  skipped id 3: unit_of_measure: 'kg' cannot convert to the finished product's unit 'unit'" in out
    assert "FinishedProductOrders: 2 read, 1 imported, 0 already here, 1 skipped" in out
    assert "  skipped id 21: client_id: its client 3 was skipped" in out
    assert "Done: 18 imported, 0 already here, 12 skipped." in out

    # Ids kept.
    assert list(Supplier.objects.values_list("id", flat=True)) == [3, 5]
    assert list(RawProduct.objects.values_list("id", flat=True)) == [2, 4, 9]
    assert list(RawProductOrder.objects.values_list("id", flat=True)) == [10, 12]
    assert list(ProductionPlan.objects.values_list("id", flat=True)) == [1, 2]
    assert list(FinishedProductOrder.objects.values_list("id", flat=True)) == [20]
    # 0.9500 from a DECIMAL(10,4) column is 0.95, not "more than 2 decimal places".
    assert set(SupplierRawProduct.objects.values_list("supplier_id", "raw_product_id", "unit_price")) == {
        (3, 2, Decimal("0.95")),
        (5, 4, Decimal("1.10")),
    }
    assert set(RecipeItem.objects.values_list("finished_product_id", "raw_product_id", "unit_of_measure")) == {
        (1, 2, "kg"),
        (1, 9, "ml"),
    }
    # DATETIMEs without a zone read in TIME_ZONE (Paris: UTC+1 in winter, +2 in summer).
    utc = datetime.UTC
    po = RawProductOrder.objects.get(pk=10)
    assert po.ordered_at == datetime.datetime(2024, 1, 15, 9, 0, tzinfo=utc)
    assert (po.status, po.expected_delivery_date) == ("commande", datetime.date(2024, 1, 20))  # NULL status
    received = RawProductOrder.objects.get(pk=12)
    assert received.status == "recu"
    assert received.ordered_at == datetime.datetime(2024, 2, 1, 7, 0, tzinfo=utc)  # no date: when entered
    assert received.created_at == datetime.datetime(2024, 2, 1, 7, 0, tzinfo=utc)
    flour = RawProduct.objects.get(pk=2)
    assert flour.created_at == datetime.datetime(2023, 5, 1, 8, 0, tzinfo=utc)
    assert flour.stock_quantity == Decimal("120.5")
    assert Client.objects.get(pk=2).client_type == "particulier" and Client.objects.get(pk=2).email == ""
    assert FinishedProduct.objects.get(pk=1).comments == ""
    assert ProductionPlan.objects.get(pk=1).actual_duration is None
    # Stock came in through the ledger, as initial movements.
    assert set(StockMovement.objects.values_list("item_type", "item_id", "change", "reason", "note")) == {
        ("raw_product", 2, Decimal("120.5"), "initial", "Imported from the earlier Stocky"),
        ("raw_product", 4, Decimal("40"), "initial", "Imported from the earlier Stocky"),
        ("raw_product", 9, Decimal("8.25"), "initial", "Imported from the earlier Stocky"),
        ("finished_product", 1, Decimal("12"), "initial", "Imported from the earlier Stocky"),
    }


def test_running_it_again_changes_nothing(legacy, run):
    url, _ = legacy
    run("import_stocky", "--source", url)
    before = snapshot()
    stamps = {
        model: list(model.objects.order_by("pk").values_list("updated_at", flat=True))
        for model in (Supplier, RawProduct, RawProductOrder, RecipeItem)
    }
    ledger = StockMovement.objects.count()

    out, _ = run("import_stocky", "--source", url)

    assert "Done: 0 imported, 18 already here, 12 skipped." in out
    assert "RawProducts: 4 read, 0 imported, 3 already here, 1 skipped" in out
    assert snapshot() == before
    assert stamps == {
        model: list(model.objects.order_by("pk").values_list("updated_at", flat=True)) for model in stamps
    }
    assert StockMovement.objects.count() == ledger


def test_records_changed_since_are_kept_and_reported(legacy, run, api):
    url, _ = legacy
    run("import_stocky", "--source", url)
    api.patch("/api/v1/raw-products/2", {"stock_quantity": 100})
    out, _ = run("import_stocky", "--source", url)
    assert "  kept as it is here, differs from the source in stock_quantity: id 2" in out
    assert RawProduct.objects.get(pk=2).stock_quantity == 100


def test_new_records_get_fresh_ids_after_the_migration(legacy, run, api):
    url, _ = legacy
    run("import_stocky", "--source", url)
    response = api.post(
        "/api/v1/raw-product-orders",
        {"raw_product_id": 2, "supplier_id": 3, "quantity": 1, "price": 1, "expected_delivery_date": "2026-01-01"},
    )
    assert response.status_code == 201 and response.json()["data"]["id"] > 12
    response = api.post(
        "/api/v1/suppliers", {"name": "New", "phone": "1", "email": "n@new.example", "contact_person": "N"}
    )
    assert response.status_code == 201 and response.json()["data"]["id"] > 5


def test_an_id_taken_here_by_another_record_is_skipped_with_its_dependants(legacy, run):
    url, _ = legacy
    Supplier.objects.create(id=3, name="Someone else", phone="1", email="else@example.com", contact_person="E")
    out, _ = run("import_stocky", "--source", url)
    assert "  skipped id 3: id: id 3 is already another supplier here ('Someone else')" in out
    assert "  skipped id 10: supplier_id: its supplier 3 was skipped" in out
    assert not RawProductOrder.objects.filter(pk=10).exists()


def test_dry_run_saves_nothing(legacy, run):
    url, _ = legacy
    out, _ = run("import_stocky", "--source", url, "--dry-run")
    assert "(dry run: nothing saved)" in out and "Done: 18 would be imported" in out
    assert not Supplier.objects.exists() and not StockMovement.objects.exists()


def test_a_source_without_the_expected_columns_imports_nothing(legacy, run):
    url, cursor = legacy
    cursor.execute("ALTER TABLE RawProducts DROP COLUMN unit_of_measure")
    message, _ = run("import_stocky", "--source", url, fails=True)
    assert message == (
        "The source does not have the columns of the earlier Stocky: RawProducts has no column unit_of_measure. "
        "Nothing was imported."
    )
    assert not Supplier.objects.exists()


def test_the_source_timezone_can_be_given(legacy, run):
    url, _ = legacy
    run("import_stocky", "--source", url, "--source-timezone", "UTC")
    assert RawProductOrder.objects.get(pk=10).ordered_at == datetime.datetime(2024, 1, 15, 10, 0, tzinfo=datetime.UTC)
    message, _ = run("import_stocky", "--source", url, "--source-timezone", "Mars/Olympus", fails=True)
    assert "Unknown time zone 'Mars/Olympus'" in message


def test_unusable_sources_are_refused(run):
    message, _ = run("import_stocky", "--source", "postgres://x@localhost/db", fails=True)
    assert message.startswith("The source must be a URL like mysql://")
    message, _ = run("import_stocky", "--source", "mysql://root@127.0.0.1:1/stocky_db", fails=True)
    assert message.startswith("Cannot connect to the source database stocky_db on 127.0.0.1:1:")
