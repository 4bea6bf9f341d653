"""Hot reads without per-field serializer work (issue 7, bench/README.md "What each change bought").

A section A list spent two thirds of its time in DRF's per-field output: a model instance per row (three
with the joined names), `get_attribute` and `to_representation` per field, a time-zone lookup per
date-time. For a serializer whose fields are plain columns, a row plan reads the same values with one
`.values_list()` (the `<relation>_name`s as joined columns) and lets orjson encode them in one call:

- the keys are the serializer's readable fields, in its order;
- a date-time is written as DRF writes it (ISO 8601, "Z" for UTC) by orjson, when the current time zone is
  UTC (the default); in any other zone through the field's own `to_representation`;
- a Decimal stays a Decimal and becomes the JSON number DRF's renderer writes (stocky.kit.renderers);
- a method field is read only when the serializer names the column it needs and a function of that value
  that its `get_<field>` method uses as well (`row_methods`, e.g. the catalogue's imageUrl), or a function of
  the whole page's values of that column, for a field read for all the rows at once (`row_batches`, e.g. a
  sales order's lots: one query for the page, as its list serializer reads them);
- a nested serializer of the same record's columns (`source="*"`: a raw product's `nutrition`) is read flat
  and nested when encoded (`RowPlan.layout`); a JSON list column (allergens) goes through its ListField;
- anything a plan cannot reproduce exactly (another method field, another nested serializer, a field with its own
  output, a nullable relation's name, ...) makes `plan_for` answer None, and the view keeps the serializer.

`stocky/kit/tests/test_rows.py` compares both outputs byte for byte over every section A resource, so that
they cannot drift apart. Serializers still validate writes, answer them, and describe the schema.
"""

import datetime
from dataclasses import dataclass

import orjson
from django.db import models
from django.db.models import F
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from rest_framework import fields, relations, serializers
from rest_framework.settings import api_settings

from stocky.kit.renderers import EncodedJSON, dumps

ISO_8601 = "iso-8601"


@dataclass(frozen=True)
class RowPlan:
    """How to read a serializer's output straight from the database."""

    names: tuple  # the output keys, in the serializer's order
    columns: tuple  # what `.values_list()` selects for each key (a column name or a joined column's alias)
    annotations: dict  # alias -> F("relation__name")
    datetime_fields: tuple  # (index, DRF field) of each date-time column
    converters: tuple  # (index, function) of the columns whose database value is not the output value
    methods: tuple = ()  # (index, function(value, context)) of the method fields the serializer reads from a column
    batches: tuple = ()  # (index, function(values, context) -> function(value)) of those read for a whole page
    # Set when the output nests a serializer of the same record's columns (`source="*"`, e.g. a raw product's
    # `nutrition`): ((key, None) for a column, (key, (sub-keys...)) for a nested object), in output order;
    # `names` and `columns` then list the nested columns flat, in that order.
    layout: tuple = ()

    @property
    def joins(self):
        return bool(self.annotations)

    def values(self, queryset):
        """The queryset's rows as tuples in the order of `names` (filters and ordering kept)."""
        if queryset._prefetch_related_lookups:
            queryset = queryset.prefetch_related(None)  # the rows are tuples: nothing to attach them to
        if self.annotations:
            queryset = queryset.annotate(**self.annotations)
        return queryset.values_list(*self.columns)

    def encode(self, rows, context=None):
        """The rows (tuples from `values`) as the JSON the serializer's output (many=True) renders to.

        `context` is the serializer's context (the request), for the method fields."""
        if self.batches:
            rows = list(rows)
        converters = self._converters(context, rows)
        if converters:
            rows = [_convert(row, converters) for row in rows]
        if self.layout:
            return _encoded([self._nested(row) for row in rows])
        names = self.names
        return _encoded([dict(zip(names, row, strict=True)) for row in rows])

    def encode_one(self, row, context=None):
        """One row as the JSON of the serializer's output for one record."""
        converters = self._converters(context, [row])
        if converters:
            row = _convert(row, converters)
        if self.layout:
            return _encoded(self._nested(row))
        return _encoded(dict(zip(self.names, row, strict=True)))

    def _nested(self, row):
        out, index = {}, 0
        for key, subkeys in self.layout:
            if subkeys is None:
                out[key] = row[index]
                index += 1
            else:
                out[key] = dict(zip(subkeys, row[index : index + len(subkeys)], strict=True))
                index += len(subkeys)
        return out

    def _converters(self, context, rows):
        converters = self.converters
        if self.datetime_fields and not _is_utc(timezone.get_current_timezone()):
            # Another zone than UTC (TIME_ZONE): each date-time as the field writes it, offset included.
            converters += tuple((index, field.to_representation) for index, field in self.datetime_fields)
        if self.methods:
            # Called for every value, None included, as DRF calls a method field with the whole record.
            converters += tuple((index, _Method(function, context)) for index, function in self.methods)
        for index, function in self.batches:
            converters += ((index, _Always(function([row[index] for row in rows], context))),)
        return converters


class _Method:
    __slots__ = ("function", "context")
    always = True

    def __init__(self, function, context):
        self.function, self.context = function, context

    def __call__(self, value):
        return self.function(value, self.context)


class _Always:
    """A converter called for every value, None included (a page's batch: each row's from what it read)."""

    __slots__ = ("function",)
    always = True

    def __init__(self, function):
        self.function = function

    def __call__(self, value):
        return self.function(value)


def _encoded(data):
    # Date-times natively: orjson writes an aware UTC value as DRF does (isoformat, "Z" for "+00:00").
    return EncodedJSON(dumps(data, option=orjson.OPT_UTC_Z))


def _convert(row, converters):
    row = list(row)
    for index, function in converters:
        value = row[index]
        # DRF skips to_representation for None (not a method field, which gets the whole record).
        if value is not None or getattr(function, "always", False):
            row[index] = function(value)
    return row


def _is_utc(tz):
    return tz is datetime.UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC")


_plans = {}


def plan_for(serializer_class):
    """The RowPlan of a ModelSerializer class, or None when its output is not plain columns. Cached."""
    try:
        return _plans[serializer_class]
    except KeyError:
        pass
    try:
        plan = _build(serializer_class)
    except Unsupported:
        plan = None
    _plans[serializer_class] = plan
    return plan


class Unsupported(Exception):
    pass


def _build(serializer_class):
    if not issubclass(serializer_class, serializers.ModelSerializer):
        raise Unsupported("not a ModelSerializer")
    if serializer_class.to_representation is not serializers.Serializer.to_representation:
        raise Unsupported("its own to_representation")
    model = serializer_class.Meta.model
    row_methods = getattr(serializer_class, "row_methods", {})
    row_batches = getattr(serializer_class, "row_batches", {})
    names, columns, annotations, datetime_fields, converters, methods, batches = [], [], {}, [], [], [], []
    layout, nested = [], False
    for field in serializer_class().fields.values():
        if field.write_only:
            continue
        if isinstance(field, serializers.Serializer) and field.source == "*":
            # The same record's columns as one object: flat in the query, nested in the output.
            if type(field).to_representation is not serializers.Serializer.to_representation:
                raise Unsupported(f"{field.field_name}: its own to_representation")
            subkeys = []
            for subfield in field.fields.values():
                if subfield.write_only:
                    continue
                column, converter = _column(model, subfield, annotations)
                if converter == "datetime":
                    datetime_fields.append((len(names), subfield))
                elif converter is not None:
                    converters.append((len(names), converter))
                names.append(subfield.field_name)
                columns.append(column)
                subkeys.append(subfield.field_name)
            layout.append((field.field_name, tuple(subkeys)))
            nested = True
            continue
        layout.append((field.field_name, None))
        index = len(names)
        if isinstance(field, serializers.SerializerMethodField) and field.field_name in row_methods:
            # The serializer computes this field from one column, with a function the plan calls too.
            column, function = row_methods[field.field_name]
            methods.append((index, getattr(serializer_class, function)))
            names.append(field.field_name)
            columns.append(_concrete(model, column).attname)
            continue
        if isinstance(field, serializers.SerializerMethodField) and field.field_name in row_batches:
            # Read for the whole page at once, by a function the list serializer uses as well.
            column, function = row_batches[field.field_name]
            batches.append((index, getattr(serializer_class, function)))
            names.append(field.field_name)
            columns.append(_concrete(model, column).attname)
            continue
        column, converter = _column(model, field, annotations)
        if converter == "datetime":
            datetime_fields.append((index, field))
        elif converter is not None:
            converters.append((index, converter))
        names.append(field.field_name)
        columns.append(column)
    return RowPlan(
        tuple(names),
        tuple(columns),
        annotations,
        tuple(datetime_fields),
        tuple(converters),
        tuple(methods),
        tuple(batches),
        tuple(layout) if nested else (),
    )


def _concrete(model, name):
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a reverse relation's name
        raise Unsupported(f"{model.__name__}.{name} is not a field") from None
    if not field.concrete or field.many_to_many:
        raise Unsupported(f"{model.__name__}.{name} is not a column")
    return field


def _column(model, field, annotations):
    """(what values_list selects, the output converter: None, "datetime" or a function)."""
    if field.source == "*" or not field.source_attrs:
        raise Unsupported(f"{field.field_name}: the whole object")
    attrs = field.source_attrs
    if isinstance(field, relations.PrimaryKeyRelatedField):
        # Written as the related record's key, which is the foreign key's own column (no query, no join).
        if (
            len(attrs) != 1
            or getattr(field, "pk_field", None) is not None
            or (type(field).to_representation is not relations.PrimaryKeyRelatedField.to_representation)
        ):
            raise Unsupported(f"{field.field_name}: a related key written another way")
        model_field = _concrete(model, attrs[0])
        if not model_field.is_relation:
            raise Unsupported(f"{field.field_name}: not a foreign key")
        return model_field.attname, None
    if isinstance(field, relations.RelatedField):
        raise Unsupported(f"{field.field_name}: a related field")
    if len(attrs) == 2:
        # `<relation>.name`: the related record's column, joined (one query for any number of rows).
        relation = _concrete(model, attrs[0])
        if not relation.many_to_one or relation.null:
            # DRF leaves the key out when a nullable relation is empty; a join cannot say that.
            raise Unsupported(f"{field.field_name}: through a nullable or non-foreign-key relation")
        model_field = _concrete(relation.related_model, attrs[1])
        if model_field.is_relation:
            raise Unsupported(f"{field.field_name}: a relation of a relation")
        alias = f"rowplan_{len(annotations)}"  # the output name may be a field of the model ("category")
        annotations[alias] = F(f"{attrs[0]}__{attrs[1]}")
        return alias, _converter(field, model_field)
    if len(attrs) != 1:
        raise Unsupported(f"{field.field_name}: a deeper source")
    model_field = _concrete(model, attrs[0])
    if model_field.is_relation:
        raise Unsupported(f"{field.field_name}: a relation as an object")
    return model_field.attname, _converter(field, model_field)


# Model fields whose database value is already the Python type DRF's field writes.
_TEXT = (models.CharField, models.TextField)
_INTEGER = (models.IntegerField, models.AutoField)  # BigAutoField, PositiveBigIntegerField, ... included


def _converter(field, model_field):
    """None when the database value is written as it is, "datetime" for a date-time, else a function."""
    if type(model_field).descriptor_class is not DeferredAttribute:
        # The model's attribute is not the column's value (a file, ...): the serializer sees something else.
        raise Unsupported(f"{field.field_name}: the model reads this column through its own descriptor")
    method = type(field).to_representation
    if method is fields.CharField.to_representation:
        return None if isinstance(model_field, _TEXT) else str
    if method is fields.ChoiceField.to_representation:
        choices = field.choice_strings_to_values
        if not isinstance(model_field, _TEXT) or any(key != value for key, value in choices.items()):
            raise Unsupported(f"{field.field_name}: choices written as other values")
        return None
    if method is fields.BigIntegerField.to_representation:
        if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
            return str
        method = fields.IntegerField.to_representation
    if method is fields.IntegerField.to_representation:
        return None if isinstance(model_field, _INTEGER) else int
    if method is fields.DecimalField.to_representation:
        coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        same_places = isinstance(model_field, models.DecimalField) and (
            model_field.decimal_places == field.decimal_places
        )
        if coerce or field.normalize_output or not same_places:
            return field.to_representation  # exact, not free
        return None  # a Decimal of the column's places: the renderer writes it as DRF does
    if method is fields.DateTimeField.to_representation:
        if not isinstance(model_field, models.DateTimeField):
            raise Unsupported(f"{field.field_name}: a date-time from another kind of column")
        if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or hasattr(field, "timezone"):
            return field.to_representation
        return "datetime"
    if method is fields.DateField.to_representation:
        if (
            getattr(field, "format", api_settings.DATE_FORMAT) != ISO_8601
            or not isinstance(model_field, models.DateField)
            or isinstance(model_field, models.DateTimeField)
        ):
            raise Unsupported(f"{field.field_name}: a date written another way")
        return None  # orjson writes a date as its isoformat(), as DRF does
    if method is fields.BooleanField.to_representation:
        return field.to_representation
    if method is fields.ListField.to_representation and isinstance(model_field, models.JSONField):
        return field.to_representation  # a JSON list column (a raw product's allergens), each item as DRF writes it
    raise Unsupported(f"{field.field_name}: {type(field).__name__} is not a plain column")
