"""Domain events: what happened, in the past tense, without personal data.

Services collect these and the unit of work writes them, in order, to the append-only
event log in the same transaction as the change they record. An event names records by
their ``record_id`` and never carries a name, a date of birth or a refusal reason: the
log is meant to be shown to observers (``parley.ledger`` turns it into a Merkle log).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "DomainEvent",
    "HoldingStatusChanged",
    "HoldingsImported",
    "KeyRegistered",
    "PartyRegistered",
    "PlanDrafted",
    "ProposalReviewed",
    "RequestStatusChanged",
    "RequestsImported",
    "RequestsMerged",
    "RequestsReconciled",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Base of every event: when it happened and who did it.

    ``PERSONS`` names the fields that point at a person's record, each with the kind of
    record (``holding`` or ``request``) and the field that holds its party. The ledger
    replaces each such value by a salted commitment before an entry is made public.
    """

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {}

    occurred_at: datetime
    actor: str

    @property
    def name(self) -> str:
        """The event's type name, e.g. ``HoldingsImported``."""
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """The event's own fields as plain JSON-ready values (time and actor excluded)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("occurred_at", "actor"):
                continue
            value = getattr(self, f.name)
            out[f.name] = value.value if hasattr(value, "value") else value
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyRegistered(DomainEvent):
    """A party was added to the exchange."""

    party: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _RecordsImported(DomainEvent):
    party: str
    import_id: int
    file_sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingsImported(_RecordsImported):
    """A party uploaded (part of) its registry of people it holds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsImported(_RecordsImported):
    """A party uploaded a list of its people it asks the other side to release."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingStatusChanged(DomainEvent):
    """A held person moved along the person states."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {"record_id": ("holding", "party")}

    party: str
    record_id: str
    from_status: str
    to_status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestStatusChanged(DomainEvent):
    """A request moved along its states (verified in custody, not found, ...)."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {"record_id": ("request", "party")}

    party: str
    record_id: str
    from_status: str
    to_status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsReconciled(DomainEvent):
    """One party's requests were matched against the other party's holdings.

    The counts say what the run found and what it stored: ``proposed`` new proposals,
    ``kept_confirmed`` pairs already confirmed (not proposed again), ``kept_escalated``
    pairs still with the mediator, ``superseded`` undecided proposals of earlier runs.
    """

    run_id: int
    requester: str
    holder: str
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


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestsMerged(DomainEvent):
    """Requests found to ask for one person were merged into the first of them."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {
        "kept": ("request", "party"),
        "merged": ("request", "party"),
    }

    party: str
    run_id: int
    kept: str
    merged: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalReviewed(DomainEvent):
    """A proposed request-holding pair was confirmed, rejected, escalated or reopened.

    ``reason`` is the rejection reason code (``not_held``, ...); a reviewer's own words
    stay in the database, never here.
    """

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {
        "request_id": ("request", "requester"),
        "holding_id": ("holding", "holder"),
    }

    proposal_id: int
    run_id: int
    requester: str
    request_id: str
    holder: str
    holding_id: str
    from_state: str
    to_state: str
    reason: str | None
    acting_as: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanDrafted(DomainEvent):
    """The planner answered for an agreement and its answer was stored as a draft plan.

    ``status`` is ``optimal`` or ``infeasible``; ``released`` and ``reserves`` count
    people per party code; ``document_sha256`` is the SHA-256 of the plan document as
    stored, so that a later signed manifest can name the draft it came from.
    """

    plan_id: int
    agreement: str
    status: str
    tranches: int
    released: dict[str, int]
    reserves: dict[str, int]
    document_sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRegistered(DomainEvent):
    """A party's (or the mediator's) public key was registered, or replaced.

    ``key_name`` is the key's name (a party code or ``MEDIATOR``), ``key_id`` its
    4-byte signed-note key id in hex and ``key`` its verifier-key text, so that anyone
    holding the log can check a signature by that key. ``replaces`` is the key id of the
    key registered before under that name, ``None`` for the first.
    """

    key_name: str
    key_id: str
    key: str
    replaces: str | None = None
