from django.contrib import admin
from django.db import models
from django.db.models import Count

from inventory.models import FinishedProduct, RawProduct, Supplier, SupplierRawProduct
from production.models import RecipeItem
from stocky.exchange.admin import ExchangeAdminMixin


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
class RawProductAdmin(ExchangeAdminMixin, admin.ModelAdmin):
    list_display = ["name", "stock_quantity", "unit_of_measure", "updated_at"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RawProductPriceInline]


@admin.register(FinishedProduct)
class FinishedProductAdmin(ExchangeAdminMixin, admin.ModelAdmin):
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
class SupplierAdmin(ExchangeAdminMixin, admin.ModelAdmin):
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
class SupplierRawProductAdmin(ExchangeAdminMixin, admin.ModelAdmin):
    list_display = ["supplier", "raw_product", "unit_price", "unit_of_measure", "updated_at"]
    list_select_related = ["supplier", "raw_product"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["supplier__name", "raw_product__name"]
    autocomplete_fields = ["supplier", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from inventory import services
from inventory.images import ImageTooLarge, image_from_upload
from inventory.models import Category, Product, StockMovement

# --- Hub catalogue and the stock ledger ---------------------------------------------------------------
# Every write goes through inventory.services, as the API's do: quantities through the ledger, images
# through inventory.images, file deletions after commit.


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if "/" in name:
            raise forms.ValidationError("A category name cannot contain '/'")
        existing = services.category_find(name=name)
        if existing is not None and existing.pk != self.instance.pk:
            raise forms.ValidationError(f"The category '{existing.name}' already exists")
        return name


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["name", "product_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category):
        return category.product_count

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
        else:
            obj.pk = services.category_create(name=obj.name).pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset.order_by("pk"):
            services.category_delete(category=category)


class ProductAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label="New image",
        required=False,
        help_text="PNG, JPEG, WebP or GIF, at most 5 MB. Stored re-encoded, without metadata, at most 1024 px a side.",
    )
    remove_image = forms.BooleanField(label="Remove the image", required=False)

    class Meta:
        model = Product
        fields = ["name", "category", "description", "quantity"]
        help_texts = {"quantity": "A change is recorded in the stock ledger as a manual adjustment."}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        try:
            return image_from_upload(upload)
        except ImageTooLarge as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Product)
class ProductAdmin(ExchangeAdminMixin, admin.ModelAdmin):
    form = ProductAdminForm
    list_display = ["thumbnail", "name", "category", "quantity", "updated_at"]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["category"]
    # Prefetched rather than joined (see ProductViewSet); an empty tuple stops the admin's own join.
    list_select_related = ()
    search_fields = ["name", "description", "category__name"]
    readonly_fields = ["preview", "created_at", "updated_at"]
    fields = ["name", "category", "description", "quantity", "preview", "upload", "remove_image", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("category")

    @admin.display(description="image")
    def thumbnail(self, product):
        if not product.image:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="width:48px;height:48px;object-fit:cover">', product.image.url
        )

    @admin.display(description="current image")
    def preview(self, product):
        if not product.image:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width:240px;max-height:240px">', product.image.url)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            image = data["upload"] or (None if data["remove_image"] else services.UNCHANGED)
            services.product_update(
                product=obj,
                name=obj.name,
                category=obj.category,
                description=obj.description,
                quantity=data["quantity"],
                image=image,
                user=request.user,
                note="Changed in the admin",
            )
        else:
            product = services.product_create(
                name=obj.name,
                category=obj.category,
                description=obj.description,
                quantity=data["quantity"],
                image=data["upload"],
                user=request.user,
            )
            obj.pk = product.pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset.order_by("pk"):
            services.product_delete(product=product)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The ledger, read-only: entries are only ever appended by inventory.services."""

    list_display = ["created_at", "item_type", "item_name", "change", "balance_after", "reason", "source", "user", "note"]
    list_select_related = ["user"]
    search_fields = ["item_name", "note"]
    # A list filter rather than date_hierarchy, which needs time-zone tables on MariaDB.
    list_filter = ["item_type", "reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="source document")
    def source(self, movement):
        return f"{movement.source_type} {movement.source_id}" if movement.source_type else "—"
