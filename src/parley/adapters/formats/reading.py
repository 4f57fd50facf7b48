"""Opening an import file as a stream of rows of text cells.

``open_table`` looks at the first bytes to tell the format (CSV, XLSX, JSON) and, for
CSV, the encoding and the delimiter; it refuses at once a file that is empty, binary or
not what was declared. Rows come out as ``(row number, cells by column)`` or
``(row number, problem)``; row numbers are what a spreadsheet shows (header = row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from parley.adapters.formats import hxl
from parley.adapters.formats.bytes import HashingReader
from parley.adapters.formats.encodings import (
    SHOWN,
    check_declared,
    detect_encoding,
    normalise_encoding_name,
)
from parley.adapters.formats.json_array import open_json
from parley.adapters.formats.table import (
    Raw,
    RowResult,
    Table,
    cells_by_column,
    fail,
    header_name,
)
from parley.adapters.formats.workbooks import open_xlsx
from parley.errors import ImportProblem, ImportRejected

__all__ = ["FORMATS", "MAX_LINE", "RowResult", "Table", "open_table"]

FORMATS = ("csv", "xlsx", "json")
MAX_LINE = 64 * 1024  # bytes; a registry row is a few hundred
HEAD = 64 * 1024


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
        raise fail(name, f"cannot be opened ({e.strerror})") from e
    head = raw.read(HEAD)
    raw.seek(0)
    try:
        kind = _format_of(name, path.suffix.lower(), head, format)
        reader = HashingReader(raw)
        if kind == "xlsx":
            return open_xlsx(name, path, reader, size)
        codec = _codec_of(name, head, encoding, kind)
        if kind == "json":
            return open_json(name, reader, size, codec)
        table = _open_csv(name, reader, size, codec, head)
        table.reopen = (path, format, encoding)
        return table
    except BaseException:
        raw.close()
        raise


def _format_of(name: str, suffix: str, head: bytes, declared: str | None) -> str:
    if not head:
        raise fail(name, "is empty (expected a header row and at least one row)")
    is_zip = head.startswith(b"PK\x03\x04")
    if declared is not None and declared not in FORMATS:
        raise fail(name, f"unknown format {declared!r} (expected one of {', '.join(FORMATS)})")
    kind = declared or {".xlsx": "xlsx", ".json": "json"}.get(suffix, "xlsx" if is_zip else "csv")
    if kind == "xlsx" and not is_zip:
        raise fail(
            name, "is not an XLSX workbook (an .xlsx file is a zip archive; this one is not)"
        )
    if kind != "xlsx" and is_zip:
        raise fail(
            name, f"is a zip archive (an XLSX workbook?), not {kind.upper()}; use --format xlsx"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail(name, "is an old Excel .xls workbook: save it as .xlsx or as CSV UTF-8")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE
        raise fail(name, "is UTF-32 text: save it as CSV UTF-8")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise fail(name, 'is UTF-16 text (Excel\'s "Unicode text"): save it as CSV UTF-8')
    if kind != "xlsx" and b"\x00" in head:
        raise fail(name, f"is a binary file, not {kind.upper()} text (it contains NUL bytes)")
    return kind


def _codec_of(name: str, head: bytes, declared: str | None, kind: str) -> str:
    if kind == "json" and declared is not None and not declared.lower().startswith("utf"):
        raise fail(name, "--encoding applies to CSV only: JSON files are UTF-8 (RFC 8259)")
    if declared is None:
        codec, sure = detect_encoding(head)
        if kind == "json" and not codec.startswith("utf-8"):
            raise fail(name, "is not UTF-8 (JSON files must be UTF-8, RFC 8259)")
        if not sure:
            raise fail(
                name,
                "is not UTF-8, and its few Cyrillic letters do not tell Windows-1251 from "
                "KOI8-U: give --encoding windows-1251 or --encoding koi8-u, or save it as UTF-8",
            )
        return codec
    try:
        codec = normalise_encoding_name(declared)
    except KeyError:
        raise fail(
            name,
            f"unknown encoding {declared!r} (expected utf-8, utf-8-sig, windows-1251 or koi8-u)",
        ) from None
    problem = check_declared(head, codec)
    if problem is not None:
        raise ImportRejected(name, [problem])
    return codec


class _Undecodable(Exception):
    """A byte that is not text in the file's encoding."""

    def __init__(self, byte: int) -> None:
        self.byte = byte


class _LineTooLong(Exception):
    """A line longer than ``MAX_LINE`` bytes."""


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
    text = head.decode(codec, errors="ignore").lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _open_csv(name: str, reader: HashingReader, size: int, codec: str, head: bytes) -> Table:
    cells = csv.reader(_lines(reader, codec), delimiter=_delimiter(head, codec), strict=True)
    rows = _csv_rows(name, cells, codec)
    header = next(rows, None)
    if header is None:
        raise fail(name, "has no header row")
    if isinstance(header[1], ImportProblem):
        raise ImportRejected(name, [header[1]])
    first = header[1]
    columns, problems, data, header_row, hashtags = _csv_columns(name, first, rows, header[0])
    by_column = cells_by_column(columns, data, untagged_is_data=not hashtags)
    table = Table(name, "csv", columns, by_column, reader, size, problems)
    table.header_row = header_row
    table.encoding = SHOWN[codec]
    return table


def _csv_rows(name: str, cells: Iterator[list[str]], codec: str) -> Iterator[Raw]:
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
        if not record or not (record[0].strip() or "".join(record).strip()):
            continue  # a blank line (the first cell decides for almost every row)
        yield row, record


def _csv_error(text: str) -> str:
    if "end of data" in text or "EOF" in text:
        return 'has a quote (") that is never closed'
    if "field larger" in text:
        return "has a cell longer than the CSV reader allows (131,072 characters)"
    return f"cannot be read as CSV ({text})"


def _csv_columns(
    name: str, first: list[str], rows: Iterator[Raw], first_row: int
) -> tuple[list[str], list[ImportProblem], Iterator[Raw], int, bool]:
    """Columns from the header, or from an HXL hashtag row in row 1 or row 2.

    Returns the columns, problems of the hashtags, the data rows, the number of the
    row that names the columns, and whether that row is HXL hashtags.
    """
    if hxl.is_hashtag_row(first):
        columns, problems = _hashtag_columns(first, first_row)
        return columns, problems, rows, first_row, True
    second = next(rows, None)
    if (
        second is not None
        and not isinstance(second[1], ImportProblem)
        and hxl.is_hashtag_row(second[1])
    ):
        columns, problems = _hashtag_columns(second[1], second[0])
        return columns, problems, rows, second[0], True
    columns = [header_name(c) for c in first]
    return columns, [], _chain(second, rows), first_row, False


def _chain(first: Raw | None, rest: Iterator[Raw]) -> Iterator[Raw]:
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
