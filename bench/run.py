"""Stocky's benchmark: one command, a fresh database, the production server, wrk over loopback.

    .venv/bin/python bench/run.py                 # MariaDB, scale 1, every endpoint and its ceiling
    .venv/bin/python bench/run.py --scale 100     # the reads on 100x the rows, paginated
    .venv/bin/python bench/run.py --soak 180      # ... then three minutes of racing reads and writes
    .venv/bin/python bench/run.py --db sqlite     # the same on a SQLite file

See bench/README.md for what each column means and the baseline figures.
"""

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402 -- after the project root is on sys.path
from bench.server import Database, Server, bench_environment, free_port  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["mariadb", "sqlite"], default="mariadb")
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306"),
        help="the MariaDB server (no database name); env BENCH_MARIADB_URL",
    )
    parser.add_argument("--db-name", default=None, help="default: stocky_bench_<pid>; dropped and created anew")
    parser.add_argument("--keep-db", action="store_true", help="leave the database in place afterwards")
    parser.add_argument("--scale", type=float, default=1, help="rows x scale (1: the earlier Stocky's demo shape)")
    parser.add_argument("--threads", "-t", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", "-c", type=int, default=16, help="wrk connections")
    parser.add_argument("--duration", "-d", type=int, default=8, help="seconds of load per endpoint")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured load before each endpoint")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds over every endpoint; each figure is the median round (default 1)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KEY",
        help="measure only these endpoints (repeatable): raw-products, raw-product-orders, "
        "raw-product, products-page, raw-product-create, order-approve",
    )
    parser.add_argument("--no-bench", dest="bench", action="store_false", help="skip the load runs (e.g. soak only)")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS", help="then soak for this long")
    parser.add_argument("--soak-clients", type=int, default=8)
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile each read in-process; reports under bench/results/"
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for gunicorn and the app (e.g. GUNICORN_MAX_REQUESTS=0)",
    )
    return parser.parse_args(argv)


def machine():
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "system": platform.platform(),
        "commit": commit,
    }


def login(base_url, email, password):
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["accessToken"]


def fmt(value, digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def table(rows):
    head = [
        "endpoint",
        "req/s",
        "CPU ms/req",
        "p50 ms",
        "p99 ms",
        "errors",
        "409s",
        "queries",
        "ceiling req/s",
        "ceiling CPU ms",
        "ratio",
        "CPU ratio",
        "earlier req/s",
        "vs earlier",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{row['label']}`",
                    fmt(row.get("rps")),
                    fmt(row.get("cpu_ms"), 2),
                    fmt(row.get("p50_ms"), 2),
                    fmt(row.get("p99_ms"), 2),
                    fmt(row.get("errors")),
                    fmt(row.get("conflicts")),
                    fmt(row.get("queries")),
                    fmt(row.get("ceiling_rps")),
                    fmt(row.get("ceiling_cpu_ms"), 2),
                    fmt(row.get("ratio"), 2),
                    fmt(row.get("cpu_ratio"), 2),
                    fmt(row.get("earlier_rps")),
                    fmt(row.get("vs_earlier"), 2),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def measure(server, path, *, token=None, method="GET", body=None, ids=None, load, warmup):
    if warmup and ids is None:
        loadgen.run(
            server.base_url,
            path,
            token=token,
            method=method,
            body=body,
            load=loadgen.Load(load.threads, load.connections, warmup, load.timeout),
        )
        server.wait_idle()
    cpu = server.cpu_seconds()
    result = loadgen.run(server.base_url, path, token=token, method=method, body=body, ids=ids, load=load)
    result.server_cpu_seconds = server.cpu_seconds() - cpu
    server.wait_idle()
    return result


def median_run(results):
    """The run with the median req/s (the lower middle one of an even count): its latencies go with it."""
    return sorted(results, key=lambda result: result.rps)[(len(results) - 1) // 2]


def median(values):
    values = sorted(value for value in values if value is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def round_ratios(results, ceilings):
    """Per round, the endpoint's req/s over its ceiling's (measured right after it) and the ceiling's CPU ms per
    request over the endpoint's: a slow stretch of a shared machine hits both halves of a round alike."""
    pairs = list(zip(results, ceilings, strict=True))
    by_rps = [r.rps / c.rps if c.rps else None for r, c in pairs]
    by_cpu = [c.cpu_ms / r.cpu_ms if r.cpu_ms and c.cpu_ms else None for r, c in pairs]
    return by_rps, by_cpu


def bench(server, token, data, endpoint_list, queries, load, warmup, pool, repeat=1):
    """wrk against each endpoint, then its ceiling right after (so both see the same machine state);
    `repeat` rounds over all endpoints, each figure the median round."""
    from django.db.models import Max

    from bench.endpoints import EARLIER
    from inventory.models import RawProduct

    runs = {endpoint.key: [] for endpoint in endpoint_list}
    ceilings = {endpoint.key: [] for endpoint in endpoint_list}
    share = len(pool) // repeat
    for round_ in range(repeat):
        if repeat > 1:
            print(f" round {round_ + 1} of {repeat}")
        for endpoint in endpoint_list:
            print(f"  {endpoint.label} ...", end=" ", flush=True)
            # The write run creates raw products (POST); they are deleted after it, below.
            created_after = RawProduct.objects.aggregate(m=Max("id"))["m"] if endpoint.method == "POST" else None
            ids = pool[round_ * share : (round_ + 1) * share] if endpoint.pool else None
            result = measure(
                server,
                endpoint.path,
                token=token,
                method=endpoint.method,
                body=endpoint.body,
                ids=ids,
                load=load,
                warmup=warmup,
            )
            runs[endpoint.key].append(result)
            print(f"{result.rps:,.0f} req/s", end="", flush=True)
            if endpoint.ceiling:
                ceiling = measure(
                    server, endpoint.ceiling, method=endpoint.method, body=endpoint.body, load=load, warmup=warmup
                )
                ceilings[endpoint.key].append(ceiling)
                ratio = f" (ratio {result.rps / ceiling.rps:.2f})" if ceiling.rps else ""
                print(f", ceiling {ceiling.rps:,.0f} req/s{ratio}", end="", flush=True)
            if created_after is not None:
                # Every round reads the same rows: what the write runs created goes again.
                RawProduct.objects.filter(id__gt=created_after).delete()
            print(flush=True)

    rows = []
    for endpoint in endpoint_list:
        results = runs[endpoint.key]
        result = median_run(results)
        row = {
            "key": endpoint.key,
            "label": endpoint.label,
            "queries": queries[endpoint.key]["queries"],
            "rps": result.rps,
            "cpu_ms": result.cpu_ms,
            "p50_ms": result.latency_us["p50"] / 1000,
            "p99_ms": result.latency_us["p99"] / 1000,
            "errors": sum(r.errors for r in results),
            "conflicts": sum(r.conflicts for r in results),
            "rounds": [r.as_dict() for r in results],
        }
        exhausted = sum(r.pool_exhausted for r in results)
        if exhausted:
            row["note"] = f"approval pool used up: {exhausted} requests repeated an id (409s)"
            print(f"! {endpoint.label}: {row['note']}")
        if ceilings[endpoint.key]:
            ceiling = median_run(ceilings[endpoint.key])
            by_rps, by_cpu = round_ratios(results, ceilings[endpoint.key])
            row.update(
                ceiling_rps=ceiling.rps,
                ceiling_cpu_ms=ceiling.cpu_ms,
                ceiling_errors=sum(r.errors for r in ceilings[endpoint.key]),
                ceiling_rounds=[r.as_dict() for r in ceilings[endpoint.key]],
                ratio=median(by_rps),
                cpu_ratio=median(by_cpu),
                round_ratios=by_rps,
                round_cpu_ratios=by_cpu,
            )
        if endpoint.key in EARLIER and data.scale == 1:
            row.update(earlier_rps=EARLIER[endpoint.key], vs_earlier=result.rps / EARLIER[endpoint.key])
        rows.append(row)
    return rows


def busy_warning():
    """A warning when other work is using the cores: every figure of the run will be low and noisy."""
    load = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    if load > 0.5:
        return (
            f"! The machine is busy (load average {load:.1f} on {cores} cores): figures will be low and noisy. "
            "Compare the ratios of one run, or rerun when it is idle."
        )
    return ""


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(argv)
    # Ctrl-C and `kill` both unwind through the finally blocks below, which stop the server and drop the database.
    signal.signal(signal.SIGTERM, interrupt)
    started = datetime.now(UTC)
    name = args.db_name or f"stocky_bench_{os.getpid()}"
    database = Database(args.db, name, args.mariadb_url, keep=args.keep_db)
    port = free_port()
    extra = dict(item.split("=", 1) for item in args.server_env)
    env = bench_environment(database.url, port, extra)
    os.environ.update(env)
    load = loadgen.Load(args.threads, args.connections, args.duration)
    loadgen.wrk_path() if args.bench else None  # fail before any setup when wrk is missing
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    report = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": args.scale,
        "database": args.db,
        "load": vars(load),
        "warmup_s": args.warmup,
        "repeat": args.repeat,
        "server_env": extra,
    }
    ok = True
    server = None
    try:
        database.create()
        report["machine"]["database"] = database.version()

        import django

        django.setup()
        from django.core.management import call_command

        from accounts.models import User
        from bench import dataset, endpoints, soak

        t0 = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        t1 = time.monotonic()
        data = dataset.load(scale=args.scale)
        t2 = time.monotonic()
        print(f"Database {database.url}: migrated in {t1 - t0:.1f} s, loaded in {t2 - t1:.1f} s: {data.counts}")
        report["dataset"] = data.counts
        admin = User.objects.get(email=data.admin_email)

        paginated = args.scale > 1
        # /raw-products/5 in a fresh database, as the earlier Stocky was measured.
        fifth = data.raw_product_ids[min(4, len(data.raw_product_ids) - 1)]
        endpoint_list = endpoints.endpoints(raw_product_id=fifth, paginated=paginated, reads_only=paginated)
        if args.only:
            endpoint_list = [e for e in endpoint_list if e.key in args.only]
        # Enough pending orders that each approval of the run finds its own (2 more for the query count).
        approvals = args.bench and any(e.pool for e in endpoint_list)
        pool_size = int(args.duration * 1500 * args.repeat) + 2 if approvals else 2
        pool = dataset.approval_pool(user=admin, size=pool_size)

        server = Server(env, port, RESULTS / "gunicorn.log").start()
        print(f"gunicorn (gunicorn.conf.py) on {server.base_url}; its log: {server.log_path}")
        token = login(server.base_url, data.admin_email, data.admin_password)

        from inventory.models import RawProduct

        last_raw_product = max(data.raw_product_ids)
        queries = endpoints.measure_queries(endpoint_list, token, pool_ids=pool[:2])
        # The counted creates (API and ceiling, each warm-up and measure) go, so that the lists keep 120 rows.
        RawProduct.objects.filter(id__gt=last_raw_product).delete()
        report["queries"] = queries
        for key, entry in queries.items():
            if not 200 <= entry["status"] < 300:
                ok = False
                print(f"! {key} answered {entry['status']} in-process")

        if args.profile:
            for endpoint in (e for e in endpoint_list if e.read):
                text, ms, rows = endpoints.profile(endpoint, token)
                path = RESULTS / f"profile-{stamp}-{endpoint.key}.txt"
                path.write_text(text)
                report.setdefault("profiles", {})[endpoint.key] = {"ms_per_request": ms, "breakdown": rows}
                print(f"profile of {endpoint.label}: {ms:.2f} ms/request under cProfile (in full: {path})")
                for label, part, share in rows:
                    print(f"  {part:8.2f} ms {share:6.1%}  {label}")

        if args.bench:
            print(
                f"wrk -t{load.threads} -c{load.connections} -d{load.duration:g}s (+{args.warmup:g} s warm-up) "
                f"over loopback, scale {args.scale:g}, {args.repeat} round(s):"
            )
            warning = busy_warning()
            report["load_average_before"] = os.getloadavg()
            if warning:
                print(warning)
            rows = bench(server, token, data, endpoint_list, queries, load, args.warmup, pool[2:], args.repeat)
            report["load_average_after"] = os.getloadavg()
            report["endpoints"] = rows
            ok = ok and not any(row["errors"] or row.get("ceiling_errors") for row in rows)
            m = report["machine"]
            before, after = report["load_average_before"][0], report["load_average_after"][0]
            print(
                f"\n{report['started']}, {m['cpu']} ({m['cores']} cores), {m['database']}, Python {m['python']}, "
                f"commit {m['commit']}; scale {args.scale:g}; wrk -t{load.threads} -c{load.connections} "
                f"-d{load.duration}s, median of {args.repeat}; load average {before:.1f} before, {after:.1f} after\n"
            )
            print(table(rows))

        if args.soak:
            plan = soak.prepare(data=data, user=admin)
            begin = soak.start()
            skipped = (
                ""
                if plan.completions
                else " (production completions skipped: POST /production-plans/<id>/complete is not routed yet)"
            )
            print(f"\nSoak: {args.soak:g} s, {args.soak_clients} clients{skipped} ...", flush=True)
            stats = soak.run(port=port, token=token, plan=plan, seconds=args.soak, clients=args.soak_clients)
            verdict = soak.check(begin, stats)
            report["soak"] = {
                "seconds": args.soak,
                "clients": args.soak_clients,
                "completions": plan.completions,
                **stats.as_dict(),
                "check": verdict,
            }
            for operation, counts in sorted(stats.by_operation.items()):
                statuses = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=str))
                print(f"  {operation:28} {statuses}")
            completed = stats.by_operation.get("complete production plan", {})
            if plan.completions and not any(isinstance(k, int) and 200 <= k < 300 for k in completed):
                print("  ! No production completion succeeded: check the body the endpoint expects (bench/soak.py).")
            print(
                f"  {report['soak']['requests']:,} requests; {verdict['ledger_entries']:,} ledger entries on "
                f"{verdict['items_moved']} items; {verdict['items_checked']:,} items checked"
            )
            print(
                "  PASS: no 5xx, no stock below zero, the ledger equals the stock"
                if verdict["ok"]
                else "  FAIL:\n    " + "\n    ".join(verdict["failures"])
            )
            ok = ok and verdict["ok"]
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the server and removing the database.", file=sys.stderr)
        ok = False
        report["interrupted"] = True
    finally:
        if server is not None:
            server.stop()
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        database.drop()
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = RESULTS / f"{stamp}-{args.db}-scale{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults: {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
