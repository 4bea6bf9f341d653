"""Shared validators, as the API and the admin meet them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from orders.models import RawProductOrder
from stocky.kit.validators import POSITIVE


def test_positive_refuses_zero_and_accepts_the_smallest_quantity():
    (validator,) = POSITIVE
    with pytest.raises(ValidationError):
        validator(Decimal("0"))
    validator(Decimal("0.001"))


def test_a_model_serializer_keeps_the_strict_bound():
    # DRF turns a MinValueValidator into an inclusive min_value; the strict bound must survive that.
    class OrderQuantity(serializers.ModelSerializer):
        class Meta:
            model = RawProductOrder
            fields = ["quantity"]

    assert not OrderQuantity(data={"quantity": 0}).is_valid()
    assert OrderQuantity(data={"quantity": "0.001"}).is_valid()
