"""Hostile catalogue uploads: image bombs and polyglots, scripts dressed as images, damaged files, base64
that is not base64 and `data:` URLs. A refusal is a 400 (413 for size) in the envelope that stores no file
and no product; an accepted image is stored re-encoded, without whatever rode along."""

import base64
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inventory.models import Category, Product
from stocky.tests.hostile import assert_refused, unchanged_database

pytestmark = pytest.mark.django_db

PAYLOAD = b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Uploads go to a fresh directory per test, never into the worktree's media/.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def phones(db):
    return Category.objects.create(name="Phones")


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []


def image(fmt="PNG", size=(32, 24), **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt, **options)
    return buffer.getvalue()


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height):
    """A PNG of a few bytes whose header claims width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def gif_claiming(width, height):
    gif = bytearray(image("GIF"))
    gif[6:10] = struct.pack("<HH", width, height)  # the logical screen
    return bytes(gif)


def jpeg_claiming(width, height):
    jpeg = bytearray(image("JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(jpeg)


def zip_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("shell.php", PAYLOAD)
    return buffer.getvalue()


def send(api, content, name="photo.png", content_type="image/png", how="multipart"):
    if how == "multipart":
        data = {"name": "iPhone 12", "category": "Phones", "image": SimpleUploadedFile(name, content, content_type)}
        return api.post("/api/v1/products", data, format="multipart")
    encoded = base64.b64encode(content).decode()
    if how == "data-url":
        encoded = f"data:{content_type};base64,{encoded}"
    return api.post("/api/v1/products", {"name": "iPhone 12", "category": "Phones", "image": encoded})


def refused(api, media_root, content, how, **kwargs):
    with unchanged_database():
        body = assert_refused(send(api, content, how=how, **kwargs), 400)
    assert set(body["errors"]) == {"image"}
    assert stored_files(media_root) == []
    return body["errors"]["image"][0]


def stored_bytes(response):
    assert response.status_code == 201, response.content
    product = Product.objects.get(pk=response.json()["id"])
    with product.image.open("rb") as file:
        return product.image.name, file.read()


HOW = ["multipart", "base64", "data-url"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "content",
    [
        png_claiming(100_000, 100_000),
        png_claiming(2**31 - 1, 1),
        gif_claiming(65_535, 65_535),
        jpeg_claiming(65_000, 65_000),
    ],
    ids=["png-100000x100000", "png-2^31x1", "gif-65535x65535", "jpeg-65000x65000"],
)
def test_an_image_bomb_is_refused_from_its_header_without_decoding_it(api, media_root, how, content):
    assert len(content) < 2_000
    assert refused(api, media_root, content, how).startswith("The image has too many pixels")


@pytest.mark.parametrize("how", HOW)
def test_a_gif_zip_polyglot_is_stored_as_an_image_without_the_archive(api, media_root, how):
    polyglot = image("GIF") + zip_archive()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    name, content = stored_bytes(send(api, polyglot, name="cat.gif", content_type="image/gif", how=how))
    assert name.endswith(".png") and content.startswith(b"\x89PNG")
    assert not zipfile.is_zipfile(io.BytesIO(content))
    assert b"PK\x03\x04" not in content and b"shell.php" not in content and b"<?php" not in content


@pytest.mark.parametrize("how", HOW)
def test_a_jpeg_with_a_script_in_its_comment_is_stored_without_it(api, media_root, how):
    jpeg = image("JPEG", comment=PAYLOAD)
    assert PAYLOAD in jpeg and Image.open(io.BytesIO(jpeg)).info["comment"] == PAYLOAD
    name, content = stored_bytes(send(api, jpeg, name="shell.php.jpg", content_type="application/x-php", how=how))
    assert name.endswith(".jpg") and "php" not in name  # the server picks the name
    assert b"<?php" not in content and b"<script" not in content
    assert "comment" not in Image.open(io.BytesIO(content)).info


def test_a_png_with_a_script_in_a_text_chunk_or_after_its_end_is_stored_without_it(api, media_root):
    png = image("PNG")
    end = png.index(b"IEND") - 4
    hostile = png[:end] + chunk(b"tEXt", b"Comment\0" + PAYLOAD) + png[end:] + PAYLOAD
    _name, content = stored_bytes(send(api, hostile))
    assert b"<?php" not in content and b"<script" not in content


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "content,name,content_type",
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
            "logo.svg",
            "image/svg+xml",
        ),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "image/png"),
        (PAYLOAD, "photo.png", "image/png"),
        (b"<html><body>" + PAYLOAD + b"</body></html>", "photo.gif", "image/gif"),
        (b"\x89PNG\r\n\x1a\n" + PAYLOAD, "photo.png", "image/png"),  # the magic bytes, then a script
        (b"GIF89a" + PAYLOAD, "photo.gif", "image/gif"),
        (zip_archive(), "photo.png", "image/png"),
        (b"%PDF-1.4\n" + PAYLOAD, "photo.png", "image/png"),
    ],
    ids=[
        "svg-script",
        "svg-as-png",
        "php-as-png",
        "html-as-gif",
        "png-magic-then-php",
        "gif-magic-then-php",
        "zip",
        "pdf",
    ],
)
def test_a_file_that_is_not_a_png_jpeg_webp_or_gif_is_a_400(api, media_root, how, content, name, content_type):
    refused(api, media_root, content, how, name=name, content_type=content_type)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_truncated_image_is_a_400(api, media_root, how, fmt):
    whole = image(fmt, size=(200, 150))
    assert refused(api, media_root, whole[: len(whole) // 2], how)


def test_a_png_whose_text_chunk_decompresses_to_gigabytes_is_a_400(api, media_root):
    # A zTXt chunk is compressed text: Pillow stops decompressing it past its own limit.
    png = image("PNG")
    end = png.index(b"IEND") - 4
    bomb = chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (64 * 1024 * 1024), 9))
    assert len(bomb) < 200_000
    refused(api, media_root, png[:end] + bomb + png[end:], "multipart")


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        "####",
        "aGVsbG8",  # no padding
        "=" * 8,
        " ",
        "data:",
        "data:image/png;base64",  # no comma: nothing after it
        "data:image/png;base64,!!!!",
        "data:image/png;base64,aGVsbG8=",  # base64 of "hello"
        "data:text/html;base64," + base64.b64encode(b"<html>" + PAYLOAD + b"</html>").decode(),
        "data:image/svg+xml;base64," + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode(),
        "data:image/png,%89PNG",  # a data: URL that is not base64
        "../../etc/passwd",
        "file:///etc/passwd",
        "http://127.0.0.1/photo.png",
        "\\\\server\\share\\photo.png",
    ],
)
def test_a_string_that_is_not_a_base64_image_is_a_400(api, media_root, value):
    with unchanged_database():
        body = assert_refused(api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": value}), 400)
    assert set(body["errors"]) == {"image"}
    assert stored_files(media_root) == []


@pytest.mark.parametrize("value", [1, 1e308, True, [], ["aGVsbG8="], {"data": "aGVsbG8="}])
def test_an_image_that_is_not_a_string_or_a_file_is_a_400(api, media_root, value):
    with unchanged_database():
        body = assert_refused(api.post("/api/v1/products", {"name": "X", "category": "Phones", "image": value}), 400)
    assert set(body["errors"]) == {"image"}


def test_a_refused_image_on_update_keeps_the_product_and_its_image(api, media_root):
    created = send(api, image("PNG"))
    name, content = stored_bytes(created)
    product_id = created.json()["id"]
    with unchanged_database():
        data = {
            "name": "Renamed",
            "category": "Phones",
            "image": SimpleUploadedFile("x.png", png_claiming(100_000, 100_000)),
        }
        assert_refused(api.put(f"/api/v1/products/{product_id}", data, format="multipart"), 400)
    product = Product.objects.get(pk=product_id)
    with product.image.open("rb") as file:
        assert (product.image.name, file.read()) == (name, content)
    assert len(stored_files(media_root)) == 1
