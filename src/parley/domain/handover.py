"""The handover of one person at the crossing, and what to do when it goes wrong.

Each person on a sealed manifest of an open tranche is, at the crossing:

1. identified by the neutral verifier (a mismatch stops that person, not the tranche);
2. asked once more, by the neutral verifier, whether they want to go (GC III
   Art. 109(3)); the answer must be fresh (the agreement's ``consent.within_days``);
3. handed over, as the releasing side confirms;
4. received, as the receiving side confirms. Only then do they count as exchanged.

A refusal is recorded by the neutral verifier alone. Neither party ever sees it: for
them, and in the public log, the person was *withdrawn by neutral verification*, the
same words an unresolved identity mismatch gives.

Frictions (a refusal, a no-show, a death, an identity mismatch, a person present who is
not listed) each have their action, and :func:`fixes` offers what the agreement
allows: a substitute from the same side's reserves of the same track, a matching
withdrawal from the other side, or carrying the difference to the next tranche. Each
fix becomes a manifest amendment that all three must sign.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from parley.domain.holdings import HoldingStatus
from parley.errors import InvalidValue, NotPermitted, TransitionNotAllowed

__all__ = [
    "ACTION_ROLES",
    "NEUTRAL_WITHDRAWAL",
    "Action",
    "Crossing",
    "CrossingState",
    "Fix",
    "FixKind",
    "Role",
    "apply_action",
    "fixes",
    "public_reason",
]

# What parties and the public log say of a refusal and of an unresolved mismatch alike.
NEUTRAL_WITHDRAWAL = "withdrawn_by_neutral_verification"


class Role(StrEnum):
    """Who is acting at the crossing, relative to the person concerned."""

    RELEASING = "releasing"  # the party releasing the person
    RECEIVING = "receiving"  # the party the person goes to
    NEUTRAL_VERIFIER = "neutral_verifier"
    MEDIATOR = "mediator"


class CrossingState(StrEnum):
    """Where a listed person stands in an open tranche."""

    LISTED = "listed"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    WITHDRAWN = "withdrawn"
    NO_SHOW = "no_show"
    DECEASED = "deceased"

    @property
    def final(self) -> bool:
        """Whether nothing more can happen to the person in this tranche."""
        return self not in (CrossingState.LISTED, CrossingState.HANDED_OVER)


class Action(StrEnum):
    """What can be recorded for a person at the crossing."""

    CONFIRM_IDENTITY = "confirm_identity"
    DISPUTE_IDENTITY = "dispute_identity"
    CONFIRM_WILL = "confirm_will"
    VERIFY = "verify"  # identity and will confirmed in one interview at the crossing
    DECLINE = "decline"  # the person does not want to go (whoever records the will)
    WITHDRAW_NEUTRAL = "withdraw_neutral"  # e.g. an identity mismatch not resolved
    HAND_OVER = "hand_over"
    RECEIVE = "receive"
    NO_SHOW = "no_show"
    DIED = "died"


_R = Role
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.CONFIRM_IDENTITY: frozenset({_R.NEUTRAL_VERIFIER}),
    Action.DISPUTE_IDENTITY: frozenset({_R.NEUTRAL_VERIFIER, _R.RECEIVING}),
    Action.CONFIRM_WILL: frozenset({_R.NEUTRAL_VERIFIER, _R.MEDIATOR}),
    Action.VERIFY: frozenset({_R.NEUTRAL_VERIFIER}),
    Action.DECLINE: frozenset({_R.NEUTRAL_VERIFIER, _R.MEDIATOR}),
    # The same roles as DECLINE: who recorded a neutral withdrawal must not tell which it was.
    Action.WITHDRAW_NEUTRAL: frozenset({_R.NEUTRAL_VERIFIER, _R.MEDIATOR}),
    Action.HAND_OVER: frozenset({_R.RELEASING}),
    Action.RECEIVE: frozenset({_R.RECEIVING}),
    Action.NO_SHOW: frozenset({_R.RELEASING, _R.NEUTRAL_VERIFIER, _R.MEDIATOR}),
    Action.DIED: frozenset({_R.RELEASING, _R.MEDIATOR}),
}


@dataclass(frozen=True, slots=True)
class Crossing:
    """One listed person's progress through the crossing."""

    record_id: str
    side: str
    track: str
    weight: int
    state: CrossingState = CrossingState.LISTED
    identity_confirmed: bool = False
    identity_disputed: bool = False
    will_confirmed_at: datetime | None = None

    @property
    def subject(self) -> str:
        """``record UA-H-000017`` for messages (the record id only, never a name)."""
        return f"record {self.record_id}"


def public_reason(state: CrossingState, *, declined: bool) -> str:
    """What a party may be told about how a person left a manifest."""
    if state is CrossingState.WITHDRAWN and declined:
        return NEUTRAL_WITHDRAWAL
    return state.value


def apply_action(
    crossing: Crossing,
    action: Action,
    role: Role,
    *,
    at: datetime,
    will_valid_for: timedelta,
) -> tuple[Crossing, HoldingStatus | None]:
    """The crossing after ``action`` by ``role``, and the holding status it moves to.

    Args:
        crossing: the person's progress now.
        action: what is being recorded.
        role: who records it, relative to the person.
        at: when.
        will_valid_for: how long a confirmed will stays fresh (the agreement's consent).

    Raises:
        NotPermitted: ``role`` may not record ``action``.
        TransitionNotAllowed: the person is not at a step where ``action`` applies.
    """
    if role not in ACTION_ROLES[action]:
        allowed = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
        raise NotPermitted(f"only the {allowed} may record {action.value} for {crossing.subject}")
    state = crossing.state
    if action is Action.RECEIVE:
        if state is not CrossingState.HANDED_OVER:
            raise TransitionNotAllowed(
                f"{crossing.subject} cannot be received: it is {state.value}, not handed over"
            )
        return dataclasses.replace(crossing, state=CrossingState.RECEIVED), HoldingStatus.RECEIVED
    if state is not CrossingState.LISTED:
        raise TransitionNotAllowed(
            f"{crossing.subject} is already {state.value}; {action.value} no longer applies"
        )
    match action:
        case Action.CONFIRM_IDENTITY:
            return dataclasses.replace(
                crossing, identity_confirmed=True, identity_disputed=False
            ), None
        case Action.DISPUTE_IDENTITY:
            return dataclasses.replace(
                crossing, identity_confirmed=False, identity_disputed=True
            ), None
        case Action.VERIFY:
            return dataclasses.replace(
                crossing, identity_confirmed=True, identity_disputed=False, will_confirmed_at=at
            ), None
        case Action.CONFIRM_WILL:
            return dataclasses.replace(crossing, will_confirmed_at=at), None
        case Action.DECLINE | Action.WITHDRAW_NEUTRAL:
            return dataclasses.replace(
                crossing, state=CrossingState.WITHDRAWN
            ), HoldingStatus.WITHDRAWN
        case Action.NO_SHOW:
            return dataclasses.replace(
                crossing, state=CrossingState.NO_SHOW
            ), HoldingStatus.WITHDRAWN
        case Action.DIED:
            return dataclasses.replace(
                crossing, state=CrossingState.DECEASED
            ), HoldingStatus.DECEASED
        case Action.HAND_OVER:
            _check_ready(crossing, at, will_valid_for)
            return dataclasses.replace(
                crossing, state=CrossingState.HANDED_OVER
            ), HoldingStatus.HANDED_OVER
    raise InvalidValue("action", f"unknown action {action!r}")  # pragma: no cover


def _check_ready(crossing: Crossing, at: datetime, will_valid_for: timedelta) -> None:
    missing = []
    if crossing.identity_disputed:
        missing.append("its identity is disputed (confirm it, or withdraw the person)")
    elif not crossing.identity_confirmed:
        missing.append("its identity is not confirmed at the crossing")
    if crossing.will_confirmed_at is None:
        missing.append("the person's will to go is not confirmed (GC III Art. 109(3))")
    elif at - crossing.will_confirmed_at > will_valid_for:
        days = will_valid_for.days
        missing.append(
            f"the person's will was confirmed more than {days} days ago; ask again "
            "(GC III Art. 109(3))"
        )
    if missing:
        raise TransitionNotAllowed(
            f"{crossing.subject} cannot be handed over: " + "; ".join(missing)
        )


class FixKind(StrEnum):
    """What an agreement allows when someone listed will not cross."""

    SUBSTITUTE = "substitute"
    MATCHING_WITHDRAWAL = "matching_withdrawal"
    CARRY = "carry"


@dataclass(frozen=True, slots=True)
class Fix:
    """One way to restore the balance: ``records`` are the reserves or people it names."""

    kind: FixKind
    text: str
    records: tuple[str, ...] = ()


def fixes(
    gone: Crossing,
    *,
    reserves: Sequence[tuple[str, int]],
    other_pending: Sequence[tuple[str, int]],
    next_tranche: int | None,
    balanced: bool = True,
) -> list[Fix]:
    """The fixes for a listed person who will not cross, best first.

    Args:
        gone: the person who left the manifest (same track as everything below).
        reserves: the releasing side's reserves in the track, (record id, weight), by rank.
        other_pending: the other side's listed people in the track still to cross,
            (record id, weight), in manifest order.
        next_tranche: the number of the next tranche, None if this is the last.
        balanced: whether the track balances at all (all-for-all tracks need no fix).
    """
    if not balanced:
        return []
    out: list[Fix] = []
    same = [rid for rid, w in reserves if w == gone.weight]
    if same:
        out.append(
            Fix(
                FixKind.SUBSTITUTE,
                f"substitute reserve {same[0]} of {gone.side} ({gone.track}, same weight "
                f"{gone.weight}) for {gone.record_id}",
                (same[0],),
            )
        )
    chosen = _matching(other_pending, gone.weight)
    if chosen:
        out.append(
            Fix(
                FixKind.MATCHING_WITHDRAWAL,
                f"withdraw {', '.join(chosen)} from the other side's manifest in {gone.track} "
                f"(weight {gone.weight})",
                chosen,
            )
        )
    if next_tranche is not None:
        out.append(
            Fix(
                FixKind.CARRY,
                f"carry the difference of {gone.weight} in {gone.track} to tranche "
                f"{next_tranche}, where {gone.side} makes it up from its reserves",
            )
        )
    return out


def _matching(pending: Sequence[tuple[str, int]], weight: int) -> tuple[str, ...]:
    """People of ``pending`` whose weights sum to exactly ``weight``, last listed first.

    A subset sum over the (small) weight: taking greedily from the end misses sums that
    exist under a tariff (6 from 4, 3, 3). Empty when no subset sums to ``weight``.
    """
    reach: dict[int, tuple[str, ...]] = {0: ()}
    for rid, w in reversed(pending):
        for total, chosen in list(reach.items()):
            if total + w <= weight and total + w not in reach:
                reach[total + w] = (*chosen, rid)
        if weight in reach:
            break
    return reach.get(weight, ()) if weight > 0 else ()
