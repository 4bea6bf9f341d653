from django.contrib import admin

from production.models import ProductionPlan, RecipeItem
from stocky.exchange.admin import ExchangeAdminMixin


@admin.register(RecipeItem)
class RecipeItemAdmin(ExchangeAdminMixin, admin.ModelAdmin):
    list_display = ["finished_product", "raw_product", "quantity_required", "unit_of_measure"]
    list_select_related = ["finished_product", "raw_product"]
    list_filter = ["unit_of_measure"]
    search_fields = ["finished_product__name", "raw_product__name"]
    autocomplete_fields = ["finished_product", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ProductionPlan)
class ProductionPlanAdmin(ExchangeAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "finished_product", "planned_quantity", "unit_of_measure", "planned_production_date",
        "planned_duration", "actual_duration", "hourly_rate", "planned_labour_cost",
    ]
    list_select_related = ["finished_product"]
    list_filter = ["planned_production_date", "unit_of_measure"]
    # Date list filters rather than date_hierarchy: on MariaDB the hierarchy of a date-time needs the
    # server's time-zone tables as soon as TIME_ZONE is not UTC, and fails without them.
    search_fields = ["=id", "finished_product__name"]
    autocomplete_fields = ["finished_product"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="planned labour cost")
    def planned_labour_cost(self, plan):
        return round(plan.planned_duration * plan.hourly_rate, 2)
