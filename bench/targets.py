"""What one run measures side by side: servers of this checkout on its database, and other checkouts (each its own
code, database and dataset, served by its own Dockerfile's CMD), so that a comparison is one command and one run
on the same machine state (bench/README.md, "Comparing two versions").

Another checkout's database is migrated and filled by that checkout's own code (its models may differ from
ours), through `python -c` run in its directory: its `bench.dataset` makes the same rows, as the harness here
does for this checkout.
"""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import ROOT, Server

# Run in the other checkout's directory (so its `bench` and apps are imported): migrate, load the dataset, make
# the approval pool; print what the harness needs as one JSON line.
_PREPARE = """
import json, sys, django
django.setup()
from django.core.management import call_command
from accounts.models import User
from bench import dataset
call_command("migrate", verbosity=0, interactive=False)
data = dataset.load(scale=float(sys.argv[1]))
admin = User.objects.get(email=data.admin_email)
pool = dataset.approval_pool(user=admin, size=int(sys.argv[2]))
print("PREPARED " + json.dumps({"email": data.admin_email, "password": data.admin_password,
      "raw_product_ids": list(data.raw_product_ids), "pool": list(pool), "counts": data.counts}))
"""

# The largest raw product id, or (with an argument) delete the raw products above it: what a write run created.
_RAW_PRODUCTS = """
import sys, django
django.setup()
from django.db.models import Max
from inventory.models import RawProduct
if len(sys.argv) > 1:
    RawProduct.objects.filter(id__gt=int(sys.argv[1])).delete()
print("MAX", RawProduct.objects.aggregate(m=Max("id"))["m"] or 0)
"""


def _in_checkout(root, env, code, *args, timeout=900):
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{root}: {done.stderr.strip()[-3000:]}")
    return done.stdout


@dataclass
class Target:
    """One server to measure: its name in the tables, the server, and what its requests need."""

    name: str
    server: Server
    raw_product_id: int
    pool: list = field(default_factory=list)
    token: str | None = None
    root: Path = ROOT
    env: dict | None = None  # another checkout's environment; None: this checkout, in-process

    @property
    def local(self):
        return self.env is None

    def last_raw_product_id(self):
        if self.local:
            from django.db.models import Max

            from inventory.models import RawProduct

            return RawProduct.objects.aggregate(m=Max("id"))["m"] or 0
        return int(_in_checkout(self.root, self.env, _RAW_PRODUCTS).split()[-1])

    def delete_raw_products_after(self, last_id):
        """Every round reads the same rows: what a write run created goes again."""
        if self.local:
            from inventory.models import RawProduct

            RawProduct.objects.filter(id__gt=last_id).delete()
        else:
            _in_checkout(self.root, self.env, _RAW_PRODUCTS, last_id)


def commit_of(root):
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def prepare_checkout(root, env, *, scale, pool_size):
    """Migrate and fill another checkout's (already created, empty) database with its own code."""
    out = _in_checkout(root, env, _PREPARE, scale, pool_size)
    line = next(line for line in out.splitlines() if line.startswith("PREPARED "))
    return json.loads(line.removeprefix("PREPARED "))
