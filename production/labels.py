"""A finished lot's label as a PDF (ReportLab, as orders.trace prints a trace): the product, the lot code,
its use-by or best-before date, the net weight, the ingredient list with the allergens in bold, the
may-contain line and the nutrition table per 100 g, from the declaration kept with the lot (SPEC E)."""

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from inventory.models import NUTRIENTS

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def bold_markup(text):
    """The declaration's `**allergen**` markers as ReportLab's <b> tags, the rest escaped."""
    return _BOLD.sub(r"<b>\1</b>", escape(text))


def _figure(value, unit):
    return "—" if value is None else f"{value:g} {unit}"


def net_weight(product):
    """ "70 g" for a product counted in units, "1 kg" for one stocked by mass; None when unknown."""
    grams = product.get("net_weight_g")
    if grams is None:
        return None
    if grams >= 1000 and grams % 1000 == 0:
        return f"{grams / 1000:g} kg"
    return f"{grams:g} g"


def label_pdf(label):
    """The label (LabelSerializer's data) as a small PDF page."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    product = label["product"]
    document = SimpleDocTemplate(
        buffer,
        pagesize=A6,
        leftMargin=6 * mm,
        rightMargin=6 * mm,
        topMargin=6 * mm,
        bottomMargin=6 * mm,
        title=f"{product['name']}, lot {label['code']}",
    )
    normal = styles["Normal"]
    story = [Paragraph(escape(product["name"]), styles["Heading2"])]
    dates = []
    if label["use_by"]:
        dates.append(f"Use by: {label['use_by']}")
    if label["best_before"]:
        dates.append(f"Best before: {label['best_before']}")
    story.append(Paragraph(escape(f"Lot: {label['code']}" + ("   " + "   ".join(dates) if dates else "")), normal))
    weight = net_weight(product)
    if weight:
        story.append(Paragraph(escape(f"Net weight: {weight}"), normal))
    story.append(Spacer(1, 4))
    story.append(Paragraph("<b>Ingredients:</b> " + bold_markup(label["ingredient_list"] or "—"), normal))
    if label["may_contain"]:
        story.append(Paragraph(escape("May contain: " + ", ".join(label["may_contain"]) + "."), normal))
    story.append(Spacer(1, 4))
    nutrition = label["nutrition_per_100g"]
    energy = f"{_figure(nutrition['energy_kj'], 'kJ')} / {_figure(nutrition['energy_kcal'], 'kcal')}"
    rows = [["Nutrition", "per 100 g"], ["Energy", energy]]
    for name, title, unit, _ in NUTRIENTS[2:]:
        rows.append([title, _figure(nutrition[name], unit)])
    grid = Table(rows, colWidths=[45 * mm, 40 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
            ]
        )
    )
    story.append(grid)
    if label["missing"]:
        names = ", ".join(sorted({entry["name"] for entry in label["missing"]}))
        story.append(Paragraph(escape(f"Incomplete data when made: {names}."), styles["Italic"]))
    document.build(story)
    return buffer.getvalue()
