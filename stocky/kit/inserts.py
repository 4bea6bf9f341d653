"""Inserting many new rows of one model in a few statements, each object getting its id; and updating a few
columns of many rows in one statement (update_objects).

What `QuerySet.bulk_create` does, for the plain case that imports need (no conflicts, no parents, concrete
fields only), without its per-value SQL compilation: Django compiles a placeholder and a prepared value per
field per object through its generic compiler, about 100 µs a row of ten fields, more than the database
spends storing it. Here each value is still prepared by its own field (`pre_save`: auto_now_add, a unit's
canonical symbol; `get_db_prep_save`: the backend's adaptation), and the statement is one string per batch.
"""

import datetime
import itertools
from contextlib import nullcontext
from decimal import Decimal
from types import SimpleNamespace

from django.db import connections, router
from django.db.models import DateField, DateTimeField, Field
from django.utils import timezone

from stocky.kit import versions

BATCH = 500  # rows per INSERT: under SQLite's 32,766 parameters and MariaDB's packet size for our tables
# Several rows stamp their table's version once, at the end (MariaDB; versions.stamped_once), rather than once
# per row by the trigger: three statements in all instead of one per row. A single row keeps its trigger's
# stamp and its one statement (the services' creates). The queries of an import's chunk stay the same
# whatever its number of rows.
STAMP_ONCE_FROM = 2


def insert_objects(model, objects, *, using=None):
    """INSERT `objects` (new instances of `model`) and set each one's pk (given pks are kept)."""
    if not objects:
        return objects
    using = using or router.db_for_write(model)
    meta = model._meta
    if any(getattr(f, "generated", False) or f.has_db_default() for f in meta.concrete_fields):
        # Columns the database computes or defaults: Django's own bulk_create knows them.
        return model._default_manager.using(using).bulk_create(objects, batch_size=BATCH)
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="insert")
    now = _Now()
    with _stamping(meta, len(objects), using):
        # In the objects' order, so that the ids the database gives follow it (as one save() after another),
        # each run of objects with or without a pk in statements of its own.
        for has_pk, run in itertools.groupby(objects, key=lambda obj: obj.pk is not None):
            run = list(run)
            fields = _fields(meta, has_pk)
            columns = [_object_values(field, run, now) for field in fields]
            pks = _insert(connections[using], meta, fields, columns, has_pk)
            if not has_pk:
                for obj, pk in zip(run, pks, strict=True):
                    obj.pk = pk
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return objects


def insert_rows(model, rows, *, using=None):
    """INSERT `rows` ({attname: value} of new records of `model`, without pk: a field left out takes its
    default) and return their new ids, in order. What insert_objects stores for the same values, without
    building a model instance per row (for the many rows an import writes beside its records: lots, ledger)."""
    if not rows:
        return []
    using = using or router.db_for_write(model)
    meta = model._meta
    fields = _fields(meta, False)
    if any(getattr(f, "generated", False) or f.has_db_default() for f in fields):
        objects = insert_objects(model, [model(**row) for row in rows], using=using)
        return [obj.pk for obj in objects]
    now = _Now()
    columns = [_row_values(field, rows, now) for field in fields]
    with _stamping(meta, len(rows), using):
        return _insert(connections[using], meta, fields, columns, False)


def _stamping(meta, count, using):
    return versions.stamped_once(meta.db_table, using) if count >= STAMP_ONCE_FROM else nullcontext()


def _fields(meta, has_pk):
    return meta.concrete_fields if has_pk else [f for f in meta.concrete_fields if f is not meta.pk]


class _Now:
    """One "now" for every row of an insert (as one statement's NOW() would be), read when first needed.
    Lists ordered by a timestamp add the id as a tiebreak (stocky.kit.api.StrictOrderingFilter)."""

    def __init__(self):
        self.moment = self.day = None

    def datetime(self):
        if self.moment is None:
            self.moment = timezone.now()
        return self.moment

    def date(self):  # as DateField.pre_save: the server's date
        if self.day is None:
            self.day = datetime.date.today()
        return self.day

    def of(self, field):
        return self.datetime() if isinstance(field, DateTimeField) else self.date()


def _stamped(field):
    """Whether the field's pre_save puts the time of the insert in it (auto_now, auto_now_add)."""
    return isinstance(field, DateField) and (field.auto_now or field.auto_now_add)


def _object_values(field, objects, now):
    """The field's value of each object, as Django's INSERT takes it (`pre_save`, which may set it)."""
    attname = field.attname
    if type(field).pre_save is Field.pre_save:  # no auto_now, no normalising: the attribute as it is
        return [getattr(obj, attname) for obj in objects]
    if _stamped(field):
        value = now.of(field)
        for obj in objects:
            setattr(obj, attname, value)
        return [value] * len(objects)
    return [field.pre_save(obj, True) for obj in objects]


def _row_values(field, rows, now):
    attname = field.attname
    if _stamped(field):
        return [now.of(field)] * len(rows)
    default = field.get_default() if any(attname not in row for row in rows) else None
    values = [row.get(attname, default) for row in rows]
    if type(field).pre_save is not Field.pre_save:  # a field that normalises what it saves (a unit)
        values = [field.pre_save(SimpleNamespace(**{attname: value}), True) for value in values]
    return values


def _insert(connection, meta, fields, columns, has_pk):
    """INSERT the rows whose values `columns` holds (a list per field, in `fields`' order); the new ids in
    order (None when the rows carry their pk)."""
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    pk_field = meta.pk
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    returning = connection.features.can_return_rows_from_bulk_insert
    suffix = f" RETURNING {ops.quote_name(pk_field.column)}" if returning and not has_pk else ""
    # MariaDB (mysqlclient): the driver turns each parameter into an SQL literal on every execute, about a
    # third of an import's insert time; here a value repeated across rows is quoted once, by the driver's own
    # `literal`, and the statement is sent with its values in place (which is what the driver sends anyway).
    connection.ensure_connection()
    literal = connection.connection.literal if connection.vendor == "mysql" and (returning or has_pk) else None
    prepared = [_prepare(field, values, connection, literal) for field, values in zip(fields, columns, strict=True)]
    rows = list(zip(*prepared, strict=True))
    pks = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            if literal is not None:
                values = b", ".join([b"(" + b", ".join(row) + b")" for row in batch]).decode()
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}{suffix}")  # noqa: S608
            elif not has_pk and not returning:
                # No RETURNING on this database: one statement per row, whose id the driver reports.
                single = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
                for row in batch:
                    cursor.execute(single, row)
                    pks.append(ops.last_insert_id(cursor, meta.db_table, pk_field.column))
                continue
            else:
                placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(batch))
                params = [value for row in batch for value in row]
                cursor.execute(f"INSERT INTO {table} ({names}) VALUES {placeholders}{suffix}", params)  # noqa: S608
            if suffix:
                pks += [pk for (pk,) in cursor.fetchall()]
    return None if has_pk else pks


# Values whose preparation depends on the value alone: prepared once per insert, however many rows repeat
# them (a reason, a unit, a note, a lot's code, the time of the insert: most of a ledger entry's columns).
_SAME_PREPARATION = (str, int, bool, Decimal, type(None), datetime.date)


def _prepare(field, values, connection, literal=None):
    """Each of `values` as the database takes it, as Django's own INSERT prepares it (get_db_prep_save), or,
    with `literal` (the driver's quoting function), as the SQL literal the driver would make of it."""
    prepare = field.get_db_prep_save
    first = values[0]
    if all(value is first for value in values):  # one object in every row (a default, the time, a reason)
        done = prepare(first, connection)
        return [done if literal is None else literal(done)] * len(values)
    memo, prepared = {}, []
    for value in values:
        # Subclasses too: a reason, a kind of item, a lot's source are TextChoices members (str).
        if isinstance(value, _SAME_PREPARATION):
            key = (type(value), value)
        elif type(value) is list and all(type(item) is str for item in value):
            key = (list, tuple(value))  # a JSON list of texts (a material's allergens: mostly empty)
        else:
            key = None
        if key is not None:
            try:
                prepared.append(memo[key])
                continue
            except KeyError:
                done = prepare(value, connection)
                done = memo[key] = done if literal is None else literal(done)
                prepared.append(done)
                continue
        done = prepare(value, connection)
        prepared.append(done if literal is None else literal(done))
    return prepared


def update_objects(model, rows, fields, *, using=None):
    """Write `fields` of `rows` in one UPDATE (one statement whatever the number of rows: the write paths' query
    counts do not grow with lines or lots).

    Not bulk_update: it builds an expression per row and field, and on a run's few rows spent 3 to 4 times as
    long in Python as the database did (a fifth of seed_demo). One row (a shipment from one lot) is a plain
    UPDATE; several, the same CASE statement written directly, with each value prepared as the field saves it."""
    using = using or router.db_for_write(model)
    if len(rows) == 1:
        row = rows[0]
        model._default_manager.using(using).filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
        return
    if not rows:
        return
    connection = connections[using]
    quote, meta = connection.ops.quote_name, model._meta
    pk = quote(meta.pk.column)
    assignments, params = [], []
    for name in fields:
        field = meta.get_field(name)
        cases = " ".join(["WHEN %s THEN %s"] * len(rows))
        assignments.append(f"{quote(field.column)} = CASE {pk} {cases} END")
        for row in rows:
            params += [row.pk, field.get_db_prep_save(getattr(row, field.attname), connection)]
    params += [row.pk for row in rows]
    placeholders = ", ".join(["%s"] * len(rows))
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {pk} IN ({placeholders})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
