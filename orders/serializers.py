from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.lots.serializers import ReceiptLotSerializer
from inventory.models import FinishedProduct, RawProduct, Supplier
from inventory.serializers import UnitField
from orders.models import Client, FinishedProductOrder, OrderStatus, RawProductOrder
from orders.selectors import order_lots
from stocky.kit.models import QUANTITY
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
            "min_remaining_shelf_life_days",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {
            "min_remaining_shelf_life_days": {"required": False, "max_value": 36500},
            "client_type": {
                "error_messages": {
                    "invalid_choice": "'{input}' is not a valid client type. "
                    f"Valid types: {', '.join(Client.ClientType.values)}."
                }
            },
        }


class RawProductOrderSerializer(serializers.ModelSerializer):
    raw_product_id = related_id(RawProduct, "raw_product")
    raw_product_name = serializers.CharField(source="raw_product.name", read_only=True)
    supplier_id = related_id(Supplier, "supplier")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    # Optional: the material's stock unit when left out.
    unit_of_measure = UnitField(required=False)
    # The lot its receipt made (SPEC D); null until received
    lot_id = serializers.PrimaryKeyRelatedField(source="lot", read_only=True, allow_null=True)

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
            "lot_id",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {"status": {"error_messages": STATUS_ERRORS}}


class OrderLotSerializer(serializers.Serializer):
    """A lot a sales order's shipment drew, and how much of it."""

    lot_id = serializers.IntegerField()
    code = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)


class SalesOrderListSerializer(serializers.ListSerializer):
    """Reads the lots of every order of the page in one query (orders.selectors.order_lots)."""

    def to_representation(self, data):
        orders = list(data.all() if hasattr(data, "all") else data)
        self.child.context["order_lots"] = order_lots([order.pk for order in orders])
        return super().to_representation(orders)


def lots_of_orders(order_ids, context):
    """order id -> its `lots`, for a page of sales orders read in one query: the fast read's (stocky.kit.rows)."""
    lots = order_lots(order_ids)
    return lambda order_id: lots.get(order_id, [])


class FinishedProductOrderSerializer(serializers.ModelSerializer):
    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    client_id = related_id(Client, "client")
    client_name = serializers.CharField(source="client.name", read_only=True)
    # Optional: the product's stock unit when left out.
    unit_of_measure = UnitField(required=False)
    # The lots its shipment drew (SPEC D); empty while it holds no stock
    lots = serializers.SerializerMethodField()
    # The fast reads (stocky.kit.rows) read them for a page at once, as SalesOrderListSerializer does.
    row_batches = {"lots": ("id", "lots_of_orders")}
    lots_of_orders = staticmethod(lots_of_orders)

    class Meta:
        model = FinishedProductOrder
        list_serializer_class = SalesOrderListSerializer
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
            "lots",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        extra_kwargs = {"status": {"error_messages": STATUS_ERRORS}}

    @extend_schema_field(OrderLotSerializer(many=True))
    def get_lots(self, order):
        lots = self.context.get("order_lots")
        if lots is None:
            lots = order_lots([order.pk])
        return lots.get(order.pk, [])


class OrderStatusSerializer(serializers.Serializer):
    """The body of PATCH /<orders>/<id>/status."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, error_messages=STATUS_ERRORS)


class PurchaseOrderStatusSerializer(OrderStatusSerializer):
    """The body of PATCH /raw-product-orders/<id>/status: reaching `recu` may describe the lot it makes."""

    lot = ReceiptLotSerializer(required=False)
