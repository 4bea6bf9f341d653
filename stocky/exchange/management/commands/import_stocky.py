from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stocky.exchange.engine import terminal_progress
from stocky.exchange.legacy import LegacyError, import_stocky


class Command(BaseCommand):
    help = (
        "Bring in the database of the earlier, Express-based Stocky, keeping ids, in one transaction, "
        "with a report per table (docs/migrating-from-stocky.md). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", required=True, help="the old database, e.g. mysql://user:password@host:3306/stocky_db"
        )
        parser.add_argument(
            "--source-timezone",
            default=None,
            help=f"the zone the old DATETIME columns are in (default: TIME_ZONE, here {settings.TIME_ZONE})",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would be imported; save nothing")

    def handle(self, *args, source, source_timezone, dry_run, **options):
        timezone_name = source_timezone or settings.TIME_ZONE
        try:
            description, reports = import_stocky(
                source, timezone_name=timezone_name, dry_run=dry_run, progress=terminal_progress
            )
        except LegacyError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from None
        self.stdout.write(
            f"From {description}, date-times read as {timezone_name}{' (dry run: nothing saved)' if dry_run else ''}:"
        )
        for report in reports:
            for line in report.lines():
                self.stdout.write(line)
        imported = sum(report.imported for report in reports)
        here = sum(report.unchanged + len(report.differing) for report in reports)
        skipped = sum(len(report.skipped) for report in reports)
        verb = "would be imported" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"Done: {imported} {verb}, {here} already here, {skipped} skipped."))
