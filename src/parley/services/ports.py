"""The ports the services need; ``parley.adapters`` implements them.

Services speak only to these protocols, so the unit tests run them over in-memory fakes
and the integration tests over SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

from parley.domain.access import Principal, Role
from parley.domain.agreements import Agreement
from parley.domain.events import DomainEvent
from parley.domain.handover import Crossing
from parley.domain.holdings import Holding
from parley.domain.manifests import Manifest
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.domain.reviews import Proposal, ProposalOutcome, ReviewDecision, ReviewState
from parley.domain.rounds import Commitment, ExchangeFacts, Round
from parley.domain.tranches import TrancheState
from parley.ledger.keys import VerifierKey
from parley.services.readers import Values

__all__ = [
    "AccessAction",
    "AccessEntry",
    "AccessLog",
    "AccessUnitOfWork",
    "BatchOutcome",
    "Closure",
    "CrossingRecord",
    "DataProtection",
    "Duplicate",
    "Exchange",
    "ExchangeRepository",
    "ExchangeUnitOfWork",
    "IdempotencyKeys",
    "IdempotentUnitOfWork",
    "ImportEntry",
    "ImportLog",
    "KeyRegistry",
    "KeyUnitOfWork",
    "LogUnitOfWork",
    "PartyRepository",
    "PlanRepository",
    "PlanSummary",
    "PlanUnitOfWork",
    "PlannedPerson",
    "ProposalQuery",
    "PublicLog",
    "RecordQuery",
    "RecordRepository",
    "RecordVersion",
    "RegisteredKey",
    "RequestMerge",
    "ReviewRepository",
    "ReviewUnitOfWork",
    "RoundRepository",
    "RoundUnitOfWork",
    "RunCounts",
    "StoredCheckpoint",
    "StoredCommitment",
    "StoredManifest",
    "StoredPlan",
    "StoredRound",
    "TokenInfo",
    "TokenRepository",
    "TrancheRecord",
    "UnitOfWork",
    "User",
    "UserRepository",
    "WebSessionRepository",
    "protection_of",
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


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Which of a party's records a list shows: each filter given must hold (an empty
    tuple filters nothing). ``priorities`` and ``sources`` are of requests,
    ``seriously_ill`` of holdings."""

    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    seriously_ill: bool | None = None


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One accepted import, as the register keeps it."""

    id: int
    party: str
    kind: str
    source_name: str
    sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int
    imported_at: datetime
    actor: str


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
    def get_many(self, party: str, record_ids: Collection[str]) -> dict[str, R]:
        """The records of ``party`` with these ids (those that exist), by record id."""
        ...

    def page(
        self, party: str, query: RecordQuery, *, limit: int, offset: int
    ) -> tuple[list[R], int]:
        """A page of ``party``'s records that ``query`` selects, by record id, and how
        many it selects in all."""
        ...


class ImportLog(Protocol):
    """The register of accepted imports."""

    def start(self, party: str, kind: str, source_name: str, at: datetime, actor: str) -> int: ...
    def finish(
        self, import_id: int, *, sha256: str, rows: int, created: int, updated: int, unchanged: int
    ) -> None: ...
    def page(
        self, party: str, kind: str | None, *, limit: int, offset: int
    ) -> tuple[list[ImportEntry], int]:
        """A page of ``party``'s accepted imports (of ``kind``, if given), newest first,
        and how many there are in all."""
        ...


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


@dataclass(frozen=True, slots=True)
class ProposalQuery:
    """Which proposals a list shows: each filter given must hold (an empty tuple filters
    nothing); the probabilities are inclusive bounds."""

    states: tuple[ReviewState, ...] = ()
    holder: str | None = None
    requester: str | None = None
    outcomes: tuple[ProposalOutcome, ...] = ()
    min_probability: float | None = None
    max_probability: float | None = None


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
    def find(self, query: ProposalQuery, *, limit: int, offset: int) -> tuple[list[Proposal], int]:
        """A page of the proposals ``query`` selects, oldest first, and how many it
        selects in all."""
        ...

    def last_decisions(self, proposal_ids: Collection[int]) -> dict[int, ReviewDecision]:
        """The latest decision on each of these proposals that has one."""
        ...


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


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A stored plan without its document: what a list of plans shows.

    ``released`` and ``reserves`` count the people per party code.
    """

    id: int
    agreement: str
    status: str
    created_at: datetime
    released: dict[str, int]
    reserves: dict[str, int]


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

    def summaries(
        self, agreement: str | None, *, limit: int, offset: int
    ) -> tuple[list[PlanSummary], int]:
        """A page of the plans (of ``agreement``, if given), newest first, and how many
        there are in all."""
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
class Closure:
    """Where the exchanges stand, for retention.

    Attributes:
        closed_at: when the last tranche closed, once every tranche is closed (or
            cancelled) and every manifest sealed; None before.
        open_because: what still needs the exchange's records (a tranche not closed, a
            manifest not sealed), or None once they are all done.
    """

    closed_at: datetime | None
    open_because: str | None


class DataProtection(Protocol):
    """Each record's purpose, retention's counts and removals, one person's file."""

    def claim(
        self, kind: str, party: str, import_id: int, purpose: str
    ) -> tuple[str, str] | None: ...
    def purposes(self, kind: str, party: str, record_ids: Sequence[str]) -> dict[str, str]: ...
    def first_outside(self, kind: str, party: str, purpose: str) -> tuple[str, str] | None: ...
    def closure(self) -> Closure: ...
    def count(self, kind: str, before: datetime | None = None) -> int: ...
    def remove(self, kind: str, before: datetime) -> int: ...
    def register(
        self, *, at: datetime, actor: str, kind: str, days: int, removed: int, kept: int, note: str
    ) -> None: ...
    def registered(self) -> list[dict[str, Any]]: ...
    def person(self, party: str, record_id: str) -> dict[str, Any]: ...


def protection_of(uow: UnitOfWork) -> DataProtection:
    """The data-protection port of ``uow``.

    Raises:
        TypeError: ``uow`` has none (a unit of work of the tests that lacks it).
    """
    found: DataProtection | None = getattr(uow, "protection", None)
    if found is None:
        raise TypeError(f"{type(uow).__name__} has no data-protection port")
    return found


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


# --- Rounds of talks ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCommitment:
    """A commitment as stored, with the moment it took its status (None: not known)."""

    commitment: Commitment
    since: datetime | None


@dataclass(frozen=True, slots=True)
class StoredRound:
    """A round as stored, with the commitments it made."""

    round: Round
    commitments: tuple[StoredCommitment, ...]


class RoundRepository(Protocol):
    """The rounds of talks and their commitments."""

    def put(self, rounds: Sequence[tuple[Round, Sequence[Commitment]]], at: datetime) -> None:
        """Store each round with exactly its commitments, replacing the round of its number.

        A stored commitment of one of these rounds that none of them lists is removed.
        A listed one stored before, in whichever round, is updated in place (so that a
        commitment may move between the rounds); it keeps the moment of its status
        unless the status changes, when that moment becomes ``at``.
        """
        ...

    def all(self) -> list[StoredRound]:
        """Every round by number, each with its commitments."""
        ...

    def save_status(self, commitment: Commitment, at: datetime) -> None:
        """Store the status of the commitment ``commitment.ref``, taken at ``at``.

        Raises:
            NotFound: no commitment has that ref.
        """
        ...


class RoundUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the rounds."""

    @property
    def rounds(self) -> RoundRepository: ...


# --- The exchange: tranches, manifests, the crossing -----------------------------------


@dataclass(slots=True)
class TrancheRecord:
    """A tranche as stored: its number, date, tracks, state and carried differences.

    ``owed`` maps track -> side -> value (``parley.domain.tranches.TrackBalance.owed``).
    """

    exchange: str
    plan_id: int
    number: int
    on_date: date | None
    tracks: tuple[str, ...]
    state: TrancheState
    owed: dict[str, dict[str, int]] = field(default_factory=dict)
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredManifest:
    """One stored manifest version: the manifest, its canonical bytes and who signed them.

    ``signatures`` maps each signer to its signature file's text.
    """

    id: int
    manifest: Manifest
    document: bytes
    sha256: str
    issued_at: datetime
    sealed_at: datetime | None
    signatures: dict[str, str]


@dataclass(slots=True)
class CrossingRecord:
    """A person listed in a tranche: their progress and where they stand on the manifest."""

    tranche_id: int
    crossing: Crossing
    position: int
    listed_in: int
    reason: str | None = None
    flags: tuple[str, ...] = ()
    sealed: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """An exchange under way: the agreement it runs (as adopted) and its plan."""

    name: str
    agreement: Agreement
    agreement_sha256: str
    plan_id: int
    adopted_at: datetime
    agreement_text: str = ""  # the file as adopted, byte for byte what the hash is of


class ExchangeRepository(Protocol):
    """Exchanges, their tranches, manifests, crossings and balances."""

    def add_exchange(
        self, name: str, agreement_text: str, plan_id: int, at: datetime
    ) -> Exchange: ...
    def exchange(self, name: str) -> Exchange | None: ...
    def exchanges(self) -> list[Exchange]: ...
    def facts(self) -> dict[str, ExchangeFacts]:
        """Each exchange's tranches planned and closed, and whether its totals are met."""
        ...

    def add_tranche(self, tranche: TrancheRecord, at: datetime) -> TrancheRecord: ...
    def tranches(self, exchange: str) -> list[TrancheRecord]: ...
    def tranche(
        self, exchange: str, number: int, *, lock: bool = False, share: bool = False
    ) -> TrancheRecord | None:
        """The tranche; ``lock`` holds it against every other transaction until this one
        ends (a change of the tranche), ``share`` only against a change of the tranche
        (a handover: others may record at once)."""
        ...

    def save_tranche(self, tranche: TrancheRecord, at: datetime) -> None: ...
    def add_manifest(
        self, tranche_id: int, manifest: Manifest, document: bytes, sha256: str, at: datetime
    ) -> StoredManifest: ...
    def manifests(self, tranche_id: int, side: str) -> list[StoredManifest]:
        """Every version of one side's manifest, oldest first."""
        ...

    def add_signature(
        self, manifest_id: int, signer: str, signature: str, at: datetime
    ) -> None: ...
    def seal(self, manifest_id: int, at: datetime) -> None: ...
    def seal_crossings(self, tranche_id: int, side: str, version: int) -> list[str]:
        """Mark the people listed by ``version`` or before as on a sealed manifest; of
        those ``version`` listed, the record ids of the ones still to cross."""
        ...

    def add_crossings(self, crossings: Sequence[CrossingRecord], at: datetime) -> None: ...
    def crossings(self, tranche_id: int, side: str | None = None) -> list[CrossingRecord]:
        """The people listed in a tranche (one side's, or both), in manifest order."""
        ...

    def crossings_page(
        self,
        tranche_id: int,
        *,
        side: str | None = None,
        shown: Collection[str] | None = None,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[CrossingRecord], int]:
        """A page of the people listed in a tranche (one side's, or both), in manifest
        order, and how many there are in all; ``shown`` keeps only those whose state as
        shown (the reason if any, else the state) is one of these."""
        ...

    def crossing_counts(self, tranche_id: int) -> dict[tuple[str, str], int]:
        """(side, state as shown: the reason if any, else the state) -> people."""
        ...

    def manifest_heads(self, tranche_id: int) -> dict[str, tuple[int, bool, tuple[str, ...]]]:
        """Side -> (latest version, sealed, its signers) of a tranche's manifests."""
        ...

    def crossing(
        self, tranche_id: int, side: str, record_id: str, *, lock: bool = False
    ) -> CrossingRecord | None:
        """One listed person; ``lock`` holds their row until the transaction ends."""
        ...

    def sides_listing(self, tranche_id: int, record_id: str) -> list[str]:
        """The sides whose manifest of a tranche lists ``record_id``."""
        ...

    def manifest_by_sha256(self, sha256: str) -> tuple[str, int, str, int] | None:
        """(exchange, tranche number, side, version) of the manifest with this SHA-256."""
        ...

    def heaviest(self, tranche_id: int, track: str) -> int:
        """The largest weight of anyone listed in ``track`` (1 if nobody)."""
        ...

    def save_crossing(self, crossing: CrossingRecord, at: datetime) -> None: ...
    def active_listings(self, side: str, record_ids: Collection[str]) -> dict[str, str]:
        """Of ``record_ids``, those listed (not yet gone) in a tranche not closed or
        cancelled, each with the exchange and tranche that lists them."""
        ...

    def balances(
        self, tranche_id: int, *, lock: tuple[str, str] | None = None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(track, side) -> (sent, received) in weight; ``lock`` (track, side) holds that
        row until the transaction ends and reads it as the last writer left it (whoever
        changes one side's balance does)."""
        ...

    def save_balance(
        self, tranche_id: int, track: str, side: str, sent: int, received: int
    ) -> None: ...
    def add_finding(
        self, tranche_id: int, side: str, record_id: str, finding: str, actor: str, at: datetime
    ) -> None: ...
    def findings(
        self, tranche_id: int, record_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        """(side, record id, finding) of the neutral verifier's findings in a tranche, in
        the order they were recorded (of ``record_ids`` only, when given)."""
        ...

    def set_holding_status(
        self, side: str, record_ids: Collection[str], status: str, at: datetime
    ) -> None: ...
    def holdings(self, side: str, record_ids: Collection[str]) -> dict[str, Holding]: ...


class IdempotencyKeys(Protocol):
    """Clients' idempotency keys and the results their first request got."""

    def hold(self, key: str) -> tuple[bool, tuple[str, str] | None]:
        """Hold ``key`` until the transaction ends, and read (request SHA-256, response)
        stored for it; False when another transaction holds it."""
        ...

    def put(self, key: str, actor: str, request_sha256: str, response: str, at: datetime) -> bool:
        """Store the result of ``key``'s request; False if another stored it first."""
        ...


class IdempotentUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that reaches the idempotency keys."""

    @property
    def idempotency(self) -> IdempotencyKeys: ...


class ExchangeUnitOfWork(
    PlanUnitOfWork, KeyUnitOfWork, IdempotentUnitOfWork, RoundUnitOfWork, Protocol
):
    """A unit of work that reaches the exchange, the plans, the keys and idempotency keys."""

    @property
    def exchange(self) -> ExchangeRepository: ...


# --- Authentication and the access log -------------------------------------------------

AccessAction = Literal["read", "write"]


@dataclass(frozen=True, slots=True)
class User:
    """A user as stored, without their password hash.

    Attributes:
        id: the user's record id, which the access log may name.
        name: the login name (``parley.domain.access.USER_NAME``).
        role: what the user is to the exchange.
        party: the party code of a party member, else None.
        created_at: when the user was added.
        disabled_at: when the user was disabled, or None.
    """

    id: int
    name: str
    role: Role
    party: str | None
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        """Whether the user may no longer sign in."""
        return self.disabled_at is not None

    @property
    def principal(self) -> Principal:
        """The principal a request of this user acts as."""
        return Principal(self.name, self.role, self.party)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as anyone may see it: never its text, never its hash."""

    id: int
    user: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """``revoked``, ``expired`` or ``active`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One access to parley: who, from where, what, and the answer they got.

    Attributes:
        at: when.
        user: the user name (or, for a change made by a service, its actor); None for
            an anonymous request.
        role: the user's role (``Role.value``), if known; text, so that an entry still
            reads after a role is renamed.
        party: the user's party, if a party member.
        client: where the request came from (the remote address).
        method: the HTTP method, or ``ADMIN`` for a user or token change.
        route: the route template (``/tranches/{exchange}/{number}``), not the path.
        object_kind: the kind of object concerned (``tranche``, ``token``), if any.
        object_id: its record id, if any; never a name or other personal data.
        action: ``read`` or ``write``.
        status: the HTTP status of the answer.
    """

    at: datetime
    user: str | None
    role: str | None
    party: str | None
    client: str
    method: str
    route: str
    object_kind: str | None
    object_id: str | None
    action: AccessAction
    status: int


class UserRepository(Protocol):
    """The users who may sign in."""

    def get(self, name: str) -> User | None: ...
    def credentials(self, name: str) -> tuple[User, str | None] | None:
        """The user named ``name`` with their password hash (None: no password set)."""
        ...

    def add(
        self,
        name: str,
        role: Role,
        party: str | None,
        password_hash: str | None,
        at: datetime,
    ) -> User:
        """Store a new user.

        Raises:
            Conflict: a user of that name exists (another transaction added it first).
        """
        ...

    def all(self) -> list[User]:
        """Every user, by name."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str | None) -> None: ...
    def disable(self, user_id: int, at: datetime) -> None: ...


class TokenRepository(Protocol):
    """API tokens, each stored only as the SHA-256 of its text."""

    def add(
        self, user_id: int, token_sha256: str, label: str, at: datetime, expires_at: datetime
    ) -> int:
        """Store a token's hash; return the token's id."""
        ...

    def get(self, token_id: int) -> TokenInfo | None: ...
    def of_user(self, user_id: int | None) -> list[TokenInfo]:
        """The tokens of one user (None: of everyone), oldest first."""
        ...

    def revoke(self, token_id: int, at: datetime) -> None: ...
    def revoke_all(self, user_id: int, at: datetime) -> int:
        """Revoke every token of the user not yet revoked; how many that was."""
        ...

    def principal(self, token_sha256: str, now: datetime) -> tuple[Principal, datetime] | None:
        """The principal of the token with this SHA-256 and when the token expires, if
        it is live at ``now``: not expired, not revoked, and its user not disabled. One
        indexed query."""
        ...


class WebSessionRepository(Protocol):
    """Signed-in browsers, each stored by the SHA-256 of its session token."""

    def add(
        self, user_id: int, session_sha256: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None: ...
    def principal(self, session_sha256: str, now: datetime) -> tuple[Principal, str] | None:
        """(principal, CSRF token) of the session, if it is live at ``now``: not expired,
        not ended, and its user not disabled. One indexed query."""
        ...

    def end(self, session_sha256: str, at: datetime) -> bool:
        """End the session; False if there is no such session still open."""
        ...

    def end_all(self, user_id: int, at: datetime) -> int:
        """End every open session of the user; how many that was."""
        ...


class AccessLog(Protocol):
    """The access log: appended to, never changed."""

    def add(self, entries: Sequence[AccessEntry]) -> None: ...
    def query(
        self,
        *,
        user: str | None,
        object_kind: str | None,
        object_id: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[AccessEntry]:
        """The entries that match every filter given, newest first; ``since`` is
        inclusive, ``until`` exclusive."""
        ...


class AccessUnitOfWork(ExchangeUnitOfWork, LogUnitOfWork, Protocol):
    """A unit of work that reaches the users, their tokens and sessions, and the access log,
    as well as every other repository (the API's unit of work)."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def web_sessions(self) -> WebSessionRepository: ...
    @property
    def access_log(self) -> AccessLog: ...
