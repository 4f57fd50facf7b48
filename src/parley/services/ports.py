"""The ports the services need; ``parley.adapters`` implements them.

Services speak only to these protocols, so the unit tests run them over in-memory fakes
and the integration tests over SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from parley.domain.events import DomainEvent
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request

__all__ = [
    "BatchOutcome",
    "Duplicate",
    "ImportLog",
    "PartyRepository",
    "RecordRepository",
    "RecordVersion",
    "UnitOfWork",
    "records_of",
]

R = TypeVar("R", Holding, Request)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A record id that appears a second time in the same import."""

    row: int
    record_id: str
    first_row: int


@dataclass(slots=True)
class BatchOutcome:
    """What storing one batch of an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """One version of a person record, for its change history (newest last)."""

    version: int
    content: dict[str, object]
    valid_from: datetime
    import_id: int | None


class PartyRepository(Protocol):
    """The parties of the exchange."""

    def get(self, code: str) -> Party | None: ...
    def add(self, party: Party) -> None: ...
    def all(self) -> list[Party]: ...


class RecordRepository(Protocol[R]):
    """Person records (holdings or requests) of every party."""

    def store_batch(
        self, import_id: int, items: Sequence[tuple[int, R]], at: datetime
    ) -> BatchOutcome: ...
    def get(self, party: str, record_id: str) -> R | None: ...
    def save_status(self, record: R, at: datetime) -> None: ...
    def iter_party(self, party: str) -> Iterator[R]: ...
    def count(self, party: str) -> int: ...
    def history(self, party: str, record_id: str) -> list[RecordVersion]: ...


class ImportLog(Protocol):
    """The register of accepted imports."""

    def start(self, party: str, kind: str, source_name: str, at: datetime, actor: str) -> int: ...
    def finish(
        self, import_id: int, *, sha256: str, rows: int, created: int, updated: int, unchanged: int
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: everything in it is committed together, or nothing is.

    Leaving the ``with`` block without ``commit()`` rolls back. Events recorded with
    ``record`` are written, in order, in the same transaction as the state change.
    """

    @property
    def parties(self) -> PartyRepository: ...
    @property
    def holdings(self) -> RecordRepository[Holding]: ...
    @property
    def requests(self) -> RecordRepository[Request]: ...
    @property
    def imports(self) -> ImportLog: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def record(self, event: DomainEvent) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


def records_of(uow: UnitOfWork, kind: str) -> RecordRepository[Any]:
    """The repository of ``kind`` ("holdings" or "requests") in ``uow``."""
    return uow.holdings if kind == "holdings" else uow.requests
