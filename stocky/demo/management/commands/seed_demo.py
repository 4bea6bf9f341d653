import sys
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from tqdm import tqdm

from stocky.demo import data
from stocky.demo.seed import (
    DEFAULT_WEEKS,
    business_data_counts,
    demo_delete,
    demo_present,
    demo_seed,
    has_business_data,
)

MAX_SCALE = 1000


def _bar(total, description, unit):
    """A progress bar on standard error, shown only on a terminal (as the import and export commands do)."""
    return tqdm(total=total, desc=description, unit=f" {unit}", file=sys.stderr, delay=0.5, disable=None, leave=False)


@contextmanager
def _queries_not_recorded():
    """The seed makes some 15,000 queries. With DEBUG on (`make run`), Django keeps each one in
    connection.queries and, on SQLite, quotes its parameters with one more query: an eighth of the seeding's
    time, for a log nobody reads here. Nothing the seed calls reads DEBUG."""
    if not settings.DEBUG:
        yield
        return
    with override_settings(DEBUG=False):
        yield


def _positive(limit):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(text) from None
        if not 1 <= value <= limit:
            raise ValueError(text)
        return value

    parse.__name__ = f"whole number from 1 to {limit}"
    return parse


class Command(BaseCommand):
    help = (
        "Fill an empty database with a demo: an artisan bakery-caterer with suppliers, materials, recipes, "
        "months of orders and production, a catalogue, and one account per role (docs/tutorial.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete every business record and the demo accounts first (other accounts stay)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="seed only a database without business data, and say nothing otherwise (for `make run`)",
        )
        parser.add_argument(
            "--scale",
            type=_positive(MAX_SCALE),
            default=1,
            metavar="N",
            help="N times the orders and plans, the extra ones as bulk history (benchmarks; default 1)",
        )
        parser.add_argument(
            "--weeks",
            type=_positive(52),
            default=DEFAULT_WEEKS,
            metavar="W",
            help=f"weeks of history before today (default {DEFAULT_WEEKS})",
        )
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the app is served, for the log-in help"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation before --reset deletes",
        )

    def handle(self, *args, reset, if_empty, scale, weeks, base_url, interactive, **options):
        if reset and if_empty:
            raise CommandError("--reset and --if-empty contradict each other: give one of them")
        if has_business_data():
            if if_empty:
                # `make run` on every start: the accounts to log in with, as long as they are the demo's.
                if demo_present():
                    self.print_log_in(base_url)
                return
            if not reset:
                if demo_present():
                    self.stdout.write(f"The demo is already there ({self.summary()}); nothing changed.")
                    self.stdout.write("Run seed_demo --reset to start it again from scratch.\n")
                    self.print_log_in(base_url)
                    return
                raise CommandError(
                    f"The database already has business data ({self.summary()}). seed_demo only fills an empty "
                    "database; run it with --reset to delete every business record and the demo accounts, then "
                    "seed the demo."
                )
            if interactive and not self.confirm():
                raise CommandError("Nothing deleted.")

        # The seed takes about 10 s (6-8 s on a 2-core machine); say so first (the bar shows only on a terminal).
        times = f", {scale} times over" if scale > 1 else ""
        self.stdout.write(f"Seeding the demo workshop: {weeks} weeks of history{times} (about 10 s)...")
        self.stdout.flush()
        started = time.perf_counter()
        with transaction.atomic(), _queries_not_recorded():  # the reset and the seed, or neither
            if reset:
                demo_delete()
            demo_seed(weeks=weeks, scale=scale, progress=_bar)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded the demo workshop in {elapsed:.1f} s: {self.summary()}."))
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG is off: these demo accounts have published passwords. Deactivate them before real use."
                )
            )
        self.print_log_in(base_url)

    def confirm(self):
        try:
            answer = input(
                f"This deletes every business record ({self.summary()}) and the demo accounts of this database.\n"
                "Type 'yes' to continue: "
            )
        except EOFError:  # no one to answer: a script that forgot --no-input
            return False
        return answer.strip().lower() == "yes"

    def summary(self):
        return ", ".join(f"{count} {name}" for name, count in business_data_counts().items()) or "no records"

    def print_log_in(self, base_url):
        base_url = base_url.rstrip("/")
        width = max(len(user.email) for user in data.USERS)
        lines = [
            "",
            "Demo accounts (their passwords are public: for exploring only):",
            f"  {'role':<13} {'e-mail':<{width}}  {'password':<21} Django admin",
        ]
        for user in data.USERS:
            admin = "yes" if user.role in ("Admin", "Manager") else "no (API only)"
            lines.append(f"  {user.role:<13} {user.email:<{width}}  {user.password:<21} {admin}")
        manager = data.USERS[1]
        lines += [
            "",
            f"  Admin site: {base_url}/admin/",
            f"  API:        {base_url}/api/v1/  — log in for a token, then send 'Authorization: Bearer <accessToken>':",
            f"    curl -s -X POST {base_url}/api/v1/auth/login -H 'Content-Type: application/json' \\",
            f'         -d \'{{"email": "{manager.email}", "password": "{manager.password}"}}\'',
            "  A worked example with curl: docs/tutorial.md",
        ]
        self.stdout.write("\n".join(lines))
