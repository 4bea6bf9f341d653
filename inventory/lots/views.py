"""The lots API (SPEC section D): /lots, /lots/<id>, and the hold, release and write-off actions; the trace and
the recall, which name the clients a lot reached, are in orders.lot_views."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action

from accounts.models import Role
from inventory.lots import services
from inventory.lots.filters import LotFilter
from inventory.lots.serializers import (
    LotCreateSerializer,
    LotEventSerializer,
    LotReasonSerializer,
    LotSerializer,
    LotWriteOffSerializer,
    lots_with_items,
)
from inventory.models import Lot
from stocky.kit.viewsets import ManufacturingViewSet, envelope

# Hold, release and recall stop or restart what the whole workshop may use: Manager and above (SPEC D).
STATUS_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class LotViewSet(ManufacturingViewSet):
    """Lots: read, enter by hand (POST), write off, hold and release. A lot's quantity and status change only
    through these actions (inventory.lots.services) and the stock moves of orders and runs."""

    entity, entity_plural = "Lot", "Lots"
    http_method_names = ["get", "post", "head", "options"]
    queryset = lots_with_items().order_by("id")
    serializer_class = LotSerializer
    filterset_class = LotFilter
    search_fields = ["code", "supplier_lot_code"]
    ordering_fields = ["id", "code", "quantity", "use_by", "best_before", "status", "created_at"]
    action_roles = {"hold": STATUS_ROLES, "release": STATUS_ROLES}
    fast_reads = False  # the item's name and unit are annotations, which row plans do not read

    def _answer(self, lot, message, status_code=status.HTTP_200_OK):
        lot = lots_with_items(Lot.objects.filter(pk=lot.pk)).get()
        return envelope(
            LotSerializer(lot, context=self.get_serializer_context()).data, message, status_code=status_code
        )

    @extend_schema(request=LotCreateSerializer, responses={201: LotSerializer})
    def create(self, request, *args, **kwargs):
        body = LotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.lot_create(user=request.user, **body.validated_data)
        return self._answer(lot, "Lot created successfully", status.HTTP_201_CREATED)

    @extend_schema(request=LotWriteOffSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        body = LotWriteOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.lot_write_off(lot=self.get_object(), user=request.user, **body.validated_data)
        return self._answer(lot, "Lot written off successfully")

    @extend_schema(request=LotReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        body = LotReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.lot_hold(lot=self.get_object(), user=request.user, **body.validated_data)
        return self._answer(lot, "Lot put on hold successfully")

    @extend_schema(request=LotReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        body = LotReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.lot_release(lot=self.get_object(), user=request.user, **body.validated_data)
        return self._answer(lot, "Lot released successfully")

    @extend_schema(responses=LotEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        lot = self.get_object()
        events = LotEventSerializer(lot.events.order_by("-created_at", "-id"), many=True).data
        return envelope(events, "Lot events fetched successfully")
