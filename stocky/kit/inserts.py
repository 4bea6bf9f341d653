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
from decimal import Decimal

from django.db import connections, router
from django.db.models import Field

BATCH = 500  # rows per INSERT: under SQLite's 32,766 parameters and MariaDB's packet size for our tables


def insert_objects(model, objects, *, using=None):
    """INSERT `objects` (new instances of `model`) and set each one's pk (given pks are kept)."""
    if not objects:
        return objects
    using = using or router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    if any(getattr(f, "generated", False) or f.has_db_default() for f in meta.concrete_fields):
        # Columns the database computes or defaults: Django's own bulk_create knows them.
        return model._default_manager.using(using).bulk_create(objects, batch_size=BATCH)
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="insert")
    # In the objects' order, so that the ids the database gives follow it (as one save() after another),
    # each run of objects with or without a pk in statements of its own.
    for has_pk, run in itertools.groupby(objects, key=lambda obj: obj.pk is not None):
        _insert_run(connection, meta, list(run), has_pk)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return objects


def _insert_run(connection, meta, group, has_pk):
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    pk_field = meta.pk
    fields = meta.concrete_fields if has_pk else [f for f in meta.concrete_fields if f is not pk_field]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = connection.features.can_return_rows_from_bulk_insert
    # MariaDB (mysqlclient): the driver turns each parameter into an SQL literal on every execute, about a
    # third of an import's insert time; here a value repeated across rows is quoted once, by the driver's own
    # `literal`, and the statement is sent with its values in place (which is what the driver sends anyway).
    connection.ensure_connection()
    literal = connection.connection.literal if connection.vendor == "mysql" and (returning or has_pk) else None
    preparers = [_preparer(f, connection, literal) for f in fields]
    suffix = f" RETURNING {ops.quote_name(pk_field.column)}" if returning and not has_pk else ""
    with connection.cursor() as cursor:
        for start in range(0, len(group), BATCH):
            batch = group[start : start + BATCH]
            if literal is not None:
                values = b", ".join(b"(" + b", ".join([prepare(obj) for prepare in preparers]) + b")" for obj in batch)
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values.decode()}{suffix}")  # noqa: S608
                if suffix:
                    for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                        obj.pk = pk
                continue
            params = []
            for obj in batch:
                for prepare in preparers:
                    params.append(prepare(obj))
            if not has_pk and not returning:
                # No RETURNING on this database: one statement per object, whose id the driver reports.
                single = f"INSERT INTO {table} ({columns}) VALUES {row}"  # noqa: S608
                for index, obj in enumerate(batch):
                    cursor.execute(single, params[index * len(fields) : (index + 1) * len(fields)])
                    obj.pk = ops.last_insert_id(cursor, meta.db_table, pk_field.column)
                continue
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))}{suffix}", params)  # noqa: S608
            if suffix:
                for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                    obj.pk = pk


# Values whose preparation depends on the value alone: prepared once per insert, however many rows repeat
# them (a reason, a unit, a note, a lot's code: most of a ledger entry's columns).
_SAME_PREPARATION = (str, int, bool, Decimal, type(None), datetime.date)


def _preparer(field, connection, literal=None):
    """obj -> the field's value as the database takes it, as Django's own INSERT prepares it (with `literal`,
    the driver's quoting function: as the SQL literal the driver would make of it)."""
    plain = type(field).pre_save is Field.pre_save  # no auto_now, no normalising: the attribute as it is
    attname, memo = field.attname, {}

    def prepare(obj):
        value = getattr(obj, attname) if plain else field.pre_save(obj, True)
        # Subclasses too: a reason, a kind of item, a lot's source are TextChoices members (str).
        if not isinstance(value, _SAME_PREPARATION) or isinstance(value, datetime.datetime):
            prepared = field.get_db_prep_save(value, connection)
            return prepared if literal is None else literal(prepared)
        key = (type(value), value)
        try:
            return memo[key]
        except KeyError:
            prepared = field.get_db_prep_save(value, connection)
            prepared = memo[key] = prepared if literal is None else literal(prepared)
            return prepared

    return prepare


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
