from rest_framework import serializers

from inventory.models import RawProduct


class RawProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = RawProduct
        fields = ["id", "name", "stock_quantity", "unit_of_measure", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
