"""Negotiation rounds and the commitments whose next step waits on an exchange.

A round produces an agreement executed in stages; the next round may be conditioned on
completing it (2025: round 3 met the day the ninth stage closed the 2 June agreement).
A commitment's precondition is data, evaluated against facts the caller passes in, so
the domain never reads a clock or a database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from parley.domain.states import check_transition
from parley.errors import InvalidValue

__all__ = [
    "COMMITMENT_TRANSITIONS",
    "Commitment",
    "CommitmentStatus",
    "ExchangeFacts",
    "Precondition",
    "PreconditionKind",
    "Round",
    "RoundStatus",
    "change_commitment_status",
    "precondition_met",
]


class RoundStatus(StrEnum):
    """Where a round of talks stands."""

    PLANNED = "planned"
    HELD = "held"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Round:
    """One round of talks: where and when it meets, and what agreement it produced."""

    number: int
    venue: str
    starts_on: date | None = None
    agreement_ref: str | None = None
    status: RoundStatus = RoundStatus.PLANNED

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidValue("round", f"number {self.number} must be 1 or more")


class PreconditionKind(StrEnum):
    """What a commitment may wait on."""

    NONE = "none"
    EXCHANGE_COMPLETE = "exchange_complete"
    STAGES_CLOSED = "stages_closed"
    DATE_REACHED = "date_reached"


@dataclass(frozen=True, slots=True)
class Precondition:
    """What must be true before a commitment falls due.

    ``EXCHANGE_COMPLETE`` waits on every stage of ``agreement_ref``; ``STAGES_CLOSED``
    on at least ``stages`` closed stages of it; ``DATE_REACHED`` on ``on``.
    """

    kind: PreconditionKind = PreconditionKind.NONE
    agreement_ref: str | None = None
    stages: int | None = None
    on: date | None = None

    def __post_init__(self) -> None:
        needs_agreement = self.kind in (
            PreconditionKind.EXCHANGE_COMPLETE,
            PreconditionKind.STAGES_CLOSED,
        )
        if needs_agreement and not self.agreement_ref:
            raise InvalidValue("precondition", f"{self.kind.value} needs the agreement it waits on")
        if self.kind is PreconditionKind.STAGES_CLOSED and not (self.stages and self.stages > 0):
            raise InvalidValue("precondition", "stages_closed needs a number of stages above 0")
        if self.kind is PreconditionKind.DATE_REACHED and self.on is None:
            raise InvalidValue("precondition", "date_reached needs a date")


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    """What is known now about one agreement's execution, as the caller counted it."""

    agreement_ref: str
    stages_planned: int
    stages_closed: int


def precondition_met(pre: Precondition, *, today: date, facts: dict[str, ExchangeFacts]) -> bool:
    """Tell whether ``pre`` holds, given today's date and the exchanges' facts."""
    match pre.kind:
        case PreconditionKind.NONE:
            return True
        case PreconditionKind.DATE_REACHED:
            return pre.on is not None and today >= pre.on
        case PreconditionKind.EXCHANGE_COMPLETE:
            f = facts.get(pre.agreement_ref or "")
            return f is not None and f.stages_planned > 0 and f.stages_closed >= f.stages_planned
        case PreconditionKind.STAGES_CLOSED:
            f = facts.get(pre.agreement_ref or "")
            return f is not None and f.stages_closed >= (pre.stages or 0)
    return False  # pragma: no cover - match is exhaustive


class CommitmentStatus(StrEnum):
    """Where a commitment stands."""

    PENDING = "pending"
    DUE = "due"
    FULFILLED = "fulfilled"
    BROKEN = "broken"
    WITHDRAWN = "withdrawn"


_C = CommitmentStatus
COMMITMENT_TRANSITIONS: dict[CommitmentStatus, frozenset[CommitmentStatus]] = {
    _C.PENDING: frozenset({_C.DUE, _C.WITHDRAWN}),
    _C.DUE: frozenset({_C.FULFILLED, _C.BROKEN, _C.WITHDRAWN}),
    _C.FULFILLED: frozenset(),
    _C.BROKEN: frozenset(),
    _C.WITHDRAWN: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promise made in a round ("the next round follows the exchange")."""

    ref: str
    round_number: int
    text: str
    precondition: Precondition = Precondition()
    status: CommitmentStatus = CommitmentStatus.PENDING


def change_commitment_status(
    commitment: Commitment, to: CommitmentStatus, *, today: date, facts: dict[str, ExchangeFacts]
) -> Commitment:
    """Move a commitment, refusing ``pending -> due`` while its precondition does not hold.

    Raises:
        TransitionNotAllowed: the move is not in the table, or the precondition is unmet.
    """
    subject = f"commitment {commitment.ref}"
    why = ""
    table = COMMITMENT_TRANSITIONS
    if to is _C.DUE and not precondition_met(commitment.precondition, today=today, facts=facts):
        table = {**table, _C.PENDING: frozenset({_C.WITHDRAWN})}
        why = f"its precondition {commitment.precondition.kind.value} does not hold yet"
    check_transition(table, commitment.status, to, subject=subject, why=why)
    return dataclasses.replace(commitment, status=to)
