"""What the hub API's lists share (SPEC section B): `page`/`pageSize`, `{"<rows>": [...], "totalPages": N}`,
and ordering on the camelCase names of the JSON fields."""

import math

from django.urls import re_path
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from stocky.kit.api import (
    BoundedSearchFilter,
    StrictOrderingFilter,
    integer_query_parameter,
    positive_int_param,
)
from stocky.kit.viewsets import FastReadMixin, page_rows


class HubPagination(BasePagination):
    """Always one page: `page` >= 1 (default 1), `pageSize` 1-100 (default 10).

    The view names the key of its rows with `list_key` ("products", "orders", "users"). A page past the
    end is empty rather than an error, so a client that deleted the last row of a page just moves back;
    `totalPages` is 0 when nothing matches.
    """

    page_size = 10
    max_page_size = 100
    parameters = frozenset({"page", "pageSize"})

    def page_window(self, queryset, request, view):
        """The slice of `queryset` to answer, or None past the end (nothing to read)."""
        page = positive_int_param(request, "page", 1)
        size = positive_int_param(request, "pageSize", self.page_size, maximum=self.max_page_size)
        self.key = view.list_key
        total = queryset.count()
        self.total_pages = math.ceil(total / size)
        offset = (page - 1) * size
        # Past the end there is nothing to read; not asking also keeps a huge page number out of the SQL,
        # where an OFFSET beyond the database's integer range is an error.
        return slice(offset, offset + size) if offset < total else None

    def paginate_queryset(self, queryset, request, view=None):
        window = self.page_window(queryset, request, view)
        return list(queryset[window]) if window is not None else []

    def get_paginated_response(self, data):
        return Response({self.key: data, "totalPages": self.total_pages})

    def get_schema_operation_parameters(self, view):
        return [
            integer_query_parameter("page", "The page, from 1 (default 1); past the last page the list is empty."),
            integer_query_parameter("pageSize", f"Rows per page (default {self.page_size}).", self.max_page_size),
        ]

    def get_paginated_response_schema(self, schema):
        # `list_key` is set by stocky.kit.schema from the view, as paginate_queryset does from the request.
        return {
            "type": "object",
            "required": [self.list_key, "totalPages"],
            "properties": {self.list_key: schema, "totalPages": {"type": "integer", "minimum": 0}},
            "additionalProperties": False,
        }


class CamelCaseOrderingFilter(StrictOrderingFilter):
    """`ordering=-createdAt,name`: the view's `ordering_fields` maps each camelCase name to a model field;
    any other name is a 400 (StrictOrderingFilter)."""

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in view.ordering_fields]

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not request.query_params.get(self.ordering_param):
            return ordering  # the view's default, already in model field names
        fields = view.ordering_fields
        # The tiebreak "id" that StrictOrderingFilter appends is not a camelCase name; it passes as is.
        return [("-" if f.startswith("-") else "") + fields.get(f.lstrip("-"), f.lstrip("-")) for f in ordering]


class HubViewSet(FastReadMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reads of a hub resource: the paginated list and the single object, as bare JSON.

    Subclasses name `list_key` and map camelCase `ordering_fields` to model fields; their writes call
    services and answer with `self.read(obj)`. Reads skip the serializer's per-field work when its fields
    are plain columns (stocky.kit.rows: the catalogue's products, not the orders with their nested product).
    """

    pagination_class = HubPagination
    filter_backends = [DjangoFilterBackend, BoundedSearchFilter, CamelCaseOrderingFilter]
    lookup_value_regex = r"[0-9]+"

    def list(self, request, *args, **kwargs):
        plan = self.row_plan()
        if plan is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        window = self.paginator.page_window(queryset, request, self)
        rows = page_rows(queryset, window, joined=plan.joins, read=plan.values) if window is not None else []
        return self.paginator.get_paginated_response(plan.encode(rows, self.get_serializer_context()))

    def retrieve(self, request, *args, **kwargs):
        data = self.fast_retrieve()
        return Response(data) if data is not None else super().retrieve(request, *args, **kwargs)

    def validated_input(self, serializer_class):
        """The request body checked by an input serializer (a 400 in the envelope otherwise), as a dict."""
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def read(self, obj, status_code=200):
        return Response(self.get_serializer(obj).data, status=status_code)


def hub_route(route, viewset, actions, name):
    """A hub path (`route` a regex without anchors) mapping methods to viewset actions, answered with and
    without a trailing slash: no redirect, which would turn a POST into a GET."""
    return re_path(rf"^{route}/?$", viewset.as_view(actions), name=name)
