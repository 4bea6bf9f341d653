"""What the benchmark measures, and how each request is counted in-process (SQL queries, a profile)."""

import cProfile
import io
import json
import pstats
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The earlier Stocky (Bun + Express 5 + mysql2, no auth) on this kind of machine, wrk -t2 -c16 -d8s (issue 7).
EARLIER = {"raw-products": 4700, "raw-product-orders": 1900, "raw-product": 7600}

WRITE_BODY = {"name": "Benchmark material", "stock_quantity": 12.5, "unit_of_measure": "kg"}
APPROVE_BODY = {"transition": "Ready"}


@dataclass
class Endpoint:
    key: str
    method: str
    path: str  # "{id}" takes one id of the approval pool per request
    ceiling: str | None = None
    body: dict | None = None
    pool: bool = False
    read: bool = True

    @property
    def label(self):
        return f"{self.method} {self.path.removeprefix('/api/v1')}"


def endpoints(*, raw_product_id, paginated=False, reads_only=False):
    """The benchmark's requests. `paginated` (the 100x run) asks section A's lists for one page of 50."""
    page = "?page=1&page_size=50" if paginated else ""
    listed = [
        Endpoint("raw-products", "GET", f"/api/v1/raw-products{page}", f"/bench/ceiling/raw-products{page}"),
        Endpoint(
            "raw-product-orders", "GET", f"/api/v1/raw-product-orders{page}", f"/bench/ceiling/raw-product-orders{page}"
        ),
        Endpoint(
            "raw-product",
            "GET",
            f"/api/v1/raw-products/{raw_product_id}",
            f"/bench/ceiling/raw-products/{raw_product_id}",
        ),
        Endpoint(
            "products-page", "GET", "/api/v1/products?page=1&pageSize=10", "/bench/ceiling/products?page=1&pageSize=10"
        ),
    ]
    if reads_only:
        return listed
    return listed + [
        Endpoint(
            "raw-product-create",
            "POST",
            "/api/v1/raw-products",
            "/bench/ceiling/raw-products",
            body=WRITE_BODY,
            read=False,
        ),
        Endpoint(
            "order-approve", "PATCH", "/api/v1/products/orders/state/{id}", body=APPROVE_BODY, pool=True, read=False
        ),
    ]


def api_client(token=None, host="127.0.0.1"):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST=host)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _call(client, method, path, body=None):
    data = json.dumps(body) if body is not None else None
    return client.generic(method, path, data=data or "", content_type="application/json")


def count_queries(client, method, path, body=None, warm_path=None):
    """SQL queries of one request, after a warm-up request (`warm_path` for requests that work only once).

    Returns (queries, status, the SQL of each query).
    """
    _call(client, method, warm_path or path, body)
    with CaptureQueriesContext(connection) as captured:
        response = _call(client, method, path, body)
    return len(captured), response.status_code, [query["sql"] for query in captured.captured_queries]


def measure_queries(endpoint_list, token, *, pool_ids=(), host="127.0.0.1"):
    """{endpoint key: {"queries", "status", "ceiling_queries", "sql"}} measured in this process.

    A pooled endpoint consumes two ids of `pool_ids` (warm-up and measure).
    """
    client, anonymous = api_client(token, host), api_client(None, host)
    results = {}
    pool = list(pool_ids)
    for endpoint in endpoint_list:
        path, warm = endpoint.path, None
        if endpoint.pool:
            warm, path = (endpoint.path.replace("{id}", str(pool.pop(0))) for _ in range(2))
        queries, status, sql = count_queries(client, endpoint.method, path, endpoint.body, warm)
        entry = {"queries": queries, "status": status, "sql": sql}
        if endpoint.ceiling:
            entry["ceiling_queries"], entry["ceiling_status"], _ = count_queries(
                anonymous, endpoint.method, endpoint.ceiling, endpoint.body
            )
        results[endpoint.key] = entry
    return results


# Where a request's time goes: (label, file path ending, function). Each figure is inclusive (a function and
# what it calls), the outermost call when a name matches several; so the rows overlap and do not add up.
BREAKDOWN = [
    ("whole request (Django handler, middleware included)", "django/core/handlers/base.py", "get_response"),
    ("DRF view dispatch", "rest_framework/views.py", "dispatch"),
    ("authentication (JWT check + user lookup)", "rest_framework/views.py", "perform_authentication"),
    ("permissions", "rest_framework/views.py", "check_permissions"),
    ("filter backends (filterset, search, ordering)", "rest_framework/generics.py", "filter_queryset"),
    ("pagination", "rest_framework/generics.py", "paginate_queryset"),
    ("serializer .data (output, rows fetched inside)", "rest_framework/serializers.py", "data"),
    ("serializer field setup (get_fields)", "rest_framework/serializers.py", "get_fields"),
    ("SQL execute (driver and database wait)", "django/db/backends/utils.py", "_execute"),
    ("SQL compile", "django/db/models/sql/compiler.py", "as_sql"),
    ("JSON rendering", "rest_framework/renderers.py", "render"),
    ("response finalize (content negotiation, headers)", "rest_framework/views.py", "finalize_response"),
]


def breakdown(stats, repeat):
    """[(label, ms per request, share of the whole request)] from pstats.Stats, per BREAKDOWN."""
    found = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, suffix, name in BREAKDOWN:
            if function == name and filename.replace("\\", "/").endswith(suffix):
                found[label] = max(found.get(label, 0.0), cumulative)
    whole = found.get(BREAKDOWN[0][0]) or 1.0
    return [(label, found[label] * 1000 / repeat, found[label] / whole) for label, _, _ in BREAKDOWN if label in found]


def profile(endpoint, token, *, repeat=20, host="127.0.0.1", top=25):
    """cProfile of `repeat` requests of a read in-process (after a warm-up). Returns the text report (the
    breakdown, then the top functions by cumulative and by own time), the ms per request under the profiler
    and the breakdown rows."""
    client = api_client(token, host)
    _call(client, endpoint.method, endpoint.path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        _call(client, endpoint.method, endpoint.path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    per_request = stats.total_tt * 1000 / repeat
    out.write(f"{endpoint.label}: {repeat} requests, {per_request:.2f} ms each under cProfile\n\n")
    rows = breakdown(stats, repeat)
    for label, ms, share in rows:
        out.write(f"  {ms:8.2f} ms {share:6.1%}  {label}\n")
    out.write("\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    stats.print_callers(10)  # who calls the ten most expensive functions
    return out.getvalue(), per_request, rows
