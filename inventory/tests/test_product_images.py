"""Catalogue images: only real PNG, JPEG, WebP and GIF images reach storage, re-encoded and bounded."""

import base64
import io
import re
import struct
import subprocess
import sys
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from inventory.images import IMAGE_MAX_BYTES
from inventory.models import Product
from inventory.tests.factories import image_bytes, make_category, make_product

pytestmark = pytest.mark.django_db

STORED_NAME = re.compile(r"^products/[0-9a-f]{32}\.(png|jpg|webp)$")


@pytest.fixture(autouse=True)
def phones(db):
    return make_category("Phones")


def upload(api, content, name="photo.png", content_type="image/png", path="/api/v1/products", method="post", **fields):
    data = {
        "name": "iPhone 12",
        "category": "Phones",
        **fields,
        "image": SimpleUploadedFile(name, content, content_type),
    }
    return getattr(api, method)(path, data, format="multipart")


def stored_image(product_id):
    product = Product.objects.get(pk=product_id)
    with product.image.open("rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return product, image


def png_with_header(width, height):
    """A tiny PNG file whose header claims width × height pixels: a decompression bomb."""

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


# --- Accepted ---------------------------------------------------------------------------------------


def test_a_png_upload_is_stored_under_a_server_chosen_name_with_an_absolute_url(api, stored_files):
    response = upload(api, image_bytes("PNG"), name="../../etc/evil name.png")
    assert response.status_code == 201, response.json()
    product = Product.objects.get(pk=response.json()["id"])
    assert STORED_NAME.match(product.image.name) and product.image.name.endswith(".png")
    assert response.json()["imageUrl"] == f"http://testserver/media/{product.image.name}"
    assert stored_files() == [product.image.name]
    assert api.get(f"/api/v1/products/{product.pk}").json()["imageUrl"] == response.json()["imageUrl"]


@pytest.mark.parametrize("fmt, extension", [("JPEG", "jpg"), ("WEBP", "webp"), ("PNG", "png"), ("GIF", "png")])
def test_jpeg_webp_png_and_gif_are_accepted_as_base64_json(api, fmt, extension):
    encoded = base64.b64encode(image_bytes(fmt, size=(40, 30))).decode()
    response = api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": encoded})
    assert response.status_code == 201, response.json()
    product, image = stored_image(response.json()["id"])
    assert product.image.name.endswith(f".{extension}")
    assert image.format == {"jpg": "JPEG", "webp": "WEBP", "png": "PNG"}[extension]
    assert image.size == (40, 30)


def test_a_data_url_is_accepted(api):
    encoded = "data:image/jpeg;base64," + base64.b64encode(image_bytes("JPEG")).decode()
    response = api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": encoded})
    assert response.status_code == 201 and response.json()["imageUrl"].endswith(".jpg")


def test_a_large_image_is_bounded_to_1024_px_a_side_keeping_its_shape(api):
    response = upload(api, image_bytes("JPEG", size=(3000, 1500)), name="big.jpg", content_type="image/jpeg")
    assert response.status_code == 201
    assert stored_image(response.json()["id"])[1].size == (1024, 512)


def test_a_small_image_is_not_enlarged(api):
    response = upload(api, image_bytes("PNG", size=(20, 900)))
    assert stored_image(response.json()["id"])[1].size == (20, 900)


def test_jpeg_metadata_is_stripped_after_turning_the_photo_upright(api):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    content = image_bytes("JPEG", size=(200, 100), exif=exif.tobytes(), comment=b"secret comment")
    assert Image.open(io.BytesIO(content)).getexif()[0x010F] == "SpyCam"
    response = upload(api, content, name="photo.jpg", content_type="image/jpeg")
    assert response.status_code == 201
    _, image = stored_image(response.json()["id"])
    assert image.size == (100, 200), "turned upright before the orientation tag was dropped"
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info


def test_png_text_chunks_are_stripped(api):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe, 12 Secret Street")
    response = upload(api, image_bytes("PNG", pnginfo=info))
    assert response.status_code == 201
    _, image = stored_image(response.json()["id"])
    assert "Author" not in image.info and not getattr(image, "text", {})


def test_transparency_survives(api):
    response = upload(api, image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)))
    _, image = stored_image(response.json()["id"])
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


# --- Refused: nothing reaches storage ----------------------------------------------------------------


def test_a_text_file_named_png_is_400_and_never_stored(api, stored_files):
    response = upload(api, b"I am not an image, whatever my name says.\n" * 10, name="photo.png")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["errors"]["image"] == ["The file is not a PNG, JPEG, WebP or GIF image"]
    assert not Product.objects.exists() and stored_files() == []


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused(api, stored_files, fmt):
    response = upload(api, image_bytes(fmt, size=(16, 16)), name="photo.png")
    assert response.status_code == 400 and "image" in response.json()["errors"]
    assert stored_files() == []


def test_a_file_over_5_mb_is_413_and_never_stored(api, stored_files):
    content = image_bytes("PNG") + b"\0" * IMAGE_MAX_BYTES
    response = upload(api, content)
    assert response.status_code == 413
    body = response.json()
    assert body["statusCode"] == 413 and body["errors"] == {"image": ["The image must be at most 5 MB"]}
    assert not Product.objects.exists() and stored_files() == []


def test_base64_over_5_mb_is_413(api, stored_files):
    encoded = base64.b64encode(b"\0" * (IMAGE_MAX_BYTES + 10)).decode()
    response = api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": encoded})
    assert response.status_code == 413 and stored_files() == []


@pytest.mark.parametrize("size", [(30_000, 30_000), (8_000, 7_000)])
def test_a_decompression_bomb_is_400_and_never_stored(api, stored_files, size):
    content = png_with_header(*size)
    assert len(content) < 200
    response = upload(api, content)
    assert response.status_code == 400
    assert response.json()["errors"]["image"][0].startswith("The image has too many pixels")
    assert stored_files() == []


def test_a_truncated_image_is_400(api, stored_files):
    content = image_bytes("PNG", size=(300, 300), color=None)
    response = upload(api, content[: len(content) // 2])
    assert response.status_code == 400 and stored_files() == []


@pytest.mark.parametrize("value", ["not base64!", "aGVsbG8=", ""])
def test_bad_base64_is_400(api, stored_files, value):
    response = api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": value or "===="})
    assert response.status_code == 400 and "image" in response.json()["errors"]
    assert stored_files() == [] and not Product.objects.exists()


def test_a_valid_image_with_another_bad_field_stores_nothing(api, stored_files):
    response = upload(api, image_bytes("PNG"), category="Nope")
    assert response.status_code == 400 and stored_files() == []


# --- Replacing and deleting --------------------------------------------------------------------------


def test_replacing_an_image_deletes_the_old_file_after_commit(api, stored_files, django_capture_on_commit_callbacks):
    first = upload(api, image_bytes("PNG")).json()
    old_name = Product.objects.get(pk=first["id"]).image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, image_bytes("JPEG"), name="b.jpg", path=f"/api/v1/products/{first['id']}", method="put")
    assert response.status_code == 200
    new_name = Product.objects.get(pk=first["id"]).image.name
    assert new_name != old_name and stored_files() == [new_name]


def test_put_without_image_keeps_it_and_empty_image_removes_it(api, stored_files, django_capture_on_commit_callbacks):
    product_id = upload(api, image_bytes("PNG")).json()["id"]
    name = Product.objects.get(pk=product_id).image.name
    with django_capture_on_commit_callbacks(execute=True):
        body = api.put(f"/api/v1/products/{product_id}", {"name": "Y", "category": "Phones"}).json()
    assert body["imageUrl"].endswith(name) and stored_files() == [name]
    with django_capture_on_commit_callbacks(execute=True):
        body = api.put(f"/api/v1/products/{product_id}", {"name": "Y", "category": "Phones", "image": None}).json()
    assert body["imageUrl"] is None and stored_files() == []


def test_deleting_a_product_or_its_category_deletes_the_files(api, stored_files, django_capture_on_commit_callbacks):
    first = upload(api, image_bytes("PNG")).json()["id"]
    upload(api, image_bytes("PNG"))
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/products/{first}").status_code == 204
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/products/categories/Phones").status_code == 204
    assert stored_files() == []


def test_a_refused_delete_keeps_the_file(api, stored_files, django_capture_on_commit_callbacks, make_user):
    from orders.models import CatalogueOrder

    product_id = upload(api, image_bytes("PNG")).json()["id"]
    CatalogueOrder.objects.create(item_id=product_id, client="A", quantity=1, created_by=make_user())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert api.delete(f"/api/v1/products/{product_id}").status_code == 409
    assert callbacks == [] and len(stored_files()) == 1


def test_a_product_without_image_reads_null(api):
    product = make_product()
    assert api.get(f"/api/v1/products/{product.pk}").json()["imageUrl"] is None


# --- Storage configuration ----------------------------------------------------------------------------


def _settings_in_subprocess(env, code):
    """Import the settings afresh with `env` (settings are read once, at import)."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'stocky.settings'); django.setup()\n" + code
    )
    base = {"PATH": "/usr/bin:/bin", "DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "-c", script], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_s3_storage_is_configured_from_the_environment():
    env = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET_NAME": "stocky-media",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "S3_REGION_NAME": "eu-west-3",
        "S3_ACCESS_KEY_ID": "key-id",
        "S3_SECRET_ACCESS_KEY": "secret",
    }
    code = (
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(type(s).__module__, s.bucket_name, s.file_overwrite)\n"
        "print(s.url('products/a.png'))\n"
    )
    result = _settings_in_subprocess(env, code)
    assert result.returncode == 0, result.stderr
    first, url = result.stdout.splitlines()
    assert first == "storages.backends.s3 stocky-media False"
    # A signed URL on the configured endpoint (signing is local: no request is sent).
    assert url.startswith("http://127.0.0.1:9000/stocky-media/products/a.png?") and "Signature" in url


def test_local_storage_is_the_default_and_an_unknown_backend_is_refused():
    result = _settings_in_subprocess(
        {}, "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    )
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"
    result = _settings_in_subprocess({"MEDIA_STORAGE": "ftp"}, "")
    assert result.returncode != 0 and "MEDIA_STORAGE must be 'local' or 's3'" in result.stderr
