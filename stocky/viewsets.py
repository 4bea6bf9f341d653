"""The manufacturing API's viewset: CRUD in the success envelope of SPEC section A."""

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import re_path
from rest_framework import status, viewsets
from rest_framework.response import Response

from stocky.api import OptionalPagePagination


def envelope(data, message, meta=None, status_code=status.HTTP_200_OK):
    body = {"success": True, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(body, status=status_code)


class ManufacturingViewSet(viewsets.ModelViewSet):
    """CRUD for one resource of section A.

    Subclasses name the resource (`entity`, `entity_plural`) for the messages; everything else is
    the ordinary DRF machinery. Writes run in a transaction so that a service called by
    `perform_*` either completes or changes nothing.
    """

    entity = "Record"
    entity_plural = "Records"
    pagination_class = OptionalPagePagination
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def message(self, verb, plural=False):
        return f"{self.entity_plural if plural else self.entity} {verb} successfully"

    def list(self, request, *args, **kwargs):
        return self.list_response(self.filter_queryset(self.get_queryset()))

    def list_response(self, queryset, serializer_class=None, message=None):
        """Rows in the success envelope, one page of them when `page` is given.

        Also serves the extra reads (`/suppliers/<id>/raw-products`, ...), which list another resource.
        """
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else queryset
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(rows, many=True, context=self.get_serializer_context()).data
        meta = self.paginator.meta if page is not None else None
        return envelope(data, message or self.message("fetched", plural=True), meta)

    def retrieve(self, request, *args, **kwargs):
        return envelope(self.get_serializer(self.get_object()).data, self.message("fetched"))

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return envelope(serializer.data, self.message("created"), status_code=status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return envelope(serializer.data, self.message("updated"))

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return envelope(None, self.message("deleted"))


def with_names(model, *relations):
    """Rows of `model` with only the `name` of each related record: one query for any number of rows.

    Lists show `<relation>_name` beside each foreign key; the related records' other columns are not
    needed, so they are not read.
    """
    own = [field.attname for field in model._meta.concrete_fields]
    return (
        model._default_manager.select_related(*relations)
        .only(*own, *(f"{relation}__name" for relation in relations))
    )


MAX_ID = 2**63 - 1


class PairViewSet(ManufacturingViewSet):
    """A link resource addressed by a pair of ids (`/supplier-raw-products/<supplierId>/<rawProductId>`).

    `pair` names the URL keywords, which are also the model's foreign-key columns. Route it with
    `pair_routes`, not a router: routers know only one lookup value.
    """

    pair = ()

    def get_object(self):
        ids = {name: int(self.kwargs[name]) for name in self.pair}  # the routes only match digits
        # An id that no BIGINT column can hold names nothing. Django guards such values on primary
        # keys but not on foreign-key columns, where SQLite would raise OverflowError (a 500).
        if any(value > MAX_ID for value in ids.values()):
            raise Http404
        queryset = self.filter_queryset(self.get_queryset())
        obj = get_object_or_404(queryset, **ids)
        self.check_object_permissions(self.request, obj)
        return obj


def pair_routes(prefix, viewset, basename):
    """The collection and detail routes of a PairViewSet, with or without a trailing slash."""
    first, second = viewset.pair
    return [
        re_path(rf"^{prefix}/?$", viewset.as_view({"get": "list", "post": "create"}), name=f"{basename}-list"),
        re_path(
            rf"^{prefix}/(?P<{first}>[0-9]+)/(?P<{second}>[0-9]+)/?$",
            viewset.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
            name=f"{basename}-detail",
        ),
    ]
