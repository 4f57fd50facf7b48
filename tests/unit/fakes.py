"""In-memory fakes of the ports in ``parley.services.ports``, for unit tests of services.

They keep the promises the SQL adapters keep, and no more:

- ``FakeUnitOfWork`` rolls back everything (records, imports, queued events) unless
  ``commit()`` was called inside the ``with`` block; committed events land in ``events``.
- ``FakeRecordRepository.store_rows`` takes stored values, as the SQL repositories do,
  and keeps the domain records they describe. It reports a record id repeated inside a
  batch, then one already stored by the same import, as a ``Duplicate`` and does not
  store it; a record the same as stored counts as unchanged; a changed one is updated,
  keeping its status and its old version.
- ``FakeTable`` is an import file that is already open: columns, rows, a digest; it
  reads its batches in this process, as the file adapter reads a small file.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Generic, Self, TypeVar, cast

from parley.domain.events import DomainEvent
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.errors import ImportProblem
from parley.services.importing import RowRead
from parley.services.ports import BatchOutcome, Duplicate, RecordVersion
from parley.services.readers import RowResult, Values, record_of

__all__ = [
    "FakeImportLog",
    "FakePartyRepository",
    "FakeRecordRepository",
    "FakeTable",
    "FakeUnitOfWork",
    "StartedImport",
]

R = TypeVar("R", Holding, Request)


class FakePartyRepository:
    """The parties, by code."""

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self.by_code: dict[str, Party] = {p.code: p for p in parties}

    def get(self, code: str) -> Party | None:
        return self.by_code.get(code)

    def add(self, party: Party) -> None:
        self.by_code[party.code] = party

    def all(self) -> list[Party]:
        return sorted(self.by_code.values(), key=lambda p: p.code)


@dataclass(frozen=True, slots=True)
class _Stored(Generic[R]):
    record: R
    version: int
    import_id: int | None
    source_row: int
    valid_from: datetime


class FakeRecordRepository(Generic[R]):
    """Holdings or requests of every party, keyed by (party, record_id)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.stored: dict[tuple[str, str], _Stored[R]] = {}
        self.old_versions: dict[tuple[str, str], list[RecordVersion]] = {}

    def store_rows(
        self, import_id: int, party: str, items: Sequence[tuple[int, Values]], at: datetime
    ) -> BatchOutcome:
        outcome = BatchOutcome()
        wanted: dict[str, tuple[int, Values]] = {}
        for row, values in items:
            record_id = values[0]
            if record_id in wanted:
                outcome.duplicates.append(Duplicate(row, record_id, wanted[record_id][0]))
            else:
                wanted[record_id] = (row, values)
        for record_id, (row, values) in wanted.items():
            key = (party, record_id)
            old = self.stored.get(key)
            record = cast(R, record_of(self.kind, party, values))
            if old is None:
                self.stored[key] = _Stored(record, 1, import_id, row, at)
                outcome.created += 1
            elif old.import_id == import_id:
                outcome.duplicates.append(Duplicate(row, record_id, old.source_row))
            elif dataclasses.replace(record, status=old.record.status) == old.record:
                self.stored[key] = dataclasses.replace(old, import_id=import_id, source_row=row)
                outcome.unchanged += 1
            else:
                self.old_versions.setdefault(key, []).append(_version(old))
                kept = dataclasses.replace(record, status=old.record.status)
                self.stored[key] = _Stored(kept, old.version + 1, import_id, row, at)
                outcome.updated += 1
        return outcome

    def get(self, party: str, record_id: str) -> R | None:
        stored = self.stored.get((party, record_id))
        return None if stored is None else stored.record

    def save_status(self, record: R, at: datetime) -> None:
        key = (record.party, record.record_id)
        self.stored[key] = dataclasses.replace(self.stored[key], record=record)

    def iter_party(self, party: str) -> Iterator[R]:
        for (owner, _), stored in sorted(self.stored.items()):
            if owner == party:
                yield stored.record

    def count(self, party: str) -> int:
        return sum(1 for owner, _ in self.stored if owner == party)

    def history(self, party: str, record_id: str) -> list[RecordVersion]:
        key = (party, record_id)
        current = self.stored.get(key)
        past = list(self.old_versions.get(key, []))
        return past + ([_version(current)] if current is not None else [])


def _version(stored: _Stored[R]) -> RecordVersion:
    content = {f.name: getattr(stored.record, f.name) for f in dataclasses.fields(stored.record)}
    return RecordVersion(stored.version, content, stored.valid_from, stored.import_id)


@dataclass(slots=True)
class StartedImport:
    """One row of the fake import register."""

    import_id: int
    party: str
    kind: str
    source_name: str
    at: datetime
    actor: str
    finished: dict[str, object] | None = None


class FakeImportLog:
    """The register of imports; ids count from 1."""

    def __init__(self) -> None:
        self.entries: list[StartedImport] = []

    def start(self, party: str, kind: str, source_name: str, at: datetime, actor: str) -> int:
        import_id = len(self.entries) + 1
        self.entries.append(StartedImport(import_id, party, kind, source_name, at, actor))
        return import_id

    def finish(
        self, import_id: int, *, sha256: str, rows: int, created: int, updated: int, unchanged: int
    ) -> None:
        entry = self.entries[import_id - 1]
        entry.finished = {
            "sha256": sha256,
            "rows": rows,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        }


@dataclass(frozen=True, slots=True)
class _Snapshot:
    parties: dict[str, Party]
    holdings: dict[tuple[str, str], _Stored[Holding]]
    holding_versions: dict[tuple[str, str], list[RecordVersion]]
    requests: dict[tuple[str, str], _Stored[Request]]
    request_versions: dict[tuple[str, str], list[RecordVersion]]
    imports: list[StartedImport]


class FakeUnitOfWork:
    """A transaction over in-memory repositories, with the SQL unit of work's promises.

    Attributes:
        committed: whether ``commit()`` was ever called.
        recorded: every event ever passed to ``record()``, committed or not.
        events: the events written to the log, i.e. recorded and then committed.
    """

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self.parties = FakePartyRepository(parties)
        self.holdings: FakeRecordRepository[Holding] = FakeRecordRepository("holdings")
        self.requests: FakeRecordRepository[Request] = FakeRecordRepository("requests")
        self.imports = FakeImportLog()
        self.committed = False
        self.recorded: list[DomainEvent] = []
        self.events: list[DomainEvent] = []
        self._queued: list[DomainEvent] = []
        self._snapshot: _Snapshot | None = None

    def __enter__(self) -> Self:
        self._queued = []
        self._snapshot = self._take_snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()  # after commit() this changes nothing: the snapshot is what committed
        self._snapshot = None

    def record(self, event: DomainEvent) -> None:
        self.recorded.append(event)
        self._queued.append(event)

    def commit(self) -> None:
        self._require()
        self.events.extend(self._queued)
        self._queued = []
        self.committed = True
        self._snapshot = self._take_snapshot()

    def rollback(self) -> None:
        snapshot = self._require()
        self._queued = []
        self.parties.by_code = dict(snapshot.parties)
        self.holdings.stored = dict(snapshot.holdings)
        self.holdings.old_versions = {k: list(v) for k, v in snapshot.holding_versions.items()}
        self.requests.stored = dict(snapshot.requests)
        self.requests.old_versions = {k: list(v) for k, v in snapshot.request_versions.items()}
        self.imports.entries = [dataclasses.replace(e) for e in snapshot.imports]

    def _require(self) -> _Snapshot:
        if self._snapshot is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._snapshot

    def _take_snapshot(self) -> _Snapshot:
        return _Snapshot(
            dict(self.parties.by_code),
            dict(self.holdings.stored),
            {k: list(v) for k, v in self.holdings.old_versions.items()},
            dict(self.requests.stored),
            {k: list(v) for k, v in self.requests.old_versions.items()},
            [dataclasses.replace(e) for e in self.imports.entries],
        )


@dataclass
class FakeTable:
    """An open import file: its name, header, header problems and data rows.

    Rows are numbered as a spreadsheet shows them, the header being row 1; an
    ``ImportProblem`` in ``data`` stands for a row the reader could not decode.
    """

    name: str
    columns: list[str]
    data: list[dict[str, str] | ImportProblem]
    problems: list[ImportProblem] = field(default_factory=list)
    read: int = 0
    header_row: int = 1

    def rows(self) -> Iterator[tuple[int, dict[str, str] | ImportProblem]]:
        for number, cells in enumerate(self.data, start=2):
            self.read += 1
            yield number, cells

    def read_batches(self, read: RowRead, size: int) -> Iterator[list[tuple[int, RowResult]]]:
        batch: list[tuple[int, RowResult]] = []
        for row, cells in self.rows():
            batch.append((row, read(row, cells)))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def progress(self) -> tuple[int, int]:
        return self.read, len(self.data)

    def sha256(self) -> str:
        text = repr((self.columns, self.data))
        return hashlib.sha256(text.encode()).hexdigest()
