"""What the table-version triggers cost writers (issue 16, docs/caching.md), on a fresh database:

1. a bulk insert of --rows raw products (batches of 1,000, as an import writes them), with and without the
   triggers;
2. --writers threads, each updating its own raw products one transaction at a time (--updates each), with the
   stamps spread over 16 shards, over 1 shard (every writer on one row), and without triggers.

    .venv/bin/python bench/versions_cost.py                 # MariaDB
    .venv/bin/python bench/versions_cost.py --db sqlite
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import Database, bench_environment, free_port  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["mariadb", "sqlite"], default="mariadb")
    parser.add_argument("--mariadb-url", default=os.environ.get("BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306"))
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--updates", type=int, default=300)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    database = Database(args.db, f"stocky_versions_{os.getpid()}", args.mariadb_url)
    os.environ.update(bench_environment(database.url, free_port()))
    try:
        database.create()
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections, transaction

        from inventory.models import RawProduct
        from stocky.kit import versions

        call_command("migrate", verbosity=0, interactive=False)
        table = RawProduct._meta.db_table

        def triggers(shards):
            with connection.cursor() as cursor:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {connection.ops.quote_name(versions.trigger_name(table, event))}"
                    )
            if shards:
                versions.SHARDS = shards
                versions.install(connection, [table])

        def bulk_insert():
            RawProduct.objects.all().delete()
            start = time.perf_counter()
            for first in range(0, args.rows, 1000):
                rows = [
                    RawProduct(name=f"Material {n}", stock_quantity=1, unit_of_measure="kg")
                    for n in range(first, min(first + 1000, args.rows))
                ]
                with transaction.atomic():
                    RawProduct.objects.bulk_create(rows)
            return time.perf_counter() - start

        def racing_updates():
            ids = list(RawProduct.objects.order_by("id").values_list("id", flat=True)[: args.writers * 10])

            def work(n):
                mine = ids[n * 10 : (n + 1) * 10]
                for i in range(args.updates):
                    with transaction.atomic():
                        RawProduct.objects.filter(pk=mine[i % 10]).update(stock_quantity=i)
                connections.close_all()

            threads = [threading.Thread(target=work, args=(n,)) for n in range(args.writers)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return args.writers * args.updates / (time.perf_counter() - start)

        print(f"{database.url}: {args.rows:,} rows in batches of 1,000; {args.writers} writers x {args.updates}")
        for label, shards in (("triggers, 16 shards", 16), ("no triggers", 0), ("triggers, 16 shards", 16)):
            triggers(shards)
            seconds = bulk_insert()
            print(f"  bulk insert, {label}: {seconds:.2f} s ({args.rows / seconds:,.0f} rows/s)")
        for label, shards in (("16 shards", 16), ("1 shard", 1), ("no triggers", 0), ("16 shards", 16)):
            triggers(shards)
            print(f"  racing single-row updates, {label}: {racing_updates():,.0f} commits/s")
    finally:
        database.drop()


if __name__ == "__main__":
    main()
