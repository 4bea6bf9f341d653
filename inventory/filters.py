import django_filters

from inventory.models import RawProduct


class RawProductFilter(django_filters.FilterSet):
    class Meta:
        model = RawProduct
        fields = ["unit_of_measure"]
