"""Records and image files for tests: section A factories and catalogue helpers."""

import io
from decimal import Decimal

import factory
from PIL import Image

from inventory.models import (
    Category,
    FinishedProduct,
    Product,
    RawProduct,
    Supplier,
    SupplierRawProduct,
)
from inventory.services import stock_record_initial


class StockedFactory(factory.django.DjangoModelFactory):
    """Saves the product, then enters its starting stock as the services do: a lot and a ledger entry, so
    that stock = sum of lots = sum of the ledger from the start (SPEC D)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        product = super()._create(model_class, *args, **kwargs)
        stock_record_initial(item=product)
        return product


class RawProductFactory(StockedFactory):
    class Meta:
        model = RawProduct

    name = factory.Sequence(lambda n: f"Material {n}")
    stock_quantity = Decimal("10")
    unit_of_measure = "kg"


class FinishedProductFactory(StockedFactory):
    class Meta:
        model = FinishedProduct

    name = factory.Sequence(lambda n: f"Product {n}")
    stock_quantity = Decimal("5")
    unit_of_measure = "piece"


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    phone = "+33 1 23 45 67 89"
    email = factory.Sequence(lambda n: f"supplier{n}@example.com")
    contact_person = "Jeanne Martin"


class SupplierRawProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierRawProduct

    supplier = factory.SubFactory(SupplierFactory)
    raw_product = factory.SubFactory(RawProductFactory)
    unit_price = Decimal("2.50")
    unit_of_measure = "kg"


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
