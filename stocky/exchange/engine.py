"""Running an import or an export: shared by the `import`/`export` commands and the admin."""

import io
import re
import sys
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, transaction
from rest_framework.exceptions import ValidationError as DRFValidationError
from tqdm import tqdm

from stocky.exchange import bulk, formats
from stocky.exchange.formats import FileError
from stocky.exchange.resources import ImportContext, RowError, flatten_errors
from stocky.kit.errors import DomainError


def _no_progress(iterable, total, description):
    return iterable


@dataclass
class ImportReport:
    resource: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [(line, {column: [messages]})]
    notes: list = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    saved: bool = False  # whether anything was written (committed)

    @property
    def ok(self):
        return not self.errors

    def error_rows(self):
        """(line, "quantity: Ensure this value is greater than 0.; supplier: ...") for each bad row."""
        rows = []
        for line, errors in self.errors:
            parts = []
            for column, messages in errors.items():
                text = " ".join(str(message) for message in messages)
                parts.append(text if column == "non_field_errors" else f"{column}: {text}")
            rows.append((line, "; ".join(parts)))
        return rows

    def error_lines(self):
        return [f"line {line}: {text}" for line, text in self.error_rows()]

    def counts(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    def summary(self):
        rows = f"{self.rows} row{'s' if self.rows != 1 else ''}"
        bad = len(self.errors)
        if self.dry_run:
            if bad:
                return f"Dry run of {self.resource}: {bad} of {rows} invalid; the others would give {self.counts()}."
            return f"Dry run of {self.resource}: {rows}, all valid; would give {self.counts()}. Nothing saved."
        if bad and not self.saved:
            return f"Nothing imported into {self.resource}: {bad} of {rows} invalid."
        if bad:
            return f"Imported into {self.resource} the valid rows ({self.counts()}); {bad} of {rows} invalid, skipped."
        return f"Imported {rows} into {self.resource}: {self.counts()}."


def _canonical(column):
    """ "Stock quantity" and "stock-quantity" name the column stock_quantity."""
    return re.sub(r"[\s\-]+", "_", str(column).strip().lower())


def check_columns(resource, columns, update):
    """Refuse a file whose columns the resource does not know, or which cannot create records."""
    accepted = resource.accepted_columns
    unknown = [column for column in columns if column not in accepted]
    if unknown:
        raise FileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} for {resource.name}: {', '.join(unknown)}. "
            f"Its columns are: {', '.join(accepted)}"
        )
    if not update:
        missing = [" or ".join(names) for names in resource.required_columns() if not set(names) & set(columns)]
        if missing:
            raise FileError(
                f"Missing column{'s' if len(missing) > 1 else ''} for {resource.name}: {', '.join(missing)} "
                "(needed to create records)"
            )


def read_table(resource, source, fmt, *, update=False):
    """The rows of a file (bytes, or a binary stream that CSV reads as the import goes), its column names
    made canonical and checked against the resource."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    table = formats.open_table(stream, fmt)
    renamed = {column: _canonical(column) for column in table.columns}
    table.columns = list(renamed.values())
    check_columns(resource, table.columns, update)

    def canonical_rows(rows):
        for row in rows:
            # The header's columns are renamed already; only a value a format names otherwise needs the regex.
            row.values = {
                renamed[column] if column in renamed else _canonical(column): value
                for column, value in row.values.items()
            }
            yield row

    table.rows = canonical_rows(table.rows)
    return table


def import_table(
    resource,
    table,
    *,
    update=False,
    dry_run=False,
    partial=False,
    user=None,
    note="",
    update_hint="use --update to update it",
    progress=_no_progress,
):
    """Validate and write every row of `table` in one transaction.

    Rows are judged in file order, so a row sees the ones before it (two rows with the same e-mail: the
    second is refused). A resource with a `create_many` service is imported in chunks (stocky/exchange/
    bulk.py: the look-ups of a thousand rows in a few queries, the new records written together); the
    others row by row, each in its own savepoint. Either way the report is the same. If any row is bad
    nothing is kept, unless `partial`; a dry run keeps nothing either way.
    """
    report = ImportReport(resource=resource.name, dry_run=dry_run, partial=partial)
    context = ImportContext(update=update, user=user, note=note[:255], update_hint=update_hint)
    rows = progress(table.rows, table.total, f"Importing {resource.name}")
    with transaction.atomic():
        # Rows are counted as they come: a CSV is read while it is imported (bounded memory), and a
        # FileError from later in the file leaves this block, rolling back every row before it.
        if resource.bulk:
            explicit_ids = bulk.BulkImport(resource, report, context, per_row=import_one).run(rows)
        else:
            explicit_ids = False
            for row in rows:
                report.rows += 1
                outcome, errors = import_one(resource, row, context)
                if errors is not None:
                    report.errors.append((row.line, errors))
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
                explicit_ids = explicit_ids or (outcome == "created" and not formats.is_blank(row.values.get("id")))
        report.notes = context.notes
        if dry_run or (report.errors and not partial):
            transaction.set_rollback(True)
        else:
            report.saved = True
            if explicit_ids:
                _reset_sequences(resource.model)
    return report


def import_one(resource, row, context):
    """Import one row through the resource's per-row services, in a savepoint of its own: (outcome, None)
    or (None, {column: [messages]}), what it did rolled back."""
    if row.problem:
        return None, {"non_field_errors": [row.problem]}
    notes_before = len(context.notes)
    try:
        with transaction.atomic():
            return resource.import_row(row.values, context), None
    except RowError as exc:
        errors = exc.errors
    except DRFValidationError as exc:
        errors = flatten_errors(exc.detail)
    except DomainError as exc:
        errors = domain_errors(exc)
    except (IntegrityError, DataError) as exc:
        # The serializers let through what the database refuses: a race, or a value out of range.
        errors = {"non_field_errors": [f"The database refused this row ({exc.args[-1] if exc.args else exc})"]}
    del context.notes[notes_before:]  # what the failed row did was rolled back
    return None, errors


def domain_errors(exc):
    return exc.errors or {"non_field_errors": [exc.message]}


def _reset_sequences(model):
    """After inserting explicit ids, new records must still get fresh ones.

    MariaDB/MySQL (AUTO_INCREMENT) and SQLite (sqlite_sequence, with Django's AUTOINCREMENT tables)
    move their counter past an explicit id by themselves; PostgreSQL's sequences do not, and this is
    what resets them there (the backend returns no SQL where nothing is needed).
    """
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def export(resource, stream, fmt, *, queryset=None, progress=_no_progress):
    """Write every record of `resource` (or of `queryset`) to the binary `stream`. Returns the row count."""
    queryset = resource.export_queryset() if queryset is None else queryset
    total = queryset.count()
    rows = progress(resource.export_rows(queryset), total, f"Exporting {resource.name}")
    formats.write(stream, fmt, resource.columns, rows)
    return total


def terminal_progress(iterable, total, description):
    """A progress bar on standard error for the commands: shown only on a terminal, and only once a run
    has lasted half a second, so short files and scripted runs print nothing extra."""
    return tqdm(
        iterable, total=total, desc=description, unit=" rows", file=sys.stderr, delay=0.5, disable=None, leave=False
    )
