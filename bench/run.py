"""Stocky's benchmark: one command, a fresh database, the production server, wrk over loopback.

    .venv/bin/python bench/run.py                 # MariaDB, scale 1, every endpoint and its ceiling
    .venv/bin/python bench/run.py --scale 100     # the reads on 100x the rows, paginated
    .venv/bin/python bench/run.py --soak 180      # ... then three minutes of racing reads and writes
    .venv/bin/python bench/run.py --db sqlite     # the same on a SQLite file
    .venv/bin/python bench/run.py --server granian --server gunicorn --server gunicorn-gthread --no-ceiling
                                                  # candidate servers, alternating, in one run
    .venv/bin/python bench/run.py --compare /path/to/other/checkout --no-ceiling
                                                  # this checkout against another, each as its Dockerfile ships

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

from bench import loadgen, targets  # noqa: E402 -- after the project root is on sys.path
from bench.server import SERVERS, Database, Server, bench_environment, free_port  # noqa: E402


def server_kind(value):
    kind, *settings = value.split(",")
    if kind not in SERVERS or not all("=" in setting for setting in settings):
        raise argparse.ArgumentTypeError(f"{value!r}: one of {', '.join(SERVERS)}, then NAME=VALUE after commas")
    return value


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
        "--soak-nodes", type=int, default=2, help="application servers the soak's clients are spread over (default 2)"
    )
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        type=server_kind,
        metavar="SERVER",
        help=f"the server(s) to measure, alternating in each round (repeatable): {', '.join(SERVERS)}, each with "
        "settings after commas if wanted (granian,GRANIAN_BLOCKING_THREADS=4); default: shipped, the Dockerfile's "
        "CMD. The soak uses the first",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="CHECKOUT",
        help="also measure another checkout of Stocky (a git worktree: its own code, database and dataset, its "
        "Dockerfile's server), alternating with this one; repeatable",
    )
    parser.add_argument(
        "--no-ceiling", dest="ceiling", action="store_false", help="skip the ceiling views (halves a run's time)"
    )
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


def bench(targets, endpoint_lists, queries, load, warmup, repeat=1, ceiling=True, scale=1):
    """wrk against each endpoint on each target in turn (the targets' order rotating from round to round, so
    that none is always first after a pause), and on the first target its ceiling right after (so both see the
    same machine state); `repeat` rounds over all endpoints, each figure the median round. Returns {target
    name: rows}."""
    from bench.endpoints import EARLIER

    keys = [endpoint.key for endpoint in endpoint_lists[targets[0].name]]
    runs = {(target.name, key): [] for target in targets for key in keys}
    ceilings = {key: [] for key in keys}
    for round_ in range(repeat):
        if repeat > 1:
            print(f" round {round_ + 1} of {repeat}")
        order = targets[round_ % len(targets) :] + targets[: round_ % len(targets)]
        for index, key in enumerate(keys):
            for target in order:
                endpoint = endpoint_lists[target.name][index]
                label = f"{endpoint.label} [{target.name}]" if len(targets) > 1 else endpoint.label
                print(f"  {label} ...", end=" ", flush=True)
                # The write run creates raw products (POST); they are deleted after it, below.
                created_after = target.last_raw_product_id() if endpoint.method == "POST" else None
                share = len(target.pool) // repeat
                ids = target.pool[round_ * share : (round_ + 1) * share] if endpoint.pool else None
                result = measure(
                    target.server,
                    endpoint.path,
                    token=target.token,
                    method=endpoint.method,
                    body=endpoint.body,
                    ids=ids,
                    load=load,
                    warmup=warmup,
                )
                runs[(target.name, key)].append(result)
                print(f"{result.rps:,.0f} req/s, p99 {result.latency_us['p99'] / 1000:,.1f} ms", end="", flush=True)
                if ceiling and endpoint.ceiling and target is targets[0]:
                    measured = measure(
                        target.server,
                        endpoint.ceiling,
                        method=endpoint.method,
                        body=endpoint.body,
                        load=load,
                        warmup=warmup,
                    )
                    ceilings[key].append(measured)
                    ratio = f" (ratio {result.rps / measured.rps:.2f})" if measured.rps else ""
                    print(f", ceiling {measured.rps:,.0f} req/s{ratio}", end="", flush=True)
                if created_after is not None:
                    target.delete_raw_products_after(created_after)
                print(flush=True)

    by_target = {}
    for target in targets:
        rows = []
        for endpoint in endpoint_lists[target.name]:
            results = runs[(target.name, endpoint.key)]
            result = median_run(results)
            row = {
                "key": endpoint.key,
                "label": endpoint.label,
                "queries": queries.get(endpoint.key, {}).get("queries") if target is targets[0] else None,
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
                print(f"! {endpoint.label} [{target.name}]: {row['note']}")
            if target is targets[0] and ceilings[endpoint.key]:
                measured = median_run(ceilings[endpoint.key])
                by_rps, by_cpu = round_ratios(results, ceilings[endpoint.key])
                row.update(
                    ceiling_rps=measured.rps,
                    ceiling_cpu_ms=measured.cpu_ms,
                    ceiling_errors=sum(r.errors for r in ceilings[endpoint.key]),
                    ceiling_rounds=[r.as_dict() for r in ceilings[endpoint.key]],
                    ratio=median(by_rps),
                    cpu_ratio=median(by_cpu),
                    round_ratios=by_rps,
                    round_cpu_ratios=by_cpu,
                )
            if endpoint.key in EARLIER and scale == 1:
                row.update(earlier_rps=EARLIER[endpoint.key], vs_earlier=result.rps / EARLIER[endpoint.key])
            rows.append(row)
        by_target[target.name] = rows
    return by_target


def side_by_side(by_target):
    """The first target against each other one, per endpoint: req/s and p99 of each, the first's req/s over the
    other's (its own rounds' median req/s each) and p99 over p99; then each one's ratio to the earlier Stocky."""
    names = list(by_target)
    first, others = names[0], names[1:]
    head = ["endpoint"]
    for name in names:
        head += [f"{name} req/s", f"{name} p50 ms", f"{name} p99 ms", f"{name} CPU ms/req", f"{name} errors"]
    for name in others:
        head += [f"req/s vs {name}", f"p99 vs {name}"]
    head += [f"{name} vs earlier" for name in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for index, row in enumerate(by_target[first]):
        cells = [f"`{row['label']}`"]
        for name in names:
            other = by_target[name][index]
            cells += [
                fmt(other["rps"]),
                fmt(other["p50_ms"], 2),
                fmt(other["p99_ms"], 2),
                fmt(other.get("cpu_ms"), 2),
                fmt(other["errors"]),
            ]
        for name in others:
            other = by_target[name][index]
            cells += [
                fmt(row["rps"] / other["rps"] if other["rps"] else None, 2),
                fmt(row["p99_ms"] / other["p99_ms"] if other["p99_ms"] else None, 2),
            ]
        cells += [fmt(by_target[name][index].get("vs_earlier"), 2) for name in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
    servers = args.server or ["shipped"]
    # Ctrl-C and `kill` both unwind through the finally blocks below, which stop the servers and drop the databases.
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
    compare = [Path(path).resolve() for path in args.compare]
    for root in compare:
        if not (root / "Dockerfile").exists() or not (root / "bench" / "dataset.py").exists():
            raise SystemExit(f"--compare {root}: not a Stocky checkout with bench/ (no Dockerfile or bench/dataset.py)")
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
        "servers": servers,
        "compare": [{"checkout": str(root), "commit": targets.commit_of(root)} for root in compare],
    }
    ok = True
    running = []  # every server started, stopped in the finally block
    other_databases = []
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

        def endpoint_list_for(raw_product_ids):
            # /raw-products/5 in a fresh database, as the earlier Stocky was measured.
            fifth = raw_product_ids[min(4, len(raw_product_ids) - 1)]
            chosen = endpoints.endpoints(raw_product_id=fifth, paginated=paginated, reads_only=paginated)
            return fifth, [e for e in chosen if e.key in args.only] if args.only else chosen

        fifth, endpoint_list = endpoint_list_for(data.raw_product_ids)
        # Enough pending orders that each approval of the run finds its own (2 more for the query count).
        approvals = args.bench and any(e.pool for e in endpoint_list)
        per_target = int(args.duration * 1500 * args.repeat) if approvals else 0
        pool = dataset.approval_pool(user=admin, size=per_target * len(servers) + 2)

        # This checkout's servers, on its database; then each other checkout's, on a database of its own.
        target_list = []
        for index, kind in enumerate(servers):
            server_port = port if index == 0 else free_port()
            log_name = kind.replace(",", "-").replace("=", "")
            server = Server(env, server_port, RESULTS / f"server-{log_name}.log", kind=kind)
            running.append(server)
            server.start()
            label = kind if kind != "shipped" else f"{report['machine']['commit'] or 'this'} (shipped)"
            target_list.append(
                targets.Target(
                    label,
                    server,
                    fifth,
                    pool=pool[2 + index * per_target : 2 + (index + 1) * per_target],
                    token=login(server.base_url, data.admin_email, data.admin_password),
                )
            )
            print(f"{label}: {' '.join(server.command[1:])} on {server.base_url}; its log: {server.log_path}")
        endpoint_lists = {target_list[0].name: endpoint_list}
        for index, root in enumerate(compare):
            other = Database(args.db, f"{name}_c{index + 1}", args.mariadb_url, keep=args.keep_db)
            other_databases.append(other)
            other.create()
            other_port = free_port()
            other_env = {**os.environ, **bench_environment(other.url, other_port, extra)}
            other_env.pop("PYTHONPATH", None)
            t0 = time.monotonic()
            prepared = targets.prepare_checkout(root, other_env, scale=args.scale, pool_size=per_target)
            commit = targets.commit_of(root) or root.name
            print(f"{root} ({commit}): database {other.url} migrated and loaded in {time.monotonic() - t0:.1f} s")
            server = Server(other_env, other_port, RESULTS / f"server-{commit}.log", kind="shipped", root=root)
            running.append(server)
            server.start()
            other_fifth, other_list = endpoint_list_for(prepared["raw_product_ids"])
            label = f"{commit} (shipped)"
            if label in endpoint_lists:
                label = f"{root.name} (shipped)"
            target_list.append(
                targets.Target(
                    label,
                    server,
                    other_fifth,
                    pool=prepared["pool"],
                    token=login(server.base_url, prepared["email"], prepared["password"]),
                    root=root,
                    env=other_env,
                )
            )
            endpoint_lists[label] = other_list
            print(f"{label}: {' '.join(server.command[1:])} on {server.base_url}; its log: {server.log_path}")
        for target in target_list[1:]:
            endpoint_lists.setdefault(target.name, endpoint_list)
        first = target_list[0]
        token = first.token

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
            by_target = bench(
                target_list,
                endpoint_lists,
                queries,
                load,
                args.warmup,
                args.repeat,
                ceiling=args.ceiling,
                scale=args.scale,
            )
            rows = by_target[first.name]
            report["load_average_after"] = os.getloadavg()
            report["endpoints"] = rows
            report["targets"] = by_target
            ok = ok and not any(
                row["errors"] or row.get("ceiling_errors") for rows_ in by_target.values() for row in rows_
            )
            m = report["machine"]
            before, after = report["load_average_before"][0], report["load_average_after"][0]
            print(
                f"\n{report['started']}, {m['cpu']} ({m['cores']} cores), {m['database']}, Python {m['python']}, "
                f"commit {m['commit']}; scale {args.scale:g}; wrk -t{load.threads} -c{load.connections} "
                f"-d{load.duration}s, median of {args.repeat}; load average {before:.1f} before, {after:.1f} after\n"
            )
            if len(target_list) > 1:
                print(side_by_side(by_target))
                print()
            print(f"{first.name}:" if len(target_list) > 1 else "")
            print(table(rows))

        if args.soak:
            # The soak's nodes: the first server and as many more of the same kind on the same database, as
            # separate machines would run them.
            nodes = [first.server]
            for _ in range(args.soak_nodes - 1):
                node = Server(env, free_port(), RESULTS / f"soak-node-{len(nodes) + 1}.log", kind=first.server.kind)
                running.append(node)
                nodes.append(node.start())
            plan = soak.prepare(data=data, user=admin, clients=args.soak_clients)
            begin = soak.start()
            skipped = (
                ""
                if plan.completions
                else " (production completions skipped: POST /production-plans/<id>/complete is not routed yet)"
            )
            ports = [node.port for node in nodes]
            print(
                f"\nSoak: {args.soak:g} s, {args.soak_clients} clients over {len(nodes)} node(s) "
                f"({', '.join(node.base_url for node in nodes)}, {first.server.kind}){skipped} ...",
                flush=True,
            )
            stats = soak.run(ports=ports, token=token, plan=plan, seconds=args.soak, clients=args.soak_clients)
            verdict = soak.check(begin, stats)
            report["soak"] = {
                "seconds": args.soak,
                "clients": args.soak_clients,
                "nodes": ports,
                "completions": plan.completions,
                **stats.as_dict(),
                "check": verdict,
            }
            for operation, counts in sorted(stats.by_operation.items()):
                statuses = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=str))
                print(f"  {operation:34} {statuses}")
            completed = stats.by_operation.get("complete production plan", {})
            if plan.completions and not any(isinstance(k, int) and 200 <= k < 300 for k in completed):
                print("  ! No production completion succeeded: check the body the endpoint expects (bench/soak.py).")
            print(
                f"  {report['soak']['requests']:,} requests; {verdict['ledger_entries']:,} ledger entries on "
                f"{verdict['items_moved']} items; {verdict['items_checked']:,} items checked; "
                f"{stats.fresh_checks:,} reads on another node right after a write ({stats.conditional_reads:,} "
                f"of them conditional), {stats.stale_reads} stale"
            )
            print(
                "  PASS: no 5xx, no stock below zero, the ledger equals the stock and the lots, no stale read"
                if verdict["ok"]
                else "  FAIL:\n    " + "\n    ".join(verdict["failures"])
            )
            ok = ok and verdict["ok"]
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the servers and removing the databases.", file=sys.stderr)
        ok = False
        report["interrupted"] = True
    finally:
        for server in running:
            server.stop()
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        database.drop()
        for other in other_databases:
            other.drop()
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = RESULTS / f"{stamp}-{args.db}-scale{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults: {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
