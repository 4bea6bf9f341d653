"""Units applied to the records: a line's quantity in its product's stock unit, and the checks that keep every
line convertible.

`inventory.units` knows units; this module knows which unit a record's quantity must convert to. A *line* is
a record whose `unit_of_measure` must convert to the stock unit of one product: its model names that product's
foreign key in `UNIT_PRODUCT` (price-list rows, recipe items and purchase orders name their raw product; sales
orders and production plans their finished product). A product's own equivalences (`product.conversions`)
bridge kinds of unit (1 kg of lemons = 400 ml of juice).

Every unit error becomes `InvalidInput` (400) on the field at fault, `unit_of_measure` unless told otherwise.
"""

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal

from inventory.units import IncompatibleUnits, UnitError, convert, normalize_unit
from stocky.kit.errors import InvalidInput

QUANTUM = Decimal("0.001")  # stock columns hold 3 decimal places
CENT = Decimal("0.01")
# Rounding never fails for want of digits, however large a product of conversions grows: the columns' own
# bounds refuse such figures later, with a 400 (inventory.services.stock_change).
_WIDE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def quantize_quantity(value):
    """A computed quantity as stock holds it: 3 decimal places, halves rounded up."""
    return Decimal(value).quantize(QUANTUM, rounding=ROUND_HALF_UP, context=_WIDE)


def quantize_money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)


def equivalences(product):
    """The product's own equivalences (uses prefetched `conversions` when there are some)."""
    return tuple(conversion.as_equivalence() for conversion in product.conversions.all())


def _convert(product, quantity, unit, stock_unit, conversions):
    """`convert`, reading the product's own equivalences (a query) only when the units are of different kinds:
    within a kind they are never consulted (inventory.units), and most lines are in a unit of their stock's kind."""
    if conversions is None:
        try:
            return convert(quantity, unit, stock_unit)
        except IncompatibleUnits:
            conversions = equivalences(product)
    return convert(quantity, unit, stock_unit, conversions=tuple(conversions))


def unit_problem(product, unit, *, stock_unit=None, conversions=None):
    """Why `unit` cannot express quantities of `product` (its stock unit, or `stock_unit`), or None if it can."""
    stock_unit = stock_unit or product.unit_of_measure
    try:
        _convert(product, 1, unit, stock_unit, conversions)
    except UnitError as exc:
        return f"'{unit}' does not convert to {stock_unit}, the stock unit of '{product.name}': {exc}"
    return None


def to_stock_unit(product, quantity, unit, *, conversions=None, field="unit_of_measure", what=""):
    """`quantity` of `unit` in the product's stock unit, exactly (callers quantize what they store).

    `what` names the record for the message ("Recipe item 'Flour'"); InvalidInput on `field` if it cannot.
    """
    try:
        return _convert(product, quantity, unit, product.unit_of_measure, conversions)
    except UnitError as exc:
        prefix = f"{what}: " if what else ""
        message = f"{prefix}'{unit}' does not convert to {product.unit_of_measure} ('{product.name}'): {exc}"
        raise InvalidInput(message, errors={field: [message]}) from None


def check_unit(unit, *, field="unit_of_measure"):
    """The canonical symbol of `unit`, or InvalidInput on `field`."""
    try:
        return normalize_unit(unit)
    except (UnitError, TypeError) as exc:
        raise InvalidInput(str(exc), errors={field: [str(exc)]}) from None


def check_line(line, *, field="unit_of_measure", conversions=None):
    """InvalidInput on `field` unless the line's unit converts to its product's stock unit.

    The message reads as the API's answer to a field the serializer refuses ("Invalid input: field: why"):
    the rule lived in the serializers before it moved into the services, and the answer stayed the same.
    `conversions`: the product's equivalences when the caller has read them already (None: read if needed).
    """
    product = getattr(line, line.UNIT_PRODUCT)
    problem = unit_problem(product, line.unit_of_measure, conversions=conversions)
    if problem:
        raise InvalidInput(f"Invalid input: {field}: {problem}", errors={field: [problem]})


def line_relations(product_model):
    """The reverse relations of a product model that lead to its lines: [(accessor name, line model)]."""
    return [
        (relation.get_accessor_name(), relation.related_model)
        for relation in product_model._meta.related_objects
        if getattr(relation.related_model, "UNIT_PRODUCT", None) == relation.field.name
    ]


def unconvertible_lines(product, *, unit=None, conversions=None):
    """What would stop converting if `product` had stock unit `unit` and these equivalences.

    One message per line model and unit, e.g. "recipe item in ml: ids 4, 9". One query per kind of line.
    """
    if product.pk is None:
        return []
    unit = unit or product.unit_of_measure
    conversions = equivalences(product) if conversions is None else tuple(conversions)
    problems = []
    for accessor, model in line_relations(type(product)):
        by_unit = {}
        for pk, line_unit in getattr(product, accessor).order_by("pk").values_list("pk", "unit_of_measure"):
            by_unit.setdefault(line_unit, []).append(pk)
        for line_unit, pks in sorted(by_unit.items()):
            if unit_problem(product, line_unit, stock_unit=unit, conversions=conversions) is None:
                continue
            shown = ", ".join(str(pk) for pk in pks[:10]) + (", ..." if len(pks) > 10 else "")
            problems.append(f"{model._meta.verbose_name} in {line_unit}: ids {shown}")
    return problems


def check_product_lines(product, *, unit=None, conversions=None, field="unit_of_measure"):
    """InvalidInput on `field` when a line of the product would no longer convert to its stock unit."""
    unit = unit or product.unit_of_measure
    problems = unconvertible_lines(product, unit=unit, conversions=conversions)
    if problems:
        message = (
            f"These records of '{product.name}' would no longer convert to {unit}: {'; '.join(problems)}. "
            "Change their unit, or give the product an equivalence between the two kinds of unit."
        )
        raise InvalidInput(message, errors={field: [message]})
