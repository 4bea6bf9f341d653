"""`manage.py export` and `manage.py import`: files that round-trip, and rows judged by the API's rules."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command, load_command_class
from openpyxl import Workbook

from inventory.models import (
    Category,
    FinishedProduct,
    Lot,
    Product,
    RawProduct,
    StockMovement,
    Supplier,
)
from orders.models import RawProductOrder
from orders.tests.factories import RawProductOrderFactory
from stocky.exchange import formats
from stocky.exchange.formats import FORMATS
from stocky.exchange.resources import REGISTRY
from stocky.tests.fixtures import snapshot, wipe

pytestmark = pytest.mark.django_db


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imported_into_an_empty_database_gives_the_same_rows_back(fmt, shop, run, tmp_path):
    before = snapshot()
    stocked = {
        (kind, pk): quantity
        for kind, model, field in [
            ("raw_product", RawProduct, "stock_quantity"),
            ("finished_product", FinishedProduct, "stock_quantity"),
            ("product", Product, "quantity"),
        ]
        for pk, quantity in model.objects.values_list("pk", field)
        if quantity
    }
    for name in REGISTRY:
        run("export", name, "--output", str(tmp_path / f"{name}.{fmt}"))
    wipe()
    assert not any(snapshot()[model] for model in before)

    for name in REGISTRY:  # the registry lists parents first
        out, _ = run("import", name, str(tmp_path / f"{name}.{fmt}"))
        assert "created" in out

    assert snapshot() == before
    # The quantities came in through the ledger, each as one initial movement.
    movements = StockMovement.objects.values_list("item_type", "item_id", "change", "reason", "note")
    assert {(kind, pk): change for kind, pk, change, _reason, _note in movements} == stocked
    assert {reason for *_, reason, _note in movements} == {"initial"}
    assert all(note.startswith("Imported from ") for *_, note in movements)


def test_one_bad_row_imports_nothing_and_names_its_line_and_reason(run, tmp_path):
    path = write(
        tmp_path / "materials.csv",
        "name,stock_quantity,unit_of_measure\nFlour,12.5,kg\nSugar,-1,kg\nSalt,3,kg\n",
    )
    message, err = run("import", "raw-products", str(path), fails=True)
    assert "line 3: stock_quantity: Ensure this value is greater than or equal to 0." in err
    assert "line 2" not in err and "line 4" not in err
    assert message == "Nothing imported into raw-products: 1 of 3 rows invalid."
    assert not RawProduct.objects.exists() and not StockMovement.objects.exists()


def test_a_bad_file_exits_with_a_non_zero_status(tmp_path, capsys, monkeypatch):
    # run_from_argv is what manage.py calls; it closes the connections when done, the test's included.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = write(tmp_path / "materials.csv", "name,stock_quantity,unit_of_measure\nSugar,-1,kg\n")
    with pytest.raises(SystemExit) as exited:
        load_command_class("stocky.exchange", "import").run_from_argv(
            ["manage.py", "import", "raw-products", str(path)]
        )
    assert exited.value.code == 1
    assert "line 2" in capsys.readouterr().err
    assert not RawProduct.objects.exists()


API_CASES = [
    ("suppliers", "/api/v1/suppliers", {"name": "X", "phone": "1", "email": "not-an-email", "contact_person": "Y"}),
    (
        "clients",
        "/api/v1/clients",
        {
            "name": "X",
            "phone": "1",
            "contact_person": "Y",
            "client_type": "shop",
            "address": "a",
            "city": "c",
            "region": "r",
        },
    ),
    ("raw-products", "/api/v1/raw-products", {"name": "X", "stock_quantity": "1.2345", "unit_of_measure": "kg"}),
    (
        "production-plans",
        "/api/v1/production-plans",
        {
            "finished_product_id": 999,
            "planned_quantity": "0",
            "unit_of_measure": "unit",
            "planned_duration": "-1",
            "planned_production_date": "soon",
            "hourly_rate": "1",
        },
    ),
]


@pytest.mark.parametrize("resource, url, row", API_CASES, ids=[case[0] for case in API_CASES])
def test_rows_are_judged_by_the_rules_of_the_api(resource, url, row, api, run, tmp_path):
    expected = api.post(url, row).json()["errors"]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([row]))
    _, err = run("import", resource, str(path), fails=True)
    for field, messages in expected.items():
        assert f"{field}: {' '.join(messages)}" in err
    assert not REGISTRY[resource].model.objects.exists()


def test_a_row_sees_the_rows_before_it(run, tmp_path):
    path = write(
        tmp_path / "suppliers.csv",
        "name,phone,email,contact_person\nA,1,sales@a.example,Ann\nB,2,SALES@A.example,Bob\n",
    )
    _, err = run("import", "suppliers", str(path), fails=True)
    assert "line 3: email: The supplier with email 'SALES@A.example' already exists (id " in err
    assert not Supplier.objects.exists()
    out, _ = run("import", "suppliers", str(path), "--update")
    assert "1 created, 1 updated" in out
    assert list(Supplier.objects.values_list("name", "email")) == [("B", "sales@a.example")]


def test_foreign_keys_by_name_or_by_id(shop, run, tmp_path):
    flour = RawProduct.objects.get(name__startswith="Flour")
    moulins = Supplier.objects.get(name="Moulins Bio")
    quoted = flour.name.replace('"', '""')  # CSV doubles the quotes inside a quoted value
    path = write(
        tmp_path / "orders.csv",
        "raw_product,supplier_id,supplier,quantity,price,expected_delivery_date\n"
        f'"{quoted}",,moulins bio,5,4.75,2026-04-01\n'
        "\n"  # a blank line is not a row
        f"Crème fraîche,{moulins.pk},,1,2,2026-04-02\n",
    )
    before = set(RawProductOrder.objects.values_list("pk", flat=True))
    out, _ = run("import", "raw-product-orders", str(path))
    assert "2 created" in out
    new = RawProductOrder.objects.exclude(pk__in=before).order_by("pk")
    assert [(order.raw_product.name, order.supplier_id, order.status) for order in new] == [
        (flour.name, moulins.pk, "commande"),
        ("Crème fraîche", moulins.pk, "commande"),
    ]


def test_a_foreign_key_name_that_is_unknown_ambiguous_or_contradicts_the_id_is_an_error(shop, run, tmp_path):
    moulins = Supplier.objects.get(name="Moulins Bio")
    path = write(
        tmp_path / "orders.csv",
        "raw_product_id,raw_product,supplier_id,supplier,quantity,price,expected_delivery_date\n"
        ",Sugar,,Moulins Bio,1,1,2026-04-01\n"
        ",Salt,,Moulins Bio,1,1,2026-04-01\n"
        f",Crème fraîche,{moulins.pk},Sucrerie du Nord,1,1,2026-04-01\n"
        ",Crème fraîche,,,1,1,2026-04-01\n"
        ",Crème fraîche,999,,1,1,2026-04-01\n",
    )
    sugars = list(RawProduct.objects.filter(name="Sugar").values_list("pk", flat=True))
    count = RawProductOrder.objects.count()
    _, err = run("import", "raw-product-orders", str(path), fails=True)
    assert (
        f"line 2: raw_product: 2 raw products are named 'Sugar' (ids {sugars[0]}, {sugars[1]}); give raw_product_id"
        in err
    )
    assert "line 3: raw_product: No raw product is named 'Salt'" in err
    assert f"line 4: supplier: Supplier {moulins.pk} is named 'Moulins Bio', not 'Sucrerie du Nord'" in err
    assert "line 5: supplier_id: Give supplier_id or supplier (the supplier's name)" in err
    assert "line 6: supplier_id: Supplier 999 does not exist." in err
    assert RawProductOrder.objects.count() == count


def test_dry_run_reports_and_saves_nothing(run, tmp_path):
    path = write(tmp_path / "m.csv", "name,stock_quantity,unit_of_measure\nFlour,1,kg\nSalt,2,kg\n")
    out, _ = run("import", "raw-products", str(path), "--dry-run")
    assert (
        out.strip()
        == "Dry run of raw-products: 2 rows, all valid; would give 2 created, 0 updated, 0 unchanged. Nothing saved."
    )
    assert not RawProduct.objects.exists() and not StockMovement.objects.exists()
    write(path, "name,stock_quantity,unit_of_measure\nFlour,x,kg\n")
    message, err = run("import", "raw-products", str(path), "--dry-run", fails=True)
    assert "line 2: stock_quantity: A valid number is required." in err
    assert message.startswith("Dry run of raw-products: 1 of 1 row invalid")


def test_existing_records_are_refused_without_update_and_updated_with_it(run, tmp_path):
    flour = RawProduct.objects.create(name="Flour", stock_quantity=10, unit_of_measure="kg")
    salt = RawProduct.objects.create(name="Salt", stock_quantity=3, unit_of_measure="kg")
    path = write(
        tmp_path / "m.csv",
        f"id,name,stock_quantity,unit_of_measure\n{flour.pk},Flour T55,12.5,kg\n,SALT,3,kg\n,Yeast,0.5,kg\n",
    )
    _, err = run("import", "raw-products", str(path), fails=True)
    assert f"line 2: id: The raw product with id {flour.pk} already exists (id {flour.pk}); use --update" in err
    assert f"line 3: name: The raw product with name 'SALT' already exists (id {salt.pk}); use --update" in err
    assert RawProduct.objects.count() == 2

    out, _ = run("import", "raw-products", str(path), "--update")
    assert "1 created, 2 updated, 0 unchanged" in out
    flour.refresh_from_db()
    assert (flour.name, flour.stock_quantity) == ("Flour T55", Decimal("12.5"))
    assert RawProduct.objects.get(pk=salt.pk).name == "SALT"
    movements = StockMovement.objects.order_by("pk").values_list("item_name", "change", "balance_after", "reason")
    assert list(movements) == [
        ("Flour T55", Decimal("2.5"), Decimal("12.5"), "adjustment"),  # salt's stock did not change
        ("Yeast", Decimal("0.5"), Decimal("0.5"), "initial"),
    ]

    out, _ = run("import", "raw-products", str(path), "--update")
    assert "0 created, 0 updated, 3 unchanged" in out
    assert StockMovement.objects.count() == 2


def test_update_of_a_link_row_by_its_pair_and_of_a_supplier_by_email(shop, run, tmp_path):
    moulins = Supplier.objects.get(name="Moulins Bio")
    path = write(
        tmp_path / "prices.csv",
        'supplier,raw_product,unit_price,unit_of_measure\nMoulins Bio,"Flour ""T65"", organic",1.05,kg\n',
    )
    out, _ = run("import", "supplier-raw-products", str(path), "--update")
    assert "0 created, 1 updated" in out
    assert moulins.price_list.get().unit_price == Decimal("1.05")
    path = write(tmp_path / "suppliers.csv", "email,phone\nCONTACT@moulins.example,0499\n")
    out, _ = run("import", "suppliers", str(path), "--update")
    assert "1 updated" in out
    moulins.refresh_from_db()
    assert (moulins.phone, moulins.name) == ("0499", "Moulins Bio")


def test_an_ambiguous_natural_key_asks_for_the_id(shop, run, tmp_path):
    path = write(tmp_path / "m.csv", "name,stock_quantity\nSugar,1\n")
    _, err = run("import", "raw-products", str(path), "--update", fails=True)
    assert "line 2: name: 2 raw products match name 'Sugar'" in err and "give the id to say which" in err


def test_partial_imports_the_valid_rows_and_still_fails(run, tmp_path):
    path = write(tmp_path / "m.csv", "name,stock_quantity,unit_of_measure\nFlour,1,kg\nSugar,-1,kg\nSalt,2,kg\n")
    message, err = run("import", "raw-products", str(path), "--partial", fails=True)
    assert "line 3:" in err
    assert message == (
        "Imported into raw-products the valid rows (2 created, 0 updated, 0 unchanged); 1 of 3 rows invalid, skipped."
    )
    assert sorted(RawProduct.objects.values_list("name", flat=True)) == ["Flour", "Salt"]


def test_unknown_and_missing_columns_refuse_the_whole_file(run, tmp_path):
    path = write(tmp_path / "m.csv", "name,stock_quantiy,unit_of_measure\nFlour,1,kg\n")
    message, _ = run("import", "raw-products", str(path), fails=True)
    assert "Unknown column for raw-products: stock_quantiy" in message
    write(path, "name,unit_of_measure\nFlour,kg\n")
    message, _ = run("import", "raw-products", str(path), fails=True)
    assert "Missing column for raw-products: stock_quantity (needed to create records)" in message
    write(path, "raw_product,quantity,price,expected_delivery_date\nFlour,1,1,2026-01-01\n")
    message, _ = run("import", "raw-product-orders", str(path), fails=True)
    assert "Missing column for raw-product-orders: supplier_id or supplier" in message
    assert not RawProduct.objects.exists()


def test_spreadsheet_habits_are_understood(run, tmp_path):
    """A French spreadsheet's CSV: a byte-order mark, semicolons, capitalised headers with spaces."""
    path = tmp_path / "m.csv"
    path.write_bytes("\ufeffName;Stock quantity;Unit of measure\nFarine;12.5;kg\n".encode())
    out, _ = run("import", "raw-products", str(path))
    assert "1 created" in out
    assert RawProduct.objects.get().name == "Farine"


def test_json_errors_name_the_line_of_the_record(run, tmp_path):
    path = write(
        tmp_path / "m.json",
        '[\n  {"name": "Flour", "stock_quantity": 1, "unit_of_measure": "kg"},\n'
        '  {"name": "Sugar", "stock_quantity": -1, "unit_of_measure": "kg"},\n  "oops"\n]\n',
    )
    _, err = run("import", "raw-products", str(path), fails=True)
    assert "line 3: stock_quantity:" in err and "line 4: expected an object, not str" in err
    write(path, '[\n  {"name": "Flour",\n   "stock_quantity": 1,,}\n]')
    message, _ = run("import", "raw-products", str(path), fails=True)
    assert "Line 3: invalid JSON" in message


def test_a_json_export_piped_back_into_import_gives_the_same_rows(shop, run, monkeypatch):
    """`export ... --format json | import ... -`: standard input through a pipe cannot seek, and JSON is read
    twice (its columns, then its rows), so the command copies it aside instead of holding it in memory."""
    out, _ = run("export", "raw-products", "--format", "json")
    exported = json.loads(out)
    wipe()

    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(Pipe(out.encode())))
    reported, _ = run("import", "raw-products", "-", "--format", "json")
    assert f"{len(exported)} created" in reported
    out_again, _ = run("export", "raw-products", "--format", "json")
    assert json.loads(out_again) == exported


def test_malformed_json_far_into_a_file_names_its_line_and_imports_nothing(run, tmp_path):
    """The file is read a chunk at a time; a syntax error thousands of records in is still found before any
    row is written, and named by its line."""
    records = [f'  {{"name": "Material {n}", "stock_quantity": 1, "unit_of_measure": "kg"}}' for n in range(5000)]
    records[4000] = '  {"name": "Material 4000", "stock_quantity": 1 "unit_of_measure": "kg"}'  # no comma
    path = write(tmp_path / "m.json", "[\n" + ",\n".join(records) + "\n]\n")
    assert path.stat().st_size > 5 * 64 * 1024  # several of the reader's chunks
    message, _ = run("import", "raw-products", str(path), fails=True)
    assert message.endswith("Line 4002: invalid JSON (Expecting ',' delimiter)")
    assert not RawProduct.objects.exists()
    write(path, "[\n" + ",\n".join(records[:4000]) + ",\n")  # cut short
    message, _ = run("import", "raw-products", str(path), fails=True)
    assert "Line 4002: invalid JSON (Expecting value)" in message
    assert not RawProduct.objects.exists()


def test_json_records_cut_between_chunks_keep_their_values_and_lines(monkeypatch):
    """Whatever a chunk boundary cuts (a number, a string, an escape, a character of several bytes), each
    record reads as json.loads reads it, on its own line."""
    monkeypatch.setattr(formats, "JSON_CHUNK", 3)
    records = [
        {"name": "Crème brûlée", "stock_quantity": 12345.678, "note": 'tab\there, "quoted", ]},'},
        {"name": "Café", "stock_quantity": -1e3, "tags": [1, {"x": None}], "ok": True},
    ]
    text = "[\n" + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]"
    table = formats.read(text.encode(), "json")
    assert table.columns == ["name", "stock_quantity", "note", "tags", "ok"]
    assert [(row.line, row.values) for row in table.rows] == list(
        zip([2, 3], json.loads(text, parse_float=Decimal), strict=True)
    )


def test_xlsx_cells_keep_their_types(shop, run, tmp_path):
    """Numbers, date cells and a date-time typed without a zone (read in TIME_ZONE) are all accepted."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["raw_product", "supplier", "quantity", "price", "expected_delivery_date", "ordered_at"])
    sheet.append(
        ["Crème fraîche", "Moulins Bio", 2.5, 3, datetime.datetime(2026, 5, 1), datetime.datetime(2026, 4, 1, 9)]
    )
    path = tmp_path / "orders.xlsx"
    workbook.save(path)
    run("import", "raw-product-orders", str(path))
    order = RawProductOrder.objects.latest("pk")
    assert (order.quantity, order.price, order.expected_delivery_date) == (Decimal("2.5"), 3, datetime.date(2026, 5, 1))
    assert order.ordered_at == datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC)


def test_catalogue_products_create_missing_categories_through_the_ledger(run, tmp_path):
    Category.objects.create(name="Phones")
    path = write(
        tmp_path / "products.csv",
        "name,category,quantity,description\niPhone 12,phones,10,Refurbished\nUSB cable,Cables,0,\n",
    )
    out, _ = run("import", "products", str(path))
    assert "Category 'Cables' created" in out and "2 created" in out
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Cables", "Phones"]
    phone = Product.objects.get(name="iPhone 12")
    assert phone.category.name == "Phones" and phone.quantity == 10
    assert list(StockMovement.objects.values_list("item_id", "change", "reason")) == [(phone.pk, 10, "initial")]

    write(path, f"id,quantity\n{phone.pk},7\n")
    run("import", "products", str(path), "--update")
    assert StockMovement.objects.latest("pk").change == -3 and Product.objects.get(pk=phone.pk).quantity == 7


def test_a_bad_product_row_creates_no_category(run, tmp_path):
    path = write(tmp_path / "p.csv", "name,category,quantity\nCable,Cables,-1\nCase,A/B,1\nPen,,1\n")
    _, err = run("import", "products", str(path), fails=True)
    assert "line 2: quantity:" in err
    assert "line 3: category: A category name cannot contain '/'" in err
    assert "line 4: category: This field is required." in err
    assert not Category.objects.exists() and not Product.objects.exists()


def test_new_records_get_fresh_ids_after_an_import_with_ids(run, tmp_path, api):
    path = write(tmp_path / "m.csv", "id,name,stock_quantity,unit_of_measure\n50,Flour,1,kg\n40,Salt,1,kg\n")
    run("import", "raw-products", str(path))
    response = api.post("/api/v1/raw-products", {"name": "Yeast", "stock_quantity": 1, "unit_of_measure": "kg"})
    assert response.status_code == 201
    assert response.json()["data"]["id"] > 50


def test_export_to_standard_output_and_refusals(shop, run):
    out, err = run("export", "clients")
    lines = out.splitlines()
    header = "id,name,phone,email,website,contact_person,client_type,address,city,region,min_remaining_shelf_life_days"
    assert lines[0] == header
    assert len(lines) == 3 and "Exported 2 clients." in err
    message, _ = run("export", "clients", "--format", "xlsx", fails=True)
    assert "give a file with --output" in message
    out, _ = run("export", "recipe-items", "--format", "json")
    assert json.loads(out)[0]["finished_product"] == "Tarte au sucre"


def test_reading_standard_input_needs_a_format(run, monkeypatch):
    message, _ = run("import", "raw-products", "-", fails=True)
    assert "give its --format" in message
    stdin = io.TextIOWrapper(io.BytesIO(b"name,stock_quantity,unit_of_measure\nFlour,1,kg\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    run("import", "raw-products", "-", "--format", "csv")
    assert RawProduct.objects.get().name == "Flour"


def test_an_unknown_resource_is_refused_by_the_command_line(run):
    with pytest.raises(Exception) as caught:
        call_command("export", "widgets")
    assert "invalid choice: 'widgets'" in str(caught.value)


def test_long_runs_show_a_progress_bar_over_every_row(run, tmp_path, monkeypatch):
    seen = []

    def progress(rows, total, description):
        seen.append((total, description))
        yield from rows

    monkeypatch.setattr("stocky.exchange.engine.terminal_progress", progress)
    path = write(tmp_path / "m.csv", "name,stock_quantity,unit_of_measure\nFlour,1,kg\nSalt,1,kg\nYeast,1,kg\n")
    run("import", "raw-products", str(path), "--dry-run")
    run("export", "raw-products")
    assert seen == [(3, "Importing raw-products"), (0, "Exporting raw-products")]


def test_an_order_received_by_an_import_file_makes_its_lot_as_the_api_does(api, run, tmp_path):
    """SPEC D: a receipt makes a lot whichever door it comes through (here `import --update` and the API)."""
    milk = RawProduct.objects.create(name="Milk", stock_quantity=0, unit_of_measure="l")
    by_api, by_file = (RawProductOrderFactory(raw_product=milk, quantity=12) for _ in range(2))

    assert api.patch(f"/api/v1/raw-product-orders/{by_api.pk}/status", {"status": "recu"}).status_code == 200
    path = write(tmp_path / "orders.csv", f"id,status\n{by_file.pk},recu\n")
    out, _ = run("import", "raw-product-orders", str(path), "--update")
    assert "0 created, 1 updated" in out

    def lot_of(order):
        order.refresh_from_db()
        lot = order.lot
        ledger = StockMovement.objects.filter(reason="receipt", source_id=order.pk).values_list("lot_id", "change")
        assert list(ledger) == [(lot.pk, 12)]  # the receipt's ledger entry names the lot
        return lot, (order.status, lot.quantity, lot.initial_quantity, lot.supplier_id, lot.source_id, lot.source_type)

    api_lot, api_shape = lot_of(by_api)
    file_lot, file_shape = lot_of(by_file)
    assert api_shape == ("recu", 12, 12, by_api.supplier_id, by_api.pk, Lot.Source.RAW_PRODUCT_ORDER)
    assert file_shape == ("recu", 12, 12, by_file.supplier_id, by_file.pk, Lot.Source.RAW_PRODUCT_ORDER)
    assert file_lot.code == f"{api_lot.code}-2"  # the same generated code (PO-<date>), made unique
    assert RawProduct.objects.get(pk=milk.pk).stock_quantity == 24
