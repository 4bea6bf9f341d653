"""Catalogue images: never trusted as sent.

An upload (a multipart file or a base64 string) is read up to a size limit, opened by Pillow, refused
unless it really is a PNG, JPEG, WebP or GIF of sane dimensions, then re-encoded from its pixels alone:
the result carries no EXIF, XMP or text chunks (only the colour profile survives), is turned upright
first, and fits in IMAGE_MAX_SIDE pixels a side. Only that result is ever handed to storage, under a
name the server picks. See docs/media.md.
"""

import base64
import binascii
import io
import struct
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from stocky.kit.errors import TooLarge

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1024
# Checked on the header, before any pixel is decoded: a small file that claims 30000 × 30000 pixels
# would need gigabytes to decode (a decompression bomb). 50 megapixels admits any real photo and stays
# below Pillow's own limit (Image.MAX_IMAGE_PIXELS), whose error is caught as well.
IMAGE_MAX_PIXELS = 50_000_000

# What each accepted format is stored as. A GIF keeps only its first frame, so PNG holds it losslessly.
_OUTPUT = {"PNG": ("PNG", "png"), "JPEG": ("JPEG", "jpg"), "WEBP": ("WEBP", "webp"), "GIF": ("PNG", "png")}
_SAVE_OPTIONS = {"PNG": {"optimize": True}, "JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}


class ImageTooLarge(TooLarge):
    """An image past IMAGE_MAX_BYTES (a 413, SPEC section 0: upload too large)."""

    default_message = "The image is too large"


def _too_large():
    limit = IMAGE_MAX_BYTES // (1024 * 1024)
    return ImageTooLarge(
        f"The image is larger than {limit} MB", errors={"image": [f"The image must be at most {limit} MB"]}
    )


def _refused(message):
    # A Django ValidationError: DRF reports it on the serializer's field, the admin on the form's.
    return ValidationError(message, code="invalid_image")


@dataclass(frozen=True)
class NormalisedImage:
    """A re-encoded image, ready for storage."""

    content: bytes
    extension: str

    def as_file(self):
        """A ContentFile with a fresh server-chosen name (the client's file name is never used)."""
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}.{self.extension}")


def read_upload(value):
    """The raw bytes of an uploaded file or a base64 string (a `data:` URL is accepted too)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("data:"):
            text = text.partition(",")[2]
        # Four base64 characters carry three bytes: refuse before decoding an oversized string.
        if len(text) * 3 // 4 > IMAGE_MAX_BYTES + 3:
            raise _too_large()
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _refused("The image is not valid base64") from None
    else:
        if value.size is not None and value.size > IMAGE_MAX_BYTES:
            raise _too_large()
        data = value.read(IMAGE_MAX_BYTES + 1)
    if len(data) > IMAGE_MAX_BYTES:
        raise _too_large()
    if not data:
        raise _refused("The image is empty")
    return data


def _open(data):
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _refused("The image has too many pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refused("The file is not a PNG, JPEG, WebP or GIF image") from None
    if image.format not in _OUTPUT:
        raise _refused("The file is not a PNG, JPEG, WebP or GIF image")
    width, height = image.size
    if width < 1 or height < 1 or width * height > IMAGE_MAX_PIXELS:
        raise _refused(f"The image has too many pixels ({width} × {height})")
    return image


def normalise_image(data):
    """Check that `data` is a real PNG, JPEG, WebP or GIF and re-encode it, bounded and without metadata.

    Raises ValidationError (400) for anything else, including damaged files and decompression bombs.
    """
    try:
        _open(data).verify()  # walks the whole file (checksums of PNG chunks, for instance)
    except (OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise _refused("The image is damaged or truncated") from None
    image = _open(data)  # verify() leaves the image unusable; open it again to decode
    output_format, extension = _OUTPUT[image.format]
    icc_profile = image.info.get("icc_profile")
    try:
        if image.format == "JPEG":
            # Let the decoder scale down while decoding: far less memory for a large photo.
            image.draft("RGB", (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
        image.load()
        image = ImageOps.exif_transpose(image)  # upright before the orientation tag goes
    except (OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise _refused("The image is damaged or truncated") from None

    grey = image.mode in ("1", "L", "LA")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha and output_format != "JPEG":
        mode = "LA" if grey else "RGBA"
    else:
        mode = "L" if grey else "RGB"
    image = image.convert(mode)
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from the bare pixels: nothing of the original's metadata can ride along.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    options = dict(_SAVE_OPTIONS[output_format])
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    clean.save(buffer, output_format, **options)
    return NormalisedImage(buffer.getvalue(), extension)


def image_from_upload(value):
    """An uploaded file or base64 string, checked and normalised (see `normalise_image`)."""
    return normalise_image(read_upload(value))
