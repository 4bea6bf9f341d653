"""The benchmark harness (bench/) on a tiny dataset, so that it cannot silently rot: its loader, its in-process
query counting, its ceiling views (same rows as the API), its soak check and its reading of wrk's output.
No timings are asserted here."""

import json
from decimal import Decimal

import pytest
from django.urls import path, re_path
from rest_framework_simplejwt.tokens import AccessToken

from bench import dataset, endpoints, loadgen, soak
from inventory.models import Product, RawProduct, StockMovement
from inventory.services import stock_change
from orders.models import CatalogueOrder, RawProductOrder
from stocky.kit import api

SCALE = 0.05  # 6 raw products, 5 purchase orders, 5 catalogue products, ...


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


@pytest.fixture
def loaded(db):
    return dataset.load(scale=SCALE)


@pytest.fixture
def token(loaded):
    from accounts.models import User

    return str(AccessToken.for_user(User.objects.get(email=loaded.admin_email)))


def test_the_loader_makes_the_earlier_shape_at_scale_with_a_ledger_equal_to_the_stock(loaded):
    assert loaded.counts["rawproduct"] == 6 == len(loaded.raw_product_ids)
    assert loaded.counts["rawproductorder"] == 5
    assert loaded.counts["product"] == 5 and loaded.counts["catalogueorder"] == 10
    assert RawProductOrder.objects.filter(supplier__isnull=False, raw_product__isnull=False).count() == 5
    # Every stocked item starts with an "initial" ledger entry equal to its stock.
    verdict = soak.check(soak.Start(stock={}, last_movement_id=0))
    assert verdict["ok"], verdict["failures"]
    assert dataset.rows(120, 100) == 12_000


def test_the_approval_pool_holds_pending_orders_that_stock_can_cover(loaded):
    from accounts.models import User

    before = sum(Product.objects.values_list("quantity", flat=True))
    pool = dataset.approval_pool(user=User.objects.get(email=loaded.admin_email), size=7)
    assert len(pool) == 7
    assert set(CatalogueOrder.objects.filter(pk__in=pool).values_list("state", flat=True)) == {"Pending"}
    assert sum(Product.objects.values_list("quantity", flat=True)) == before + 7


def test_every_plan_of_the_dataset_completes_once_its_materials_suffice(loaded):
    """The soak races completions: a plan whose units do not convert would only ever be a 400."""
    from production.models import ProductionPlan
    from production.services import production_plan_complete

    RawProduct.objects.update(stock_quantity=Decimal("100000"))  # the ledger does not matter here
    for plan in ProductionPlan.objects.filter(pk__in=loaded.plan_ids):
        production_plan_complete(plan=plan)
    assert set(ProductionPlan.objects.values_list("status", flat=True)) == {"completed"}


def test_every_benchmarked_request_answers_and_its_queries_are_counted(loaded, token, bench_urls):
    from accounts.models import User

    pool = dataset.approval_pool(user=User.objects.get(email=loaded.admin_email), size=2)
    raw_products = RawProduct.objects.count()
    listed = endpoints.endpoints(raw_product_id=loaded.raw_product_ids[0])

    counted = endpoints.measure_queries(listed, token, pool_ids=pool, host="testserver")

    assert set(counted) == {e.key for e in listed}
    for key, entry in counted.items():
        assert 200 <= entry["status"] < 300, (key, entry)
        assert entry["queries"] == len(entry["sql"]) >= 1
        if key != "order-approve":
            assert 200 <= entry["ceiling_status"] < 300 and entry["ceiling_queries"] >= 1
    # Warm-up and measured request: two creates by the API and two by the ceiling; both pool orders approved.
    assert RawProduct.objects.count() == raw_products + 4
    assert set(CatalogueOrder.objects.filter(pk__in=pool).values_list("state", flat=True)) == {"Ready"}


@pytest.mark.parametrize("paginated", [False, True])
def test_each_ceiling_view_returns_the_rows_of_its_endpoint(loaded, token, bench_urls, paginated):
    client, anonymous = endpoints.api_client(token, "testserver"), endpoints.api_client(None, "testserver")
    for endpoint in endpoints.endpoints(raw_product_id=loaded.raw_product_ids[1], paginated=paginated, reads_only=True):
        api = json.loads(client.get(endpoint.path).content)
        ceiling = json.loads(anonymous.get(endpoint.ceiling).content)
        if "data" in api:
            assert api.get("meta") == ceiling.get("meta"), endpoint.key
            api, ceiling = api["data"], ceiling["data"]
        else:
            assert api["totalPages"] == ceiling["totalPages"]
            api, ceiling = api["products"], ceiling["products"]
        if isinstance(api, dict):
            api, ceiling = [api], [ceiling]
        assert len(api) >= 1, endpoint.key
        for mine, bare in zip(api, ceiling, strict=True):
            # Same rows, same fields, same values, timestamps included.
            assert mine == bare, endpoint.key


def test_the_soak_check_catches_stock_moved_outside_the_ledger(loaded):
    begin = soak.start()
    product = RawProduct.objects.get(pk=loaded.raw_product_ids[0])
    stock_change(item=product, delta=Decimal("-1.5"), reason=StockMovement.Reason.ADJUSTMENT)
    assert soak.check(begin)["ok"]

    RawProduct.objects.filter(pk=loaded.raw_product_ids[1]).update(stock_quantity=Decimal("3.000"))
    verdict = soak.check(begin)

    assert not verdict["ok"]
    assert [m["item"] for m in verdict["mismatches"]] == [f"raw_product {loaded.raw_product_ids[1]}"]


def test_the_soak_check_fails_on_server_errors_and_unexpected_statuses(loaded):
    stats = soak.Stats()
    stats.record("approve hub order", 409, expected=(200, 409))
    assert soak.check(soak.start(), stats)["ok"]
    stats.record("approve hub order", 500, expected=(200, 409))
    stats.record("read raw product", 404, expected=(200,))
    failures = soak.check(soak.start(), stats)["failures"]
    assert failures == ["1 responses were 5xx", "unexpected statuses: {'read raw product 404': 1}"]


def test_wrk_output_is_read_with_409s_apart_from_errors():
    line = (
        'BENCH_RESULT {"duration_us": 2000000, "requests": 1000, "bytes": 5, "statuses": {"200": 900, "409": 90, '
        '"500": 10}, "socket_errors": {"connect": 0, "read": 1, "write": 0, "timeout": 2}, "non_2xx_3xx": 100, '
        '"pool_exhausted": 0, "latency_us": {"mean": 1500.5, "max": 9000, "p50": 1200, "p90": 2500, "p99": 7000}}'
    )
    result = loadgen.parse("Running 2s test\n" + line + "\n")
    assert result.rps == 500
    assert (result.ok, result.conflicts, result.errors) == (900, 90, 13)
    assert result.as_dict()["latency_ms"]["p99"] == 7.0
    with pytest.raises(loadgen.LoadError):
        loadgen.parse("unable to connect to 127.0.0.1:1\n")


def _complete(request, pk):
    """Stands for the production work's completion endpoint."""


class URLConf:
    """A URLconf as an object (Django accepts any object with `urlpatterns`), hashable for its cache."""

    def __init__(self, urlpatterns):
        self.urlpatterns = urlpatterns


@pytest.mark.parametrize("routed", [False, True])
def test_the_soak_includes_production_completions_only_once_they_are_routed(settings, routed):
    # URLconfs as objects: the application's catch-all for unknown /api/ paths, with or without the route.
    patterns = [path("api/v1/production-plans/<int:pk>/complete", _complete)] if routed else []
    settings.ROOT_URLCONF = URLConf([*patterns, re_path(r"^api/", api.api_not_found)])
    assert soak.completion_route_exists() is routed


def test_the_ratio_is_the_median_of_the_rounds_ratios():
    from types import SimpleNamespace

    from bench.run import median, round_ratios

    # The machine slowed down during round 2's ceiling: its own ratio is off, the median of the rounds is not.
    endpoint = [
        SimpleNamespace(rps=100, cpu_ms=5.0),
        SimpleNamespace(rps=150, cpu_ms=4.0),
        SimpleNamespace(rps=60, cpu_ms=8.0),
    ]
    ceiling = [
        SimpleNamespace(rps=125, cpu_ms=4.0),
        SimpleNamespace(rps=60, cpu_ms=9.0),
        SimpleNamespace(rps=75, cpu_ms=6.0),
    ]
    by_rps, by_cpu = round_ratios(endpoint, ceiling)
    assert by_rps == [0.8, 2.5, 0.8] and median(by_rps) == 0.8
    assert by_cpu == [0.8, 2.25, 0.75] and median(by_cpu) == 0.8
    assert median([None, 1.0, 3.0]) == 2.0 and median([]) is None


# --- the soak's read-after-write check across nodes, against two small HTTP nodes over one shared record ---


class _Node:
    """An HTTP server on loopback serving one raw product: PATCH changes the shared record; GETs answer the row,
    a list page or a search, with an ETag. A `stale` node answers from what it read first, and 304 to the
    ETag it gave then, as a wrong cache would."""

    def __init__(self, record, stale=False):
        import http.server
        import threading
        from urllib.parse import parse_qs, urlsplit

        node = self
        self.record, self.stale, self.seen = record, stale, None

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body=None, etag=None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PATCH(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                node.record.update(body, version=node.record["version"] + 1)
                self._answer(200, {"data": node.row()})

            def do_GET(self):
                row = node.row()
                if node.stale:
                    node.seen = node.seen or row
                    row = node.seen
                etag = f'"{row["version"]}"'
                if self.headers.get("If-None-Match") == etag:
                    return self._answer(304, etag=etag)
                url = urlsplit(self.path)
                search = parse_qs(url.query).get("search", [None])[0]
                if url.path.endswith("/raw-products"):
                    rows = [row] if search is None or search.lower() in row["name"].lower() else []
                    return self._answer(200, {"data": rows, "meta": {}}, etag)
                self._answer(200, {"data": row}, etag)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = False  # so that stop() joins every request's thread: none outlives the test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def row(self):
        return dict(self.record)


def _write_then_read(stale):
    record = {"id": 7, "name": "Farine T55", "stock_quantity": "4.000", "version": 1}
    nodes = [_Node(record), _Node(record, stale=stale)]
    plan = soak.Plan(
        raw_product_ids=[7],
        hot_raw_product_ids=[],
        product_ids=[],
        scarce_product_ids=[],
        plan_ids=[],
        completions=False,
        owned={0: [(7, 1, "Farine T55")]},
    )
    stats = soak.Stats()
    client = soak.Client(0, ports=[n.port for n in nodes], token="t", plan=plan, stats=stats, deadline=0, seed=1)
    try:
        client.write_then_read_elsewhere()
    finally:
        for connection in client.connections.values():
            connection.close()
        for node in nodes:
            node.stop()
    return stats, record


def test_the_soak_reads_on_the_other_node_what_it_wrote_on_its_own():
    stats, record = _write_then_read(stale=False)
    assert record["name"].startswith("Soak own 0-7") and record["version"] == 2, "written through the first node"
    # The row, its page, the search for the new name, the search for the old one: each sent the ETag it had.
    assert (stats.fresh_checks, stats.conditional_reads, stats.stale_reads) == (4, 3, 0)
    assert not stats.unexpected and not stats.server_errors


@pytest.mark.django_db
def test_the_soak_fails_on_a_stale_read_on_the_other_node():
    stats, _ = _write_then_read(stale=True)
    assert stats.stale_reads == 4
    # The row, its page and the old name's search: 304 to the ETags of before the write; the new name: not found.
    assert sorted(entry["problem"] for entry in stats.stale) == ["304 Not Modified for a changed answer"] * 3 + [
        "the row is missing"
    ]
    failures = soak.check(soak.start(), stats)["failures"]
    assert failures and failures[0].startswith("4 stale read(s) after a write on another node")


def test_the_soak_check_catches_stock_outside_the_lots(loaded):
    from inventory.models import Lot

    product = RawProduct.objects.get(pk=loaded.raw_product_ids[0])
    stock_change(item=product, delta=Decimal("-1.5"), reason=StockMovement.Reason.ADJUSTMENT)
    begin = soak.start()
    assert soak.check(begin)["ok"], "drawing the stock made its opening lot: lots = stock"
    Lot.objects.filter(item_type="raw_product", item_id=product.pk).update(quantity=Decimal("1.000"))
    verdict = soak.check(begin)
    assert [m["item"] for m in verdict["lot_mismatches"]] == [f"raw_product {product.pk}"]
    assert any(failure.startswith("lots differ from stock") for failure in verdict["failures"])
