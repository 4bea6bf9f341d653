"""Load without loss: minutes of mixed reads and racing writes over HTTP, then the books must balance.

Several client threads (http.client, one connection per node each) run a weighted mix of reads and writes for
the given time against one or more application servers (nodes: separate processes on separate ports, as
separate machines would run them, on one database), each client mostly on its own node: hub order approvals
racing on a few products with little stock, cancellations that give stock back, manual quantity changes,
raw-product stock set by PATCH on a few hot materials, new raw products, and production completions when that
endpoint exists. And a read-your-write check across nodes: a client reads one of its own raw products on
another node (single row, its list page, a search), changes its name and stock through its own node, and reads
them at once on the other node again, with If-None-Match when the first read gave an ETag: an answer that is
not the write (or a 304) is a stale read.

Then `check` asserts, from the database: no 5xx and no unexpected status, no stale read, no stock below zero,
for every stocked item the sum of its ledger entries since the start equal to its stock change since the start
(its last ledger balance equal to its stock too), and for every raw or finished product with lots the sum of
its lots equal to its stock.
"""

import http.client
import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.db.models import Max, Min, Sum

from inventory.models import FinishedProduct, Lot, Product, RawProduct, StockMovement

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

    lot_mismatches = []
    lot_sums = {
        (row["item_type"], row["item_id"]): row["total"]
        for row in Lot.objects.values("item_type", "item_id").annotate(total=Sum("quantity"))
    }
    # Items with lots, or whose stock moved through lots since the start (an item bulk-loaded without lots and
    # never moved is not one); and that exist: the benchmark's write runs delete the raw products they created,
    # not their lots.
    lotted = set(
        StockMovement.objects.filter(id__gt=begin.last_movement_id, lot__isnull=False)
        .values_list("item_type", "item_id")
        .distinct()
    )
    for key in sorted(key for key in set(lot_sums) | lotted if key in now and key[0] in Lot.ItemType.values):
        lots, stock = lot_sums.get(key, Decimal(0)), now.get(key, Decimal(0))
        # SQLite sums decimals as floats; the figures have three places.
        if Decimal(lots).quantize(Decimal("0.001")) != stock:
            lot_mismatches.append({"item": f"{key[0]} {key[1]}", "stock": str(stock), "lots_sum": str(lots)})
    if lot_mismatches:
        failures.append(f"lots differ from stock for {len(lot_mismatches)} item(s), e.g. {lot_mismatches[:3]}")

    if stats is not None:
        if stats.stale_reads:
            failures.append(f"{stats.stale_reads} stale read(s) after a write on another node, e.g. {stats.stale[:3]}")
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
        "lot_mismatches": lot_mismatches[:50],
        "lots_checked": len(lot_sums),
    }


# --- The clients ----------------------------------------------------------------------------------


@dataclass
class Stats:
    by_operation: dict = field(default_factory=lambda: defaultdict(Counter))
    unexpected: Counter = field(default_factory=Counter)
    server_errors: int = 0
    transport_errors: int = 0
    last_error: str = ""
    fresh_checks: int = 0  # reads on another node right after a write
    conditional_reads: int = 0  # of them, sent with If-None-Match (the first read gave an ETag)
    stale_reads: int = 0
    stale: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read_after_write(self, *, conditional, stale=None):
        with self.lock:
            self.fresh_checks += 1
            self.conditional_reads += bool(conditional)
            if stale is not None:
                self.stale_reads += 1
                if len(self.stale) < 20:
                    self.stale.append(stale)

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
            "fresh_checks": self.fresh_checks,
            "conditional_reads": self.conditional_reads,
            "stale_reads": self.stale_reads,
            "stale": self.stale,
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
        owned=None,
    ):
        self.raw_product_ids, self.hot_raw_product_ids = raw_product_ids, hot_raw_product_ids
        self.product_ids, self.scarce_product_ids = product_ids, scarce_product_ids
        self.plan_ids, self.completions = plan_ids, completions
        # {finished product id: its unit}: the products of the first plans, whose recipes use the hot materials.
        self.plan_products = plan_products or {}
        # {client number: [(raw product id, its page of 50 in the id-ordered list)]}: rows only that client writes
        # (no recipe uses them, no other operation changes them), so what it reads after its write is exact.
        self.owned = owned or {}
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
    def __init__(self, number, *, ports, token, plan, stats, deadline, seed):
        super().__init__(name=f"soak-client-{number}", daemon=True)
        self.number, self.token, self.plan, self.stats, self.deadline = number, token, plan, stats, deadline
        # Its own node, and the next one for the reads after its writes (the same one when there is one node).
        self.ports = list(ports)
        self.port = self.ports[number % len(self.ports)]
        self.other_port = self.ports[(number + 1) % len(self.ports)]
        self.rng = random.Random(seed)
        self.connections = {}
        self.owned = plan.owned.get(number, [])
        self.versions = 0
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
        if self.owned:
            self.operations.append((6, self.write_then_read_elsewhere))
        if plan.completions:
            self.operations += [(2, self.create_plan), (3, self.complete_plan)]
        self.weights = [weight for weight, _ in self.operations]

    def call(self, operation, method, path, body=None, expected=(200,), port=None, headers=None):
        """One request on the client's node (or `port`): (status, parsed JSON, response headers)."""
        port = port or self.port
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = self.connections.get(port)
        try:
            if connection is None:
                connection = self.connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            if response.will_close:
                connection.close()
                self.connections.pop(port, None)
        except (OSError, http.client.HTTPException) as error:
            self.stats.failed(operation, error)
            if connection is not None:
                connection.close()
            self.connections.pop(port, None)
            return None, None, {}
        self.stats.record(operation, response.status, expected)
        try:
            return response.status, json.loads(raw) if raw else None, response.headers
        except ValueError:
            return response.status, None, response.headers

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
        status, data, _ = self.call("create raw product", "POST", "/api/v1/raw-products", body, expected=(201,))
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
        status, data, _ = self.call("create hub order", "POST", "/api/v1/products/orders", body, expected=(201, 400))
        if status == 201:
            self.plan.remember(self.plan.pending, data["id"])

    def approve(self):
        order_id = self.plan.pick(self.rng, self.plan.pending)
        if order_id is None:
            return self.create_order()
        # 409: someone approved or cancelled it first, or the stock is gone: the race this soak runs.
        status, _, _ = self.call(
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
        status, data, _ = self.call("create production plan", "POST", "/api/v1/production-plans", body, expected=(201,))
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

    # Read your write on another node
    def _reads(self, product_id, page, name):
        """The reads of one own row: the row, its list page, and a search for its name."""
        return {
            "row": f"/api/v1/raw-products/{product_id}",
            "page": f"/api/v1/raw-products?page={page}&page_size=50",
            "search": f"/api/v1/raw-products?search={quote(name)}&page=1&page_size=50",
        }

    def write_then_read_elsewhere(self):
        """Read an own row on the other node (which may then keep it, or an ETag of it), change its name and
        stock through this client's node, then read it on the other node at once, sending the ETags it got: every
        answer must show the write, and a 304 is stale (the row changed). The search for the old name must no
        longer find it."""
        product_id, page, name = self.rng.choice(self.owned)
        before = {}
        for kind, path in self._reads(product_id, page, name).items():
            status, _, headers = self.call("read own row (other node)", "GET", path, port=self.other_port)
            if status == 200:
                before[kind] = headers.get("ETag")
        self.versions += 1
        new_name = f"Soak own {self.number}-{product_id} v{self.versions:06d}"
        stock = Decimal(self.rng.randint(0, 400)) / 8
        status, _, _ = self.call(
            "write own row",
            "PATCH",
            f"/api/v1/raw-products/{product_id}",
            {"name": new_name, "stock_quantity": str(stock)},
        )
        if status != 200:
            return
        with self.plan.lock:
            index = self.owned.index((product_id, page, name))
            self.owned[index] = (product_id, page, new_name)
        after = self._reads(product_id, page, new_name)
        after["old search"] = self._reads(product_id, page, name)["search"]
        etags = {**before, "old search": before.get("search")}
        etags.pop("search", None)
        for kind, path in after.items():
            etag = etags.get(kind)
            headers = {"If-None-Match": etag} if etag else {}
            status, data, _ = self.call(
                "read own row after write (other node)",
                "GET",
                path,
                port=self.other_port,
                headers=headers,
                expected=(200, 304),
            )
            if status is None or status not in (200, 304):
                continue
            problem = None
            if status == 304:
                problem = "304 Not Modified for a changed answer"
            else:
                rows = data.get("data") if isinstance(data, dict) else None
                rows = [rows] if isinstance(rows, dict) else rows or []
                row = next((r for r in rows if r.get("id") == product_id), None)
                if kind == "old search":
                    problem = "the old name still found" if row is not None else None
                elif row is None:
                    problem = "the row is missing"
                elif row.get("name") != new_name or Decimal(str(row.get("stock_quantity"))) != stock:
                    problem = f"read name {row.get('name')!r}, stock {row.get('stock_quantity')}"
            self.stats.read_after_write(
                conditional=bool(etag),
                stale=None
                if problem is None
                else {
                    "read": f"GET {path}",
                    "node": self.other_port,
                    "written": {"name": new_name, "stock_quantity": str(stock), "node": self.port},
                    "problem": problem,
                },
            )

    def run(self):
        try:
            while time.monotonic() < self.deadline:
                self.rng.choices([op for _, op in self.operations], self.weights)[0]()
        finally:
            for connection in self.connections.values():
                connection.close()


def run(*, ports, token, plan, seconds, clients=8, seed=1):
    """Run the clients for `seconds`, spread over the nodes at `ports`; returns their Stats. Bounded: each
    request times out after 30 s."""
    stats = Stats()
    deadline = time.monotonic() + seconds
    threads = [
        Client(n, ports=ports, token=token, plan=plan, stats=stats, deadline=deadline, seed=seed * 1000 + n)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return stats


def prepare(*, data, scarce=3, scarce_quantity=10, hot=4, user=None, clients=8, owned_per_client=3):
    """Give a few catalogue products little stock (through the ledger), put all stock in lots, choose the hot
    materials (those in the recipes of the plans, so that completions and stock PATCHes race on the same rows)
    and give each client a few raw products of its own for the read-after-write check."""
    from django.db import transaction

    from inventory.catalogue import services
    from inventory.lots.services import lots_open
    from production.models import RecipeItem

    scarce_ids = data.product_ids[:scarce]
    for product in Product.objects.filter(pk__in=scarce_ids):
        services.product_quantity_change(product=product, quantity=scarce_quantity, note="soak: scarce", user=user)
    # The bulk-loaded stock that no lot holds becomes opening lots, so that stock = sum of lots from the start.
    with transaction.atomic():
        lots_open()
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
    # Rows no recipe uses (no completion draws them) and no other operation writes.
    in_recipes = set(RecipeItem.objects.values_list("raw_product_id", flat=True))
    ordered = sorted(data.raw_product_ids)
    free = [pk for pk in ordered if pk not in in_recipes and pk not in hot_ids]
    names = dict(RawProduct.objects.filter(pk__in=free).values_list("pk", "name"))
    owned = {
        n: [
            (pk, ordered.index(pk) // 50 + 1, names[pk])
            for pk in free[n * owned_per_client : (n + 1) * owned_per_client]
        ]
        for n in range(clients)
    }
    completions = completion_route_exists()
    return Plan(
        raw_product_ids=list(data.raw_product_ids),
        hot_raw_product_ids=hot_ids,
        product_ids=list(data.product_ids),
        scarce_product_ids=scarce_ids,
        plan_ids=data.plan_ids[:10] or data.plan_ids,
        completions=completions,
        plan_products=plan_products,
        owned=owned,
    )


def _plans(ids):
    from production.models import ProductionPlan

    return ProductionPlan.objects.filter(pk__in=ids)
