"""The OpenAPI schema (drf-spectacular): the envelopes and error responses, described once for every view.

`StockyAutoSchema` is DRF's DEFAULT_SCHEMA_CLASS. From what a view already declares it adds:

- on section A views (`ManufacturingViewSet`): the success envelope around every 2xx body (`data` an object,
  a list with an optional `meta` of pages, or `null` after a delete or where a view answers no body), and the
  `page`/`page_size` parameters on lists;
- on hub views: nothing around the body (bare JSON); a paginated hub list reads `{"<list_key>": [...],
  "totalPages": N}` (HubPagination describes it);
- on every operation: the error envelope under each status it can answer (400, 401, 403, 404, 409, 413, 415,
  429, 503), chosen from the method, the path, the authentication and the throttles of the view; 429 and 503
  with their `Retry-After` header. 503 (the database cannot answer) is listed wherever the operation
  reaches the database: every one but the welcome page.

A view only adds `@extend_schema` for what this cannot know: a custom action's request or response body
(`responses=Serializer(many=True)` for a list), a hub view that does not use its serializer for input, query
parameters that no filter backend declares. See docs/development.md.
"""

from drf_spectacular.drainage import set_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_doc
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from stocky.kit.viewsets import ManufacturingViewSet

SCHEMAS = "#/components/schemas/"
RESPONSES = "#/components/responses/"
JSON = "application/json"


def ref(name):
    return {"$ref": f"{SCHEMAS}{name}"}


def closed_object(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


# --- Shared components --------------------------------------------------------------------------------

ERROR_SCHEMA = {
    **closed_object(
        {
            "success": ref("SuccessFalse"),
            "message": {"type": "string", "description": "A readable summary, fit to show as is."},
            "statusCode": {"type": "integer", "description": "The HTTP status, repeated."},
            "errors": {
                "type": "object",
                "description": "Messages per body field or query parameter (`non_field_errors` for the rest); "
                "`{}` when no field is at fault.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        }
    ),
    "description": "The one error envelope of the whole API (SPEC section 0).",
}

PAGE_META_SCHEMA = {
    **closed_object(
        {
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "total_pages": {"type": "integer", "minimum": 1},
        }
    ),
    "description": "Present when the list was asked for with `page`.",
}

# Constants as components of their own: drf-spectacular's enum hook would otherwise merge `success: true`
# and `success: false` into one enum, and strip the null out of `data: null`.
CONSTANTS = {
    "SuccessTrue": {"type": "boolean", "enum": [True]},
    "SuccessFalse": {"type": "boolean", "enum": [False]},
    "NoData": {"nullable": True, "enum": [None], "description": "Always null."},
}
SUCCESS = ref("SuccessTrue")
MESSAGE = {"type": "string", "example": "Raw products fetched successfully"}

EMPTY_ENVELOPE_SCHEMA = {
    **closed_object({"success": SUCCESS, "message": MESSAGE, "data": ref("NoData")}),
    "description": "The success envelope without data (after a delete).",
}

# Why each error status is answered; every one of them has the error envelope as its body.
ERRORS = {
    400: (
        "BadRequest",
        "Invalid input: a missing or malformed field, an unknown reference, a bad query "
        "parameter or a body that is not valid JSON. `errors` names each field.",
    ),
    401: ("Unauthorized", "No access token, or a bad or expired one."),
    403: ("Forbidden", "Signed in, but the role may not do this."),
    404: ("NotFound", "No such record."),
    405: ("MethodNotAllowed", "The path exists, but not with this method."),
    409: (
        "Conflict",
        "A valid request that the current data refuses: an illegal transition, not enough "
        "stock, a record that others still reference, a conflicting concurrent write.",
    ),
    413: ("PayloadTooLarge", "The request body is too large."),
    415: ("UnsupportedMediaType", "The body is not in a content type this endpoint accepts."),
    429: ("TooManyRequests", "Throttled: wait for the number of seconds in `Retry-After`."),
    503: (
        "ServiceUnavailable",
        "The database cannot answer now: out of reach, overloaded, a row lock waited for too long, or this "
        "request chosen as a deadlock's victim (rolled back whole). Send it again after the number of "
        "seconds in `Retry-After`.",
    ),
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 0},
}
# The statuses whose answer says when to come back (stocky.kit.api.exception_handler sets the header).
ERROR_HEADERS = {429: {"Retry-After": RETRY_AFTER_HEADER}, 503: {"Retry-After": RETRY_AFTER_HEADER}}


ETAG_HEADER = {
    "description": "This answer's version: send it back in If-None-Match to get a 304 while it is current.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the answer you hold: a 304 without a body while nothing it shows has changed.",
    "schema": {"type": "string"},
}

# Section A's CRUD, summarised from the view's `entity` and `entity_plural` ("Raw product", "Raw products").
CRUD_SUMMARIES = {
    "list": "List {many}",
    "create": "Create a {one}",
    "retrieve": "Read a {one}",
    "update": "Replace a {one} (every required field)",
    "partial_update": "Change some fields of a {one}",
    "destroy": "Delete a {one}",
}


class _Shared:
    """The identity of the components this module registers (drf-spectacular checks name collisions)."""


def error_response(description):
    """A response in the error envelope, for `@extend_schema(responses={401: error_response("...")})`."""
    return OpenApiResponse(response=ref("Error"), description=description)


# --- The schema class ---------------------------------------------------------------------------------


class StockyAutoSchema(AutoSchema):
    @property
    def enveloped(self):
        """Section A: success bodies in `{"success", "message", "data", "meta"?}`. Another view that answers
        with `stocky.kit.viewsets.envelope` says so with `success_envelope = True`."""
        return isinstance(self.view, ManufacturingViewSet) or getattr(self.view, "success_envelope", False)

    def get_summary(self):
        summary = super().get_summary()  # an @extend_schema(summary=...) wins
        entity = getattr(self.view, "entity", None)
        if summary or entity is None or not self.enveloped:
            return summary
        template = CRUD_SUMMARIES.get(getattr(self.view, "action", None))
        return template and template.format(one=entity.lower(), many=self.view.entity_plural.lower())

    def get_filter_backends(self):
        # Only a viewset's own list applies its filters; the extra reads (`/suppliers/<id>/raw-products`)
        # list other rows, unfiltered.
        if getattr(self.view, "action", None) not in (None, "list"):
            return []
        return super().get_filter_backends()

    def get_description(self):
        # The action's docstring only: the views' class docstrings are notes for developers.
        action = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        return get_doc(action) if action is not None else ""

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # An optional URL or e-mail reads back as "" when empty: drf-spectacular offers the format or an empty
        # string as `oneOf`, which "" matches twice wherever formats are not checked. Either will do.
        if {"type": "string", "maxLength": 0} in schema.get("oneOf", []):
            schema["anyOf"] = schema.pop("oneOf")

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            # Routes match ids with [0-9]+ (`lookup_value_regex`): they are integers to a client.
            if parameter["schema"].get("pattern") in ("^[0-9]+$", "^\\d+$"):
                parameter["schema"] = {"type": "integer", "minimum": 0}
        return parameters

    def _get_request_for_media_type(self, serializer, direction="request"):
        if self.method == "PATCH" and getattr(self.view, "action", None) not in (None, "partial_update"):
            # A PATCH action (`.../status`, `.../state/<id>`) validates its whole body: not a partial update,
            # so its required fields stay required.
            self.method = "POST"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        ordering_fields = getattr(self.view, "ordering_fields", None)
        search_fields = getattr(self.view, "search_fields", None)
        for parameter in parameters:
            if parameter["name"] == "ordering" and ordering_fields:
                names = ", ".join(f"`{name}`" for name in ordering_fields)
                parameter["description"] = (
                    f"Sort by one or more of {names}, separated by commas; `-` before a name sorts descending. "
                    "Any other name is a 400."
                )
            elif parameter["name"] == "search" and search_fields:
                names = ", ".join(f"`{name.replace('__', ' ')}`" for name in search_fields)
                parameter["description"] = f"Rows where every word appears in one of {names} (any letter case)."
        return parameters

    def _get_paginator(self):
        paginator = super()._get_paginator()
        if paginator is None:
            return None
        if self.enveloped:
            return None  # the page meta is part of the envelope (see _wrap); parameters: see below
        paginator.list_key = getattr(self.view, "list_key", None)
        return paginator

    def _get_pagination_parameters(self):
        pagination_class = getattr(self.view, "pagination_class", None)
        if self.enveloped and pagination_class and self._is_list_view():
            return pagination_class().get_schema_operation_parameters(self.view)
        return super()._get_pagination_parameters()

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if self.enveloped and str(status_code).startswith("2") and str(status_code) != "204":
            content = response.get("content") or {JSON: {"schema": None}}
            for media in content.values():
                media["schema"] = self._wrap(media["schema"])
            response["content"] = content
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.enveloped and self.method == "DELETE" and list(responses) == ["204"]:
            # Section A answers a delete with 200 and `data: null`, not 204.
            responses = {"200": self._get_response_for_code(None, "200", direction=direction)}
        for code in self._error_codes():
            responses.setdefault(str(code), {"$ref": f"{RESPONSES}{self._error_component(code)}"})
        if self._validated_read() and "200" in responses:
            # stocky.kit.readcache: every answer carries an ETag; If-None-Match with it gets a 304 until a
            # write changes what the answer read.
            responses["200"].setdefault("headers", {})["ETag"] = ETAG_HEADER
            responses["304"] = {
                "description": "Not Modified: the ETag sent in If-None-Match is still current. No body.",
                "headers": {"ETag": ETAG_HEADER},
            }
        return responses

    def _validated_read(self):
        return self.method == "GET" and getattr(self.view, "read_cache", False)

    def _get_parameters(self):
        parameters = super()._get_parameters()
        if self._validated_read():
            parameters.append(IF_NONE_MATCH)
        return parameters

    # --- helpers

    def _register(self, name, schema, kind=ResolvedComponent.SCHEMA):
        for constant, constant_schema in CONSTANTS.items():
            self.registry.register_on_missing(
                ResolvedComponent(name=constant, type=ResolvedComponent.SCHEMA, schema=constant_schema, object=_Shared)
            )
        self.registry.register_on_missing(ResolvedComponent(name=name, type=kind, schema=schema, object=_Shared))
        return ref(name) if kind == ResolvedComponent.SCHEMA else {"$ref": f"{RESPONSES}{name}"}

    def _wrap(self, data):
        """The success envelope around `data` (a schema), as a named component where `data` is one."""
        if data is None:
            return self._register("EmptyEnvelope", EMPTY_ENVELOPE_SCHEMA)
        properties = {"success": SUCCESS, "message": MESSAGE, "data": data}
        required = ["success", "message", "data"]
        is_list = data.get("type") == "array"
        if is_list:
            properties["meta"] = self._register("PageMeta", PAGE_META_SCHEMA)
        schema = closed_object(properties, required)
        inner = data["items"] if is_list else data
        name = inner.get("$ref", "").removeprefix(SCHEMAS)
        if not name:
            return schema
        return self._register(f"{name}{'List' if is_list else ''}Envelope", schema)

    def _error_component(self, code):
        self._register("Error", ERROR_SCHEMA)
        name, description = ERRORS[code]
        response = {"description": description, "content": {JSON: {"schema": ref("Error")}}}
        if code in ERROR_HEADERS:
            response["headers"] = ERROR_HEADERS[code]
        self._register(name, response, ResolvedComponent.RESPONSE)
        return name

    def _error_codes(self):
        """The error statuses this operation can answer, from what the view declares."""
        codes = set()
        has_body = self.method in ("POST", "PUT", "PATCH")
        if self.view.get_authenticators():
            codes |= {401, 403}
        if has_body or any(parameter.get("in") == "query" for parameter in self._get_parameters()):
            codes.add(400)
        if "{" in self.path:
            codes.add(404)
        if self.method not in ("GET", "HEAD", "OPTIONS") and self.view.get_authenticators():
            # A delete of a referenced record, a refused state change, or the database refusing a write.
            codes.add(409)
        if has_body:
            codes |= {413, 415}
        if self.view.get_throttles():
            codes.add(429)
        if self._uses_database():
            codes.add(503)
        return sorted(codes)

    def _uses_database(self):
        """Whether the operation reaches the database, and so can be answered 503 when it cannot answer
        (stocky.kit.api.database_unavailable): reads too, since a lost connection or a read timeout ends
        any query, not only a write's lock wait. A signed-in request loads its user, a throttle counts in the
        cache (a database table by default), a view with a queryset reads it, a write writes. The API's
        welcome page does none of these."""
        return bool(
            self.view.get_authenticators()
            or self.view.get_throttles()
            or getattr(self.view, "queryset", None) is not None
            or self.method not in ("GET", "HEAD", "OPTIONS")
        )


# --- Small shapes used by annotations ----------------------------------------------------------------


def json_or_multipart(serializer_class):
    """A request body taken as JSON or as a multipart form (an upload), with the same fields."""
    return {JSON: serializer_class, "multipart/form-data": serializer_class}


def hub_page(name, list_key, serializer_class, paged=True):
    """The body of a hub list that HubPagination does not build: `{"<list_key>": [...], "totalPages": N}`
    (without `totalPages` when not `paged`)."""
    fields = {list_key: serializer_class(many=True)}
    if paged:
        fields["totalPages"] = serializers.IntegerField(min_value=0)
    serializer = inline_serializer(name, fields=fields)
    set_override(serializer, "many", False)  # one object, although the action is a list
    return serializer


class WelcomeSerializer(serializers.Serializer):
    message = serializers.CharField()
    description = serializers.CharField()
    endpoints = serializers.DictField(child=serializers.CharField(), help_text="Resource name → its path.")
    docs = serializers.CharField(help_text="The interactive API documentation (Swagger UI).")
    schema = serializers.CharField(help_text="The OpenAPI schema (YAML; JSON with ?format=json).")
