"""Tranches: the handovers an exchange is cut into, their states and their balance.

A tranche moves draft -> awaiting signatures -> sealed -> open -> closing -> closed; it
may be suspended while open, and cancelled before it opens or while suspended. It opens
only when every manifest in it is sealed and not before its date; it closes only when each balanced
track is balanced by the people *received* (an exchange counts only when received,
DOMAIN.md section 6).

While it is open, the running balance of each track is enforced person by person: a
handover that would put the releasing side further ahead than the agreement's
``max_lead`` is refused, and the message says which side must cross next. A side's
value is what it has handed over (in transit or received), weighted by its formula:

- parity: one per person;
- ratio ``a : b``: each person of a side weighs ``lcm / their term``, so that a balanced
  exchange of 1 : 5 has equal weights (1 person of the first side = 5 of the second);
- tariff: each person's points;
- all-for-all: no balance.

The allowed lead is ``max_lead`` people of the heavier side's weight, and never less
than the heaviest single person on the tranche, so that a side can always send someone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from parley.domain.agreements import Agreement, FormulaKind, Track
from parley.domain.states import check_transition
from parley.errors import InvalidValue, TransitionNotAllowed

__all__ = [
    "TRANCHE_TRANSITIONS",
    "BalanceRefused",
    "TrackBalance",
    "TrancheState",
    "check_close",
    "check_open",
    "move_tranche",
    "person_weight",
]


class TrancheState(StrEnum):
    """Where a tranche stands."""

    DRAFT = "draft"
    AWAITING_SIGNATURES = "awaiting_signatures"
    SEALED = "sealed"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


_T = TrancheState
TRANCHE_TRANSITIONS: dict[TrancheState, frozenset[TrancheState]] = {
    _T.DRAFT: frozenset({_T.AWAITING_SIGNATURES, _T.CANCELLED}),
    # An amendment before the handover sends a sealed tranche back for signatures.
    _T.AWAITING_SIGNATURES: frozenset({_T.SEALED, _T.CANCELLED}),
    _T.SEALED: frozenset({_T.OPEN, _T.AWAITING_SIGNATURES, _T.CANCELLED}),
    _T.OPEN: frozenset({_T.CLOSING, _T.SUSPENDED}),
    _T.CLOSING: frozenset({_T.CLOSED, _T.OPEN}),
    _T.SUSPENDED: frozenset({_T.OPEN, _T.CANCELLED}),
    _T.CLOSED: frozenset(),
    _T.CANCELLED: frozenset(),
}

# States in which people of the tranche may still cross, and in which they are held.
ACCEPTING = frozenset({_T.OPEN})
ACTIVE = frozenset({_T.DRAFT, _T.AWAITING_SIGNATURES, _T.SEALED, _T.OPEN, _T.CLOSING, _T.SUSPENDED})


def move_tranche(
    current: TrancheState, target: TrancheState, *, number: int, why: str = ""
) -> TrancheState:
    """Return ``target`` if a tranche may move there from ``current``.

    Raises:
        TransitionNotAllowed: the move is not in :data:`TRANCHE_TRANSITIONS`.
    """
    return check_transition(
        TRANCHE_TRANSITIONS, current, target, subject=f"tranche {number}", why=why
    )


def check_open(
    state: TrancheState, *, number: int, on: date | None, today: date, unsealed: list[str]
) -> None:
    """Refuse to open a tranche that is not sealed, has an unsealed manifest, or is early.

    Args:
        state: the tranche's state now.
        number: the tranche's number, for messages.
        on: the tranche's date (None: any day).
        today: the date at the crossing.
        unsealed: the manifests (by subject) still waiting for a signature.

    Raises:
        TransitionNotAllowed: it may not open now.
    """
    if unsealed:
        raise TransitionNotAllowed(
            f"tranche {number} cannot open: {', '.join(unsealed)} still wait for signatures"
        )
    if on is not None and today < on:
        raise TransitionNotAllowed(
            f"tranche {number} cannot open before its date {on.isoformat()} "
            f"(today is {today.isoformat()})"
        )
    why = "only a sealed or suspended tranche opens"
    if state is _T.CLOSING:
        # The table lets a closing tranche fall back to open, but that is no opening:
        # opening starts the tranche's counts afresh, which would erase who crossed.
        raise TransitionNotAllowed(
            f"tranche {number} cannot open from {state.value} ({why}); it was opened "
            "already and is being closed"
        )
    move_tranche(state, _T.OPEN, number=number, why=why)


class BalanceRefused(TransitionNotAllowed):
    """A handover would put one side further ahead than the agreement allows."""


def _weights(track: Track, parties: tuple[str, str]) -> dict[str, int]:
    if track.formula.kind is FormulaKind.RATIO:
        terms = dict(track.formula.ratio)
        lcm = math.lcm(*terms.values())
        return {side: lcm // terms[side] for side in parties}
    return dict.fromkeys(parties, 1)


def person_weight(track: Track, parties: tuple[str, str], side: str, points: int) -> int:
    """What one person of ``side`` worth ``points`` adds to their side's value."""
    if track.formula.kind is FormulaKind.TARIFF:
        return points
    return _weights(track, parties)[side]


@dataclass(slots=True)
class TrackBalance:
    """The running balance of one track in one tranche.

    ``sent`` is each side's value handed over so far (received or in transit),
    ``received`` the part of it received. ``owed`` is what each side must make up on top
    of matching the other: positive when a difference was carried in from the previous
    tranche (the other side crossed that much more there), negative when this tranche
    carried it out to the next one. ``heaviest`` is the largest single weight on the
    tranche's manifests.
    """

    track: str
    kind: FormulaKind
    parties: tuple[str, str]
    max_lead: int
    heaviest: int = 1
    sent: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    owed: dict[str, int] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(
        cls, agreement: Agreement, track: str, *, heaviest: int = 1, owed: Mapping[str, int] = {}
    ) -> TrackBalance:
        """The balance of ``track`` before anyone crosses."""
        spec = agreement.track(track)
        parties = agreement.parties
        weights = _weights(spec, parties)
        return cls(
            track=track,
            kind=spec.formula.kind,
            parties=parties,
            max_lead=agreement.tranches.max_lead,
            heaviest=max(heaviest, 1),
            sent=dict.fromkeys(parties, 0),
            received=dict.fromkeys(parties, 0),
            owed={side: owed.get(side, 0) for side in parties},
            weights=weights,
        )

    @property
    def balanced_kind(self) -> bool:
        """Whether this track balances at all (all-for-all does not)."""
        return self.kind is not FormulaKind.ALL_FOR_ALL

    def other(self, side: str) -> str:
        """The other party."""
        a, b = self.parties
        if side not in self.parties:
            raise InvalidValue("side", f"{side!r} is not a party of this exchange ({a}, {b})")
        return b if side == a else a

    @property
    def allowed(self) -> int:
        """The largest lead allowed while the handover runs, in weight."""
        step = self.heaviest if self.kind is FormulaKind.TARIFF else max(self.weights.values())
        return max(self.max_lead * max(self.weights.values()), step)

    def lead(self, side: str, *, of: str = "sent") -> int:
        """How far ``side`` is ahead (negative: behind), counting what it owed."""
        values = self.sent if of == "sent" else self.received
        other = self.other(side)
        return (values[side] - self.owed[side]) - (values[other] - self.owed[other])

    def next_to_cross(self) -> str | None:
        """The side that must cross next to restore balance, or None when level."""
        if not self.balanced_kind:
            return None
        a, b = self.parties
        lead = self.lead(a)
        return b if lead > 0 else a if lead < 0 else None

    def check_send(self, side: str, weight: int) -> None:
        """Refuse a handover by ``side`` that would take it beyond the allowed lead.

        Raises:
            BalanceRefused: it would; the message says who must cross next.
        """
        if not self.balanced_kind:
            return
        after = self.lead(side) + weight
        if after > self.allowed and after > self.lead(side):
            other = self.other(side)
            raise BalanceRefused(
                f"{side} cannot hand over another person in {self.track} now: it would be "
                f"{after} ahead of {other} and the agreement allows {self.allowed}; "
                f"{other} must cross next"
            )

    def send(self, side: str, weight: int) -> None:
        """Count a handover by ``side`` (after :meth:`check_send`)."""
        self.check_send(side, weight)
        self.sent[side] += weight

    def receive(self, side: str, weight: int) -> None:
        """Count the receipt of a person ``side`` handed over.

        Raises:
            InvalidValue: more would be received than was handed over.
        """
        if self.received[side] + weight > self.sent[side]:
            raise InvalidValue(
                "received", f"{side} would have more received than handed over in {self.track}"
            )
        self.received[side] += weight

    def unreceived(self) -> dict[str, int]:
        """Per side, the value handed over but not yet received (in transit)."""
        return {side: self.sent[side] - self.received[side] for side in self.parties}

    def difference(self) -> tuple[str, int] | None:
        """The side ahead by what was received, and by how much; None when balanced."""
        if not self.balanced_kind:
            return None
        a, b = self.parties
        lead = self.lead(a, of="received")
        if lead == 0:
            return None
        return (a, lead) if lead > 0 else (b, -lead)


def check_close(number: int, balances: list[TrackBalance], pending: Mapping[str, int]) -> None:
    """Refuse to close a tranche while anyone is still to cross or the received are unequal.

    Args:
        number: the tranche's number.
        balances: each track's balance.
        pending: per side, how many listed people have neither crossed nor left the
            manifest (withdrawn, no-show, deceased).

    Raises:
        TransitionNotAllowed: what still stands in the way, all of it, in one message.
    """
    problems = [f"{n} of {side} still to cross" for side, n in sorted(pending.items()) if n]
    for balance in balances:
        for side, value in balance.unreceived().items():
            if value:
                problems.append(
                    f"{side} has {value} handed over in {balance.track} not yet received"
                )
        diff = balance.difference()
        if diff is not None:
            side, by = diff
            other = balance.other(side)
            problems.append(
                f"{balance.track} is unbalanced: {side} is {by} ahead of {other} by the "
                f"people received ({other} adds someone from its reserves, or the "
                "difference is carried to the next tranche)"
            )
    if problems:
        raise TransitionNotAllowed(f"tranche {number} cannot close: " + "; ".join(problems))
