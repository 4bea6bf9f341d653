"""What every app's API shares: the error envelope, pagination and ordering."""

import logging
import math
import re
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, filters, routers, status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from stocky.kit import errors as domain

logger = logging.getLogger("stocky.kit.api")

# Each domain error's HTTP status: the one place where a refusal's meaning becomes a status (a subclass
# without its own line takes its nearest parent's, e.g. InsufficientStock and InvalidTransition are 409s).
ERROR_STATUS = {
    domain.InvalidInput: status.HTTP_400_BAD_REQUEST,
    domain.AuthenticationFailed: status.HTTP_401_UNAUTHORIZED,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.DomainError: status.HTTP_409_CONFLICT,
}


def error_status(exc):
    """The HTTP status of a domain error: its class's, or its nearest parent's in ERROR_STATUS."""
    return next(ERROR_STATUS[cls] for cls in type(exc).__mro__ if cls in ERROR_STATUS)


# --- The envelope ----------------------------------------------------------------------------------


def error_body(status_code, message, errors=None):
    return {"success": False, "message": message, "statusCode": status_code, "errors": errors or {}}


def error_response(status_code, message, errors=None, headers=None):
    return Response(error_body(status_code, message, errors), status=status_code, headers=headers)


def _flatten(detail, prefix=""):
    """DRF error details (nested dicts and lists) as {"field" or "field.0.sub": ["message", ...]}."""
    out = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        messages = []
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                messages.append(str(item))
        if messages:
            out.setdefault(prefix or "non_field_errors", []).extend(messages)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def _validation_message(errors):
    parts = []
    for field, messages in list(errors.items())[:3]:
        text = messages[0] if messages else "invalid"
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    more = len(errors) - len(parts)
    summary = "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    return f"Invalid input: {summary}" if summary else "Invalid input"


def _protected_errors(exc):
    """Name what still references the record, grouped by kind:
    {"raw_product_orders": ["2 raw-product orders still reference it (ids 4, 7)"]}."""
    objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or []
    groups = {}
    # Django hands the objects over as a set: sort the kinds so the message is the same every time.
    for obj in sorted(objects, key=lambda obj: str(obj._meta.verbose_name_plural)):
        groups.setdefault(obj._meta, []).append(obj.pk)

    def counted(opts, count):
        return f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"

    errors = {}
    for opts, pks in groups.items():
        shown = ", ".join(str(pk) for pk in sorted(pks)[:10])
        suffix = ", ..." if len(pks) > 10 else ""
        verb = "references" if len(pks) == 1 else "reference"
        # An identifier, like every other key of `errors` ("raw-product orders" -> "raw_product_orders").
        key = re.sub(r"[^0-9a-z]+", "_", str(opts.verbose_name_plural).lower()).strip("_")
        errors[key] = [f"{counted(opts, len(pks))} still {verb} it (ids {shown}{suffix})"]
    summary = ", ".join(counted(opts, len(pks)) for opts, pks in groups.items())
    return f"Cannot delete: still referenced by {summary}", errors


# MariaDB/MySQL client and server errors that mean "the database cannot answer now", not "this request is
# wrong": cannot connect (2002, 2003), gone away or lost mid-query (2006, 2013, 2055, 4031: the read and
# write timeouts end here), too many connections (1040), shutting down (1053), a row lock waited for too
# long (1205), chosen as a deadlock's victim (1213: its transaction was rolled back whole, so the same request
# again succeeds; the table versions' triggers, docs/caching.md, make such a cycle possible between two writers
# of different tables).
_UNAVAILABLE_CODES = {2002, 2003, 2006, 2013, 2055, 4031, 1040, 1053, 1205, 1213}
UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly"


def database_unavailable(exc):
    """Whether `exc` says the database is out of reach (answered with a 503 and Retry-After), rather
    than a fault of the request or of the code (a 500)."""
    if isinstance(exc, InterfaceError):  # a connection already closed under the request
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if code is not None:
        return code in _UNAVAILABLE_CODES
    text = str(exc)  # SQLite: a file that cannot be opened, or locked longer than its busy timeout
    return "unable to open database" in text or "database is locked" in text


def retry_after():
    return {"Retry-After": str(settings.DB_UNAVAILABLE_RETRY_AFTER)}


def _token_error_message(detail):
    """The message of a JWT error (simplejwt's `{"detail", "code", "messages": [{"message", ...}]}`), made
    precise by the first token's reason ("Token is expired"), or None for any other error."""
    if not (isinstance(detail, dict) and "code" in detail and isinstance(detail.get("detail"), str)):
        return None
    reasons = [item.get("message") for item in detail.get("messages") or [] if isinstance(item, dict)]
    reason = next((str(text) for text in reasons if text), None)
    return f"{detail['detail']}: {reason}" if reason else str(detail["detail"])


_SUSPICIOUS_MESSAGES = {
    TooManyFieldsSent: "The request has too many fields (form fields or query parameters)",
    TooManyFilesSent: "The request has too many files",
}


def exception_handler(exc, context):
    """Render every error raised under the API in the one envelope of SPEC section 0."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))

    if isinstance(exc, domain.DomainError):
        set_rollback()
        return error_response(error_status(exc), exc.message, exc.errors)

    if isinstance(exc, (ProtectedError, RestrictedError)):
        set_rollback()
        message, errors = _protected_errors(exc)
        return error_response(status.HTTP_409_CONFLICT, message, errors)

    if isinstance(exc, IntegrityError):
        # The database refused a write that the serializers let through (typically a race on a unique
        # value). It is the client's data that conflicts, not a server fault.
        set_rollback()
        logger.warning("Integrity error turned into 409: %s", exc)
        return error_response(status.HTTP_409_CONFLICT, "The data conflicts with existing records")

    if isinstance(exc, DataError):
        set_rollback()
        logger.warning("Data error turned into 400: %s", exc)
        return error_response(status.HTTP_400_BAD_REQUEST, "A value is out of range or malformed")

    if isinstance(exc, RequestDataTooBig):
        return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "The request body is too large")

    if isinstance(exc, SuspiciousOperation):
        # Django's guards on a request (too many fields or files in a form or query string, ...): Django
        # answers them with a 400 outside a view, and so do we inside one.
        set_rollback()
        logger.warning("Suspicious request refused with a 400: %s", exc)
        return error_response(
            status.HTTP_400_BAD_REQUEST, _SUSPICIOUS_MESSAGES.get(type(exc), "The request is malformed")
        )

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(math.ceil(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            errors = _flatten(exc.detail)
            return error_response(exc.status_code, _validation_message(errors), errors, headers)
        if isinstance(exc, exceptions.ParseError):
            return error_response(exc.status_code, f"Malformed request body: {exc.detail}", {}, headers)
        token_message = _token_error_message(exc.detail)
        if token_message:
            return error_response(exc.status_code, token_message, {}, headers)
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        errors = {} if isinstance(exc.detail, str) else _flatten(exc.detail)
        return error_response(exc.status_code, str(message), errors, headers)

    if database_unavailable(exc):
        set_rollback()
        logger.error("Database unavailable in %s: %s", context.get("view"), exc)
        return error_response(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, headers=retry_after())

    set_rollback()
    logger.error("Unhandled error in %s", context.get("view"), exc_info=exc)
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error")


def _json_error(status_code, message):
    return JsonResponse(error_body(status_code, message), status=status_code)


@csrf_exempt  # else a POST or DELETE to an unknown path meets the CSRF check first: an HTML 403, not this 404
def api_not_found(request, *args, **kwargs):
    """Catch-all for unknown paths under /api/: a 404 in the envelope, never Django's HTML page."""
    return _json_error(404, f"No endpoint at {request.path}")


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request):
    """Django's answer to an exception no view handled, raised by a view or a middleware (a session or a
    user read in the admin): a lost database is a 503 with Retry-After, anything else a 500."""
    if database_unavailable(sys.exc_info()[1]):
        if request.path.startswith("/api/"):
            response = _json_error(503, UNAVAILABLE_MESSAGE)
        else:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = retry_after()["Retry-After"]
        return response
    if request.path.startswith("/api/"):
        return _json_error(500, "Internal server error")
    return defaults.server_error(request)


def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return _json_error(400, "Bad request")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return _json_error(403, "Forbidden")
    return defaults.permission_denied(request, exception)


# --- Query parameters ------------------------------------------------------------------------------


def positive_int_param(request, name, default, maximum=None, message=None):
    """An integer query parameter >= 1 (and <= maximum), or a 400 on that parameter."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise exceptions.ValidationError({name: [message or f"The {name} must be a positive integer"]})
    if maximum is not None and value > maximum:
        raise exceptions.ValidationError({name: [f"The {name} must be at most {maximum}"]})
    return value


def integer_query_parameter(name, description, maximum=None):
    """A paginator's parameter as the OpenAPI schema (stocky/kit/schema.py) lists it: an integer >= 1."""
    schema = {"type": "integer", "minimum": 1, **({"maximum": maximum} if maximum else {})}
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


class OptionalPagePagination(BasePagination):
    """Section A lists: every row without `page` (as the earlier system did); one page with it."""

    page_size = 50
    max_page_size = 500
    parameters = frozenset({"page", "page_size"})
    always_pages = False

    def page_window(self, queryset, request):
        """The slice of `queryset` to answer (and `self.meta`), or None without `page`: every row."""
        self.meta = None
        # Checked even without `page`, where it does not apply: a bad parameter is a 400, never ignored.
        size = positive_int_param(request, "page_size", self.page_size, maximum=self.max_page_size)
        if "page" not in request.query_params and not self.always_pages:
            return None
        page = positive_int_param(request, "page", 1)
        total = queryset.count()
        total_pages = max(1, math.ceil(total / size))
        if page > total_pages:
            raise exceptions.ValidationError({"page": [f"The page {page} is out of range (1-{total_pages})"]})
        self.meta = {"page": page, "page_size": size, "total": total, "total_pages": total_pages}
        offset = (page - 1) * size
        return slice(offset, offset + size)

    def paginate_queryset(self, queryset, request, view=None):
        window = self.page_window(queryset, request)
        return None if window is None else list(queryset[window])

    def get_paginated_response(self, data):  # the viewset builds the envelope itself
        raise NotImplementedError

    def get_schema_operation_parameters(self, view):
        return [
            integer_query_parameter(
                "page", "A page of the list (from 1); without it, every row. The envelope then has `meta`."
            ),
            integer_query_parameter("page_size", f"Rows per page (default {self.page_size}).", self.max_page_size),
        ]


class DefaultPagePagination(OptionalPagePagination):
    """A list that only grows (the stock ledger) and is not in SPEC section A's contract: without `page`,
    its first page, with `meta`, rather than every row."""

    always_pages = True

    def get_schema_operation_parameters(self, view):
        return [
            integer_query_parameter("page", "A page of the list (from 1; default 1). The envelope has `meta`."),
            integer_query_parameter("page_size", f"Rows per page (default {self.page_size}).", self.max_page_size),
        ]


class StrictOrderingFilter(filters.OrderingFilter):
    """Ordering on an unknown field is a 400, not silently ignored (SPEC: a bad filter value is a 400)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        fields = [param.strip() for param in params.split(",") if param.strip()]
        valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        # One leading "-" at most: "--id" would pass a check on field.lstrip("-") and fail in the database.
        bad = [field for field in fields if field.removeprefix("-") not in valid]
        if bad or not fields:
            allowed = ", ".join(sorted(valid))
            raise exceptions.ValidationError(
                {self.ordering_param: [f"Cannot order by '{', '.join(bad) or params}'. Allowed: {allowed}"]}
            )
        # A stable tiebreak so that pages never repeat or skip rows.
        if not any(field.lstrip("-") in ("id", "pk") for field in fields):
            fields.append("id")
        return fields


MAX_SEARCH_LENGTH = 200


def search_text(request, param="search"):
    """The `search` query parameter, refused (400) beyond MAX_SEARCH_LENGTH characters.

    Each word of a search becomes a LIKE on every search field. Unbounded, SQLite fails on one long word (a
    LIKE pattern is at most 50,000 bytes) or on a thousand short ones (an expression is at most 1,000 deep),
    and MariaDB scans once per word. A search is a few words.
    """
    value = request.query_params.get(param, "")
    if len(value) > MAX_SEARCH_LENGTH:
        raise exceptions.ValidationError({param: [f"The search must be at most {MAX_SEARCH_LENGTH} characters"]})
    # As DRF's SearchFilter does (but naming the parameter): no stored text holds a NUL, the serializers
    # refuse it, and SQLite's LIKE stops reading its pattern at one (a search for NUL matched every row).
    if "\x00" in value:
        raise exceptions.ValidationError({param: ["Null characters are not allowed."]})
    return value


class BoundedSearchFilter(filters.SearchFilter):
    """DRF's search, bounded in length and refusing NUL with a 400 on `search`: see `search_text`."""

    def get_search_terms(self, request):
        search_text(request, self.search_param)
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = MAX_SEARCH_LENGTH
        return parameters


class OptionalSlashRouter(routers.SimpleRouter):
    """Routes that answer with and without a trailing slash, without a redirect (which would turn a
    POST into a GET)."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
