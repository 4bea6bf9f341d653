"""Production runs: a plan is started, then completed (consuming its recipe, adding its output) or cancelled;
recipes (materials and components, never a cycle); and the purchase orders and component plans that cover a
window's shortfall. Used by the API, the admin and the imports alike.

Completing locks every material of the recipe (raw products, in pk order), then the finished products (its
components and its output, in pk order), then the plan, re-checks everything on what it locked, and either
moves all the stock or none of it.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
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
from inventory.services import (
    line_create,
    line_create_many,
    line_delete,
    line_update,
    lock_items,
    stock_change,
    stock_draw_lots,
)
from orders.models import RawProductOrder
from orders.services import raw_product_orders_create
from production.declaration import lot_declaration_record
from production.models import ProductionPlan, RecipeComponent, RecipeItem
from production.selectors import component_graph, contained, material_requirements
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


def _consumption(plan, finished, produced, items, recipe, components):
    """[(raw or finished product, quantity in its stock unit)] that producing `produced` (in the plan's unit)
    consumes, the materials first, then the components; `recipe` and `components`: the product's recipe
    items and component lines, read after the locks; `items`: {(item type, id): locked item} (they carry
    their conversions)."""
    output = to_stock_unit(finished, produced, plan.unit_of_measure, what=f"Production plan {plan.pk}")
    lines = []
    for item in sorted(recipe, key=lambda item: (item.raw_product_id, item.pk)):
        raw = items[RAW, item.raw_product_id]
        needed = to_stock_unit(
            raw, item.quantity_required * output, item.unit_of_measure, what=f"Recipe item '{raw.name}'"
        )
        lines.append((raw, quantize_quantity(needed)))
    for line in sorted(components, key=lambda line: (line.component_id, line.pk)):
        component = items[FINISHED, line.component_id]
        needed = to_stock_unit(
            component, line.quantity_required * output, line.unit_of_measure, what=f"Component '{component.name}'"
        )
        lines.append((component, quantize_quantity(needed)))
    return quantize_quantity(output), lines


RAW, FINISHED = Lot.ItemType.RAW_PRODUCT, Lot.ItemType.FINISHED_PRODUCT


def _lock_with_conversions(model, pks):
    """Lock these raw or finished products in pk order (lock_items), with every conversion in one more
    query: the consumption then converts each recipe line without a query of its own."""
    queryset = model.objects.select_for_update().filter(pk__in=pks).order_by("pk").prefetch_related("conversions")
    return {item.pk: item for item in queryset}


def _lots_of(items):
    """A filter for the lots of these items ({(item type, id): item})."""
    query = Q(pk__in=[])
    for kind in {kind for kind, _ in items}:
        query |= Q(item_type=kind, item_id__in=[pk for k, pk in items if k == kind])
    return query


def _lock_lots(items):
    """{(item type, id): its lots with stock} for these locked items ({(item type, id): item}), all locked in
    one query in pk order. The items are locked already, and every mover locks an item before its lots, so
    taking them all at once cannot deadlock."""
    lots = {key: [] for key in items}
    if not items:
        return lots
    for lot in Lot.objects.select_for_update().filter(_lots_of(items), quantity__gt=0).order_by("pk"):
        lots[lot.item_type, lot.item_id].append(lot)
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
    """planned or in_progress → completed (final): consume every recipe item and component × the produced
    quantity (default: the planned quantity, in the plan's unit) from the materials' and the components'
    stock and add the produced quantity to the finished product's stock, all or nothing.

    Materials and components come from the lots named in `lots` ([{"lot_id", "quantity"}]), the rest
    first-expiry-first-out; a named lot on hold is a Conflict, past its use-by an InvalidInput. The output is
    a new lot (code `batch_code`, or generated) whose use-by follows the product's shelf life and the
    shortest-lived lot consumed (material or component); the returned plan carries it as `output_lot`, and
    that lot as `limiting_lot` (or None).

    When materials or components are short, raises InsufficientStock (409) whose `errors["materials"]`
    lists each short one with what is needed and what is on hand, and whose message names the short
    components; nothing changes.

    The queries do not grow with the recipe's lines or the lots drawn (production/tests/test_write_queries.py):
    the materials, the components, their conversions and their lots are each read in one query, and written
    in one each.
    """
    if produced_quantity is not None and produced_quantity <= 0:
        raise InvalidInput(
            "The produced quantity must be greater than 0",
            errors={"produced_quantity": ["Ensure this value is greater than 0."]},
        )
    # Lock order: the materials (pk order), the finished products (the components and the output, pk order),
    # then the plan (docs/development.md).
    finished_id = ProductionPlan.objects.filter(pk=plan.pk).values_list("finished_product_id", flat=True).first()
    if finished_id is None:
        raise NotFound(f"The production plan {plan.pk} no longer exists")
    raw_ids = RecipeItem.objects.filter(finished_product_id=finished_id).values_list("raw_product_id", flat=True)
    component_ids = RecipeComponent.objects.filter(finished_product_id=finished_id).values_list(
        "component_id", flat=True
    )
    raw_products = _lock_with_conversions(RawProduct, list(raw_ids))
    products = _lock_with_conversions(FinishedProduct, {finished_id, *component_ids})
    finished = products[finished_id]
    locked = _lock_plan(plan)
    target = _check_transition(locked, "complete")
    if locked.finished_product_id != finished_id:  # changed between the read and the locks: start over
        raise Conflict(f"Production plan {plan.pk} changed while completing it; try again")
    recipe = list(RecipeItem.objects.filter(finished_product_id=finished_id))
    components = list(RecipeComponent.objects.filter(finished_product_id=finished_id))
    added = {item.raw_product_id for item in recipe} - set(raw_products)
    if added:  # a recipe item added meanwhile
        raw_products.update(_lock_with_conversions(RawProduct, added))
    added = {line.component_id for line in components} - set(products)
    if added:  # a component line added meanwhile
        products.update(_lock_with_conversions(FinishedProduct, added))
    items = {
        **{(RAW, pk): raw for pk, raw in raw_products.items()},
        **{(FINISHED, line.component_id): products[line.component_id] for line in components},
    }

    produced = produced_quantity if produced_quantity is not None else locked.planned_quantity
    output, consumption = _consumption(locked, finished, produced, items, recipe, components)
    named = _named_lots(plan, lots or [], items)
    held = _lock_lots(items)
    draws, short = {RAW: [], FINISHED: []}, []
    for item, needed in consumption:
        key = (item.STOCK_LEDGER.item_type, item.pk)
        if needed > item.stock_quantity:
            unit = item.unit_of_measure
            short.append(Shortage(key[0], item.pk, item.name, needed, item.stock_quantity, unit))
            continue
        try:
            allocation = allocate(item, needed, policy=PRODUCTION, named=named.pop(key, ()), lots=held[key])
        except InsufficientStock as exc:
            if exc.field == "lots":  # a named lot holds less than named: that lot's own refusal
                raise
            short.extend(exc.shortages)  # in stock, but not in lots that may be used
            continue
        draws[key[0]].append((item, allocation.parts))
    if short:
        raise InsufficientStock(short, message=_short_message(plan, short), field="materials")
    for model in (RawProduct, FinishedProduct):
        kind = model.STOCK_LEDGER.item_type
        if draws[kind]:
            stock_draw_lots(
                model=model, draws=draws[kind], reason=Reason.PRODUCTION_CONSUMPTION, user=user, source=locked
            )
    consumed = [lot for kind in draws for _, parts in draws[kind] for lot, _ in parts]
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


def _short_message(plan, short):
    """ "Cannot complete production plan 5: 1 material(s) short; component(s) short: Dough"."""
    materials = [entry for entry in short if entry.item_type == RAW]
    components = [entry.name for entry in short if entry.item_type == FINISHED]
    parts = [f"{len(materials)} material(s) short"] if materials else []
    if components:
        parts.append(f"component(s) short: {', '.join(components)}")
    return f"Cannot complete production plan {plan.pk}: {'; '.join(parts)}"


def _named_lots(plan, lots, items):
    """{(item type, id): [(locked lot, quantity)]} from `lots` ([{"lot_id", "quantity"}]); InvalidInput when
    a lot is not one of the recipe's materials' or components'. The items are locked already: their lots
    come next."""
    wanted = {}
    for line in lots:
        wanted[line["lot_id"]] = wanted.get(line["lot_id"], 0) + line["quantity"]
    if not wanted:
        return {}
    found = {
        lot.pk: lot for lot in Lot.objects.select_for_update().filter(_lots_of(items), pk__in=wanted).order_by("pk")
    }
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        message = (
            f"Lot(s) {', '.join(missing)}: not a lot of a material or component of production plan {plan.pk}'s recipe"
        )
        raise InvalidInput(message, errors={"lots": [message]})
    named = {}
    for pk, quantity in wanted.items():
        named.setdefault((found[pk].item_type, found[pk].item_id), []).append((found[pk], quantity))
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


def recipe_items_create_many(*, rows: list[dict], user: User | None = None) -> list:
    """Many recipe lines as recipe_item_create makes one (see inventory.services.line_create_many)."""
    return line_create_many(model=RecipeItem, rows=rows)


def recipe_item_update(*, item: RecipeItem, user: User | None = None, **fields) -> RecipeItem:
    """Change a recipe item (quantity, unit), its unit re-checked against the locked material."""
    return line_update(line=item, **fields)


def recipe_item_delete(*, item: RecipeItem, user: User | None = None) -> None:
    line_delete(line=item)


# --- Components: finished products in another's recipe (SPEC E) ------------------------------------------
# A product may not contain itself at any depth. The check reads every component line in one query and walks
# the graph in Python (a bakery's recipes are tens of lines, not millions). Two concurrent writes that would
# close a cycle together both lock the product they add to and every product the new component contains
# (what the cycle goes through): they share at least two of those locks, so the second waits for the first,
# re-reads the graph under its locks and sees the first's line.


def _path(graph, start, goal):
    """The ids from `start` down to `goal` through components ([start, ..., goal]), or None."""
    parents, stack = {start: None}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = parents[node]
            return path[::-1]
        for child in sorted(graph.get(node, ()), reverse=True):
            if child not in parents:
                parents[child] = node
                stack.append(child)
    return None


def _refuse_cycle(product_id, path, names):
    text = " → ".join(names[pk] for pk in [product_id, *path])
    message = f"A recipe cannot contain itself: {text}"
    raise InvalidInput(message, errors={"component_id": [message]})


def _lock_component_line(product_ids, product_id, component_id):
    """Lock the finished products `product_ids` (the line's product, before and after a change), the new
    component and every product it contains (pk order); then refuse the line `product_id` → `component_id`
    if it closes a cycle, on the graph read under those locks. Returns {id: locked product}."""
    if product_id == component_id:
        name = FinishedProduct.objects.filter(pk=product_id).values_list("name", flat=True).first()
        _refuse_cycle(product_id, [component_id], {product_id: name or str(product_id)})
    locked = lock_items(FinishedProduct, {*product_ids, *contained(component_graph(), component_id)})
    for pk in {*product_ids, component_id}:
        if pk not in locked:
            raise NotFound(f"The finished product {pk} no longer exists")
    graph = component_graph()
    graph[product_id].discard(component_id)  # the line being changed, as it stands now
    path = _path(graph, component_id, product_id)
    if path is not None:
        names = dict(FinishedProduct.objects.filter(pk__in=path).values_list("pk", "name"))
        _refuse_cycle(product_id, path, names)
    return locked


@transaction.atomic
def recipe_component_create(
    *,
    finished_product: FinishedProduct,
    component: FinishedProduct,
    quantity_required: Decimal,
    unit_of_measure: str,
    user: User | None = None,
    **fields,
) -> RecipeComponent:
    """A new component line of a recipe: InvalidInput (400) when the component contains the product at any
    depth (the message names the path, e.g. "Croissant → Dough → Croissant"), or when its unit does not
    convert to the component's stock unit."""
    locked = _lock_component_line({finished_product.pk}, finished_product.pk, component.pk)
    line = RecipeComponent(
        finished_product=locked[finished_product.pk],
        component=locked[component.pk],
        quantity_required=quantity_required,
        unit_of_measure=unit_of_measure,
        **fields,
    )
    check_line(line)
    line.save()
    return line


@transaction.atomic
def recipe_component_update(*, item: RecipeComponent, user: User | None = None, **fields) -> RecipeComponent:
    """Change a component line (quantity, unit; or, from the admin, its product or component, re-checked
    for a cycle), its unit re-checked against the locked component."""
    current = RecipeComponent.objects.filter(pk=item.pk).values_list("finished_product_id", "component_id").first()
    if current is None:
        raise NotFound(f"The recipe component {item.pk} no longer exists")
    product_id = fields["finished_product"].pk if "finished_product" in fields else current[0]
    component_id = fields["component"].pk if "component" in fields else current[1]
    locked_products = _lock_component_line({current[0], product_id}, product_id, component_id)
    locked = RecipeComponent.objects.select_for_update().filter(pk=item.pk).first()
    if locked is None:
        raise NotFound(f"The recipe component {item.pk} no longer exists")
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.finished_product = locked_products[product_id]
    locked.component = locked_products[component_id]
    check_line(locked)
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


def recipe_component_delete(*, item: RecipeComponent, user: User | None = None) -> None:
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


@transaction.atomic
def requirements_plans_create(
    *, date_from: datetime.date, date_to: datetime.date, user: User | None = None
) -> tuple[list[ProductionPlan], dict]:
    """Create the production plans the window's requirements propose for short components (the dough the
    planned croissants need), `planned`, each dated as proposed (before the first run it serves), in the
    component's stock unit. Purchase orders are a separate action (requirements_orders_create): the
    producer may make the dough from what is on hand, or change the dates, before buying.

    A new plan takes the hourly rate of the component's latest plan and a duration in proportion to that
    plan's (none: 0 hours at 0 per hour, to be filled in). The components are locked first, so that two
    concurrent calls do not plan the same shortfall twice: the second sees the first's plans. Returns
    (plans, the requirements answer they came from)."""
    first = material_requirements(date_from=date_from, date_to=date_to)
    lock_items(FinishedProduct, [line["finished_product"].pk for line in first["components"] if line["proposal"]])
    answer = material_requirements(date_from=date_from, date_to=date_to)
    proposed = [line for line in answer["components"] if line["proposal"]]
    latest = {}
    previous = (
        ProductionPlan.objects.filter(finished_product_id__in=[line["finished_product"].pk for line in proposed])
        .exclude(status=Status.CANCELLED)
        .order_by("finished_product_id", "-planned_production_date", "-pk")
    )
    for plan in previous:
        latest.setdefault(plan.finished_product_id, plan)
    plans = []
    for line in proposed:
        product, proposal = line["finished_product"], line["proposal"]
        model = latest.get(product.pk)
        rate, duration = Decimal(0), Decimal(0)
        if model is not None:
            rate = model.hourly_rate
            per_unit = model.planned_duration / to_stock_unit(product, model.planned_quantity, model.unit_of_measure)
            duration = (per_unit * proposal["quantity"]).quantize(Decimal("0.01"))
        plans.append(
            ProductionPlan.objects.create(
                finished_product=product,
                planned_quantity=proposal["quantity"],
                unit_of_measure=product.unit_of_measure,
                planned_production_date=proposal["planned_production_date"],
                planned_duration=duration,
                hourly_rate=rate,
            )
        )
    return plans, answer
