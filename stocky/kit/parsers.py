"""The API's request body parsers: DRF's, with the hostile bodies they let through turned into 400s and 413s.

DRF reads JSON and urlencoded bodies through `request.body`, which Django bounds by
DATA_UPLOAD_MAX_MEMORY_SIZE (a 413). A multipart body is streamed instead, and Django bounds only its text
fields: here the whole of it is held to the same limit (the largest upload, a 5 MB image, fits well inside).
"""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# A \uD800-\uDFFF escape: the only way a JSON body can carry a surrogate (the UTF-8 decoder refuses encoded
# ones). Only a body that has one is walked for lone surrogates.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(data):
    # Iterative: the data can be nested as deep as the JSON parser allowed.
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity refused), and also a 400 for:

    - nesting deeper than Python's recursion limit (`[[[[...`), which DRF let out as a RecursionError;
    - a lone surrogate (`"\\ud800"`): not text, so no database column can store it and no response can
      echo it back as UTF-8 (an error message quoting it failed to render).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}: {exc.reason}") from None
        parse_constant = json.strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
            raise ParseError("JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff), which is not text")
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing (413) a body over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it:
    Django would stream a file of any size to a temporary file first."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestDataTooBig(f"The request body is larger than {limit} bytes")
        return super().parse(stream, media_type, parser_context)
