"""`manage.py import_stocky`: bring in the database of the earlier, Express-based Stocky.

See docs/migrating-from-stocky.md.

Every table of the old database maps onto a resource of the exchange registry, so each row is validated
by the API's serializer and written as an import would write it: ids kept, stock quantities entered in
the ledger as `initial` movements. The whole migration is one transaction; each row runs in a savepoint,
and a row that cannot come in is skipped and named in the report with its reason, with every row that
depends on it.

Running it again changes nothing: a row whose id (for link rows: whose pair) is already here is left as
it is, and reported as unchanged, or as differing when the two disagree (e.g. stock moved since).
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from django.db import DataError, IntegrityError, transaction
from rest_framework import serializers

from inventory.models import FinishedProduct, RawProduct
from inventory.units import UnknownUnit, can_convert
from stocky.exchange.engine import _reset_sequences
from stocky.exchange.resources import REGISTRY, RowError, parse_id
from stocky.kit.errors import DomainError

NOTE = "Imported from the earlier Stocky"


class LegacyError(Exception):
    """The source cannot be read as a Stocky database; nothing was imported."""


@dataclass(frozen=True)
class LegacyTable:
    """How one table of the earlier Stocky becomes records here.

    `columns` maps each column here to the old one. Old names are matched ignoring letter case and
    underscores, so `created_at` also finds Sequelize's `createdAt`, and `RawProducts` `raw_products`.
    """

    name: str
    resource: str
    columns: dict
    optional: frozenset = frozenset()  # old columns that may be absent (then: the API's default)
    parents: dict = field(default_factory=dict)  # column here -> the old table it refers to
    identity: tuple = ()  # columns that must agree for a record with the same id to be this row
    unit: tuple = ()  # (unit column, parent column): the line's unit must convert to the parent's


TIMESTAMPS = ("created_at", "updated_at")  # read from every table that has them, optional everywhere

# The mapping, in the order the tables are imported (parents first).
LEGACY_TABLES = (
    LegacyTable(
        "Suppliers",
        "suppliers",
        {
            "id": "id",
            "name": "name",
            "phone": "phone",
            "email": "email",
            "website": "website",
            "contact_person": "contact_person",
        },
        optional=frozenset({"website"}),
        identity=("email",),
    ),
    LegacyTable(
        "RawProducts",
        "raw-products",
        {"id": "id", "name": "name", "stock_quantity": "stock_quantity", "unit_of_measure": "unit_of_measure"},
        identity=("name",),
    ),
    LegacyTable(
        "FinishedProducts",
        "finished-products",
        {
            "id": "id",
            "name": "name",
            "stock_quantity": "stock_quantity",
            "unit_of_measure": "unit_of_measure",
            "comments": "comments",
        },
        optional=frozenset({"comments"}),
        identity=("name",),
    ),
    LegacyTable(
        "Clients",
        "clients",
        {
            "id": "id",
            "name": "name",
            "phone": "phone",
            "email": "email",
            "website": "website",
            "contact_person": "contact_person",
            "client_type": "client_type",
            "address": "address",
            "city": "city",
            "region": "region",
        },
        optional=frozenset({"email", "website"}),
        identity=("name",),
    ),
    LegacyTable(
        "SupplierRawProducts",
        "supplier-raw-products",
        {
            "id": "id",
            "supplier_id": "supplier_id",
            "raw_product_id": "raw_product_id",
            "unit_price": "unit_price",
            "unit_of_measure": "unit_of_measure",
        },
        optional=frozenset({"id"}),  # often keyed by the pair alone
        parents={"supplier_id": "Suppliers", "raw_product_id": "RawProducts"},
        unit=("unit_of_measure", "raw_product_id"),
    ),
    LegacyTable(
        "RecipeItems",
        "recipe-items",
        {
            "id": "id",
            "finished_product_id": "finished_product_id",
            "raw_product_id": "raw_product_id",
            "quantity_required": "quantity_required",
            "unit_of_measure": "unit_of_measure",
        },
        optional=frozenset({"id"}),
        parents={"finished_product_id": "FinishedProducts", "raw_product_id": "RawProducts"},
        unit=("unit_of_measure", "raw_product_id"),
    ),
    LegacyTable(
        "RawProductOrders",
        "raw-product-orders",
        {
            "id": "id",
            "raw_product_id": "raw_product_id",
            "supplier_id": "supplier_id",
            "quantity": "quantity",
            "price": "price",
            "ordered_at": "ordered_at",
            "expected_delivery_date": "expected_delivery_date",
            "status": "status",
        },
        optional=frozenset({"ordered_at", "status"}),
        parents={"raw_product_id": "RawProducts", "supplier_id": "Suppliers"},
        identity=("raw_product_id", "supplier_id"),
    ),
    LegacyTable(
        "ProductionPlans",
        "production-plans",
        {
            "id": "id",
            "finished_product_id": "finished_product_id",
            "planned_quantity": "planned_quantity",
            "unit_of_measure": "unit_of_measure",
            "planned_production_date": "planned_production_date",
            "planned_duration": "planned_duration",
            "actual_duration": "actual_duration",
            "hourly_rate": "hourly_rate",
        },
        optional=frozenset({"actual_duration"}),
        parents={"finished_product_id": "FinishedProducts"},
        identity=("finished_product_id",),
        unit=("unit_of_measure", "finished_product_id"),
    ),
    LegacyTable(
        "FinishedProductOrders",
        "finished-product-orders",
        {
            "id": "id",
            "finished_product_id": "finished_product_id",
            "client_id": "client_id",
            "quantity": "quantity",
            "sale_price": "sale_price",
            "ordered_at": "ordered_at",
            "expected_delivery_date": "expected_delivery_date",
            "status": "status",
        },
        optional=frozenset({"ordered_at", "status"}),
        parents={"finished_product_id": "FinishedProducts", "client_id": "Clients"},
        identity=("finished_product_id", "client_id"),
    ),
)

# Enumerations the old app may have stored in another letter case.
LOWER_CASE = ("status", "client_type")
UNIT_PARENTS = {"raw_product_id": RawProduct, "finished_product_id": FinishedProduct}


def _key(name):
    return name.replace("_", "").lower()


def _without_trailing_zeros(value):
    """1.2500 from a DECIMAL(10,4) column is 1.25: the column's scale is not the number's precision, and the
    API refuses more decimal places than it keeps even when they are zeros. The value never changes."""
    stripped = value.normalize()
    return stripped.quantize(Decimal(1)) if stripped.as_tuple().exponent > 0 else stripped


@dataclass
class TableReport:
    name: str
    found: bool = True
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    differing: list = field(default_factory=list)  # (row, [fields])
    skipped: list = field(default_factory=list)  # (row, reason)
    ignored_columns: list = field(default_factory=list)

    def lines(self):
        if not self.found:
            return [f"{self.name}: not in the source, nothing to import"]
        here = self.unchanged + len(self.differing)
        lines = [
            f"{self.name}: {self.read} read, {self.imported} imported, {here} already here, {len(self.skipped)} skipped"
        ]
        lines += [f"  skipped {row}: {reason}" for row, reason in self.skipped]
        lines += [
            f"  kept as it is here, differs from the source in {', '.join(fields)}: {row}"
            for row, fields in self.differing
        ]
        if self.ignored_columns:
            lines.append(f"  columns not imported: {', '.join(self.ignored_columns)}")
        return lines


@dataclass
class Source:
    """A connection to the old database, read-only, on one consistent snapshot of all its tables."""

    connection: object
    description: str

    @classmethod
    def open(cls, url):
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb"):
            raise LegacyError("The source must be a URL like mysql://user:password@host:3306/stocky_db")
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise LegacyError("The source URL names no database (mysql://user:password@host:3306/<database>)")
        host, port = parts.hostname or "localhost", parts.port or 3306
        description = f"{database} on {host}:{port}"
        # Here, not at the top: only this migration reads a MySQL server itself; the application reaches its
        # database through Django's backend, which loads the driver only when DATABASE_URL is mysql.
        import MySQLdb

        try:
            connection = MySQLdb.connect(
                host=host,
                port=port,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                database=database,
                charset="utf8mb4",
                connect_timeout=10,
            )
        except MySQLdb.Error as exc:
            raise LegacyError(f"Cannot connect to the source database {description}: {exc.args[-1]}") from None
        try:
            # All tables read as of one moment, even if the old app is still running; never a write.
            cursor = connection.cursor()
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        except MySQLdb.Error as exc:
            connection.close()
            raise LegacyError(f"Cannot read the source database {description}: {exc.args[-1]}") from None
        return cls(connection, description)

    def close(self):
        self.connection.close()

    def tables(self):
        cursor = self.connection.cursor()
        cursor.execute("SHOW TABLES")
        return {_key(name): name for (name,) in cursor.fetchall()}

    def columns(self, table):
        cursor = self.connection.cursor()
        cursor.execute(f"SHOW COLUMNS FROM `{table}`")
        return [row[0] for row in cursor.fetchall()]

    def count(self, table):
        cursor = self.connection.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
        return cursor.fetchone()[0]

    def rows(self, table, columns, order_by):
        """Each row as {old column: value}, streamed (a server-side cursor), in `order_by` order."""
        import MySQLdb.cursors  # the driver, loaded only by this migration (see Source.open)

        cursor = self.connection.cursor(MySQLdb.cursors.SSCursor)
        selected = ", ".join(f"`{column}`" for column in columns)
        ordering = ", ".join(f"`{column}`" for column in order_by)
        cursor.execute(f"SELECT {selected} FROM `{table}` ORDER BY {ordering}")
        try:
            for record in cursor:
                yield dict(zip(columns, record, strict=True))
        finally:
            cursor.close()


@dataclass
class Plan:
    """A table of the source as it will be read: which old column feeds which column here."""

    spec: LegacyTable
    table: str
    columns: dict  # column here -> old column
    timestamps: dict  # "created_at"/"updated_at" -> old column


def plan_tables(source):
    """Match the source's tables and columns to the mapping, or raise LegacyError before anything is written."""
    found = source.tables()
    plans, problems, reports = [], [], {}
    for spec in LEGACY_TABLES:
        report = reports[spec.name] = TableReport(spec.name)
        table = found.get(_key(spec.name))
        if table is None:
            report.found = False
            continue
        old_columns = source.columns(table)
        by_key = {_key(column): column for column in old_columns}
        columns = {here: by_key[_key(old)] for here, old in spec.columns.items() if _key(old) in by_key}
        missing = [old for here, old in spec.columns.items() if here not in columns and here not in spec.optional]
        if missing:
            problems.append(f"{table} has no column {', '.join(missing)}")
        timestamps = {here: by_key[_key(here)] for here in TIMESTAMPS if _key(here) in by_key}
        used = set(columns.values()) | set(timestamps.values())
        report.ignored_columns = [column for column in old_columns if column not in used]
        plans.append(Plan(spec, table, columns, timestamps))
    if not plans:
        raise LegacyError(
            f"No table of the earlier Stocky in {source.description} "
            f"(looked for {', '.join(spec.name for spec in LEGACY_TABLES)})"
        )
    if problems:
        raise LegacyError("The source does not have the columns of the earlier Stocky: " + "; ".join(problems))
    return plans, reports


class Migration:
    def __init__(self, source, *, timezone, progress):
        self.source = source
        self.timezone = timezone
        self.progress = progress
        self.present = {spec.name: set() for spec in LEGACY_TABLES}  # old ids whose record is here
        self.read = {spec.name: set() for spec in LEGACY_TABLES}  # old ids seen in the source
        self.pairs = {}  # (table, pair) -> the row that brought that pair in, this run
        self._units = {}

    def run(self, *, dry_run=False):
        plans, reports = plan_tables(self.source)
        with transaction.atomic():
            for plan in plans:
                self.import_table(plan, reports[plan.spec.name])
            if dry_run:
                transaction.set_rollback(True)
        return [reports[spec.name] for spec in LEGACY_TABLES]

    def import_table(self, plan, report):
        spec = plan.spec
        resource = REGISTRY[spec.resource]
        has_id = "id" in plan.columns
        order_by = [plan.columns["id"]] if has_id else [plan.columns[name] for name in spec.parents]
        wanted = list(plan.columns.values()) + list(plan.timestamps.values())
        total = self.source.count(plan.table)
        kept_ids = False
        for record in self.progress(self.source.rows(plan.table, wanted, order_by), total, plan.table):
            report.read += 1
            values = {here: record[old] for here, old in plan.columns.items()}
            stamps = {here: self._aware(record[old]) for here, old in plan.timestamps.items()}
            old_id = values.pop("id", None)
            label = self._row_label(spec, old_id, values)
            if has_id:
                self.read[spec.name].add(old_id)
            try:
                with transaction.atomic():
                    outcome = self.import_row(resource, spec, old_id, values, stamps)
            except RowError as exc:
                report.skipped.append((label, self._reason(exc.errors)))
                continue
            except DomainError as exc:
                report.skipped.append((label, self._reason(exc.errors or {"non_field_errors": [exc.message]})))
                continue
            except (IntegrityError, DataError) as exc:
                report.skipped.append((label, f"the database refused it ({exc.args[-1] if exc.args else exc})"))
                continue
            if resource.has_id:
                self.present[spec.name].add(old_id)
            else:
                self.pairs[(spec.name, tuple(values[name] for name in spec.parents))] = label
            if outcome == "imported":
                report.imported += 1
                kept_ids = kept_ids or has_id
            elif outcome == "unchanged":
                report.unchanged += 1
            else:
                report.differing.append((label, outcome))
        if kept_ids:
            _reset_sequences(resource.model)

    def import_row(self, resource, spec, old_id, values, stamps):
        """Returns "imported", "unchanged" or the list of fields that differ; raises RowError to skip."""
        if resource.has_id:
            try:
                old_id = parse_id(old_id)
            except (TypeError, ValueError):
                raise RowError({"id": [f"not a usable id: {old_id!r}"]}) from None
        self._check_parents(spec, values)
        values = self._convert(resource, values, stamps)
        if spec.unit:
            self._check_unit(spec, values)

        if resource.has_id:
            existing = resource.model._default_manager.select_for_update().filter(pk=old_id).first()
        else:
            pair = {resource.fields[name].source + "_id": values[name] for name in spec.parents}
            first = self.pairs.get((spec.name, tuple(pair.values())))
            if first is not None:  # the old table had no unique key on the pair
                raise RowError({"non_field_errors": [f"the same {' and '.join(spec.parents)} as {first}"]})
            existing = resource.model._default_manager.select_for_update().filter(**pair).first()
        if existing is not None and resource.has_id:
            self._check_identity(resource, spec, existing, values)

        serializer = resource.validate(resource.serializer_data(values), existing)
        if existing is not None:
            return resource.changed_fields(existing, serializer) or "unchanged"
        obj = resource.save(serializer, None, pk=self._new_id(resource, old_id), note=NOTE)
        stamps = {name: value for name, value in stamps.items() if value is not None}
        if stamps:  # the old record's own times, not the moment of the migration
            resource.model._default_manager.filter(pk=obj.pk).update(**stamps)
        return "imported"

    @staticmethod
    def _new_id(resource, old_id):
        """The id of the new record: the old one; for a link row (keyed by its pair), the old one if free."""
        if resource.has_id:
            return old_id
        try:
            candidate = parse_id(old_id)
        except (TypeError, ValueError):
            return None
        return None if resource.model._default_manager.filter(pk=candidate).exists() else candidate

    # --- Row checks and conversions ----------------------------------------------------------------

    def _check_parents(self, spec, values):
        for column, parent in spec.parents.items():
            target = REGISTRY[next(other.resource for other in LEGACY_TABLES if other.name == parent)]
            label = target.label
            value = values.get(column)
            if value is None:
                raise RowError({column: [f"no {label} (NULL in the source)"]})
            if value in self.present[parent]:
                continue
            if value in self.read[parent]:
                raise RowError({column: [f"its {label} {value} was skipped"]})
            raise RowError({column: [f"its {label} {value} does not exist in the source"]})

    def _check_unit(self, spec, values):
        unit_column, parent_column = spec.unit
        unit, parent_model = values.get(unit_column), UNIT_PARENTS[parent_column]
        if not isinstance(unit, str) or not unit.strip():
            return  # the serializer says it is required
        parent_unit = self._unit_of(parent_model, values[parent_column])
        label = parent_model._meta.verbose_name
        try:
            convertible = can_convert(unit, parent_unit)
        except UnknownUnit as exc:
            if exc.unit == parent_unit:
                message = f"the {label}'s unit '{parent_unit}' is not a known unit, so '{unit}' cannot convert to it"
            else:
                message = str(exc)
            raise RowError({unit_column: [message]}) from None
        if not convertible:
            raise RowError({unit_column: [f"'{unit}' cannot convert to the {label}'s unit '{parent_unit}'"]})

    def _unit_of(self, model, pk):
        key = (model, pk)
        if key not in self._units:
            self._units[key] = model._default_manager.filter(pk=pk).values_list("unit_of_measure", flat=True).get()
        return self._units[key]

    def _check_identity(self, resource, spec, existing, values):
        for column in spec.identity:
            here = getattr(existing, resource.fields[column].source + "_id" if column.endswith("_id") else column)
            there = values.get(column)
            same = (
                str(here).strip().casefold() == str(there).strip().casefold()
                if isinstance(here, str)
                else here == there
            )
            if not same:
                raise RowError({"id": [f"id {existing.pk} is already another {resource.label} here ('{existing}')"]})

    def _aware(self, value):
        """A DATETIME of the old database (no time zone) as the moment it meant in `self.timezone`."""
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=self.timezone)
        return value

    def _convert(self, resource, values, stamps):
        converted = {}
        for column, value in values.items():
            field = resource.fields[column]
            if column in LOWER_CASE and isinstance(value, str):
                value = value.strip().lower()
            if isinstance(value, Decimal) and value.as_tuple().exponent < 0:
                value = _without_trailing_zeros(value)
            if isinstance(field, serializers.DateTimeField):
                if isinstance(value, datetime.datetime):
                    value = self._aware(value)
                elif isinstance(value, datetime.date):  # a DATE column for a date-time: its midnight
                    value = datetime.datetime.combine(value, datetime.time(), tzinfo=self.timezone)
            elif isinstance(field, serializers.DateField) and isinstance(value, datetime.datetime):
                value = value.date()  # a DATETIME column for a date: the day it names
            if value is None and column in ("status", "ordered_at"):
                continue  # the API's default: `commande`, and the order's date comes below
            converted[column] = value
        if "ordered_at" in resource.fields and "ordered_at" not in converted and stamps.get("created_at"):
            converted["ordered_at"] = stamps["created_at"]  # an order without a date was ordered when entered
        return converted

    @staticmethod
    def _row_label(spec, old_id, values):
        if old_id is not None:
            return f"id {old_id}"
        return "(" + ", ".join(f"{column} {values.get(column)}" for column in spec.parents) + ")"

    @staticmethod
    def _reason(errors):
        parts = []
        for column, messages in errors.items():
            text = " ".join(
                "NULL in the source, but required" if str(message) == "This field is required." else str(message)
                for message in messages
            )
            parts.append(text if column == "non_field_errors" else f"{column}: {text}")
        return "; ".join(parts)


def import_stocky(url, *, timezone_name, dry_run=False, progress=None):
    """Run the migration from the database at `url`; returns (source description, [TableReport])."""
    try:
        timezone = zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise LegacyError(f"Unknown time zone '{timezone_name}'") from None
    import MySQLdb  # the driver, loaded only by this migration (see Source.open)

    source = Source.open(url)
    try:
        migration = Migration(source, timezone=timezone, progress=progress or (lambda rows, total, name: rows))
        return source.description, migration.run(dry_run=dry_run)
    except MySQLdb.Error as exc:  # the transaction has been rolled back
        raise LegacyError(f"Reading the source database {source.description} failed: {exc.args[-1]}") from None
    finally:
        source.close()
