"""Filters of the hub catalogue's lists (SPEC section B "Catalogue")."""

import django_filters
from rest_framework.exceptions import ValidationError

from inventory.catalogue.services import category_find
from inventory.models import (
    Product,
)


class CategoryNameFilter(django_filters.CharFilter):
    """Filter on a category given by name in any letter case; an unknown name is a 400, not an empty list."""

    def filter(self, queryset, value):
        if not value:
            return queryset
        category = category_find(name=value)
        if category is None:
            raise ValidationError({"category": [f"The category '{value}' does not exist"]})
        return queryset.filter(**{self.field_name: category})


class ProductFilter(django_filters.FilterSet):
    category = CategoryNameFilter(field_name="category")

    class Meta:
        model = Product
        fields = ["category"]
