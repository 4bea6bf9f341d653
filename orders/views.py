from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from orders import services
from orders.filters import (
    ClientFilter,
    FinishedProductOrderFilter,
    RawProductOrderFilter,
)
from orders.models import Client, FinishedProductOrder, RawProductOrder
from orders.serializers import (
    ClientSerializer,
    FinishedProductOrderSerializer,
    OrderStatusSerializer,
    RawProductOrderSerializer,
)
from stocky.viewsets import ManufacturingViewSet, envelope, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def raw_product_order_rows():
    return with_names(RawProductOrder, "raw_product", "supplier")


def finished_product_order_rows():
    return with_names(FinishedProductOrder, "finished_product", "client")


class OrderViewSet(ManufacturingViewSet):
    """Orders of either kind: a status changes only through the kind's service (`set_status`)."""

    status_service = None  # the name of the service in orders.services, looked up at call time

    def set_status(self, order, status):
        return getattr(services, self.status_service)(order=order, status=status, user=self.request.user)

    def perform_update(self, serializer):
        # A PUT/PATCH that carries a new status goes through the same service as PATCH .../status.
        status = serializer.validated_data.pop("status", None)
        order = serializer.save()
        if status is not None:
            self.set_status(order, status)

    @extend_schema(request=OrderStatusSerializer, summary="Change the status of an order")
    @action(detail=True, methods=["patch"])
    def status(self, request, pk=None):
        order = self.get_object()
        body = OrderStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.set_status(order, body.validated_data["status"])
        return envelope(self.get_serializer(order).data, f"{self.entity} status updated successfully")


class ClientViewSet(ManufacturingViewSet):
    entity, entity_plural = "Client", "Clients"
    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["name", "email", "phone", "contact_person", "address", "city", "region"]
    ordering_fields = ["id", "name", "email", "contact_person", "client_type", "city", "region", *TIMESTAMPS]

    @extend_schema(responses=FinishedProductOrderSerializer(many=True))
    @action(detail=True, methods=["get"])
    def orders(self, request, pk=None):
        """The client's finished-product orders (GET /clients/<id>/orders)."""
        client = get_object_or_404(Client, pk=pk)
        return self.list_response(
            finished_product_order_rows().filter(client=client),
            serializer_class=FinishedProductOrderSerializer,
            message="Client orders fetched successfully",
        )


class RawProductOrderViewSet(OrderViewSet):
    entity, entity_plural = "Raw product order", "Raw product orders"
    status_service = "raw_product_order_set_status"
    queryset = raw_product_order_rows()
    serializer_class = RawProductOrderSerializer
    filterset_class = RawProductOrderFilter
    search_fields = ["raw_product__name", "supplier__name", "status"]
    ordering_fields = [
        "id", "raw_product_id", "supplier_id", "quantity", "price", "ordered_at", "expected_delivery_date",
        "status", *TIMESTAMPS,
    ]


class FinishedProductOrderViewSet(OrderViewSet):
    entity, entity_plural = "Finished product order", "Finished product orders"
    status_service = "finished_product_order_set_status"
    queryset = finished_product_order_rows()
    serializer_class = FinishedProductOrderSerializer
    filterset_class = FinishedProductOrderFilter
    search_fields = ["finished_product__name", "client__name", "status"]
    ordering_fields = [
        "id", "finished_product_id", "client_id", "quantity", "sale_price", "ordered_at",
        "expected_delivery_date", "status", *TIMESTAMPS,
    ]

from rest_framework import status
from rest_framework.response import Response

from accounts.models import Role
from orders.filters import CatalogueOrderFilter
from orders.models import CatalogueOrder
from orders.serializers import (
    CatalogueOrderCreateSerializer,
    CatalogueOrderSerializer,
    CatalogueOrderUpdateSerializer,
    CatalogueTransitionSerializer,
)
from stocky.hub import HubViewSet

# --- Hub catalogue orders (SPEC section B "Orders") -------------------------------------------------


class CatalogueOrderViewSet(HubViewSet):
    """GET/POST /products/orders, GET/PUT/DELETE /products/orders/<id>, PATCH /products/orders/state/<id>.

    Who may make which transition is the service's rule (it depends on the states); the view only lets
    ReadonlyUser no further than reading.
    """

    list_key = "orders"
    queryset = CatalogueOrder.objects.prefetch_related("item__category")  # not joined: see ProductViewSet
    serializer_class = CatalogueOrderSerializer
    filterset_class = CatalogueOrderFilter
    search_fields = ["client", "description", "item__name"]
    ordering_fields = {
        "id": "id",
        "client": "client",
        "quantity": "quantity",
        "state": "state",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    }
    action_roles = {
        "update": {Role.ADMIN, Role.MANAGER},
        "destroy": {Role.ADMIN},
    }

    @extend_schema(request=CatalogueOrderCreateSerializer, responses={201: CatalogueOrderSerializer})
    def create(self, request):
        data = self.validated_input(CatalogueOrderCreateSerializer)
        order = services.catalogue_order_create(
            item_id=data["itemId"],
            client=data["client"],
            description=data.get("description", ""),
            quantity=data["quantity"],
            initial_state=data["initialState"],
            user=request.user,
        )
        return self.read(order, status.HTTP_201_CREATED)

    @extend_schema(request=CatalogueOrderUpdateSerializer, responses=CatalogueOrderSerializer)
    def update(self, request, pk):
        data = self.validated_input(CatalogueOrderUpdateSerializer)
        order = services.catalogue_order_update(order=self.get_object(), **data)
        return self.read(order)

    def destroy(self, request, pk):
        services.catalogue_order_delete(order=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CatalogueTransitionSerializer, responses=CatalogueOrderSerializer)
    def transition(self, request, pk):
        data = self.validated_input(CatalogueTransitionSerializer)
        order = services.catalogue_order_transition(
            order=self.get_object(), target=data["transition"], user=request.user
        )
        return self.read(order)
