"""What can be imported and exported, and how one row becomes a record: one `Resource` per API path name.

A row is checked by the resource's API serializer (the shape of the input), then written by the services
the API calls (the rules): each resource names its create and update service, so a file can do exactly
what the API allows, no more. Stock quantities never reach a table directly: a created item gets its
quantity through the ledger as an `initial` movement, an updated one as an `adjustment`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial

from rest_framework import serializers

from inventory import services as inventory_services
from inventory.catalogue import services as catalogue_services
from inventory.catalogue.serializers import CategoryInputSerializer, ProductInputSerializer
from inventory.models import NUTRIENT_FIELDS, Category, Product
from inventory.serializers import (
    FinishedProductSerializer,
    RawProductSerializer,
    SupplierRawProductSerializer,
    SupplierSerializer,
)
from orders import services as order_services
from orders.serializers import (
    ClientSerializer,
    FinishedProductOrderSerializer,
    RawProductOrderSerializer,
)
from production import services as production_services
from production.serializers import ProductionPlanSerializer, RecipeComponentSerializer, RecipeItemSerializer
from stocky.exchange.formats import is_blank
from stocky.kit.api import (
    _flatten as flatten_errors,  # DRF's nested errors as {"field": ["message"]}
)
from stocky.kit.inserts import insert_objects
from stocky.kit.models import MAX_ID


class RowError(Exception):
    """The row cannot be imported; `errors` maps a column (or non_field_errors) to messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)


@dataclass
class ImportContext:
    """What every row of one import shares."""

    update: bool = False
    user: object = None
    note: str = ""  # recorded on the stock movements the import causes
    update_hint: str = "use --update to update it"
    notes: list = field(default_factory=list)  # things worth telling, e.g. categories created
    _names: dict = field(default_factory=dict)  # (model, folded name) -> [pk, ...]
    _ids: dict = field(default_factory=dict)  # (model, pk) -> name or None

    # The records a foreign key names are in other tables than the one being imported, so these
    # lookups hold for the whole import.
    def pks_named(self, model, name):
        key = (model, name.casefold())
        if key not in self._names:
            self._names[key] = list(
                model._default_manager.filter(name__iexact=name).order_by("pk").values_list("pk", flat=True)[:11]
            )
        return self._names[key]

    def name_of(self, model, pk):
        key = (model, pk)
        if key not in self._ids:
            self._ids[key] = model._default_manager.filter(pk=pk).values_list("name", flat=True).first()
        return self._ids[key]


def parse_id(value):
    """A primary key as written in a file (12, "12", 12.0), or ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (float, Decimal)):
        if value != int(value):
            raise ValueError(value)
        value = int(value)
    number = int(str(value).strip())
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def _matches(pks, singular, plural):
    """ "2 raw products (ids 4, 9)"; lookups stop at 11, so beyond 10 the count is not known."""
    count = f"{len(pks)}" if len(pks) <= 10 else "More than 10"
    shown = ", ".join(str(pk) for pk in pks[:10]) + (", ..." if len(pks) > 10 else "")
    return f"{count} {singular if len(pks) == 1 else plural}", f"ids {shown}"


class ModelLabels:
    """`label` and `label_plural`: the verbose names of `self.model`, for reports."""

    @property
    def label(self):
        return str(self.model._meta.verbose_name)

    @property
    def label_plural(self):
        return str(self.model._meta.verbose_name_plural)


@dataclass(frozen=True)
class ForeignKey(ModelLabels):
    column: str  # the API's field, e.g. "supplier_id"
    name_column: str  # the same record by its name, e.g. "supplier"
    source: str  # the model field, e.g. "supplier"
    model: type


class Resource(ModelLabels):
    """A section A resource: its API serializer says which columns it has and what a valid row is.

    Columns are the serializer's writable fields, `id` first when the resource has one, and beside each
    foreign key `<x>_id` a column `<x>` naming the record instead. `natural_key` (columns) finds the
    record a row without an id stands for.

    `create(user=, **fields)` and `update(<instance>=record, user=, **changed fields)` are the services
    that write a row, the API's own; `note` reaches them when the resource moves stock (`stock_field`).
    A resource without them (suppliers, clients: no rule beyond the serializer's) is saved as the API
    saves it, by its serializer.

    `create_many(rows=[fields, ...], user=, note=)`, when given, is the service that creates many records
    by the rules of `create` (returning per row the record or the DomainError refusing it): the import
    engine then creates records in bulk (stocky/exchange/bulk.py). A resource without services gets it
    for free; one whose `create` has no many-rows twin is imported row by row.
    """

    def __init__(
        self,
        name,
        serializer_class,
        *,
        model=None,
        natural_key=(),
        stock_field=None,
        create=None,
        update=None,
        create_many=None,
        instance="instance",
    ):
        self.name = name
        self.serializer_class = serializer_class
        self.model = model or serializer_class.Meta.model
        self.natural_key = natural_key
        self.stock_field = stock_field
        self.create, self.update, self.instance = create, update, instance
        self.create_many = create_many
        if create is None and create_many is None:
            self.create_many = partial(plain_create_many, self.model)

    @property
    def bulk(self):
        """Whether the import engine may create this resource's records in bulk."""
        return self.create_many is not None

    def __repr__(self):
        return f"<Resource {self.name}>"

    @cached_property
    def fields(self):
        """The serializer's fields, for their metadata (writable? required? nullable?)."""
        return self.serializer_class().fields

    @cached_property
    def foreign_keys(self):
        return [
            ForeignKey(name, field.source, field.source, field.queryset.model)
            for name, field in self.fields.items()
            if isinstance(field, serializers.PrimaryKeyRelatedField) and not field.read_only
        ]

    @cached_property
    def has_id(self):
        return "id" in self.fields

    @cached_property
    def columns(self):
        """The columns an export writes, in order; an import accepts exactly these."""
        names = {fk.column: fk.name_column for fk in self.foreign_keys}
        columns = ["id"] if self.has_id else []
        for name, serializer_field in self.fields.items():
            if serializer_field.read_only:
                continue
            columns.append(name)
            if name in names:
                columns.append(names[name])
        return columns

    @property
    def accepted_columns(self):
        return list(self.columns)

    def required_columns(self):
        """Columns a file that creates records must have (a foreign key by id or by name)."""
        by_id = {fk.column: fk for fk in self.foreign_keys}
        required = []
        for name, serializer_field in self.fields.items():
            if serializer_field.read_only or not serializer_field.required:
                continue
            fk = by_id.get(name)
            required.append((name, fk.name_column) if fk else (name,))
        return required

    @property
    def key_description(self):
        """How a row finds the record it updates, e.g. "id or name"."""
        keys = ["id"] if self.has_id else []
        if self.natural_key:
            keys.append(" + ".join(self.natural_key))
        return " or ".join(keys)

    # --- Export --------------------------------------------------------------------------------------

    def export_queryset(self):
        ordering = self.model._meta.ordering or ["pk"]
        return self.model._default_manager.select_related(*(fk.source for fk in self.foreign_keys)).order_by(
            *ordering, "pk"
        )

    def export_rows(self, queryset=None, chunk_size=1000):
        """Each record as a dict of `columns`, as the API reads it (dates as dates)."""
        queryset = self.export_queryset() if queryset is None else queryset
        date_columns = [
            name for name, field in self.fields.items() if type(field) is serializers.DateField and not field.read_only
        ]
        chunk = []
        for obj in queryset.iterator(chunk_size=chunk_size):
            chunk.append(obj)
            if len(chunk) == chunk_size:
                yield from self._export_chunk(chunk, date_columns)
                chunk = []
        if chunk:
            yield from self._export_chunk(chunk, date_columns)

    def _export_chunk(self, objects, date_columns):
        data = self.serializer_class(objects, many=True).data
        for obj, item in zip(objects, data, strict=True):
            row = {column: item.get(column) for column in self.columns}
            if self.has_id:
                row["id"] = obj.pk
            for fk in self.foreign_keys:
                row[fk.name_column] = getattr(obj, fk.source).name
            for column in date_columns:
                if row[column]:
                    row[column] = datetime.date.fromisoformat(row[column])
            yield row

    # --- Import --------------------------------------------------------------------------------------

    def import_row(self, values, context):
        """Create or (with context.update) update the record a row stands for.

        Returns "created", "updated" or "unchanged"; raises RowError naming what is wrong.
        """
        values = dict(values)
        errors = {}
        pk = self._pop_id(values, errors)
        self.resolve_references(values, context, errors)
        if errors:
            raise RowError(errors)
        instance = self.existing(pk, values, context)
        serializer = self.validate(self.serializer_data(values), instance)
        if instance is not None and not self.changed_fields(instance, serializer):
            return "unchanged"
        self.save(serializer, instance, pk=pk, user=context.user, note=context.note)
        return "created" if instance is None else "updated"

    def _pop_id(self, values, errors):
        raw = values.pop("id", None)
        if is_blank(raw):
            return None
        try:
            return parse_id(raw)
        except (TypeError, ValueError):
            errors["id"] = [f"An id is a whole number from 1, not '{raw}'"]
            return None

    def resolve_references(self, values, context, errors):
        """Turn each foreign key given by name into its id; check a name given beside an id."""
        for fk in self.foreign_keys:
            raw_id, raw_name = values.pop(fk.column, None), values.pop(fk.name_column, None)
            name = "" if is_blank(raw_name) else str(raw_name).strip()
            if not is_blank(raw_id):
                try:
                    pk = parse_id(raw_id)
                except (TypeError, ValueError):
                    errors[fk.column] = [f"Expected the id of a {fk.label} (a whole number), not '{raw_id}'"]
                    continue
                actual = context.name_of(fk.model, pk) if name else None
                if actual is not None and actual.strip().casefold() != name.casefold():
                    errors[fk.name_column] = [f"{fk.label.capitalize()} {pk} is named '{actual}', not '{name}'"]
                    continue
                # Whether it exists is the serializer's to say, with the API's message.
                values[fk.column] = pk
            elif name:
                pks = context.pks_named(fk.model, name)
                if not pks:
                    errors[fk.name_column] = [f"No {fk.label} is named '{name}'"]
                elif len(pks) > 1:
                    count, ids = _matches(pks, fk.label, fk.label_plural)
                    errors[fk.name_column] = [f"{count} are named '{name}' ({ids}); give {fk.column} to say which"]
                else:
                    values[fk.column] = pks[0]

    def natural_lookup(self, values):
        """The filter finding the record these values name by natural key, or None if a part is missing."""
        lookup = {}
        for column in self.natural_key:
            value = values.get(column)
            if is_blank(value):
                return None
            fk = next((fk for fk in self.foreign_keys if fk.column == column), None)
            if fk is not None:
                lookup[f"{fk.source}_id"] = value
            else:
                lookup[f"{self.fields[column].source}__iexact"] = str(value).strip()
        return lookup

    def existing(self, pk, values, context):
        """The record the row stands for (locked, to be updated), or None to create one."""
        if pk is not None:
            pks = [pk] if self.model._default_manager.filter(pk=pk).exists() else []
        else:
            lookup = self.natural_lookup(values) if self.natural_key else None
            if lookup is None:
                return None
            pks = list(self.model._default_manager.filter(**lookup).order_by("pk").values_list("pk", flat=True)[:11])
        match = self.judge_match(pk, pks, values, context)
        if match is None:
            return None
        # Locked until the import ends, so that its stock and fields change from what was read.
        return self.model._default_manager.select_for_update().get(pk=match)

    def judge_match(self, pk, pks, values, context):
        """The pk of the record a row stands for, given the records its id or natural key matched (`pks`,
        in pk order, at most 11), or None to create one. RowError when several match, or when one does
        and the import does not update."""
        if pk is not None:
            where, column = f"id {pk}", "id"
        else:
            where = " and ".join(f"{column} '{values[column]}'" for column in self.natural_key)
            column = self.natural_key[0] if len(self.natural_key) == 1 else "non_field_errors"
            if len(pks) > 1:
                count, ids = _matches(pks, self.label, self.label_plural)
                raise RowError({column: [f"{count} match {where} ({ids}); give the id to say which"]})
        if not pks:
            return None
        if not context.update:
            message = f"The {self.label} with {where} already exists (id {pks[0]}); {context.update_hint}"
            raise RowError({column: [message]})
        return pks[0]

    def serializer_data(self, values):
        """The row as the API would receive it. An empty cell means "no value": null where the field
        takes null, empty text where it takes that, otherwise absent (so a default applies, or the
        field is reported as required)."""
        data = {}
        for column, value in values.items():
            field = self.fields.get(column)
            if field is None or field.read_only:
                continue
            if is_blank(value):
                if field.allow_null:
                    data[column] = None
                elif getattr(field, "allow_blank", False):
                    data[column] = ""
                continue
            is_date = type(field) is serializers.DateField
            if is_date and isinstance(value, datetime.datetime) and value.time() == datetime.time():
                value = value.date()  # a spreadsheet's date cell
            data[column] = value
        return data

    def validate(self, data, instance):
        serializer = self.serializer_class(instance, data=data, partial=instance is not None)
        if not serializer.is_valid():
            raise RowError(self.row_errors(serializer.errors, data, instance))
        return serializer

    def row_errors(self, serializer_errors, data, instance):
        """The serializer's errors as a row's: a foreign key left out names both of its columns."""
        errors = flatten_errors(serializer_errors)
        for fk in self.foreign_keys:
            if fk.column in errors and fk.column not in data and instance is None:
                errors[fk.column] = [f"Give {fk.column} or {fk.name_column} (the {fk.label}'s name)"]
        return errors

    def changed_fields(self, instance, serializer):
        """The fields whose validated value differs from the record's."""
        changed = []
        for name, value in serializer.validated_data.items():
            model_field = instance._meta.get_field(name)
            if model_field.is_relation:
                if getattr(instance, model_field.attname) != (value.pk if value is not None else None):
                    changed.append(name)
            elif getattr(instance, name) != value:
                changed.append(name)
        return changed

    def save(self, serializer, instance, *, pk=None, user=None, note=""):
        """Write a validated row through the resource's services (a stock quantity moves through the ledger)."""
        if self.create is None:
            return serializer.save(**({"id": pk} if instance is None and pk is not None else {}))
        fields = dict(serializer.validated_data)
        context = {"user": user, "note": note} if self.stock_field else {"user": user}
        if instance is None:
            if pk is not None:
                fields["id"] = pk
            return self.create(**fields, **context)
        return self.update(**{self.instance: instance}, **fields, **context)


def plain_create_many(model, *, rows, user=None, note=""):
    """Records with no rule beyond their serializer's, as the serializer's save() creates one, in bulk.
    A model whose save() normalises a field does it in `normalise()`, which runs here too."""
    objects = [model(**fields) for fields in rows]
    for obj in objects:
        if hasattr(obj, "normalise"):
            obj.normalise()
    return insert_objects(model, objects)


LIST_SEPARATOR = ";"


class RawProductResource(Resource):
    """Raw products, with what a label declares as plain cells (docs/import-export.md): `allergens` and
    `may_contain` as codes separated by ";" ("gluten;milk"; empty: none), and the API's `nutrition` object as
    one column per figure (`energy_kj` ... `salt`, per 100 g; empty: unknown)."""

    list_columns = ("allergens", "may_contain")

    @cached_property
    def columns(self):
        columns = []
        for name in super().columns:
            columns.extend(NUTRIENT_FIELDS if name == "nutrition" else [name])
        return columns

    def _export_chunk(self, objects, date_columns):
        for row, obj in zip(super()._export_chunk(objects, date_columns), objects, strict=True):
            for name in self.list_columns:
                row[name] = LIST_SEPARATOR.join(getattr(obj, name) or [])
            for name in NUTRIENT_FIELDS:
                row[name] = getattr(obj, name)
            yield row

    def serializer_data(self, values):
        values = dict(values)
        lists = {name: values.pop(name) for name in self.list_columns if name in values}
        figures = {name: values.pop(name) for name in NUTRIENT_FIELDS if name in values}
        data = super().serializer_data(values)
        for name, cell in lists.items():
            text = "" if is_blank(cell) else str(cell)
            data[name] = [code.strip() for code in text.split(LIST_SEPARATOR) if code.strip()]
        if figures:
            data["nutrition"] = {name: None if is_blank(cell) else cell for name, cell in figures.items()}
        return data


class ProductResource(Resource):
    """Catalogue products (section B). The category is given by name and created when missing (or by
    `category_id`, which must exist). Images are not part of files: an update leaves them as they are.
    Imported row by row: a row may create the category that later rows name."""

    bulk = False

    def __init__(self, name):
        super().__init__(name, ProductInputSerializer, model=Product, natural_key=("name",), stock_field="quantity")

    columns = ("id", "name", "category", "quantity", "description")
    foreign_keys = ()
    has_id = True

    @property
    def accepted_columns(self):
        return [*self.columns, "category_id"]

    def required_columns(self):
        return [("name",), ("category", "category_id")]

    def export_queryset(self):
        return Product.objects.select_related("category").order_by("pk")

    def export_rows(self, queryset=None, chunk_size=1000):
        queryset = self.export_queryset() if queryset is None else queryset
        for product in queryset.iterator(chunk_size=chunk_size):
            yield {
                "id": product.pk,
                "name": product.name,
                "category": product.category.name,
                "quantity": product.quantity,
                "description": product.description,
            }

    def resolve_references(self, values, context, errors):
        raw_id, raw_name = values.pop("category_id", None), values.get("category")
        name = "" if is_blank(raw_name) else str(raw_name).strip()
        if not is_blank(raw_id):
            try:
                pk = parse_id(raw_id)
            except (TypeError, ValueError):
                errors["category_id"] = [f"Expected the id of a category (a whole number), not '{raw_id}'"]
                return
            actual = context.name_of(Category, pk)
            if actual is None:
                errors["category_id"] = [f"Category {pk} does not exist."]
            elif name and actual.casefold() != name.casefold():
                errors["category"] = [f"Category {pk} is named '{actual}', not '{name}'"]
            else:
                values["category"] = actual
            return
        if not name or catalogue_services.category_find(name=name) is not None:
            return
        # A category named in a file but unknown here is created, by the API's rules for a new category.
        serializer = CategoryInputSerializer(data={"name": name})
        if not serializer.is_valid():
            errors["category"] = flatten_errors(serializer.errors).get("name", ["Invalid category name"])
            return
        catalogue_services.category_create(name=serializer.validated_data["name"])
        context.notes.append(f"Category '{name}' created")

    def validate(self, data, instance):
        serializer = ProductInputSerializer(data=data, partial=instance is not None)
        if not serializer.is_valid():
            raise RowError(flatten_errors(serializer.errors))
        return serializer

    def changed_fields(self, instance, serializer):
        data = serializer.validated_data
        changed = [
            name
            for name in ("name", "description", "quantity")
            if data.get(name, getattr(instance, name)) != getattr(instance, name)
        ]
        if "category" in data and data["category"].pk != instance.category_id:
            changed.append("category")
        return changed

    def save(self, serializer, instance, *, pk=None, user=None, note=""):
        data = serializer.validated_data
        if instance is None:
            return catalogue_services.product_create(
                name=data["name"],
                category=data["category"],
                description=data.get("description", ""),
                quantity=data.get("quantity", 0),
                user=user,
                pk=pk,
                note=note,
            )
        return catalogue_services.product_update(
            product=instance,
            name=data.get("name", instance.name),
            category=data.get("category", instance.category),
            description=data.get("description"),
            quantity=data.get("quantity"),
            user=user,
            note=note,
        )


# In the order a complete load goes: every resource after the ones it refers to.
REGISTRY = {
    resource.name: resource
    for resource in [
        Resource("suppliers", SupplierSerializer, natural_key=("email",)),
        RawProductResource(
            "raw-products",
            RawProductSerializer,
            natural_key=("name",),
            stock_field="stock_quantity",
            create=inventory_services.raw_product_create,
            update=inventory_services.raw_product_update,
            create_many=inventory_services.raw_products_create_many,
            instance="product",
        ),
        Resource(
            "finished-products",
            FinishedProductSerializer,
            natural_key=("name",),
            stock_field="stock_quantity",
            create=inventory_services.finished_product_create,
            update=inventory_services.finished_product_update,
            create_many=inventory_services.finished_products_create_many,
            instance="product",
        ),
        Resource("clients", ClientSerializer, natural_key=("name",)),
        Resource(
            "supplier-raw-products",
            SupplierRawProductSerializer,
            natural_key=("supplier_id", "raw_product_id"),
            create=inventory_services.supplier_raw_product_create,
            update=inventory_services.supplier_raw_product_update,
            create_many=inventory_services.supplier_raw_products_create_many,
            instance="line",
        ),
        Resource(
            "recipe-items",
            RecipeItemSerializer,
            natural_key=("finished_product_id", "raw_product_id"),
            create=production_services.recipe_item_create,
            update=production_services.recipe_item_update,
            create_many=production_services.recipe_items_create_many,
            instance="item",
        ),
        Resource(
            "recipe-components",
            RecipeComponentSerializer,
            natural_key=("finished_product_id", "component_id"),
            create=production_services.recipe_component_create,
            update=production_services.recipe_component_update,
            instance="item",
        ),
        Resource(
            "raw-product-orders",
            RawProductOrderSerializer,
            # A file's new orders are past records, entered as they stand (their stock is in the products').
            create=partial(order_services.raw_product_order_create, historical=True),
            update=order_services.raw_product_order_update,
            instance="order",
        ),
        Resource(
            "production-plans",
            ProductionPlanSerializer,
            create=production_services.production_plan_create,
            update=production_services.production_plan_update,
            instance="plan",
        ),
        Resource(
            "finished-product-orders",
            FinishedProductOrderSerializer,
            create=partial(order_services.finished_product_order_create, historical=True),
            update=order_services.finished_product_order_update,
            instance="order",
        ),
        ProductResource("products"),
    ]
}


def resource_for_model(model):
    return next((resource for resource in REGISTRY.values() if resource.model is model), None)
