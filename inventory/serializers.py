from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import (
    FinishedProduct,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from inventory.units import Equivalence, UnitError, normalize_unit
from stocky.kit.models import QUANTITY
from stocky.kit.serializers import (
    BoundedUniqueValidator,
    OptionalTextField,
    OptionalURLField,
    PairKeyedSerializer,
    related_id,
)


class UnitField(serializers.CharField):
    """A unit of measure as typed ("L", "Kg", "pcs"), read back as its canonical symbol ("l", "kg", "unit")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return normalize_unit(text)
        except UnitError as exc:
            raise serializers.ValidationError(str(exc)) from None


class RawProductSerializer(serializers.ModelSerializer):
    unit_of_measure = UnitField()

    class Meta:
        model = RawProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "reorder_level", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FinishedProductSerializer(serializers.ModelSerializer):
    comments = OptionalTextField()
    unit_of_measure = UnitField()

    class Meta:
        model = FinishedProduct
        fields = [
            "id",
            "name",
            "stock_quantity",
            "unit_of_measure",
            "reorder_level",
            "comments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class SupplierSerializer(serializers.ModelSerializer):
    # Case-insensitive on every database; the model stores it lower-cased (see Supplier.save).
    email = serializers.EmailField(
        max_length=254,
        validators=[
            BoundedUniqueValidator(
                queryset=Supplier.objects.all(),
                lookup="iexact",
                message="A supplier with this e-mail already exists.",
            )
        ],
    )
    website = OptionalURLField(max_length=200)

    class Meta:
        model = Supplier
        fields = ["id", "name", "phone", "email", "website", "contact_person", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_email(self, value):
        return value.lower()


class SupplierRawProductSerializer(PairKeyedSerializer):
    """One line of a supplier's price list. The pair is its key; the surrogate id stays internal."""

    pair_fields = ("supplier_id", "raw_product_id")
    pair_exists_message = "This supplier already has a price for this raw product; update that line instead."

    supplier_id = related_id(Supplier, "supplier")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    raw_product_id = related_id(RawProduct, "raw_product")
    raw_product_name = serializers.CharField(source="raw_product.name", read_only=True)
    unit_of_measure = UnitField()

    class Meta:
        model = SupplierRawProduct
        fields = [
            "supplier_id",
            "supplier_name",
            "raw_product_id",
            "raw_product_name",
            "unit_price",
            "unit_of_measure",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # the pair is checked by PairKeyedSerializer, with a clearer message


class ConversionSerializer(serializers.Serializer):
    """One equivalence of a product: `quantity_a` `unit_a` is as much as `quantity_b` `unit_b`."""

    quantity_a = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    unit_a = UnitField()
    quantity_b = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"))
    unit_b = UnitField()

    def validate(self, attrs):
        try:
            attrs["equivalence"] = Equivalence(
                attrs["quantity_a"], attrs["unit_a"], attrs["quantity_b"], attrs["unit_b"]
            )
        except UnitError as exc:
            raise serializers.ValidationError({"non_field_errors": [str(exc)]}) from None
        return attrs


class StockMovementSerializer(serializers.ModelSerializer):
    # null once the user is deleted, or for changes no user made (a command, a migration)
    user_id = serializers.IntegerField(read_only=True, allow_null=True)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "item_type",
            "item_id",
            "item_name",
            "change",
            "balance_after",
            "unit_of_measure",
            "reason",
            "source_type",
            "source_id",
            "note",
            "user_id",
            "user_name",
            "created_at",
        ]
        read_only_fields = fields  # the ledger is only read, and every field is always in the answer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_user_name(self, movement):
        return movement.user.username if movement.user_id else None
