"""`seed_demo --scale N`: N - 1 more copies of the demo's history, bulk-created, for benchmarks.

Replaying 100,000 orders through the services would take hours, so the extra history is written with
`bulk_create`, and the ledger is kept true in the same way the services keep it:

- Every completed run of the demo (before today) gets, per copy, a twin run whose whole cycle happens in the
  night before it, between 00:20 and 03:20, when the workshop records nothing else: purchase orders received for
  exactly what the twin consumes, the consumption and the output, and sales orders delivered for exactly that
  output. Each entry is a real ledger row (reason, source document, user, lot), so for every item the cycle adds
  up to zero: stock is unchanged, and the ledger still sums to it.
- Every movement names its lot, as the services' do (SPEC D): each purchase order's receipt makes a lot that the
  night's runs draw, each twin run a batch that its sales ship. The night uses them up, so every lot of the bulk
  history ends empty and each item's stock is still the sum of its lots.
- `balance_after` is computed as the services would have: the item's balance at that moment (its last demo entry
  before the night) plus the cycle's running total, which never goes below zero because receipts come before
  consumption and output before shipments.
- Documents whose status does not move stock (open, out-of-stock and cancelled orders, planned, in-progress and
  cancelled runs, draft, pending and cancelled hub orders) are copied as they are. Completed and ready hub orders
  are copied with a restock (an adjustment) before their approval, which again adds up to zero.

So with any scale, each item's ledger sums to its stock and reads in order of time.
"""

import bisect
import datetime
import random
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from inventory.measures import quantize_money
from inventory.models import (
    FinishedProduct,
    Lot,
    Product,
    RawProduct,
    StockMovement,
    SupplierRawProduct,
)
from inventory.units import convert
from orders.models import (
    CatalogueOrder,
    CatalogueOrderState,
    Client,
    FinishedProductOrder,
    OrderStatus,
    RawProductOrder,
)
from production.models import PlanStatus, ProductionPlan
from stocky.demo import data

Reason = StockMovement.Reason
BATCH = 2000
NIGHT_START = datetime.time(0, 20)
NIGHT_SECONDS = 3 * 3600
MOVING_STATUSES = {
    RawProductOrder: {OrderStatus.RECU},
    FinishedProductOrder: {OrderStatus.EXPEDIE, OrderStatus.RECU},
    ProductionPlan: {PlanStatus.COMPLETED},
}


@contextmanager
def written_timestamps(*models):
    """Let bulk_create store the `created_at`/`updated_at` given (the history's times) instead of now."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def scale_history(*, copies, today, progress):
    History(today).write(copies, progress)


class History:
    """What the demo holds, read once, and how to copy it."""

    def __init__(self, today):
        self.rng = random.Random(1848)
        self.today = today
        users = {user.role: user for user in User.objects.filter(email__in=data.DEMO_EMAILS)}
        self.manager, self.cook = users["Manager"], users["User"]
        self.raw = {raw.pk: raw for raw in RawProduct.objects.prefetch_related("conversions")}
        self.finished = {product.pk: product for product in FinishedProduct.objects.all()}
        self.catalogue = {product.pk: product for product in Product.objects.all()}
        self.cheapest = {}  # raw product pk -> (supplier id, price of one stock unit)
        for row in SupplierRawProduct.objects.all():
            raw = self.raw[row.raw_product_id]
            one = convert(
                1,
                raw.unit_of_measure,
                row.unit_of_measure,
                conversions=[conversion.as_equivalence() for conversion in raw.conversions.all()],
            )
            price = row.unit_price * one
            if row.raw_product_id not in self.cheapest or price < self.cheapest[row.raw_product_id][1]:
                self.cheapest[row.raw_product_id] = (row.supplier_id, price)
        self.buyers = self.product_buyers()
        self.prices = {spec.name: Decimal(spec.price) for spec in data.PRODUCTS}

        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        completed = ProductionPlan.objects.filter(status=PlanStatus.COMPLETED, planned_production_date__lt=midnight)
        self.runs = list(completed.order_by("planned_production_date", "pk"))
        movements = defaultdict(list)
        # Per run, its entries in the order it wrote them; one line per item (a run's draws from several lots of
        # one material add up to one line, which the twin draws from the night's one receipt of it).
        cycles = defaultdict(lambda: defaultdict(Decimal))
        for source, kind, pk, change in (
            StockMovement.objects.filter(source_type="productionplan")
            .order_by("pk")
            .values_list("source_id", "item_type", "item_id", "change")
        ):
            cycles[source][(kind, pk)] += change
        for source, lines in cycles.items():
            for (kind, pk), change in lines.items():
                movements[source].append((kind, pk, change))
        self.cycle_of = {run.pk: movements[run.pk] for run in self.runs}
        # Each item's balances through the demo's history, to start a night's running total from.
        self.timeline = defaultdict(lambda: ([], []))
        for kind, pk, moment, balance in StockMovement.objects.order_by("created_at", "pk").values_list(
            "item_type", "item_id", "created_at", "balance_after"
        ):
            times, balances = self.timeline[(kind, pk)]
            times.append(moment)
            balances.append(balance)
        self.still = {
            model: list(model.objects.exclude(**{f"{status_field}__in": moving}))
            for model, status_field, moving in [
                (RawProductOrder, "status", MOVING_STATUSES[RawProductOrder]),
                (FinishedProductOrder, "status", MOVING_STATUSES[FinishedProductOrder]),
                (ProductionPlan, "status", MOVING_STATUSES[ProductionPlan]),
            ]
        }
        self.hub = list(CatalogueOrder.objects.all())

    def product_buyers(self):
        """finished product pk -> [(client, discount)] of the clients whose type buys it."""
        clients = defaultdict(list)
        for client in Client.objects.all():
            clients[client.client_type].append(client)
        kinds = {spec.name: list(spec.orders) for spec in data.PRODUCTS}
        buyers = {}
        for product in self.finished.values():
            kinds_of = kinds.get(product.name) or list(clients)
            buyers[product.pk] = [
                (client, Decimal(data.DISCOUNT[kind])) for kind in kinds_of for client in clients[kind]
            ]
        return buyers

    def balance_before(self, item, moment):
        times, balances = self.timeline[item]
        index = bisect.bisect_left(times, moment)
        return balances[index - 1] if index else Decimal(0)

    def write(self, copies, progress):
        nights = defaultdict(list)
        for run in self.runs:
            nights[timezone.localdate(run.planned_production_date)].append(run)
        bar = progress(copies, "Adding bulk history", "copies")
        slot = NIGHT_SECONDS / copies
        models = (RawProductOrder, FinishedProductOrder, ProductionPlan, CatalogueOrder, StockMovement, Lot)
        with written_timestamps(*models):
            for copy in range(copies):
                Copy(self, nights, offset=datetime.timedelta(seconds=copy * slot), number=copy + 1).write()
                bar.update(1)
        bar.close()


class Copy:
    """One more copy of the history: twin runs with their purchases and sales, and the documents that move no
    stock."""

    def __init__(self, history, nights, offset, number):
        self.history, self.nights, self.offset, self.number = history, nights, offset, number
        self.rng = history.rng
        self.movements = []  # (moment, item, change, reason, source, user, lot); sources filled in after insert
        self.lots = []  # the receipts' and the batches' lots, with the document that makes each

    def write(self):
        purchases, runs, sales = [], [], []
        for day, day_runs in sorted(self.nights.items()):
            start = timezone.make_aware(datetime.datetime.combine(day, NIGHT_START)) + self.offset
            self.night(start, day_runs, purchases, runs, sales)
        still = self.copies_that_move_nothing()
        hub, hub_moves = self.hub_copies()
        documents = [
            (RawProductOrder, purchases),
            (ProductionPlan, runs),
            (FinishedProductOrder, sales),
            (RawProductOrder, still[RawProductOrder]),
            (FinishedProductOrder, still[FinishedProductOrder]),
            (ProductionPlan, still[ProductionPlan]),
            (CatalogueOrder, hub),
        ]
        Lot.objects.bulk_create([lot for lot, _ in self.lots], batch_size=BATCH)  # the documents name them
        for model, rows in documents:
            model.objects.bulk_create(rows, batch_size=BATCH)  # sets the pks the ledger rows refer to
        for lot, source in self.lots:
            lot.source_id = source.pk
        Lot.objects.bulk_update([lot for lot, _ in self.lots], ["source_id"], batch_size=BATCH)
        self.write_ledger(hub_moves)

    def new_lot(self, kind, pk, quantity, prefix, night, source, number, **fields):
        """A lot that this night's cycle fills and empties: made with `quantity`, drawn to nothing by dawn."""
        lot = Lot(
            item_type=kind,
            item_id=pk,
            code=f"{prefix}-{night:%Y%m%d}-{self.number}-{number}",  # the services' codes have one suffix
            quantity=0,
            initial_quantity=quantity,
            source_type=Lot.Source.RAW_PRODUCT_ORDER if prefix == "PO" else Lot.Source.PRODUCTION_PLAN,
            created_at=self.moment,
            **fields,
        )
        self.lots.append((lot, source))
        return lot

    def tick(self):
        """The next moment of the night being written: each entry a microsecond after the previous one."""
        self.moment += datetime.timedelta(microseconds=1)
        return self.moment

    def night(self, start, day_runs, purchases, runs, sales):
        history = self.history
        self.moment = start
        night = timezone.localdate(start)
        consumed, received = defaultdict(Decimal), {}
        for run in day_runs:
            for kind, pk, change in history.cycle_of[run.pk]:
                if kind == "raw_product":
                    consumed[pk] -= change
        # The materials arrive first: one purchase order per material, for what the night's runs consume.
        for pk, quantity in sorted(consumed.items()):
            raw = history.raw[pk]
            supplier_id, price = history.cheapest[pk]
            ordered = start - datetime.timedelta(days=self.rng.randint(2, 6), hours=14)
            order = RawProductOrder(
                raw_product_id=pk,
                supplier_id=supplier_id,
                quantity=quantity,
                unit_of_measure=raw.unit_of_measure,
                price=quantize_money(quantity * price),
                ordered_at=ordered,
                expected_delivery_date=timezone.localdate(start),
                status=OrderStatus.RECU,
                created_at=ordered,
                updated_at=start,
            )
            purchases.append(order)
            moment = self.tick()
            lot = self.new_lot("raw_product", pk, quantity, "PO", night, order, pk, supplier_id=supplier_id)
            order.lot = received[pk] = lot
            self.movements.append((moment, ("raw_product", pk), quantity, Reason.RECEIPT, order, history.manager, lot))
        for index, run in enumerate(day_runs):
            twin = ProductionPlan(
                finished_product_id=run.finished_product_id,
                planned_quantity=run.planned_quantity,
                unit_of_measure=run.unit_of_measure,
                planned_production_date=self.moment,
                planned_duration=run.planned_duration,
                actual_duration=run.actual_duration,
                hourly_rate=run.hourly_rate,
                status=PlanStatus.COMPLETED,
                produced_quantity=run.produced_quantity,
                started_at=self.moment,
                completed_at=self.moment + datetime.timedelta(seconds=1),
                created_at=start - datetime.timedelta(days=1),
                updated_at=self.moment,
            )
            runs.append(twin)
            output = None
            for kind, pk, change in sorted(history.cycle_of[run.pk], key=lambda line: line[0] != "raw_product"):
                moment = self.tick()
                if kind == "raw_product":
                    reason, lot = Reason.PRODUCTION_CONSUMPTION, received[pk]
                else:
                    reason = Reason.PRODUCTION_OUTPUT
                    lot = twin.output_lot = self.new_lot(kind, pk, change, "B", night, twin, index + 1)
                    output = (pk, change)
                self.movements.append((moment, (kind, pk), change, reason, twin, history.cook, lot))
            pk, made = output
            for quantity in self.split(made):
                client, discount = self.rng.choice(history.buyers[pk])
                product = history.finished[pk]
                delivered = self.tick()
                sale = FinishedProductOrder(
                    finished_product_id=pk,
                    client=client,
                    quantity=quantity,
                    unit_of_measure=product.unit_of_measure,
                    sale_price=quantize_money(quantity * history.prices.get(product.name, 0) * discount),
                    ordered_at=start - datetime.timedelta(days=self.rng.randint(1, 5), hours=12),
                    expected_delivery_date=delivered,
                    status=OrderStatus.RECU,
                    created_at=start - datetime.timedelta(days=1),
                    updated_at=delivered,
                )
                sales.append(sale)
                self.movements.append(
                    (delivered, ("finished_product", pk), -quantity, Reason.SHIPMENT, sale, history.manager, lot)
                )

    def split(self, quantity):
        """A run's output shared between one to three clients, in whole stock units where it can be."""
        parts = self.rng.randint(1, 3)
        if quantity < parts * 2:
            return [quantity]
        each = (quantity / parts).to_integral_value()
        return [each] * (parts - 1) + [quantity - each * (parts - 1)]

    def copies_that_move_nothing(self):
        copies = {}
        for model, rows in self.history.still.items():
            twins = []
            for row in rows:
                twin = model(
                    **{
                        field.attname: getattr(row, field.attname)
                        for field in model._meta.concrete_fields
                        # Its lot is the original's: a copy that moved no stock has none.
                        if not field.primary_key and field.name not in ("lot", "output_lot")
                    }
                )
                if model is FinishedProductOrder:
                    twin.client = self.rng.choice(self.history.buyers[row.finished_product_id])[0]
                twins.append(twin)
            copies[model] = twins
        return copies

    def hub_copies(self):
        """Copies of the hub orders; an approved one (Ready, Completed) is restocked at night, then approved."""
        history = self.history
        orders, moves, moments = [], [], {}
        for order in history.hub:
            # A cancelled copy is one cancelled before approval, whatever its original went through.
            twin = CatalogueOrder(
                item_id=order.item_id,
                client=order.client,
                description=order.description,
                quantity=order.quantity,
                state=order.state,
                created_by_id=order.created_by_id,
                created_at=order.created_at,
                updated_at=order.updated_at,
            )
            if order.state in (CatalogueOrderState.READY, CatalogueOrderState.COMPLETED):
                night = timezone.localtime(order.created_at).date()
                self.moment = moments.get(night) or (
                    timezone.make_aware(datetime.datetime.combine(night, NIGHT_START)) + self.offset
                )
                item = ("product", order.item_id)
                # Catalogue products keep no lots (SPEC D).
                moves.append((self.tick(), item, order.quantity, Reason.ADJUSTMENT, None, history.manager, None))
                moves.append((self.tick(), item, -order.quantity, Reason.ORDER_APPROVAL, twin, history.manager, None))
                twin.created_at = twin.updated_at = moments[night] = self.moment
            orders.append(twin)
        return orders, moves

    def write_ledger(self, hub_moves):
        history = self.history
        running = defaultdict(Decimal)  # (night, item) -> change so far
        rows = []
        for moment, item, change, reason, source, user, lot in sorted(self.movements + hub_moves, key=lambda m: m[0]):
            night = timezone.localtime(moment).date()
            base = history.balance_before(item, moment)
            running[(night, item)] += change
            kind, pk = item
            record = {"raw_product": history.raw, "finished_product": history.finished, "product": history.catalogue}[
                kind
            ][pk]
            rows.append(
                StockMovement(
                    item_type=kind,
                    item_id=pk,
                    item_name=record.name,
                    change=change,
                    balance_after=base + running[(night, item)],
                    unit_of_measure=getattr(record, "unit_of_measure", ""),
                    reason=reason,
                    source_type=source._meta.model_name if source is not None else "",
                    source_id=source.pk if source is not None else None,
                    note="" if source is not None else "Restocked",
                    user=user,
                    lot=lot,
                    created_at=moment,
                )
            )
        StockMovement.objects.bulk_create(rows, batch_size=BATCH)
