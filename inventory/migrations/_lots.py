"""Opening lots: the stock that no lot holds yet becomes one `opening` lot per item (SPEC section D).

Shared by the upgrade migration (with its historical models) and inventory.lots.services.lots_open (the
demo's scaled history and import_stocky, which write stock without lots), so both apply one rule.
"""

from decimal import Decimal

from django.db.models import Sum

PLACES = Decimal("0.001")
ITEM_MODELS = (("raw_product", "RawProduct"), ("finished_product", "FinishedProduct"))


def _total(queryset, field):
    # SQLite sums decimals in binary floats; the stored figures have 3 places, so their sums have too.
    return Decimal(queryset.aggregate(total=Sum(field))["total"] or 0).quantize(PLACES)


def open_lots(models):
    """For each raw and finished product whose lots hold less than its stock: a lot `OPENING` (suffixed
    when taken) of the difference, which every ledger entry of the item that names no lot then names,
    plus an `initial` entry for any stock the ledger never recorded, so that the item's, the lot's and
    the ledger's figures agree. `models` maps a name to its model class. Returns the lots made."""
    made = []
    for item_type, model_name in ITEM_MODELS:
        for item in models[model_name].objects.filter(stock_quantity__gt=0).order_by("pk"):
            lots = models["Lot"].objects.filter(item_type=item_type, item_id=item.pk)
            lot = open_item_lot(models, item_type, item, item.stock_quantity - _total(lots, "quantity"))
            if lot is not None:
                made.append(lot)
    return made


def open_item_lot(models, item_type, item, gap):
    """The opening lot of `gap` (the part of the item's stock that no lot holds) for one item, as open_lots
    makes it; None when there is no gap. The item must be locked (or the database not yet in use)."""
    Lot, StockMovement = models["Lot"], models["StockMovement"]
    if gap <= 0:
        return None
    lots = Lot.objects.filter(item_type=item_type, item_id=item.pk)
    code, n = "OPENING", 1
    while lots.filter(code=code).exists():
        n += 1
        code = f"OPENING-{n}"
    lot = Lot.objects.create(
        item_type=item_type,
        item_id=item.pk,
        code=code,
        quantity=gap,
        initial_quantity=gap,
        status="available",
        source_type="opening",
        supplier_lot_code="",
    )
    entries = StockMovement.objects.filter(item_type=item_type, item_id=item.pk)
    entries.filter(lot__isnull=True).update(lot=lot)
    unrecorded = item.stock_quantity - _total(entries, "change")
    if unrecorded:
        StockMovement.objects.create(
            item_type=item_type,
            item_id=item.pk,
            item_name=item.name,
            change=unrecorded,
            balance_after=item.stock_quantity,
            unit_of_measure=item.unit_of_measure,
            reason="initial",
            note=f"Opening lot {code}: stock the ledger had not recorded",
            lot=lot,
        )
    return lot
