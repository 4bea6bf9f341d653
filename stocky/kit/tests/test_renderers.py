"""The orjson renderer writes the bytes DRF's JSONRenderer writes, for every kind of value an answer holds."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from stocky.kit.renderers import EncodedJSON, FastJSONRenderer


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


VALUES = [
    {"success": True, "message": "Raw products fetched successfully", "data": [], "meta": None},
    [
        Decimal("0"),
        Decimal("0.000"),
        Decimal("12.500"),
        Decimal("-0.001"),
        Decimal("99999999999.999"),
        Decimal("0.00001"),
        Decimal("1E-7"),
        Decimal("12345678901234567890123456.78"),
        Decimal("1E+16"),
    ],
    [0.0001, 123.456, 1e16, 1e22, -2.5, 10**18, -(2**63), 2**64 - 1],
    {
        "when": datetime.datetime(2026, 2, 26, 10, 0, 0, 123456, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2026, 2, 26, 10, 0),
        "day": datetime.date(2026, 3, 5),
        "time": datetime.time(7, 30, 15, 250),
        "span": datetime.timedelta(hours=1, microseconds=5),
        "paris": datetime.datetime(2026, 2, 26, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    },
    {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "detail": ErrorDetail("This field is required.", code="required"),
        "bytes": b"raw",
    },
    ReturnDict({"a": ReturnList([1, 2, {"b": None}], serializer=None)}, serializer=None),
    {"text": 'Crème brûlée \u2028 line \u2029 para " \\ / \x00 \x1f 😀 \t\n', "empty": "", "tuple": (1, "two")},
    {"deep": [[[[[[[[[[{"x": [1.5]}]]]]]]]]]]},
    "just a string",
    [],
]


@pytest.mark.parametrize("data", VALUES)
def test_the_same_bytes_as_drf(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


@pytest.mark.parametrize(
    "data",
    [
        {"huge": 2**64},  # beyond orjson's 64 bits
        {1: "non-string key", 2.5: "x"},
        {"deep": nested(300)},  # deeper than orjson's 254 levels
    ],
)
def test_what_orjson_cannot_write_is_written_by_drf(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_what_neither_can_write_fails_as_before():
    for renderer in (FastJSONRenderer(), JSONRenderer()):
        with pytest.raises(TypeError):
            renderer.render({"thing": object()})
        with pytest.raises(UnicodeEncodeError):
            renderer.render({"lone surrogate": "\ud800"})


def test_nothing_is_an_empty_body_and_indent_is_drfs():
    assert FastJSONRenderer().render(None) == b""
    data = {"a": [1, Decimal("2.50")], "b": {"c": None}}
    media = "application/json; indent=4"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert FastJSONRenderer().render(data, None, {"indent": 2}) == JSONRenderer().render(data, None, {"indent": 2})


def test_encoded_json_is_written_as_it_is_also_when_indented():
    data = {"success": True, "data": EncodedJSON(b'[{"id":1,"q":12.5}]')}
    assert FastJSONRenderer().render(data) == b'{"success":true,"data":[{"id":1,"q":12.5}]}'
    plain = {"success": True, "data": [{"id": 1, "q": 12.5}]}
    media = "application/json; indent=4"
    assert FastJSONRenderer().render(data, media) == JSONRenderer().render(plain, media)
