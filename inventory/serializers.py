from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.images import image_from_upload
from inventory.measures import unit_problem
from inventory.models import (
    Category,
    FinishedProduct,
    Product,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from inventory.services import category_find
from inventory.units import Equivalence, UnitError, normalize_unit
from stocky.models import QUANTITY
from stocky.serializers import (
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


class LineUnitMixin:
    """For a line whose `unit_of_measure` must convert to the stock unit of the product in `unit_product`
    (a model field name): a 400 on `unit_of_measure` when it cannot. On a partial update the missing half
    comes from the record."""

    unit_product = None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        product = attrs.get(self.unit_product) or getattr(self.instance, self.unit_product, None)
        unit = attrs.get("unit_of_measure") or getattr(self.instance, "unit_of_measure", None)
        if product is not None and unit:
            problem = unit_problem(product, unit)
            if problem:
                raise serializers.ValidationError({"unit_of_measure": [problem]})
        return attrs


class RawProductSerializer(serializers.ModelSerializer):
    unit_of_measure = UnitField()

    class Meta:
        model = RawProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FinishedProductSerializer(serializers.ModelSerializer):
    comments = OptionalTextField()
    unit_of_measure = UnitField()

    class Meta:
        model = FinishedProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "comments", "created_at", "updated_at"]
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


class SupplierRawProductSerializer(LineUnitMixin, PairKeyedSerializer):
    """One line of a supplier's price list. The pair is its key; the surrogate id stays internal."""

    unit_product = "raw_product"
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
            "id", "item_type", "item_id", "item_name", "change", "balance_after", "unit_of_measure", "reason",
            "source_type", "source_id", "note", "user_id", "user_name", "created_at",
        ]
        read_only_fields = fields  # the ledger is only read, and every field is always in the answer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_user_name(self, movement):
        return movement.user.username if movement.user_id else None


# --- Hub catalogue (SPEC section B: camelCase, bare objects) ----------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    """A product as the hub reads it; `imageUrl` is absolute, built from the request."""

    category = serializers.CharField(source="category.name")
    imageUrl = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    # The fast reads (stocky.rows) read the `image` column and write imageUrl with image_url, as below.
    row_methods = {"imageUrl": ("image", "image_url")}

    class Meta:
        model = Product
        fields = ["id", "name", "category", "quantity", "description", "imageUrl", "createdAt", "updatedAt"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_imageUrl(self, product):
        return self.image_url(product.image.name, self.context)

    @staticmethod
    def image_url(name, context):
        """The absolute URL of a stored image's name (relative without a request), None without an image."""
        if not name:
            return None
        url = Product._meta.get_field("image").storage.url(name)
        request = context.get("request") if context else None
        return request.build_absolute_uri(url) if request is not None else url


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class CategoryListSerializer(CategorySerializer):
    itemquantity = serializers.IntegerField(source="product_count")

    class Meta(CategorySerializer.Meta):
        fields = ["id", "name", "itemquantity"]


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)

    def validate_name(self, value):
        # The name is a path segment of DELETE /products/categories/<name>.
        if "/" in value:
            raise serializers.ValidationError("A category name cannot contain '/'")
        return value


class CategoryNameField(serializers.CharField):
    """A product's category, given by name in any letter case; an unknown name is a 400."""

    def to_internal_value(self, data):
        name = super().to_internal_value(data)
        category = category_find(name=name)
        if category is None:
            raise serializers.ValidationError(f"The category '{name}' does not exist")
        return category


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "PNG, JPEG, WebP or GIF, at most 5 MB: a file in a multipart form, or base64 (or a `data:` "
        "URL) in JSON. `null` or an empty value removes the image on update.",
    }
)
class UploadedImageField(serializers.Field):
    """A multipart file or a base64 string (or `data:` URL), checked and normalised by inventory.images.

    An empty value (`null`, `""`) removes the image on update.
    """

    def to_internal_value(self, data):
        if data in (None, ""):
            return None
        if not isinstance(data, str) and not hasattr(data, "read"):
            raise serializers.ValidationError("Send a file (multipart) or a base64 string")
        return image_from_upload(data)


class ProductInputSerializer(serializers.Serializer):
    """What POST and PUT /products accept. On PUT an omitted optional field is left as it is."""

    name = serializers.CharField(max_length=255)
    category = CategoryNameField()
    description = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0"), required=False)
    image = UploadedImageField(required=False, allow_null=True)


class QuantityInputSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    delta = serializers.DecimalField(**QUANTITY, required=False)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
