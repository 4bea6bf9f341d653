"""The catalogue and the stock ledger in the Django admin: the same services and rules as the API."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.models import Role
from inventory.models import Category, Product, StockMovement
from inventory.tests.factories import image_bytes, make_category, make_product

pytestmark = pytest.mark.django_db


def test_product_list_shows_thumbnails_and_filters_by_category_and_search(admin_client_for, api):
    make_category("Phones")
    laptops = make_category("Laptops")
    encoded = base64.b64encode(image_bytes("PNG")).decode()
    api.post("/api/v1/products", {"name": "iPhone 12", "category": "Phones", "image": encoded})
    make_product("ThinkPad", laptops)
    client = admin_client_for(Role.MANAGER)
    page = client.get("/admin/inventory/product/").content.decode()
    image_name = Product.objects.get(name="iPhone 12").image.name
    assert f'<img src="/media/{image_name}"' in page and "ThinkPad" in page
    page = client.get(f"/admin/inventory/product/?category__id__exact={laptops.pk}").content.decode()
    assert "ThinkPad" in page and "iPhone 12" not in page
    page = client.get("/admin/inventory/product/?q=iphone").content.decode()
    assert "iPhone 12" in page and "ThinkPad" not in page


def test_adding_a_product_in_the_admin_normalises_the_image_and_records_initial_stock(admin_client_for, media_root):
    phones = make_category("Phones")
    client = admin_client_for(Role.ADMIN)
    response = client.post(
        "/admin/inventory/product/add/",
        {
            "name": "iPhone 12",
            "category": phones.pk,
            "description": "",
            "quantity": "5",
            "upload": SimpleUploadedFile("x.jpg", image_bytes("JPEG", size=(2048, 1024)), "image/jpeg"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get()
    assert product.quantity == 5 and product.image.name.endswith(".jpg")
    assert Image.open(media_root / product.image.name).size == (1024, 512)
    entry = StockMovement.objects.get()
    assert (entry.change, entry.reason, entry.user) == (5, "initial", client.user)


def test_changing_quantity_and_image_in_the_admin_goes_through_the_ledger(
    admin_client_for, stored_files, django_capture_on_commit_callbacks
):
    phones = make_category("Phones")
    client = admin_client_for(Role.MANAGER)
    client.post(
        "/admin/inventory/product/add/",
        {
            "name": "A",
            "category": phones.pk,
            "quantity": "5",
            "upload": SimpleUploadedFile("a.png", image_bytes("PNG")),
        },
    )
    product = Product.objects.get()
    old_name = product.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/inventory/product/{product.pk}/change/",
            {
                "name": "A",
                "category": phones.pk,
                "quantity": "2",
                "upload": SimpleUploadedFile("b.png", image_bytes("PNG")),
            },
        )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.quantity == 2 and product.image.name != old_name
    assert stored_files() == [product.image.name]
    entry = StockMovement.objects.latest("id")
    assert (entry.change, entry.balance_after, entry.reason, entry.note) == (
        -3,
        2,
        "adjustment",
        "Changed in the admin",
    )


def test_a_file_that_is_not_an_image_is_a_form_error_in_the_admin(admin_client_for, stored_files):
    phones = make_category("Phones")
    response = admin_client_for(Role.MANAGER).post(
        "/admin/inventory/product/add/",
        {"name": "A", "category": phones.pk, "quantity": "0", "upload": SimpleUploadedFile("a.png", b"plain text")},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["upload"] == ["The file is not a PNG, JPEG, WebP or GIF image"]
    assert not Product.objects.exists() and stored_files() == []


def test_category_names_are_unique_in_any_case_in_the_admin(admin_client_for):
    make_category("Phones")
    client = admin_client_for(Role.MANAGER)
    response = client.post("/admin/inventory/category/add/", {"name": "PHONES"})
    assert response.status_code == 200 and "already exists" in str(response.context["adminform"].form.errors)
    assert client.post("/admin/inventory/category/add/", {"name": "Laptops"}).status_code == 302
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Laptops", "Phones"]


def test_deleting_a_category_in_the_admin_takes_its_products(admin_client_for):
    phones = make_category("Phones")
    make_product("iPhone", phones)
    response = admin_client_for(Role.MANAGER).post(f"/admin/inventory/category/{phones.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.exists() and not Product.objects.exists()


def test_the_ledger_is_read_only_and_filterable(admin_client_for, api):
    make_category("Phones")
    product_id = api.post("/api/v1/products", {"name": "iPhone", "category": "Phones", "quantity": 3}).json()["id"]
    api.patch(f"/api/v1/products/quantity/{product_id}", {"delta": -1, "reason": "broken"})
    entry = StockMovement.objects.latest("id")
    client = admin_client_for(Role.ADMIN)
    page = client.get("/admin/inventory/stockmovement/?item_type__exact=product&reason__exact=adjustment")
    assert page.status_code == 200
    assert "broken" in page.content.decode() and page.context["cl"].result_count == 1
    assert client.get("/admin/inventory/stockmovement/?reason__exact=initial").context["cl"].result_count == 1
    assert client.get("/admin/inventory/stockmovement/add/").status_code == 403
    assert client.get(f"/admin/inventory/stockmovement/{entry.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/inventory/stockmovement/{entry.pk}/change/", {"change": "100"})
    assert response.status_code == 403
    assert client.post(f"/admin/inventory/stockmovement/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.change == -1 and StockMovement.objects.count() == 2


@pytest.mark.parametrize("role", [Role.USER, Role.READONLY])
def test_users_below_manager_cannot_enter_the_admin(admin_client_for, role):
    response = admin_client_for(role).get("/admin/inventory/product/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_manager_deletes_products_in_the_admin(admin_client_for):
    product = make_product()
    client = admin_client_for(Role.MANAGER)
    response = client.post(f"/admin/inventory/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Product.objects.exists()


def test_product_changelist_queries_do_not_grow_with_rows(admin_client_for):
    client = admin_client_for(Role.MANAGER)
    make_product("P0", make_category("C0"))
    with CaptureQueriesContext(connection) as one:
        assert client.get("/admin/inventory/product/").status_code == 200
    for i in range(1, 50):
        make_product(f"P{i}", make_category(f"C{i}"))
    with CaptureQueriesContext(connection) as fifty:
        assert "P49" in client.get("/admin/inventory/product/").content.decode()
    assert len(fifty) == len(one)
