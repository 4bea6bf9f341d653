from inventory.filters import RawProductFilter
from inventory.models import RawProduct
from inventory.serializers import RawProductSerializer
from stocky.viewsets import ManufacturingViewSet


class RawProductViewSet(ManufacturingViewSet):
    entity, entity_plural = "Raw product", "Raw products"
    queryset = RawProduct.objects.all()
    serializer_class = RawProductSerializer
    filterset_class = RawProductFilter
    search_fields = ["name", "unit_of_measure"]
    ordering_fields = ["id", "name", "stock_quantity", "unit_of_measure", "created_at", "updated_at"]
