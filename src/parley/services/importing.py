"""Importing a party's holdings or requests: all of a file, or nothing.

Rows are read and checked one at a time and stored in batches inside one transaction;
any problem anywhere means the transaction is rolled back and the user gets every
problem found, each with its row and column.

Each row goes once from its cells to the values a record stores (``readers.RowReader``).
A table that can read its rows itself (``BatchedSource``: the file adapter, which reads
a large CSV file in a second process) gets the reader and hands back batches; a
repository that stores values (``RowStore``: the SQL repositories) takes them as they
are, any other gets domain records. The transaction, and so all-or-nothing, stays here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from parley.domain.events import HoldingsImported, RequestsImported
from parley.errors import ImportProblem, ImportRejected
from parley.services.parties import require_party
from parley.services.ports import BatchOutcome, RecordRepository, UnitOfWork, records_of
from parley.services.readers import RowReader, RowResult, Values, record_of
from parley.services.schema import RecordSchema, schema_for

__all__ = ["MAX_PROBLEMS", "ImportSummary", "TableSource", "import_records"]

BATCH = 1000
MAX_PROBLEMS = 1000  # kept in full; beyond this only counted


class TableSource(Protocol):
    """An open import file (``parley.adapters.formats.reading.Table``)."""

    name: str
    columns: list[str]
    problems: list[ImportProblem]
    header_row: int

    def rows(self) -> Iterator[tuple[int, dict[str, str] | ImportProblem]]: ...
    def progress(self) -> tuple[int, int]: ...
    def sha256(self) -> str: ...


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


def _check_columns(schema: RecordSchema, table: TableSource, problems: _Problems) -> None:
    known = set(schema.columns)
    seen: set[str] = set()
    for column in table.columns:
        if not column or column.startswith("?"):
            continue  # no header (its cells are checked per row), or an unknown hashtag
        if column in seen:
            problems.add([ImportProblem(table.header_row, column, "appears twice in the header")])
        elif column not in known:
            problems.add(
                [
                    ImportProblem(
                        table.header_row,
                        column,
                        f"is not a {schema.kind} column (expected: {', '.join(schema.columns)})",
                    )
                ]
            )
        seen.add(column)
    if not table.columns:
        return  # JSON: columns are checked per record
    for column in schema.required:
        if column not in seen:
            problems.add(
                [
                    ImportProblem(
                        None, column, f"is missing (required: {', '.join(schema.required)})"
                    )
                ]
            )


def import_records(
    uow: UnitOfWork,
    *,
    kind: str,
    party: str,
    table: TableSource,
    actor: str,
    now: datetime,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import every row of ``table`` as ``party``'s holdings or requests, or none of them.

    A record id already stored for the party is updated in place (the old version is
    kept in the record's history); one that is the same as stored is left alone.

    Raises:
        NotFound: ``party`` is not a party of the exchange.
        ImportRejected: the file had problems; the database is unchanged.
    """
    schema = schema_for(kind)
    with uow:
        require_party(uow, party)
        problems = _Problems()
        problems.add(table.problems)
        _check_columns(schema, table, problems)
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
        digest = table.sha256()
        counts = {
            "created": totals.created,
            "updated": totals.updated,
            "unchanged": totals.unchanged,
        }
        uow.imports.finish(import_id, sha256=digest, rows=rows, **counts)
        event_type = HoldingsImported if kind == "holdings" else RequestsImported
        uow.record(
            event_type(
                occurred_at=now,
                actor=actor,
                party=party,
                import_id=import_id,
                file_sha256=digest,
                rows=rows,
                **counts,
            )
        )
        uow.commit()
    return ImportSummary(import_id, party, kind, table.name, digest, rows, **counts)


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


@runtime_checkable
class RowStore(Protocol):
    """A repository that stores rows as their stored values (the SQL repositories do).

    It saves building a domain record per row only to take it apart again for its
    table; ``ports.RecordRepository.store_batch`` takes domain records.
    """

    def store_rows(
        self, import_id: int, party: str, items: Sequence[tuple[int, Values]], at: datetime
    ) -> BatchOutcome: ...


RowRead = Callable[[int, dict[str, str] | ImportProblem], RowResult]


@runtime_checkable
class BatchedSource(Protocol):
    """A table that reads its rows through ``read`` itself, possibly in another process."""

    def read_batches(self, read: RowRead, size: int) -> Iterator[list[tuple[int, RowResult]]]: ...


StoreRows = Callable[[int, list[tuple[int, Values]], datetime], BatchOutcome]


def _row_store(records: RecordRepository[Any], kind: str, party: str) -> StoreRows:
    """Store values through ``store_rows`` where the repository has it, else as records."""
    if isinstance(records, RowStore):
        store_rows = records.store_rows
        return lambda import_id, items, at: store_rows(import_id, party, items, at)

    def store(import_id: int, items: list[tuple[int, Values]], at: datetime) -> BatchOutcome:
        batch = [(row, record_of(kind, party, values)) for row, values in items]
        return records.store_batch(import_id, batch, at)

    return store


def _read_batches(table: TableSource, read: RowRead) -> Iterator[list[tuple[int, RowResult]]]:
    """The table's rows read into values or problems, ``BATCH`` rows at a time."""
    if isinstance(table, BatchedSource):
        yield from table.read_batches(read, BATCH)
        return
    batch: list[tuple[int, RowResult]] = []
    for row, cells in table.rows():
        batch.append((row, read(row, cells)))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


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
    store = _row_store(records_of(uow, schema.kind), schema.kind, party)
    reader = RowReader(schema.kind, party, now.date(), check_keys=not table.columns)
    totals = BatchOutcome()
    rows = 0
    for batch in _read_batches(table, reader):
        rows += len(batch)
        good: list[tuple[int, Values]] = []
        for row, result in batch:
            if isinstance(result, list):
                problems.add(result)
            else:
                good.append((row, result))
        if good:
            _count(totals, store(import_id, good, now), problems)
        if on_progress is not None:
            on_progress(*table.progress())
    if on_progress is not None:
        on_progress(*table.progress())
    return totals, rows


def _count(totals: BatchOutcome, outcome: BatchOutcome, problems: _Problems) -> None:
    totals.created += outcome.created
    totals.updated += outcome.updated
    totals.unchanged += outcome.unchanged
    problems.add(
        [
            ImportProblem(
                d.row,
                "record_id",
                f"{d.record_id!r} repeats row {d.first_row} (each record_id once per file)",
            )
            for d in outcome.duplicates
        ]
    )
