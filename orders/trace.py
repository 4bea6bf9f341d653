"""A lot's trace (SPEC section D, EU regulation 178/2002 art. 18): the batches made from it at every level,
the clients that received any of them, what is still on hand, what it was made of, and its mass balance.

Built from the ledger: a run's consumption entries name the lots it drew and its output lot names the run;
a shipment's entries name the lots it drew. A fixed number of queries per level of the production graph
(inventory.lots.selectors), one for the orders and their clients: none per batch or per order.
"""

import csv
import io

from inventory.lots.selectors import backward_lots, forward_lots, mass_balance, shipments_of
from inventory.lots.serializers import LotSerializer, lots_with_items
from inventory.models import Lot
from orders.models import FinishedProductOrder


def lot_trace(lot):
    """The trace of `lot` as SPEC D's `GET /lots/<id>/trace` answers it (Python values)."""
    forward = forward_lots(lot)
    lot_ids = [lot.pk, *(entry["lot_id"] for entry in forward)]
    lots = lots_with_items(Lot.objects.filter(pk__in=lot_ids)).in_bulk()
    backward = backward_lots(lot)
    shipped = shipments_of(lot_ids)
    orders = FinishedProductOrder.objects.filter(pk__in=shipped).select_related("client").order_by("pk")
    order_rows = [
        {
            "order_id": order.pk,
            "client_id": order.client_id,
            "client_name": order.client.name,
            "contact_person": order.client.contact_person,
            "phone": order.client.phone,
            "email": order.client.email,
            "lot_id": lot_id,
            "quantity": quantity,
            "shipped_at": shipped_at,
        }
        for order in orders
        for lot_id, quantity, shipped_at in shipped[order.pk]
    ]
    return {
        "lot": lots[lot.pk],  # the lot itself: TraceSerializer writes it as a LotSerializer
        "backward": [
            {
                "lot_id": entry["lot"].pk,
                "code": entry["lot"].code,
                "item_id": entry["lot"].item_id,
                "quantity": entry["quantity"],
                "level": entry["level"],
                "batch_id": entry["batch_id"],
                "supplier_id": entry["lot"].supplier_id,
                "supplier_name": entry["lot"].supplier.name if entry["lot"].supplier_id else None,
                "supplier_lot_code": entry["lot"].supplier_lot_code,
                "purchase_order_id": entry["lot"].source_id
                if entry["lot"].source_type == Lot.Source.RAW_PRODUCT_ORDER
                else None,
                "received_at": entry["lot"].created_at,
                "use_by": entry["lot"].use_by,
            }
            for entry in backward
        ],
        "forward": {
            "lots": [
                {
                    "lot_id": entry["lot_id"],
                    "code": entry["lot"].code,
                    "item_name": lots[entry["lot_id"]].item_name,
                    "quantity_used": entry["quantity_used"],
                    "level": entry["level"],
                }
                for entry in forward
            ],
            "orders": order_rows,
            "on_hand": [
                {"lot_id": pk, "code": lots[pk].code, "quantity": lots[pk].quantity}
                for pk in lot_ids
                if lots[pk].quantity > 0
            ],
        },
        "mass_balance": mass_balance(lots[lot.pk]),
    }


def trace_csv(trace):
    """The trace as one CSV table: a section column, then each row's fields."""
    out = io.StringIO()
    writer = csv.writer(out)
    lot = LotSerializer(trace["lot"]).data
    writer.writerow(
        [
            "section",
            "lot_id",
            "code",
            "item",
            "quantity",
            "level",
            "client",
            "contact",
            "phone",
            "email",
            "order_id",
            "date",
            "supplier",
            "supplier_lot_code",
        ]
    )
    writer.writerow(
        [
            "lot",
            lot["id"],
            lot["code"],
            lot["item_name"],
            lot["quantity"],
            0,
            "",
            "",
            "",
            "",
            "",
            lot["use_by"] or "",
            "",
            lot["supplier_lot_code"],
        ]
    )
    for row in trace["backward"]:
        writer.writerow(
            [
                "backward",
                row["lot_id"],
                row["code"],
                "",
                row["quantity"],
                row["level"],
                "",
                "",
                "",
                "",
                row["purchase_order_id"] or "",
                row["received_at"].date().isoformat(),
                row["supplier_name"] or "",
                row["supplier_lot_code"],
            ]
        )
    for row in trace["forward"]["lots"]:
        writer.writerow(
            [
                "batch",
                row["lot_id"],
                row["code"],
                row["item_name"],
                row["quantity_used"],
                row["level"],
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for row in trace["forward"]["orders"]:
        writer.writerow(
            [
                "order",
                row["lot_id"],
                "",
                "",
                row["quantity"],
                "",
                row["client_name"],
                row["contact_person"],
                row["phone"],
                row["email"],
                row["order_id"],
                row["shipped_at"].date().isoformat(),
                "",
                "",
            ]
        )
    for row in trace["forward"]["on_hand"]:
        writer.writerow(
            ["on_hand", row["lot_id"], row["code"], "", row["quantity"], "", "", "", "", "", "", "", "", ""]
        )
    balance = trace["mass_balance"]
    for name in ("received", "consumed", "shipped", "written_off", "adjusted", "on_hand", "accounted_percent"):
        writer.writerow(["mass_balance", lot["id"], name, "", balance[name], "", "", "", "", "", "", "", "", ""])
    return out.getvalue()


def trace_pdf(trace):
    """The trace as a printable A4 PDF (ReportLab): the lot, its mass balance, the batches, the clients."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    lot = LotSerializer(trace["lot"]).data
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=f"Trace of lot {lot['code']}")

    def table(header, rows):
        if not rows:
            return Paragraph("None.", styles["Normal"])
        grid = Table([header, *rows], repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                ]
            )
        )
        return grid

    def text(value):
        return "" if value is None else str(value)

    balance = trace["mass_balance"]
    story = [
        Paragraph(f"Trace of lot {lot['code']}: {lot['item_name']}", styles["Title"]),
        Paragraph(
            f"Status: {lot['status']}. Use-by: {text(lot['use_by']) or '-'}. Best-before: "
            f"{text(lot['best_before']) or '-'}. On hand: {lot['quantity']} {lot['unit_of_measure']} of "
            f"{lot['initial_quantity']}. Supplier lot: {lot['supplier_lot_code'] or '-'}.",
            styles["Normal"],
        ),
        Spacer(1, 8),
        Paragraph("Mass balance", styles["Heading2"]),
        table(
            ["received", "consumed", "shipped", "written off", "adjusted", "on hand", "accounted %"],
            [
                [
                    text(balance[name])
                    for name in (
                        "received",
                        "consumed",
                        "shipped",
                        "written_off",
                        "adjusted",
                        "on_hand",
                        "accounted_percent",
                    )
                ]
            ],
        ),
        Paragraph("Made from (backward)", styles["Heading2"]),
        table(
            ["level", "lot", "quantity", "supplier", "supplier lot", "purchase order", "received"],
            [
                [
                    row["level"],
                    row["code"],
                    text(row["quantity"]),
                    text(row["supplier_name"]),
                    row["supplier_lot_code"],
                    text(row["purchase_order_id"]),
                    row["received_at"].date().isoformat(),
                ]
                for row in trace["backward"]
            ],
        ),
        Paragraph("Batches made from it (forward)", styles["Heading2"]),
        table(
            ["level", "lot", "product", "quantity used"],
            [
                [row["level"], row["code"], row["item_name"], text(row["quantity_used"])]
                for row in trace["forward"]["lots"]
            ],
        ),
        Paragraph("Clients who received it", styles["Heading2"]),
        table(
            ["order", "client", "contact", "phone", "e-mail", "lot", "quantity", "shipped"],
            [
                [
                    row["order_id"],
                    row["client_name"],
                    row["contact_person"],
                    row["phone"],
                    row["email"],
                    row["lot_id"],
                    text(row["quantity"]),
                    row["shipped_at"].date().isoformat(),
                ]
                for row in trace["forward"]["orders"]
            ],
        ),
        Paragraph("Still on hand", styles["Heading2"]),
        table(["lot", "quantity"], [[row["code"], text(row["quantity"])] for row in trace["forward"]["on_hand"]]),
    ]
    document.build(story)
    return buffer.getvalue()
