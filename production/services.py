"""Production runs: a plan is started, then completed (consuming its recipe, adding its output) or cancelled;
and the purchase orders that cover a window's shortfall. Used by the API and the admin alike.

Completing locks every material of the recipe (raw products, in pk order), then the finished product, then
the plan, re-checks everything on what it locked, and either moves all the stock or none of it.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inventory.lots.moves import DrawPolicy, NewLot, allocate
from inventory.measures import (
    check_line,
    quantize_money,
    quantize_quantity,
    to_stock_unit,
)
from inventory.models import FinishedProduct, Lot, RawProduct, StockMovement
from inventory.services import line_create, line_delete, line_update, lock_items, stock_change, stock_draw_lots
from orders.models import RawProductOrder
from orders.services import raw_product_orders_create
from production.declaration import lot_declaration_record
from production.models import ProductionPlan, RecipeItem
from production.selectors import material_requirements
from stocky.kit.errors import Conflict, InsufficientStock, InvalidInput, InvalidTransition, NotFound, Shortage

Status = ProductionPlan.Status
Reason = StockMovement.Reason

# action -> (the statuses it starts from, the status it reaches)
PLAN_TRANSITIONS = {
    "start": ((Status.PLANNED,), Status.IN_PROGRESS),
    "complete": ((Status.PLANNED, Status.IN_PROGRESS), Status.COMPLETED),
    "cancel": ((Status.PLANNED, Status.IN_PROGRESS), Status.CANCELLED),
}


def _lock_plan(plan):
    locked = ProductionPlan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        raise NotFound(f"The production plan {plan.pk} no longer exists")
    return locked


def _check_transition(plan, action):
    sources, target = PLAN_TRANSITIONS[action]
    if plan.status not in sources:
        if plan.status in ProductionPlan.FINAL:
            why = f"it is {plan.status}, which is final"
        else:
            why = f"it is {plan.status}; only a plan that is {' or '.join(sources)} can be"
        message = f"Cannot {action} production plan {plan.pk}: {why}"
        raise InvalidTransition(plan, plan.status, target, message=message)
    return target


def _sync(plan, locked):
    """Copy what the service wrote onto the caller's instance (the views and the demo keep theirs), and
    return the locked one, as every service does."""
    fields = ("status", "produced_quantity", "actual_duration", "started_at", "completed_at", "output_lot_id")
    for field in (*fields, "updated_at"):
        setattr(plan, field, getattr(locked, field))
    return locked


@transaction.atomic
def production_plan_start(*, plan: ProductionPlan, user: User | None = None) -> ProductionPlan:
    """planned → in_progress. No stock moves until the plan is completed."""
    locked = _lock_plan(plan)
    locked.status = _check_transition(locked, "start")
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at", "updated_at"])
    return _sync(plan, locked)


@transaction.atomic
def production_plan_cancel(*, plan: ProductionPlan, user: User | None = None) -> ProductionPlan:
    """planned or in_progress → cancelled (final). No stock moves."""
    locked = _lock_plan(plan)
    locked.status = _check_transition(locked, "cancel")
    locked.save(update_fields=["status", "updated_at"])
    return _sync(plan, locked)


def _consumption(plan, finished, produced, raw_products, recipe):
    """[(raw product, quantity in its stock unit)] that producing `produced` (in the plan's unit) consumes;
    `recipe`: the product's recipe items, read after the locks (the materials carry their conversions)."""
    output = to_stock_unit(finished, produced, plan.unit_of_measure, what=f"Production plan {plan.pk}")
    lines = []
    for item in sorted(recipe, key=lambda item: (item.raw_product_id, item.pk)):
        raw = raw_products[item.raw_product_id]
        needed = to_stock_unit(
            raw, item.quantity_required * output, item.unit_of_measure, what=f"Recipe item '{raw.name}'"
        )
        lines.append((raw, quantize_quantity(needed)))
    return quantize_quantity(output), lines


def _lock_materials(pks):
    """Lock these raw products in pk order (lock_items), with every conversion in one more query: the
    consumption then converts each recipe line without a query of its own."""
    queryset = RawProduct.objects.select_for_update().filter(pk__in=pks).order_by("pk").prefetch_related("conversions")
    return {item.pk: item for item in queryset}


def _lock_material_lots(raw_products):
    """{raw product id: its lots with stock}, all locked in one query in pk order. The materials are locked
    already, and every mover locks an item before its lots, so taking them all at once cannot deadlock."""
    lots = {pk: [] for pk in raw_products}
    queryset = Lot.objects.select_for_update().filter(
        item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=list(raw_products), quantity__gt=0
    )
    for lot in queryset.order_by("pk"):
        lots[lot.item_id].append(lot)
    return lots


@transaction.atomic
def production_plan_complete(
    *,
    plan: ProductionPlan,
    produced_quantity: Decimal | None = None,
    actual_duration: Decimal | None = None,
    user: User | None = None,
    batch_code: str = "",
    lots: list | None = None,
) -> ProductionPlan:
    """planned or in_progress → completed (final): consume every recipe item × the produced quantity
    (default: the planned quantity, in the plan's unit) from the materials' stock and add the produced
    quantity to the finished product's stock, all or nothing.

    Materials come from the lots named in `lots` ([{"lot_id", "quantity"}]), the rest first-expiry-first-out;
    a named lot on hold is a Conflict, past its use-by an InvalidInput. The output is a new lot (code
    `batch_code`, or generated) whose use-by follows the product's shelf life and the shortest-lived lot
    consumed; the returned plan carries it as `output_lot`, and that lot as `limiting_lot` (or None).

    When materials are short, raises InsufficientStock (409) whose `errors["materials"]` lists each short
    material with what is needed and what is on hand; nothing changes.

    The queries do not grow with the recipe's lines or the lots drawn (production/tests/test_write_queries.py):
    the materials, their conversions and their lots are each read in one query, and written in one each.
    """
    if produced_quantity is not None and produced_quantity <= 0:
        raise InvalidInput(
            "The produced quantity must be greater than 0",
            errors={"produced_quantity": ["Ensure this value is greater than 0."]},
        )
    # Lock order: the materials (pk order), the finished product, then the plan (docs/development.md).
    finished_id = ProductionPlan.objects.filter(pk=plan.pk).values_list("finished_product_id", flat=True).first()
    if finished_id is None:
        raise NotFound(f"The production plan {plan.pk} no longer exists")
    raw_ids = RecipeItem.objects.filter(finished_product_id=finished_id).values_list("raw_product_id", flat=True)
    raw_products = _lock_materials(list(raw_ids))
    finished = lock_items(FinishedProduct, [finished_id])[finished_id]
    locked = _lock_plan(plan)
    target = _check_transition(locked, "complete")
    if locked.finished_product_id != finished_id:  # changed between the read and the locks: start over
        raise Conflict(f"Production plan {plan.pk} changed while completing it; try again")
    recipe = list(RecipeItem.objects.filter(finished_product_id=finished_id))
    added = {item.raw_product_id for item in recipe} - set(raw_products)
    if added:  # a recipe item added meanwhile
        raw_products.update(_lock_materials(added))

    produced = produced_quantity if produced_quantity is not None else locked.planned_quantity
    output, consumption = _consumption(locked, finished, produced, raw_products, recipe)
    named = _named_lots(plan, lots or [], raw_products)
    held = _lock_material_lots(raw_products)
    draws, short = [], []
    for raw, needed in consumption:
        if needed > raw.stock_quantity:
            unit = raw.unit_of_measure
            short.append(Shortage(raw.STOCK_LEDGER.item_type, raw.pk, raw.name, needed, raw.stock_quantity, unit))
            continue
        try:
            allocation = allocate(raw, needed, policy=PRODUCTION, named=named.pop(raw.pk, ()), lots=held[raw.pk])
        except InsufficientStock as exc:
            if exc.field == "lots":  # a named lot holds less than named: that lot's own refusal
                raise
            short.extend(exc.shortages)  # in stock, but not in lots that may be used
            continue
        draws.append((raw, allocation.parts))
    if short:
        message = f"Cannot complete production plan {plan.pk}: {len(short)} material(s) short"
        raise InsufficientStock(short, message=message, field="materials")
    stock_draw_lots(model=RawProduct, draws=draws, reason=Reason.PRODUCTION_CONSUMPTION, user=user, source=locked)
    consumed = [lot for _, parts in draws for lot, _ in parts]
    use_by, limiting = _batch_use_by(finished, consumed)
    batch = NewLot(source_type=Lot.Source.PRODUCTION_PLAN, source_id=locked.pk, code=batch_code or "", use_by=use_by)
    entry = stock_change(
        item=finished, delta=output, reason=Reason.PRODUCTION_OUTPUT, user=user, source=locked, new_lot=batch
    )
    locked.output_lot = entry.lot
    lot_declaration_record(entry.lot)  # the label's declaration of the day it was made (SPEC E)
    # The caller's plan and the returned one both carry the batch and the lot that limited its use-by.
    plan.output_lot, plan.limiting_lot = entry.lot, limiting
    locked.limiting_lot = limiting

    now = timezone.now()
    locked.status = target
    locked.produced_quantity = produced
    if actual_duration is not None:
        locked.actual_duration = actual_duration
    locked.started_at = locked.started_at or now
    locked.completed_at = now
    locked.save(
        update_fields=[
            "status",
            "produced_quantity",
            "actual_duration",
            "started_at",
            "completed_at",
            "output_lot",
            "updated_at",
        ]
    )
    return _sync(plan, locked)


# Production draws only what may be used: never a lot on hold or past its use-by (SPEC D).
PRODUCTION = DrawPolicy(usable_only=True, what="production")


def _named_lots(plan, lots, raw_products):
    """{raw product id: [(locked lot, quantity)]} from `lots` ([{"lot_id", "quantity"}]); InvalidInput when a
    lot is not one of the recipe's materials'. The materials are locked already: their lots come next."""
    wanted = {}
    for line in lots:
        wanted[line["lot_id"]] = wanted.get(line["lot_id"], 0) + line["quantity"]
    found = {
        lot.pk: lot
        for lot in Lot.objects.select_for_update()
        .filter(pk__in=wanted, item_type=Lot.ItemType.RAW_PRODUCT, item_id__in=raw_products)
        .order_by("pk")
    }
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        message = f"Lot(s) {', '.join(missing)}: not a lot of a material of production plan {plan.pk}'s recipe"
        raise InvalidInput(message, errors={"lots": [message]})
    named = {}
    for pk, quantity in wanted.items():
        named.setdefault(found[pk].item_id, []).append((found[pk], quantity))
    return named


def _batch_use_by(finished, consumed):
    """A batch's use-by: the earlier of today + the product's shelf life and the earliest use-by among the
    lots it consumed; and that lot (None when the shelf life set it, or nothing did)."""
    dated = [lot for lot in consumed if lot.use_by is not None]
    limiting = min(dated, key=lambda lot: (lot.use_by, lot.pk)) if dated else None
    shelf = None
    if finished.shelf_life_days is not None:
        shelf = timezone.localdate() + datetime.timedelta(days=finished.shelf_life_days)
    if limiting is None or (shelf is not None and shelf <= limiting.use_by):
        return shelf, None
    return limiting.use_by, limiting


def recipe_item_create(
    *,
    finished_product: FinishedProduct,
    raw_product: RawProduct,
    quantity_required: Decimal,
    unit_of_measure: str,
    user: User | None = None,
    **fields,
) -> RecipeItem:
    """A new line of a recipe; its unit must convert to the material's stock unit (the material is locked)."""
    return line_create(
        model=RecipeItem,
        finished_product=finished_product,
        raw_product=raw_product,
        quantity_required=quantity_required,
        unit_of_measure=unit_of_measure,
        **fields,
    )


def recipe_item_update(*, item: RecipeItem, user: User | None = None, **fields) -> RecipeItem:
    """Change a recipe item (quantity, unit), its unit re-checked against the locked material."""
    return line_update(line=item, **fields)


def recipe_item_delete(*, item: RecipeItem, user: User | None = None) -> None:
    line_delete(line=item)


@transaction.atomic
def production_plan_create(*, finished_product: FinishedProduct, user: User | None = None, **fields) -> ProductionPlan:
    """A new plan, `planned`; its unit must convert to the locked finished product's stock unit."""
    return line_create(model=ProductionPlan, finished_product=finished_product, **fields)


@transaction.atomic
def production_plan_update(*, plan: ProductionPlan, user: User | None = None, **fields) -> ProductionPlan:
    """Change a plan's fields while it is planned or in progress; a completed or cancelled plan is final.

    Locks the finished product (and a new one), then the plan, as a change of the product's unit does."""
    finished_id = ProductionPlan.objects.filter(pk=plan.pk).values_list("finished_product_id", flat=True).first()
    if finished_id is None:
        raise NotFound(f"The production plan {plan.pk} no longer exists")
    new = fields.get("finished_product")
    products = lock_items(FinishedProduct, {finished_id, *([new.pk] if new is not None else [])})
    locked = _lock_plan(plan)
    if locked.status in ProductionPlan.FINAL:
        message = f"Production plan {plan.pk} is {locked.status}: it can no longer be changed"
        raise Conflict(message, errors={"status": [message]})
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.finished_product_id in products:
        locked.finished_product = products[locked.finished_product_id]
    if "unit_of_measure" in fields or "finished_product" in fields:
        check_line(locked)
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


@transaction.atomic
def production_plan_delete(*, plan: ProductionPlan) -> None:
    """Delete a plan, unless it is completed: its run is in the ledger and in the product's labour cost."""
    locked = _lock_plan(plan)
    if locked.status == Status.COMPLETED:
        message = f"Production plan {plan.pk} is completed: the stock ledger and the product's labour cost refer to it"
        raise Conflict(message, errors={"status": [message]})
    locked.delete()


def default_delivery_date(date_from: datetime.date) -> datetime.date:
    """The window's first day, or today if that is past."""
    return max(date_from, timezone.localdate())


@transaction.atomic
def requirements_orders_create(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    expected_delivery_date: datetime.date | None = None,
    user: User | None = None,
) -> tuple[list[RawProductOrder], dict]:
    """Create the purchase orders (status `commande`) that the window's suggestions call for: one per short
    material that a supplier sells, for the shortfall, priced at the suggestion's cost.

    The materials are locked first, so two concurrent calls do not order the same shortfall twice: the
    second sees the first's orders as on order. Returns (orders, the requirements answer they came from).
    """
    lock_items(RawProduct, list(material_requirements(date_from=date_from, date_to=date_to, ids_only=True)))
    answer = material_requirements(date_from=date_from, date_to=date_to)
    delivery = expected_delivery_date or default_delivery_date(date_from)
    lines = []
    for line in answer["materials"]:
        suggestion = line["suggestion"]
        if suggestion is None:
            continue
        lines.append(
            {
                "raw_product": line["raw_product"],
                "supplier": suggestion["supplier"],
                "quantity": suggestion["quantity"],
                "unit_of_measure": line["unit_of_measure"],
                "price": quantize_money(suggestion["cost"]),
                "expected_delivery_date": delivery,
            }
        )
    # One INSERT for every order, whatever the number of short materials (issue 16).
    orders = raw_product_orders_create(orders=lines, user=user)
    return orders, answer
