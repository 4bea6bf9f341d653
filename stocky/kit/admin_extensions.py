"""Layers above the business apps add to every admin page without the apps' admin modules knowing them.

An extension is a function `(model, model_admin_class) -> model_admin_class`: it returns the class it was
given, or a subclass of it with what it adds (the exchange's Import and Export pages, the workspace's theme).
The composition root names them, in order, in the setting ADMIN_EXTENSIONS (dotted paths: the kit imports no
layer above it), and `ExtendedAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS: right after the
admin has discovered every app's admin module, one pass hands each registered ModelAdmin class through the
extensions and registers the result once, so an extension sees what the ones before it made (the theme
applies to the Import pages too) and no page is registered twice.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.module_loading import import_string


def extend_admins(site, extensions):
    """Pass every ModelAdmin registered on `site` through `extensions` in order; re-register the changed ones."""
    for model, model_admin in list(site._registry.items()):
        original = model_class = type(model_admin)
        for extend in extensions:
            model_class = extend(model, model_class)
        if model_class is not original:
            site.unregister(model)
            site.register(model, model_class)


class ExtendedAdminConfig(AdminConfig):
    """django.contrib.admin, then the extensions of ADMIN_EXTENSIONS over everything it discovered."""

    def ready(self):
        super().ready()  # autodiscover: every app's admin.py has registered its pages
        extend_admins(admin.site, [import_string(path) for path in getattr(settings, "ADMIN_EXTENSIONS", ())])
