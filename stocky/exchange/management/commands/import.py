import contextlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stocky.exchange import engine
from stocky.exchange.formats import FORMATS, FileError, format_for
from stocky.exchange.resources import REGISTRY


class Command(BaseCommand):
    # No system checks before an import (as `shell` and `dbshell`): they load every URL and view module, a
    # development aid that adds to every import's start-up; `check` and the server's start still run them.
    requires_system_checks = []
    help = (
        "Import records of a resource from a CSV, JSON or XLSX file, validated by the API's rules. "
        "Any bad row is reported with its line and nothing is imported (docs/import-export.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=list(REGISTRY), help="the API path name of the records")
        parser.add_argument("file", help="the file to read, or - for standard input (then give --format)")
        parser.add_argument("--format", choices=FORMATS, help="default: from the file's extension")
        parser.add_argument("--dry-run", action="store_true", help="check and report only; save nothing")
        parser.add_argument(
            "--update", action="store_true", help="update the records that rows match by id or natural key"
        )
        parser.add_argument(
            "--partial", action="store_true", help="import the valid rows even if others are bad (exit status 1)"
        )

    def handle(self, *args, resource, file, format, dry_run, update, partial, **options):
        resource = REGISTRY[resource]
        try:
            fmt = format_for(file, format) if file != "-" or format else None
            if fmt is None:
                raise FileError("Reading standard input: give its --format")
            with contextlib.ExitStack() as stack:
                # A CSV or JSON file is read record by record while it is imported (memory stays bounded);
                # standard input through a pipe is copied to a temporary file where the format needs to
                # read it twice or seek (formats.open_table).
                if file == "-":
                    stream = sys.stdin.buffer
                else:
                    stream = stack.enter_context(Path(file).open("rb"))
                table = engine.read_table(resource, stream, fmt, update=update)
                report = engine.import_table(
                    resource,
                    table,
                    update=update,
                    dry_run=dry_run,
                    partial=partial,
                    note=f"Imported from {Path(file).name if file != '-' else 'standard input'}",
                    progress=engine.terminal_progress,
                )
        except FileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None

        for line in report.error_lines():
            self.stderr.write(line)
        for note in report.notes:
            self.stdout.write(note)
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
