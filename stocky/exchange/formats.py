"""The files of imports and exports: CSV, JSON and XLSX, read into rows that remember their line.

Every format holds one table: a header of column names, then one record per row.

- CSV: UTF-8 (a leading byte-order mark is ignored), comma-separated; a file whose header holds more
  semicolons than commas is read as semicolon-separated (what spreadsheets set to French write). Written
  with commas, `\\n`-terminated, quoted only where needed.
  Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
  return: OWASP's list) is written with a `'` in front, and so is text that starts with `'` itself; reading
  removes that one `'` again, so our own exports import back as they were (see `neutralise`).
- JSON: a list of objects, written one object per line so that line numbers point at a record.
  Decimals are read exactly (never through a binary float). The columns are the names the records use, in
  the order they first appear; a record that is not an object is a bad row.
- XLSX: the first sheet; its first row is the header. Dates are written as date cells, date-times as
  ISO 8601 text (a spreadsheet cell has no time zone), and text that looks like a formula stays text.
  A workbook is a zip: its sizes are checked before anything is decompressed, and its rows and cells
  while they are read, so a "zip bomb" is refused before it costs memory (`XlsxLimits`).

CSV and JSON are read as streams (`open_table`): one record at a time, so a file of any size takes bounded
memory. JSON is read twice: once for its columns and count (a malformed file is refused before any row is
imported), then row by row. XLSX is read whole, within its limits.
"""

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class FileError(ValueError):
    """The file as a whole cannot be read: not a row's fault, so no row is imported."""


@dataclass
class Row:
    line: int  # where the record starts: the line of a CSV or JSON file, the row of a sheet
    values: dict
    problem: str = ""  # what makes the record unreadable (e.g. more values than columns)


@dataclass
class Table:
    columns: list
    rows: list = field(default_factory=list)  # or an iterator of Rows, read as the import goes (CSV)
    total: int | None = None  # how many rows, when known before reading them


@dataclass(frozen=True)
class XlsxLimits:
    """What an XLSX file may hold (settings XLSX_MAX_*): a 1 MB workbook can expand to gigabytes of XML."""

    file_bytes: int = 20 * 1024 * 1024  # the workbook as uploaded (compressed)
    uncompressed_bytes: int = 100 * 1024 * 1024  # all its parts once decompressed
    rows: int = 100_000
    cells: int = 2_000_000

    @classmethod
    def from_settings(cls):
        return cls(
            file_bytes=settings.XLSX_MAX_FILE_MB * 1024 * 1024,
            uncompressed_bytes=settings.XLSX_MAX_UNCOMPRESSED_MB * 1024 * 1024,
            rows=settings.XLSX_MAX_ROWS,
            cells=settings.XLSX_MAX_CELLS,
        )


def format_for(filename, given=None):
    """The format named by `given`, or by the file name's extension."""
    if given:
        if given not in FORMATS:
            raise FileError(f"Unknown format '{given}'; use one of {', '.join(FORMATS)}")
        return given
    extension = str(filename).rsplit(".", 1)[-1].lower() if "." in str(filename) else ""
    if extension not in FORMATS:
        raise FileError(f"Cannot tell the format of '{filename}' from its name; give the format ({', '.join(FORMATS)})")
    return extension


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# --- Reading ---------------------------------------------------------------------------------------


def read(data, fmt, xlsx_limits=None):
    """The table held by `data` (bytes) in format `fmt`, every row read. Raises FileError."""
    table = open_table(io.BytesIO(data), fmt, xlsx_limits)
    table.rows = list(table.rows)
    return table


def open_table(stream, fmt, xlsx_limits=None):
    """The table of the binary `stream` in format `fmt`: its columns at once, its rows as they are read
    (CSV: an iterator, which raises FileError where the file turns unreadable). Raises FileError."""
    if fmt == "csv":
        table = _open_csv(stream)
    elif fmt == "json":
        table = _open_json(_seekable(stream))
    else:
        table = _read_xlsx(_seekable(stream), xlsx_limits or XlsxLimits.from_settings())
    if isinstance(table.rows, list):
        table.total = len(table.rows)
    _check_columns(table)
    return table


def _seekable(stream):
    """`stream`, or a copy that can be read twice where it cannot (standard input through a pipe): JSON is
    read twice, and an XLSX's zip directory is at its end. The copy stays in memory up to 8 MB, then goes to
    a temporary file."""
    if stream.seekable():
        return stream
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _check_columns(table):
    if not table.columns:
        raise FileError("The file has no header row naming its columns")
    seen, duplicates = set(), []
    for column in table.columns:
        if column in seen:
            duplicates.append(column)
        seen.add(column)
    if duplicates:
        raise FileError(f"Columns named twice: {', '.join(duplicates)}")
    return table


# OWASP "CSV injection": a cell starting with one of these is a formula to Excel, LibreOffice and Google
# Sheets (a tab or carriage return hides a formula behind whitespace). "'" is there so that a text that
# really starts with "'" survives the round trip: it is written "''...", read back "'...".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value):
    """The CSV cell for `value`: text a spreadsheet would run as a formula gets a leading "'"; numbers
    (negative quantities included) are numbers, never formulas, and are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(text):
    """What `neutralise` wrote, given back: one leading "'" is removed when a formula start follows it.
    Any other text is kept as it is ("'twas" stays "'twas")."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _lines(stream):
    """The text lines of a binary stream, decoded as UTF-8 (a byte-order mark dropped) one at a time."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    number = 0
    try:
        for number, line in enumerate(text, start=1):  # noqa: B007 (read after the loop, on an error)
            yield line
    except UnicodeDecodeError:
        raise FileError(f"The file is not UTF-8 text (around line {number + 1}); save it as UTF-8") from None
    finally:
        with contextlib.suppress(ValueError):  # already closed by its owner
            text.detach()  # leave the caller's stream open


def _open_csv(stream):
    total = None
    if stream.seekable():
        # A first pass that only counts the records, so that progress has a total; its cost is the
        # parse alone, a small part of importing.
        start = stream.tell()
        table = _open_csv_once(stream, count=True)
        total = sum(table.rows)
        stream.seek(start)
    table = _open_csv_once(stream)
    table.total = total
    return table


def _open_csv_once(stream, *, count=False):
    """The table of a CSV stream; with `count`, its rows are 1 per record that _csv_rows would yield."""
    lines = _lines(stream)
    first_line = next(lines, "")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileError(f"Line {reader.line_num}: unreadable CSV ({exc})") from None
    if header is None:
        return Table(columns=[])
    columns = [name.strip() for name in header]
    while columns and not columns[-1]:  # trailing separators some spreadsheets add
        columns.pop()
    return Table(columns=columns, rows=_csv_records(reader) if count else _csv_rows(reader, columns))


def _csv_records(reader):
    """1 for each record of `reader` that is not blank (what _csv_rows yields a row for), without making
    the rows: counting a big file's records costs its parse alone."""
    try:
        for record in reader:
            if any(value.strip() for value in record):
                yield 1
    except csv.Error as exc:
        raise FileError(f"Line {reader.line_num}: unreadable CSV ({exc})") from None


def _csv_rows(reader, columns):
    try:
        while True:
            line = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                return
            if not any(value.strip() for value in record):
                continue
            extra = record[len(columns) :]
            values = dict(zip(columns, map(restore, record), strict=False))
            problem = ""
            if any(value.strip() for value in extra):
                problem = f"{len(columns) + len(extra)} values for {len(columns)} columns"
            yield Row(line, values, problem)
    except csv.Error as exc:
        raise FileError(f"Line {reader.line_num}: unreadable CSV ({exc})") from None


# The stdlib decoder, fed a window of the file: raw_decode parses one record where it starts, gives the index
# where it ends, and reads decimals exactly. (ijson streams too, but gives no position for a value, so a row's
# error could no longer name its line.)
JSON_CHUNK = 64 * 1024  # bytes read at a time
JSON_RECORD_MAX = 1024 * 1024  # the longest record, in characters: the window never holds much more
_SPACE = re.compile(r"[ \t\r\n]*")


class _JsonRecords:
    """The records of a JSON list, read from a binary stream a chunk at a time: an iterator of (line, value)
    that raises FileError where the file is not a JSON list. Memory holds one chunk and the record being read.
    """

    def __init__(self, stream):
        self.stream = stream
        self.decoder = json.JSONDecoder(parse_float=Decimal)
        self.buffer, self.pos, self.eof = "", 0, False
        # The line of buffer[counted], counted forward as records are read (counting from the start of the
        # buffer for each record would be quadratic).
        self.counted, self.line = 0, 1

    def __iter__(self):
        self.decoder_utf8 = codecs.getincrementaldecoder("utf-8-sig")()  # a leading byte-order mark dropped
        self.bytes_read = 0
        return self._records()

    def _records(self):
        if self._peek() != "[":
            self._fail(self.pos, "expected a JSON list of objects, one per record")
        self.pos += 1
        if self._peek() == "]":
            self.pos += 1
        else:
            while True:
                line = self._mark(self.pos)
                value, self.pos = self._decode()
                yield line, value
                following = self._peek()
                if following == ",":
                    self.pos += 1
                    self._peek()
                elif following == "]":
                    self.pos += 1
                    break
                else:
                    self._fail(self.pos, "expected ',' or ']' after a record")
        if self._peek():
            self._fail(self.pos, "unexpected text after the list")

    def _decode(self):
        """The record at self.pos and the index after it, reading on until it is whole."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
                if end < len(self.buffer) or self.eof:  # a number at the window's end may go on in the next chunk
                    return value, end
            except json.JSONDecodeError as exc:
                if self.eof:
                    self._fail(exc.pos, f"invalid JSON ({exc.msg})")
                if len(self.buffer) - self.pos > JSON_RECORD_MAX:
                    # More read would not help: the error is inside the record, or the record is too long.
                    if exc.pos >= len(self.buffer) - 64 or exc.msg.startswith("Unterminated string"):
                        self._fail(self.pos, f"a record longer than {JSON_RECORD_MAX:,} characters")
                    self._fail(exc.pos, f"invalid JSON ({exc.msg})")
            self._more()

    def _peek(self):
        """The next character that is not white space ("" at the end of the file); self.pos is moved to it."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def _more(self):
        """Read a chunk on; what is before self.pos is dropped. False at the end of the file."""
        if self.eof:
            return False
        self._mark(self.pos)
        self.buffer, self.pos, self.counted = self.buffer[self.pos :], 0, 0
        data = self.stream.read(JSON_CHUNK)
        pending = len(self.decoder_utf8.getstate()[0])  # the bytes of a character cut by the last chunk
        try:
            chunk = self.decoder_utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            byte = self.bytes_read - pending + exc.start + 1
            raise FileError(f"The file is not UTF-8 text (byte {byte}); save it as UTF-8") from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def _mark(self, index):
        """The line of buffer[index], counted on from the last mark (index never goes back)."""
        self.line += self.buffer.count("\n", self.counted, index)
        self.counted = index
        return self.line

    def _line_at(self, index):
        return self.line + self.buffer.count("\n", self.counted, index)

    def _fail(self, index, what):
        raise FileError(f"Line {self._line_at(index)}: {what}")


def _open_json(stream):
    """The table of a JSON list. A first pass reads every record for the columns (the union of the records'
    names, in the order they first appear) and the count, so a malformed file is refused before a row is
    imported; the rows are then read again from the start, one record at a time."""
    start = stream.tell()
    columns, seen, total = [], set(), 0
    for _line, value in _JsonRecords(stream):
        total += 1
        if isinstance(value, dict):
            columns.extend(name for name in value if name not in seen)
            seen.update(value)
    stream.seek(start)
    if total and not columns:
        columns = ["?"]  # records, but none names a column: each row reports its own problem
    return Table(columns=columns, rows=_json_rows(stream), total=total)


def _json_rows(stream):
    for line, value in _JsonRecords(stream):
        if isinstance(value, dict):
            yield Row(line, value)
        else:
            yield Row(line, {}, f"expected an object, not {type(value).__name__}")


def _megabytes(size):
    return f"{size / (1024 * 1024):.0f} MB"


def check_xlsx(stream, limits):
    """Refuse a workbook larger than `limits` from its zip directory alone: nothing is decompressed.

    The sizes a zip declares cannot lie to Python's zipfile, which stops (and fails the CRC) at the
    declared size, so a part cannot decompress to more than the directory says."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limits.file_bytes:
        raise FileError(f"The workbook is {_megabytes(size)}; at most {_megabytes(limits.file_bytes)} is accepted")
    try:
        with zipfile.ZipFile(stream) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError(f"The file is not an XLSX workbook ({exc})") from None
    finally:
        stream.seek(0)
    if expanded > limits.uncompressed_bytes:
        raise FileError(
            f"The workbook expands to {_megabytes(expanded)} once decompressed; at most "
            f"{_megabytes(limits.uncompressed_bytes)} is accepted (save it as CSV, which has no such limit)"
        )


def _read_xlsx(stream, limits):
    from openpyxl import load_workbook  # only needed for spreadsheets

    check_xlsx(stream, limits)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(f"The file is not an XLSX workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        columns = ["" if name is None else str(name).strip() for name in header]
        while columns and not columns[-1]:
            columns.pop()
        table = Table(columns=columns)
        cells = len(header)
        for number, record in enumerate(rows, start=2):
            # Counted as read: a sheet's own "dimension" may lie, and a blank row still costs its cells.
            cells += len(record)
            if number - 1 > limits.rows or cells > limits.cells:
                raise FileError(
                    f"The sheet has more than {limits.rows:,} rows or {limits.cells:,} cells, the most an XLSX "
                    "import accepts; save it as CSV, which has no such limit"
                )
            if all(is_blank(value) for value in record):
                continue
            extra = record[len(columns) :]
            problem = ""
            if any(not is_blank(value) for value in extra):
                problem = f"values beyond the {len(columns)} named columns"
            table.rows.append(Row(number, dict(zip(columns, record, strict=False)), problem))
        return table
    finally:
        workbook.close()


# --- Writing ---------------------------------------------------------------------------------------


def write(stream, fmt, columns, rows):
    """Write `rows` (dicts with the keys of `columns`) to the binary `stream` in format `fmt`."""
    {"csv": _write_csv, "json": _write_json, "xlsx": _write_xlsx}[fmt](stream, columns, rows)


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _write_csv(stream, columns, rows):
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    # The csv module quotes only the characters of its line terminator: a cell holding a carriage return
    # would be written bare and cut its record in two. Such a row is written by a "\r\n" writer, which
    # quotes it, and ends with "\n" like the others.
    quoting_cr = io.StringIO()
    writer_cr = csv.writer(quoting_cr, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = [_plain(neutralise(row.get(column))) for column in columns]
        if any("\r" in cell for cell in cells):
            quoting_cr.seek(0)
            quoting_cr.truncate()
            writer_cr.writerow(cells)
            text.write(quoting_cr.getvalue()[:-2] + "\n")
        else:
            writer.writerow(cells)
    text.flush()
    text.detach()  # leave the caller's stream open


def _json_default(value):
    if isinstance(value, Decimal):
        # Stocky's decimals have at most 14 significant digits: a float's shortest form is exact.
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to JSON")


def _write_json(stream, columns, rows):
    stream.write(b"[")
    first = True
    for row in rows:
        record = {column: row.get(column) for column in columns}
        stream.write(b"\n  " if first else b",\n  ")
        stream.write(json.dumps(record, ensure_ascii=False, default=_json_default).encode("utf-8"))
        first = False
    stream.write(b"\n]\n" if not first else b"]\n")


def _write_xlsx(stream, columns, rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")

    def cell(value):
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        if isinstance(value, datetime.date):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = "yyyy-mm-dd"
            return written
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and written.data_type == "f":
            written.data_type = "s"  # a name or comment starting with "=" is text, never a formula
        return written

    sheet.append(columns)
    for row in rows:
        sheet.append([cell(row.get(column)) for column in columns])
    workbook.save(stream)
