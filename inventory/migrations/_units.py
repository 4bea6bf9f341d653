"""Shared by the data migrations that put units of measure in canonical form (not a migration: the leading
underscore keeps Django's loader away)."""


def normalize_units(apps, models):
    """Store every unit already typed as its canonical symbol ("L" -> "l"); leave unknown ones as they are
    (they are refused at their next edit). `models`: [(app_label, model_name, field)].

    Rows are picked by pk: a lookup on the unit itself would already be normalised by the field.
    """
    from inventory.units import UnitError, normalize_unit

    for app_label, model_name, field in models:
        model = apps.get_model(app_label, model_name)
        changes = {}
        for pk, value in model.objects.values_list("pk", field).iterator():
            try:
                canonical = normalize_unit(value)
            except (UnitError, TypeError):
                continue
            if canonical != value:
                changes.setdefault(canonical, []).append(pk)
        for canonical, pks in changes.items():
            for start in range(0, len(pks), 1000):
                model.objects.filter(pk__in=pks[start : start + 1000]).update(**{field: canonical})
