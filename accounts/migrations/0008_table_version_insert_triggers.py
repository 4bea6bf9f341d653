"""MariaDB: the INSERT triggers of the table versions stay quiet while a bulk insert names their table in the
session variable @stocky_unstamped, and the insert stamps the table once itself (stocky/kit/versions.py,
`stamped_once`; docs/caching.md). Replaces the INSERT trigger of every versioned table with that body.

Going back leaves the new triggers: with the variable never set (older code never sets it) they stamp every
row, as the old ones did. SQLite keeps its triggers as they are.
"""

from django.db import migrations

from stocky.kit import versions


def replace(apps, schema_editor):
    versions.replace_insert_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_alter_invitation_delivery_status")]

    operations = [migrations.RunPython(replace, migrations.RunPython.noop, elidable=False)]
