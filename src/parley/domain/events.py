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
    "CommitmentStatusChanged",
    "DifferenceCarried",
    "DomainEvent",
    "HoldingStatusChanged",
    "HoldingsImported",
    "IdentityDisputed",
    "KeyRegistered",
    "ManifestIssued",
    "ManifestSealed",
    "ManifestSigned",
    "PartyRegistered",
    "PersonAddedFromReserves",
    "PersonDied",
    "PersonHandedOver",
    "PersonNoShow",
    "PersonReceived",
    "PersonSubstituted",
    "PersonVerificationRecorded",
    "PersonWithdrawn",
    "PlanDrafted",
    "ProposalReviewed",
    "RequestStatusChanged",
    "RequestsImported",
    "RequestsMerged",
    "RequestsReconciled",
    "RoundRecorded",
    "TrancheStateChanged",
    "UnlistedPersonPresented",
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


# --- The exchange itself: manifests, tranches, the handover, rounds -------------------
#
# ``exchange`` is the agreement's name, ``tranche`` its number from 1, ``side`` the
# party releasing the person, ``weight`` what the person counts for in the track's
# balance (``parley.domain.tranches``). A refusal never appears: the public log, like
# the parties, sees only ``withdrawn_by_neutral_verification``.


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestIssued(DomainEvent):
    """A version of a side's manifest was issued for signature; ``counts`` per track.

    ``reason`` is the kind of version (``plan``, ``substitution``, ``taken off``,
    ``matching withdrawal for ...``, ``carried to tranche N``), never who it concerns:
    the document itself, which the parties sign, says that.
    """

    exchange: str
    tranche: int
    side: str
    version: int
    sha256: str
    reason: str
    counts: dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestSigned(DomainEvent):
    """``signer`` (a party code or ``MEDIATOR``) signed a manifest version's SHA-256."""

    exchange: str
    tranche: int
    side: str
    version: int
    sha256: str
    signer: str
    key_id: str
    signature: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestSealed(DomainEvent):
    """All three signed one version: ``people`` (commitments in the log) may now cross."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {"people": ("holding", "side")}

    exchange: str
    tranche: int
    side: str
    version: int
    sha256: str
    people: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrancheStateChanged(DomainEvent):
    """A tranche moved; a closing one carries each track's balance for observers.

    ``balances`` (when closed) maps each track to its formula kind, each side's weight
    per person (``weights``; tariff tracks weigh by points), what each side must make up
    (``owed``) and the value each side had received (``received``).
    """

    exchange: str
    tranche: int
    from_state: str
    to_state: str
    balances: dict[str, dict[str, object]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _PersonAtCrossing(DomainEvent):
    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {"record_id": ("holding", "side")}

    exchange: str
    tranche: int
    side: str
    track: str
    record_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonVerificationRecorded(_PersonAtCrossing):
    """The neutral verifier recorded a step; ``complete`` once identity and will are both confirmed.

    Which step, and its outcome, stay with the neutral verifier.
    """

    complete: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityDisputed(_PersonAtCrossing):
    """The receiving side disputed a person's identity; that person waits, no one else."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonHandedOver(_PersonAtCrossing):
    """The releasing side handed the person over."""

    receiver: str
    weight: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonReceived(_PersonAtCrossing):
    """The receiving side received the person: now, and only now, they are exchanged.

    ``flags`` follow the person home (e.g. ``no_active_service``, GC III Art. 117).
    """

    receiver: str
    weight: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonWithdrawn(_PersonAtCrossing):
    """A person left a manifest; ``reason`` is one a party may see.

    ``withdrawn_by_neutral_verification`` (the person's will or identity, as the neutral
    verifier found), ``matching_withdrawal`` (to match the other side's loss),
    ``substituted`` (a reserve took the place).
    """

    weight: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonNoShow(_PersonAtCrossing):
    """A listed person was not brought to the crossing."""

    weight: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonDied(_PersonAtCrossing):
    """A listed person died before crossing."""

    weight: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlistedPersonPresented(_PersonAtCrossing):
    """Someone was presented at the crossing who is not on a sealed manifest; not crossed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonSubstituted(DomainEvent):
    """A reserve replaced a listed person, by manifest ``version`` (still to be signed)."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {
        "replaced": ("holding", "side"),
        "substitute": ("holding", "side"),
    }

    exchange: str
    tranche: int
    side: str
    track: str
    replaced: str
    substitute: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonAddedFromReserves(DomainEvent):
    """A reserve was added to a manifest to make up what its side owes, by ``version``."""

    PERSONS: ClassVar[dict[str, tuple[str, str]]] = {"record_id": ("holding", "side")}

    exchange: str
    tranche: int
    side: str
    track: str
    record_id: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DifferenceCarried(DomainEvent):
    """``side`` owes ``value`` in ``track``, carried from ``tranche`` to ``to_tranche``."""

    exchange: str
    tranche: int
    to_tranche: int
    track: str
    side: str
    value: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundRecorded(DomainEvent):
    """A round of talks was recorded (or its details changed)."""

    number: int
    venue: str
    starts_on: str | None
    status: str
    agreements: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitmentStatusChanged(DomainEvent):
    """A commitment of a round moved (``due`` when its precondition came true)."""

    ref: str
    round_number: int
    from_status: str
    to_status: str
