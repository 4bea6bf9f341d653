"""The lots in the admin (SPEC D, issue 12): the list with expiry colours and filters, hold, release, write-off
and recall as actions through inventory.lots.services, and each lot's trace page with its CSV and PDF.

Registered from orders.admin: the trace names the clients a lot reached, so the page lives in the orders layer.
"""

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from inventory.lots import services as lot_services
from inventory.lots.serializers import lots_with_items
from inventory.models import Lot
from orders.digest import lots_to_act_on
from orders.trace import lot_trace, trace_csv, trace_pdf
from stocky.kit.admin_mixins import ViewOnlyAdmin
from stocky.kit.errors import DomainError


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", "expired (past use-by)"),
            ("expiring", f"expiring within {settings.LOTS_DIGEST_DAYS} days"),
            ("on_hold", "on hold"),
            ("to_act", f"to act on: expired, or use-by or best-before within {settings.LOTS_DIGEST_DAYS} days"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "expired":
            return queryset.filter(use_by__lt=today, quantity__gt=0)
        if self.value() == "expiring":
            limit = today + datetime.timedelta(days=settings.LOTS_DIGEST_DAYS)
            return queryset.filter(use_by__gte=today, use_by__lte=limit, quantity__gt=0)
        if self.value() == "on_hold":
            return queryset.filter(status=Lot.Status.ON_HOLD)
        if self.value() == "to_act":  # what the expiry digest lists
            return lots_to_act_on(today=today, days=settings.LOTS_DIGEST_DAYS, lots=queryset)
        return queryset


def _each(modeladmin, request, queryset, verb, service, **kwargs):
    """Run a lot service on each selected lot; one refusal does not stop the others."""
    done, failed = [], []
    for lot in queryset.order_by("pk"):
        try:
            service(lot=lot, user=request.user, **kwargs)
        except DomainError as exc:
            failed.append(f"{lot.code}: {exc.message}")
        else:
            done.append(lot.code)
    if done:
        modeladmin.message_user(request, f"{verb} {len(done)} lot(s): {', '.join(done)}.", messages.SUCCESS)
    for failure in failed:
        modeladmin.message_user(request, f"Not changed, {failure}", messages.ERROR)


REASON = "From the admin"


@admin.action(description="Put the selected lots on hold")
def hold(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, "Put on hold", lot_services.lot_hold, reason=REASON)


@admin.action(description="Release the selected lots")
def release(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, "Released", lot_services.lot_release, reason=REASON)


@admin.action(description="Recall the selected lots (they and every batch made from them go on hold)")
def recall(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, "Recalled", lot_services.lot_recall, reason=REASON)


@admin.action(description="Write off what is left of the selected lots")
def write_off(modeladmin, request, queryset):
    def whole(*, lot, user, reason):
        return lot_services.lot_write_off(lot=lot, quantity=lot.quantity, user=user, reason=reason)

    _each(modeladmin, request, queryset.filter(quantity__gt=0), "Wrote off", whole, reason=REASON)


@admin.register(Lot)
class LotAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Lots, read-only: quantities and statuses change through the actions and the stock moves."""

    list_display = ["code", "item_type", "item", "quantity", "expiry", "best_before", "status", "trace", "created_at"]
    list_filter = [ExpiryFilter, "status", "item_type", "source_type"]
    search_fields = ["code", "supplier_lot_code"]
    actions = [hold, release, recall, write_off]
    readonly_fields = [field.name for field in Lot._meta.fields]

    def get_queryset(self, request):
        return lots_with_items(super().get_queryset(request))

    @admin.display(description="item", ordering="item_name")
    def item(self, lot):
        return lot.item_name

    @admin.display(description="use-by", ordering="use_by")
    def expiry(self, lot):
        # Red: past use-by; orange: within the digest's days; as text too, for screen readers and print.
        if lot.use_by is None:
            return "—"
        today = timezone.localdate()
        if lot.use_by < today:
            return format_html('<span class="lot-expired" style="color:#b00020">{} (expired)</span>', lot.use_by)
        if lot.use_by <= today + datetime.timedelta(days=settings.LOTS_DIGEST_DAYS):
            return format_html('<span class="lot-expiring" style="color:#c25e00">{} (soon)</span>', lot.use_by)
        return str(lot.use_by)

    @admin.display(description="trace")
    def trace(self, lot):
        ledger = f"{reverse('admin:inventory_stockmovement_changelist')}?lot={lot.pk}"
        trace = reverse("admin:inventory_lot_trace", args=[lot.pk])
        return format_html('<a href="{}">trace</a> · <a href="{}">ledger</a>', trace, ledger)

    def get_urls(self):
        return [
            path("<int:pk>/trace/", self.admin_site.admin_view(self.trace_view), name="inventory_lot_trace"),
            *super().get_urls(),
        ]

    def trace_view(self, request, pk):
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        lot = get_object_or_404(Lot, pk=pk)
        trace = lot_trace(lot)
        kind = request.GET.get("format")
        if kind in ("csv", "pdf"):
            body, content_type = (
                (trace_csv(trace), "text/csv; charset=utf-8")
                if kind == "csv"
                else (trace_pdf(trace), "application/pdf")
            )
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="trace-lot-{lot.pk}.{kind}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Trace of lot {lot.code}",
            "lot": trace["lot"],
            "trace": trace,
        }
        return TemplateResponse(request, "admin/inventory/lot/trace.html", context)
