from rest_framework import serializers

from inventory.models import FinishedProduct, RawProduct, Supplier
from inventory.serializers import UnitField
from orders.models import Client, FinishedProductOrder, OrderStatus, RawProductOrder
from stocky.kit.serializers import OptionalEmailField, OptionalURLField, related_id

TIMESTAMPS = ["created_at", "updated_at"]
STATUS_ERRORS = {
    "invalid_choice": f"'{{input}}' is not a valid status. Valid statuses: {', '.join(OrderStatus.values)}."
}


class ClientSerializer(serializers.ModelSerializer):
    email = OptionalEmailField(max_length=254)
    website = OptionalURLField(max_length=200)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "website",
            "contact_person",
            "client_type",
            "address",
            "city",
            "region",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {
            "client_type": {
                "error_messages": {
                    "invalid_choice": "'{input}' is not a valid client type. "
                    f"Valid types: {', '.join(Client.ClientType.values)}."
                }
            }
        }


class RawProductOrderSerializer(serializers.ModelSerializer):
    raw_product_id = related_id(RawProduct, "raw_product")
    raw_product_name = serializers.CharField(source="raw_product.name", read_only=True)
    supplier_id = related_id(Supplier, "supplier")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    # Optional: the material's stock unit when left out.
    unit_of_measure = UnitField(required=False)

    class Meta:
        model = RawProductOrder
        fields = [
            "id",
            "raw_product_id",
            "raw_product_name",
            "supplier_id",
            "supplier_name",
            "quantity",
            "unit_of_measure",
            "price",
            "ordered_at",
            "expected_delivery_date",
            "status",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {"status": {"error_messages": STATUS_ERRORS}}


class FinishedProductOrderSerializer(serializers.ModelSerializer):
    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    client_id = related_id(Client, "client")
    client_name = serializers.CharField(source="client.name", read_only=True)
    # Optional: the product's stock unit when left out.
    unit_of_measure = UnitField(required=False)

    class Meta:
        model = FinishedProductOrder
        fields = [
            "id",
            "finished_product_id",
            "finished_product_name",
            "client_id",
            "client_name",
            "quantity",
            "unit_of_measure",
            "sale_price",
            "ordered_at",
            "expected_delivery_date",
            "status",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {"status": {"error_messages": STATUS_ERRORS}}


class OrderStatusSerializer(serializers.Serializer):
    """The body of PATCH /<orders>/<id>/status."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, error_messages=STATUS_ERRORS)
