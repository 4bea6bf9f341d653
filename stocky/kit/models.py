"""Abstract bases shared by every app's models."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

# Quantities carry 3 decimal places and money 2 (SPEC section 0); one definition keeps every table alike.
QUANTITY = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
# The largest value a BIGINT key holds: an id above it names nothing, and must be refused before the database.
MAX_ID = 2**63 - 1


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class StockedKind:
    """How a stocked model meets the ledger: its item type and the fields holding quantity and unit.

    A model that declares `STOCK_LEDGER = StockedKind(...)` can be moved by inventory.services.stock_change.
    """

    item_type: str
    quantity_field: str
    unit_field: str | None = None
    # Its stock is kept in lots (inventory.models.Lot), which move with it (SPEC section D).
    lots: bool = False
