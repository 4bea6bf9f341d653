from django.contrib import admin
from django.db import models
from django.db.models import Count

from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from production.models import RecipeItem


class SupplierPriceInline(admin.TabularInline):
    """The supplier's price list, edited on the supplier."""

    model = SupplierRawProduct
    fields = ["raw_product", "unit_price", "unit_of_measure"]
    autocomplete_fields = ["raw_product"]
    extra = 0


class RawProductPriceInline(admin.TabularInline):
    """Who sells this material, and at what price, edited on the material."""

    model = SupplierRawProduct
    fields = ["supplier", "unit_price", "unit_of_measure"]
    autocomplete_fields = ["supplier"]
    extra = 0


class RecipeItemInline(admin.TabularInline):
    model = RecipeItem
    fields = ["raw_product", "quantity_required", "unit_of_measure"]
    autocomplete_fields = ["raw_product"]
    extra = 0


@admin.register(RawProduct)
class RawProductAdmin(admin.ModelAdmin):
    list_display = ["name", "stock_quantity", "unit_of_measure", "updated_at"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RawProductPriceInline]


@admin.register(FinishedProduct)
class FinishedProductAdmin(admin.ModelAdmin):
    list_display = ["name", "stock_quantity", "unit_of_measure", "recipe_size", "updated_at"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["name", "comments"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RecipeItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recipe_size=Count("recipe_items"))

    @admin.display(description="materials in recipe", ordering="recipe_size")
    def recipe_size(self, product):
        return product.recipe_size


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    # A website typed without a scheme is taken as https (Django 6's default; silences its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "contact_person", "email", "phone", "website", "price_list_size"]
    list_filter = ["created_at"]
    search_fields = ["name", "email", "contact_person", "phone"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SupplierPriceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(price_list_size=Count("price_list"))

    @admin.display(description="materials sold", ordering="price_list_size")
    def price_list_size(self, supplier):
        return supplier.price_list_size


@admin.register(SupplierRawProduct)
class SupplierRawProductAdmin(admin.ModelAdmin):
    list_display = ["supplier", "raw_product", "unit_price", "unit_of_measure", "updated_at"]
    list_select_related = ["supplier", "raw_product"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["supplier__name", "raw_product__name"]
    autocomplete_fields = ["supplier", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]
