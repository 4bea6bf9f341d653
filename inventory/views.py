from django.shortcuts import get_object_or_404
from rest_framework.decorators import action

from inventory.filters import FinishedProductFilter, RawProductFilter, SupplierFilter, SupplierRawProductFilter
from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from inventory.serializers import (
    FinishedProductSerializer,
    RawProductSerializer,
    SupplierRawProductSerializer,
    SupplierSerializer,
)
from stocky.viewsets import ManufacturingViewSet, PairViewSet, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def price_list_rows():
    return with_names(SupplierRawProduct, "supplier", "raw_product")


class RawProductViewSet(ManufacturingViewSet):
    entity, entity_plural = "Raw product", "Raw products"
    queryset = RawProduct.objects.all()
    serializer_class = RawProductSerializer
    filterset_class = RawProductFilter
    search_fields = ["name", "unit_of_measure"]
    ordering_fields = ["id", "name", "stock_quantity", "unit_of_measure", "created_at", "updated_at"]


class FinishedProductViewSet(ManufacturingViewSet):
    entity, entity_plural = "Finished product", "Finished products"
    queryset = FinishedProduct.objects.all()
    serializer_class = FinishedProductSerializer
    filterset_class = FinishedProductFilter
    search_fields = ["name", "unit_of_measure", "comments"]
    ordering_fields = ["id", "name", "stock_quantity", "unit_of_measure", *TIMESTAMPS]

    # GET /finished-products/<id>/recipe is routed by the production app, which owns recipe items.


class SupplierViewSet(ManufacturingViewSet):
    entity, entity_plural = "Supplier", "Suppliers"
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    search_fields = ["name", "email", "phone", "contact_person", "website"]
    ordering_fields = ["id", "name", "email", "contact_person", *TIMESTAMPS]

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
