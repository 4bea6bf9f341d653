from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from inventory import services
from inventory.catalogue import admin as catalogue_admin  # noqa: F401 -- registers the hub catalogue's pages
from inventory.models import (
    NUTRIENT_FIELDS,
    FinishedProduct,
    FinishedProductConversion,
    Lot,
    RawProduct,
    RawProductConversion,
    StockMovement,
    Supplier,
    SupplierRawProduct,
)
from stocky.kit.admin_mixins import ServiceAdminMixin, ServiceInlineMixin, ViewOnlyAdmin


class PriceListSaves(ServiceInlineMixin):
    """Price-list lines saved through inventory.services, which lock the material and check the unit."""

    create_service = staticmethod(services.supplier_raw_product_create)
    update_service = staticmethod(services.supplier_raw_product_update)
    delete_service = staticmethod(services.supplier_raw_product_delete)


STOCK_HELP = "A change is recorded in the stock ledger as a manual adjustment by you."


class SupplierPriceInline(PriceListSaves, admin.TabularInline):
    """The supplier's price list, edited on the supplier."""

    model = SupplierRawProduct
    fields = ["raw_product", "unit_price", "unit_of_measure"]
    autocomplete_fields = ["raw_product"]
    extra = 0


class RawProductPriceInline(PriceListSaves, admin.TabularInline):
    """Who sells this material, and at what price, edited on the material."""

    model = SupplierRawProduct
    fields = ["supplier", "unit_price", "unit_of_measure"]
    autocomplete_fields = ["supplier"]
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


def lots_on_hand(product):
    """The product's lots with stock (SPEC D), soonest use-by first, and a link to all of them."""
    if product.pk is None:
        return "—"
    kind = product.STOCK_LEDGER.item_type
    lots = Lot.objects.filter(item_type=kind, item_id=product.pk, quantity__gt=0).order_by("use_by", "pk")
    url = f"{reverse('admin:inventory_lot_changelist')}?{urlencode({'item_type': kind})}"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (lot.code, f"{lot.quantity:f}", lot.use_by or "—", lot.best_before or "—", lot.get_status_display())
            for lot in lots
        ),
    )
    if not rows:
        return format_html('No lot with stock. <a href="{}">Lots</a>', url)
    return format_html(
        "<table><thead><tr><th>lot</th><th>quantity</th><th>use-by</th><th>best-before</th><th>status</th></tr>"
        '</thead><tbody>{}</tbody></table><p><a href="{}">Lots</a></p>',
        rows,
        url,
    )


class BelowReorderLevelFilter(admin.SimpleListFilter):
    """Low stock: what the home page lists, one click from the product list (the API's below_reorder_level)."""

    title = "stock"
    parameter_name = "below_reorder_level"

    def lookups(self, request, model_admin):
        return [("true", "below reorder level"), ("false", "at or above reorder level")]

    def queryset(self, request, queryset):
        below = Q(stock_quantity__lt=F("reorder_level"))
        if self.value() == "true":
            return queryset.filter(below)
        if self.value() == "false":
            return queryset.exclude(below)
        return queryset


class StockedProductAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Raw and finished products: stock through the ledger (inventory.services), equivalences inline, the
    latest ledger entries on the page."""

    service_instance = "product"
    readonly_fields = ["lots_on_hand", "stock_history", "created_at", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "stock_quantity" in form.base_fields:
            form.base_fields["stock_quantity"].help_text = STOCK_HELP
        for name in ("reorder_level", "yield_percent"):
            if name in form.base_fields:
                form.base_fields[name].required = False  # an empty box is the default (0, 100 %)
        return form

    @admin.display(description="stock history")
    def stock_history(self, product):
        return stock_history(product)

    @admin.display(description="lots on hand")
    def lots_on_hand(self, product):
        return lots_on_hand(product)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name in self.model_fields()}
        if "reorder_level" in fields and fields["reorder_level"] is None:
            fields["reorder_level"] = 0
        if "yield_percent" in fields and fields["yield_percent"] is None:
            fields["yield_percent"] = 100
        if change:
            # Units are checked once the equivalences and lines of the page are saved (save_related).
            note = "Changed in the admin"
            self.update_service(product=obj, user=request.user, note=note, check_units=False, **fields)
        else:
            product = self.create_service(user=request.user, **fields)
            obj.pk = product.pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_units_check(product=form.instance)

    def model_fields(self):
        return {field.name for field in self.model._meta.concrete_fields if field.editable}


class RawProductForm(forms.ModelForm):
    """The nutrition figures' rules (ranges, saturates within fat, sugars within carbohydrate) are the
    service's to check, on the merged values and with the API's and an import's message on the field;
    the database's CHECK constraints remain the last guard."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | set(NUTRIENT_FIELDS)


@admin.register(RawProduct)
class RawProductAdmin(StockedProductAdmin):
    form = RawProductForm
    create_service = staticmethod(services.raw_product_create)
    update_service = staticmethod(services.raw_product_update)
    # What a label declares of the material (SPEC E): a change re-marks the finished products it changes.
    fieldsets = [
        (None, {"fields": ["name", "stock_quantity", "unit_of_measure", "reorder_level"]}),
        (
            "On the label",
            {
                "fields": ["label_name", "allergens", "may_contain", "is_packaging"],
                "description": "The 14 allergens of EU regulation 1169/2011 Annex II. A change marks every "
                "finished product whose declaration it changes.",
            },
        ),
        (
            "Nutrition per 100 g",
            {"fields": [name for name in NUTRIENT_FIELDS], "description": "Empty: unknown (never counted as 0)."},
        ),
        (None, {"fields": ["lots_on_hand", "stock_history", "created_at", "updated_at"]}),
    ]
    list_display = ["name", "stock_quantity", "unit_of_measure", "reorder_level", "updated_at"]
    list_filter = [BelowReorderLevelFilter, "unit_of_measure", "updated_at"]
    search_fields = ["name"]
    inlines = [RawProductConversionInline, RawProductPriceInline]


@admin.register(FinishedProduct)
class FinishedProductAdmin(StockedProductAdmin):
    """Finished products as inventory knows them; production adds the recipe and the unit cost
    (production.admin registers its subclass)."""

    create_service = staticmethod(services.finished_product_create)
    update_service = staticmethod(services.finished_product_update)
    list_display = ["name", "stock_quantity", "unit_of_measure", "reorder_level", "updated_at"]
    list_filter = [BelowReorderLevelFilter, "unit_of_measure", "updated_at"]
    search_fields = ["name", "comments"]
    inlines = [FinishedProductConversionInline]


@admin.register(Supplier)
class SupplierAdmin(ServiceAdminMixin, admin.ModelAdmin):
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
class SupplierRawProductAdmin(PriceListSaves, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["supplier", "raw_product", "unit_price", "unit_of_measure", "updated_at"]
    list_select_related = ["supplier", "raw_product"]
    list_filter = ["unit_of_measure", "updated_at"]
    search_fields = ["supplier__name", "raw_product__name"]
    autocomplete_fields = ["supplier", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(StockMovement)
class StockMovementAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """The ledger, read-only: entries are only ever appended by inventory.services."""

    list_display = [
        "created_at",
        "item",
        "change",
        "balance_after",
        "reason",
        "source",
        "lot_link",
        "user",
        "note",
    ]
    list_select_related = ["user", "lot"]
    # A lot's code finds its entries (`=`: exactly, as on its label; codes repeat across items, each entry
    # shows its item); the lots list links each lot's entries by id (?lot=<id>).
    search_fields = ["item_name", "note", "=lot__code"]
    # A list filter rather than date_hierarchy, which needs time-zone tables on MariaDB.
    list_filter = ["item_type", "reason", "created_at"]

    def lookup_allowed(self, lookup, value, request=None):
        # One lot's entries, from the lots list's "ledger" link; not a list filter: a shop has thousands of lots.
        return lookup in ("lot", "lot__id__exact") or super().lookup_allowed(lookup, value, request)

    # The item's kind under its name rather than a column of its own: with the lot column, ten columns did not
    # fit a 1280 px screen (the browser suite measures it).
    @admin.display(description="item", ordering="item_name")
    def item(self, movement):
        return format_html("{}<br><small>{}</small>", movement.item_name, movement.get_item_type_display())

    @admin.display(description="lot", ordering="lot__code")
    def lot_link(self, movement):
        if movement.lot_id is None:
            return "—"  # a catalogue product: it keeps no lots
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:inventory_lot_change", args=[movement.lot_id]), movement.lot.code
        )

    @admin.display(description="source document")
    def source(self, movement):
        return f"{movement.source_type} {movement.source_id}" if movement.source_type else "—"
