"""Load without loss: minutes of mixed reads and racing writes over HTTP, then the books must balance.

Several client threads (http.client, one connection each) run a weighted mix of reads and writes for
the given time: hub order approvals racing on a few products with little stock, cancellations that give
stock back, manual quantity changes, raw-product stock set by PATCH on a few hot materials, new raw
products, and production completions when that endpoint exists. Then `check` asserts, from the
database: no 5xx and no unexpected status, no stock below zero, and for every stocked item the sum of
its ledger entries since the start equal to its stock change since the start (its last ledger balance
equal to its stock too).
"""

import http.client
import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, Sum

from inventory.models import FinishedProduct, Product, RawProduct, StockMovement

STOCKED = {
    "raw_product": (RawProduct, "stock_quantity"),
    "finished_product": (FinishedProduct, "stock_quantity"),
    "product": (Product, "quantity"),
}


def completion_route_exists():
    """Whether POST /production-plans/<id>/complete is routed (it lands with the production work)."""
    from django.urls import Resolver404, resolve

    from stocky.kit import api

    try:
        match = resolve("/api/v1/production-plans/1/complete")
    except Resolver404:
        return False
    return match.func is not api.api_not_found


# --- Snapshots and the check ----------------------------------------------------------------------


def stock_snapshot():
    """{(item_type, id): quantity} for every stocked item."""
    snapshot = {}
    for item_type, (model, quantity_field) in STOCKED.items():
        for pk, quantity in model.objects.values_list("pk", quantity_field):
            snapshot[(item_type, pk)] = quantity
    return snapshot


@dataclass
class Start:
    stock: dict
    last_movement_id: int


def start():
    return Start(stock=stock_snapshot(), last_movement_id=StockMovement.objects.aggregate(m=Max("id"))["m"] or 0)


def check(begin, stats=None):
    """The soak's verdict from the database (and the clients' statistics): {"ok": bool, "failures": [...], ...}."""
    failures = []
    now = stock_snapshot()
    moved = {
        (row["item_type"], row["item_id"]): row
        for row in StockMovement.objects.filter(id__gt=begin.last_movement_id)
        .values("item_type", "item_id")
        .annotate(total=Sum("change"), last=Max("id"), lowest=Min("balance_after"))
    }
    negative = [key for key, quantity in now.items() if quantity < 0]
    negative += [key for key, row in moved.items() if row["lowest"] < 0]
    if negative:
        failures.append(f"stock below zero: {sorted(set(negative))[:10]}")

    last_balances = dict(
        StockMovement.objects.filter(id__in=[row["last"] for row in moved.values()]).values_list("id", "balance_after")
    )
    mismatches = []
    for key in sorted(set(now) | set(moved)):
        change = now.get(key, Decimal(0)) - begin.stock.get(key, Decimal(0))
        row = moved.get(key)
        ledger = row["total"] if row else Decimal(0)
        if ledger != change:
            mismatches.append({"item": f"{key[0]} {key[1]}", "stock_change": str(change), "ledger_sum": str(ledger)})
        elif row and last_balances[row["last"]] != now.get(key, Decimal(0)):
            mismatches.append(
                {
                    "item": f"{key[0]} {key[1]}",
                    "stock": str(now.get(key)),
                    "last_ledger_balance": str(last_balances[row["last"]]),
                }
            )
    if mismatches:
        kinds = Counter(entry["item"].split()[0] for entry in mismatches)
        by_kind = ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items()))
        failures.append(f"ledger differs from stock for {len(mismatches)} item(s) ({by_kind}), e.g. {mismatches[:3]}")

    if stats is not None:
        if stats.server_errors:
            failures.append(f"{stats.server_errors} responses were 5xx")
        if stats.transport_errors:
            failures.append(f"{stats.transport_errors} requests failed to connect or read: {stats.last_error}")
        if stats.unexpected:
            failures.append(f"unexpected statuses: {dict(stats.unexpected)}")
    return {
        "ok": not failures,
        "failures": failures,
        "items_checked": len(set(now) | set(moved)),
        "items_moved": len(moved),
        "ledger_entries": StockMovement.objects.filter(id__gt=begin.last_movement_id).count(),
        "mismatches": mismatches[:50],
    }


# --- The clients ----------------------------------------------------------------------------------


@dataclass
class Stats:
    by_operation: dict = field(default_factory=lambda: defaultdict(Counter))
    unexpected: Counter = field(default_factory=Counter)
    server_errors: int = 0
    transport_errors: int = 0
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation, status, expected):
        with self.lock:
            self.by_operation[operation][status] += 1
            if status >= 500:
                self.server_errors += 1
            elif status not in expected:
                self.unexpected[f"{operation} {status}"] += 1

    def failed(self, operation, error):
        with self.lock:
            self.by_operation[operation]["transport error"] += 1
            self.transport_errors += 1
            self.last_error = f"{operation}: {error!r}"

    def as_dict(self):
        return {
            "operations": {
                op: {str(k): v for k, v in counts.items()} for op, counts in sorted(self.by_operation.items())
            },
            "requests": sum(sum(c.values()) for c in self.by_operation.values()),
            "server_errors": self.server_errors,
            "transport_errors": self.transport_errors,
            "unexpected": dict(self.unexpected),
        }


class Plan:
    """What the clients act on: shared, so that they race on the same rows."""

    def __init__(
        self,
        *,
        raw_product_ids,
        hot_raw_product_ids,
        product_ids,
        scarce_product_ids,
        plan_ids,
        completions,
        plan_products=None,
    ):
        self.raw_product_ids, self.hot_raw_product_ids = raw_product_ids, hot_raw_product_ids
        self.product_ids, self.scarce_product_ids = product_ids, scarce_product_ids
        self.plan_ids, self.completions = plan_ids, completions
        # {finished product id: its unit}: the products of the first plans, whose recipes use the hot materials.
        self.plan_products = plan_products or {}
        self.pending, self.ready = [], []  # hub order ids the soak created / approved
        self.open_plans = list(plan_ids)  # production plans not known to be completed yet
        self.lock = threading.Lock()

    def remember(self, bucket, order_id):
        with self.lock:
            bucket.append(order_id)
            if len(bucket) > 200:
                del bucket[:100]

    def pick(self, rng, bucket):
        with self.lock:
            return rng.choice(bucket) if bucket else None


class Client(threading.Thread):
    def __init__(self, number, *, port, token, plan, stats, deadline, seed):
        super().__init__(name=f"soak-client-{number}", daemon=True)
        self.port, self.token, self.plan, self.stats, self.deadline = port, token, plan, stats, deadline
        self.rng = random.Random(seed)
        self.connection = None
        self.operations = [
            (10, self.read_raw_products),
            (10, self.read_raw_product),
            (5, self.read_raw_product_orders),
            (10, self.read_products),
            (5, self.read_catalogue_orders),
            (3, self.create_raw_product),
            (6, self.set_raw_stock),
            (10, self.create_order),
            (10, self.approve),
            (3, self.cancel_ready),
            (4, self.change_quantity),
        ]
        if plan.completions:
            self.operations += [(2, self.create_plan), (3, self.complete_plan)]
        self.weights = [weight for weight, _ in self.operations]

    def call(self, operation, method, path, body=None, expected=(200,)):
        headers = {"Authorization": f"Bearer {self.token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            if response.will_close:
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException) as error:
            self.stats.failed(operation, error)
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return None, None
        self.stats.record(operation, response.status, expected)
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    # Reads
    def read_raw_products(self):
        pages = max(1, len(self.plan.raw_product_ids) // 50)
        self.call("read raw products", "GET", f"/api/v1/raw-products?page={self.rng.randint(1, pages)}&page_size=50")

    def read_raw_product(self):
        self.call("read raw product", "GET", f"/api/v1/raw-products/{self.rng.choice(self.plan.raw_product_ids)}")

    def read_raw_product_orders(self):
        self.call("read raw-product orders", "GET", "/api/v1/raw-product-orders?page=1&page_size=50")

    def read_products(self):
        pages = max(1, len(self.plan.product_ids) // 10)
        self.call("read products page", "GET", f"/api/v1/products?page={self.rng.randint(1, pages)}&pageSize=10")

    def read_catalogue_orders(self):
        self.call("read hub orders page", "GET", "/api/v1/products/orders?page=1&pageSize=10")

    # Writes
    def create_raw_product(self):
        body = {
            "name": f"Soak material {self.rng.randint(1, 10**6)}",
            "stock_quantity": self.rng.randint(0, 50),
            "unit_of_measure": "kg",
        }
        status, data = self.call("create raw product", "POST", "/api/v1/raw-products", body, expected=(201,))
        if status == 201:
            with self.plan.lock:
                self.plan.raw_product_ids.append(data["data"]["id"])

    def set_raw_stock(self):
        product_id = self.rng.choice(self.plan.hot_raw_product_ids)
        body = {"stock_quantity": self.rng.randint(0, 40)}
        self.call("set raw stock (PATCH)", "PATCH", f"/api/v1/raw-products/{product_id}", body)

    def create_order(self):
        body = {
            "itemId": self.rng.choice(self.plan.scarce_product_ids),
            "client": "Soak",
            "quantity": self.rng.randint(1, 3),
            "initialState": "Pending",
        }
        # 400: more than the product has at this moment (SPEC), a normal answer under this load.
        status, data = self.call("create hub order", "POST", "/api/v1/products/orders", body, expected=(201, 400))
        if status == 201:
            self.plan.remember(self.plan.pending, data["id"])

    def approve(self):
        order_id = self.plan.pick(self.rng, self.plan.pending)
        if order_id is None:
            return self.create_order()
        # 409: someone approved or cancelled it first, or the stock is gone: the race this soak runs.
        status, _ = self.call(
            "approve hub order",
            "PATCH",
            f"/api/v1/products/orders/state/{order_id}",
            {"transition": "Ready"},
            expected=(200, 409),
        )
        if status == 200:
            self.plan.remember(self.plan.ready, order_id)

    def cancel_ready(self):
        order_id = self.plan.pick(self.rng, self.plan.ready)
        if order_id is None:
            return self.approve()
        self.call(
            "cancel ready order",
            "PATCH",
            f"/api/v1/products/orders/state/{order_id}",
            {"transition": "Cancelled"},
            expected=(200, 409),
        )

    def change_quantity(self):
        product_id = self.rng.choice(self.plan.scarce_product_ids)
        delta = self.rng.choice([-3, -2, -1, 1, 2, 3, 4])
        self.call(
            "change product quantity",
            "PATCH",
            f"/api/v1/products/quantity/{product_id}",
            {"delta": delta, "reason": "soak"},
            expected=(200, 409),
        )

    def create_plan(self):
        if not self.plan.plan_products:
            return None  # a dataset without plans: nothing to plan for (and complete_plan would call back here)
        product_id = self.rng.choice(sorted(self.plan.plan_products))
        body = {
            "finished_product_id": product_id,
            "planned_quantity": self.rng.randint(1, 3),
            "unit_of_measure": self.plan.plan_products[product_id],
            "planned_production_date": "2026-12-01T08:00:00Z",
            "planned_duration": 1.5,
            "hourly_rate": 22,
        }
        status, data = self.call("create production plan", "POST", "/api/v1/production-plans", body, expected=(201,))
        if status == 201:
            self.plan.remember(self.plan.open_plans, data["data"]["id"])

    def complete_plan(self):
        plan_id = self.plan.pick(self.rng, self.plan.open_plans)
        if plan_id is None:
            return self.create_plan()
        # Several clients complete the same plans. 409: another client completed it first, or the materials
        # are short right now (the stock PATCHes set them low). A 400 would mean a plan that can never complete.
        self.call(
            "complete production plan", "POST", f"/api/v1/production-plans/{plan_id}/complete", {}, expected=(200, 409)
        )

    def run(self):
        try:
            while time.monotonic() < self.deadline:
                self.rng.choices([op for _, op in self.operations], self.weights)[0]()
        finally:
            if self.connection is not None:
                self.connection.close()


def run(*, port, token, plan, seconds, clients=8, seed=1):
    """Run the clients for `seconds`; returns their Stats. Bounded: each request times out after 30 s."""
    stats = Stats()
    deadline = time.monotonic() + seconds
    threads = [
        Client(n, port=port, token=token, plan=plan, stats=stats, deadline=deadline, seed=seed * 1000 + n)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return stats


def prepare(*, data, scarce=3, scarce_quantity=10, hot=4, user=None):
    """Give a few catalogue products little stock (through the ledger) and choose the hot materials: those
    in the recipes of the plans, so that completions and stock PATCHes race on the same rows."""
    from inventory.catalogue import services
    from production.models import RecipeItem

    scarce_ids = data.product_ids[:scarce]
    for product in Product.objects.filter(pk__in=scarce_ids):
        services.product_quantity_change(product=product, quantity=scarce_quantity, note="soak: scarce", user=user)
    plan_products = {plan.finished_product_id: plan.unit_of_measure for plan in _plans(data.plan_ids[:10])}
    hot_ids = (
        list(
            RecipeItem.objects.filter(finished_product_id__in=plan_products)
            .order_by("raw_product_id")
            .values_list("raw_product_id", flat=True)
            .distinct()[:hot]
        )
        or data.raw_product_ids[:hot]
    )
    completions = completion_route_exists()
    return Plan(
        raw_product_ids=list(data.raw_product_ids),
        hot_raw_product_ids=hot_ids,
        product_ids=list(data.product_ids),
        scarce_product_ids=scarce_ids,
        plan_ids=data.plan_ids[:10] or data.plan_ids,
        completions=completions,
        plan_products=plan_products,
    )


def _plans(ids):
    from production.models import ProductionPlan

    return ProductionPlan.objects.filter(pk__in=ids)
