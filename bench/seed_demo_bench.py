"""How long `manage.py seed_demo` takes on a fresh SQLite database (issue 16: under 10 s), as a newcomer runs it.

Each round migrates a new SQLite file in a temporary directory (not timed), then times the whole command in a
fresh process (Django's start-up included, as `make run` pays it). `--checkout` times another checkout with the
same rounds, interleaved, so that "before" and "after" see the same load on a shared machine:

    .venv/bin/python bench/seed_demo_bench.py --rounds 3
    git worktree add /tmp/stocky-main main && ln -s "$PWD/.venv" /tmp/stocky-main/.venv
    .venv/bin/python bench/seed_demo_bench.py --rounds 3 --checkout /tmp/stocky-main

Prints each round's wall and CPU seconds, then the best and the median of each checkout.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seed_once(checkout, python):
    """(wall seconds, CPU seconds) that `seed_demo` took in `checkout` on a freshly migrated SQLite file. The
    CPU time (user + system, of the command's process) moves less than the wall time on a busy machine."""
    with tempfile.TemporaryDirectory(prefix="stocky-seed-bench-") as directory:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{directory}/demo.sqlite3",
            "MEDIA_ROOT": f"{directory}/media",
            "ENV_FILE": "",  # no developer's .env: the settings a fresh checkout has
            "DEBUG": "1",
        }
        run = {"cwd": checkout, "env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([python, "manage.py", "migrate", "-v0"], **run)
        started, cpu = time.perf_counter(), children_cpu()
        subprocess.run([python, "manage.py", "seed_demo"], **run)
        return time.perf_counter() - started, children_cpu() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkout", action="append", default=[], help="another checkout to time alongside")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    checkouts = [ROOT, *(Path(path).resolve() for path in args.checkout)]
    times = {checkout: [] for checkout in checkouts}
    for round_number in range(1, args.rounds + 1):
        for checkout in checkouts:
            wall, cpu = seed_once(checkout, args.python)
            times[checkout].append((wall, cpu))
            print(f"round {round_number}  {checkout}: {wall:.2f} s ({cpu:.2f} s CPU)", flush=True)
    print()
    print(f"{'checkout':<40} {'best':>8} {'median':>8} {'CPU best':>9} {'CPU median':>11}")
    for checkout, values in times.items():
        walls, cpus = [wall for wall, _ in values], [cpu for _, cpu in values]
        print(
            f"{str(checkout):<40} {min(walls):>7.2f}s {statistics.median(walls):>7.2f}s "
            f"{min(cpus):>8.2f}s {statistics.median(cpus):>10.2f}s"
        )


if __name__ == "__main__":
    main()
