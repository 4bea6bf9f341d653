"""What a label must declare (SPEC E, docs/recipes.md "What a label must declare").

A finished product's declaration walks its recipe through every level: its material lines (RecipeItem) and
its components (RecipeComponent, other finished products, at any depth). It reads the whole recipe graph in
a fixed number of queries (`load_graph`: the component table, the products reached, their material lines
with the materials and everyone's unit conversions), whatever the number of lines or levels.

The arithmetic, per gram of a product's output:

- a line's mass is its quantity for one stock unit converted to grams (the line's unit through the material's
  or the component's own conversions; a component counted in units weighs `net_weight_g` each);
- the mass that goes in, M_in, is the sum of the lines' masses; the mass that comes out is M_in × yield;
- a material's share is its grams ÷ (M_in × yield); a component's materials count for the component's grams
  ÷ (M_in × yield) × their share in the component. So "grams of each material per gram of product" is
  flattened through every level, and both the percentages (× 100: the quantity used per 100 g of finished
  product, 1169/2011 Annex VIII 3(a) for foods that lose moisture) and the nutrition per 100 g (Σ the
  material's figure per 100 g × its share) follow from it.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from inventory.measures import equivalences
from inventory.models import (
    NUTRIENT_FIELDS,
    FinishedProduct,
    Lot,
    RawProduct,
    allergen_list,
)
from inventory.services import lock_items, raw_product_declaration_changed
from inventory.units import MASS, UnitError, convert, unit_kind
from production.models import DeclarationChange, LotDeclaration, RecipeComponent, RecipeItem
from stocky.kit.errors import Conflict

GRAM = "g"
HUNDRED = Decimal(100)
# How a figure is rounded on a label (the Commission's guidance on tolerances, simplified): energy to the
# kJ/kcal, salt to 0.01 g, the other figures to 0.1 g; percentages to 0.1 %.
_PLACES = {"energy_kj": Decimal(1), "energy_kcal": Decimal(1), "salt": Decimal("0.01")}
_TENTH = Decimal("0.1")

# Words that name an allergen in an ingredient's name (English and French, the demo's language): the word
# is emphasised where it appears ("**butter**"); an allergen no word shows is added after the name in
# brackets ("chocolate (**milk**, **soybeans**)"), as regulation 1169/2011 art. 21 asks.
ALLERGEN_WORDS = {
    "gluten": (
        "wheat",
        "rye",
        "barley",
        "oats",
        "oat",
        "spelt",
        "kamut",
        "gluten",
        "blé",
        "seigle",
        "orge",
        "avoine",
        "épeautre",
    ),
    "crustaceans": ("crustaceans", "shrimp", "prawn", "crab", "lobster", "crevette", "crabe", "homard"),
    "eggs": ("eggs", "egg", "œufs", "œuf", "oeufs", "oeuf"),
    "fish": ("fish", "poisson", "saumon", "salmon", "anchovy", "anchois", "thon", "tuna"),
    "peanuts": ("peanuts", "peanut", "arachide", "cacahuète"),
    "soybeans": ("soybeans", "soya", "soy", "soja"),
    "milk": (
        "milk",
        "butter",
        "cream",
        "cheese",
        "yoghurt",
        "yogurt",
        "lactose",
        "whey",
        "lait",
        "beurre",
        "crème",
        "fromage",
        "mascarpone",
        "mozzarella",
        "comté",
    ),
    "nuts": (
        "hazelnuts",
        "hazelnut",
        "almonds",
        "almond",
        "walnuts",
        "walnut",
        "cashew",
        "pecan",
        "pistachio",
        "macadamia",
        "nuts",
        "noisettes",
        "noisette",
        "amandes",
        "amande",
        "noix",
        "pistache",
        "praliné",
    ),
    "celery": ("celery", "céleri"),
    "mustard": ("mustard", "moutarde"),
    "sesame": ("sesame", "sésame"),
    "sulphites": ("sulphites", "sulphite", "sulfites", "sulfite", "wine", "vin"),
    "lupin": ("lupin",),
    "molluscs": ("molluscs", "mussels", "oysters", "squid", "moules", "huîtres"),
}


# --- The recipe graph -------------------------------------------------------------------------------------


@dataclass
class Graph:
    """Every finished product reachable from some roots, their material lines and component lines."""

    products: dict  # finished product id -> FinishedProduct (conversions prefetched)
    items: dict  # finished product id -> [RecipeItem] (raw_product and its conversions loaded)
    components: dict  # finished product id -> [(component id, quantity_required, unit_of_measure)]
    parents: dict  # component id -> {finished product ids using it}, over the whole component table


def _component_edges():
    return list(
        RecipeComponent.objects.order_by("pk").values_list(
            "finished_product_id", "component_id", "quantity_required", "unit_of_measure"
        )
    )


def load_graph(root_ids) -> Graph:
    """The recipe graph under `root_ids`, in five queries whatever its size: the component table (small: a
    workshop's compositions), the products reached with their conversions, their material lines with the
    materials and theirs."""
    children, parents = defaultdict(list), defaultdict(set)
    for parent, child, quantity, unit in _component_edges():
        children[parent].append((child, quantity, unit))
        parents[child].add(parent)
    reached, stack = set(), list(root_ids)
    while stack:
        pk = stack.pop()
        if pk not in reached:
            reached.add(pk)
            stack.extend(child for child, _, _ in children[pk])
    products = {p.pk: p for p in FinishedProduct.objects.filter(pk__in=reached).prefetch_related("conversions")}
    items = defaultdict(list)
    lines = (
        RecipeItem.objects.filter(finished_product_id__in=reached)
        .select_related("raw_product")
        .prefetch_related("raw_product__conversions")
        .order_by("pk")
    )
    for item in lines:
        items[item.finished_product_id].append(item)
    return Graph(products, items, {pk: children[pk] for pk in reached}, parents)


# --- The arithmetic ---------------------------------------------------------------------------------------


@dataclass
class Composition:
    """A product's materials, flattened through its components, per gram of its output."""

    shares: dict = field(default_factory=dict)  # raw product id -> grams used per gram of output (Decimal)
    materials: dict = field(default_factory=dict)  # raw product id -> RawProduct, every one reached
    unknown: set = field(default_factory=set)  # raw product ids whose mass could not be determined
    problems: list = field(default_factory=list)  # [{"type", "id", "name", "reason"}]


def unit_grams(product):
    """Grams in one stock unit of a finished product, or None: a mass unit says it; otherwise its
    `net_weight_g`, else its own conversion to a mass."""
    if unit_kind(product.unit_of_measure) == MASS:
        return convert(1, product.unit_of_measure, GRAM)
    if product.net_weight_g is not None:
        return Decimal(product.net_weight_g)
    try:
        return convert(1, product.unit_of_measure, GRAM, conversions=equivalences(product))
    except UnitError:
        return None


def _material_grams(item):
    try:
        return convert(item.quantity_required, item.unit_of_measure, GRAM, conversions=equivalences(item.raw_product))
    except UnitError:
        return None


def _component_grams(component, quantity, unit):
    conversions = equivalences(component)
    try:
        return convert(quantity, unit, GRAM, conversions=conversions)
    except UnitError:
        pass
    grams = unit_grams(component)
    if grams is None:
        return None
    try:
        return convert(quantity, unit, component.unit_of_measure, conversions=conversions) * grams
    except UnitError:
        return None


def _problem(kind, pk, name, reason):
    return {"type": kind, "id": pk, "name": name, "reason": reason}


def composition(graph, pk, _memo=None, _path=(), *, overrides=None):
    """The Composition of finished product `pk` of `graph` (memoised; a cycle is reported, not followed).
    Packaging (boxes, labels: `is_packaging`, as `overrides` may say it was) is no ingredient: left out."""
    memo = {} if _memo is None else _memo
    overrides = overrides or {}
    if pk in memo:
        return memo[pk]
    product = graph.products[pk]
    result = Composition()
    parts = []  # (grams, Composition or raw product id)
    for item in graph.items.get(pk, ()):
        raw = item.raw_product
        if overrides.get(raw.pk, {}).get("is_packaging", raw.is_packaging):
            continue
        result.materials[raw.pk] = raw
        grams = _material_grams(item)
        if grams is None:
            result.unknown.add(raw.pk)
            reason = (
                f"{item.quantity_required:f} {item.unit_of_measure} of it in '{product.name}' has no mass: "
                f"give '{raw.name}' a conversion from {item.unit_of_measure} to a mass"
            )
            result.problems.append(_problem("raw_product", raw.pk, raw.name, reason))
        else:
            parts.append((grams, raw.pk))
    for child_pk, quantity, unit in graph.components.get(pk, ()):
        child = graph.products.get(child_pk)
        if child is None:
            continue
        if child_pk in _path or child_pk == pk:
            reason = f"'{child.name}' is in its own recipe (through '{product.name}'): not followed"
            result.problems.append(_problem("finished_product", child_pk, child.name, reason))
            continue
        sub = composition(graph, child_pk, memo, (*_path, pk), overrides=overrides)
        result.materials.update(sub.materials)
        result.unknown |= sub.unknown
        result.problems.extend(problem for problem in sub.problems if problem not in result.problems)
        grams = _component_grams(child, quantity, unit)
        if grams is None:
            result.unknown |= set(sub.materials)
            reason = (
                f"{quantity:f} {unit} of it in '{product.name}' has no mass: give '{child.name}' a net weight "
                "or a conversion to a mass"
            )
            result.problems.append(_problem("finished_product", child_pk, child.name, reason))
        else:
            parts.append((grams, sub))
    mass_in = sum((grams for grams, _ in parts), Decimal(0))
    if mass_in > 0:
        out = mass_in * Decimal(product.yield_percent) / HUNDRED
        shares = defaultdict(Decimal)
        for grams, part in parts:
            if isinstance(part, Composition):
                for raw_pk, share in part.shares.items():
                    shares[raw_pk] += grams / out * share
            else:
                shares[part] += grams / out
        result.shares = dict(shares)
    memo[pk] = result
    return result


# --- The declaration --------------------------------------------------------------------------------------


def _material_view(raw, overrides):
    """(ingredient name, allergens, may_contain, {nutrient: figure}) of a material, with `overrides`
    ({raw id: {field: value}}: what it was before an edit) applied."""
    values = {name: getattr(raw, name) for name in ("name", "label_name", "allergens", "may_contain", *NUTRIENT_FIELDS)}
    values.update(overrides.get(raw.pk, {}))
    name = (values["label_name"] or "").strip() or values["name"]
    nutrition = {nutrient: values[nutrient] for nutrient in NUTRIENT_FIELDS}
    return name, allergen_list(values["allergens"]), allergen_list(values["may_contain"]), nutrition


def emphasise(name, allergens):
    """The ingredient as a label writes it: each allergen's word in its name between ** markers, an allergen
    its name does not show added in brackets ("chocolate (**milk**)")."""
    text, unshown = name, []
    for code in allergens:
        words = sorted(ALLERGEN_WORDS.get(code, (code,)), key=len, reverse=True)
        pattern = re.compile(
            r"(?<![\w*])(" + "|".join(re.escape(word) for word in words) + r")(?![\w*])", re.IGNORECASE
        )
        if pattern.search(text):
            text = pattern.sub(lambda match: f"**{match.group(1)}**", text)
        else:
            unshown.append(f"**{code}**")
    return f"{text} ({', '.join(unshown)})" if unshown else text


def _rounded(value, quantum):
    return float(value.quantize(quantum))


def declare(graph, pk, *, overrides=None, _memo=None):
    """The declaration of finished product `pk` of `graph` (SPEC E's shape), as plain JSON values."""
    overrides = overrides or {}
    found = composition(graph, pk, _memo, overrides=overrides)
    views = {raw_pk: _material_view(raw, overrides) for raw_pk, raw in found.materials.items()}
    allergens = allergen_list(code for view in views.values() for code in view[1])
    may_contain = [
        code for code in allergen_list(code for view in views.values() for code in view[2]) if code not in allergens
    ]
    # One entry per ingredient name: the same material bought twice (two sugars) is one ingredient.
    entries = {}
    for raw_pk, (name, raw_allergens, _, _) in views.items():
        entry = entries.setdefault(name.casefold(), {"name": name, "share": Decimal(0), "allergens": [], "known": True})
        entry["allergens"] = allergen_list([*entry["allergens"], *raw_allergens])
        if raw_pk in found.unknown or raw_pk not in found.shares:
            entry["known"] = False  # its mass, at some level, is not known: so is not its percentage
        if raw_pk in found.shares:
            entry["share"] += found.shares[raw_pk]
    known = sorted((e for e in entries.values() if e["known"]), key=lambda e: (-e["share"], e["name"].casefold()))
    unknown = sorted((e for e in entries.values() if not e["known"]), key=lambda e: e["name"].casefold())
    ingredients = [
        {
            "name": entry["name"],
            "percent": _rounded(entry["share"] * HUNDRED, _TENTH) if entry["known"] else None,
            "allergens": entry["allergens"],
        }
        for entry in [*known, *unknown]
    ]
    missing = list(found.problems)
    nutrition = {}
    for nutrient in NUTRIENT_FIELDS:
        total, complete = Decimal(0), not found.unknown and bool(found.shares)
        for raw_pk, share in found.shares.items():
            figure = views[raw_pk][3][nutrient]
            if figure is None:
                complete = False
            else:
                total += Decimal(figure) * share
        nutrition[nutrient] = _rounded(total, _PLACES.get(nutrient, _TENTH)) if complete else None
    for raw_pk, (_name, _, _, figures) in sorted(views.items(), key=lambda pair: pair[1][0].casefold()):
        absent = [nutrient for nutrient in NUTRIENT_FIELDS if figures[nutrient] is None]
        if len(absent) == len(NUTRIENT_FIELDS):
            reason = "no nutrition data"
        elif absent:
            reason = "no figure for " + ", ".join(absent)
        else:
            continue
        missing.append(_problem("raw_product", raw_pk, found.materials[raw_pk].name, reason))
    return {
        "allergens": allergens,
        "may_contain": may_contain,
        "ingredients": ingredients,
        "ingredient_list": ", ".join(emphasise(item["name"], item["allergens"]) for item in ingredients),
        "nutrition_per_100g": nutrition,
        "missing": missing,
    }


def finished_product_declaration(product: FinishedProduct) -> dict:
    """What `product`'s label must declare today (SPEC E), in a fixed number of queries."""
    return declare(load_graph([product.pk]), product.pk)


# --- Changes that matter ----------------------------------------------------------------------------------


def open_changes(product: FinishedProduct):
    """The product's declaration changes nobody acknowledged yet, oldest first."""
    return list(DeclarationChange.objects.filter(finished_product=product, acknowledged_at__isnull=True).order_by("pk"))


def lots_made_before(product: FinishedProduct, moment):
    """The product's lots with stock that were made before `moment`: labelled under an older declaration."""
    return list(
        Lot.objects.filter(
            item_type=Lot.ItemType.FINISHED_PRODUCT, item_id=product.pk, quantity__gt=0, created_at__lt=moment
        ).order_by("created_at", "pk")
    )


def _ancestors(graph_parents, pks):
    found, stack = set(), list(pks)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(graph_parents.get(pk, ()))
    return found


def _changes(material_name, old, new):
    """What differs between two declarations, in words, naming the material that caused it."""
    lines = []
    for key, title in (("allergens", "allergens"), ("may_contain", "may contain")):
        for code in new[key]:
            if code not in old[key]:
                lines.append(f"{code} added to {title} via {material_name}")
        for code in old[key]:
            if code not in new[key]:
                lines.append(f"{code} removed from {title} via {material_name}")
    if [i["name"] for i in old["ingredients"]] != [i["name"] for i in new["ingredients"]]:
        lines.append(f"ingredients now {', '.join(i['name'] for i in new['ingredients'])} via {material_name}")
    elif old["ingredient_list"] != new["ingredient_list"] and not lines:
        lines.append(f'ingredient list now "{new["ingredient_list"]}" via {material_name}')
    figures = [
        f"{nutrient} {_figure(old['nutrition_per_100g'][nutrient])} → {_figure(new['nutrition_per_100g'][nutrient])}"
        for nutrient in NUTRIENT_FIELDS
        if old["nutrition_per_100g"][nutrient] != new["nutrition_per_100g"][nutrient]
    ]
    if figures:
        lines.append(f"nutrition per 100 g changed via {material_name}: {', '.join(figures)}")
    return lines


def _figure(value):
    return "unknown" if value is None else f"{value:g}"


@receiver(raw_product_declaration_changed)
def mark_changed_declarations(sender, *, product: RawProduct, before: dict, user=None, **kwargs):
    """After a material's allergens, may-contain, label name or nutrition changed (inventory's update service,
    in its transaction): record a DeclarationChange on every finished product, at any level, whose
    declaration that changes. Its cost does not grow with the products: one graph load, one insert."""
    direct = set(RecipeItem.objects.filter(raw_product=product).values_list("finished_product_id", flat=True))
    if not direct:
        return []
    parents = defaultdict(set)
    for parent, child, _, _ in _component_edges():
        parents[child].add(parent)
    affected = sorted(_ancestors(parents, direct))
    graph = load_graph(affected)
    old_memo, new_memo = {}, {}  # compositions, per product (the packaging flag may differ)
    overrides = {product.pk: before}
    records = []
    for pk in affected:
        old = declare(graph, pk, overrides=overrides, _memo=old_memo)
        new = declare(graph, pk, _memo=new_memo)
        for line in _changes(product.name, old, new):
            records.append(DeclarationChange(finished_product_id=pk, raw_product=product, change=line[:500], user=user))
    if records:
        DeclarationChange.objects.bulk_create(records)
    return records


@transaction.atomic
def declaration_changes_acknowledge(*, product: FinishedProduct, user=None) -> int:
    """Mark the product's open declaration changes as seen (new labels printed): how many were open."""
    lock_items(FinishedProduct, [product.pk])
    return DeclarationChange.objects.filter(finished_product=product, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )


# --- Labels -----------------------------------------------------------------------------------------------


def lot_declaration_record(lot: Lot) -> LotDeclaration:
    """Keep with a just-made finished lot the declaration of its product as it is now, with the product's
    name, unit and net weight: its label prints that, whatever later edits change (SPEC E)."""
    product = FinishedProduct.objects.get(pk=lot.item_id)
    declaration = finished_product_declaration(product)
    grams = unit_grams(product)
    # What a label prints, without the records' ids (the lot names its product; ids mean nothing on paper).
    declaration["missing"] = [
        {key: value for key, value in entry.items() if key != "id"} for entry in declaration["missing"]
    ]
    declaration["product"] = {
        "name": product.name,
        "unit_of_measure": product.unit_of_measure,
        "net_weight_g": float(grams) if grams is not None else None,
        "yield_percent": float(product.yield_percent),
    }
    return LotDeclaration.objects.create(lot=lot, declaration=declaration)


def lot_label(lot: Lot) -> dict:
    """The declaration kept with a finished lot; Conflict (409) saying why when there is none."""
    if lot.item_type != Lot.ItemType.FINISHED_PRODUCT:
        raise Conflict(f"Lot {lot.code} is a raw material's lot: labels are printed for finished lots")
    record = LotDeclaration.objects.filter(lot=lot).first()
    if record is None:
        raise Conflict(
            f"Lot {lot.code} has no declaration kept with it: it was not made by a production run since "
            "declarations are recorded (opening stock, an adjustment, or made before). Its product's current "
            f"declaration is at /api/v1/finished-products/{lot.item_id}/declaration"
        )
    return record.declaration
