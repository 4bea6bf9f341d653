"""The shared cache's table (CACHES in stocky/settings.py: throttle counts, the token check's user rows).

`stocky_cache`, the default CACHE_URL's table, is made whatever CACHE_URL says, so that the schema does not
depend on the environment `migrate` runs in (the tests' processes use a per-process cache, the servers they
start use this table); an unused table costs nothing. Any other database cache named in CACHES is made too.
A cache table named after this migration ran needs `manage.py createcachetable`, once.
"""

from django.core.management import call_command
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "stocky_cache"


def create_cache_tables(apps, schema_editor):
    database = schema_editor.connection.alias
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(database, TABLE, dry_run=False)
    call_command("createcachetable", database=database, verbosity=0)


def drop_cache_table(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_token_version")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_table, elidable=False)]
