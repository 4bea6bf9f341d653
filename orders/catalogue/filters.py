"""Filters of the hub orders list (SPEC section B "Orders")."""

import django_filters

from inventory.catalogue.filters import CategoryNameFilter
from orders.models import CatalogueOrder


class CatalogueOrderFilter(django_filters.FilterSet):
    category = CategoryNameFilter(field_name="item__category")
    state = django_filters.ChoiceFilter(choices=CatalogueOrder.State.choices)

    class Meta:
        model = CatalogueOrder
        fields = ["category", "state"]
