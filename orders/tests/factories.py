import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from inventory.tests.factories import (
    FinishedProductFactory,
    RawProductFactory,
    SupplierFactory,
)
from orders.models import CatalogueOrder, Client, FinishedProductOrder, RawProductOrder


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    phone = "+33 6 00 00 00 00"
    contact_person = "Paul Durand"
    client_type = Client.ClientType.RESTAURANT
    address = "1 rue de la Paix"
    city = "Lyon"
    region = "Auvergne-Rhône-Alpes"


class RawProductOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RawProductOrder

    raw_product = factory.SubFactory(RawProductFactory)
    supplier = factory.SubFactory(SupplierFactory)
    quantity = Decimal("3")
    unit_of_measure = factory.LazyAttribute(lambda order: order.raw_product.unit_of_measure)
    price = Decimal("12.00")
    expected_delivery_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=7))


class FinishedProductOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinishedProductOrder

    finished_product = factory.SubFactory(FinishedProductFactory)
    client = factory.SubFactory(ClientFactory)
    quantity = Decimal("2")
    unit_of_measure = factory.LazyAttribute(lambda order: order.finished_product.unit_of_measure)
    sale_price = Decimal("30.00")
    expected_delivery_date = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))


def make_order(item, user, quantity=1, state=CatalogueOrder.State.PENDING, client="Alice", **fields):
    """An order row as it would stand in `state` (no stock moved: set the product's quantity to match)."""
    return CatalogueOrder.objects.create(
        item=item, created_by=user, quantity=Decimal(quantity), state=state, client=client, **fields
    )
