from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from inventory import services
from inventory.images import ImageTooLarge, image_from_upload
from inventory.measures import quantize_money
from inventory.models import (
    Category,
    FinishedProduct,
    FinishedProductConversion,
    Product,
    RawProduct,
    RawProductConversion,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from production.models import RecipeItem
from stocky.admin_mixins import ServiceAdminMixin
from stocky.exchange.admin import ExchangeAdminMixin

STOCK_HELP = "A change is recorded in the stock ledger as a manual adjustment by you."


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


class RawProductConversionInline(admin.TabularInline):
    model = RawProductConversion
    fields = ["quantity_a", "unit_a", "quantity_b", "unit_b"]
    extra = 0
    verbose_name_plural = "unit conversions (e.g. 1 kg = 400 ml, used where units differ in kind)"


class FinishedProductConversionInline(RawProductConversionInline):
    model = FinishedProductConversion


def stock_history(product, limit=10):
    """The product's latest ledger entries as a small table, and a link to all of them."""
    kind = product.STOCK_LEDGER.item_type
    if product.pk is None:
        return "—"
    entries = StockMovement.objects.filter(item_type=kind, item_id=product.pk).prefetch_related("user")[:limit]
    query = urlencode({"item_type": kind, "item_id": product.pk})
    url = f"{reverse('admin:inventory_stockmovement_changelist')}?{query}"
    if not entries:
        return format_html('No movement yet. <a href="{}">Stock ledger</a>', url)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                entry.created_at.strftime("%Y-%m-%d %H:%M"),
                f"{entry.change:+f}",
                f"{entry.balance_after:f} {entry.unit_of_measure}",
                entry.get_reason_display(),
                f"{entry.source_type} {entry.source_id}" if entry.source_type else "—",
                entry.user or "—",
            )
            for entry in entries
        ),
    )
    return format_html(
        "<table><thead><tr><th>when</th><th>change</th><th>balance</th><th>reason</th><th>source</th>"
        '<th>by</th></tr></thead><tbody>{}</tbody></table><p><a href="{}">Every movement of this product</a></p>',
        rows,
        url,
    )


class StockedProductAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Raw and finished products: stock through the ledger (inventory.services), equivalences inline, the
    latest ledger entries on the page."""

    create_service = update_service = None  # names in inventory.services
    readonly_fields = ["stock_history", "created_at", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "stock_quantity" in form.base_fields:
            form.base_fields["stock_quantity"].help_text = STOCK_HELP
        return form

    @admin.display(description="stock history")
    def stock_history(self, product):
        return stock_history(product)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name in self.model_fields()}
        if change:
            # Units are checked once the equivalences and lines of the page are saved (save_related).
            getattr(services, self.update_service)(
                product=obj, user=request.user, note="Changed in the admin", check_units=False, **fields
            )
        else:
            product = getattr(services, self.create_service)(user=request.user, **fields)
            obj.pk = product.pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_units_check(product=form.instance)

    def model_fields(self):
        return {field.name for field in self.model._meta.concrete_fields if field.editable}


@admin.register(RawProduct)
class RawProductAdmin(ExchangeAdminMixin, StockedProductAdmin):
    create_service, update_service = "raw_product_create", "raw_product_update"
    list_display = ["name", "stock_quantity", "unit_of_measure", "updated_at"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["name"]
    inlines = [RawProductConversionInline, RawProductPriceInline]


@admin.register(FinishedProduct)
class FinishedProductAdmin(ExchangeAdminMixin, StockedProductAdmin):
    create_service, update_service = "finished_product_create", "finished_product_update"
    list_display = ["name", "stock_quantity", "unit_of_measure", "recipe_size", "unit_cost", "updated_at"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["name", "comments"]
    inlines = [FinishedProductConversionInline, RecipeItemInline]

    def get_queryset(self, request):
        from production.selectors import cost_queryset

        # The unit cost column reads recipes, prices and plans: prefetched, so a page costs a fixed number
        # of queries whatever its length.
        return cost_queryset(super().get_queryset(request).annotate(recipe_size=Count("recipe_items")))

    @admin.display(description="materials in recipe", ordering="recipe_size")
    def recipe_size(self, product):
        return product.recipe_size

    @admin.display(description="unit cost")
    def unit_cost(self, product):
        """Materials at the cheapest prices plus labour (production.selectors), per stock unit."""
        from production.selectors import finished_product_cost

        cost = finished_product_cost(product, with_sales=False)
        text = f"{quantize_money(cost['unit_cost'])} / {product.unit_of_measure}"
        if cost["missing_prices"]:
            names = ", ".join(entry["raw_product"].name for entry in cost["missing_prices"])
            return format_html('{} <span title="Without a price: {}">(incomplete)</span>', text, names)
        return text


@admin.register(Supplier)
class SupplierAdmin(ExchangeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
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
class SupplierRawProductAdmin(ExchangeAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["supplier", "raw_product", "unit_price", "unit_of_measure", "updated_at"]
    list_select_related = ["supplier", "raw_product"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["supplier__name", "raw_product__name"]
    autocomplete_fields = ["supplier", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]

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
