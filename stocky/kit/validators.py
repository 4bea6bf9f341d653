from decimal import Decimal

from django.core.validators import BaseValidator


class GreaterThanValidator(BaseValidator):
    """Strictly positive quantities: Django ships only the inclusive bound.

    Deliberately not a MinValueValidator subclass: DRF's ModelSerializer turns any MinValueValidator
    on a model field into an inclusive `min_value`, which would let 0 through to the database.
    """

    message = "Ensure this value is greater than %(limit_value)s."
    code = "min_value"

    def compare(self, a, b):
        return a <= b


POSITIVE = [GreaterThanValidator(Decimal("0"))]
