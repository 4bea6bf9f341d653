from decimal import Decimal

import factory

from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct


class RawProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RawProduct

    name = factory.Sequence(lambda n: f"Material {n}")
    stock_quantity = Decimal("10")
    unit_of_measure = "kg"


class FinishedProductFactory(factory.django.DjangoModelFactory):
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
