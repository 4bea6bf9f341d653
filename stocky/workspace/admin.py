"""Every admin page in the workspace's theme and with numbers staff can read, without touching the apps'
admin modules.

`themed` is an admin extension (stocky.kit.admin_extensions; the setting ADMIN_EXTENSIONS lists it last):
every registered ModelAdmin becomes a subclass that also derives from django-unfold's ModelAdmin (its inlines
from unfold's), after stocky.exchange has added its Import and Export pages. The app's own class comes first,
so its hooks, actions, permissions and templates win; unfold only supplies the look. On top, for the list columns:

- a quantity column (3 decimal places) reads "12.5 kg": no trailing zeros, with the row's unit;
- a money column (2 decimal places) reads "29.16 €" (setting CURRENCY);
- lists that staff read for what comes next or what just happened open that way (LIST_ORDER), unless the
  app's admin chose an ordering itself.
"""

from django.contrib import admin
from django.db import models
from unfold.admin import ModelAdmin as ThemedModelAdmin
from unfold.admin import StackedInline as ThemedStackedInline
from unfold.admin import TabularInline as ThemedTabularInline

from stocky.kit.display import money, quantity
from stocky.kit.models import MONEY, QUANTITY

# The newest or the next first, where that is what staff look for (model label -> ordering).
LIST_ORDER = {
    "production.productionplan": ["-planned_production_date", "-id"],
    "orders.rawproductorder": ["-expected_delivery_date", "-id"],
    "orders.finishedproductorder": ["-expected_delivery_date", "-id"],
    "orders.catalogueorder": ["-id"],
    "inventory.stockmovement": ["-created_at", "-id"],
    "accounts.invitation": ["-id"],
}
# Decimal columns measured in hours rather than in the row's unit, and those that show their sign.
HOURS = {"planned_duration", "actual_duration"}
SIGNED = {"change"}


def _themed_inline(inline):
    if issubclass(inline, (ThemedTabularInline, ThemedStackedInline)):
        return inline
    base = ThemedTabularInline if issubclass(inline, admin.TabularInline) else ThemedStackedInline
    return type(inline.__name__, (inline, base), {"__module__": inline.__module__})


def _unit_of(obj):
    """The row's unit: its own, else (an empty unit means the stock unit) its product's, if already loaded."""
    unit = getattr(obj, "unit_of_measure", "") or ""
    product_field = getattr(obj, "UNIT_PRODUCT", None)
    if not unit and product_field:
        product = obj._state.fields_cache.get(product_field)
        unit = getattr(product, "unit_of_measure", "") if product is not None else ""
    return unit


def _column(model, name):
    """A readable replacement for the list column `name` of `model`, or the name itself."""
    try:
        field = model._meta.get_field(name)
    except Exception:  # a method or an admin callable: the app's own display
        return name
    if not isinstance(field, models.DecimalField):
        return name
    if name in HOURS:

        def show(obj):
            return quantity(getattr(obj, name), "h")
    elif field.decimal_places == MONEY["decimal_places"] and field.max_digits == MONEY["max_digits"]:

        def show(obj):
            return money(getattr(obj, name))
    elif field.decimal_places == QUANTITY["decimal_places"]:
        sign = "+" if name in SIGNED else ""

        def show(obj):
            value = getattr(obj, name)
            text = quantity(value, _unit_of(obj))
            return f"{sign}{text}" if value is not None and value > 0 else text

        show.shows_unit = True
    else:
        return name
    show.__name__ = name
    return admin.display(description=field.verbose_name, ordering=name)(show)


def themed(model, model_admin_class):
    """`model_admin_class` in the workspace's theme, with readable columns and its list's order."""
    attrs = {"__module__": model_admin_class.__module__}
    attrs["inlines"] = [_themed_inline(inline) for inline in model_admin_class.inlines]
    display = model_admin_class.list_display
    if display != ("__str__",):
        editable = set(model_admin_class.list_editable)  # edited in place: left as the form field shows it
        columns = [_column(model, name) if isinstance(name, str) and name not in editable else name for name in display]
        # Its quantities now say their unit: a column of units alone would only take width.
        if any(getattr(column, "shows_unit", False) for column in columns) and "unit_of_measure" not in editable:
            display = [name for name in display if name != "unit_of_measure"]
            columns = [column for column in columns if column != "unit_of_measure"]
        attrs["list_display"] = columns
        # Links stay on the columns the app named (Django links the first one when it named none).
        if links := set(model_admin_class.list_display_links or ()):
            attrs["list_display_links"] = [c for c, n in zip(columns, display, strict=True) if n in links]
    if not model_admin_class.ordering and model._meta.label_lower in LIST_ORDER:
        attrs["ordering"] = LIST_ORDER[model._meta.label_lower]
    bases = (
        (model_admin_class,)
        if issubclass(model_admin_class, ThemedModelAdmin)
        else (model_admin_class, ThemedModelAdmin)
    )
    return type(model_admin_class.__name__, bases, attrs)


# The admin's titles; every page's theme comes from `themed`, an admin extension (setting ADMIN_EXTENSIONS).
admin.site.site_title = admin.site.site_header = "Stocky"
admin.site.index_title = "What needs attention"
