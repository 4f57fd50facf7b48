"""An open import file, and the pieces every format's reader shares."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from parley.adapters.formats.background import Batch, ChildReading, Job, RowRead, worth_a_child
from parley.adapters.formats.bytes import HashingReader
from parley.errors import ImportProblem, ImportRejected

__all__ = ["Raw", "RowResult", "Table", "cells_by_column", "fail", "header_name", "text_stream"]

RowResult = tuple[int, dict[str, str] | ImportProblem]
Raw = tuple[int, list[str] | ImportProblem]  # cells by position, before the header names them


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
    on_close: Callable[[], None] | None = None
    reopen: tuple[Path, str | None, str | None] | None = None  # path, declared format, encoding
    _child: ChildReading | None = None

    def rows(self) -> Iterator[RowResult]:
        """The data rows; a fatal problem (undecodable bytes) is the last item."""
        return self._rows

    def read_batches(self, read: RowRead, size: int) -> Iterator[Batch]:
        """The data rows as ``(row, read(row, cells))``, ``size`` rows at a time.

        A large CSV file is read by a child process (``background``) while the caller
        stores what it has received; anything else is read here, as ``rows`` reads it.
        ``progress`` and ``sha256`` follow whichever process read the file.
        """
        if self.reopen is not None and self.format == "csv" and worth_a_child(self._size):
            path, format, encoding = self.reopen
            job = Job(path.absolute(), format, encoding, self.columns, self.header_row)
            child = ChildReading(job, self.name, read, size)
            try:
                child.start()
            except OSError:
                pass  # no second process to be had: read here after all
            else:
                self._child = child
                yield from child.batches()
                return
        batch: Batch = []
        for row, cells in self._rows:
            batch.append((row, read(row, cells)))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def progress(self) -> tuple[int, int]:
        """Bytes read so far, and the size of the file."""
        if self._child is not None:
            return self._child.consumed, self._size
        return self._reader.consumed, self._size

    def sha256(self) -> str:
        """SHA-256 of the whole file (reads what is left, if anything)."""
        if self._child is not None and self._child.digest is not None:
            return self._child.digest  # of the bytes the rows were read from
        self._reader.drain()
        return self._reader.hexdigest()

    def close(self) -> None:
        """Close the file (and whatever a reader opened over it)."""
        if self.on_close is not None:
            self.on_close()
        self._reader.close_source()


def fail(
    name: str, message: str, row: int | None = None, column: str | None = None
) -> ImportRejected:
    return ImportRejected(name, [ImportProblem(row, column, message)])


def text_stream(reader: HashingReader, codec: str) -> io.TextIOWrapper:
    buffered = io.BufferedReader(reader, buffer_size=256 * 1024)
    return io.TextIOWrapper(buffered, encoding=codec, errors="strict", newline="")


def header_name(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def cells_by_column(
    columns: list[str], rows: Iterator[Raw], *, untagged_is_data: bool = True
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
        stray = (
            next((i for i in unnamed if i < len(cells) and cells[i].strip()), None)
            if unnamed
            else None
        )
        if stray is not None:
            message = f"has a value in column {stray + 1}, which has no header"
            yield row, ImportProblem(row, None, message)
            continue
        if len(cells) != width:  # short rows are padded; extra cells were checked empty
            cells = (cells + [""] * width)[:width]
        named = zip(columns, cells, strict=True)
        yield row, dict(named) if not unnamed_any else {col: cell for col, cell in named if col}
