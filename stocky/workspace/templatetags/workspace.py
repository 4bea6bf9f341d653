"""Pictures on the admin's pages: a product's stock over time and a finished product's unit cost.

{% load workspace %}
{% stock_picture original %}     the ledger's balances as a line, the reorder level dashed
{% cost_picture original %}      materials and labour of one unit, as a bar and a table
"""

import datetime

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from inventory.models import StockMovement
from production import selectors
from stocky.kit.charts import line_chart
from stocky.kit.display import figure, money, quantity

register = template.Library()

# The picture covers this many days of the ledger, and at most this many movements (the newest).
STOCK_DAYS = 120
STOCK_POINTS = 2000


@register.simple_tag
def stock_picture(product):
    if product is None or product.pk is None:
        return ""
    since = timezone.now() - datetime.timedelta(days=STOCK_DAYS)
    movements = StockMovement.objects.filter(
        item_type=product.STOCK_LEDGER.item_type, item_id=product.pk, created_at__gte=since
    ).order_by("-created_at", "-id")
    points = [
        (moment, balance) for moment, balance in movements.values_list("created_at", "balance_after")[:STOCK_POINTS]
    ]
    points.reverse()
    if points:
        points.append((max(timezone.now(), points[-1][0]), product.stock_quantity))  # the level holds until now
    chart = line_chart(
        points,
        title=f"Stock of {product.name} over {STOCK_DAYS} days ({product.unit_of_measure})",
        reference=product.reorder_level or None,
        reference_label="reorder level",
        unit=product.unit_of_measure,
    )
    return render_to_string(
        "workspace/stock_picture.html",
        {
            "chart": chart,
            "days": STOCK_DAYS,
            "on_hand": quantity(product.stock_quantity, product.unit_of_measure),
            "reorder_level": quantity(product.reorder_level, product.unit_of_measure)
            if product.reorder_level
            else None,
            "low": product.stock_quantity < product.reorder_level,
        },
    )


@register.simple_tag
def cost_picture(product):
    if product is None or product.pk is None:
        return ""
    cost = selectors.finished_product_cost(product, with_sales=False)
    unit = product.unit_of_measure
    total = cost["unit_cost"] or 0
    labour = cost["labour_cost"] or 0
    parts = [("Materials", cost["material_cost"], "#7c3aed"), ("Labour", labour, "#f59e0b")]
    if cost["components"]:
        # Made in house (a dough): its own materials and labour, at its unit cost (SPEC E).
        parts.insert(1, ("Components", cost["component_cost"], "#0d9488"))
    return render_to_string(
        "workspace/cost_picture.html",
        {
            "unit": unit,
            "unit_cost": money(total),
            "bar": [
                (name, money(value), float(value / total * 100) if total else 0, colour)
                for name, value, colour in parts
            ],
            "materials": [
                {
                    "name": line["raw_product"].name,
                    "quantity": quantity(line["quantity"], line["unit_of_measure"]),
                    "unit_price": money(line["unit_price"]) if line["unit_price"] is not None else "—",
                    "supplier": line["supplier"].name if line["supplier"] else "—",
                    "cost": money(line["cost"]) if line["cost"] is not None else "no price",
                }
                for line in cost["materials"]
            ],
            "components": [
                {
                    "name": line["component"].name,
                    "quantity": quantity(line["quantity"], line["unit_of_measure"]) if line["quantity"] else "—",
                    "unit_cost": money(line["unit_cost"]) if line["unit_cost"] is not None else "—",
                    "cost": money(line["cost"]) if line["cost"] is not None else "no cost",
                }
                for line in cost["components"]
            ],
            "material_cost": money(cost["material_cost"]),
            "labour_cost": money(labour) if cost["labour_cost"] is not None else "no run or duration yet",
            "labour_basis": cost["labour_basis"],
            "missing": [entry["raw_product"].name for entry in cost["missing_prices"]],
            "figure": figure,
        },
    )


@register.filter(name="figure")
def figure_filter(value):
    """{{ quantity|figure }}: 12.500 -> 12.5."""
    return figure(value)


@register.filter(name="money")
def money_filter(value):
    """{{ price|money }}: 29.16 € (settings.CURRENCY)."""
    return money(value)
