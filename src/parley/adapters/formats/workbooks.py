"""Reading an XLSX import file: the first sheet, with a zip-bomb check before opening."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from parley.adapters.formats.bytes import HashingReader
from parley.adapters.formats.table import Table, cells_by_column, fail, header_name

__all__ = ["XLSX_MAX_RATIO", "XLSX_MAX_UNPACKED", "open_xlsx"]

XLSX_MAX_UNPACKED = 2 * 1024**3
XLSX_MAX_RATIO = 200


def open_xlsx(name: str, path: Path, reader: HashingReader, size: int) -> Table:
    import openpyxl  # imported here: only XLSX imports pay for it

    _check_zip(name, path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise fail(
            name, "is not a readable XLSX workbook (a part of it is missing or damaged)"
        ) from e
    sheet = book.worksheets[0]
    rows = (
        (i, [_xlsx_cell(v) for v in r]) for i, r in enumerate(sheet.iter_rows(values_only=True), 1)
    )
    header = next(rows, None)
    if header is None:
        book.close()
        raise fail(name, "has an empty first sheet (expected a header row)")
    columns = [header_name(c) for c in header[1]]
    data = ((i, cells) for i, cells in rows if any(c.strip() for c in cells))
    reader.drain()  # openpyxl reads the file itself; hash it here
    table = Table(name, "xlsx", columns, cells_by_column(columns, data), reader, size)
    table.on_close = book.close
    return table


def _check_zip(name: str, path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as e:
        raise fail(name, "is a damaged zip archive, not a readable XLSX workbook") from e
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > XLSX_MAX_UNPACKED or (
        unpacked > 100 * 1024**2 and unpacked / packed > XLSX_MAX_RATIO
    ):
        raise fail(
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
