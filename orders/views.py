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
from stocky.kit.viewsets import ManufacturingViewSet, envelope, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def raw_product_order_rows():
    return with_names(RawProductOrder, "raw_product", "supplier")


def finished_product_order_rows():
    return with_names(FinishedProductOrder, "finished_product", "client")


class OrderViewSet(ManufacturingViewSet):
    """Orders of either kind: every write goes through the kind's services in orders.services
    (`<kind>_create`, `_update`, `_set_status`, `_delete`), which apply the transition table and move stock."""

    # staticmethod(orders.services.<kind>_create), ... in each kind's viewset
    create_service = update_service = set_status_service = delete_service = None

    def perform_create(self, serializer):
        serializer.instance = self.create_service(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        # A status in the body moves along the same table as PATCH .../status, after the other fields.
        serializer.instance = self.update_service(
            order=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self.delete_service(order=instance)

    @extend_schema(request=OrderStatusSerializer, summary="Change the status of an order")
    @action(detail=True, methods=["patch"])
    def status(self, request, pk=None):
        order = self.get_object()
        body = OrderStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.set_status_service(order=order, status=body.validated_data["status"], user=request.user)
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
    create_service = staticmethod(services.raw_product_order_create)
    update_service = staticmethod(services.raw_product_order_update)
    set_status_service = staticmethod(services.raw_product_order_set_status)
    delete_service = staticmethod(services.raw_product_order_delete)
    queryset = raw_product_order_rows()
    serializer_class = RawProductOrderSerializer
    filterset_class = RawProductOrderFilter
    search_fields = ["raw_product__name", "supplier__name", "status"]
    ordering_fields = [
        "id",
        "raw_product_id",
        "supplier_id",
        "quantity",
        "unit_of_measure",
        "price",
        "ordered_at",
        "expected_delivery_date",
        "status",
        *TIMESTAMPS,
    ]


class FinishedProductOrderViewSet(OrderViewSet):
    entity, entity_plural = "Finished product order", "Finished product orders"
    create_service = staticmethod(services.finished_product_order_create)
    update_service = staticmethod(services.finished_product_order_update)
    set_status_service = staticmethod(services.finished_product_order_set_status)
    delete_service = staticmethod(services.finished_product_order_delete)
    queryset = finished_product_order_rows()
    serializer_class = FinishedProductOrderSerializer
    filterset_class = FinishedProductOrderFilter
    search_fields = ["finished_product__name", "client__name", "status"]
    ordering_fields = [
        "id",
        "finished_product_id",
        "client_id",
        "quantity",
        "unit_of_measure",
        "sale_price",
        "ordered_at",
        "expected_delivery_date",
        "status",
        *TIMESTAMPS,
    ]
