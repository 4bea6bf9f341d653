import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stocky.exchange import engine
from stocky.exchange.formats import FORMATS, FileError, format_for
from stocky.exchange.resources import REGISTRY


class Command(BaseCommand):
    help = (
        "Export every record of a resource as CSV, JSON or XLSX, in the columns `import` reads back "
        "(docs/import-export.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=list(REGISTRY), help="the API path name of the records")
        parser.add_argument("--format", choices=FORMATS, help="default: from the output's extension, else csv")
        parser.add_argument("--output", "-o", help="the file to write (default: standard output)")

    def handle(self, *args, resource, format, output, **options):
        resource = REGISTRY[resource]
        try:
            fmt = format or (format_for(output) if output else "csv")
        except FileError as exc:
            raise CommandError(str(exc)) from None
        if output is None:
            if fmt == "xlsx":
                raise CommandError("XLSX is a binary format: give a file with --output")
            buffer = io.BytesIO()
            count = engine.export(resource, buffer, fmt, progress=engine.terminal_progress)
            self.stdout.write(buffer.getvalue().decode("utf-8"), ending="")
            self.stderr.write(f"Exported {count} {resource.name}.")
            return
        path = Path(output)
        try:
            with path.open("wb") as stream:
                count = engine.export(resource, stream, fmt, progress=engine.terminal_progress)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from None
        except BaseException:
            path.unlink(missing_ok=True)  # never leave half a file that looks like an export
            raise
        self.stdout.write(self.style.SUCCESS(f"Exported {count} {resource.name} to {output}."))
