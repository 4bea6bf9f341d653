"""The lot resource (SPEC section D) and the lot parts of other bodies (a receipt's lot, a run's lots)."""

from decimal import Decimal

from django.db.models import Case, CharField, OuterRef, Subquery, When
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import FinishedProduct, Lot, LotEvent, RawProduct, Supplier
from stocky.kit.models import QUANTITY
from stocky.kit.serializers import related_id

ITEM_MODELS = {Lot.ItemType.RAW_PRODUCT: RawProduct, Lot.ItemType.FINISHED_PRODUCT: FinishedProduct}


def _item_column(column):
    return Case(
        *(
            When(item_type=kind, then=Subquery(model.objects.filter(pk=OuterRef("item_id")).values(column)[:1]))
            for kind, model in ITEM_MODELS.items()
        ),
        output_field=CharField(),
    )


def lots_with_items(queryset=None):
    """Lots with their item's name and stock unit, read in the same query."""
    queryset = Lot.objects.all() if queryset is None else queryset
    return queryset.annotate(item_name=_item_column("name"), unit_of_measure=_item_column("unit_of_measure"))


class LotSerializer(serializers.ModelSerializer):
    item_name = serializers.SerializerMethodField()
    unit_of_measure = serializers.SerializerMethodField()
    expired = serializers.BooleanField(read_only=True)
    supplier_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "code",
            "item_type",
            "item_id",
            "item_name",
            "quantity",
            "initial_quantity",
            "unit_of_measure",
            "use_by",
            "best_before",
            "expired",
            "status",
            "supplier_id",
            "supplier_lot_code",
            "source_type",
            "source_id",
            "created_at",
        ]
        read_only_fields = fields

    # A list annotates the item's name and unit (lots_with_items); a lot from a service reads them.
    @extend_schema_field(serializers.CharField())
    def get_item_name(self, lot):
        return self._item_value(lot, "item_name", "name")

    @extend_schema_field(serializers.CharField())
    def get_unit_of_measure(self, lot):
        return self._item_value(lot, "unit_of_measure", "unit_of_measure")

    def _item_value(self, lot, annotation, column):
        if annotation in lot.__dict__:
            return lot.__dict__[annotation] or ""
        return ITEM_MODELS[lot.item_type].objects.filter(pk=lot.item_id).values_list(column, flat=True).first() or ""


class LotCreateSerializer(serializers.Serializer):
    """The body of POST /lots: stock found or brought in by hand."""

    item_type = serializers.ChoiceField(choices=Lot.ItemType.choices)
    item_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    use_by = serializers.DateField(required=False, allow_null=True)
    best_before = serializers.DateField(required=False, allow_null=True)
    supplier_id = related_id(Supplier, "supplier", required=False, allow_null=True)
    supplier_lot_code = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate(self, attrs):
        model = ITEM_MODELS[attrs["item_type"]]
        item = model.objects.filter(pk=attrs.pop("item_id")).first()
        if item is None:
            raise serializers.ValidationError({"item_id": [f"No {attrs['item_type'].replace('_', ' ')} with this id"]})
        attrs["item"] = item
        attrs.pop("item_type")
        return attrs


class LotReasonSerializer(serializers.Serializer):
    """The body of POST /lots/<id>/hold, /release and /recall."""

    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class LotWriteOffSerializer(LotReasonSerializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))


class LotEventSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True, allow_null=True)
    recall_of_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = LotEvent
        fields = ["id", "lot_id", "action", "reason", "quantity", "recall_of_id", "user_id", "created_at"]
        read_only_fields = fields


class ReceiptLotSerializer(serializers.Serializer):
    """The optional `lot` of a purchase order's receipt (PATCH /raw-product-orders/<id>/status)."""

    code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    supplier_lot_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    use_by = serializers.DateField(required=False, allow_null=True)
    best_before = serializers.DateField(required=False, allow_null=True)


class LotDrawSerializer(serializers.Serializer):
    """A material lot named for a production run, and how much of it to draw."""

    lot_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))


class OutputLotSerializer(LotSerializer):
    """The batch a completion made, and the consumed lot that set its use-by (or null)."""

    limiting_lot_id = serializers.SerializerMethodField()

    class Meta(LotSerializer.Meta):
        fields = [*LotSerializer.Meta.fields, "limiting_lot_id"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_limiting_lot_id(self, lot):
        return self.context.get("limiting_lot_id")
