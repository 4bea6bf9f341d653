"""Table versions (stocky/kit/versions.py, docs/caching.md): the `stocky_table_version` table and the triggers
that replace a table's stamp on every INSERT, UPDATE and DELETE, so that every process can tell whether an
answer it rendered earlier is still current.

Here in accounts, like the cache table, because it is the first app to migrate; the tables of the apps that
migrate later get their triggers from the post_migrate receiver (accounts/apps.py), which runs after every
`migrate` and also restores the triggers of a table that SQLite rebuilt during a migration. The table is no
model, so `flush` and the test runner never empty it.
"""

from django.db import migrations

from stocky.kit import versions


def install(apps, schema_editor):
    versions.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    versions.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_cache_table")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
