import django_filters

from inventory.models import FinishedProduct, RawProduct, Supplier
from orders.models import Client, FinishedProductOrder, RawProductOrder


class ClientFilter(django_filters.FilterSet):
    class Meta:
        model = Client
        fields = ["client_type", "city", "region"]


# Foreign keys filter by `<name>_id`; an id that names no record is a 400 ("Select a valid choice").
class RawProductOrderFilter(django_filters.FilterSet):
    raw_product_id = django_filters.ModelChoiceFilter(field_name="raw_product", queryset=RawProduct.objects.all())
    supplier_id = django_filters.ModelChoiceFilter(field_name="supplier", queryset=Supplier.objects.all())

    class Meta:
        model = RawProductOrder
        fields = ["raw_product_id", "supplier_id", "status"]


class FinishedProductOrderFilter(django_filters.FilterSet):
    finished_product_id = django_filters.ModelChoiceFilter(
        field_name="finished_product", queryset=FinishedProduct.objects.all()
    )
    client_id = django_filters.ModelChoiceFilter(field_name="client", queryset=Client.objects.all())

    class Meta:
        model = FinishedProductOrder
        fields = ["finished_product_id", "client_id", "status"]
