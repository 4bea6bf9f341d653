from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import (
    NUTRIENTS,
    FinishedProduct,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
    allergen_list,
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


class AllergenListField(serializers.ListField):
    """A list of Annex II allergen codes (SPEC E): an unknown code is a 400 naming it; duplicates collapse and
    the list reads back in the Annex's order."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(child=serializers.CharField(max_length=20), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):  # a common slip: "milk" rather than ["milk"]
            raise serializers.ValidationError('Expected a list of allergen codes, e.g. ["gluten", "milk"]')
        try:
            return allergen_list(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class NutritionSerializer(serializers.Serializer):
    """Per 100 g of the material; each figure null when unknown (SPEC E). Its fields are the raw product's
    own columns (`source="*"` on the parent): a write names only the figures it changes. The ranges (0 to
    100 g, 4000 kJ, 1000 kcal; saturates within fat, sugars within carbohydrate) are the service's to check
    (inventory.services._check_declaration), so that the API, the admin and an import name the same field."""

    def get_fields(self):
        return {
            name: serializers.DecimalField(
                max_digits=7,
                decimal_places=2,
                allow_null=True,
                required=False,
                help_text=f"{label}, {unit} per 100 g (0 to {most}); null when unknown",
            )
            for name, label, unit, most in NUTRIENTS
        }


class RawProductSerializer(serializers.ModelSerializer):
    unit_of_measure = UnitField()
    allergens = AllergenListField(help_text="EU 1169/2011 Annex II codes the material contains")
    may_contain = AllergenListField(help_text="Annex II codes it may contain by cross-contact")
    label_name = OptionalTextField(max_length=255, help_text="Its name in an ingredient list; empty: `name`")
    nutrition = NutritionSerializer(source="*", required=False)

    class Meta:
        model = RawProduct
        fields = [
            "id",
            "name",
            "stock_quantity",
            "unit_of_measure",
            "reorder_level",
            "allergens",
            "may_contain",
            "label_name",
            "is_packaging",
            "nutrition",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"is_packaging": {"required": False}}


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
            "shelf_life_days",
            "yield_percent",
            "net_weight_g",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "shelf_life_days": {"required": False, "max_value": 36500},
            "yield_percent": {"required": False},
            "net_weight_g": {"required": False},
        }


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
    # The lot that moved (SPEC D); null for catalogue products
    lot_id = serializers.IntegerField(read_only=True, allow_null=True)

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
            "lot_id",
            "user_id",
            "user_name",
            "created_at",
        ]
        read_only_fields = fields  # the ledger is only read, and every field is always in the answer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_user_name(self, movement):
        return movement.user.username if movement.user_id else None
