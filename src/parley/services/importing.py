"""Importing a party's holdings or requests: all of a file, or nothing.

Rows are read and checked one at a time and stored in batches inside one transaction;
any problem anywhere means the transaction is rolled back and the user gets every
problem found, each with its row and column.

Each row goes once from its cells to the values a record stores (``readers.RowReader``).
The table reads its rows through that reader and hands back batches
(``TableSource.read_batches``: the file adapter reads a large CSV file in a second
process); the repository stores the values as they are
(``ports.RecordRepository.store_rows``). The transaction, and so all-or-nothing, stays
here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from parley.domain.events import HoldingsImported, RequestsImported
from parley.domain.purposes import Purpose
from parley.errors import ImportProblem, ImportRejected
from parley.services.parties import require_party
from parley.services.ports import BatchOutcome, UnitOfWork, records_of
from parley.services.purposes import claim_purpose
from parley.services.readers import RowReader, RowResult, Values
from parley.services.schema import RecordSchema, schema_for

__all__ = [
    "MAX_PROBLEMS",
    "ImportSummary",
    "RowRead",
    "TableSource",
    "check_columns",
    "import_records",
    "report_repeat",
]

BATCH = 1000
MAX_PROBLEMS = 1000  # kept in full; beyond this only counted

Cells = dict[str, str] | ImportProblem  # a row's cells by column, or why it could not be read
RowRead = Callable[[int, Cells], RowResult]


class TableSource(Protocol):
    """An open import file (``parley.adapters.formats.reading.Table``).

    Attributes:
        name: the file name shown in messages.
        columns: the column names in file order; empty for JSON, whose records name
            their own fields.
        problems: problems of the header found on opening.
        header_row: the row that names the columns.
    """

    name: str
    columns: list[str]
    problems: list[ImportProblem]
    header_row: int

    def rows(self) -> Iterator[tuple[int, Cells]]:
        """The data rows in file order; a problem that ends the reading is the last item."""
        ...

    def read_batches(self, read: RowRead, size: int) -> Iterator[list[tuple[int, RowResult]]]:
        """The rows of ``rows``, each as ``(row, read(row, cells))``, ``size`` rows at a time.

        The table may read and call ``read`` in another process (so ``read`` must be
        picklable); whatever reads them, the batches come in file order, every batch but
        the last holds ``size`` rows, and ``progress`` and ``sha256`` follow the reading.
        Stopping early (closing the iterator) stops the reading.

        Raises:
            ImportRejected: the file could not be read again, or changed while read.
        """
        ...

    def progress(self) -> tuple[int, int]:
        """How far the reading is, and where it ends (bytes of the file, for a file)."""
        ...

    def sha256(self) -> str:
        """SHA-256 (hex) of the whole file."""
        ...


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an accepted import did."""

    import_id: int
    party: str
    kind: str
    source: str
    sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int


class _Problems:
    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.total = 0

    def add(self, problems: list[ImportProblem]) -> None:
        self.total += len(problems)
        room = MAX_PROBLEMS - len(self.kept)
        if room > 0:
            self.kept.extend(problems[:room])


def check_columns(schema: RecordSchema, table: TableSource) -> list[ImportProblem]:
    """The problems of ``table``'s header for a file of ``schema``'s kind, in header order.

    A column named twice or not of the kind is a problem of the header row; a required
    column the header lacks is a problem of the file, after those. A column without a
    header (its cells are checked per row) and an unknown HXL hashtag (``?...``, already
    among ``table.problems``) are passed over; a table without columns (JSON, whose
    records are checked one by one) has no header problems.
    """
    problems: list[ImportProblem] = []
    seen: set[str] = set()
    for column in table.columns:
        if not column or column.startswith("?"):
            continue
        if column in seen:
            problems.append(ImportProblem(table.header_row, column, "appears twice in the header"))
        elif column not in schema.columns:
            expected = ", ".join(schema.columns)
            message = f"is not a {schema.kind} column (expected: {expected})"
            problems.append(ImportProblem(table.header_row, column, message))
        seen.add(column)
    if table.columns:
        required = ", ".join(schema.required)
        problems += [
            ImportProblem(None, column, f"is missing (required: {required})")
            for column in schema.required
            if column not in seen
        ]
    return problems


def import_records(
    uow: UnitOfWork,
    *,
    kind: str,
    party: str,
    table: TableSource,
    actor: str,
    now: datetime,
    on_progress: Callable[[int, int], None] | None = None,
    purpose: Purpose | None = None,
) -> ImportSummary:
    """Import every row of ``table`` as ``party``'s holdings or requests, or none of them.

    A record id already stored for the party is updated in place (the old version is
    kept in the record's history); one that is the same as stored is left alone.
    ``purpose``, when given, is what the records are held for (``services.purposes``);
    without it new records hold the exchange's, repatriation.

    Raises:
        NotFound: ``party`` is not a party of the exchange.
        ImportRejected: the file had problems; the database is unchanged.
        PurposeRefused: the import changes a record held for another purpose; the
            database is unchanged.
    """
    schema = schema_for(kind)
    with uow:
        require_party(uow, party)
        problems = _Problems()
        problems.add(table.problems)
        problems.add(check_columns(schema, table))
        if problems.total:
            raise ImportRejected(table.name, problems.kept, problems.total)
        import_id = uow.imports.start(party, kind, table.name, now, actor)
        with _long_lived_objects_frozen():
            totals, rows = _store_rows(
                uow, schema, party, table, import_id, now, problems, on_progress
            )
        if problems.total:
            raise ImportRejected(table.name, problems.kept, problems.total)
        if rows == 0:
            raise ImportRejected(
                table.name, [ImportProblem(None, None, "has a header but no rows")]
            )
        if purpose is not None:
            claim_purpose(uow, kind=kind, party=party, import_id=import_id, purpose=purpose)
        counts = _counts(totals)
        summary = ImportSummary(import_id, party, kind, table.name, table.sha256(), rows, **counts)
        _register(uow, summary, actor, now)
        uow.commit()
    return summary


def _register(uow: UnitOfWork, summary: ImportSummary, actor: str, now: datetime) -> None:
    """Complete the import's entry in the register and record its event (no names in it)."""
    counts = _counts(summary)
    uow.imports.finish(summary.import_id, sha256=summary.sha256, rows=summary.rows, **counts)
    event_type = HoldingsImported if summary.kind == "holdings" else RequestsImported
    uow.record(
        event_type(
            occurred_at=now,
            actor=actor,
            party=summary.party,
            import_id=summary.import_id,
            file_sha256=summary.sha256,
            rows=summary.rows,
            **counts,
        )
    )


@contextmanager
def _long_lived_objects_frozen() -> Iterator[None]:
    """Keep the collector from rescanning every object the process already had.

    An import allocates millions of short-lived objects; each full collection would
    otherwise walk all of SQLAlchemy's and the CLI's objects again. Measured on 100,000
    rows: about a fifth of the import's time (bench/import.py).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _store_rows(
    uow: UnitOfWork,
    schema: RecordSchema,
    party: str,
    table: TableSource,
    import_id: int,
    now: datetime,
    problems: _Problems,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[BatchOutcome, int]:
    records = records_of(uow, schema.kind)
    reader = RowReader(schema.kind, party, now.date(), check_keys=not table.columns)
    totals = BatchOutcome()
    rows = 0
    for batch in table.read_batches(reader, BATCH):
        rows += len(batch)
        good: list[tuple[int, Values]] = []
        for row, result in batch:
            if isinstance(result, list):
                problems.add(result)
            else:
                good.append((row, result))
        if good:
            _count(totals, records.store_rows(import_id, party, good, now), problems)
        if on_progress is not None:
            on_progress(*table.progress())
    if on_progress is not None:
        on_progress(*table.progress())
    return totals, rows


def _counts(done: BatchOutcome | ImportSummary) -> dict[str, int]:
    return {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}


def _count(totals: BatchOutcome, outcome: BatchOutcome, problems: _Problems) -> None:
    totals.created += outcome.created
    totals.updated += outcome.updated
    totals.unchanged += outcome.unchanged
    problems.add([report_repeat(d.row, d.record_id, d.first_row) for d in outcome.duplicates])


def report_repeat(row: int, record_id: str, first_row: int) -> ImportProblem:
    """The problem of a record id seen a second time in one file: each once per file."""
    message = f"{record_id!r} repeats row {first_row} (each record_id once per file)"
    return ImportProblem(row, "record_id", message)
