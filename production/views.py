from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema

from inventory.models import FinishedProduct
from production.filters import ProductionPlanFilter, RecipeItemFilter
from production.models import ProductionPlan, RecipeItem
from production.serializers import ProductionPlanSerializer, RecipeItemSerializer
from stocky.viewsets import ManufacturingViewSet, PairViewSet, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def recipe_item_rows():
    return with_names(RecipeItem, "finished_product", "raw_product")


class RecipeItemViewSet(PairViewSet):
    entity, entity_plural = "Recipe item", "Recipe items"
    pair = ("finished_product_id", "raw_product_id")
    queryset = recipe_item_rows()
    serializer_class = RecipeItemSerializer
    filterset_class = RecipeItemFilter
    search_fields = ["finished_product__name", "raw_product__name", "unit_of_measure"]
    ordering_fields = [
        "finished_product_id", "raw_product_id", "quantity_required", "unit_of_measure", *TIMESTAMPS,
    ]

    @extend_schema(responses=RecipeItemSerializer(many=True))
    def for_product(self, request, finished_product_id):
        """One finished product's recipe: GET /recipe-items/product/<id> and /finished-products/<id>/recipe."""
        product = get_object_or_404(FinishedProduct, pk=finished_product_id)
        rows = recipe_item_rows().filter(finished_product=product)
        return self.list_response(rows, message="Recipe fetched successfully")


class ProductionPlanViewSet(ManufacturingViewSet):
    entity, entity_plural = "Production plan", "Production plans"
    queryset = with_names(ProductionPlan, "finished_product")
    serializer_class = ProductionPlanSerializer
    filterset_class = ProductionPlanFilter
    search_fields = ["finished_product__name", "unit_of_measure"]
    ordering_fields = [
        "id", "finished_product_id", "planned_quantity", "unit_of_measure", "planned_production_date",
        "planned_duration", "actual_duration", "hourly_rate", *TIMESTAMPS,
    ]
