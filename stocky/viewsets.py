"""The manufacturing API's viewset: CRUD in the success envelope of SPEC section A."""

from django.db import transaction
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
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else queryset
        data = self.get_serializer(rows, many=True).data
        meta = self.paginator.meta if page is not None else None
        return envelope(data, self.message("fetched", plural=True), meta)

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
