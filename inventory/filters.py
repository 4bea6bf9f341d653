import django_filters
from django.db.models import F, Q

from inventory.models import (
    FinishedProduct,
    RawProduct,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from stocky.kit.models import MAX_ID


class StockedProductFilter(django_filters.FilterSet):
    # true: the items whose stock is below their reorder level (what to make or buy); false: the others.
    # A choice, not a BooleanFilter, so that anything but true or false is a 400 rather than ignored.
    below_reorder_level = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_below_reorder_level"
    )

    def filter_below_reorder_level(self, queryset, name, value):
        below = Q(stock_quantity__lt=F("reorder_level"))
        return queryset.filter(below) if value == "true" else queryset.exclude(below)


class RawProductFilter(StockedProductFilter):
    class Meta:
        model = RawProduct
        fields = ["unit_of_measure"]


class FinishedProductFilter(StockedProductFilter):
    class Meta:
        model = FinishedProduct
        fields = ["unit_of_measure"]


class SupplierFilter(django_filters.FilterSet):
    # E-mails are unique regardless of letter case, so they are looked up that way too.
    # Bounded like the field: an over-long value is a 400, not an over-long LIKE pattern (SQLite refuses those).
    email = django_filters.CharFilter(lookup_expr="iexact", max_length=254)

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


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number from 1 to the largest key, else a 400 (never a database overflow)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class StockMovementFilter(django_filters.FilterSet):
    # Unknown item types and reasons are a 400 naming the valid ones, not an empty list.
    item_type = django_filters.ChoiceFilter(choices=StockMovement.ItemType.choices)
    item_id = IdFilter()
    reason = django_filters.ChoiceFilter(choices=StockMovement.Reason.choices)
    source_id = IdFilter()

    class Meta:
        model = StockMovement
        fields = ["item_type", "item_id", "reason", "source_type", "source_id"]
