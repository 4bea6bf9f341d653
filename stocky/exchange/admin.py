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
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from stocky.exchange import engine, jobs
from stocky.exchange.formats import CONTENT_TYPES, FORMATS, FileError, format_for
from stocky.exchange.models import ImportJob
from stocky.exchange.resources import REGISTRY, resource_for_model
from stocky.kit.admin_mixins import ViewOnlyAdmin
from stocky.kit.errors import DomainError


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, JSON or XLSX, in the columns an export of this page writes.")
    format = forms.ChoiceField(
        choices=[("", "From the file name")] + [(fmt, fmt.upper()) for fmt in FORMATS], required=False
    )
    update = forms.BooleanField(required=False, label="Update existing records")
    dry_run = forms.BooleanField(required=False, label="Check only: report the problems, save nothing")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_UPLOAD_MB} MB; import it with manage.py import"
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["format"] = format_for(upload.name, cleaned.get("format"))
            except FileError as exc:
                self.add_error("file", str(exc))
        return cleaned


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(fmt, fmt.upper()) for fmt in FORMATS], initial="csv")


class ExchangeAdminMixin:
    """Adds Import and Export to a ModelAdmin's changelist (the links come from
    templates/admin/change_list_object_tools.html). `with_exchange_pages` mixes it into the admin of every
    model the REGISTRY knows: the business apps, below this layer, know nothing of imports."""

    @property
    def exchange_resource(self):
        return resource_for_model(self.model)

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        # Before the ModelAdmin's own URLs, whose "<object_id>/" would otherwise catch "import/".
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
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
        """The form. A valid upload is stored and queued (stocky.exchange.jobs), and the browser goes to
        the job's page: no request reads or imports the file, whatever its size."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            update = form.cleaned_data["update"]
            if update and not self.has_change_permission(request):
                form.add_error("update", "Your role does not allow changing existing records")
            else:
                job = jobs.import_job_start(
                    resource=self.exchange_resource.name,
                    upload=form.cleaned_data["file"],
                    fmt=form.cleaned_data["format"],
                    update=update,
                    dry_run=form.cleaned_data["dry_run"],
                    user=request.user,
                )
                return HttpResponseRedirect(self._url("import_job", job.pk))
        return self._page(
            request,
            "admin/exchange/import.html",
            f"Import {self.opts.verbose_name_plural}",
            form=form,
            status=400 if form.errors else 200,
        )

    def import_job_view(self, request, job_id):
        """An import's progress (rows done of the total, the page reloading itself), then its report.
        Its owner's, and every job for Admins (who see every job in the list of import jobs)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # Here, where a killed worker's job would otherwise spin for ever: it shows as interrupted.
        jobs.import_jobs_mark_interrupted()
        job = visible_jobs(request).filter(pk=job_id, resource=self.exchange_resource.name).first()
        if job is None:
            raise Http404("No such import of yours")
        if request.method == "POST" and "restart" in request.POST:
            if job.update and not self.has_change_permission(request):
                raise PermissionDenied
            try:
                again = jobs.import_job_restart(job=job, user=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
                return HttpResponseRedirect(self._url("import_job", job.pk))
            return HttpResponseRedirect(self._url("import_job", again.pk))
        report = job.report
        failed = job.status == ImportJob.Status.FAILED or (job.finished and not report.get("ok"))
        return self._page(
            request,
            "admin/exchange/import_job.html",
            f"Import of {job.filename}",
            job=job,
            report=report,
            failed=failed,
            can_restart=job.interrupted and bool(job.file),
            import_url=self._url("import"),
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


def visible_jobs(request):
    """The import jobs `request.user` may see: Admins every one, others their own (as their pages)."""
    queryset = ImportJob.objects.select_related("user")
    return queryset if request.user.is_superuser else queryset.filter(user=request.user)


def job_page_url(job, site_name=admin.site.name):
    """The job's own page (progress, then report), under its resource's admin page; None if that is gone."""
    resource = REGISTRY.get(job.resource)
    if resource is None:
        return None
    opts = resource.model._meta
    try:
        return reverse(f"{site_name}:{opts.app_label}_{opts.model_name}_import_job", args=[job.pk])
    except NoReverseMatch:
        return None


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Every admin import, read-only: who, what, how far, and a link to its report. Jobs are made by the
    Import pages and deleted by `manage.py prune_import_jobs`."""

    list_display = (
        "filename",
        "resource",
        "user",
        "status_text",
        "rows",
        "created_at",
        "started_at",
        "finished_at",
        "report_link",
    )
    list_filter = ("status", "resource")
    search_fields = ("filename",)
    date_hierarchy = "created_at"
    fields = (
        "filename",
        "resource",
        "format",
        "update",
        "dry_run",
        "user",
        "status_text",
        "rows",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "report_link",
    )
    readonly_fields = fields
    actions = None

    def get_queryset(self, request):
        return visible_jobs(request)

    def changelist_view(self, request, extra_context=None):
        jobs.import_jobs_mark_interrupted()  # a killed worker's job reads "interrupted" here too
        return super().changelist_view(request, extra_context)

    @admin.display(description="status", ordering="status")
    def status_text(self, job):
        text = job.get_status_display()
        if job.interrupted:
            return f"{text}: interrupted, nothing imported"
        return f"{text} (check only)" if job.dry_run else text

    @admin.display(description="rows")
    def rows(self, job):
        return f"{job.rows_done} of {job.rows_total if job.rows_total is not None else '?'}"

    @admin.display(description="report")
    def report_link(self, job):
        url = job_page_url(job, self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, "Report" if job.finished else "Progress") if url else "-"


def with_exchange_pages(model, model_admin_class):
    """An admin extension (stocky.kit.admin_extensions, setting ADMIN_EXTENSIONS): the admin of every model
    in the REGISTRY gets its Import and Export pages."""
    if resource_for_model(model) is None or issubclass(model_admin_class, ExchangeAdminMixin):
        return model_admin_class
    return type(
        model_admin_class.__name__,
        (ExchangeAdminMixin, model_admin_class),
        {"__module__": model_admin_class.__module__},
    )
