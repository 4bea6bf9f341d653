from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stocky.exchange import jobs


class Command(BaseCommand):
    help = (
        "Delete the admin's finished import jobs (their reports, and any upload an interrupted one kept) that "
        "finished more than --older-than days ago; never a queued or running one (docs/import-export.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="DAYS",
            help="default: the setting IMPORT_JOBS_KEEP_DAYS",
        )

    def handle(self, *args, older_than, **options):
        days = settings.IMPORT_JOBS_KEEP_DAYS if older_than is None else older_than
        if days < 0:
            raise CommandError("--older-than takes a number of days, 0 or more")
        deleted = jobs.import_jobs_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} import job(s) finished more than {days} day(s) ago.")
