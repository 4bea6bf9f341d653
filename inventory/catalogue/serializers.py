"""Serializers of the hub catalogue (SPEC section B "Catalogue"): camelCase, bare objects."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.catalogue.services import category_find
from inventory.images import image_from_upload
from inventory.models import (
    Category,
    Product,
)
from stocky.kit.models import QUANTITY


class ProductSerializer(serializers.ModelSerializer):
    """A product as the hub reads it; `imageUrl` is absolute, built from the request."""

    category = serializers.CharField(source="category.name")
    imageUrl = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    # The fast reads (stocky.kit.rows) read the `image` column and write imageUrl with image_url, as below.
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
