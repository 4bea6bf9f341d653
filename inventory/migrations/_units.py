"""Shared by the data migrations that put units of measure in canonical form (not a migration: the leading
underscore keeps Django's loader away)."""


def normalize_units(apps, models):
    """Store every unit already typed as its canonical symbol ("L" -> "l"); leave unknown ones as they are
    (they are refused at their next edit). `models`: [(app_label, model_name, field)]."""
    from inventory.units import UnitError, normalize_unit

    for app_label, model_name, field in models:
        model = apps.get_model(app_label, model_name)
        for value in set(model.objects.values_list(field, flat=True).distinct()):
            try:
                canonical = normalize_unit(value)
            except (UnitError, TypeError):
                continue
            if canonical != value:
                model.objects.filter(**{field: value}).update(**{field: canonical})
