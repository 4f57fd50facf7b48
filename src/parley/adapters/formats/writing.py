"""Writing exports: CSV, XLSX and JSON, streamed row by row.

Spreadsheet cells that begin with ``= + - @`` (or a tab or carriage return) are written
with a leading apostrophe, so a value such as ``=HYPERLINK(...)`` that came in through an
import is shown as text and never runs as a formula in another office's spreadsheet
(OWASP, "CSV Injection"). Importing such a file strips the apostrophe again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

__all__ = ["escape_formula", "write_table"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_table(
    rows: Iterable[dict[str, str]], columns: list[str], out: IO[bytes], *, format: str
) -> int:
    """Write ``rows`` (cells as text) to ``out`` in ``format``; return the number written."""
    if format == "csv":
        return _write_csv(rows, columns, out)
    if format == "json":
        return _write_json(rows, columns, out)
    if format == "xlsx":
        return _write_xlsx(rows, columns, out)
    raise ValueError(f"unknown export format {format!r}")


class _Utf8:
    """A text sink over a binary stream, for csv.writer."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(text.encode("utf-8"))


def _write_csv(rows: Iterable[dict[str, str]], columns: list[str], out: IO[bytes]) -> int:
    writer = csv.writer(_Utf8(out), lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([escape_formula(row.get(c, "")) for c in columns])
        n += 1
    return n


def _write_json(rows: Iterable[dict[str, str]], columns: list[str], out: IO[bytes]) -> int:
    out.write(b"[")
    n = 0
    for row in rows:
        record = {c: row.get(c, "") for c in columns}
        out.write(
            (b",\n " if n else b"\n ") + json.dumps(record, ensure_ascii=False).encode("utf-8")
        )
        n += 1
    out.write(b"\n]\n")
    return n


def _write_xlsx(rows: Iterable[dict[str, str]], columns: list[str], out: IO[bytes]) -> int:
    import openpyxl  # imported here: only XLSX exports pay for it

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append(columns)
    n = 0
    for row in rows:
        sheet.append([escape_formula(row.get(c, "")) for c in columns])
        n += 1
    book.save(out)
    return n
