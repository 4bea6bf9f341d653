"""Serializers of hub catalogue orders (SPEC section B "Orders": camelCase, bare objects)."""

from decimal import Decimal

from rest_framework import serializers

from inventory.catalogue.serializers import ProductSerializer
from orders.models import CatalogueOrder
from stocky.kit.models import MAX_ID, QUANTITY


class CatalogueOrderSerializer(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    item = ProductSerializer()

    class Meta:
        model = CatalogueOrder
        fields = ["id", "client", "description", "quantity", "state", "createdAt", "updatedAt", "item"]


class CatalogueOrderUpdateSerializer(serializers.Serializer):
    """PUT /products/orders/<id>; an omitted description is left as it is."""

    client = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))


class CatalogueOrderCreateSerializer(CatalogueOrderUpdateSerializer):
    """POST /products/orders. Whether the item exists and has enough is the service's to say."""

    # Bounded by the primary key's range: a larger number is a 400 here, not a database error later.
    itemId = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    initialState = serializers.CharField(required=False, default=CatalogueOrder.State.PENDING)


class CatalogueTransitionSerializer(serializers.Serializer):
    transition = serializers.CharField()
