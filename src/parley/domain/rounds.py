"""Negotiation rounds and the commitments whose next step waits on an exchange.

A round produces an agreement executed in stages; the next round may be conditioned on
completing it (2025: round 3 met the day the ninth stage closed the 2 June agreement).
An exchange is known by its agreement's name. A commitment's precondition is data,
evaluated against facts the caller passes in (today's date, each exchange's closed
tranches), so the domain never reads a clock or a database.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from parley.domain.parties import Party
from parley.domain.states import check_transition
from parley.errors import InvalidValue

__all__ = [
    "COMMITMENT_TRANSITIONS",
    "Commitment",
    "CommitmentStatus",
    "ExchangeFacts",
    "Facts",
    "Precondition",
    "PreconditionKind",
    "Round",
    "RoundStatus",
    "change_commitment_status",
    "precondition_met",
    "precondition_progress",
]

_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_NAME_LIMIT = 200  # venue, mediator, agreement names: a line a person reads, not a text


class RoundStatus(StrEnum):
    """Where a round of talks stands."""

    PLANNED = "planned"
    HELD = "held"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


def _check_name(value: str, what: str) -> None:
    if not value.strip() or len(value) > _NAME_LIMIT:
        raise InvalidValue(what, f"{value!r} must be 1 to {_NAME_LIMIT} characters")


@dataclass(frozen=True, slots=True)
class Round:
    """One round of talks: where and when it meets, who came, what agreements it produced.

    Attributes:
        delegations: (party code, who led or made up its delegation), one per party.
        agreements: the names of the agreements the round produced; an exchange is
            known by its agreement's name.

    Raises:
        InvalidValue: the number is below 1, a name is empty or too long, a party has
            two delegations, or an agreement is named twice.
    """

    number: int
    venue: str
    starts_on: date | None = None
    status: RoundStatus = RoundStatus.PLANNED
    mediator: str | None = None
    delegations: tuple[tuple[str, str], ...] = ()
    agreements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidValue("round", f"number {self.number} must be 1 or more")
        _check_name(self.venue, "venue")
        if self.mediator is not None:
            _check_name(self.mediator, "mediator")
        parties = [code for code, _ in self.delegations]
        for code, delegation in self.delegations:
            Party(code, code)  # the code's own rule, and its message
            if parties.count(code) > 1:
                raise InvalidValue("delegations", f"party {code} has two delegations")
            if not delegation.strip():
                raise InvalidValue("delegations", f"party {code}'s delegation is not described")
        for name in self.agreements:
            _check_name(name, "agreements")
            if self.agreements.count(name) > 1:
                raise InvalidValue("agreements", f"{name!r} is named twice")


class PreconditionKind(StrEnum):
    """What a commitment may wait on."""

    NONE = "none"
    EXCHANGE_COMPLETE = "exchange_complete"
    STAGES_CLOSED = "stages_closed"
    DATE_REACHED = "date_reached"


@dataclass(frozen=True, slots=True)
class Precondition:
    """What must be true before a commitment falls due.

    ``EXCHANGE_COMPLETE`` waits on every stage of ``agreement_ref`` (an agreement's name,
    which names its exchange) and on its totals; ``STAGES_CLOSED`` on at least
    ``stages`` closed stages of it; ``DATE_REACHED`` on ``on``.
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
    """What is known now about one agreement's execution, as the caller counted it.

    Attributes:
        agreement_ref: the agreement's name, which names its exchange.
        stages_planned: the tranches (stages) the exchange runs in.
        stages_closed: how many of them have closed.
        totals_met: whether the totals the agreement asks for were reached (an exchange
            whose every tranche closed short of its minimum is not complete).
    """

    agreement_ref: str
    stages_planned: int
    stages_closed: int
    totals_met: bool = True

    @property
    def complete(self) -> bool:
        """Every planned tranche closed and the agreed totals met."""
        return 0 < self.stages_planned <= self.stages_closed and self.totals_met


Facts = Mapping[str, ExchangeFacts]


def precondition_met(pre: Precondition, *, today: date, facts: Facts) -> bool:
    """Tell whether ``pre`` holds, given today's date and the exchanges' facts."""
    match pre.kind:
        case PreconditionKind.NONE:
            return True
        case PreconditionKind.DATE_REACHED:
            return pre.on is not None and today >= pre.on
        case PreconditionKind.EXCHANGE_COMPLETE:
            f = facts.get(pre.agreement_ref or "")
            return f is not None and f.complete
        case PreconditionKind.STAGES_CLOSED:
            f = facts.get(pre.agreement_ref or "")
            return f is not None and f.stages_closed >= (pre.stages or 0)
    return False  # pragma: no cover - match is exhaustive


def _tranches(n: int) -> str:
    return f"{n} tranche" if n == 1 else f"{n} tranches"


def precondition_progress(pre: Precondition, *, today: date, facts: Facts) -> str:
    """Say in plain words whether ``pre`` holds and, if not, how far it is from holding.

    For example ``waits on exchange '1,000 for 1,000 (demo)': 1 of 3 tranches closed``.
    """
    exchange = f"exchange {pre.agreement_ref!r}"
    f = facts.get(pre.agreement_ref or "")
    match pre.kind:
        case PreconditionKind.NONE:
            return "no precondition"
        case PreconditionKind.DATE_REACHED:
            if pre.on is None or today >= pre.on:
                return f"date {pre.on} reached"
            days = (pre.on - today).days
            return f"waits until {pre.on} ({'1 day' if days == 1 else f'{days} days'} from now)"
        case PreconditionKind.EXCHANGE_COMPLETE:
            if f is None:
                return f"waits on {exchange}: no tranche of it has closed yet"
            closed = f"{f.stages_closed} of {_tranches(f.stages_planned)} closed"
            if f.complete:
                return f"{exchange} complete: {closed}"
            if f.stages_planned == 0:
                return f"waits on {exchange}: no tranche of it is planned yet"
            if f.stages_closed >= f.stages_planned:
                return f"waits on {exchange}: {closed}, but the agreed totals are not met"
            return f"waits on {exchange}: {closed}"
        case PreconditionKind.STAGES_CLOSED:
            needed = pre.stages or 0
            done = 0 if f is None else f.stages_closed
            if done >= needed:
                return f"{exchange}: {_tranches(done)} closed ({needed} needed)"
            return f"waits on {exchange}: {_tranches(done)} closed, {needed} needed"
    return ""  # pragma: no cover - match is exhaustive


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
    """A promise made in a round ("the next round follows the exchange").

    ``ref`` names it everywhere (the log, the command line): 1-64 letters, digits,
    ``.``, ``_`` or ``-``, starting with a letter or digit.

    Raises:
        InvalidValue: the ref is malformed, the round number below 1, or the text empty.
    """

    ref: str
    round_number: int
    text: str
    precondition: Precondition = Precondition()
    status: CommitmentStatus = CommitmentStatus.PENDING

    def __post_init__(self) -> None:
        if not _REF.match(self.ref):
            raise InvalidValue(
                "ref",
                f"{self.ref!r} is not a commitment ref (expected 1-64 letters, digits, "
                "'.', '_' or '-', e.g. r2-next-round)",
            )
        if self.round_number < 1:
            raise InvalidValue("round", f"number {self.round_number} must be 1 or more")
        if not self.text.strip():
            raise InvalidValue("text", "is empty (expected what was promised)")


def change_commitment_status(
    commitment: Commitment, to: CommitmentStatus, *, today: date, facts: Facts
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
