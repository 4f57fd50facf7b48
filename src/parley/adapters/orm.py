"""The tables, as SQLAlchemy 2 typed mappings.

Tables hold the current state; ``events`` holds what happened, appended in the same
transaction. Person records keep the identity columns the domain's ``Identity`` has.
Changes go through Alembic migrations under ``migrations/``: a change here without a
migration fails ``tests/integration/test_storage.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AccessLogRow",
    "ApiTokenRow",
    "Base",
    "CheckpointRow",
    "CommitmentRow",
    "CrossingRow",
    "EventRow",
    "ExchangeRow",
    "HoldingRow",
    "IdempotencyKeyRow",
    "ImportRow",
    "LogHeadRow",
    "LogNodeRow",
    "ManifestRow",
    "ManifestSignatureRow",
    "NeutralFindingRow",
    "PartyRow",
    "PersonSaltRow",
    "PlanReleaseRow",
    "PlanRow",
    "ProposalRow",
    "ReconciliationRunRow",
    "RecordVersionRow",
    "RegisteredKeyRow",
    "RequestMergeRow",
    "RequestRow",
    "RetentionRunRow",
    "ReviewDecisionRow",
    "RoundRow",
    "TrancheBalanceRow",
    "TrancheRow",
    "UserRow",
    "UtcDateTime",
    "WebSessionRow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and read back as an aware UTC datetime on every database.

    SQLite has no time zones: a plain ``DateTime(timezone=True)`` reads back naive there
    and aware on PostgreSQL, and the two would compare differently.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("parley stores instants: a datetime without a time zone is a bug")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints."""

    metadata = MetaData(naming_convention=NAMING)


class PartyRow(Base):
    """A party of the exchange."""

    __tablename__ = "parties"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))


class ImportRow(Base):
    """One accepted import of a file: what came in, and what it changed."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))


class _PersonRecord:
    """Columns every person record has: its key, the identity, and its bookkeeping."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    record_id: Mapped[str] = mapped_column(String(64))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    name_lang: Mapped[str] = mapped_column(String(8))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    birth_place: Mapped[str | None] = mapped_column(String(200))
    nationality: Mapped[str | None] = mapped_column(String(3))
    mother_maiden_name: Mapped[str | None] = mapped_column(String(100))
    rank: Mapped[str | None] = mapped_column(String(100))
    service_number: Mapped[str | None] = mapped_column(String(50))
    unit: Mapped[str | None] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(32))
    captured_on: Mapped[date | None] = mapped_column(Date)
    capture_place: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Why the record is held (domain.purposes): fixed at its first import; records
    # stored before purposes were recorded hold the exchange's, repatriation.
    purpose: Mapped[str] = mapped_column(String(32), server_default="repatriation")


class HoldingRow(_PersonRecord, Base):
    """A person a party holds."""

    __tablename__ = "holdings"
    # record_id leads: an import looks records up by a thousand ids at a time, and with
    # party_code first PostgreSQL scanned the whole party for each batch.
    __table_args__ = (
        UniqueConstraint("record_id", "party_code"),
        Index("ix_holdings_party", "party_code", "status"),
    )

    detention_place: Mapped[str | None] = mapped_column(String(200))
    health: Mapped[str | None] = mapped_column(String(32))
    seriously_ill: Mapped[bool] = mapped_column(Boolean, default=False)
    seriously_ill_basis: Mapped[str | None] = mapped_column(String(32))


class RequestRow(_PersonRecord, Base):
    """A person a party asks back."""

    __tablename__ = "requests"
    # record_id leads: an import looks records up by a thousand ids at a time, and with
    # party_code first PostgreSQL scanned the whole party for each batch.
    __table_args__ = (
        UniqueConstraint("record_id", "party_code"),
        Index("ix_requests_party", "party_code", "status"),
    )

    source: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))


class RecordVersionRow(Base):
    """A superseded version of a person record, kept when a re-import changed it."""

    __tablename__ = "record_versions"
    __table_args__ = (Index("ix_record_versions_record", "kind", "party_code", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    party_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    record_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    replaced_by_import: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class EventRow(Base):
    """One domain event, appended in order in the transaction of the change it records.

    ``payload`` is the event as the database keeps it (record ids in the clear);
    ``entry`` is the public log entry hashed into the Merkle tree as leaf ``seq - 1``
    (RFC 8785 canonical JSON, people as salted commitments: ``parley.ledger.entries``).
    """

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    entry: Mapped[bytes] = mapped_column(LargeBinary)


class LogNodeRow(Base):
    """A complete subtree of the log's Merkle tree: leaves ``index * 2**level`` onward.

    Stored once and never changed, so appending reads and writes O(log n) rows and the
    root of any past size is recomputed from O(log n) of them (RFC 9162 section 2.1).
    """

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column("idx", Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHeadRow(Base):
    """The one row saying how many entries the log holds; locked by every append."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer)


class PersonSaltRow(Base):
    """The random salt of one person record's commitment; never published, never logged.

    A receipt hands it to the person's family so they can check the public log.
    """

    __tablename__ = "person_salts"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    party_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    """A signed checkpoint of the log (a C2SP signed note), with its witnesses' cosignatures."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    log_key: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReconciliationRunRow(Base):
    """One run of reconciliation: one party's requests against the other's holdings."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (Index("ix_reconciliation_runs_parties", "requester_code", "holder_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    holder_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    config: Mapped[str] = mapped_column(Text)  # MatchConfig as JSON
    requests: Mapped[int] = mapped_column(Integer, default=0)
    holdings: Mapped[int] = mapped_column(Integer, default=0)
    candidate_pairs: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    no_match: Mapped[int] = mapped_column(Integer, default=0)
    proposed: Mapped[int] = mapped_column(Integer, default=0)
    kept_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    kept_escalated: Mapped[int] = mapped_column(Integer, default=0)
    superseded: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)


class ProposalRow(Base):
    """What a run proposed for one request: a holding (or none), and where review stands."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_run", "run_id"),
        Index("ix_proposals_state", "state", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    holding_id: Mapped[int | None] = mapped_column(ForeignKey("holdings.id"))
    probability: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[str] = mapped_column(Text)  # JSON list, best first
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReviewDecisionRow(Base):
    """One decision on a proposal: who, when, what and why. Never updated."""

    __tablename__ = "review_decisions"
    __table_args__ = (Index("ix_review_decisions_proposal", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    acting_as: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RequestMergeRow(Base):
    """A request merged into an earlier request of its party that asks for the same person.

    Both requests stay as their party imported them (with their own sources); the merge
    says which one stands for the person from now on.
    """

    __tablename__ = "request_merges"
    __table_args__ = (
        UniqueConstraint("merged_id"),
        Index("ix_request_merges_kept", "kept_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    kept_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    merged_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"))
    probability: Mapped[float] = mapped_column(Float)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlanRow(Base):
    """A plan the planner made for an agreement: a draft until its manifests are signed.

    ``document`` is the plan file's JSON (docs/planning.md), exactly as ``parley plan``
    writes it; ``plan_releases`` lists the people it names, for queries.
    """

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_agreement", "agreement_name", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    document: Mapped[str] = mapped_column(Text)


class PlanReleaseRow(Base):
    """A person a plan releases (``tranche`` set) or keeps in reserve (``reserve_rank`` set).

    People are named by party and record id, as the plan document names them.
    """

    __tablename__ = "plan_releases"
    __table_args__ = (
        UniqueConstraint("plan_id", "party_code", "record_id"),
        Index("ix_plan_releases_record", "party_code", "record_id"),
        CheckConstraint("(tranche IS NULL) <> (reserve_rank IS NULL)", name="one_place"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    party_code: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    record_id: Mapped[str] = mapped_column(String(64))
    track: Mapped[str] = mapped_column(String(100))
    tranche: Mapped[int | None] = mapped_column(Integer)
    reserve_rank: Mapped[int | None] = mapped_column(Integer)


class RegisteredKeyRow(Base):
    """The public key registered for a party or the mediator: what its signatures must match.

    ``verifier_key`` is C2SP verifier-key text (``NAME+KEYID+base64``). A name holds one
    key at a time; replacing it is explicit and logged (``KeyRegistered.replaces``).
    """

    __tablename__ = "registered_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    verifier_key: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExchangeRow(Base):
    """An exchange under way: its agreement (the YAML as adopted) and the plan it runs.

    Named by the agreement's name; adopting a plan issues its tranches' manifests.
    """

    __tablename__ = "exchanges"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    agreement: Mapped[str] = mapped_column(Text)
    agreement_sha256: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    adopted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrancheRow(Base):
    """One handover of an exchange, made from an adopted plan: its date, tracks and state.

    ``owed`` is, per track and side, the value carried in (positive) or out (negative)
    as JSON (``parley.domain.tranches.TrackBalance.owed``).
    """

    __tablename__ = "tranches"
    __table_args__ = (UniqueConstraint("exchange", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange: Mapped[str] = mapped_column(ForeignKey("exchanges.name"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[date | None] = mapped_column(Date)
    tracks: Mapped[str] = mapped_column(Text)  # JSON list of track names
    state: Mapped[str] = mapped_column(String(24))
    owed: Mapped[str] = mapped_column(Text, default="{}")
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ManifestRow(Base):
    """One version of one side's manifest of a tranche: the canonical document and its hash."""

    __tablename__ = "manifests"
    __table_args__ = (UniqueConstraint("tranche_id", "side", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"))
    side: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 canonical JSON
    reason: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ManifestSignatureRow(Base):
    """A signer's verified signature of a manifest version (the signature file's line)."""

    __tablename__ = "manifest_signatures"
    __table_args__ = (UniqueConstraint("manifest_id", "signer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifests.id"))
    signer: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CrossingRow(Base):
    """A person listed in a tranche, and how far they are through the crossing.

    ``reason`` is how they left the manifest as a party may see it; what the neutral
    verifier found is in ``neutral_findings`` only.
    """

    __tablename__ = "crossings"
    __table_args__ = (
        UniqueConstraint("tranche_id", "side", "record_id"),
        Index("ix_crossings_record", "side", "record_id"),
        # The crossing console's list, a page at a time in crossing order, and its
        # people counted by state: each read from the index alone (migration 0008).
        Index("ix_crossings_order", "tranche_id", "side", "position"),
        Index("ix_crossings_state", "tranche_id", "side", "reason", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"))
    side: Mapped[str] = mapped_column(ForeignKey("parties.code"))
    record_id: Mapped[str] = mapped_column(String(64))
    track: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    listed_in: Mapped[int] = mapped_column(Integer)  # the manifest version that listed them
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)  # a version listing them is
    state: Mapped[str] = mapped_column(String(16))
    identity_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    will_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(48))
    flags: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrancheBalanceRow(Base):
    """The running balance of one side in one track of a tranche, in weight."""

    __tablename__ = "tranche_balances"

    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"), primary_key=True)
    track: Mapped[str] = mapped_column(String(100), primary_key=True)
    side: Mapped[str] = mapped_column(String(8), primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)


class NeutralFindingRow(Base):
    """What the neutral verifier found (e.g. a declined repatriation); never shown to a party."""

    __tablename__ = "neutral_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id"))
    side: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[str] = mapped_column(String(64))
    finding: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKeyRow(Base):
    """A client's idempotency key and the result its first request got.

    Written in the transaction of the change the request made, so a key is stored if and
    only if its request took effect.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoundRow(Base):
    """A round of talks: where and when, who came, and the agreements it produced (JSON)."""

    __tablename__ = "rounds"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    venue: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    mediator: Mapped[str | None] = mapped_column(String(200))
    delegations: Mapped[str] = mapped_column(Text, default="{}")
    agreements: Mapped[str] = mapped_column(Text, default="[]")


class CommitmentRow(Base):
    """A commitment made in a round, with the precondition it waits on (JSON)."""

    __tablename__ = "commitments"

    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_number: Mapped[int] = mapped_column(ForeignKey("rounds.number"))
    text: Mapped[str] = mapped_column(Text)
    precondition: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserRow(Base):
    """Someone who may sign in: a login name, one role and, for a party member, the party.

    ``password_hash`` is an Argon2id hash (PHC string), or None for a user who signs in
    with API tokens only. A disabled user is kept, so the access log still names them.
    """

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("(role = 'party') = (party_code IS NOT NULL)", name="party_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    role: Mapped[str] = mapped_column(String(24))
    party_code: Mapped[str | None] = mapped_column(ForeignKey("parties.code"))
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiTokenRow(Base):
    """An API token of a user, kept only as the SHA-256 of its text (shown once)."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("token_sha256"),
        Index("ix_api_tokens_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie's token and its CSRF token."""

    __tablename__ = "web_sessions"
    __table_args__ = (
        UniqueConstraint("session_sha256"),
        Index("ix_web_sessions_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_sha256: Mapped[str] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccessLogRow(Base):
    """Who read or changed what, when, from where, and the answer they got.

    Objects are named by kind and record id, never by a person's name; ``user_name`` is
    None for an anonymous request. Never updated.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_at", "at"),
        Index("ix_access_log_user", "user_name", "at"),
        Index("ix_access_log_object", "object_kind", "object_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(24))
    party: Mapped[str | None] = mapped_column(String(8))
    client: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    object_kind: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(8))
    status: Mapped[int] = mapped_column(Integer)


class RetentionRunRow(Base):
    """The retention register: what one ``parley retention apply`` removed, per kind.

    Counts and dates only, never a record id or anything else of a person: the register
    is the proof that data was removed, and must not keep what it removed.
    """

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    kept: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
