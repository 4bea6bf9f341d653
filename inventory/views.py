from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from inventory import services
from inventory.filters import (
    FinishedProductFilter,
    RawProductFilter,
    StockMovementFilter,
    SupplierFilter,
    SupplierRawProductFilter,
)
from inventory.models import (
    FinishedProduct,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from inventory.serializers import (
    ConversionSerializer,
    FinishedProductSerializer,
    RawProductSerializer,
    StockMovementSerializer,
    SupplierRawProductSerializer,
    SupplierSerializer,
)
from stocky.kit.api import DefaultPagePagination
from stocky.kit.viewsets import ManufacturingViewSet, PairViewSet, envelope, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def price_list_rows():
    return with_names(SupplierRawProduct, "supplier", "raw_product")


class StockedProductViewSet(ManufacturingViewSet):
    """Raw and finished products: stock moves through the ledger (services), and each product has its own
    unit equivalences at /<products>/<id>/conversions."""

    create_service = update_service = None  # staticmethod(inventory.services.<product>_create / _update)

    def perform_create(self, serializer):
        serializer.instance = self.create_service(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_service(
            product=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    # Never paginated: a product has a handful of equivalences.
    @extend_schema(request=ConversionSerializer(many=True), responses=ConversionSerializer(many=True))
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def conversions(self, request, pk=None):
        """GET the product's equivalences; PUT replaces the whole list with the body (a JSON list)."""
        product = self.get_object()
        if request.method == "PUT":
            if not isinstance(request.data, list):
                raise ValidationError(
                    {
                        "non_field_errors": [
                            "Send the whole list of conversions, e.g. "
                            '[{"quantity_a": 1, "unit_a": "kg", "quantity_b": 400, "unit_b": "ml"}]'
                        ]
                    }
                )
            body = ConversionSerializer(data=request.data, many=True)
            body.is_valid(raise_exception=True)
            services.product_conversions_replace(
                product=product, conversions=[row["equivalence"] for row in body.validated_data]
            )
            message = "Conversions updated successfully"
        else:
            message = "Conversions fetched successfully"
        rows = ConversionSerializer(product.conversions.all(), many=True).data
        return envelope(rows, message)


class RawProductViewSet(StockedProductViewSet):
    entity, entity_plural = "Raw product", "Raw products"
    create_service = staticmethod(services.raw_product_create)
    update_service = staticmethod(services.raw_product_update)
    queryset = RawProduct.objects.all()
    serializer_class = RawProductSerializer
    filterset_class = RawProductFilter
    search_fields = ["name", "unit_of_measure"]
    ordering_fields = ["id", "name", "stock_quantity", "unit_of_measure", "reorder_level", "created_at", "updated_at"]


class FinishedProductViewSet(StockedProductViewSet):
    entity, entity_plural = "Finished product", "Finished products"
    create_service = staticmethod(services.finished_product_create)
    update_service = staticmethod(services.finished_product_update)
    queryset = FinishedProduct.objects.all()
    serializer_class = FinishedProductSerializer
    filterset_class = FinishedProductFilter
    search_fields = ["name", "unit_of_measure", "comments"]
    ordering_fields = ["id", "name", "stock_quantity", "unit_of_measure", "reorder_level", *TIMESTAMPS]

    # GET /finished-products/<id>/recipe and /cost are routed by the production app, which owns recipes.


class SupplierViewSet(ManufacturingViewSet):
    entity, entity_plural = "Supplier", "Suppliers"
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    search_fields = ["name", "email", "phone", "contact_person", "website"]
    ordering_fields = ["id", "name", "email", "contact_person", *TIMESTAMPS]

    @extend_schema(responses=SupplierRawProductSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="raw-products")
    def raw_products(self, request, pk=None):
        """What this supplier sells: its price-list lines (GET /suppliers/<id>/raw-products)."""
        supplier = get_object_or_404(Supplier, pk=pk)
        return self.list_response(
            price_list_rows().filter(supplier=supplier),
            serializer_class=SupplierRawProductSerializer,
            message="Supplier raw products fetched successfully",
        )


class SupplierRawProductViewSet(PairViewSet):
    entity, entity_plural = "Supplier raw product", "Supplier raw products"
    pair = ("supplier_id", "raw_product_id")
    queryset = price_list_rows()
    serializer_class = SupplierRawProductSerializer
    filterset_class = SupplierRawProductFilter
    search_fields = ["supplier__name", "raw_product__name", "unit_of_measure"]
    ordering_fields = ["supplier_id", "raw_product_id", "unit_price", "unit_of_measure", *TIMESTAMPS]

    def perform_create(self, serializer):
        serializer.instance = services.supplier_raw_product_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.supplier_raw_product_update(
            line=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.supplier_raw_product_delete(line=instance, user=self.request.user)


class StockMovementViewSet(ManufacturingViewSet):
    """The stock ledger, read-only, newest first: GET /stock-movements?item_type=...&item_id=...&reason=..."""

    entity, entity_plural = "Stock movement", "Stock movements"
    http_method_names = ["get", "head", "options"]
    # Newest first by id: entries of one transaction share a time; the (item_type, item_id, -id) index serves it.
    queryset = StockMovement.objects.prefetch_related("user").order_by("-id")  # not joined: PERFORMANCE.md
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    # The ledger only grows: without `page` it answers its first page, not every entry (docs/api.md).
    pagination_class = DefaultPagePagination
    search_fields = ["item_name", "note"]
    ordering_fields = ["id", "created_at", "change", "balance_after"]
