"""The manufacturing API's viewset: CRUD in the success envelope of SPEC section A."""

from functools import partial, wraps

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import re_path
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from stocky.kit import readcache
from stocky.kit.api import OptionalPagePagination
from stocky.kit.models import MAX_ID
from stocky.kit.renderers import FastJSONRenderer
from stocky.kit.rows import plan_for


def envelope(data, message, meta=None, status_code=status.HTTP_200_OK):
    body = {"success": True, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(body, status=status_code)


class FastReadMixin:
    """What the reads of a section A or hub viewset share: filter backends left out when no query parameter
    is theirs, and a RowPlan (stocky.kit.rows) for answering without per-field serializer work."""

    fast_reads = True
    # Every GET answers with an ETag and may come from the read cache, checked against the versions of the
    # tables it read (stocky.kit.readcache, docs/caching.md). False for a view whose answer depends on
    # something other than the request and the database; `cache_per_user` when it depends on the caller.
    read_cache = True
    cache_per_user = False

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        if not cls.read_cache or not plain_dispatch(cls):
            return view
        # A cache hit whose caller this process already knows is answered before DRF's dispatch (about half
        # the cost of a single-row read); every other request goes the full way (stocky.kit.readcache).
        fast = readcache.FastPath(cls, actions, initkwargs)

        @wraps(view)  # keeps what DRF put on its view function: cls, initkwargs, actions, csrf_exempt
        def fast_view(request, *args, **kwargs):
            response = fast.answer(request, args, kwargs)
            return response if response is not None else view(request, *args, **kwargs)

        fast_view.fast_path = fast
        return fast_view

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authenticated and permitted by now: the cache only ever answers a caller DRF let through.
        method = request.method.lower()
        handler = getattr(self, method, None)  # None: the route has no GET (DRF answers 405)
        if method in ("get", "head") and handler is not None and self.read_cache and settings.READ_CACHE:
            setattr(self, method, partial(readcache.fresh_read, self, handler))

    def filter_queryset(self, queryset):
        # Without a filter, search or ordering parameter every backend hands the queryset back as it is;
        # building a FilterSet to learn that costs more than the rest of a single-row read. Only the
        # paginator's own parameters (which no FilterSet here names) leave the backends out too.
        if self.request.query_params.keys() <= self.paginator_parameters():
            return queryset
        return super().filter_queryset(queryset)

    def paginator_parameters(self):
        names = getattr(self.paginator, "parameters", frozenset())
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None and names & set(filterset.base_filters):
            return frozenset()  # a filter of that name: the backends must see it
        return names

    def row_plan(self, serializer_class=None):
        """The RowPlan for the fast read of `serializer_class` (default: the view's), or None."""
        if not self.fast_reads or not isinstance(getattr(self.request, "accepted_renderer", None), FastJSONRenderer):
            return None
        return plan_for(serializer_class or self.get_serializer_class())

    def fast_retrieve(self):
        """The requested record's JSON through the RowPlan, or None when the serializer must answer."""
        plan = self.row_plan()
        # Permissions that look at the record itself need the model instance.
        if plan is None or any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        ):
            return None
        row = get_object_or_404(plan.values(self.filter_queryset(self.get_queryset())), **self.lookup())
        return plan.encode_one(row, self.get_serializer_context())

    def lookup(self):
        """The filter naming the requested record, from the URL."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        return {self.lookup_field: self.kwargs[lookup_url_kwarg]}

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        obj = get_object_or_404(queryset, **self.lookup())
        self.check_object_permissions(self.request, obj)
        return obj


# The steps of DRF's dispatch that the fast path (stocky.kit.readcache.FastPath) does in its own way: a view that
# changes one of them gets no fast path, since the fast path would not do what the view added.
DISPATCH_STEPS = (
    "dispatch",
    "initialize_request",
    "initial",
    "perform_authentication",
    "check_permissions",
    "check_throttles",
    "determine_version",
    "perform_content_negotiation",
    "finalize_response",
)


class _PlainViewSet(FastReadMixin, viewsets.GenericViewSet):
    pass


def plain_dispatch(cls):
    return all(getattr(cls, step) is getattr(_PlainViewSet, step) for step in DISPATCH_STEPS)


class ManufacturingViewSet(FastReadMixin, viewsets.ModelViewSet):
    """CRUD for one resource of section A.

    Subclasses name the resource (`entity`, `entity_plural`) for the messages; everything else is
    the ordinary DRF machinery. Writes run in a transaction so that a service called by
    `perform_*` either completes or changes nothing.

    Reads (lists, single rows, the extra reads through `list_response`) skip the serializer's per-field
    work when its fields are plain columns (stocky.kit.rows); `fast_reads = False` turns that off for a view.
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
        serializer_class = serializer_class or self.get_serializer_class()
        paginator = self.paginator
        window = paginator.page_window(queryset, self.request) if paginator is not None else None
        plan = self.row_plan(serializer_class)
        if plan is not None:
            rows = page_rows(queryset, window, joined=plan.joins, read=plan.values)
            data = plan.encode(rows, self.get_serializer_context())
        else:
            rows = page_rows(queryset, window, joined=bool(queryset.query.select_related))
            data = serializer_class(rows, many=True, context=self.get_serializer_context()).data
        meta = paginator.meta if window is not None else None
        return envelope(data, message or self.message("fetched", plural=True), meta)

    def retrieve(self, request, *args, **kwargs):
        data = self.fast_retrieve()
        if data is None:
            data = self.get_serializer(self.get_object()).data
        return envelope(data, self.message("fetched"))

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


def page_rows(queryset, window, joined=False, read=None):
    """The rows of one page (`window`, a slice) of `queryset`, or all of them without a window; `read` turns
    a queryset of the model into what to answer (a RowPlan's values), the queryset itself by default.

    A joined read takes the page's ids first, from the model's own table, then the joined rows of those ids:
    with ORDER BY ... LIMIT on a join, MariaDB may start from the other table and sort a temporary table,
    which grows with the table (90-115 ms at 9,600 purchase orders against 1-3 ms for the two queries;
    PERFORMANCE.md, bench/README.md).
    """
    read = read or (lambda rows: rows)
    if window is None:
        return read(queryset)
    if not joined:
        return read(queryset)[window]
    ids = list(queryset.values_list("pk", flat=True)[window])
    return read(queryset.filter(pk__in=ids))


def with_names(model, *relations):
    """Rows of `model` with only the `name` of each related record: one query for any number of rows.

    Lists show `<relation>_name` beside each foreign key; the related records' other columns are not
    needed, so they are not read.
    """
    own = [field.attname for field in model._meta.concrete_fields]
    return model._default_manager.select_related(*relations).only(
        *own, *(f"{relation}__name" for relation in relations)
    )


class PairViewSet(ManufacturingViewSet):
    """A link resource addressed by a pair of ids (`/supplier-raw-products/<supplierId>/<rawProductId>`).

    `pair` names the URL keywords, which are also the model's foreign-key columns. Route it with
    `pair_routes`, not a router: routers know only one lookup value.
    """

    pair = ()

    def lookup(self):
        ids = {name: int(self.kwargs[name]) for name in self.pair}  # the routes only match digits
        # An id that no BIGINT column can hold names nothing. Django guards such values on primary
        # keys but not on foreign-key columns, where SQLite would raise OverflowError (a 500).
        if any(value > MAX_ID for value in ids.values()):
            raise Http404
        return ids


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
