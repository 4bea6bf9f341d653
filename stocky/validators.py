from decimal import Decimal

from django.core.validators import BaseValidator
from rest_framework.validators import UniqueValidator


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


class BoundedUniqueValidator(UniqueValidator):
    """DRF's UniqueValidator, skipped for a value longer than the field allows.

    DRF runs every validator of a field even after one failed, so a 70,000-character e-mail reached the
    uniqueness query although the length check had refused it; on SQLite its LIKE pattern (`iexact`) is
    over the 50,000-byte limit and the query fails. The field's own max_length already reports the value.
    """

    def __call__(self, value, serializer_field):
        max_length = getattr(serializer_field, "max_length", None)
        if max_length is not None and isinstance(value, str) and len(value) > max_length:
            return
        super().__call__(value, serializer_field)
