from decimal import Decimal

from django.core.validators import MinValueValidator


class GreaterThanValidator(MinValueValidator):
    """Strictly positive quantities: Django ships only the inclusive bound."""

    message = "Ensure this value is greater than %(limit_value)s."
    code = "min_value"

    def compare(self, a, b):
        return a <= b


POSITIVE = [GreaterThanValidator(Decimal("0"))]
