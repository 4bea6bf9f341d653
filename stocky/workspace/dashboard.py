"""The admin's home: what needs attention today, each with a link to act, and the weeks' production and sales.

`dashboard_callback` is unfold's DASHBOARD_CALLBACK (settings.UNFOLD): it adds `attention` (the panels) and
`charts` to the home page's context (templates/admin/index.html). Each panel shows only to a role that may
view what it lists, and reads a bounded number of rows.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from inventory.lots.serializers import lots_with_items
from inventory.models import FinishedProduct, Lot, RawProduct
from orders.digest import lots_to_act_on
from orders.models import FinishedProductOrder, OrderStatus, RawProductOrder
from production import selectors
from production.models import PlanStatus, ProductionPlan
from stocky.kit.charts import bar_chart
from stocky.kit.display import money, quantity
from stocky.kit.errors import DomainError

ROWS = 8  # per panel; the panel's link opens the whole list
CHART_WEEKS = 12
OPEN_ORDER = [OrderStatus.COMMANDE, OrderStatus.EXPEDIE]


def _change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _list_url(model, **query):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def _panel(title, rows, *, link, link_text, empty, count=None):
    return {"title": title, "rows": rows, "link": link, "link_text": link_text, "empty": empty, "count": count}


def low_stock(model, title):
    low = model.objects.filter(stock_quantity__lt=F("reorder_level")).order_by("name")
    rows = [
        {
            "url": _change_url(item),
            "label": item.name,
            "detail": f"{quantity(item.stock_quantity, item.unit_of_measure)} on hand, reorder level "
            f"{quantity(item.reorder_level, item.unit_of_measure)}",
            "tone": "danger",
        }
        for item in low[:ROWS]
    ]
    return _panel(
        title,
        rows,
        count=low.count(),
        link=_list_url(model, below_reorder_level="true"),
        link_text="All of them",
        empty="Nothing is below its reorder level.",
    )


def production_runs(today):
    """Today's runs (every status: what is done and what is left), then the rest of the week's open ones."""
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    plans = ProductionPlan.objects.select_related("finished_product")
    todays = plans.filter(
        planned_production_date__gte=start, planned_production_date__lt=start + datetime.timedelta(days=1)
    )
    week = plans.filter(
        status__in=[PlanStatus.PLANNED, PlanStatus.IN_PROGRESS],
        planned_production_date__gte=start + datetime.timedelta(days=1),
        planned_production_date__lt=start + datetime.timedelta(days=7),
    )

    def row(plan, when):
        open_ = plan.status in (PlanStatus.PLANNED, PlanStatus.IN_PROGRESS)
        return {
            "url": reverse("admin:production_productionplan_complete", args=[plan.pk]) if open_ else _change_url(plan),
            "label": f"{plan.finished_product.name}: {quantity(plan.planned_quantity, plan.unit_of_measure)}",
            "detail": f"{timezone.localtime(plan.planned_production_date).strftime(when)} · {plan.get_status_display()}"
            + (" · complete it" if open_ else ""),
            "tone": "warning" if open_ else "success",
        }

    plans_url = reverse("admin:production_productionplan_changelist")
    return [
        _panel(
            "Today's production runs",
            [row(plan, "%H:%M") for plan in todays.order_by("planned_production_date", "pk")[:ROWS]],
            count=todays.count(),
            link=plans_url,
            link_text="Production plans",
            empty="No run planned today.",
        ),
        _panel(
            "This week's production runs",
            [row(plan, "%a %d %b, %H:%M") for plan in week.order_by("planned_production_date", "pk")[:ROWS]],
            count=week.count(),
            link=plans_url,
            link_text="Production plans",
            empty="Nothing else planned this week.",
        ),
    ]


def deliveries_due(today):
    """Purchase orders not yet received whose delivery is due by tomorrow (late ones first)."""
    due = (
        RawProductOrder.objects.filter(
            status__in=OPEN_ORDER, expected_delivery_date__lte=today + datetime.timedelta(days=1)
        )
        .select_related("raw_product", "supplier")
        .order_by("expected_delivery_date", "pk")
    )
    rows = [
        {
            "url": _change_url(order),
            "label": f"{order.raw_product.name}: "
            f"{quantity(order.quantity, order.unit_of_measure or order.raw_product.unit_of_measure)}",
            "detail": f"{order.supplier.name}, due {order.expected_delivery_date:%a %d %b}"
            + (" (late)" if order.expected_delivery_date < today else ""),
            "tone": "danger" if order.expected_delivery_date < today else "info",
        }
        for order in due[:ROWS]
    ]
    return _panel(
        "Deliveries due",
        rows,
        count=due.count(),
        link=_list_url(RawProductOrder, status__exact=OrderStatus.COMMANDE),
        link_text="Purchase orders",
        empty="No delivery due by tomorrow.",
    )


def sales_to_ship(today):
    """Sales orders still to ship whose delivery is by the end of tomorrow (late ones first)."""
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time.min))
    now = timezone.now()
    to_ship = (
        FinishedProductOrder.objects.filter(status=OrderStatus.COMMANDE, expected_delivery_date__lt=end)
        .select_related("finished_product", "client")
        .order_by("expected_delivery_date", "pk")
    )
    rows = [
        {
            "url": _change_url(order),
            "label": f"{order.finished_product.name}: "
            f"{quantity(order.quantity, order.unit_of_measure or order.finished_product.unit_of_measure)}",
            "detail": f"{order.client.name}, {timezone.localtime(order.expected_delivery_date):%a %d %b %H:%M}"
            + (" (late)" if order.expected_delivery_date < now else ""),
            "tone": "danger" if order.expected_delivery_date < now else "info",
        }
        for order in to_ship[:ROWS]
    ]
    return _panel(
        "Sales orders to ship",
        rows,
        count=to_ship.count(),
        link=_list_url(FinishedProductOrder, status__exact=OrderStatus.COMMANDE),
        link_text="Sales orders",
        empty="Nothing to ship by tomorrow.",
    )


def shortfalls(today, days):
    """The materials that the open plans of the next `days` days lack (production.selectors' requirements)."""
    until = today + datetime.timedelta(days=days - 1)
    link = (
        f"{reverse('admin:production_productionplan_requirements')}?{urlencode({'date_from': today, 'date_to': until})}"
    )
    try:
        answer = selectors.material_requirements(date_from=today, date_to=until)
    except DomainError as error:  # e.g. a recipe whose units no longer convert: say so, with the way to it
        return _panel(f"Shortfalls, next {days} days", [], link=link, link_text="Requirements", empty=error.message)
    short = [line for line in answer["materials"] if line["shortfall"] > 0]
    rows = [
        {
            "url": _change_url(line["raw_product"]),
            "label": line["raw_product"].name,
            "detail": f"{quantity(line['shortfall'], line['raw_product'].unit_of_measure)} short",
            "tone": "danger",
        }
        for line in short[:ROWS]
    ]
    return _panel(
        f"Shortfalls, next {days} days",
        rows,
        count=len(short),
        link=link,
        link_text="Requirements and what to order",
        empty="What is on hand and on order covers every run.",
    )


def _expiry(lot):
    if lot.use_by:
        return f"use by {lot.use_by:%a %d %b}"
    return f"best before {lot.best_before:%a %d %b}" if lot.best_before else "no date"


def _lot_row(lot, detail, tone):
    return {
        "url": _change_url(lot),
        "label": f"{lot.item_name}, lot {lot.code}: {quantity(lot.quantity, lot.unit_of_measure)}",
        "detail": detail,
        "tone": tone,
    }


def lots_expiring(today, days):
    """Lots with stock past their use-by or with a use-by or best-before within `days` (the expiry digest's),
    the expired first, then by date."""
    lots = lots_to_act_on(today=today, days=days)
    first = lots_with_items(lots).order_by(
        Case(When(use_by__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Coalesce("use_by", "best_before"),
        "pk",
    )

    def row(lot):
        expired = lot.use_by is not None and lot.use_by < today
        held = " · on hold" if lot.status == Lot.Status.ON_HOLD else ""
        return _lot_row(
            lot, _expiry(lot) + (" (expired)" if expired else "") + held, "danger" if expired else "warning"
        )

    return _panel(
        f"Lots expiring within {days} days",
        [row(lot) for lot in first[:ROWS]],
        count=lots.count(),
        link=_list_url(Lot, expiry="to_act"),
        link_text="All of them",
        empty="No lot on hand expires soon.",
    )


def lots_on_hold():
    """Lots on hold that still hold stock: released, written off or recalled further, they stop showing."""
    held = Lot.objects.filter(status=Lot.Status.ON_HOLD, quantity__gt=0)
    rows = [
        _lot_row(lot, f"on hold · {_expiry(lot)}", "danger")
        for lot in lots_with_items(held).order_by(Coalesce("use_by", "best_before"), "pk")[:ROWS]
    ]
    return _panel(
        "Lots on hold",
        rows,
        count=held.count(),
        link=_list_url(Lot, expiry="on_hold", quantity__gt="0"),
        link_text="All of them",
        empty="No lot is on hold.",
    )


def weekly_charts(today):
    """Production runs completed and sales (revenue of orders shipped or received) per week."""
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=CHART_WEEKS - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    weeks = [first + datetime.timedelta(weeks=n) for n in range(CHART_WEEKS)]

    def per_week(queryset, date_field, value_field=None):
        # Summed here rather than with TruncWeek, which on MariaDB needs the server's time-zone tables
        # whenever TIME_ZONE is not UTC (as the admin's date filters avoid date_hierarchy).
        totals = dict.fromkeys(weeks, 0)
        fields = [date_field, value_field] if value_field else [date_field]
        for row in queryset.filter(**{f"{date_field}__gte": start}).values_list(*fields):
            day = timezone.localtime(row[0]).date()
            week = day - datetime.timedelta(days=day.weekday())
            if week in totals:
                totals[week] += row[1] if value_field else 1
        return list(totals.values())

    runs = per_week(ProductionPlan.objects.filter(status=PlanStatus.COMPLETED), "completed_at")
    sales = per_week(
        FinishedProductOrder.objects.filter(status__in=[OrderStatus.EXPEDIE, OrderStatus.RECU]),
        "expected_delivery_date",
        "sale_price",
    )
    labels = [f"{week:%d %b}" for week in weeks]
    return [
        {
            "title": "Production runs completed per week",
            "svg": bar_chart(labels, [("Runs completed", runs)], title="Production runs completed per week"),
            "summary": f"{sum(runs)} runs in {CHART_WEEKS} weeks",
        },
        {
            "title": "Sales per week",
            "svg": bar_chart(labels, [("Sales", [Decimal(v) for v in sales])], title="Sales per week"),
            "summary": f"{money(sum(sales))} in {CHART_WEEKS} weeks",
        },
    ]


def dashboard_callback(request, context):
    """The home page's panels for this user's role (unfold's DASHBOARD_CALLBACK)."""
    today = timezone.localdate()
    user = request.user
    panels = []
    if user.has_perm("inventory.view_rawproduct"):
        panels.append(low_stock(RawProduct, "Materials below reorder level"))
    if user.has_perm("inventory.view_finishedproduct"):
        panels.append(low_stock(FinishedProduct, "Products below reorder level"))
    if user.has_perm("production.view_productionplan"):
        panels += production_runs(today)
    if user.has_perm("orders.view_rawproductorder"):
        panels.append(deliveries_due(today))
    if user.has_perm("orders.view_finishedproductorder"):
        panels.append(sales_to_ship(today))
    if user.has_perm("inventory.view_lot"):
        panels += [lots_expiring(today, settings.LOTS_DIGEST_DAYS), lots_on_hold()]
    if user.has_perm("production.view_productionplan"):
        panels.append(shortfalls(today, settings.WORKSPACE_SHORTFALL_DAYS))
    charts = []
    if user.has_perm("production.view_productionplan") and user.has_perm("orders.view_finishedproductorder"):
        charts = weekly_charts(today)
    context.update({"attention": panels, "charts": charts, "today": today})
    return context
