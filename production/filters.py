import django_filters

from inventory.models import FinishedProduct, RawProduct
from production.models import ProductionPlan, RecipeComponent, RecipeItem


# Foreign keys filter by `<name>_id`; an id that names no record is a 400 ("Select a valid choice").
class RecipeItemFilter(django_filters.FilterSet):
    finished_product_id = django_filters.ModelChoiceFilter(
        field_name="finished_product", queryset=FinishedProduct.objects.all()
    )
    raw_product_id = django_filters.ModelChoiceFilter(field_name="raw_product", queryset=RawProduct.objects.all())

    class Meta:
        model = RecipeItem
        fields = ["finished_product_id", "raw_product_id", "unit_of_measure"]


class RecipeComponentFilter(django_filters.FilterSet):
    finished_product_id = django_filters.ModelChoiceFilter(
        field_name="finished_product", queryset=FinishedProduct.objects.all()
    )
    component_id = django_filters.ModelChoiceFilter(field_name="component", queryset=FinishedProduct.objects.all())

    class Meta:
        model = RecipeComponent
        fields = ["finished_product_id", "component_id", "unit_of_measure"]


class ProductionPlanFilter(django_filters.FilterSet):
    finished_product_id = django_filters.ModelChoiceFilter(
        field_name="finished_product", queryset=FinishedProduct.objects.all()
    )

    class Meta:
        model = ProductionPlan
        fields = ["finished_product_id", "unit_of_measure"]
