"""The hub orders' endpoints: /products/orders (SPEC section B "Orders")."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.models import Role
from orders.catalogue import services
from orders.catalogue.filters import CatalogueOrderFilter
from orders.catalogue.serializers import (
    CatalogueOrderCreateSerializer,
    CatalogueOrderSerializer,
    CatalogueOrderUpdateSerializer,
    CatalogueTransitionSerializer,
)
from orders.models import CatalogueOrder
from stocky.kit.hub import HubViewSet


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

    def get_queryset(self):
        # A write locks and reads the order and its product again (orders.services): the product and the
        # category fetched with the order would be two queries for nothing.
        if self.action in ("update", "destroy", "transition"):
            return CatalogueOrder.objects.all()
        return super().get_queryset()

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
