"""Table versions: a change stamp per table, kept by database triggers, so that any process can tell in one
query whether what it rendered earlier is still what the database holds (docs/caching.md).

Every write to a versioned table (INSERT, UPDATE, DELETE, by anyone: the API, the admin, an import, another
node, a hand-typed UPDATE) replaces one of the table's stamps with a new random number, in the same
transaction as the write. A table's version is the sum of its stamps. So a version read after a write
committed differs from every version read before it, and a rolled-back write leaves no trace.

The stamps of a table are spread over SHARDS rows, chosen by the writer's connection (MariaDB), so that two
transactions writing the same table do not wait for each other on one row until they commit. SQLite has one
writer at a time: one row per table there.
"""

import re
from contextlib import contextmanager
from functools import cache

from django.apps import apps
from django.db import connections, transaction

TABLE = "stocky_table_version"
SHARDS = 16
# Stamps below 2**52: the sum of 16 of them stays within SQLite's 64-bit integers (SUM overflows otherwise).
STAMP_RANGE = 2**52
# Apps whose tables no cached read ever reads and whose writes are frequent (a session or a log-in attempt
# per request): no trigger; a read that touches one of them is simply never cached.
UNVERSIONED_APPS = frozenset({"sessions", "axes", "django_tasks_db", "token_blacklist"})
# MariaDB: the session variable naming the one table whose INSERT trigger stays quiet while `stamped_once`
# inserts many rows into it (and stamps it once itself).
UNSTAMPED = "@stocky_unstamped"


@cache
def versioned_tables():
    """The tables that carry triggers: every concrete table of the installed apps' models but the above."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.managed and not opts.proxy and opts.app_label not in UNVERSIONED_APPS:
            tables.add(opts.db_table)
    return frozenset(tables)


@cache
def model_tables():
    """Every table a model of the installed apps names, versioned or not."""
    return frozenset(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.db_table
    )


@cache
def table_pattern():
    """A regex finding the model tables a SQL statement names (quoted or not: `\\b` ends a name at a quote)."""
    names = sorted(model_tables(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(name) for name in names) + r")\b")


def trigger_name(table, event):
    # MariaDB allows 64 characters; every table name here is far shorter.
    return f"stocky_v_{table}_{event[0].lower()}"[:64]


def create_table_sql(vendor):
    if vendor == "mysql":
        return (
            f"CREATE TABLE IF NOT EXISTS {TABLE} (table_name VARCHAR(64) CHARACTER SET ascii NOT NULL, "
            "shard SMALLINT NOT NULL, stamp BIGINT NOT NULL, PRIMARY KEY (table_name, shard)) ENGINE=InnoDB"
        )
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} (table_name TEXT NOT NULL, shard INTEGER NOT NULL, "
        "stamp INTEGER NOT NULL, PRIMARY KEY (table_name, shard)) WITHOUT ROWID"
    )


def shards(vendor):
    return SHARDS if vendor == "mysql" else 1


def stamp_sql(vendor, table):
    """The statement replacing the writer's stamp of `table`: a plain UPDATE of an existing row (seeded by
    `install`) by primary key: one row lock, no gap lock, so writers on other shards never wait on it."""
    if vendor == "mysql":
        return (
            f"UPDATE {TABLE} SET stamp = FLOOR(RAND() * {STAMP_RANGE}) "
            f"WHERE table_name = '{table}' AND shard = CONNECTION_ID() % {SHARDS}"
        )
    return f"UPDATE {TABLE} SET stamp = abs(random() % {STAMP_RANGE}) WHERE table_name = '{table}'"


def trigger_sql(vendor, table):
    """The three triggers of `table`: each write replaces the stamp of the writer's shard.

    On MariaDB the INSERT trigger does nothing while the session's UNSTAMPED variable names its table:
    `stamped_once` sets it around a bulk insert and stamps the table itself, once, before the transaction
    can commit. UPDATE and DELETE never look at it.
    """
    statements = []
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = trigger_name(table, event)
        if vendor == "mysql":
            body = stamp_sql(vendor, table)
            if event == "INSERT":
                body = f"IF NOT ({UNSTAMPED} <=> '{table}') THEN {body}; END IF"
            statements.append(f"CREATE TRIGGER IF NOT EXISTS `{name}` AFTER {event} ON `{table}` FOR EACH ROW {body}")
        else:
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {event} ON "{table}" FOR EACH ROW BEGIN '
                f"{stamp_sql(vendor, table)}; END"
            )
    return statements


def install(connection, tables=None):
    """Create the versions table, a row per table and shard, and the triggers of `tables` (default: every
    versioned table that exists). Idempotent: `migrate` runs it after every migration (post_migrate), as
    SQLite drops a table's triggers when a migration rebuilds the table."""
    vendor = connection.vendor
    if vendor not in ("mysql", "sqlite"):
        return
    existing = set(connection.introspection.table_names())
    tables = sorted((set(tables) if tables is not None else versioned_tables()) & existing)
    insert = "INSERT IGNORE INTO" if vendor == "mysql" else "INSERT OR IGNORE INTO"
    with connection.cursor() as cursor:
        cursor.execute(create_table_sql(vendor))
        rows = [(table, shard) for table in tables for shard in range(shards(vendor))]
        if rows:
            cursor.executemany(f"{insert} {TABLE} (table_name, shard, stamp) VALUES (%s, %s, 0)", rows)
        for table in tables:
            for statement in trigger_sql(vendor, table):
                cursor.execute(statement)


def replace_insert_triggers(connection):
    """MariaDB: recreate every INSERT trigger with the current body, each in one statement (CREATE OR REPLACE:
    no moment without a trigger), then whatever else `install` adds. A migration that changes the body runs it."""
    if connection.vendor != "mysql":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in sorted(versioned_tables() & existing):
            (insert, *_) = trigger_sql(connection.vendor, table)
            cursor.execute(insert.replace("CREATE TRIGGER IF NOT EXISTS", "CREATE OR REPLACE TRIGGER", 1))
    install(connection)


@contextmanager
def stamped_once(table, using="default"):
    """Write many rows into `table` inside the block with one stamp instead of one per row (MariaDB).

    Its INSERT trigger is quiet while UNSTAMPED names the table; the block runs in a transaction (the
    caller's, or one of its own), and the table is stamped at its end, before anything can commit: a reader
    never sees the rows under the version it read before them, as with the per-row stamps. If the block
    fails, its rows go with the transaction's (or the caller's savepoint's) rollback. The variable lives only
    as long as the block: cleared in `finally` whatever happened, and should clearing fail the connection is
    closed, so that no later write on that session can go unstamped. Elsewhere (SQLite, an unversioned
    table) the block runs as it is, every row stamped by its trigger."""
    connection = connections[using]
    if connection.vendor != "mysql" or table not in versioned_tables():
        yield
        return
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        try:
            cursor.execute(f"SET {UNSTAMPED} = %s", [table])
            yield
        finally:
            try:
                cursor.execute(f"SET {UNSTAMPED} = NULL")
                cursor.execute(stamp_sql(connection.vendor, table))
            except BaseException:
                connection.close()
                raise


def uninstall(connection):
    with connection.cursor() as cursor:
        for table in sorted(versioned_tables()):
            for event in ("INSERT", "UPDATE", "DELETE"):
                quoted = connection.ops.quote_name(trigger_name(table, event))
                cursor.execute(f"DROP TRIGGER IF EXISTS {quoted}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def install_after_migrate(using="default", **kwargs):
    """post_migrate receiver (accounts.apps): triggers for every table, including any a migration just made."""
    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        install(connection)


def read(tables, using="default"):
    """{table: version} for those of `tables` that have triggers (rows in the versions table), in one query."""
    tables = tuple(tables)
    if not tables:
        return {}
    placeholders = ", ".join(["%s"] * len(tables))
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT table_name, SUM(stamp) FROM {TABLE} WHERE table_name IN ({placeholders}) GROUP BY table_name",
            tables,
        )
        return {name: int(total) for name, total in cursor.fetchall()}


def read_all(using="default"):
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT table_name, SUM(stamp) FROM {TABLE} GROUP BY table_name")
        return {name: int(total) for name, total in cursor.fetchall()}
