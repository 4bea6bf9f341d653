from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from orders import (
    lot_admin,  # noqa: F401 -- registers the lots' pages (their trace names clients)
    services,
)
from orders.catalogue import admin as catalogue_admin  # noqa: F401 -- registers the hub catalogue's pages
from orders.models import Client, FinishedProductOrder, OrderStatus, RawProductOrder
from stocky.kit.admin_mixins import ServiceAdminMixin
from stocky.kit.errors import DomainError


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    # A website typed without a scheme is taken as https (Django 6's default; silences its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "client_type", "contact_person", "phone", "email", "city", "region"]
    list_filter = ["client_type", "region", "city", "created_at"]
    search_fields = ["name", "email", "contact_person", "phone", "address", "city"]
    readonly_fields = ["created_at", "updated_at"]


def status_action(status):
    """An admin action that moves the selected orders to `status` through the order kind's service."""
    label = OrderStatus(status).label.lower()

    def action(modeladmin, request, queryset):
        modeladmin.change_status(request, queryset, status)

    action.__name__ = f"mark_{status}"
    return admin.action(description=f"Mark selected orders as {label}", permissions=["change"])(action)


class OrderAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Shared by both kinds of order. Every write calls the kind's services in orders.services, the API's:
    the add page creates through `<kind>_create` (a status other than "ordered" is reached by its transition,
    moving stock), the change page saves through `<kind>_update`, the status changes through the actions
    (`<kind>_set_status`), deletes through `<kind>_delete`."""

    set_status_service = None  # staticmethod(orders.services.<kind>_set_status), as the other services
    service_kind = None  # orders.services.PURCHASE or SALES
    list_filter = ["status", "ordered_at", "expected_delivery_date"]
    # Date list filters rather than date_hierarchy: on MariaDB the hierarchy of a date-time needs the
    # server's time-zone tables as soon as TIME_ZONE is not UTC, and fails without them.
    actions = [status_action(status) for status in OrderStatus.values]

    def get_readonly_fields(self, request, obj=None):
        fields = ["created_at", "updated_at"]
        if obj is None:
            return fields
        # On an existing order the status is changed by the actions; what fixes the stock it moved cannot
        # change while that stock is held (received, shipped).
        fields.append("status")
        if obj.status in self.service_kind.holding:
            fields.extend(self.service_kind.stock_fields)
        return fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if change:
            self.update_service(order=obj, user=request.user, **data)
            obj.refresh_from_db()
        else:
            fields = {name: value for name, value in form.cleaned_data.items() if name != "status"}
            order = self.create_service(user=request.user, status=form.cleaned_data.get("status"), **fields)
            obj.pk = order.pk
            obj.refresh_from_db()

    def change_status(self, request, queryset, status):
        service = self.set_status_service
        label = OrderStatus(status).label.lower()
        changed, already, failed = [], [], []
        for order in queryset.order_by("pk"):
            if order.status == status:
                already.append(order.pk)
                continue
            try:
                service(order=order, status=status, user=request.user)
            except DomainError as exc:  # one refused order does not stop the others
                failed.append(f"#{order.pk}: {exc.message}")
            else:
                changed.append(order.pk)
        if changed:
            self.message_user(
                request, f"Marked {len(changed)} order(s) as {label}: {self._ids(changed)}.", messages.SUCCESS
            )
        if already:
            self.message_user(request, f"{len(already)} order(s) already {label}: {self._ids(already)}.", messages.INFO)
        for failure in failed:
            self.message_user(request, f"Not changed, {failure}", messages.ERROR)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # An order whose stock has moved is not deleted (the ledger refers to it): say which, before asking.
        for order in objs:
            if order.status in self.service_kind.holding:
                status = order.get_status_display().lower()
                protected.append(f"{order} is {status}: set its status back to ordered first")
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        self.delete_service(order=obj)

    def delete_queryset(self, request, queryset):
        for order in queryset.order_by("pk"):
            self.delete_service(order=order)

    @staticmethod
    def _ids(pks):
        return ", ".join(f"#{pk}" for pk in pks)


class ReceiveForm(forms.Form):
    """The lot a purchase order's receipt makes: the admin's side of the API's `lot` (all optional)."""

    code = forms.CharField(max_length=64, required=False, help_text="Our lot code; empty: generated.")
    supplier_lot_code = forms.CharField(max_length=64, required=False, help_text="As printed on the delivery.")
    use_by = forms.DateField(required=False, help_text="Not to be used after this date (safety).")
    best_before = forms.DateField(required=False, help_text="Best quality until this date.")


@admin.register(RawProductOrder)
class RawProductOrderAdmin(OrderAdmin):
    service_kind = services.PURCHASE
    create_service = staticmethod(services.raw_product_order_create)
    update_service = staticmethod(services.raw_product_order_update)
    set_status_service = staticmethod(services.raw_product_order_set_status)
    delete_service = staticmethod(services.raw_product_order_delete)
    list_display = [
        "id",
        "raw_product",
        "supplier",
        "quantity",
        "unit_of_measure",
        "price",
        "status",
        "ordered_at",
        "expected_delivery_date",
    ]
    list_select_related = ["raw_product", "supplier"]
    list_filter = [*OrderAdmin.list_filter, "supplier"]
    search_fields = ["=id", "raw_product__name", "supplier__name"]
    autocomplete_fields = ["raw_product", "supplier"]

    def get_urls(self):
        receive = self.admin_site.admin_view(self.receive_view)
        return [path("<path:object_id>/receive/", receive, name="orders_rawproductorder_receive"), *super().get_urls()]

    def receive_view(self, request, object_id):
        """Receive one order with its lot's codes and dates (orders.services, as PATCH .../status with `lot`);
        the "Mark as received" action receives many at once with generated codes and no dates."""
        order = self.get_object(request, object_id)
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = ReceiveForm(request.POST or None)
        if order.status == OrderStatus.RECU:  # the service would keep the lot it made and ignore this one
            form.add_error(None, f"Purchase order {order.pk} is already received: its lot is {order.lot}.")
        elif form.is_valid():
            try:
                self.set_status_service(order=order, status=OrderStatus.RECU, user=request.user, lot=form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
                for field, texts in exc.errors.items():
                    for text in texts:
                        if text != exc.message:
                            form.add_error(field if field in form.fields else None, text)
            else:
                self.message_user(request, f"Purchase order {order.pk} received as lot {order.lot}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:orders_rawproductorder_change", args=[order.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Receive purchase order {order.pk}: {order.raw_product}",
            "opts": self.opts,
            "original": order,
            "form": form,
        }
        return TemplateResponse(request, "admin/orders/rawproductorder/receive.html", context)


@admin.register(FinishedProductOrder)
class FinishedProductOrderAdmin(OrderAdmin):
    service_kind = services.SALES
    create_service = staticmethod(services.finished_product_order_create)
    update_service = staticmethod(services.finished_product_order_update)
    set_status_service = staticmethod(services.finished_product_order_set_status)
    delete_service = staticmethod(services.finished_product_order_delete)
    list_display = [
        "id",
        "finished_product",
        "client",
        "quantity",
        "unit_of_measure",
        "sale_price",
        "status",
        "ordered_at",
        "expected_delivery_date",
    ]
    list_select_related = ["finished_product", "client"]
    list_filter = [*OrderAdmin.list_filter, "client__client_type"]
    search_fields = ["=id", "finished_product__name", "client__name"]
    autocomplete_fields = ["finished_product", "client"]
