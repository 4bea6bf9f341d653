"""What GET /lots/<id>/trace answers (SPEC section D), described for the schema: orders.trace builds it."""

from rest_framework import serializers

from inventory.lots.serializers import LotSerializer
from stocky.kit.models import QUANTITY


class TraceBackwardSerializer(serializers.Serializer):
    lot_id = serializers.IntegerField()
    code = serializers.CharField()
    item_id = serializers.IntegerField()
    quantity = serializers.DecimalField(**QUANTITY)
    level = serializers.IntegerField()
    batch_id = serializers.IntegerField(help_text="The batch (lot) that consumed it")
    supplier_id = serializers.IntegerField(allow_null=True)
    supplier_name = serializers.CharField(allow_null=True)
    supplier_lot_code = serializers.CharField(allow_blank=True)
    purchase_order_id = serializers.IntegerField(allow_null=True)
    received_at = serializers.DateTimeField()
    use_by = serializers.DateField(allow_null=True)


class TraceLotSerializer(serializers.Serializer):
    lot_id = serializers.IntegerField()
    code = serializers.CharField()
    item_name = serializers.CharField()
    quantity_used = serializers.DecimalField(**QUANTITY)
    level = serializers.IntegerField()


class TraceOrderSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    client_name = serializers.CharField()
    contact_person = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    lot_id = serializers.IntegerField()
    quantity = serializers.DecimalField(**QUANTITY)
    shipped_at = serializers.DateTimeField()


class TraceOnHandSerializer(serializers.Serializer):
    lot_id = serializers.IntegerField()
    code = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)


class TraceForwardSerializer(serializers.Serializer):
    lots = TraceLotSerializer(many=True)
    orders = TraceOrderSerializer(many=True)
    on_hand = TraceOnHandSerializer(many=True)


class MassBalanceSerializer(serializers.Serializer):
    received = serializers.DecimalField(**QUANTITY)
    consumed = serializers.DecimalField(**QUANTITY)
    shipped = serializers.DecimalField(**QUANTITY)
    written_off = serializers.DecimalField(**QUANTITY)
    adjusted = serializers.DecimalField(**QUANTITY)
    on_hand = serializers.DecimalField(**QUANTITY)
    accounted_percent = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


class TraceSerializer(serializers.Serializer):
    lot = LotSerializer()
    backward = TraceBackwardSerializer(many=True)
    forward = TraceForwardSerializer()
    mass_balance = MassBalanceSerializer()


class TraceQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv", "pdf"], required=False, default="json")
