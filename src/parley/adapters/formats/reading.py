"""Opening an import file as a stream of rows of text cells.

``open_table`` looks at the first bytes to tell the format (CSV, XLSX, JSON) and, for
CSV, the encoding and the delimiter; it refuses at once a file that is empty, binary or
not what was declared. Rows come out as ``(row number, cells by column)`` or
``(row number, problem)``; row numbers are what a spreadsheet shows (header = row 1).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from parley.adapters.formats import hxl
from parley.adapters.formats.bytes import HashingReader
from parley.adapters.formats.encodings import (
    SHOWN,
    check_declared,
    detect_encoding,
    normalise_encoding_name,
)
from parley.errors import ImportProblem, ImportRejected

__all__ = ["FORMATS", "MAX_LINE", "RowResult", "Table", "open_table"]

FORMATS = ("csv", "xlsx", "json")
MAX_LINE = 64 * 1024  # bytes; a registry row is a few hundred
HEAD = 64 * 1024
XLSX_MAX_UNPACKED = 2 * 1024**3
XLSX_MAX_RATIO = 200
RowResult = tuple[int, dict[str, str] | ImportProblem]
_Raw = tuple[int, list[str] | ImportProblem]  # cells by position, before the header names them


@dataclass
class Table:
    """An open import file: its columns, then its rows, read once, as a stream.

    Attributes:
        name: the file name shown in messages.
        format: ``csv``, ``xlsx`` or ``json``.
        columns: the column names in file order (from the header or HXL hashtags).
        problems: problems of the header found on opening (duplicate or unknown hashtag).
        encoding: the text encoding read (CSV and JSON).
        header_row: the row that names the columns (2 for an HXL hashtag row under a header).
    """

    name: str
    format: str
    columns: list[str]
    _rows: Iterator[RowResult]
    _reader: HashingReader
    _size: int
    problems: list[ImportProblem] = field(default_factory=list)
    encoding: str | None = None
    header_row: int = 1

    def rows(self) -> Iterator[RowResult]:
        """The data rows; a fatal problem (undecodable bytes) is the last item."""
        return self._rows

    def progress(self) -> tuple[int, int]:
        """Bytes read so far, and the size of the file."""
        return self._reader.consumed, self._size

    def sha256(self) -> str:
        """SHA-256 of the whole file (reads what is left, if anything)."""
        self._reader.drain()
        return self._reader.hexdigest()

    def close(self) -> None:
        """Close the file."""
        self._reader.close_source()


def _fail(
    name: str, message: str, row: int | None = None, column: str | None = None
) -> ImportRejected:
    return ImportRejected(name, [ImportProblem(row, column, message)])


def open_table(path: Path, *, format: str | None = None, encoding: str | None = None) -> Table:
    """Open ``path`` for import.

    Args:
        path: the file.
        format: ``csv``, ``xlsx`` or ``json``; from the extension and content if ``None``.
        encoding: for CSV, the declared encoding; detected if ``None``.

    Raises:
        ImportRejected: the file is missing, empty, binary, not the declared format or
            encoding, or has no header.
    """
    name = path.name
    try:
        raw: BinaryIO = path.open("rb")
        size = path.stat().st_size
    except OSError as e:
        raise _fail(name, f"cannot be opened ({e.strerror})") from e
    head = raw.read(HEAD)
    raw.seek(0)
    try:
        kind = _format_of(name, path.suffix.lower(), head, format)
        reader = HashingReader(raw)
        if kind == "xlsx":
            return _open_xlsx(name, path, reader, size)
        codec = _codec_of(name, head, encoding, kind)
        if kind == "json":
            return _open_json(name, reader, size, codec)
        return _open_csv(name, reader, size, codec, head)
    except BaseException:
        raw.close()
        raise


def _format_of(name: str, suffix: str, head: bytes, declared: str | None) -> str:
    if not head:
        raise _fail(name, "is empty (expected a header row and at least one row)")
    is_zip = head.startswith(b"PK\x03\x04")
    if declared is not None and declared not in FORMATS:
        raise _fail(name, f"unknown format {declared!r} (expected one of {', '.join(FORMATS)})")
    kind = declared or {".xlsx": "xlsx", ".json": "json"}.get(suffix, "xlsx" if is_zip else "csv")
    if kind == "xlsx" and not is_zip:
        raise _fail(
            name, "is not an XLSX workbook (an .xlsx file is a zip archive; this one is not)"
        )
    if kind != "xlsx" and is_zip:
        raise _fail(
            name, f"is a zip archive (an XLSX workbook?), not {kind.upper()}; use --format xlsx"
        )
    if kind != "xlsx" and b"\x00" in head:
        raise _fail(name, f"is a binary file, not {kind.upper()} text (it contains NUL bytes)")
    return kind


def _codec_of(name: str, head: bytes, declared: str | None, kind: str) -> str:
    if kind == "json" and declared is not None and not declared.lower().startswith("utf"):
        raise _fail(name, "--encoding applies to CSV only: JSON files are UTF-8 (RFC 8259)")
    if declared is None:
        codec = detect_encoding(head)
        if kind == "json" and not codec.startswith("utf-8"):
            raise _fail(name, "is not UTF-8 (JSON files must be UTF-8, RFC 8259)")
        return codec
    try:
        codec = normalise_encoding_name(declared)
    except KeyError:
        raise _fail(
            name,
            f"unknown encoding {declared!r} (expected utf-8, utf-8-sig, windows-1251 or koi8-u)",
        ) from None
    problem = check_declared(head, codec)
    if problem is not None:
        raise ImportRejected(name, [problem])
    return codec


def _text(reader: HashingReader, codec: str) -> io.TextIOWrapper:
    buffered = io.BufferedReader(reader, buffer_size=256 * 1024)
    return io.TextIOWrapper(buffered, encoding=codec, errors="strict", newline="")


class _Undecodable(Exception):
    def __init__(self, byte: int) -> None:
        self.byte = byte


class _LineTooLong(Exception):
    pass


def _lines(reader: HashingReader, codec: str) -> Iterator[str]:
    """Decode the file a line at a time, so a bad byte is found on its own line.

    A line longer than ``MAX_LINE`` bytes stops the read: no registry row is that long,
    and reading it whole would hold an arbitrarily large file in memory.
    """
    buffered = io.BufferedReader(reader, buffer_size=256 * 1024)
    first = True
    while line := buffered.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            raise _LineTooLong
        try:
            text = line.decode(codec.removesuffix("-sig"))
        except UnicodeDecodeError as e:
            raise _Undecodable(line[e.start]) from e
        if first:
            text = text.removeprefix("\ufeff")  # a BOM, also when "utf-8" was declared
            first = False
        yield text


def _delimiter(head: bytes, codec: str) -> str:
    first = head.decode(codec, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _header_name(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def _open_csv(name: str, reader: HashingReader, size: int, codec: str, head: bytes) -> Table:
    cells = csv.reader(_lines(reader, codec), delimiter=_delimiter(head, codec), strict=True)
    rows = _csv_rows(name, cells, codec)
    header = next(rows, None)
    if header is None:
        raise _fail(name, "has no header row")
    if isinstance(header[1], ImportProblem):
        raise ImportRejected(name, [header[1]])
    first = header[1]
    columns, problems, data, header_row = _csv_columns(name, first, rows)
    by_column = _cells_by_column(columns, data, untagged_is_data=header_row == 0)
    table = Table(name, "csv", columns, by_column, reader, size, problems)
    table.header_row = header_row or 1
    table.encoding = SHOWN[codec]
    return table


def _csv_rows(name: str, cells: Iterator[list[str]], codec: str) -> Iterator[_Raw]:
    """Physical CSV records, skipping blank lines; a fatal error is the last item."""
    row = 0
    while True:
        try:
            record = next(cells)
        except StopIteration:
            return
        except _Undecodable as e:
            yield (
                row + 1,
                ImportProblem(
                    row + 1,
                    None,
                    f"has a byte that is not {SHOWN[codec]} (0x{e.byte:02x}); the file mixes "
                    "encodings or is damaged",
                ),
            )
            return
        except _LineTooLong:
            yield (
                row + 1,
                ImportProblem(
                    row + 1,
                    None,
                    f"is longer than {MAX_LINE:,} bytes; no registry row is that long",
                ),
            )
            return
        except csv.Error as e:
            yield row + 1, ImportProblem(row + 1, None, _csv_error(str(e)))
            return
        row += 1
        if not "".join(record).strip():
            continue
        yield row, record


def _csv_error(text: str) -> str:
    if "end of data" in text or "EOF" in text:
        return 'has a quote (") that is never closed'
    if "field larger" in text:
        return "has a cell longer than the CSV reader allows (131,072 characters)"
    return f"cannot be read as CSV ({text})"


def _csv_columns(
    name: str, first: list[str], rows: Iterator[_Raw]
) -> tuple[list[str], list[ImportProblem], Iterator[_Raw], int]:
    """Columns from the header, or from an HXL hashtag row in row 1 or row 2.

    Returns the columns, problems of the hashtags, the data rows, and the row number
    of the hashtag row (0 for a plain header).
    """
    if hxl.is_hashtag_row(first):
        columns, problems = _hashtag_columns(first, 1)
        return columns, problems, rows, 1
    second = next(rows, None)
    if (
        second is not None
        and not isinstance(second[1], ImportProblem)
        and hxl.is_hashtag_row(second[1])
    ):
        columns, problems = _hashtag_columns(second[1], second[0])
        return columns, problems, rows, second[0]
    columns = [_header_name(c) for c in first]
    return columns, [], _chain(second, rows), 0


def _chain(first: _Raw | None, rest: Iterator[_Raw]) -> Iterator[_Raw]:
    if first is not None:
        yield first
    yield from rest


def _hashtag_columns(cells: list[str], row: int) -> tuple[list[str], list[ImportProblem]]:
    columns: list[str] = []
    problems: list[ImportProblem] = []
    for cell in cells:
        tag = cell.strip()
        if not tag:
            columns.append("")  # HXL: a column without a hashtag is not data
            continue
        column = hxl.column_for_hashtag(tag)
        if column is None:
            problems.append(
                ImportProblem(row, tag, "is not a hashtag parley knows (see docs/formats.md, HXL)")
            )
            column = f"?{tag}"
        columns.append(column)
    return columns, problems


def _cells_by_column(
    columns: list[str], rows: Iterator[_Raw], *, untagged_is_data: bool = True
) -> Iterator[RowResult]:
    """Cells keyed by column name; a value under no header is a problem, never dropped.

    HXL says a column without a hashtag is not data, so there ``untagged_is_data`` is off.
    """
    width = len(columns)
    unnamed_any = not all(columns)
    unnamed = [i for i, col in enumerate(columns) if not col] if untagged_is_data else []
    for row, cells in rows:
        if isinstance(cells, ImportProblem):
            yield row, cells
            return
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            yield (
                row,
                ImportProblem(row, None, f"has {len(cells)} cells but the header has {width}"),
            )
            continue
        stray = next((i for i in unnamed if i < len(cells) and cells[i].strip()), None)
        if stray is not None:
            message = f"has a value in column {stray + 1}, which has no header"
            yield row, ImportProblem(row, None, message)
            continue
        if len(cells) != width:  # short rows are padded; extra cells were checked empty
            cells = (cells + [""] * width)[:width]
        named = zip(columns, cells, strict=True)
        yield row, dict(named) if not unnamed_any else {col: cell for col, cell in named if col}


def _open_json(name: str, reader: HashingReader, size: int, codec: str) -> Table:
    text = _text(reader, codec)
    items = _json_array(name, text)
    table = Table(name, "json", [], _json_rows(items), reader, size)
    table.encoding = SHOWN[codec]
    return table


MAX_RECORD = 256 * 1024  # characters of one JSON record


class _JsonCursor:
    """A window on a text stream that grows as the parser needs more characters."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text, self.buffer, self.pos, self.eof = text, "", 0, False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(256 * 1024)
        self.eof = not chunk
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not white space, or "" at the end of the file."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buffer) or not self.more():
                return self.buffer[self.pos : self.pos + 1]


def _json_array(name: str, text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    """The elements of one top-level JSON array, decoded one at a time.

    Anything but an array, a missing comma, or anything after the closing bracket is an
    error: a file must never be imported in part.
    """
    cursor, index = _JsonCursor(text), 0
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    if cursor.peek() != "[":
        raise _fail(name, "is not a JSON array of records (expected [ {...}, {...} ])")
    cursor.pos += 1
    if cursor.peek() == "]":
        cursor.pos += 1
    else:
        while True:
            if cursor.peek() == "":
                raise _fail(name, f"ends after record {index} (the file is truncated)")
            index += 1
            yield index, _json_value(name, cursor, decoder, index)
            following = cursor.peek()
            if following == "":
                raise _fail(name, f"ends after record {index} (the file is truncated)")
            if following not in (",", "]"):
                raise _fail(
                    name, f"has {following!r} after record {index} (expected , or ])", index
                )
            cursor.pos += 1
            if following == "]":
                break
    if cursor.peek() != "":
        raise _fail(name, "has more data after its closing ] (expected one JSON array)")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice (the first value would be lost)."""
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _DuplicateKey(key)
        record[key] = value
    return record


def _json_value(name: str, cursor: _JsonCursor, decoder: json.JSONDecoder, row: int) -> Any:
    while True:
        try:
            value, end = decoder.raw_decode(cursor.buffer, cursor.pos)
        except _DuplicateKey as e:
            raise _fail(name, "has the same key twice", row, e.key) from e
        except json.JSONDecodeError as e:
            if len(cursor.buffer) - cursor.pos > MAX_RECORD:
                raise _fail(name, f"is not valid JSON or too large ({e.msg})", row) from e
            if cursor.more():
                continue  # the record may go on in the next chunk
            raise _fail(name, f"is not valid JSON ({e.msg})", row) from e
        if end == len(cursor.buffer) and not cursor.eof and isinstance(value, (int, float)):
            cursor.more()  # a number cut at the chunk's end: read on and decode again
            continue
        cursor.pos = end
        return value


def _json_cell(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _json_rows(items: Iterator[tuple[int, Any]]) -> Iterator[RowResult]:
    """Records as cells; a problem that stops the reading is the last item."""
    try:
        yield from _json_records(items)
    except ImportRejected as e:
        for problem in e.problems:
            yield problem.row or 0, problem


def _json_records(items: Iterator[tuple[int, Any]]) -> Iterator[RowResult]:
    for index, item in items:
        if not isinstance(item, dict):
            yield (
                index,
                ImportProblem(index, None, f"is a JSON {type(item).__name__}, not an object"),
            )
            continue
        cells: dict[str, str] = {}
        for key, value in item.items():
            cell = _json_cell(value)
            if cell is None:
                yield index, ImportProblem(index, str(key), "is a list or object (expected text)")
                break
            cells[_header_name(str(key))] = cell
        else:
            yield index, cells


def _open_xlsx(name: str, path: Path, reader: HashingReader, size: int) -> Table:
    import openpyxl  # imported here: only XLSX imports pay for it

    _check_zip(name, path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise _fail(
            name, "is not a readable XLSX workbook (a part of it is missing or damaged)"
        ) from e
    sheet = book.worksheets[0]
    rows = (
        (i, [_xlsx_cell(v) for v in r]) for i, r in enumerate(sheet.iter_rows(values_only=True), 1)
    )
    header = next(rows, None)
    if header is None:
        book.close()
        raise _fail(name, "has an empty first sheet (expected a header row)")
    columns = [_header_name(c) for c in header[1]]
    data = ((i, cells) for i, cells in rows if any(c.strip() for c in cells))
    reader.drain()  # openpyxl reads the file itself; hash it here
    return Table(name, "xlsx", columns, _cells_by_column(columns, data), reader, size)


def _check_zip(name: str, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as e:
        raise _fail(name, "is a damaged zip archive, not a readable XLSX workbook") from e
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > XLSX_MAX_UNPACKED or (
        unpacked > 100 * 1024**2 and unpacked / packed > XLSX_MAX_RATIO
    ):
        raise _fail(
            name,
            f"would unpack to {unpacked:,} bytes from {packed:,} (a zip bomb?); refused",
        )


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
