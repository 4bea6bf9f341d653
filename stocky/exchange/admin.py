"""Import and Export pages in the admin for the models of the exchange REGISTRY.

The same mechanism as the `import` and `export` commands (stocky.exchange.engine), so a file is
validated by the API's serializers and stock moves through the ledger, recorded under the staff
member who imported it. Rights follow the admin's model permissions (that is, the roles table):
exporting needs the view permission, importing the add permission, updating also the change one.

Not django-import-export: its rows go through its own widgets and model validation, not the API's
serializers, and its dry-run/confirm flow and report are its own; wrapping every step of it to reach the
serializers and the ledger would leave two mechanisms to keep in step with the commands.
"""

import datetime
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from stocky.exchange import engine
from stocky.exchange.formats import CONTENT_TYPES, FORMATS, FileError, format_for
from stocky.exchange.resources import REGISTRY, resource_for_model

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # larger files go through `manage.py import`


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, JSON or XLSX, in the columns an export of this page writes.")
    format = forms.ChoiceField(
        choices=[("", "From the file name")] + [(fmt, fmt.upper()) for fmt in FORMATS], required=False
    )
    update = forms.BooleanField(required=False, label="Update existing records")
    dry_run = forms.BooleanField(required=False, label="Check only: report the problems, save nothing")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; import it with manage.py import"
            )
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(fmt, fmt.upper()) for fmt in FORMATS], initial="csv")


class ExchangeAdminMixin:
    """Adds Import and Export to a ModelAdmin's changelist (the links come from
    templates/admin/change_list_object_tools.html). `add_exchange_pages` mixes it into the admin of every
    model the REGISTRY knows: the business apps, below this layer, know nothing of imports."""

    @property
    def exchange_resource(self):
        return resource_for_model(self.model)

    def _url(self, name):
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        # Before the ModelAdmin's own URLs, whose "<object_id>/" would otherwise catch "import/".
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info)),
            path("export/", self.admin_site.admin_view(self.export_view), name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        exchange = {
            "export_url": self._url("export"),
            "import_url": self._url("import") if self.has_add_permission(request) else None,
        }
        return super().changelist_view(request, {"exchange": exchange, **(extra_context or {})})

    def _page(self, request, template, title, status=200, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "resource": self.exchange_resource,
                "changelist_url": self._url("changelist"),
                **context,
            },
            status=status,
        )

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        resource = self.exchange_resource
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            update = form.cleaned_data["update"]
            upload = form.cleaned_data["file"]
            if update and not self.has_change_permission(request):
                form.add_error("update", "Your role does not allow changing existing records")
            else:
                try:
                    fmt = format_for(upload.name, form.cleaned_data["format"])
                    table = engine.read_table(resource, upload.read(), fmt, update=update)
                except FileError as exc:
                    form.add_error("file", str(exc))
                else:
                    report = engine.import_table(
                        resource,
                        table,
                        update=update,
                        dry_run=form.cleaned_data["dry_run"],
                        user=request.user,
                        note=f"Imported in the admin from {upload.name}",
                        update_hint='tick "Update existing records" to update it',
                    )
                    if report.ok and not report.dry_run:
                        for note in report.notes:
                            self.message_user(request, note, messages.INFO)
                        self.message_user(request, report.summary(), messages.SUCCESS)
                        return HttpResponseRedirect(self._url("changelist"))
        return self._page(
            request,
            "admin/exchange/import.html",
            f"Import {self.opts.verbose_name_plural}",
            form=form,
            report=report,
            status=400 if form.errors or (report is not None and not report.ok) else 200,
        )

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if not form.is_valid():
            return self._page(
                request,
                "admin/exchange/export.html",
                f"Export {self.opts.verbose_name_plural}",
                status=400 if form.is_bound else 200,
                form=form,
            )
        fmt = form.cleaned_data["format"]
        resource = self.exchange_resource
        buffer = io.BytesIO()
        engine.export(resource, buffer, fmt)
        response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
        filename = f"{resource.name}-{datetime.date.today().isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def add_exchange_pages(site=admin.site):
    """Give the admin page of every model in the REGISTRY its Import and Export pages.

    Runs when the admin discovers this module, after the business apps' (INSTALLED_APPS lists them first):
    each ModelAdmin registered there is registered again as a subclass with ExchangeAdminMixin.
    """
    for resource in REGISTRY.values():
        model_admin = site._registry.get(resource.model)
        if model_admin is None or isinstance(model_admin, ExchangeAdminMixin):
            continue
        base = type(model_admin)
        site.unregister(resource.model)
        site.register(resource.model, type(base.__name__, (ExchangeAdminMixin, base), {"__module__": base.__module__}))


add_exchange_pages()
