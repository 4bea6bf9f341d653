"""Imports and exports in the admin: the same mechanism as the commands, behind the admin's permissions."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.models import Role
from inventory.admin import RawProductAdmin
from inventory.models import RawProduct, StockMovement, Supplier
from orders.models import FinishedProductOrder
from stocky.exchange.models import ImportJob
from stocky.exchange.resources import REGISTRY

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    name: f"/admin/{resource.model._meta.app_label}/{resource.model._meta.model_name}/"
    for name, resource in REGISTRY.items()
}


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"))


@pytest.fixture
def post_import(django_capture_on_commit_callbacks):
    """POST an import as `client`, running the background task when the request commits (as the immediate
    backend does); returns the response and, after a redirect to the job's page, that page."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        if response.status_code != 302:
            return response, None
        page = client.get(response["Location"])
        assert page.status_code == 200
        return response, page.content.decode()

    return post


@pytest.mark.parametrize("resource", list(REGISTRY))
def test_every_registered_changelist_offers_import_and_export(resource, admin_client_for, shop):
    client = admin_client_for(Role.MANAGER)
    base = CHANGELISTS[resource]
    page = client.get(base).content.decode()
    assert f'href="{base}import/"' in page and f'href="{base}export/"' in page
    assert client.get(f"{base}import/").status_code == 200
    response = client.get(f"{base}export/?format=json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="{resource}-')
    assert len(json.loads(response.content)) == REGISTRY[resource].model.objects.count()


def test_export_formats_and_the_format_page(admin_client, shop):
    base = CHANGELISTS["suppliers"]
    assert admin_client.get(f"{base}export/").status_code == 200  # the page to choose a format
    assert admin_client.get(f"{base}export/?format=pdf").status_code == 400
    rows = list(csv.DictReader(io.StringIO(admin_client.get(f"{base}export/?format=csv").content.decode())))
    assert [row["email"] for row in rows] == list(Supplier.objects.order_by("pk").values_list("email", flat=True))
    response = admin_client.get(f"{base}export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == REGISTRY["suppliers"].columns
    assert sheet.max_row == 1 + Supplier.objects.count()


def test_a_manager_imports_a_file_and_the_ledger_names_them(admin_client_for, post_import):
    client = admin_client_for(Role.MANAGER)
    response, page = post_import(
        client,
        "/admin/inventory/rawproduct/import/",
        {"file": upload("materials.csv", "name,stock_quantity,unit_of_measure\nFlour,12.5,kg\nSalt,0,kg\n")},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/admin/inventory/rawproduct/import/{job.pk}/"
    assert (job.status, job.rows_done, job.rows_total, job.user) == ("done", 2, 2, client.user)
    assert not job.file, "the stored upload is deleted once imported"
    assert sorted(RawProduct.objects.values_list("name", flat=True)) == ["Flour", "Salt"]
    movement = StockMovement.objects.get()
    assert (movement.item_name, movement.change, movement.reason, movement.user) == (
        "Flour",
        Decimal("12.5"),
        "initial",
        client.user,
    )
    assert movement.note == "Imported in the admin from materials.csv"
    assert "Done: 2 of 2 rows" in page
    assert "Imported 2 rows into raw-products: 2 created, 0 updated, 0 unchanged." in page


def test_a_bad_row_imports_nothing_and_the_page_names_its_line(admin_client, post_import):
    _, page = post_import(
        admin_client,
        "/admin/inventory/rawproduct/import/",
        {"file": upload("m.csv", "name,stock_quantity,unit_of_measure\nFlour,1,kg\nSugar,-1,kg\n")},
    )
    assert "Nothing imported into raw-products: 1 of 2 rows invalid." in page
    assert "<td>3</td><td>stock_quantity: Ensure this value is greater than or equal to 0.</td>" in page
    assert not RawProduct.objects.exists()


def test_an_unreadable_file_is_a_form_error_or_a_failed_import(admin_client, post_import):
    response = admin_client.post("/admin/inventory/rawproduct/import/", {"file": upload("m.txt", "name\nFlour\n")})
    assert response.status_code == 400
    assert "Cannot tell the format of" in response.content.decode()
    assert not ImportJob.objects.exists()
    # The file is only read by the task: what it finds wrong with the whole file is on the job's page.
    _, page = post_import(
        admin_client, "/admin/inventory/rawproduct/import/", {"file": upload("m.csv", "nom,quantité\nFlour,1\n")}
    )
    assert "Nothing imported from m.csv: Unknown columns for raw-products: nom, quantité" in page
    assert ImportJob.objects.get().status == "failed" and not RawProduct.objects.exists()


def test_dry_run_and_update_in_the_admin(admin_client, post_import):
    flour = RawProduct.objects.create(name="Flour", stock_quantity=1, unit_of_measure="kg")
    file_text = "name,stock_quantity,unit_of_measure\nFlour,4,kg\n"
    url = "/admin/inventory/rawproduct/import/"
    _, page = post_import(admin_client, url, {"file": upload("m.csv", file_text)})
    assert "tick &quot;Update existing records&quot; to update it" in page

    _, page = post_import(admin_client, url, {"file": upload("m.csv", file_text), "update": "on", "dry_run": "on"})
    assert "would give 0 created, 1 updated, 0 unchanged. Nothing saved." in page
    flour.refresh_from_db()
    assert flour.stock_quantity == 1 and not StockMovement.objects.exists()

    _, page = post_import(admin_client, url, {"file": upload("m.csv", file_text), "update": "on"})
    assert "Imported 1 row into raw-products" in page
    flour.refresh_from_db()
    assert flour.stock_quantity == 4
    assert StockMovement.objects.get().reason == "adjustment"


def test_an_order_file_with_names_in_the_admin(admin_client, shop, post_import):
    count = FinishedProductOrder.objects.count()
    response, _ = post_import(
        admin_client,
        "/admin/orders/finishedproductorder/import/",
        {
            "file": upload(
                "o.csv",
                "finished_product,client,quantity,sale_price,expected_delivery_date\n"
                "Brioche,Le Bistrot,3,20.70,2026-06-01T08:00:00+02:00\n",
            )
        },
    )
    assert response.status_code == 302
    order = FinishedProductOrder.objects.latest("pk")
    assert FinishedProductOrder.objects.count() == count + 1
    assert (order.finished_product.name, order.client.name, order.status) == ("Brioche", "Le Bistrot", "commande")


def test_the_pages_follow_the_admin_permissions(admin_client_for, make_user, client, monkeypatch):
    # Outside the admin's roles: sent to log in, nothing read or written.
    client.force_login(make_user(Role.USER))
    for url in ("/admin/inventory/rawproduct/import/", "/admin/inventory/rawproduct/export/?format=csv"):
        assert client.get(url).status_code == 302
    # A ModelAdmin that refuses adding refuses importing, and hides the link.
    monkeypatch.setattr(RawProductAdmin, "has_add_permission", lambda self, request: False)
    manager = admin_client_for(Role.MANAGER)
    assert manager.get("/admin/inventory/rawproduct/import/").status_code == 403
    response = manager.post(
        "/admin/inventory/rawproduct/import/",
        {"file": upload("m.csv", "name,stock_quantity,unit_of_measure\nA,1,kg\n")},
    )
    assert response.status_code == 403 and not RawProduct.objects.exists()
    assert (
        'href="/admin/inventory/rawproduct/import/"' not in manager.get("/admin/inventory/rawproduct/").content.decode()
    )
    # Updating needs the change permission too.
    monkeypatch.setattr(RawProductAdmin, "has_add_permission", lambda self, request: True)
    monkeypatch.setattr(RawProductAdmin, "has_change_permission", lambda self, request, obj=None: False)
    response = manager.post(
        "/admin/inventory/rawproduct/import/",
        {"file": upload("m.csv", "name,stock_quantity,unit_of_measure\nA,1,kg\n"), "update": "on"},
    )
    assert "Your role does not allow changing existing records" in response.content.decode()
    assert not RawProduct.objects.exists()
