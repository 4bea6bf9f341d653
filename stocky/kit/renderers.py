"""The API's JSON renderer: the bytes DRF's JSONRenderer writes, written by orjson (issue 7).

DRF's renderer runs `json.dumps` with a Python `default` for every Decimal; orjson encodes the same
structures in C. The output is the same bytes (stocky/kit/tests/test_renderers.py): compact separators, UTF-8,
U+2028/U+2029 escaped, Decimals as JSON numbers, and anything orjson does not know (dates, lazy strings,
querysets, ...) through DRF's own encoder. What orjson cannot encode the same way (an integer beyond 64
bits, non-string keys, nesting deeper than 254) is handed to DRF's renderer, which gives the answer or the
error it always gave; so does a request for indented JSON (`Accept: application/json; indent=4`).
"""

from decimal import Decimal

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_drf_default = JSONEncoder().default
# Dates and dataclasses go through DRF's encoder (orjson's own formats differ); str, int, dict and list
# subclasses (ErrorDetail, ReturnDict, ...) are encoded natively, as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class EncodedJSON:
    """A value already encoded as JSON (`raw`, bytes), written into the answer as it is."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def __repr__(self):
        return f"EncodedJSON({self.raw[:40]!r}...)"


def default(value):
    """DRF's encoder, except that a Decimal's float is written as Python writes it (orjson spells floats
    below 1e-4 differently: 0.00001, not 1e-05)."""
    if type(value) is Decimal:  # first: a list's quantities and prices come here one by one
        result = float(value)
    elif type(value) is EncodedJSON:
        return orjson.Fragment(value.raw)
    else:
        result = _drf_default(value)
    if type(result) is float and -1e-4 < result < 1e-4 and result:
        return orjson.Fragment(repr(result).encode())
    return result


def dumps(data, option=OPTIONS):
    """`data` as DRF's JSONRenderer encodes it (compact), or orjson.JSONEncodeError."""
    out = orjson.dumps(data, default=default, option=option)
    # DRF escapes these two so that the JSON is also valid JavaScript; orjson writes them as they are.
    if LINE_SEPARATOR in out:
        out = out.replace(LINE_SEPARATOR, b"\\u2028")
    if PARAGRAPH_SEPARATOR in out:
        out = out.replace(PARAGRAPH_SEPARATOR, b"\\u2029")
    return out


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, encoding with orjson. A response may embed already encoded JSON as an
    `EncodedJSON` (stocky.kit.rows does, for the hot reads)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (accepted_media_type and "indent" in accepted_media_type) or (renderer_context or {}).get("indent"):
            return super().render(unfragment(data), accepted_media_type, renderer_context)
        try:
            return dumps(data)
        except orjson.JSONEncodeError:
            return super().render(unfragment(data), accepted_media_type, renderer_context)


def unfragment(data):
    """`data` with each EncodedJSON decoded back into Python values, for json.dumps."""
    if isinstance(data, EncodedJSON):
        return orjson.loads(data.raw)
    if isinstance(data, dict):
        return {key: unfragment(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [unfragment(value) for value in data]
    return data
