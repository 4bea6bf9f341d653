"""How fast `manage.py import` loads big CSV (or JSON) files (issue 16): rows per second and peak memory.

Generates 50,000 raw products and 50,000 supplier price-list lines (2 suppliers, every material named by
name, its price in grams against a stock unit in kilograms, so every line's unit is converted), then, for
each database asked, in a fresh database: migrates it, imports the suppliers (not timed), and times
`manage.py import raw-products` and `manage.py import supplier-raw-products` as a user runs them (a child
process: start-up included). Peak memory is the child's own maximum resident set, and CPU its own user +
system time (os.wait4's rusage of that child): on a shared machine the wall time grows with the load, the
CPU time much less (the database server's share is not in it). The load average is printed before and after.

With `--base DIR` (a checkout of another commit, e.g. a worktree of main) the same imports run with that
checkout's code in the same run, on `--base-rows` rows (the per-row engine needs minutes for 50,000).

    .venv/bin/python bench/import_bench.py                       # SQLite and MariaDB, 50,000 rows
    .venv/bin/python bench/import_bench.py --db mariadb --base /work/wt/imports-base --base-rows 5000
    .venv/bin/python bench/import_bench.py --format json --db sqlite --rows 200000   # the JSON reader's memory

The MariaDB server is mysql://root@127.0.0.1:3306 unless --mariadb-url says otherwise; each run creates
the database `stocky_import_bench_<pid>` and drops it at the end. Nothing else is touched.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPLIERS = ["Moulins Bio", "Sucrerie du Nord"]


def write_files(folder, rows, fmt="csv"):
    """The three files of one size (the suppliers always as CSV, the two big ones in `fmt`); their paths."""
    suppliers = folder / "suppliers.csv"
    suppliers.write_text(
        "name,phone,email,contact_person\n"
        + "".join(f"{name},0{n}00,sales{n}@example.com,Contact {n}\n" for n, name in enumerate(SUPPLIERS))
    )
    materials = folder / f"raw-products-{rows}.{fmt}"
    prices = folder / f"price-list-{rows}.{fmt}"
    tables = (
        (
            materials,
            ["name", "stock_quantity", "unit_of_measure", "reorder_level"],
            lambda n: [f"Material {n:06d}", f"{n % 97}.125", "kg", n % 5],
        ),
        (
            prices,
            ["supplier", "raw_product", "unit_price", "unit_of_measure"],
            lambda n: [SUPPLIERS[n % 2], f"Material {n:06d}", f"0.{n % 100:02d}", "g"],
        ),
    )
    for path, columns, values in tables:
        with path.open("w") as out:
            if fmt == "csv":
                out.write(",".join(columns) + "\n")
                for n in range(rows):
                    out.write(",".join(map(str, values(n))) + "\n")
            else:  # as `manage.py export --format json` writes it: one record a line, decimals as numbers
                out.write("[")
                for n in range(rows):
                    record = dict(zip(columns, values(n), strict=True))
                    for name in ("stock_quantity", "unit_price"):
                        if name in record:
                            record[name] = float(record[name])
                    out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(record))
                out.write("\n]\n")
    return suppliers, materials, prices


def manage(code, database_url, *args, timed=False):
    """Run `manage.py` of the checkout `code`; returns (seconds, CPU seconds, peak resident MB, last line)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed in {code}:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, output.strip().splitlines()[-1] if output.strip() else ""


class Database:
    """A fresh database for one run: a SQLite file, or a MariaDB database dropped at the end."""

    def __init__(self, kind, folder, mariadb_url, label):
        self.kind, self.label = kind, label
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / f'{label}.sqlite3'}"
        else:
            self.name = f"stocky_import_bench_{os.getpid()}_{label}"
            self.server = mariadb_url.rstrip("/")
            self.url = f"{self.server}/{self.name}"

    def sql(self, statement):
        from urllib.parse import urlparse

        import MySQLdb  # the project's MariaDB driver (mysqlclient)

        parts = urlparse(self.server)
        connection = MySQLdb.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username or "root", passwd=parts.password or ""
        )
        try:
            connection.cursor().execute(statement)
        finally:
            connection.close()

    def __enter__(self):
        if self.kind == "mariadb":
            self.sql(f"DROP DATABASE IF EXISTS `{self.name}`")
            self.sql(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
        return self

    def __exit__(self, *exc):
        if self.kind == "mariadb":
            self.sql(f"DROP DATABASE IF EXISTS `{self.name}`")


def run(code, label, kind, files, args):
    suppliers, materials, prices = files
    with tempfile.TemporaryDirectory() as folder, Database(kind, Path(folder), args.mariadb_url, label) as db:
        manage(code, db.url, "migrate", "-v0")
        manage(code, db.url, "import", "suppliers", str(suppliers))
        results = []
        for resource_name, path in (("raw-products", materials), ("supplier-raw-products", prices)):
            rows = args.rows if label == "this" else args.base_rows
            seconds, cpu, peak, summary = manage(code, db.url, "import", resource_name, str(path))
            results.append((label, kind, resource_name, rows, seconds, cpu, peak, summary))
            print(
                f"  {label:<6} {kind:<8} {resource_name:<22} {rows:>7} rows {seconds:7.1f} s "
                f"{rows / seconds:8.0f} rows/s  CPU {cpu:5.1f} s  peak {peak:6.0f} MB   ({summary})",
                flush=True,
            )
        return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=["sqlite", "mariadb", "both"], default="both")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--base", type=Path, help="a checkout of the code to compare with (e.g. main's)")
    parser.add_argument("--base-rows", type=int, default=5_000)
    parser.add_argument("--format", choices=["csv", "json"], default="csv", help="of the two big files")
    parser.add_argument("--mariadb-url", default=os.environ.get("BENCH_MARIADB_URL", "mysql://root@127.0.0.1:3306"))
    args = parser.parse_args()
    kinds = ["sqlite", "mariadb"] if args.db == "both" else [args.db]

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(Path(folder), args.rows, args.format)
        base_files = write_files(Path(folder), args.base_rows, args.format) if args.base else None
        for kind in kinds:
            results += run(ROOT, "this", kind, files, args)
            if args.base:
                results += run(args.base.resolve(), "base", kind, base_files, args)

    print("\n| code | database | resource | rows | seconds | rows/s | CPU s (import process) | peak memory |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for label, kind, resource_name, rows, seconds, cpu, peak, _ in results:
        print(
            f"| {label} | {kind} | {resource_name} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {cpu:.1f} "
            f"| {peak:.0f} MB |"
        )
    print(
        f"\nload average after: {os.getloadavg()[0]:.2f}; own CPU time of the children: "
        f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.0f} s user"
    )


if __name__ == "__main__":
    main()
