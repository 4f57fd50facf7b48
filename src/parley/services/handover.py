"""The crossing: recording each person's steps and the running balance.

Every event is one unit of work that holds its tranche against any change of the
tranche (``FOR SHARE``), locks the person's row, and, when it moves a balance, the
releasing side's balance row; so both sides and the neutral verifier record at once
without a lost event, a double count, or a balance that goes beyond the allowed lead
at any moment (a side's values only grow, so the other side's, read without waiting,
can only make the check stricter). On SQLite one writer at a time does it all. An event sent with an
idempotency key is recorded once however often it is sent (``parley.services.idempotency``).

Who is acting is given as a party code, ``neutral_verifier`` or ``mediator``; relative
to the person concerned a party is the releasing or the receiving side
(``parley.domain.handover.Role``). A refusal is kept with the neutral verifier: the
parties, and the log, see only ``withdrawn_by_neutral_verification``. When someone will
not cross, the fixes the agreement allows are offered; the amendments that apply them
are in ``parley.services.amendments``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from parley.domain.events import (
    IdentityDisputed,
    PersonDied,
    PersonHandedOver,
    PersonNoShow,
    PersonReceived,
    PersonVerificationRecorded,
    PersonWithdrawn,
)
from parley.domain.handover import (
    NEUTRAL_WITHDRAWAL,
    Action,
    Crossing,
    CrossingState,
    Fix,
    Role,
    apply_action,
)
from parley.domain.holdings import HoldingStatus
from parley.domain.tranches import TrancheState
from parley.errors import InvalidValue, NotFound, NotPermitted, TransitionNotAllowed
from parley.ledger.canonical import canonical
from parley.services.amendments import fixes_for
from parley.services.exchange import (
    require_exchange,
    require_listed,
    require_tranche,
    track_balance,
    tranche_id_of,
)
from parley.services.idempotency import remember, replayed
from parley.services.ports import CrossingRecord, ExchangeUnitOfWork, TrancheRecord

__all__ = [
    "NEUTRAL_ROLES",
    "HandoverResult",
    "record",
]

NEUTRAL_ROLES = frozenset({Role.NEUTRAL_VERIFIER.value, Role.MEDIATOR.value})

# The steps a neutral verifier records; their outcome stays with the verifier.
_VERIFYING = frozenset({Action.CONFIRM_IDENTITY, Action.CONFIRM_WILL, Action.VERIFY})
# Actions after which the person will not cross, so a fix is offered.
_GONE = frozenset({Action.DECLINE, Action.WITHDRAW_NEUTRAL, Action.NO_SHOW, Action.DIED})
# Actions that change the releasing side's balance: they hold that side's row, so that
# its handovers and receipts are counted one at a time; every other step reads it only.
_MOVES_BALANCE = frozenset({Action.HAND_OVER, Action.RECEIVE})
_FINDINGS = {
    Action.DECLINE: "declined_repatriation",
    Action.WITHDRAW_NEUTRAL: "identity_not_established",
}


@dataclass(frozen=True, slots=True)
class HandoverResult:
    """What recording did, as the one who recorded it may see it.

    ``state`` is what a party sees of the person (a refusal reads
    ``withdrawn_by_neutral_verification``); ``next_to_cross`` is the side that must
    cross next in the person's track to restore balance (None when level);
    ``fixes`` are offered when the person will not cross.
    """

    exchange: str
    tranche: int
    side: str
    record_id: str
    action: str
    state: str
    track: str
    sent: dict[str, int]
    received: dict[str, int]
    next_to_cross: str | None
    fixes: tuple[Fix, ...] = ()
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (what an idempotent replay returns)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["sent"], data["received"] = dict(self.sent), dict(self.received)
        data["fixes"] = [
            {"kind": f.kind.value, "text": f.text, "records": list(f.records)} for f in self.fixes
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HandoverResult:
        """The result stored for an idempotency key, marked as a replay."""
        from parley.domain.handover import FixKind

        values = dict(data)
        values["fixes"] = tuple(
            Fix(FixKind(f["kind"]), f["text"], tuple(f["records"])) for f in data["fixes"]
        )
        values["replayed"] = True
        return cls(**values)


def _role(acting_as: str, side: str, receiver: str) -> Role:
    if acting_as == side:
        return Role.RELEASING
    if acting_as == receiver:
        return Role.RECEIVING
    if acting_as in NEUTRAL_ROLES:
        return Role(acting_as)
    raise NotPermitted(
        f"{acting_as!r} is neither a party of this exchange ({side}, {receiver}) nor "
        "neutral_verifier or mediator"
    )


def record(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    record_id: str,
    action: Action,
    *,
    acting_as: str,
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> HandoverResult:
    """Record ``action`` for one person of ``side`` in tranche ``number``.

    Args:
        uow: the unit of work.
        exchange: the exchange (the agreement's name).
        number: the tranche.
        side: the party releasing the person.
        record_id: the person's record id in ``side``'s registry.
        action: what happened.
        acting_as: the party code, ``neutral_verifier`` or ``mediator`` recording it.
        actor: who, for the log.
        now: when.
        idempotency_key: the client's key; the same key with the same request returns
            the first result, with another request is refused.

    Raises:
        NotFound: the exchange, the tranche or the person on its manifest.
        NotPermitted: the one acting may not record this action.
        TransitionNotAllowed: the tranche is not open, the person's manifest version is
            not sealed, a step is missing, or the handover would break the balance.
        Conflict: the idempotency key was used for another request, or is in flight.
    """
    request = {
        "op": "handover.record",
        "exchange": exchange,
        "tranche": number,
        "side": side,
        "record_id": record_id,
        "action": action.value,
        "acting_as": acting_as,
    }
    sha = hashlib.sha256(canonical(request)).hexdigest()
    with uow:
        if idempotency_key is not None:
            first = replayed(uow, idempotency_key, sha)
            if first is not None:
                return HandoverResult.from_json(first)
        result = _record(
            uow, exchange, number, side, record_id, action,
            acting_as=acting_as, actor=actor, now=now,
        )  # fmt: skip
        if idempotency_key is not None:
            # Read back only by json.loads: any JSON will do, canonical or not.
            response = json.dumps(result.to_json(), ensure_ascii=False, separators=(",", ":"))
            remember(
                uow, idempotency_key, actor=actor, request_sha256=sha, response=response, now=now
            )
        uow.commit()
    return result


def _record(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    record_id: str,
    action: Action,
    *,
    acting_as: str,
    actor: str,
    now: datetime,
) -> HandoverResult:
    """Record the action inside the caller's open unit (which commits)."""
    tranche = require_tranche(uow, exchange, number, share=True)
    agreement = require_exchange(uow, exchange).agreement
    if side not in agreement.parties:
        raise NotFound(f"{side!r} is not a party of {exchange!r} ({', '.join(agreement.parties)})")
    receiver = next(p for p in agreement.parties if p != side)
    role = _role(acting_as, side, receiver)
    # Someone already handed over can always be received, even while the handover waits.
    accepting = (
        (TrancheState.OPEN, TrancheState.CLOSING, TrancheState.SUSPENDED)
        if action is Action.RECEIVE
        else (TrancheState.OPEN,)
    )
    if tranche.state not in accepting:
        raise TransitionNotAllowed(
            f"tranche {number} is {tranche.state.value}: {action.value} is recorded only "
            f"while it is {' or '.join(s.value for s in accepting)}"
        )
    listed = require_listed(uow, tranche, side, record_id, lock=True)
    if not listed.sealed:
        raise TransitionNotAllowed(
            f"record {record_id} was listed by version {listed.listed_in} of {side}'s "
            f"manifest, which is not sealed yet: all three must sign it first"
        )
    before = listed.crossing
    valid = timedelta(days=agreement.consent.within_days)
    after, holding_status = apply_action(before, action, role, at=now, will_valid_for=valid)
    tranche_id = tranche_id_of(tranche)
    listed.crossing = after
    if action in _FINDINGS:
        uow.exchange.add_finding(tranche_id, side, record_id, _FINDINGS[action], actor, now)
        listed.reason = NEUTRAL_WITHDRAWAL
    elif after.state.final and after.state is not CrossingState.RECEIVED:
        listed.reason = after.state.value
    flags = listed.flags if action is Action.RECEIVE else ()
    uow.exchange.save_crossing(listed, now)
    if holding_status is not None:
        uow.exchange.set_holding_status(side, [record_id], holding_status.value, now)
    elif action in _VERIFYING and _verified(after):
        uow.exchange.set_holding_status(
            side, [record_id], HoldingStatus.IDENTITY_CONFIRMED.value, now
        )
    uow.record(_event(action, role, tranche, listed, receiver, flags, actor=actor, now=now))
    offered: tuple[Fix, ...] = ()
    if action in _GONE:
        offered = tuple(fixes_for(uow, tranche, listed, agreement.parties))
    # The balance last: its row, when this changes it, stays locked only from here to the
    # commit, and a refusal here rolls back everything above.
    balance = track_balance(
        uow, tranche, before.track, lock=side if action in _MOVES_BALANCE else None
    )
    if action is Action.HAND_OVER:
        balance.send(side, before.weight)
    elif action is Action.RECEIVE:
        balance.receive(side, before.weight)
    if action in _MOVES_BALANCE:
        uow.exchange.save_balance(
            tranche_id, before.track, side, balance.sent[side], balance.received[side]
        )
    result = HandoverResult(
        exchange=exchange,
        tranche=number,
        side=side,
        record_id=record_id,
        action=action.value,
        state=listed.reason or after.state.value,
        track=before.track,
        sent=dict(balance.sent),
        received=dict(balance.received),
        next_to_cross=balance.next_to_cross(),
        fixes=offered,
    )
    return result


def _verified(crossing: Crossing) -> bool:
    return (
        crossing.identity_confirmed
        and not crossing.identity_disputed
        and crossing.will_confirmed_at is not None
    )


def _event(
    action: Action,
    role: Role,
    tranche: TrancheRecord,
    listed: CrossingRecord,
    receiver: str,
    flags: tuple[str, ...],
    *,
    actor: str,
    now: datetime,
) -> Any:
    c = listed.crossing
    common: dict[str, Any] = {
        "occurred_at": now,
        "actor": actor,
        "exchange": tranche.exchange,
        "tranche": tranche.number,
        "side": c.side,
        "track": c.track,
        "record_id": c.record_id,
    }
    match action:
        case Action.CONFIRM_IDENTITY | Action.CONFIRM_WILL | Action.VERIFY:
            return PersonVerificationRecorded(**common, complete=_verified(c))
        case Action.DISPUTE_IDENTITY if role is Role.NEUTRAL_VERIFIER:
            return PersonVerificationRecorded(**common, complete=False)
        case Action.DISPUTE_IDENTITY:
            return IdentityDisputed(**common)
        case Action.DECLINE | Action.WITHDRAW_NEUTRAL:
            return PersonWithdrawn(**common, weight=c.weight, reason=NEUTRAL_WITHDRAWAL)
        case Action.HAND_OVER:
            return PersonHandedOver(**common, receiver=receiver, weight=c.weight)
        case Action.RECEIVE:
            return PersonReceived(**common, receiver=receiver, weight=c.weight, flags=flags)
        case Action.NO_SHOW:
            return PersonNoShow(**common, weight=c.weight)
        case Action.DIED:
            return PersonDied(**common, weight=c.weight)
    raise InvalidValue("action", f"unknown action {action!r}")  # pragma: no cover
