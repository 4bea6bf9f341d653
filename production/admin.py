import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from inventory import admin as inventory_admin
from inventory.lots.moves import fefo_key
from inventory.models import NUTRIENTS, FinishedProduct, Lot
from orders import lot_admin
from production import declaration as declaration_module
from production import selectors, services
from production.labels import bold_markup, label_pdf
from production.models import DeclarationChange, ProductionPlan, RecipeComponent, RecipeItem
from production.serializers import LabelSerializer, requirements_data
from stocky.kit.admin_mixins import ServiceAdminMixin, ServiceInlineMixin
from stocky.kit.display import figure, money
from stocky.kit.errors import DomainError


class RecipeSaves(ServiceInlineMixin):
    """Recipe items saved through production.services, which lock the material and check the unit."""

    service_instance = "item"
    create_service = staticmethod(services.recipe_item_create)
    update_service = staticmethod(services.recipe_item_update)
    delete_service = staticmethod(services.recipe_item_delete)


class RecipeItemInline(RecipeSaves, admin.TabularInline):
    model = RecipeItem
    fields = ["raw_product", "quantity_required", "unit_of_measure"]
    autocomplete_fields = ["raw_product"]
    extra = 0


class ComponentSaves(ServiceInlineMixin):
    """Component lines saved through production.services, which refuse a cycle at any depth (the page shows
    the path) and check the unit against the locked component."""

    service_instance = "item"
    create_service = staticmethod(services.recipe_component_create)
    update_service = staticmethod(services.recipe_component_update)
    delete_service = staticmethod(services.recipe_component_delete)


class RecipeComponentInline(ComponentSaves, admin.TabularInline):
    model = RecipeComponent
    fk_name = "finished_product"
    fields = ["component", "quantity_required", "unit_of_measure"]
    autocomplete_fields = ["component"]
    extra = 0
    verbose_name = "component (a finished product made in house)"
    verbose_name_plural = "components (finished products made in house)"


class CostedChangeList(ChangeList):
    """The finished products' list, with the costs of every component of the page's products read at once
    (production.selectors.component_costs): the unit cost column then costs no query per row."""

    def get_results(self, request):
        super().get_results(request)
        selectors.component_costs(self.result_list)


class DeclarationChangedFilter(admin.SimpleListFilter):
    """Finished products whose declaration a material's edit changed, not yet acknowledged."""

    title = "declaration"
    parameter_name = "declaration_changed"

    def lookups(self, request, model_admin):
        return [("true", "declaration changed"), ("false", "declaration up to date")]

    def queryset(self, request, queryset):
        changed = Exists(
            DeclarationChange.objects.filter(finished_product=OuterRef("pk"), acknowledged_at__isnull=True)
        )
        if self.value() == "true":
            return queryset.filter(changed)
        if self.value() == "false":
            return queryset.exclude(changed)
        return queryset


# Inventory, the layer below, registers finished products without what production knows of them.
admin.site.unregister(FinishedProduct)


@admin.register(FinishedProduct)
class FinishedProductAdmin(inventory_admin.FinishedProductAdmin):
    """A finished product with its recipe (inline) and its unit cost."""

    list_display = [
        "name",
        "stock_quantity",
        "unit_of_measure",
        "reorder_level",
        "recipe_size",
        "unit_cost",
        "updated_at",
    ]
    inlines = [*inventory_admin.FinishedProductAdmin.inlines, RecipeItemInline, RecipeComponentInline]
    readonly_fields = ["declaration", *inventory_admin.FinishedProductAdmin.readonly_fields]
    list_filter = [DeclarationChangedFilter, *inventory_admin.FinishedProductAdmin.list_filter]
    actions = ["acknowledge_declaration_changes"]

    def get_queryset(self, request):
        # The unit cost column reads recipes, prices and plans: prefetched, so a page costs a fixed number
        # of queries whatever its length.
        return selectors.cost_queryset(super().get_queryset(request).annotate(recipe_size=Count("recipe_items")))

    def get_changelist(self, request, **kwargs):
        return CostedChangeList

    @admin.display(description="materials in recipe", ordering="recipe_size")
    def recipe_size(self, product):
        return product.recipe_size

    @admin.display(description="unit cost")
    def unit_cost(self, product):
        """Materials at the cheapest prices plus labour (production.selectors), per stock unit."""
        cost = selectors.finished_product_cost(product, with_sales=False)
        text = f"{money(cost['unit_cost'])} / {product.unit_of_measure}"
        if cost["missing_prices"]:
            names = ", ".join(entry["raw_product"].name for entry in cost["missing_prices"])
            return format_html('{} <span title="Without a price: {}">(incomplete)</span>', text, names)
        return text

    @admin.display(description="what the label must declare")
    def declaration(self, product):
        """The declaration panel (production.declaration): allergens, may contain, the ingredient list,
        the nutrition table, missing data, and the changes not yet acknowledged with their lots."""
        if product.pk is None:
            return "—"
        return render_to_string(
            "admin/production/declaration_panel.html",
            {"declaration": declaration_panel_data(product)},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and object_id and str(object_id).isdigit():
            changes = DeclarationChange.objects.filter(finished_product_id=object_id, acknowledged_at__isnull=True)
            if changes.exists():
                messages.warning(
                    request,
                    'Its declaration changed since it was last acknowledged: see "what the label must declare" '
                    "below, then print new labels and acknowledge the change (action on the list).",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Acknowledge declaration changes (new labels printed)", permissions=["change"])
    def acknowledge_declaration_changes(self, request, queryset):
        count = sum(
            declaration_module.declaration_changes_acknowledge(product=product, user=request.user)
            for product in queryset.order_by("pk")
        )
        self.message_user(request, f"{count} declaration change(s) acknowledged.", messages.SUCCESS)


def declaration_panel_data(product):
    """The declaration with its open changes and the lots made before them, for the admin's panel."""
    answer = declaration_module.finished_product_declaration(product)
    changes = declaration_module.open_changes(product)
    answer["changes"] = changes
    answer["lots"] = declaration_module.lots_made_before(product, changes[-1].created_at) if changes else []
    figures = answer["nutrition_per_100g"]
    answer["nutrition_rows"] = [(label, figures[name], unit) for name, label, unit, _ in NUTRIENTS]
    answer["ingredient_html"] = mark_safe(bold_markup(answer["ingredient_list"]))  # noqa: S308 -- escaped
    return answer


# Inventory's lot admin (registered by orders, which adds the trace) gains the label of a finished lot.
admin.site.unregister(Lot)


@admin.register(Lot)
class LotAdmin(lot_admin.LotAdmin):
    """Lots, with the label a finished lot keeps from the day it was made (SPEC E) as a PDF link."""

    list_display = [*lot_admin.LotAdmin.list_display, "label"]
    readonly_fields = [*lot_admin.LotAdmin.readonly_fields, "label"]

    @admin.display(description="label")
    def label(self, lot):
        if lot.item_type != Lot.ItemType.FINISHED_PRODUCT:
            return "—"
        return format_html('<a href="{}">Label (PDF)</a>', reverse("admin:inventory_lot_label", args=[lot.pk]))

    def get_urls(self):
        return [
            path("<int:pk>/label/", self.admin_site.admin_view(self.label_view), name="inventory_lot_label"),
            *super().get_urls(),
        ]

    def label_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        lot = get_object_or_404(Lot, pk=pk)
        try:
            kept = declaration_module.lot_label(lot)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:inventory_lot_change", args=[lot.pk]))
        data = LabelSerializer(
            {**kept, "lot_id": lot.pk, "code": lot.code, "use_by": lot.use_by, "best_before": lot.best_before}
        ).data
        response = HttpResponse(label_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="label-lot-{lot.pk}.pdf"'
        return response


@admin.register(RecipeItem)
class RecipeItemAdmin(RecipeSaves, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["finished_product", "raw_product", "quantity_required", "unit_of_measure"]
    list_select_related = ["finished_product", "raw_product"]
    list_filter = ["unit_of_measure"]
    search_fields = ["finished_product__name", "raw_product__name"]
    autocomplete_fields = ["finished_product", "raw_product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(RecipeComponent)
class RecipeComponentAdmin(ComponentSaves, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["finished_product", "component", "quantity_required", "unit_of_measure"]
    list_select_related = ["finished_product", "component"]
    list_filter = ["unit_of_measure"]
    search_fields = ["finished_product__name", "component__name"]
    autocomplete_fields = ["finished_product", "component"]
    readonly_fields = ["created_at", "updated_at"]


class RequirementsForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    expected_delivery_date = forms.DateField(
        label="Expected delivery",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For the purchase orders created; empty: the first day of the window, or today if it is past.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The window ends before it starts.")
        return cleaned


class PlanCompleteForm(forms.Form):
    """What a run actually produced and how long it took: the admin's side of POST .../complete."""

    produced_quantity = forms.DecimalField(
        max_digits=14, decimal_places=3, min_value=Decimal("0.001"), help_text="In the plan's unit."
    )
    actual_duration = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False, help_text="Hours; empty: as planned."
    )
    batch_code = forms.CharField(
        max_length=64, required=False, help_text="The lot code of what it made; empty: generated."
    )
    lots = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        required=False,
        label="Lots to draw from",
        help_text=(
            "One per line: a material's lot code and the quantity to take from it, in the material's stock unit "
            "(e.g. FLOUR-25 4.5); what is not named is drawn first-expiry-first-out."
        ),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_lots(self):
        """The lines as the service takes them ([{"lot_id", "quantity"}]): each code names a lot of one of the
        recipe's materials. Whether that lot may be used is the service's to say, as for the API."""
        lines = [line.split() for line in self.cleaned_data["lots"].splitlines() if line.strip()]
        if not lines:
            return []
        materials = RecipeItem.objects.filter(finished_product_id=self.plan.finished_product_id).values(
            "raw_product_id"
        )
        candidates = {}
        codes = {parts[0] for parts in lines}
        for lot in Lot.objects.filter(item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=materials, code__in=codes):
            candidates.setdefault(lot.code, []).append(lot)
        named, errors = [], []
        for parts in lines:
            code = parts[0]
            quantity = _quantity(parts[1]) if len(parts) == 2 else None
            if quantity is None:
                errors.append(f"'{' '.join(parts)}': write a lot code and a quantity greater than 0, e.g. {code} 2.5")
            elif code not in candidates:
                errors.append(f"No material of {self.plan.finished_product}'s recipe has a lot {code}")
            elif len(candidates[code]) > 1:
                names = ", ".join(sorted(str(lot.item_id) for lot in candidates[code]))
                errors.append(f"Several materials have a lot {code} (ids {names}): complete through the API")
            else:
                named.append({"lot_id": candidates[code][0].pk, "quantity": quantity})
        if errors:
            raise forms.ValidationError(errors)
        return named


def _quantity(text):
    try:
        quantity = Decimal(text)
    except ArithmeticError:
        return None
    return quantity if quantity.is_finite() and quantity > 0 else None


def plan_action(name, service, verb, description):
    """An admin action `name` that runs `service` (production.services.production_plan_<name>) on each
    selected plan."""

    def action(modeladmin, request, queryset):
        modeladmin.run_plans(request, queryset, service, verb)

    action.__name__ = name
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(ProductionPlan)
class ProductionPlanAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Plans and their runs. Start, complete (the planned quantity) and cancel are actions that call the
    API's services; a completed or cancelled plan is read-only. The material requirements page is linked
    from the list."""

    change_list_template = "admin/production/productionplan/change_list.html"
    list_display = [
        "id",
        "finished_product",
        "status",
        "planned_quantity",
        "unit_of_measure",
        "planned_production_date",
        "hours",
        "planned_labour_cost",
        "produced_quantity",
    ]
    list_select_related = ["finished_product"]
    list_filter = ["status", "planned_production_date", "unit_of_measure"]
    # Date list filters rather than date_hierarchy: on MariaDB the hierarchy of a date-time needs the
    # server's time-zone tables as soon as TIME_ZONE is not UTC, and fails without them.
    search_fields = ["=id", "finished_product__name"]
    autocomplete_fields = ["finished_product"]
    readonly_fields = ["status", "produced_quantity", "started_at", "completed_at", "created_at", "updated_at"]
    service_instance = "plan"
    create_service = staticmethod(services.production_plan_create)
    update_service = staticmethod(services.production_plan_update)
    actions = [
        plan_action("start", services.production_plan_start, "started", "Start the selected plans"),
        plan_action(
            "complete",
            services.production_plan_complete,
            "completed",
            "Complete the selected plans (consumes materials, adds the planned quantity)",
        ),
        plan_action("cancel", services.production_plan_cancel, "cancelled", "Cancel the selected plans"),
    ]

    @admin.display(description="planned labour cost")
    def planned_labour_cost(self, plan):
        return money(plan.planned_duration * plan.hourly_rate)

    @admin.display(description="hours: planned, actual", ordering="planned_duration")
    def hours(self, plan):
        # One column for both, so that the list fits at 1280 px; the rate is on the plan's page.
        actual = f"{figure(plan.actual_duration)}\u00a0h" if plan.actual_duration is not None else "—"
        return f"{figure(plan.planned_duration)}\u00a0h, {actual}"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status in ProductionPlan.FINAL:
            return False  # final: shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ProductionPlan.Status.COMPLETED:
            return False  # the ledger and the product's labour cost refer to it: no button that can only fail
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for plan in objs:
            if plan.status == ProductionPlan.Status.COMPLETED:
                protected.append(f"{plan} is completed: the stock ledger and the product's labour cost refer to it")
                # Said above, and better than "your account may not delete production plans".
                if super().has_delete_permission(request):
                    perms_needed.discard(self.opts.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.production_plan_delete(plan=obj)

    def delete_queryset(self, request, queryset):
        for plan in queryset.order_by("pk"):
            services.production_plan_delete(plan=plan)

    def run_plans(self, request, queryset, service, verb):
        done, refused = [], []
        # One transaction per plan (the service's): a refusal leaves the others done.
        for plan in queryset.order_by("pk"):
            try:
                service(plan=plan, user=request.user)
            except DomainError as exc:
                details = [text for texts in exc.errors.values() for text in texts if text != exc.message]
                suffix = f" ({'; '.join(details)})" if details else ""
                refused.append(f"Plan {plan.pk} not {verb}: {exc.message}{suffix}")
            else:
                done.append(f"#{plan.pk}")
        if done:
            self.message_user(request, f"{len(done)} plan(s) {verb}: {', '.join(done)}.", messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    # --- Material requirements --------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.requirements_view)
        complete = self.admin_site.admin_view(self.complete_view)
        return [
            path("requirements/", view, name="production_productionplan_requirements"),
            path("<path:object_id>/complete/", complete, name="production_productionplan_complete"),
            *super().get_urls(),
        ]

    def complete_view(self, request, object_id):
        """Complete one plan with what it produced and how long it took (production.services, as the API)."""
        plan = self.get_object(request, object_id)
        if plan is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, plan):
            raise PermissionDenied
        form = PlanCompleteForm(
            request.POST or None,
            plan=plan,
            initial={"produced_quantity": plan.planned_quantity.normalize(), "actual_duration": plan.planned_duration},
        )
        if form.is_valid():
            try:
                services.production_plan_complete(plan=plan, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
                for field, texts in exc.errors.items():
                    for text in texts:
                        if text != exc.message:
                            form.add_error(field if field in form.fields else None, text)
            else:
                self.message_user(request, f"Plan {plan.pk} completed: {plan.finished_product} added to stock.")
                return HttpResponseRedirect(reverse("admin:production_productionplan_change", args=[plan.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Complete plan {plan.pk}: {plan.finished_product}",
            "opts": self.opts,
            "original": plan,
            "form": form,
            "material_lots": self._material_lots(plan),
        }
        return TemplateResponse(request, "admin/production/productionplan/complete.html", context)

    @staticmethod
    def _material_lots(plan):
        """The recipe's material lots with stock, in the order a run draws them (first-expiry-first-out), so
        that whoever names lots on the form sees their codes, dates and state."""
        recipe = RecipeItem.objects.filter(finished_product_id=plan.finished_product_id).select_related("raw_product")
        names = {item.raw_product_id: item.raw_product for item in recipe}
        lots = Lot.objects.filter(item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=names, quantity__gt=0)
        today = timezone.localdate()
        return [
            {
                "lot": lot,
                "material": names[lot.item_id],
                "usable": lot.status == Lot.Status.AVAILABLE and (lot.use_by is None or lot.use_by >= today),
            }
            for lot in sorted(lots, key=lambda lot: (names[lot.item_id].name, *fefo_key(lot)))
        ]

    def requirements_view(self, request):
        """What the plans of a window need, what to buy from whom, and a button that orders it (the API's
        GET /production/requirements and POST /production/requirements/orders)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        # Without a window in the address, the next 30 days: the page answers at once.
        default = {"date_from": today, "date_to": today + datetime.timedelta(days=30)}
        source = request.POST if request.method == "POST" else (request.GET or default)
        form = RequirementsForm(source, initial=default)
        can_order = request.user.has_perm("orders.add_rawproductorder")
        can_plan = request.user.has_perm("production.add_productionplan")
        answer = None
        if form.is_bound and form.is_valid():
            window = form.cleaned_data
            if request.method == "POST" and request.POST.get("plan_components"):
                if not can_plan:
                    raise PermissionDenied
                return self._create_plans(request, window)
            if request.method == "POST":
                if not can_order:
                    raise PermissionDenied
                return self._create_orders(request, window)
            try:
                answer = requirements_data(
                    selectors.material_requirements(date_from=window["date_from"], date_to=window["date_to"])
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": "Material requirements",
            "opts": self.model._meta,
            "form": form,
            "answer": answer,
            "short_count": sum(1 for line in answer["materials"] if line["shortfall"]) if answer else 0,
            "can_order": can_order,
            "can_plan": can_plan,
            "plans_proposed": any(line["proposed_plan"] for line in answer["components"]) if answer else False,
            "orders_url": reverse("admin:orders_rawproductorder_changelist"),
        }
        return TemplateResponse(request, "admin/production/requirements.html", context)

    def _create_plans(self, request, window):
        """The production plans proposed for short components (the API's POST /production/requirements/plans)."""

        def create():
            plans, _answer = services.requirements_plans_create(
                date_from=window["date_from"], date_to=window["date_to"], user=request.user
            )
            if not plans:
                return "No plan to create: no component is short.", messages.INFO
            names = ", ".join(f"#{plan.pk} {plan.finished_product}" for plan in plans)
            return f"{len(plans)} production plan(s) created: {names}.", messages.SUCCESS

        return self._act_on_requirements(request, window, create)

    def _create_orders(self, request, window):
        def create():
            orders, _answer = services.requirements_orders_create(
                date_from=window["date_from"],
                date_to=window["date_to"],
                expected_delivery_date=window.get("expected_delivery_date"),
                user=request.user,
            )
            if not orders:
                return "Nothing to order: nothing is short that a supplier sells.", messages.INFO
            ids = ", ".join(f"#{order.pk}" for order in orders)
            return f"{len(orders)} purchase order(s) created: {ids}.", messages.SUCCESS

        return self._act_on_requirements(request, window, create)

    def _act_on_requirements(self, request, window, create):
        """Run `create` (-> message, level), say what it did or the service's refusal, and come back to the
        same window's requirements."""
        try:
            message, level = create()
        except DomainError as exc:
            message, level = exc.message, messages.ERROR
        self.message_user(request, message, level)
        query = urlencode({"date_from": window["date_from"], "date_to": window["date_to"]})
        return HttpResponseRedirect(f"{reverse('admin:production_productionplan_requirements')}?{query}")
