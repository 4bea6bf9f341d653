"""One pass of the admin extensions: each registered page through every extension, in order, registered once."""

from django.contrib import admin
from unfold.admin import ModelAdmin as ThemedModelAdmin

from inventory import admin as inventory_admin
from inventory.models import RawProduct, Supplier
from stocky.exchange.admin import ExchangeAdminMixin
from stocky.kit.admin_extensions import extend_admins


class SupplierAdmin(admin.ModelAdmin):
    actions = ["own_action"]


def test_extensions_apply_in_order_and_an_unchanged_page_stays_registered_as_it_was():
    site = admin.AdminSite(name="extensions_test")
    site.register(Supplier, SupplierAdmin)
    site.register(RawProduct)
    seen = []

    def first(model, model_admin_class):
        seen.append(("first", model, model_admin_class))
        if model is not Supplier:
            return model_admin_class
        return type(model_admin_class.__name__, (model_admin_class,), {"list_per_page": 7})

    def second(model, model_admin_class):
        seen.append(("second", model, model_admin_class))
        return model_admin_class

    plain = site._registry[RawProduct]
    extend_admins(site, [first, second])

    supplier_admin = site._registry[Supplier]
    assert isinstance(supplier_admin, SupplierAdmin) and supplier_admin.list_per_page == 7
    assert site._registry[RawProduct] is plain  # nothing changed: not registered again
    # The second extension saw what the first made.
    assert ("second", Supplier, type(supplier_admin)) in seen


def test_the_real_site_has_the_import_pages_in_the_theme_on_every_resource_and_the_apps_own_class_first():
    for model, app_class in ((Supplier, inventory_admin.SupplierAdmin), (RawProduct, inventory_admin.RawProductAdmin)):
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ExchangeAdminMixin) and isinstance(model_admin, ThemedModelAdmin)
        bases = type(model_admin).__mro__
        # The import pages wrap the app's URLs; the app's own admin comes before unfold's, so its hooks win.
        assert bases.index(ExchangeAdminMixin) < bases.index(app_class) < bases.index(ThemedModelAdmin)
