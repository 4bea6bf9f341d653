from rest_framework import serializers

from inventory.models import FinishedProduct, RawProduct
from production.models import ProductionPlan, RecipeItem
from stocky.serializers import PairKeyedSerializer, related_id

TIMESTAMPS = ["created_at", "updated_at"]


class RecipeItemSerializer(PairKeyedSerializer):
    """One material line of a recipe. The pair is its key; the surrogate id stays internal."""

    pair_fields = ("finished_product_id", "raw_product_id")
    pair_exists_message = "This raw product is already in this finished product's recipe; update that item instead."

    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    raw_product_id = related_id(RawProduct, "raw_product")
    raw_product_name = serializers.CharField(source="raw_product.name", read_only=True)

    class Meta:
        model = RecipeItem
        fields = [
            "finished_product_id", "finished_product_name", "raw_product_id", "raw_product_name",
            "quantity_required", "unit_of_measure", *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        validators = []  # the pair is checked by PairKeyedSerializer, with a clearer message


class ProductionPlanSerializer(serializers.ModelSerializer):
    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)

    class Meta:
        model = ProductionPlan
        fields = [
            "id", "finished_product_id", "finished_product_name", "planned_quantity", "unit_of_measure",
            "planned_production_date", "planned_duration", "actual_duration", "hourly_rate", *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
