"""The ports the services need; ``parley.adapters`` implements them.

Services speak only to these protocols, so the unit tests run them over in-memory fakes
and the integration tests over SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from parley.domain.events import DomainEvent
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.domain.reviews import Proposal, ReviewDecision, ReviewState
from parley.ledger.keys import VerifierKey
from parley.services.readers import Values

__all__ = [
    "BatchOutcome",
    "Duplicate",
    "ImportLog",
    "KeyRegistry",
    "KeyUnitOfWork",
    "LogUnitOfWork",
    "PartyRepository",
    "PlanRepository",
    "PlanUnitOfWork",
    "PlannedPerson",
    "PublicLog",
    "RecordRepository",
    "RecordVersion",
    "RegisteredKey",
    "RequestMerge",
    "ReviewRepository",
    "ReviewUnitOfWork",
    "RunCounts",
    "StoredCheckpoint",
    "StoredPlan",
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

    def store_rows(
        self, import_id: int, party: str, items: Sequence[tuple[int, Values]], at: datetime
    ) -> BatchOutcome:
        """Store one batch of an import of ``party``'s records, inside the caller's transaction.

        Each item is (row number, the row's stored values): one value per column of the
        kind's schema, in its order, ``record_id`` first (``parley.services.readers``).
        A record id the party does not have is created (with a new record's status); one
        it has with other values is updated in place, its previous version kept in its
        history, its status untouched; one with the same values is left unchanged.

        A record id repeated inside the batch, or already stored by this same import, is
        not stored but reported as a ``Duplicate`` naming both rows: first every repeat
        inside the batch, in row order, then every one stored by an earlier batch.

        Returns:
            How many records were created, updated and left unchanged, and the duplicates.
        """
        ...

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


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What one reconciliation run read, found and stored."""

    requests: int
    holdings: int
    candidate_pairs: int
    matched: int
    review: int
    no_match: int
    proposed: int
    kept_confirmed: int
    kept_escalated: int
    superseded: int
    merged: int


@dataclass(frozen=True, slots=True)
class RequestMerge:
    """A request found to ask for the same person as an earlier one of the same party.

    Attributes:
        kept: the request that stands for both (its record id).
        merged: the request merged into it.
        probability: that both ask for one person.
        run_id: the run that found it.
    """

    kept: str
    merged: str
    probability: float
    run_id: int


class ReviewRepository(Protocol):
    """Reconciliation runs, their proposals, the decisions on them and merged requests."""

    def start_run(
        self, requester: str, holder: str, *, actor: str, at: datetime, config: Mapping[str, object]
    ) -> int: ...
    def finish_run(self, run_id: int, counts: RunCounts) -> None: ...
    def add_proposals(self, proposals: Sequence[Proposal], at: datetime) -> None: ...
    def proposals_in(
        self, requester: str, holder: str, states: Collection[ReviewState]
    ) -> list[Proposal]: ...
    def queue(self, holder: str | None, states: Collection[ReviewState]) -> list[Proposal]: ...
    def get(self, proposal_id: int) -> Proposal | None: ...
    def save_states(self, proposals: Sequence[Proposal], at: datetime) -> None: ...
    def add_decision(self, decision: ReviewDecision) -> None: ...
    def decisions(self, proposal_id: int) -> list[ReviewDecision]: ...
    def add_merges(self, party: str, merges: Sequence[RequestMerge], at: datetime) -> None: ...
    def merges(self, party: str) -> list[RequestMerge]: ...


class ReviewUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the review tables."""

    @property
    def reviews(self) -> ReviewRepository: ...


@dataclass(frozen=True, slots=True)
class PlannedPerson:
    """One person a stored plan names: released in a tranche, or kept as a reserve.

    Exactly one of ``tranche`` (from 1) and ``reserve_rank`` (1 is called first) is set.
    """

    party: str
    record_id: str
    track: str
    tranche: int | None = None
    reserve_rank: int | None = None


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A plan as stored: the document ``parley plan`` writes, and the people it names.

    ``status`` is the plan's (``optimal`` or ``infeasible``); ``document`` is the plan
    file's JSON (``parley.planning.plan_file``), read back.
    """

    id: int
    agreement: str
    status: str
    created_at: datetime
    document: dict[str, Any]
    people: tuple[PlannedPerson, ...]


class PlanRepository(Protocol):
    """Draft plans, each with the people it releases and keeps in reserve."""

    def add(
        self,
        *,
        agreement: str,
        status: str,
        document: str,
        people: Sequence[PlannedPerson],
        at: datetime,
    ) -> int:
        """Store a plan (``document`` is its JSON text) and return its id."""
        ...

    def get(self, plan_id: int) -> StoredPlan | None: ...
    def latest(self, agreement: str) -> StoredPlan | None:
        """The plan stored last for the agreement named ``agreement``, or None."""
        ...


class PlanUnitOfWork(ReviewUnitOfWork, Protocol):
    """A unit of work that also reaches the stored plans."""

    @property
    def plans(self) -> PlanRepository: ...


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint as stored: the tree size, the signed note, the log's key."""

    size: int
    note: str
    log_key: str


class PublicLog(Protocol):
    """The public log: entries hashed into a Merkle tree, and its signed checkpoints."""

    def hold(self) -> None:
        """Keep other writers off the log until the unit of work ends."""
        ...

    def size(self) -> int:
        """How many entries the log holds."""
        ...

    def root(self, size: int | None = None) -> bytes:
        """The tree's root hash at ``size`` entries (default: now)."""
        ...

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]: ...
    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...
    def entries(self, after: int = 0, limit: int = 10_000) -> list[bytes]:
        """The canonical entries with sequence number above ``after``, in order."""
        ...

    def salt(self, kind: str, party: str, record_id: str) -> bytes | None:
        """The salt of a person record's commitment, or None if the record never appeared
        in the log; unlike an append, this never makes one."""
        ...

    def entries_naming(self, commitment: str) -> list[tuple[int, bytes]]:
        """(sequence number, entry) of the entries whose bytes hold ``commitment`` (hex)
        as a JSON string, oldest first; the caller checks that their data names it."""
        ...

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every signed checkpoint, oldest first."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint, at: datetime) -> None: ...

    def snapshot(self) -> None:
        """Make every later read of the unit of work see the database as of one moment.

        Call it first: a check that reads the log in pages must not see appends that
        land between two pages.
        """
        ...

    def numbered_entries(self, after: int = 0, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """(stored sequence number, entry) for the rows numbered above ``after``, in order.

        Unlike ``entries`` this trusts nothing: a gap, a swap or a stray row shows.
        """
        ...

    def nodes(self, level: int, after: int = -1, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """The stored complete subtrees of ``level`` as (index, hash), index above ``after``."""
        ...

    def node_levels(self) -> list[int]:
        """Every level that holds a stored node, lowest first."""
        ...


class LogUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the public log."""

    @property
    def log(self) -> PublicLog: ...


def records_of(uow: UnitOfWork, kind: str) -> RecordRepository[Any]:
    """The repository of ``kind`` ("holdings" or "requests") in ``uow``."""
    return uow.holdings if kind == "holdings" else uow.requests


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    """The public key a party (or the mediator) signs with, as registered, and when."""

    key: VerifierKey
    registered_at: datetime

    @property
    def name(self) -> str:
        """The key's name: a party code or ``MEDIATOR``."""
        return self.key.name


class KeyRegistry(Protocol):
    """The registered public keys, one per name."""

    def get(self, name: str) -> RegisteredKey | None: ...
    def put(self, key: RegisteredKey) -> None:
        """Store ``key``, replacing the key registered under its name, if any."""
        ...

    def all(self) -> list[RegisteredKey]:
        """Every registered key, by name."""
        ...


class KeyUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the registered keys."""

    @property
    def keys(self) -> KeyRegistry: ...
