"""Imports in bulk: the same judgement of every row as the per-row path, with the database read and written
a chunk of rows at a time.

A chunk (CHUNK_ROWS rows, read from the stream as the import goes) is judged in file order, as the per-row
path judges it, but what the rows need from the database is read first, in one query per kind of record:

- the foreign keys by id and by name (`ImportContext`'s caches filled for the chunk, so that
  `Resource.resolve_references` answers without a query, with the same messages);
- the records that ids and natural keys match (`Resource.judge_match` decides, with the same messages);
- what the serializer looks up: its related fields and unique validators are given the records just read
  (`Prefetched`), so the resource's own serializer validates each row, field by field, without a query.

New records are then written by the resource's `create_many` service, which applies the rules of its
per-row `create` (a stock quantity as an `initial` ledger entry and an opening lot; a line's unit that must
convert) and writes with bulk inserts. A row that updates an existing record goes through the per-row
services (it may move stock), after the rows before it are written.

A row sees the ones before it: a row matching a record that an earlier row of the chunk is about to create
first writes those rows, then is judged against what they became. If the database still refuses a chunk
(a constraint no check foresaw), the chunk is rolled back and its rows imported one by one, so the report
names the row.
"""

import copy
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models.functions import Lower
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.validators import UniqueValidator

from stocky.exchange.formats import is_blank
from stocky.exchange.resources import RowError, parse_id

CHUNK_ROWS = 1000


# --- What a validation reads, read beforehand ------------------------------------------------------


class Prefetched:
    """Records already read, answering the few queryset calls that DRF's related fields and unique
    validators (and `stocky.kit.serializers.records`) make: get(pk=), filter(field[__iexact]=),
    exclude(pk=), exists()."""

    def __init__(self, model, objects):
        self.model = model
        self.objects = list(objects)
        self.by_pk = {obj.pk: obj for obj in self.objects}

    def all(self):
        return self

    def none(self):
        return Prefetched(self.model, [])

    def exists(self):
        return bool(self.objects)

    def get(self, pk):
        if isinstance(pk, bool):
            raise TypeError(pk)
        pk = int(pk)  # as the database's lookup: ValueError for what is not a number
        if pk not in self.by_pk:
            raise self.model.DoesNotExist(f"No {self.model.__name__} {pk}")
        return self.by_pk[pk]

    def filter(self, **lookups):
        return Prefetched(self.model, [obj for obj in self.objects if self._matches(obj, lookups)])

    def exclude(self, **lookups):
        return Prefetched(self.model, [obj for obj in self.objects if not self._matches(obj, lookups)])

    def _matches(self, obj, lookups):
        for key, wanted in lookups.items():
            name, _, lookup = key.partition("__")
            if name == "pk":
                actual = obj.pk
            else:
                model_field = self.model._meta.get_field(name)
                actual = getattr(obj, model_field.attname)
                if model_field.is_relation and hasattr(wanted, "pk"):
                    wanted = wanted.pk
            if lookup == "iexact":
                if actual is None or fold(str(actual)) != fold(str(wanted)):
                    return False
            elif lookup in ("", "exact"):
                if actual != wanted:
                    return False
            else:
                raise ValueError(f"Prefetched records cannot answer {key}")
        return True


def fold(text):
    """`text` as the database compares it for `iexact` (the per-row path's lookup): SQLite's LIKE ignores
    the case of ASCII letters only; MariaDB's utf8mb4_general_ci ignores case and accents."""
    return folding(connection.vendor)(text)


@cache
def folding(vendor):
    """`fold` for one database: a loop over many texts reads the connection's vendor once, not per text."""
    if vendor == "sqlite":
        return lambda text: text.strip().translate(_ASCII_LOWER)

    def fold_text(text):
        text = text.strip()
        if vendor == "mysql" and not text.isascii():  # ASCII has no accents: NFKD leaves it as it is
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        return text.casefold()

    return fold_text


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def matching(queryset, source, texts):
    """The records of `queryset` whose `source` equals one of `texts` ignoring case as `iexact` does, in one
    query: {fold(text): [records, in pk order]}."""
    texts = {text.strip() for text in texts}
    if not texts:
        return {}
    fold = folding(connection.vendor)
    if connection.vendor == "mysql":
        # The column's collation compares as `iexact` does (case and accents).
        queryset = queryset.filter(**{f"{source}__in": texts})
    else:
        folded = {fold(text) for text in texts} if connection.vendor == "sqlite" else {t.lower() for t in texts}
        queryset = queryset.annotate(_folded=Lower(source)).filter(_folded__in=folded)
    found = {}
    for obj in queryset.order_by("pk"):
        found.setdefault(fold(str(getattr(obj, source))), []).append(obj)
    return found


def _skips(serializer_field):
    """Whether `serializer_field` skips a value its data leaves out (as DRF does for a field neither required
    nor with a default): asked as `to_internal_value` asks it, with an empty dict."""
    try:
        serializer_field.run_validation(serializer_field.get_value({}))
    except SkipField:
        return True
    except Exception:  # noqa: BLE001 - any other answer: the field stays, and answers for itself per row
        return False
    return False


# --- A chunk of rows -------------------------------------------------------------------------------


@dataclass
class Item:
    """A row of the chunk as it is judged."""

    index: int  # its place in the file
    row: object
    values: dict = field(default_factory=dict)
    pk: int | None = None
    errors: dict = field(default_factory=dict)
    key: tuple | None = None  # what it claims: ("id", pk) or ("natural", folded natural key)
    natural: tuple | None = None  # its folded natural key, as read_existing computed it
    data: dict | None = None


class BulkImport:
    def __init__(self, resource, report, context, *, per_row):
        self.resource, self.report, self.context = resource, report, context
        self.per_row = per_row  # engine.import_one: a row through the per-row services
        self.model = resource.model
        self.explicit_ids = False
        self.stock_context = {"note": context.note} if resource.stock_field else {}
        # The resource's serializer, built once per set of columns a row gives (ListSerializer's way: its
        # fields built once, not per row); see serializer_for.
        self.serializer_context = {"records": {}}
        self.serializers = {}  # frozenset of the row's keys -> serializer
        self.related_fields = []  # (field, its model): of every serializer built, given the chunk's records
        self.unique_fields = []  # (name, field, validator, model)
        self.prefetched = {}  # model -> the chunk's Prefetched records, for the related fields
        self.fold = folding(connection.vendor)
        self.text_key = None
        if len(resource.natural_key) == 1 and resource.natural_key[0] not in {
            fk.column for fk in resource.foreign_keys
        }:
            self.text_key = resource.fields[resource.natural_key[0]].source

    def run(self, rows):
        """Import every row of the iterator `rows`; returns whether records were created with explicit ids."""
        chunk = []
        for row in rows:
            self.report.rows += 1
            chunk.append(Item(self.report.rows, row))
            if len(chunk) == CHUNK_ROWS:
                self.import_chunk(chunk)
                chunk = []
        if chunk:
            self.import_chunk(chunk)
        return self.explicit_ids

    def import_chunk(self, items):
        self.outcomes = {}  # index -> outcome or errors
        while items:
            items = self.judge(items)  # what is left when a fallback made the chunk's readings stale
        for index in sorted(self.outcomes):
            item, outcome = self.outcomes[index]
            if isinstance(outcome, dict):
                self.report.errors.append((item.row.line, outcome))
            else:
                setattr(self.report, outcome, getattr(self.report, outcome) + 1)

    # --- Reading what the rows need -----------------------------------------------------------------

    def judge(self, items):
        live = []
        for item in items:
            if item.row.problem:
                self.outcomes[item.index] = (item, {"non_field_errors": [item.row.problem]})
                continue
            item.values = dict(item.row.values)
            item.errors = {}
            item.pk = self.resource._pop_id(item.values, item.errors)
            live.append(item)
        instances = self.read_references(live)
        for item in live:
            self.resource.resolve_references(item.values, self.context, item.errors)
        self.prefetched = {model: Prefetched(model, records.values()) for model, records in instances.items()}
        for serializer_field, model in self.related_fields:
            serializer_field.queryset = self.prefetched.get(model) or Prefetched(model, [])
        by_id, by_key = self.read_existing([item for item in live if not item.errors])

        self.claims = {}  # key -> the pending Item, or the pk it was saved as
        self.pending = []
        for position, item in enumerate(live):
            if item.errors:
                self.outcomes[item.index] = (item, item.errors)
                continue
            if item.pk is not None:
                item.key = ("id", item.pk)
                found = [item.pk] if item.pk in by_id else []
            else:
                natural = item.natural
                item.key = None if natural is None else ("natural", natural)
                found = list(by_key.get(natural, ())) if natural is not None else []
            claim = self.claims.get(item.key) if item.key else None
            if isinstance(claim, Item):  # an earlier row of this chunk creates it: write those rows first
                if not self.flush():
                    return live[position:]
                claim = self.claims.get(item.key)
            if claim is not None:
                found = sorted({*found, claim})[:11]
            try:
                match = self.resource.judge_match(item.pk, found, item.values, self.context)
            except RowError as exc:
                self.outcomes[item.index] = (item, exc.errors)
                continue
            if match is None:
                if item.key is not None:
                    self.claims[item.key] = item
                self.pending.append(item)
                continue
            # An update: through the per-row services, once the rows before it are written.
            if not self.flush():
                return live[position:]
            outcome, errors = self.per_row(self.resource, item.row, self.context)
            self.outcomes[item.index] = (item, errors if errors is not None else outcome)
            if errors is None and self.text_key and self.resource.natural_key[0] in item.values:
                # Its natural key may have changed: later rows of the chunk must see it where it now is.
                for pks in by_key.values():
                    if match in pks:
                        pks.remove(match)
                by_key.setdefault(self.natural_key(item.values), []).append(match)
                by_key[self.natural_key(item.values)].sort()
        self.flush()  # a fallback leaves nothing more to judge
        return []

    def read_references(self, items):
        """Fill the context's caches of names and ids for the chunk's foreign keys (one query per kind for
        the names, one for the records); returns the records, {model: {pk: record}}."""
        instances = {}
        for fk in self.resource.foreign_keys:
            ids, names = set(), {}  # names in file order: the first spelling met answers for its letter cases
            for item in items:
                raw_id, raw_name = item.values.get(fk.column), item.values.get(fk.name_column)
                if not is_blank(raw_id):
                    try:
                        ids.add(parse_id(raw_id))
                    except (TypeError, ValueError):
                        pass
                elif not is_blank(raw_name):
                    names[str(raw_name).strip()] = None
            unknown = [name for name in names if (fk.model, name.casefold()) not in self.context._names]
            # Their id and name only: a row's record is its id for the services, which read and lock what they
            # need of it (a whole raw product, its JSON and dates decoded, is most of a price list's reading).
            records_of = fk.model._default_manager.only("pk", "name")
            found = matching(records_of, "name", unknown)
            for name in unknown:
                key = (fk.model, name.casefold())
                if key not in self.context._names:
                    self.context._names[key] = [obj.pk for obj in found.get(self.fold(name), [])][:11]
            for name in names:
                pks = self.context._names[(fk.model, name.casefold())]
                if len(pks) == 1:
                    ids.add(pks[0])
            records = {obj.pk: obj for objs in found.values() for obj in objs if obj.pk in ids}
            missing = ids - records.keys()
            records.update(records_of.in_bulk(missing) if missing else {})
            instances.setdefault(fk.model, {}).update(records)
            for pk in ids:
                record = records.get(pk)
                self.context._ids[(fk.model, pk)] = record.name if record is not None else None
        return instances

    def natural_key(self, values):
        """The folded natural key of a row, or None when a part is missing (as Resource.natural_lookup)."""
        if not self.resource.natural_key:
            return None
        parts = []
        for column in self.resource.natural_key:
            value = values.get(column)
            if is_blank(value):
                return None
            parts.append(self.fold(str(value)) if self.text_key else value)
        return tuple(parts)

    def read_existing(self, items):
        """The records the chunk's ids match ({pk}) and those its natural keys match ({key: [pks]})."""
        manager = self.model._default_manager
        ids = {item.pk for item in items if item.pk is not None}
        by_id = set(manager.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        for item in items:
            item.natural = self.natural_key(item.values) if item.pk is None else None
        keys = {item.natural for item in items if item.pk is None} - {None}
        by_key = {}
        if keys and self.text_key:
            texts = [str(item.values[self.resource.natural_key[0]]) for item in items if item.pk is None]
            found = matching(manager.only("pk", self.text_key), self.text_key, [t for t in texts if t.strip()])
            by_key = {(folded,): [obj.pk for obj in objs][:11] for folded, objs in found.items()}
        elif keys:
            fks = {fk.column: fk for fk in self.resource.foreign_keys}
            sources = [f"{fks[column].source}_id" for column in self.resource.natural_key]
            lookup = {f"{source}__in": {key[n] for key in keys} for n, source in enumerate(sources)}
            records = []
            for pk, *pair in manager.filter(**lookup).order_by("pk").values_list("pk", *sources):
                if tuple(pair) in keys:
                    by_key.setdefault(tuple(pair), []).append(pk)
                    records.append(self.model(pk=pk, **dict(zip(sources, pair, strict=True))))
            # What a link's serializer checks ("already has a price for this raw product").
            self.serializer_context["records"][self.model] = Prefetched(self.model, records)
        return by_id, by_key

    # --- Writing the new rows -------------------------------------------------------------------------

    def flush(self):
        """Validate and write the pending new rows. False when the database refused them and they were
        imported one by one instead (the chunk's readings are then stale: the caller reads them again)."""
        pending, self.pending = self.pending, []
        if not pending:
            return True
        datas = [self.resource.serializer_data(item.values) for item in pending]
        serializers = [self.serializer_for(data) for data in datas]
        self.read_unique_values(pending)
        valid = []
        for item, data, serializer in zip(pending, datas, serializers, strict=True):
            serializer.initial_data = data
            try:
                validated = serializer.run_validation(data)
            except DRFValidationError as exc:
                self.refuse(item, self.resource.row_errors(exc.detail, data, None))
                continue
            fields = dict(validated)
            if item.pk is not None:
                fields["id"] = item.pk
            valid.append((item, fields))
        if not valid:
            return True
        try:
            with transaction.atomic():
                results = self.resource.create_many(
                    rows=[fields for _, fields in valid], user=self.context.user, **self.stock_context
                )
        except (IntegrityError, DataError):
            # A constraint that no check foresaw (a race, a duplicate within the chunk on a unique column):
            # one by one, the per-row path names the row the database refuses.
            for item, _fields in valid:
                self.claims.pop(item.key, None)
                outcome, errors = self.per_row(self.resource, item.row, self.context)
                self.outcomes[item.index] = (item, errors if errors is not None else outcome)
                self.explicit_ids = self.explicit_ids or (errors is None and item.pk is not None)
            return False
        for (item, _fields), result in zip(valid, results, strict=True):
            if isinstance(result, Exception):
                self.refuse(item, result.errors or {"non_field_errors": [result.message]})
                continue
            self.outcomes[item.index] = (item, "created")
            self.explicit_ids = self.explicit_ids or item.pk is not None
            if item.key is not None:
                self.claims[item.key] = result.pk
        return True

    def serializer_for(self, data):
        """The serializer that validates `data`, one per set of keys: the resource's serializer without the
        fields that such data leaves out and that would be skipped anyway.

        DRF skips a field that the data leaves out when it is not required and has no default
        (`Field.validate_empty_values` raises SkipField, which `to_internal_value` passes over), for every row,
        after a dozen calls; a serializer built for these keys leaves those fields out, so each row runs only
        the fields it gives or that answer for their absence (required: an error; a default: its value). Each
        field left out is asked once, here, and left out only if it does skip an absent value."""
        keys = frozenset(data)
        serializer = self.serializers.get(keys)
        if serializer is not None:
            return serializer
        serializer = self.serializers[keys] = self.resource.serializer_class(data={}, context=self.serializer_context)
        for name, serializer_field in list(serializer.fields.items()):
            if serializer_field.read_only or name in keys or serializer_field.required:
                continue
            if serializer_field.default is empty and _skips(serializer_field):
                del serializer.fields[name]
        for name, serializer_field in serializer.fields.items():
            if isinstance(serializer_field, PrimaryKeyRelatedField) and not serializer_field.read_only:
                model = serializer_field.queryset.model
                self.related_fields.append((serializer_field, model))
                serializer_field.queryset = self.prefetched.get(model) or Prefetched(model, [])
            # Field validators are shared with the API's serializer class: the ones given records are copies.
            validators = []
            for validator in serializer_field.validators:
                if isinstance(validator, UniqueValidator):
                    model, validator = validator.queryset.model, copy.copy(validator)
                    self.unique_fields.append((name, serializer_field, validator, model))
                validators.append(validator)
            serializer_field.validators = validators
        return serializer

    def refuse(self, item, errors):
        self.outcomes[item.index] = (item, errors)
        if self.claims.get(item.key) is item:
            del self.claims[item.key]

    def read_unique_values(self, items):
        """Give each unique validator of the serializers the records holding the rows' values (one query per
        field, whatever the number of serializers)."""
        read = {}
        for name, serializer_field, validator, model in self.unique_fields:
            key = (name, model, validator.lookup)
            if key not in read:
                texts = [str(item.values[name]).strip() for item in items if not is_blank(item.values.get(name))]
                source = serializer_field.source
                if validator.lookup == "iexact":
                    found = matching(model._default_manager.all(), source, texts)
                    records = [obj for objs in found.values() for obj in objs]
                else:
                    records = list(model._default_manager.filter(**{f"{source}__in": texts}))
                read[key] = Prefetched(model, records)
            validator.queryset = read[key]
