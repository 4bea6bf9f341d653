"""Reads that answer the producer's two weekly questions: what must I buy for the production I planned
(`material_requirements`), and what does each product really cost me (`finished_product_cost`).

Figures are exact Decimals in stock units; rounding (3 places for quantities, 2 for money) is for display
only (production.serializers). Each read costs a fixed number of queries, whatever the number of rows.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from inventory.measures import (
    equivalences,
    quantize_money,
    quantize_quantity,
    to_stock_unit,
    unit_problem,
)
from inventory.models import FinishedProduct, RawProduct, SupplierRawProduct
from inventory.units import UnitError, convert
from orders.models import FinishedProductOrder, OrderStatus, RawProductOrder
from production.models import ProductionPlan, RecipeComponent, RecipeItem
from stocky.kit.errors import InvalidInput

Status = ProductionPlan.Status
OPEN_PLAN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)
OPEN_ORDER_STATUSES = (OrderStatus.COMMANDE, OrderStatus.EXPEDIE)
LABOUR_PLANS = 5  # completed runs averaged for the labour cost


def plan_window(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The window's bounds as aware date-times in the server's time zone: [from 00:00, the day after `to`)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)
    if date_to == datetime.date.max:  # no day after it: the window is open-ended
        return start, datetime.datetime.max.replace(tzinfo=zone)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def _recipe_items():
    """Recipe items with what pricing and converting them needs: the material, its equivalences, its price
    list with the suppliers' names."""
    return RecipeItem.objects.select_related("raw_product").prefetch_related(
        "raw_product__conversions",
        Prefetch("raw_product__supplier_prices", queryset=SupplierRawProduct.objects.select_related("supplier")),
    )


def cheapest_price(raw_product: RawProduct) -> tuple[SupplierRawProduct | None, Decimal | None, list[str]]:
    """The cheapest price-list row for a material, prices converted to its stock unit.

    Returns (row, price per stock unit, skipped) where `skipped` describes the rows whose unit cannot convert;
    row and price are None when no row can be used. Ties go to the lowest supplier id.
    """
    conversions = equivalences(raw_product)
    best, best_price, skipped = None, None, []
    for row in sorted(raw_product.supplier_prices.all(), key=lambda row: row.supplier_id):
        try:
            one_stock_unit = convert(1, raw_product.unit_of_measure, row.unit_of_measure, conversions=conversions)
        except UnitError:
            skipped.append(
                f"{row.supplier.name} sells it per {row.unit_of_measure}, which does not convert to "
                f"{raw_product.unit_of_measure}"
            )
            continue
        price = row.unit_price * one_stock_unit
        if best_price is None or price < best_price:
            best, best_price = row, price
    return best, best_price, skipped


def _no_price_reason(raw_product, skipped):
    if skipped:
        return f"No usable price: {'; '.join(skipped)} (give the material an equivalence between the two)"
    return "No supplier sells it: add it to a supplier's price list"


# --- Material requirements ------------------------------------------------------------------------------


def material_requirements(
    *, date_from: datetime.date, date_to: datetime.date, ids_only: bool = False
) -> dict | set[int]:
    """What the plans dated in [date_from, date_to] (neither completed nor cancelled) need, against what is
    on hand and on order (open purchase orders: commande or expedie), with the cheapest supplier for each
    shortfall.

    Returns {"from", "to", "materials": [line], "suppliers": [group]} with exact figures; a line holds the
    raw product itself under "raw_product", a suggestion its supplier under "supplier". With `ids_only`,
    just the ids of the materials concerned (for locking them).
    """
    start, end = plan_window(date_from, date_to)
    plans = list(
        ProductionPlan.objects.filter(
            status__in=OPEN_PLAN_STATUSES, planned_production_date__gte=start, planned_production_date__lt=end
        )
        .select_related("finished_product")
        .prefetch_related("finished_product__conversions")
        .order_by("id")
    )
    outputs = defaultdict(Decimal)  # finished product id -> planned output, in its stock unit
    runs = []  # (plan's date, finished product id, output in its stock unit)
    for plan in plans:
        output = to_stock_unit(
            plan.finished_product, plan.planned_quantity, plan.unit_of_measure, what=f"Production plan {plan.pk}"
        )
        outputs[plan.finished_product_id] += output
        runs.append((plan.planned_production_date, plan.finished_product, output))
    lines_of = _component_lines(outputs)
    if ids_only:
        made = set(outputs) | {line.component_id for lines in lines_of.values() for line in lines}
        return set(RecipeItem.objects.filter(finished_product_id__in=made).values_list("raw_product_id", flat=True))
    components = _component_requirements(runs, lines_of, start)
    for line in components:  # what the proposed plans make needs its materials too
        if line["proposal"] is not None:
            outputs[line["finished_product"].pk] += line["proposal"]["quantity"]

    required, materials = defaultdict(Decimal), {}
    for item in _recipe_items().filter(finished_product_id__in=outputs).order_by("raw_product_id"):
        raw = materials.setdefault(item.raw_product_id, item.raw_product)
        required[raw.pk] += to_stock_unit(
            raw,
            item.quantity_required * outputs[item.finished_product_id],
            item.unit_of_measure,
            what=f"Recipe item '{raw.name}' of finished product {item.finished_product_id}",
        )

    on_order = defaultdict(Decimal)
    open_orders = (
        RawProductOrder.objects.filter(raw_product_id__in=materials, status__in=OPEN_ORDER_STATUSES)
        .values("raw_product_id", "unit_of_measure")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in open_orders:
        raw = materials[row["raw_product_id"]]
        on_order[raw.pk] += to_stock_unit(
            raw, row["total"], row["unit_of_measure"], what=f"Open purchase orders of '{raw.name}'"
        )

    lines = []
    for raw in sorted(materials.values(), key=lambda raw: (raw.name.lower(), raw.pk)):
        needed, ordered = quantize_quantity(required[raw.pk]), quantize_quantity(on_order[raw.pk])
        shortfall = max(Decimal(0), needed - raw.stock_quantity - ordered)
        line = {
            "raw_product": raw,
            "unit_of_measure": raw.unit_of_measure,
            "required": needed,
            "on_hand": raw.stock_quantity,
            "on_order": ordered,
            "shortfall": shortfall,
            "suggestion": None,
            "reason": None,
        }
        if not shortfall:
            line["reason"] = "Nothing to buy: what is on hand and on order covers what is required"
        else:
            row, price, skipped = cheapest_price(raw)
            if row is None:
                line["reason"] = _no_price_reason(raw, skipped)
            else:
                line["suggestion"] = {
                    "supplier": row.supplier,
                    "unit_price": price,
                    "quantity": shortfall,
                    "cost": price * shortfall,
                    "price_list_unit_price": row.unit_price,
                    "price_list_unit_of_measure": row.unit_of_measure,
                }
        lines.append(line)

    groups = {}
    for line in lines:
        suggestion = line["suggestion"]
        if suggestion is None:
            continue
        supplier = suggestion["supplier"]
        group = groups.setdefault(supplier.pk, {"supplier": supplier, "materials": [], "total": Decimal(0)})
        group["materials"].append(line)
        # The total of the orders it would create, each priced at its rounded cost.
        group["total"] += quantize_money(suggestion["cost"])
    suppliers = sorted(groups.values(), key=lambda group: (group["supplier"].name.lower(), group["supplier"].pk))
    return {"from": date_from, "to": date_to, "materials": lines, "suppliers": suppliers, "components": components}


def _component_lines(outputs):
    """{finished product id: its component lines (with the component and its conversions)}, for every product
    reachable from those planned: the whole component graph in two queries, walked in Python."""
    lines_of = defaultdict(list)
    if not outputs:
        return lines_of
    every = RecipeComponent.objects.select_related("component").prefetch_related("component__conversions")
    for line in every.order_by("finished_product_id", "component_id"):
        lines_of[line.finished_product_id].append(line)
    return lines_of


def _parents_first(roots, lines_of):
    """The products reachable from `roots` through components, each after every product that contains it."""
    order, seen = [], set()

    def visit(pk):  # depth-first post-order; recipes are a few levels deep
        seen.add(pk)
        for line in lines_of.get(pk, ()):
            if line.component_id not in seen:
                visit(line.component_id)
        order.append(pk)

    for pk in sorted(roots):
        if pk not in seen:
            visit(pk)
    return order[::-1]


# A proposed plan for a component is dated this long before the first run that needs it (the dough made
# the day before the croissants), but not before the window starts.
LEAD_TIME = datetime.timedelta(days=1)


def _component_requirements(runs, lines_of, window_start):
    """What the window's runs need of each component, level by level, against what is on hand and what the
    window's plans of that component will make before it is needed; and a proposed plan for each shortfall,
    dated before the first run it must serve. A proposed plan needs components in its turn (the next level).

    `runs`: [(date, finished product, output in its stock unit)]. Returns one line per component needed.
    """
    demands = defaultdict(list)  # component id -> [(date, quantity in its stock unit, the product needing it)]
    supply = defaultdict(list)  # product id -> [(date, output)] of the window's plans
    products = {}
    for date, product, output in runs:
        supply[product.pk].append((date, output))
        products[product.pk] = product
    for line in (line for lines in lines_of.values() for line in lines):
        products.setdefault(line.component_id, line.component)
    names = {pk: product.name for pk, product in products.items()}

    def explode(product_id, date, output):
        for line in lines_of.get(product_id, ()):
            component = line.component
            needed = to_stock_unit(
                component,
                line.quantity_required * output,
                line.unit_of_measure,
                what=f"Component '{component.name}' of finished product {product_id}",
            )
            demands[line.component_id].append((date, needed, names[product_id]))

    for date, product, output in runs:
        explode(product.pk, date, output)
    result = []
    for pk in _parents_first({product.pk for _, product, _ in runs}, lines_of):
        if pk not in demands:
            continue  # a product only planned, not a component of anything planned
        component = products[pk]
        covered = component.stock_quantity
        planned = sorted(supply.get(pk, ()), key=lambda entry: entry[0])
        made_before, index = Decimal(0), 0
        required, shortfall, first_short, users = Decimal(0), Decimal(0), None, []
        for date, needed, user in sorted(demands[pk], key=lambda entry: entry[0]):
            # Only a plan dated no later than the run that needs it covers it.
            while index < len(planned) and planned[index][0] <= date:
                covered += planned[index][1]
                made_before += planned[index][1]
                index += 1
            required += needed
            if user not in users:
                users.append(user)
            if needed <= covered:
                covered -= needed
                continue
            shortfall += needed - covered
            covered = Decimal(0)
            first_short = first_short or date
        line = {
            "finished_product": component,
            "unit_of_measure": component.unit_of_measure,
            "required": quantize_quantity(required),
            "on_hand": component.stock_quantity,
            "planned": quantize_quantity(sum((output for _, output in planned), Decimal(0))),
            "shortfall": quantize_quantity(shortfall),
            "used_by": users,
            "proposal": None,
        }
        if line["shortfall"] > 0:
            make_on = max(first_short - LEAD_TIME, window_start)
            line["proposal"] = {
                "quantity": line["shortfall"],
                "needed_by": first_short,
                "planned_production_date": make_on,
            }
            explode(pk, make_on, line["shortfall"])
        result.append(line)
    return result


# --- Costs ----------------------------------------------------------------------------------------------


def component_graph() -> dict[int, set[int]]:
    """{finished product id: the ids of its components}, every recipe's, in one query."""
    graph = defaultdict(set)
    for product_id, component_id in RecipeComponent.objects.values_list("finished_product_id", "component_id"):
        graph[product_id].add(component_id)
    return graph


def contained(graph, product_id) -> set[int]:
    """The product and every product it contains, at any depth."""
    seen, stack = {product_id}, [product_id]
    while stack:
        for child in graph.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def component_costs(products) -> dict:
    """{id: finished_product_cost answer (without sales)} of every product that these contain, at any depth:
    the graph in one query, the products it names in cost_queryset's fixed number, whatever their count.
    Attached to each product as `component_costs`, which finished_product_cost reads."""
    products = list(products)
    graph = component_graph()
    ids = set()
    for product in products:
        ids |= contained(graph, product.pk) - {product.pk}
    costs = {}
    if ids:
        loaded = {item.pk: item for item in cost_queryset(FinishedProduct.objects.filter(pk__in=ids))}
        for item in loaded.values():
            item.component_costs = costs
        # Deepest first: a component's cost is known before the products containing it are costed.
        pending = sorted(loaded, key=lambda pk: len(contained(graph, pk)))
        while pending:
            ready = [pk for pk in pending if graph.get(pk, set()) <= set(costs)]
            for pk in ready or pending[:1]:
                costs[pk] = finished_product_cost(loaded[pk], with_sales=False)
            pending = [pk for pk in pending if pk not in costs]
    for product in products:
        product.component_costs = costs
    return costs


def cost_queryset(queryset: QuerySet) -> QuerySet:
    """Finished products with everything `finished_product_cost` reads, in a fixed number of queries."""
    return queryset.prefetch_related(
        "conversions",
        Prefetch("recipe_items", queryset=_recipe_items().order_by("raw_product_id")),
        Prefetch(
            "recipe_components",
            queryset=RecipeComponent.objects.select_related("component")
            .prefetch_related("component__conversions")
            .order_by("component_id"),
        ),
        Prefetch(
            "production_plans",
            queryset=ProductionPlan.objects.exclude(status=Status.CANCELLED).order_by("-id"),
            to_attr="cost_plans",
        ),
    )


def _material_lines(product):
    lines, missing = [], []
    for item in product.recipe_items.all():
        raw = item.raw_product
        line = {
            "raw_product": raw,
            "quantity": None,
            "unit_of_measure": raw.unit_of_measure,
            "unit_price": None,
            "supplier": None,
            "cost": None,
        }
        lines.append(line)
        problem = unit_problem(raw, item.unit_of_measure)
        path = [product.name]
        if problem:
            missing.append({"raw_product": raw, "reason": f"The recipe's unit cannot be used: {problem}", "path": path})
            continue
        line["quantity"] = to_stock_unit(raw, item.quantity_required, item.unit_of_measure)
        row, price, skipped = cheapest_price(raw)
        if row is None:
            missing.append({"raw_product": raw, "reason": _no_price_reason(raw, skipped), "path": path})
            continue
        line.update(unit_price=price, supplier=row.supplier, cost=price * line["quantity"])
    return lines, missing


def _component_cost_lines(product, costs):
    """The component lines of a product's cost: each component's unit cost (its materials, its own components
    and its labour) × the quantity; and the prices missing at any level below, each with its path."""
    lines, missing = [], []
    for item in product.recipe_components.all():
        component = item.component
        answer = costs[item.component_id]
        line = {
            "component": component,
            "quantity": None,
            "unit_of_measure": component.unit_of_measure,
            "unit_cost": answer["unit_cost"],
            "labour_cost": answer["labour_cost"],
            "cost": None,
        }
        lines.append(line)
        for entry in answer["missing_prices"]:
            missing.append({**entry, "path": [product.name, *entry["path"]]})
        problem = unit_problem(component, item.unit_of_measure)
        if problem:
            line["unit_cost"] = None
            continue
        line["quantity"] = to_stock_unit(component, item.quantity_required, item.unit_of_measure)
        line["cost"] = answer["unit_cost"] * line["quantity"]
    return lines, missing


def _in_stock_unit(product, plan, quantity):
    try:
        return to_stock_unit(product, quantity, plan.unit_of_measure)
    except InvalidInput:
        return None  # a plan in a unit that no longer converts cannot say what a unit cost


def _labour(product, plans):
    """(labour cost per stock unit, basis): the completed runs (last 5) when there are some, hourly rate ×
    actual duration (or planned, if none was recorded) over the quantity produced; else the latest plan's
    planned figures. (None, None) without any plan."""
    completed = sorted(
        (plan for plan in plans if plan.status == Status.COMPLETED),
        key=lambda plan: (plan.completed_at or plan.updated_at, plan.pk),
        reverse=True,
    )
    used, labour, quantity = [], Decimal(0), Decimal(0)
    for plan in completed:
        produced = _in_stock_unit(product, plan, plan.produced_quantity or plan.planned_quantity)
        if not produced:
            continue
        hours = plan.actual_duration if plan.actual_duration is not None else plan.planned_duration
        labour += plan.hourly_rate * hours
        quantity += produced
        used.append(plan.pk)
        if len(used) == LABOUR_PLANS:
            break
    if used:
        return labour / quantity, {"source": "completed_plans", "plan_ids": used}
    latest = sorted(plans, key=lambda plan: (plan.planned_production_date, plan.pk), reverse=True)
    for plan in latest:
        planned = _in_stock_unit(product, plan, plan.planned_quantity)
        if planned:
            return plan.hourly_rate * plan.planned_duration / planned, {"source": "latest_plan", "plan_ids": [plan.pk]}
    return None, None


def average_sale_price(product: FinishedProduct) -> Decimal | None:
    """What a stock unit of the product sold for on average (orders not out of stock), or None."""
    rows = (
        FinishedProductOrder.objects.filter(finished_product=product)
        .exclude(status=OrderStatus.RUPTURE_DE_STOCK)
        .values("unit_of_measure")
        .annotate(quantity=Sum("quantity"), price=Sum("sale_price"))
        .order_by()
    )
    quantity, price = Decimal(0), Decimal(0)
    for row in rows:
        try:
            quantity += to_stock_unit(product, row["quantity"], row["unit_of_measure"])
        except InvalidInput:
            continue
        price += row["price"]
    return price / quantity if quantity else None


def finished_product_cost(product: FinishedProduct, *, with_sales: bool = True) -> dict:
    """The cost of one stock unit of a finished product: materials (cheapest prices), plus components (each
    one's own unit cost: its materials, components and labour, through every level), plus labour.

    Materials without a usable price, at any level, are left out of the cost and named in `missing_prices`
    with the path of products down to the recipe that uses them. Use a product from `cost_queryset` (and,
    for a list, `component_costs` over the whole list) to keep the queries bounded.
    """
    lines, missing = _material_lines(product)
    material_cost = sum((line["cost"] for line in lines if line["cost"] is not None), Decimal(0))
    component_lines = []
    if product.recipe_components.all():
        costs = getattr(product, "component_costs", None)
        if costs is None or any(line.component_id not in costs for line in product.recipe_components.all()):
            costs = component_costs([product])
        component_lines, component_missing = _component_cost_lines(product, costs)
        missing.extend(component_missing)
    component_cost = sum((line["cost"] for line in component_lines if line["cost"] is not None), Decimal(0))
    plans = getattr(product, "cost_plans", None)
    if plans is None:
        plans = list(product.production_plans.exclude(status=Status.CANCELLED))
    labour_cost, labour_basis = _labour(product, plans)
    unit_cost = material_cost + component_cost + (labour_cost or 0)
    answer = {
        "finished_product": product,
        "unit_of_measure": product.unit_of_measure,
        "materials": lines,
        "material_cost": material_cost,
        "components": component_lines,
        "component_cost": component_cost,
        "labour_cost": labour_cost,
        "labour_basis": labour_basis,
        "unit_cost": unit_cost,
        "missing_prices": missing,
    }
    if with_sales:
        sale_price = average_sale_price(product)
        margin = sale_price - unit_cost if sale_price is not None else None
        answer.update(
            average_sale_price=sale_price,
            margin=margin,
            margin_rate=margin / sale_price if margin is not None and sale_price else None,
        )
    return answer
