"""Catalogue records and image files for tests."""

import io

from PIL import Image

from inventory.models import Category, Product


def make_category(name="Phones"):
    return Category.objects.create(name=name)


def make_product(name="iPhone 12", category=None, quantity=10, **fields):
    """A product as if it had always had `quantity` (no ledger entry: the tests about the ledger use the API)."""
    category = category or Category.objects.filter(name="Phones").first() or make_category("Phones")
    return Product.objects.create(name=name, category=category, quantity=quantity, **fields)


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 30, 30), mode="RGB", **save_options):
    """An image of `size` in the Pillow format `fmt`, as bytes."""
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()
