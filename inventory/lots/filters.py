import django_filters

from inventory.filters import IdFilter
from inventory.lots.selectors import lots_filter
from inventory.models import Lot


class LotFilter(django_filters.FilterSet):
    # Unknown item types and statuses are a 400 naming the valid ones, not an empty list.
    item_type = django_filters.ChoiceFilter(choices=Lot.ItemType.choices)
    item_id = IdFilter()
    status = django_filters.ChoiceFilter(choices=Lot.Status.choices)
    supplier_id = IdFilter()
    source_type = django_filters.ChoiceFilter(choices=Lot.Source.choices)
    # Days (0 to 100 years): the lots with stock whose use-by or best-before falls before today + N days.
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring_within", min_value=0, max_value=36500, decimal_places=0
    )

    class Meta:
        model = Lot
        fields = ["item_type", "item_id", "status", "supplier_id", "source_type"]

    def filter_expiring_within(self, queryset, name, value):
        return lots_filter(queryset, expiring_within=int(value))
