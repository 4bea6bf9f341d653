"""The hub catalogue's endpoints: /products, /products/categories (SPEC section B "Catalogue")."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from inventory.catalogue import services
from inventory.catalogue.filters import ProductFilter
from inventory.catalogue.serializers import (
    CategoryInputSerializer,
    CategoryListSerializer,
    CategorySerializer,
    ProductInputSerializer,
    ProductSerializer,
    QuantityInputSerializer,
)
from inventory.models import (
    Category,
    Product,
)
from stocky.kit.hub import HubViewSet
from stocky.kit.schema import hub_page, json_or_multipart


class ProductViewSet(HubViewSet):
    """GET/POST /products, GET/PUT/DELETE /products/<id>, PATCH /products/quantity/<id>."""

    list_key = "products"
    # prefetch, not select_related: joined, MariaDB starts from the small categories table and sorts a
    # temporary table for ORDER BY ... LIMIT (PERFORMANCE.md); two plain queries stay on the indexes.
    queryset = Product.objects.prefetch_related("category")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "description", "category__name"]
    ordering_fields = {
        "id": "id",
        "name": "name",
        "category": "category__name",
        "quantity": "quantity",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    }

    @extend_schema(request=json_or_multipart(ProductInputSerializer), responses={201: ProductSerializer})
    def create(self, request):
        data = self.validated_input(ProductInputSerializer)
        data.setdefault("image", None)
        product = services.product_create(**data, user=request.user)
        return self.read(product, status.HTTP_201_CREATED)

    @extend_schema(request=json_or_multipart(ProductInputSerializer), responses=ProductSerializer)
    def update(self, request, pk):
        data = self.validated_input(ProductInputSerializer)
        data.setdefault("image", services.UNCHANGED)
        product = services.product_update(product=self.get_object(), **data, user=request.user)
        return self.read(product)

    def destroy(self, request, pk):
        services.product_delete(product=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=QuantityInputSerializer, responses=ProductSerializer)
    def quantity(self, request, pk):
        data = self.validated_input(QuantityInputSerializer)
        product = services.product_quantity_change(
            product=self.get_object(),
            quantity=data.get("quantity"),
            delta=data.get("delta"),
            note=data["reason"],
            user=request.user,
        )
        return self.read(product)


class CategoryViewSet(viewsets.GenericViewSet):
    """GET/POST /products/categories, DELETE /products/categories/<name>."""

    # Explicit order: Django drops Meta.ordering from queries with GROUP BY.
    queryset = Category.objects.annotate(product_count=Count("products")).order_by("name", "id")
    serializer_class = CategoryListSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(responses=hub_page("Categories", "categories", CategoryListSerializer, paged=False))
    def list(self, request):
        return Response({"categories": self.get_serializer(self.get_queryset(), many=True).data})

    @extend_schema(request=CategoryInputSerializer, responses={201: CategorySerializer})
    def create(self, request):
        serializer = CategoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(name=serializer.validated_data["name"])
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, name):
        category = services.category_find(name=name)
        if category is None:
            raise NotFound(f"The category '{name}' does not exist")
        services.category_delete(category=category)
        return Response(status=status.HTTP_204_NO_CONTENT)
