from django.db import migrations


def open_lots(apps, schema_editor):
    from inventory.migrations import _lots

    names = ("Lot", "StockMovement", "RawProduct", "FinishedProduct")
    _lots.open_lots({name: apps.get_model("inventory", name) for name in names})


def close_lots(apps, schema_editor):
    # Back to stock without lots: the ledger forgets its lots, which go with the table.
    apps.get_model("inventory", "StockMovement").objects.update(lot=None)
    apps.get_model("inventory", "Lot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_lots")]

    operations = [migrations.RunPython(open_lots, close_lots)]
