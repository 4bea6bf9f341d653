"""The hot reads with and without the read cache, in one run (issue 16, docs/caching.md).

    .venv/bin/python bench/reads.py                  # MariaDB, scale 1, 8 s per measurement
    .venv/bin/python bench/reads.py --repeat 3       # median of 3 rounds
    .venv/bin/python bench/reads.py --db sqlite

One fresh database (as bench/run.py makes it), three production servers on it, each as `make bench` starts
gunicorn: `off` (READ_CACHE=0: every read renders, as before issue 16), `etag` (READ_CACHE_ENTRIES=0: ETags
and table versions, no stored bodies) and `on` (the default). For each of `/raw-products`,
`/raw-product-orders` and `/raw-products/5`, with the Admin's token, wrk measures `off`, `etag`, `on`, and `on`
with the answer's ETag in If-None-Match (every answer a 304). The servers take turns on the two cores; only
the one measured is busy. Then, in-process, what a cached answer costs to fetch from each kind of store
against rendering it. Prints a table; writes bench/results/<time>-reads-<db>.json.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402 -- after the project root is on sys.path
from bench.run import interrupt, login, median, median_run  # noqa: E402
from bench.server import Database, Server, bench_environment, free_port  # noqa: E402

VARIANTS = {"off": {"READ_CACHE": "0"}, "etag": {"READ_CACHE_ENTRIES": "0"}, "on": {}}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["mariadb", "sqlite"], default="mariadb")
    parser.add_argument("--mariadb-url", default=os.environ.get("BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306"))
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--threads", "-t", type=int, default=2)
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--duration", "-d", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE")
    return parser.parse_args(argv)


def wrk(server, path, token, load, headers=()):
    """One wrk run of GET path, with extra request headers (bench/lua/bench.lua counts every status)."""
    command = [loadgen.wrk_path(), f"-t{load.threads}", f"-c{load.connections}", f"-d{load.duration}s"]
    command += ["--timeout=10s", "-s", str(loadgen.LUA)]
    for header in headers:
        command += ["-H", header]
    command += [server.base_url, "--", token, "GET", path, "-", "-", str(load.threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=load.duration + 60, check=False)
    if done.returncode != 0:
        raise loadgen.LoadError(done.stderr or done.stdout[-2000:])
    return loadgen.parse(done.stdout)


def measure(server, path, token, load, warmup, headers=()):
    if warmup:
        wrk(server, path, token, loadgen.Load(load.threads, load.connections, warmup), headers)
        server.wait_idle()
    cpu = server.cpu_seconds()
    result = wrk(server, path, token, load, headers)
    result.server_cpu_seconds = server.cpu_seconds() - cpu
    server.wait_idle()
    return result


def etag_of(server, path, token):
    request = urllib.request.Request(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["ETag"]


def bad(result, expected):
    return result.requests - result.statuses.get(expected, 0)


def in_process_costs(path, token, rounds=300):
    """Microseconds per request through Django's test client (the whole stack but the HTTP server): with
    every read rendered, and served from the cache; then what fetching the stored body costs from each
    kind of store (the LRU here, Django's database cache, a per-process locmem cache)."""
    from django.core.cache.backends.db import DatabaseCache
    from django.core.cache.backends.locmem import LocMemCache
    from django.test import Client, override_settings

    from stocky.kit import readcache

    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def per_request(**settings):
        with override_settings(**settings):
            client.get(path)
            start = time.perf_counter()
            for _ in range(rounds):
                response = client.get(path)
            return (time.perf_counter() - start) / rounds * 1e6, response

    rendered, _ = per_request(READ_CACHE=False)
    cached, response = per_request(READ_CACHE=True)
    body = response.content
    stores = {"lru": readcache.BodyCache(100, 10**8)}
    stores["lru"].put("k", readcache.Entry(frozenset(), "", body, "application/json"))
    database = DatabaseCache("stocky_cache", {})
    database.set("bench-read", body)
    locmem = LocMemCache("bench-read", {})
    locmem.set("bench-read", body)

    def fetch(get):
        start = time.perf_counter()
        for _ in range(rounds):
            get()
        return (time.perf_counter() - start) / rounds * 1e6

    fetches = {
        "per-process LRU (readcache.BodyCache)": fetch(lambda: stores["lru"].get("k")),
        "Django locmem cache": fetch(lambda: locmem.get("bench-read")),
        "Django database cache (production default)": fetch(lambda: database.get("bench-read")),
    }
    database.delete("bench-read")
    return {"rendered_us": rendered, "cached_us": cached, "body_bytes": len(body), "fetch_us": fetches}


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    started = datetime.now(UTC)
    database = Database(args.db, f"stocky_reads_{os.getpid()}", args.mariadb_url)
    extra = dict(item.split("=", 1) for item in args.server_env)
    ports = {name: free_port() for name in VARIANTS}
    os.environ.update(bench_environment(database.url, ports["on"], extra))
    load = loadgen.Load(args.threads, args.connections, args.duration)
    loadgen.wrk_path()
    RESULTS.mkdir(parents=True, exist_ok=True)
    servers = {}
    report = {"started": started.isoformat(timespec="seconds"), "database": args.db, "scale": args.scale}
    try:
        database.create()
        import django

        django.setup()
        from django.core.management import call_command

        from bench import dataset

        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        data = dataset.load(scale=args.scale)
        fifth = data.raw_product_ids[min(4, len(data.raw_product_ids) - 1)]
        page = "?page=1&page_size=50" if args.scale > 1 else ""
        paths = [f"/api/v1/raw-products{page}", f"/api/v1/raw-product-orders{page}", f"/api/v1/raw-products/{fifth}"]
        for name, variant in VARIANTS.items():
            # One secret key for all three: the token signed by one is good on every one.
            env = {**os.environ, **variant, "GUNICORN_BIND": f"127.0.0.1:{ports[name]}"}
            log = Path(tempfile.gettempdir()) / f"stocky-reads-{name}-{os.getpid()}.log"
            servers[name] = Server(env, ports[name], log).start()
        token = login(servers["on"].base_url, data.admin_email, data.admin_password)
        print(f"Database {database.url}; servers off/etag/on on ports {list(ports.values())}; wrk -c{load.connections}")
        runs = {path: {kind: [] for kind in ("off", "etag", "on", "304")} for path in paths}
        report["load_average_before"] = os.getloadavg()
        for round_ in range(args.repeat):
            if args.repeat > 1:
                print(f" round {round_ + 1} of {args.repeat}")
            # Every other round measures in the other order, so that no variant always runs after a busy one.
            order = list(VARIANTS) if round_ % 2 == 0 else list(reversed(VARIANTS))
            for path in paths:
                print(f"  {path} ...", end=" ", flush=True)
                for name in order:
                    result = measure(servers[name], path, token, load, args.warmup)
                    assert bad(result, 200) == 0, result.statuses
                    runs[path][name].append(result)
                    print(f"{name} {result.rps:,.0f}", end=", ", flush=True)
                etag = etag_of(servers["on"], path, token)
                result = measure(servers["on"], path, token, load, args.warmup, [f"If-None-Match: {etag}"])
                assert bad(result, 304) == 0, result.statuses
                runs[path]["304"].append(result)
                print(f"304 {result.rps:,.0f} req/s", flush=True)
        rows = []
        for path in paths:
            row = {"path": path}
            for kind, results in runs[path].items():
                chosen = median_run(results)
                row[kind] = {
                    "rps": chosen.rps,
                    "p50_ms": chosen.latency_us["p50"] / 1000,
                    "p99_ms": chosen.latency_us["p99"] / 1000,
                    "cpu_ms": chosen.cpu_ms,
                    "rounds": [r.rps for r in results],
                }
            for kind in ("etag", "on", "304"):
                row[f"{kind}_vs_off"] = median(
                    [r.rps / o.rps for r, o in zip(runs[path][kind], runs[path]["off"], strict=True)]
                )
            rows.append(row)
        report["endpoints"] = rows
        report["load_average_after"] = os.getloadavg()
        before, after = report["load_average_before"][0], report["load_average_after"][0]
        print(
            f"\n{started.isoformat(timespec='seconds')}, {args.db}, scale {args.scale:g}, wrk -t{load.threads} "
            f"-c{load.connections} -d{load.duration}s, median of {args.repeat}; "
            f"load average {before:.1f} before, {after:.1f} after\n"
        )
        head = ["endpoint"]
        for kind in ("off", "etag", "on", "304"):
            head += [f"{kind} req/s", f"{kind} p99 ms", f"{kind} CPU ms"]
        head += ["on/off", "304/off", "CPU off/on"]
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for row in rows:
            cells = [f"`GET {row['path'].removeprefix('/api/v1')}`"]
            for kind in ("off", "etag", "on", "304"):
                cpu = row[kind]["cpu_ms"]
                cells += [f"{row[kind]['rps']:,.0f}", f"{row[kind]['p99_ms']:.1f}", f"{cpu:.2f}" if cpu else "—"]
            cells += [f"{row['on_vs_off']:.2f}", f"{row['304_vs_off']:.2f}"]
            off_cpu, on_cpu = row["off"]["cpu_ms"], row["on"]["cpu_ms"]
            cells.append(f"{off_cpu / on_cpu:.2f}" if off_cpu and on_cpu else "—")
            print("| " + " | ".join(cells) + " |")

        costs = {path: in_process_costs(path, token) for path in paths}
        report["in_process"] = costs
        print("\nIn-process, µs per request (Django test client) and to fetch the stored body:")
        for path, cost in costs.items():
            fetches = ", ".join(f"{name} {us:.1f}" for name, us in cost["fetch_us"].items())
            print(
                f"  {path}: rendered {cost['rendered_us']:.0f}, cached {cost['cached_us']:.0f} "
                f"({cost['body_bytes']:,} bytes); fetch: {fetches}"
            )
        out = RESULTS / f"{started.strftime('%Y%m%d-%H%M%S')}-reads-{args.db}.json"
        out.write_text(json.dumps(report, indent=2, default=str))
        print(f"\n{out}")
    finally:
        for server in servers.values():
            server.stop()
        database.drop()


if __name__ == "__main__":
    main()
