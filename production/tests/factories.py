from decimal import Decimal

import factory
from django.utils import timezone

from inventory.tests.factories import FinishedProductFactory, RawProductFactory
from production.models import ProductionPlan, RecipeComponent, RecipeItem


class RecipeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipeItem

    finished_product = factory.SubFactory(FinishedProductFactory)
    raw_product = factory.SubFactory(RawProductFactory)
    quantity_required = Decimal("0.250")
    unit_of_measure = "kg"


class RecipeComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipeComponent

    finished_product = factory.SubFactory(FinishedProductFactory)
    component = factory.SubFactory(FinishedProductFactory, unit_of_measure="kg")
    quantity_required = Decimal("0.080")
    unit_of_measure = "kg"


class ProductionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductionPlan

    finished_product = factory.SubFactory(FinishedProductFactory)
    planned_quantity = Decimal("100")
    unit_of_measure = "piece"
    planned_production_date = factory.LazyFunction(timezone.now)
    planned_duration = Decimal("4.50")
    hourly_rate = Decimal("25.00")
