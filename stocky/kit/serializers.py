"""Serializer pieces shared by the section A resources."""

from rest_framework import serializers
from rest_framework.validators import UniqueValidator


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key given as an integer. DRF hands any JSON number to the database lookup, where 1.5 is
    truncated to record 1 and 1e400 (infinity) raises OverflowError: a number with a fraction, or not
    finite, is refused as not an id."""

    def to_internal_value(self, data):
        if isinstance(data, float):
            if not data.is_integer():
                self.fail("incorrect_type", data_type="float")
            data = int(data)  # 7.0 is 7: JSON does not tell them apart
        return super().to_internal_value(data)


class BoundedUniqueValidator(UniqueValidator):
    """DRF's UniqueValidator, skipped for a value longer than the field allows.

    DRF runs every validator of a field even after one failed, so a 70,000-character e-mail reached the
    uniqueness query although the length check had refused it; on SQLite its LIKE pattern (`iexact`) is
    over the 50,000-byte limit and the query fails. The field's own max_length already reports the value.
    """

    def __call__(self, value, serializer_field):
        max_length = getattr(serializer_field, "max_length", None)
        if max_length is not None and isinstance(value, str) and len(value) > max_length:
            return
        super().__call__(value, serializer_field)


def related_id(model, source, label=None, **kwargs):
    """A foreign key written and read as `<source>_id`; an unknown id is a 400 on that field.

    Reading it costs no query: DRF reads the `<source>_id` column of the row it already has.
    """
    label = label or model._meta.verbose_name.capitalize()
    return IdRelatedField(
        source=source,
        queryset=model._default_manager.all(),
        error_messages={
            "does_not_exist": f"{label} {{pk_value}} does not exist.",
            "incorrect_type": f"Expected the id of a {label.lower()} (an integer), received {{data_type}}.",
        },
        **kwargs,
    )


class OptionalTextField(serializers.CharField):
    """An optional text field that also takes `null` for "nothing" and stores it as empty text.

    Front ends commonly send null for an empty optional input; the columns are NOT NULL with '' as
    their empty value, so null is translated rather than refused.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class OptionalEmailField(OptionalTextField, serializers.EmailField):
    pass


class OptionalURLField(OptionalTextField, serializers.URLField):
    pass


def records(serializer, model):
    """The records of `model` a validation looks among: the table, or what the caller already read for the
    rows at hand (`context["records"][model]`: an import reads them for a thousand rows in one query)."""
    prefetched = serializer.context.get("records", {}).get(model)
    return model._default_manager.all() if prefetched is None else prefetched


class PairKeyedSerializer(serializers.ModelSerializer):
    """A link row identified by a pair of foreign keys (price list line, recipe item).

    The pair is required on create and must not exist yet (a 400, not a database error). On update
    the pair comes from the URL: a body may repeat it but not change it.
    """

    pair_fields = ()  # the two serializer field names, e.g. ("supplier_id", "raw_product_id")
    pair_exists_message = "This pair already exists."

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in self.pair_fields:
                fields[name].required = False
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        sources = {name: self.fields[name].source for name in self.pair_fields}
        if self.instance is None:
            lookup = {source: attrs[source] for source in sources.values()}
            if records(self, self.Meta.model).filter(**lookup).exists():
                raise serializers.ValidationError({"non_field_errors": [self.pair_exists_message]})
            return attrs
        errors = {}
        for name, source in sources.items():
            if source in attrs and attrs[source].pk != getattr(self.instance, f"{source}_id"):
                errors[name] = [f"{name} cannot be changed by an update; delete this record and create a new one."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
