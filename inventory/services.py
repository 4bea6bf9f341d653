"""Every change of a stocked quantity goes through `stock_change`: lock, check, write, record."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Model, Sum
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from inventory.lots.moves import MANUAL, DrawPolicy, NewLot, allocate, create_lot, lock_lot, lot_fields
from inventory.measures import check_line, check_product_lines, check_unit
from inventory.models import (
    DECLARATION_FIELDS,
    NUTRIENT_PARTS,
    NUTRIENTS,
    FinishedProduct,
    FinishedProductConversion,
    Lot,
    RawProduct,
    RawProductConversion,
    StockMovement,
    Supplier,
    SupplierRawProduct,
    UnitConversion,
    allergen_list,
)
from inventory.units import Equivalence, InvalidEquivalence, UnitError, convert
from stocky.kit.errors import DomainError, InsufficientStock, InvalidInput, NotFound, Shortage, plain
from stocky.kit.inserts import insert_objects, insert_rows, update_objects

Reason = StockMovement.Reason


def _kind_of(model):
    kind = getattr(model, "STOCK_LEDGER", None)
    if kind is None:
        raise TypeError(f"{model.__name__} does not declare STOCK_LEDGER; it cannot move stock")
    return kind


def lock_items(model: type[Model], pks: Iterable[int]) -> dict[int, Model]:
    """Lock the rows of `model` with these pks, always in pk order so that two movers never deadlock."""
    return {item.pk: item for item in model.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


@transaction.atomic
def stock_change(
    *,
    item: Model,
    delta: Decimal | int | str,
    reason: str,
    user: User | None = None,
    source: Model | None = None,
    note: str = "",
    lot: Lot | None = None,
    new_lot: NewLot | None = None,
    policy: DrawPolicy | None = None,
) -> StockMovement:
    """Add `delta` (negative to take) to a stocked item's quantity and append a ledger entry.

    Locks the item's row (callers that move several items lock them first with `lock_items`, in pk
    order), re-checks the quantity after locking, writes the exact new quantity, and raises
    `InsufficientStock` (nothing changed) when the result would fall below zero. `source` is the
    document that caused the movement (any model instance). Returns the ledger entry (the last one when
    a draw spans several lots); `item` is refreshed in place.

    A raw or finished product's lots move in the same transaction (SPEC section D): an addition goes to
    `lot` when given, else to a new lot described by `new_lot` (inventory.lots.moves.NewLot; default: an
    `adjustment` lot); a withdrawal comes from `lot` when given, else is drawn first-expiry-first-out as
    `policy` allows (default: any lot, on-hold ones last). One ledger entry per lot moved.
    """
    model = type(item)
    kind = _kind_of(model)
    delta = Decimal(delta)
    on_hand = model.objects.select_for_update().values_list(kind.quantity_field, flat=True).get(pk=item.pk)
    _check_change(item, kind, on_hand, delta)
    if not kind.lots or not delta:
        return _move(item, kind, on_hand, delta, reason=reason, user=user, source=source, note=note)
    setattr(item, kind.quantity_field, on_hand)
    fresh = None
    if delta > 0:
        if lot is None:
            # A new lot is written with its quantity: nothing more to add to it below.
            fresh = create_lot(item, delta, new_lot or NewLot(source_type=_lot_source(source)))
            parts = [(fresh, delta)]
        else:
            parts = [(lock_lot(item, lot.pk), delta)]
    elif lot is not None:
        locked = lock_lot(item, lot.pk)
        if locked.quantity < -delta:
            message = f"Lot {locked.code} of '{item.name}' holds {locked.quantity}, {abs(delta)} to take"
            unit = getattr(item, kind.unit_field, "") if kind.unit_field else ""
            shortage = Shortage(kind.item_type, item.pk, item.name, abs(delta), locked.quantity, unit)
            raise InsufficientStock([shortage], message=message)
        parts = [(locked, delta)]
    else:
        parts = [(part, -taken) for part, taken in allocate(item, -delta, policy=policy or MANUAL).parts]
    entries = _write_lot_moves(
        type(item), [(item, parts)], fresh=fresh, reason=reason, user=user, source=source, note=note
    )
    return entries[-1]


@transaction.atomic
def stock_draw_lots(
    *,
    model: type[Model],
    draws: list,
    reason: str,
    user: User | None = None,
    source: Model | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Take what `draws` ([(item, [(lot, quantity)])], items of `model`) says from each lot, in a few statements
    whatever the number of items and lots: one for the lots, one for the items, one for the ledger (one entry
    per lot). For a service that draws several items at once (a production run).

    The caller has locked the items (raw products, then finished products, pk order), then their lots, and
    chose the lots under those locks (`inventory.lots.moves.allocate`); each item's quantity field holds its
    locked figure. InsufficientStock (nothing written) if a lot or an item would go below zero.
    """
    kind = _kind_of(model)
    moves = []
    for item, parts in draws:
        if not parts:  # nothing to take (a line of 0 after rounding): the item does not move
            continue
        for lot, quantity in parts:
            if lot.quantity < quantity:
                unit = getattr(item, kind.unit_field, "") if kind.unit_field else ""
                shortage = Shortage(kind.item_type, item.pk, item.name, quantity, lot.quantity, unit)
                raise InsufficientStock([shortage], message=f"Lot {lot.code} of '{item.name}' holds {lot.quantity}")
        total = sum((quantity for _, quantity in parts), Decimal(0))
        _check_change(item, kind, getattr(item, kind.quantity_field), -total)
        moves.append((item, [(lot, -quantity) for lot, quantity in parts]))
    return _write_lot_moves(model, moves, reason=reason, user=user, source=source, note=note)


def _write_lot_moves(model, moves, *, fresh=None, reason, user=None, source=None, note=""):
    """Write `moves` ([(item, [(lot, change)])]: items and lots locked and checked) and return the ledger
    entries: the lots (but `fresh`, created with its quantity) and the items each in one UPDATE, then the
    ledger in one INSERT (stock rows before the rows that reference them: PERFORMANCE.md)."""
    kind = _kind_of(model)
    now = timezone.now()
    stamped = any(field.name == "updated_at" for field in model._meta.concrete_fields)
    lots, items, entries = [], [], []
    for item, parts in moves:
        balance = getattr(item, kind.quantity_field)
        for lot, change in parts:
            if lot is not fresh:
                lot.quantity += change
                lots.append(lot)
            balance += change
            entries.append(
                _ledger_row(
                    item,
                    kind,
                    change,
                    balance,
                    reason=reason,
                    user=user,
                    source=source,
                    note=_lot_note(lot, change, note),
                    lot=lot,
                )
            )
        # The rows are locked, so writing the figures computed here is as safe as `F() + delta`, and exact
        # (SQLite keeps decimals as binary floats); `updated_at` too: update() skips auto_now.
        setattr(item, kind.quantity_field, balance)
        if stamped:
            item.updated_at = now
        items.append(item)
    update_objects(Lot, lots, ["quantity"])
    update_objects(model, items, [kind.quantity_field, *(["updated_at"] if stamped else [])])
    return StockMovement.objects.bulk_create(entries)


def _move(item, kind, on_hand, delta, *, lot=None, **entry):
    balance = on_hand + delta
    if delta:
        # The row is locked, so writing the balance computed here is as safe as `F() + delta`, and exact:
        # SQLite keeps decimals as binary floats, where 0.7 - 0.4 - 0.3 falls below 0 and fails the CHECK.
        # `updated_at` too: a list sorted by it shows what moved last (update() skips auto_now).
        model = type(item)
        changed = {kind.quantity_field: balance}
        if any(field.name == "updated_at" for field in model._meta.concrete_fields):
            changed["updated_at"] = timezone.now()
        model.objects.filter(pk=item.pk).update(**changed)
        vars(item).update(changed)
    setattr(item, kind.quantity_field, balance)
    return _ledger_entry(item, kind, delta, balance, lot=lot, **entry)


def _lot_source(source):
    """The source type of a lot that `source` (a document, or None) makes."""
    name = source._meta.model_name if source is not None else ""
    return name if name in Lot.Source.values else Lot.Source.ADJUSTMENT


def _lot_note(lot, change, note):
    """The ledger says when a draw took a lot past its best-before date (SPEC D): allowed, but noted."""
    if change < 0 and lot.best_before is not None and lot.best_before < timezone.localdate():
        past = f"lot {lot.code} past its best-before date ({lot.best_before.isoformat()})"
        return f"{note}; {past}" if note else past
    return note


@transaction.atomic
def stock_return(*, item, source, reason=None, user=None, note=""):
    """Reverse what `source` (a document) moved of `item`, lot by lot, as its ledger entries say: a shipment
    going back to its lots, a receipt taken back from its lot. InsufficientStock (nothing changed) when a
    lot no longer holds what is to be taken back. Returns the total reversed (0 when nothing had moved)."""
    lock_items(type(item), [item.pk])
    kind = _kind_of(type(item))
    rows = (
        StockMovement.objects.filter(
            source_type=source._meta.model_name, source_id=source.pk, item_type=kind.item_type, item_id=item.pk
        )
        .values_list("lot_id")
        .annotate(total=Sum("change"))
        .order_by("lot_id")
    )
    # SQLite sums decimals in binary floats; the ledger's changes have 3 places, so their sums have too.
    moved = [(lot_id, Decimal(total or 0).quantize(Decimal("0.001"))) for lot_id, total in rows]
    reversed_total = Decimal(0)
    for lot_id, total in moved:
        if not total:
            continue
        stock_change(
            item=item,
            delta=-total,
            reason=reason or Reason.CORRECTION,
            user=user,
            source=source,
            note=note,
            lot=Lot(pk=lot_id) if lot_id is not None else None,
        )
        reversed_total += total
    return reversed_total


def _check_change(item, kind, on_hand, delta):
    """InsufficientStock below zero, InvalidInput past what the column holds."""
    if on_hand + delta < 0:
        unit = getattr(item, kind.unit_field, "") if kind.unit_field else ""
        raise InsufficientStock([Shortage(kind.item_type, item.pk, item.name, abs(delta), on_hand, unit)])
    # MariaDB refuses a value wider than the column, but SQLite stores it and then fails to read it back.
    field = type(item)._meta.get_field(kind.quantity_field)
    ceiling = Decimal(10) ** (field.max_digits - field.decimal_places)
    if on_hand + delta >= ceiling:
        message = f"The quantity of '{item.name}' cannot reach {ceiling}"
        raise InvalidInput(message, errors={"quantity": [message]})


def _ledger_entry(item, kind, delta, balance, **entry):
    entry = _ledger_row(item, kind, delta, balance, **entry)
    entry.save()
    return entry


def _ledger_row(item, kind, delta, balance, *, reason, user=None, source=None, note="", lot=None):
    return StockMovement(
        lot=lot,
        user=_ledger_user(user),
        **_ledger_fields(item, kind, delta, balance, reason=reason, source=source, note=note),
    )


def _ledger_fields(item, kind, delta, balance, *, reason, source=None, note=""):
    """What a ledger entry says of a move but its lot and user, {attname: value}."""
    return {
        "item_type": kind.item_type,
        "item_id": item.pk,
        "item_name": item.name,
        "change": delta,
        "balance_after": balance,
        "unit_of_measure": getattr(item, kind.unit_field, "") if kind.unit_field else "",
        "reason": reason,
        "source_type": source._meta.model_name if source is not None else "",
        "source_id": source.pk if source is not None else None,
        "note": note[:255],
    }


def _ledger_user(user):
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def stock_set(
    *,
    item: Model,
    quantity: Decimal | int | str,
    reason: str = Reason.ADJUSTMENT,
    user: User | None = None,
    source: Model | None = None,
    note: str = "",
) -> StockMovement:
    """Set an item's quantity to an absolute value, recorded in the ledger as the difference."""
    model = type(item)
    kind = _kind_of(model)
    on_hand = model.objects.select_for_update().values_list(kind.quantity_field, flat=True).get(pk=item.pk)
    return stock_change(
        item=item, delta=Decimal(quantity) - on_hand, reason=reason, user=user, source=source, note=note
    )


# --- Raw and finished products (SPEC section A) -------------------------------------------------------
# Their stock moves only through the ledger: a create with stock records an `initial` movement, an update
# that changes `stock_quantity` an `adjustment` by the caller. Their unit is the stock unit of every line
# that names them (inventory.measures), so it changes only while those lines still convert.


def stock_check_initial(*, item: Model) -> None:
    """Refuse a new stocked item's starting quantity as stock_change would (below zero, past the column),
    before anything is written."""
    kind = _kind_of(type(item))
    _check_change(item, kind, Decimal(0), Decimal(getattr(item, kind.quantity_field) or 0))


def stock_record_initial(*, item: Model, user: User | None = None, note: str = "") -> None:
    """Enter a just-saved stocked item's starting quantity in the ledger as `initial` (nothing when zero).

    The row is this transaction's own, invisible to any other until it commits: nothing to lock or read
    back (stock_change would take a savepoint, a locking read and an update for that).
    """
    stock_record_initial_many(items=[item], user=user, note=note)


def stock_record_initial_many(*, items: list[Model], user: User | None = None, note: str = "") -> None:
    """`stock_record_initial` for many just-saved items of one model, in two inserts whatever their number
    (their opening lots, then their ledger entries), written as rows of values rather than model instances:
    what an import of thousands of products writes."""
    if not items:
        return
    kind = _kind_of(type(items[0]))
    stocked = [item for item in items if Decimal(getattr(item, kind.quantity_field) or 0)]
    lot_ids = [None] * len(stocked)
    if kind.lots and stocked:
        # A new item's starting stock is its opening lot (as the upgrade's, and import_stocky's rows).
        opening = NewLot(source_type=Lot.Source.OPENING)
        today = timezone.localdate()
        lots = [
            lot_fields(item, Decimal(getattr(item, kind.quantity_field)), opening, new_item=True, today=today)
            for item in stocked
        ]
        supplier_id = opening.supplier.pk if opening.supplier is not None else None
        lot_ids = insert_rows(Lot, [lot | {"supplier_id": supplier_id} for lot in lots])
    user = _ledger_user(user)
    user_id = user.pk if user is not None else None
    entries = []
    for item, lot_id in zip(stocked, lot_ids, strict=True):
        quantity = Decimal(getattr(item, kind.quantity_field))
        fields = _ledger_fields(item, kind, quantity, quantity, reason=Reason.INITIAL, note=note)
        entries.append(fields | {"lot_id": lot_id, "user_id": user_id})
    insert_rows(StockMovement, entries)


def _stocked_product_create(model, *, user, note="", stock_quantity=0, check=None, **fields):
    (product,) = stocked_products_create_many(
        model, rows=[fields | {"stock_quantity": stock_quantity}], user=user, note=note, check=check
    )
    if isinstance(product, Exception):
        raise product
    return product


def stocked_products_create_many(model, *, rows: list[dict], user=None, note="", check=None) -> list:
    """Raw or finished products created from `rows` (their fields), each by the rules of a create: `check`
    (fields -> None, raising a DomainError: the model's own rules), its starting quantity checked
    (stock_check_initial), then entered in the ledger as `initial` with its opening lot. Returns, per row,
    the saved product or the DomainError that refused it (nothing written for that row): an import reports
    each refused row and writes the others in a few statements."""
    results, good = [], []
    for fields in rows:
        fields = dict(fields)
        quantity = Decimal(fields.pop("stock_quantity", 0) or 0)
        try:
            if check is not None:
                check(fields)  # may normalise the fields (an allergen list in the regulation's order)
            product = model(**fields, stock_quantity=quantity)
            stock_check_initial(item=product)
        except DomainError as exc:
            results.append(exc)
            continue
        results.append(product)
        good.append(product)
    if len(good) == 1:
        good[0].save(force_insert=True)
    else:
        insert_objects(model, good)
    stock_record_initial_many(items=good, user=user, note=note)
    return results


def _stocked_product_update(product, *, user, note, check_units=True, stock_quantity=None, **fields):
    locked = lock_items(type(product), [product.pk]).get(product.pk)
    if locked is None:
        raise NotFound(f"'{product}' no longer exists")
    unit = fields.get("unit_of_measure")
    if check_units and unit is not None and check_unit(unit) != locked.unit_of_measure:
        # Stock figures are not rescaled: the lines' quantities are, at use, through their own unit.
        check_product_lines(product, unit=check_unit(unit))
    for name, value in fields.items():
        setattr(product, name, value)
    # Never `stock_quantity` here: it moves only through the ledger, below.
    product.save(update_fields=[*fields, "updated_at"])
    product.stock_quantity = locked.stock_quantity
    if stock_quantity is not None and Decimal(stock_quantity) != locked.stock_quantity:
        stock_set(item=product, quantity=stock_quantity, reason=Reason.ADJUSTMENT, user=user, note=note)
    return product


# Sent inside raw_product_update's transaction when what a label declares of the material changed
# (allergens, may-contain, label name, nutrition): `product` (saved), `before` ({field: old value}), `user`.
# Production, which knows the recipes, marks every finished product whose declaration it changes
# (production.declaration); inventory knows nothing of recipes, so it only says what changed.
raw_product_declaration_changed = Signal()


def _check_declaration(fields, current=None):
    """Normalise and check the declaration fields of a raw product about to be saved with `fields` (over
    `current`, its locked record, on an update): allergen codes known (each once, Annex order), figures in
    range, a part (saturates, sugars) not above its whole (fat, carbohydrate). InvalidInput naming the field."""
    errors = {}
    for name in ("allergens", "may_contain"):
        if name in fields:
            try:
                fields[name] = allergen_list(fields[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
    if fields.get("label_name") is None and "label_name" in fields:
        fields["label_name"] = ""

    def figure(name):
        return fields[name] if name in fields else getattr(current, name, None)

    for name, label, unit, most in NUTRIENTS:
        value = fields.get(name)
        if value is not None and not Decimal(0) <= Decimal(value) <= most:
            errors[name] = [f"{label} must be between 0 and {most} {unit} per 100 g, not {plain(value)}"]
    for part, whole in NUTRIENT_PARTS:
        if part in errors or whole in errors:
            continue
        part_value, whole_value = figure(part), figure(whole)
        if part_value is not None and whole_value is not None and Decimal(part_value) > Decimal(whole_value):
            errors[part] = [
                f"{part.capitalize()} ({plain(part_value)} g) cannot exceed {whole} ({plain(whole_value)} g) per 100 g"
            ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)


@transaction.atomic
def raw_product_create(*, user: User | None = None, note: str = "", **fields) -> RawProduct:
    """A new raw product; its starting stock enters the ledger as `initial` (with `note`). Its allergens and
    nutrition are checked (_check_declaration)."""
    return _stocked_product_create(RawProduct, user=user, note=note, check=_check_declaration, **fields)


def raw_products_create_many(*, rows: list[dict], user: User | None = None, note: str = "") -> list:
    """Many raw products as raw_product_create makes one (see stocked_products_create_many), their allergens
    and nutrition checked alike (_check_declaration)."""
    return stocked_products_create_many(RawProduct, rows=rows, user=user, note=note, check=_check_declaration)


@transaction.atomic
def raw_product_update(
    *, product: RawProduct, user: User | None = None, note: str = "", check_units: bool = True, **fields
) -> RawProduct:
    """Update a raw product: a new `stock_quantity` is a manual adjustment by `user`; a new unit must keep
    every price-list row, recipe item and purchase order convertible (InvalidInput otherwise). A caller that
    saves equivalences or lines with it (the admin) passes `check_units=False` and calls
    product_units_check once everything is saved.

    A change of what a label declares (allergens, may-contain, label name, nutrition) is announced with
    `raw_product_declaration_changed`, in the same transaction, so that production marks the finished
    products whose declaration it changes."""
    current = RawProduct.objects.select_for_update().filter(pk=product.pk).first()
    if current is None:
        raise NotFound(f"'{product}' no longer exists")
    _check_declaration(fields, current)
    before = {
        name: getattr(current, name)
        for name in DECLARATION_FIELDS
        if name in fields and _differs(getattr(current, name), fields[name])
    }
    product = _stocked_product_update(product, user=user, note=note, check_units=check_units, **fields)
    if before:
        raw_product_declaration_changed.send(sender=RawProduct, product=product, before=before, user=user)
    return product


def _differs(old, new):
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is not new
        return Decimal(old) != Decimal(new)
    return old != new


@transaction.atomic
def finished_product_create(*, user: User | None = None, note: str = "", **fields) -> FinishedProduct:
    """A new finished product; its starting stock enters the ledger as `initial` (with `note`)."""
    return _stocked_product_create(FinishedProduct, user=user, note=note, **fields)


def finished_products_create_many(*, rows: list[dict], user: User | None = None, note: str = "") -> list:
    """Many finished products as finished_product_create makes one (see stocked_products_create_many)."""
    return stocked_products_create_many(FinishedProduct, rows=rows, user=user, note=note)


@transaction.atomic
def finished_product_update(
    *, product: FinishedProduct, user: User | None = None, note: str = "", check_units: bool = True, **fields
) -> FinishedProduct:
    """Update a finished product, as raw_product_update (its lines: sales orders and production plans)."""
    return _stocked_product_update(product, user=user, note=note, check_units=check_units, **fields)


# product model -> (its conversion model, the conversion's foreign key to it)
CONVERSION_MODELS = {
    RawProduct: (RawProductConversion, "raw_product"),
    FinishedProduct: (FinishedProductConversion, "finished_product"),
}


def check_equivalences(equivalences: list[Equivalence], *, field: str = "conversions") -> None:
    """InvalidInput unless the equivalences agree with one another (two for the same kinds must agree)."""
    units = sorted({unit for equivalence in equivalences for unit in (equivalence.unit_a, equivalence.unit_b)})
    for first in units:
        for second in units:
            try:
                convert(1, first, second, conversions=equivalences)
            except InvalidEquivalence as exc:
                raise InvalidInput(str(exc), errors={field: [str(exc)]}) from None
            except UnitError:
                pass  # no bridge between these two: not a disagreement


@transaction.atomic
def product_conversions_replace(
    *, product: RawProduct | FinishedProduct, conversions: list[Equivalence]
) -> list[UnitConversion]:
    """Replace a raw or finished product's equivalences with `conversions` (a list of Equivalence).

    Refused (InvalidInput on `conversions`) when they disagree, or when a line of the product would no
    longer convert to its stock unit. Returns the new conversion rows.
    """
    lock_items(type(product), [product.pk])
    conversions = list(conversions)
    check_equivalences(conversions)
    check_product_lines(product, conversions=conversions, field="conversions")
    model, link = CONVERSION_MODELS[type(product)]
    model.objects.filter(**{link: product}).delete()
    return model.objects.bulk_create(
        model(
            **{link: product},
            quantity_a=equivalence.quantity_a,
            unit_a=equivalence.unit_a,
            quantity_b=equivalence.quantity_b,
            unit_b=equivalence.unit_b,
        )
        for equivalence in conversions
    )


@transaction.atomic
def product_units_check(*, product: RawProduct | FinishedProduct) -> None:
    """Re-check a product saved with its equivalences and lines (the admin's page): InvalidInput if they
    disagree or a line no longer converts."""
    check_equivalences([conversion.as_equivalence() for conversion in product.conversions.all()])
    check_product_lines(product)


# --- Lines: records whose unit must convert to one product's stock unit (inventory.measures) -----------
# A line and a change of its product's unit race unless both lock the product: each line service locks it
# first, then checks the unit against what it locked. Orders and plans are lines with rules of their own
# (orders.services, production.services); the plain ones go through line_create / line_update. Every write
# service takes the acting `user`, as those that record the ledger do, so that every caller (the API, the
# admin, an import) calls them alike.


def _locked_product(product):
    locked = lock_items(type(product), [product.pk]).get(product.pk)
    if locked is None:
        raise NotFound(f"'{product}' no longer exists")
    return locked


def _locked_line(line):
    locked = type(line).objects.select_for_update().filter(pk=line.pk).first()
    if locked is None:
        raise NotFound(f"The {type(line)._meta.verbose_name} {line.pk} no longer exists")
    return locked


@transaction.atomic
def line_create(*, model: type[Model], **fields) -> Model:
    """A new line of `model` (which declares UNIT_PRODUCT): lock its product, check that the unit converts
    to the product's stock unit (InvalidInput on `unit_of_measure`), save. Returns the saved line."""
    field = model.UNIT_PRODUCT
    fields[field] = _locked_product(fields[field])
    line = model(**fields)
    check_line(line)
    line.save()
    return line


def line_create_many(*, model: type[Model], rows: list[dict]) -> list:
    """`line_create` for many lines of `model` at once: their products locked in one query (pk order, with
    their equivalences), each line's unit checked (check_line, the rule of a single create), the valid ones
    inserted together. Returns, per row, the saved line or the InvalidInput that refused it (nothing
    written for that row)."""
    field = model.UNIT_PRODUCT
    product_model = model._meta.get_field(field).related_model
    wanted = {fields[field].pk for fields in rows}
    # What check_line reads of a product (its name and stock unit), as locked, given to the rows' own product
    # objects: most of a big price list's time went in building whole products again (JSON, dates decoded).
    locked = product_model.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    current = {pk: (name, unit) for pk, name, unit in locked.values_list("pk", "name", "unit_of_measure")}
    products = {}
    for fields in rows:
        product = fields[field]
        if product.pk in current:
            product.name, product.unit_of_measure = current[product.pk]
            products[product.pk] = product
    # Their equivalences in one query, grouped here: prefetch_related would build a queryset per product.
    conversion_model, link = CONVERSION_MODELS[product_model]
    conversions = {pk: [] for pk in products}
    for conversion in conversion_model.objects.filter(**{f"{link}_id__in": products}):
        conversions[getattr(conversion, f"{link}_id")].append(conversion.as_equivalence())
    results, good = [], []
    for fields in rows:
        product = products.get(fields[field].pk)
        if product is None:
            results.append(NotFound(f"'{fields[field]}' no longer exists"))
            continue
        line = model(**{**fields, field: product})
        try:
            check_line(line, conversions=conversions[product.pk])
        except DomainError as exc:
            results.append(exc)
            continue
        results.append(line)
        good.append(line)
    insert_objects(model, good)
    return results


@transaction.atomic
def line_update(*, line: Model, **fields) -> Model:
    """Change a line: lock its product (and the new one, if it changes; pk order), then the line, re-check the
    unit when the unit or the product changes, save. Returns the locked, saved line."""
    model, field = type(line), type(line).UNIT_PRODUCT
    product_id = model.objects.filter(pk=line.pk).values_list(f"{field}_id", flat=True).first()
    if product_id is None:
        raise NotFound(f"The {model._meta.verbose_name} {line.pk} no longer exists")
    product_model = model._meta.get_field(field).related_model
    new = fields.get(field)
    products = lock_items(product_model, {product_id, *([new.pk] if new is not None else [])})
    locked = _locked_line(line)
    for name, value in fields.items():
        setattr(locked, name, value)
    product = products.get(getattr(locked, f"{field}_id"))
    if product is None:  # its product changed between the two reads
        product = _locked_product(getattr(locked, field))
    setattr(locked, field, product)
    if field in fields or "unit_of_measure" in fields:
        check_line(locked)
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


@transaction.atomic
def line_delete(*, line: Model) -> None:
    """Delete a line (no rule forbids it; the lock keeps it from vanishing under a concurrent update)."""
    _locked_line(line).delete()


def supplier_raw_product_create(
    *,
    supplier: Supplier,
    raw_product: RawProduct,
    unit_price: Decimal,
    unit_of_measure: str,
    user: User | None = None,
    **fields,
) -> SupplierRawProduct:
    """A new line of a supplier's price list; its unit must convert to the material's stock unit."""
    return line_create(
        model=SupplierRawProduct,
        supplier=supplier,
        raw_product=raw_product,
        unit_price=unit_price,
        unit_of_measure=unit_of_measure,
        **fields,
    )


def supplier_raw_products_create_many(*, rows: list[dict], user: User | None = None) -> list:
    """Many price-list lines as supplier_raw_product_create makes one (see line_create_many)."""
    return line_create_many(model=SupplierRawProduct, rows=rows)


def supplier_raw_product_update(*, line: SupplierRawProduct, user: User | None = None, **fields) -> SupplierRawProduct:
    """Change a price-list line (price, unit), its unit re-checked against the locked material."""
    return line_update(line=line, **fields)


def supplier_raw_product_delete(*, line: SupplierRawProduct, user: User | None = None) -> None:
    line_delete(line=line)
