from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role
from inventory.models import (
    FinishedProduct,
    Lot,
    Product,
    RawProduct,
    Supplier,
    UnitOfMeasureField,
)
from stocky.kit.errors import plain
from stocky.kit.models import MONEY, NON_NEGATIVE, QUANTITY, TimeStampedModel
from stocky.kit.validators import POSITIVE


class ClientType(models.TextChoices):
    PARTICULIER = "particulier", "Individual"
    EPICERIE = "epicerie", "Grocery"
    RESTAURANT = "restaurant", "Restaurant"


class Client(TimeStampedModel):
    ClientType = ClientType

    name = models.CharField(max_length=255, db_index=True)
    phone = models.CharField(max_length=50)
    email = models.EmailField(blank=True, default="")
    website = models.URLField(blank=True, default="")
    contact_person = models.CharField(max_length=255)
    client_type = models.CharField(max_length=20, choices=ClientType.choices, db_index=True)
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=120)
    # Fewer days of shelf life left than this and a lot is not shipped to the client (SPEC D).
    min_remaining_shelf_life_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(client_type__in=ClientType.values), name="client_type_valid"),
        ]

    def __str__(self):
        return self.name


class OrderStatus(models.TextChoices):
    COMMANDE = "commande", "Ordered"
    EXPEDIE = "expedie", "Shipped"
    RECU = "recu", "Received"
    RUPTURE_DE_STOCK = "rupture_de_stock", "Out of stock"


UNIT_HELP = "The unit of the quantity; empty means the product's stock unit."


def quantity_text(quantity, unit):
    """ "2.5 kg", or "2.5" where the order leaves the unit to its product (no query for the product's unit)."""
    return f"{plain(quantity)} {unit}" if unit else plain(quantity)


class RawProductOrder(TimeStampedModel):
    """A purchase order: materials bought from a supplier. Receiving it adds to the material's stock
    (orders.services)."""

    UNIT_PRODUCT = "raw_product"

    raw_product = models.ForeignKey(RawProduct, on_delete=models.PROTECT, related_name="orders")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    quantity = models.DecimalField(**QUANTITY, validators=POSITIVE)
    unit_of_measure = UnitOfMeasureField(blank=True, help_text=UNIT_HELP)
    price = models.DecimalField(**MONEY, validators=NON_NEGATIVE, help_text="The price of the whole order.")
    ordered_at = models.DateTimeField(default=timezone.now)
    expected_delivery_date = models.DateField()
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.COMMANDE, db_index=True)
    # The lot its receipt made (SPEC D); the latest one when it was received again after a correction.
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = "raw-product order"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="raw_product_order_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="raw_product_order_price_non_negative"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="raw_product_order_status_valid"),
        ]

    def __str__(self):
        return f"PO-{self.pk}: {quantity_text(self.quantity, self.unit_of_measure)} {self.raw_product}"


class FinishedProductOrder(TimeStampedModel):
    """A sales order: finished goods sold to a client. Shipping it takes from the product's stock
    (orders.services)."""

    UNIT_PRODUCT = "finished_product"

    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.PROTECT, related_name="orders")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="orders")
    quantity = models.DecimalField(**QUANTITY, validators=POSITIVE)
    unit_of_measure = UnitOfMeasureField(blank=True, help_text=UNIT_HELP)
    sale_price = models.DecimalField(**MONEY, validators=NON_NEGATIVE, help_text="The price of the whole order.")
    ordered_at = models.DateTimeField(default=timezone.now)
    expected_delivery_date = models.DateTimeField()
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.COMMANDE, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "finished-product order"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="finished_product_order_quantity_positive"),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="finished_product_order_price_non_negative"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="finished_product_order_status_valid"
            ),
        ]

    def __str__(self):
        return f"SO-{self.pk}: {quantity_text(self.quantity, self.unit_of_measure)} {self.finished_product}"


# --- Hub catalogue orders (SPEC section B "Orders") -------------------------------------------------


class CatalogueOrderState(models.TextChoices):
    DRAFT = "Draft", "Draft"
    PENDING = "Pending", "Pending"
    READY = "Ready", "Ready"
    COMPLETED = "Completed", "Completed"
    CANCELLED = "Cancelled", "Cancelled"


class CatalogueOrder(TimeStampedModel):
    """An order for a catalogue product. Stock leaves when it becomes Ready (orders.services)."""

    State = CatalogueOrderState

    item = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    client = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    quantity = models.DecimalField(**QUANTITY, validators=POSITIVE)
    state = models.CharField(
        max_length=20, choices=CatalogueOrderState.choices, default=CatalogueOrderState.PENDING, db_index=True
    )
    # Users are deactivated, never deleted: the order keeps naming who created it.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="catalogue_orders")

    # Only Admins delete hub orders, in the admin as in the API (accounts.permissions.roles_for_model_action).
    ROLE_PERMISSIONS = {"delete": {Role.ADMIN}}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "catalogue order"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="catalogue_order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(state__in=CatalogueOrderState.values), name="catalogue_order_state_valid"
            ),
        ]

    def __str__(self):
        return f"Order {self.pk}: {plain(self.quantity)} × {self.item}"
