from rest_framework import status
from rest_framework.response import Response

from accounts.models import Role
from orders import services
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

    def update(self, request, pk):
        data = self.validated_input(CatalogueOrderUpdateSerializer)
        order = services.catalogue_order_update(order=self.get_object(), **data)
        return self.read(order)

    def destroy(self, request, pk):
        services.catalogue_order_delete(order=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def transition(self, request, pk):
        data = self.validated_input(CatalogueTransitionSerializer)
        order = services.catalogue_order_transition(
            order=self.get_object(), target=data["transition"], user=request.user
        )
        return self.read(order)
