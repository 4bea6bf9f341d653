import django_filters
from rest_framework.exceptions import ValidationError

from inventory.models import (
    FinishedProduct,
    Product,
    RawProduct,
    Supplier,
    SupplierRawProduct,
)
from inventory.services import category_find


class RawProductFilter(django_filters.FilterSet):
    class Meta:
        model = RawProduct
        fields = ["unit_of_measure"]


class FinishedProductFilter(django_filters.FilterSet):
    class Meta:
        model = FinishedProduct
        fields = ["unit_of_measure"]


class SupplierFilter(django_filters.FilterSet):
    # E-mails are unique regardless of letter case, so they are looked up that way too.
    email = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Supplier
        fields = ["email"]


class SupplierRawProductFilter(django_filters.FilterSet):
    # An id that names no record is a 400 ("Select a valid choice"), like any other bad filter value.
    supplier_id = django_filters.ModelChoiceFilter(field_name="supplier", queryset=Supplier.objects.all())
    raw_product_id = django_filters.ModelChoiceFilter(field_name="raw_product", queryset=RawProduct.objects.all())

    class Meta:
        model = SupplierRawProduct
        fields = ["supplier_id", "raw_product_id", "unit_of_measure"]

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
