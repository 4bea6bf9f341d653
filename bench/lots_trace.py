"""Trace and recall at scale (issue 12's done-when 5): one flour lot used by hundreds of batches (and batches of
those batches) shipped in thousands of sales orders; prints each call's time and query count.

Run from the project root against a migrated database (the rows are made in a transaction that is rolled
back, so any database will do): `DEBUG=1 .venv/bin/python bench/lots_trace.py --batches 300 --orders 3000`
(`DATABASE_URL` picks the database). `--batches 10 --orders 100` shows that the query count does not grow.
"""

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocky.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from inventory.lots.services import lot_recall  # noqa: E402
from inventory.models import FinishedProduct, Lot, RawProduct, StockMovement  # noqa: E402
from orders.models import Client, FinishedProductOrder  # noqa: E402
from orders.trace import lot_trace  # noqa: E402
from production.models import ProductionPlan  # noqa: E402

BATCH = 500


class Rollback(Exception):
    pass


def build(batches, orders):
    """A flour lot consumed by `batches` runs of bread; every tenth loaf batch goes into a sandwich batch
    (level 2); `orders` sales orders ship the batches. Bulk rows shaped as the services write them."""
    now = timezone.now()
    flour = RawProduct.objects.create(name="Bench flour", stock_quantity=0, unit_of_measure="kg")
    bread = FinishedProduct.objects.create(name="Bench bread", stock_quantity=0, unit_of_measure="unit")
    sandwich = FinishedProduct.objects.create(name="Bench sandwich", stock_quantity=0, unit_of_measure="unit")
    lot = Lot.objects.create(
        item_type="raw_product",
        item_id=flour.pk,
        code="BENCH-FLOUR",
        quantity=0,
        initial_quantity=batches,
        source_type="adjustment",
    )

    def plans(product, count):
        return ProductionPlan.objects.bulk_create(
            [
                ProductionPlan(
                    finished_product=product,
                    planned_quantity=10,
                    unit_of_measure="unit",
                    planned_production_date=now,
                    planned_duration=1,
                    hourly_rate=20,
                    status="completed",
                    produced_quantity=10,
                    completed_at=now,
                )
                for _ in range(count)
            ],
            batch_size=BATCH,
        )

    def outputs(product, kind, runs):
        return Lot.objects.bulk_create(
            [
                Lot(
                    item_type=kind,
                    item_id=product.pk,
                    code=f"B-{run.pk}",
                    quantity=10,
                    initial_quantity=10,
                    source_type="productionplan",
                    source_id=run.pk,
                )
                for run in runs
            ],
            batch_size=BATCH,
        )

    def consume(parent_kind, parent_item, runs, parents):
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    item_type=parent_kind,
                    item_id=parent_item.pk,
                    item_name=parent_item.name,
                    change=-1,
                    balance_after=0,
                    reason="production_consumption",
                    source_type="productionplan",
                    source_id=run.pk,
                    lot=parent,
                )
                for run, parent in zip(runs, parents, strict=True)
            ],
            batch_size=BATCH,
        )

    bread_runs = plans(bread, batches)
    bread_lots = outputs(bread, "finished_product", bread_runs)
    consume("raw_product", flour, bread_runs, [lot] * batches)
    sandwich_runs = plans(sandwich, max(1, batches // 10))
    sandwich_lots = outputs(sandwich, "finished_product", sandwich_runs)
    consume("finished_product", bread, sandwich_runs, bread_lots[: len(sandwich_runs)])
    client = Client.objects.create(
        name="Bench client",
        phone="1",
        contact_person="x",
        client_type="restaurant",
        address="1",
        city="Lyon",
        region="ARA",
    )
    shipped = [*bread_lots, *sandwich_lots]
    sales = FinishedProductOrder.objects.bulk_create(
        [
            FinishedProductOrder(
                finished_product=bread,
                client=client,
                quantity=1,
                unit_of_measure="unit",
                sale_price=1,
                expected_delivery_date=now,
                status="expedie",
            )
            for _ in range(orders)
        ],
        batch_size=BATCH,
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                item_type="finished_product",
                item_id=bread.pk,
                item_name=bread.name,
                change=Decimal(-1),
                balance_after=0,
                reason="shipment",
                source_type="finishedproductorder",
                source_id=order.pk,
                lot=shipped[i % len(shipped)],
            )
            for i, order in enumerate(sales)
        ],
        batch_size=BATCH,
    )
    return lot


def measure(label, call):
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
    print(f"{label:<8} {elapsed * 1000:8.1f} ms  {len(captured):4d} queries")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--orders", type=int, default=3000)
    args = parser.parse_args()
    try:
        with transaction.atomic():
            lot = build(args.batches, args.orders)
            print(
                f"{connection.vendor}: 1 lot, {args.batches} batches (+{max(1, args.batches // 10)} at level 2), "
                f"{args.orders} orders"
            )
            trace = measure("trace", lambda: lot_trace(lot))
            assert len(trace["forward"]["orders"]) == args.orders, "every order traced"
            measure("recall", lambda: lot_recall(lot=lot, reason="bench"))
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
