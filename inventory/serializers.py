from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from stocky.serializers import OptionalTextField, OptionalURLField, PairKeyedSerializer, related_id


class RawProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = RawProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FinishedProductSerializer(serializers.ModelSerializer):
    comments = OptionalTextField()

    class Meta:
        model = FinishedProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "comments", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class SupplierSerializer(serializers.ModelSerializer):
    # Case-insensitive on every database; the model stores it lower-cased (see Supplier.save).
    email = serializers.EmailField(
        max_length=254,
        validators=[
            UniqueValidator(
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
