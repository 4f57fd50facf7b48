"""Running an exchange's tranches: from sealed manifests to tranches that open and close.

A tranche opens when every manifest in it is sealed and its date has come
(``open_tranche``), and closes when every track is balanced by the people received
(``close_tranche``); it may be suspended, resumed or cancelled on the way. Its status and
the exchange's totals are what any of the three may see. The manifests themselves, from
the adopted plan to their signatures, are in ``parley.services.manifests``. Each step is
one unit of work, logged with ids and commitments only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from parley.domain.agreements import FormulaKind
from parley.domain.events import TrancheStateChanged
from parley.domain.handover import CrossingState
from parley.domain.holdings import HoldingStatus
from parley.domain.manifests import required_signers
from parley.domain.rounds import ExchangeFacts
from parley.domain.tranches import (
    TrackBalance,
    TrancheState,
    check_close,
    check_open,
    move_tranche,
)
from parley.errors import NotFound, TransitionNotAllowed
from parley.services.ports import (
    CrossingRecord,
    Exchange,
    ExchangeUnitOfWork,
    TrancheRecord,
)
from parley.services.rounds import refresh_commitments

__all__ = [
    "ExchangeTotals",
    "TrackStatus",
    "TrancheStatus",
    "balances_of",
    "cancel_tranche",
    "close_tranche",
    "exchange_facts",
    "exchange_totals",
    "move_to",
    "open_tranche",
    "require_exchange",
    "require_listed",
    "require_tranche",
    "resume_tranche",
    "suspend_tranche",
    "tranche_id_of",
    "tranche_status",
    "unsealed_manifests",
]


def require_exchange(uow: ExchangeUnitOfWork, name: str) -> Exchange:
    """The exchange ``name``, inside an open unit of work.

    Raises:
        NotFound: there is none; the message names those there are.
    """
    found = uow.exchange.exchange(name)
    if found is None:
        known = ", ".join(repr(e.name) for e in uow.exchange.exchanges()) or "none yet"
        raise NotFound(
            f"no exchange {name!r}: adopt a plan for it first (parley manifest issue); "
            f"exchanges: {known}"
        )
    return found


def require_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, lock: bool = False, share: bool = False
) -> TrancheRecord:
    """Tranche ``number`` of ``exchange``, locked (or held against changes) when asked.

    Raises:
        NotFound: the exchange or the tranche does not exist.
    """
    found = uow.exchange.tranche(exchange, number, lock=lock, share=share)
    if found is None:
        require_exchange(uow, exchange)
        count = len(uow.exchange.tranches(exchange))
        raise NotFound(f"exchange {exchange!r} has no tranche {number} (it has 1 to {count})")
    return found


def tranche_id_of(tranche: TrancheRecord) -> int:
    """The stored tranche's id."""
    if tranche.id is None:  # pragma: no cover - a stored tranche always has its id
        raise RuntimeError("tranche without an id")
    return tranche.id


def require_listed(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    side: str,
    record_id: str,
    *,
    lock: bool = False,
) -> CrossingRecord:
    """The crossing of ``record_id`` on ``side``'s manifest of ``tranche``, locked when asked.

    Raises:
        NotFound: the person is not on that manifest.
    """
    found = uow.exchange.crossing(tranche_id_of(tranche), side, record_id, lock=lock)
    if found is None:
        raise NotFound(
            f"record {record_id} is not on {side}'s manifest of tranche {tranche.number}; "
            "someone presented who is not listed is recorded as such (parley handover unlisted)"
        )
    return found


def move_to(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    to: TrancheState,
    *,
    actor: str,
    now: datetime,
    why: str = "",
    balances: dict[str, dict[str, object]] | None = None,
) -> None:
    """Move a tranche (refused unless the table allows it), store and log the move."""
    before = tranche.state
    tranche.state = move_tranche(before, to, number=tranche.number, why=why)
    uow.exchange.save_tranche(tranche, now)
    uow.record(
        TrancheStateChanged(
            occurred_at=now,
            actor=actor,
            exchange=tranche.exchange,
            tranche=tranche.number,
            from_state=before.value,
            to_state=to.value,
            balances=balances,
        )
    )


def unsealed_manifests(uow: ExchangeUnitOfWork, tranche: TrancheRecord) -> list[str]:
    """The subjects of the tranche's manifests whose latest version is not sealed."""
    exchange = require_exchange(uow, tranche.exchange)
    out = []
    for side in exchange.agreement.parties:
        versions = uow.exchange.manifests(tranche_id_of(tranche), side)
        if versions and versions[-1].sealed_at is None:
            latest = versions[-1]
            missing = sorted(required_signers(latest.manifest) - set(latest.signatures))
            out.append(f"the {latest.manifest.subject} (unsigned by {', '.join(missing)})")
    return out


def open_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, today: date, actor: str, now: datetime
) -> TrancheRecord:
    """Open a sealed tranche on (or after) its date; its people may now cross.

    Raises:
        TransitionNotAllowed: a manifest is unsigned, the date has not come, or the
            tranche is not sealed (or suspended).
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        agreement = require_exchange(uow, exchange).agreement
        check_open(
            tranche.state,
            number=number,
            on=tranche.on_date,
            today=today,
            unsealed=unsealed_manifests(uow, tranche),
        )
        resuming = tranche.state is TrancheState.SUSPENDED
        if not resuming:
            tranche.opened_at = now
            tranche_id = tranche_id_of(tranche)
            for track in tranche.tracks:
                for side in agreement.parties:
                    uow.exchange.save_balance(tranche_id, track, side, 0, 0)
            for side in agreement.parties:
                live = [
                    c.crossing.record_id
                    for c in uow.exchange.crossings(tranche_id, side)
                    if c.crossing.state is CrossingState.LISTED
                ]
                uow.exchange.set_holding_status(side, live, HoldingStatus.IN_TRANCHE.value, now)
        move_to(uow, tranche, TrancheState.OPEN, actor=actor, now=now)
        uow.commit()
    return tranche


def track_balance(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    track: str,
    *,
    lock: str | None = None,
    stored: dict[tuple[str, str], tuple[int, int]] | None = None,
) -> TrackBalance:
    """One track's running balance in ``tranche``, from the stored counters (``stored``
    when the caller read them already).

    ``lock`` names the side whose row the caller changes: that row is held until the
    transaction ends. A side's values only grow, so the other side's row, read without
    waiting, can only be behind: a lead checked against it is never less than the true
    lead, and a handover it allows is allowed by the truth too.
    """
    agreement = require_exchange(uow, tranche.exchange).agreement
    tranche_id = tranche_id_of(tranche)
    tariff = agreement.track(track).formula.kind is FormulaKind.TARIFF
    heaviest = uow.exchange.heaviest(tranche_id, track) if tariff else 1
    balance = TrackBalance.start(
        agreement, track, heaviest=heaviest, owed=tranche.owed.get(track, {})
    )
    if stored is None:
        stored = uow.exchange.balances(tranche_id, lock=(track, lock) if lock else None)
    for side in agreement.parties:
        balance.sent[side], balance.received[side] = stored.get((track, side), (0, 0))
    return balance


def balances_of(uow: ExchangeUnitOfWork, tranche: TrancheRecord) -> list[TrackBalance]:
    """Each track's running balance in ``tranche`` (its counters read once)."""
    stored = uow.exchange.balances(tranche_id_of(tranche))
    return [track_balance(uow, tranche, track, stored=stored) for track in tranche.tracks]


def _closing_balances(balances: list[TrackBalance]) -> dict[str, dict[str, object]]:
    return {
        b.track: {
            "kind": b.kind.value,
            "weights": dict(b.weights),
            "owed": dict(b.owed),
            "sent": dict(b.sent),
            "received": dict(b.received),
        }
        for b in balances
    }


def close_tranche(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    *,
    actor: str,
    now: datetime,
) -> list[TrackBalance]:
    """Close an open tranche whose every track is balanced by the people received.

    The closing entry in the log carries each track's balance, so that anyone can check
    it from the log alone. In the same unit of work, the rounds' commitments that wait
    on this exchange fall due if the close completes what they wait on.

    Raises:
        TransitionNotAllowed: the tranche is not open, someone is still to cross or in
            transit, or a track is unbalanced; the message lists all of it.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        if tranche.state not in (TrancheState.OPEN, TrancheState.CLOSING):
            move_tranche(tranche.state, TrancheState.CLOSING, number=number)
        balances = balances_of(uow, tranche)
        pending: dict[str, int] = {}
        for c in uow.exchange.crossings(tranche_id_of(tranche)):
            if c.crossing.state is CrossingState.LISTED:
                pending[c.crossing.side] = pending.get(c.crossing.side, 0) + 1
        check_close(number, balances, pending)
        unsigned = unsealed_manifests(uow, tranche)
        if unsigned:
            raise TransitionNotAllowed(
                f"tranche {number} cannot close: {', '.join(unsigned)} still wait for "
                "signatures; every amendment is signed by all three before the tranche closes"
            )
        if tranche.state is TrancheState.OPEN:
            move_to(uow, tranche, TrancheState.CLOSING, actor=actor, now=now)
        tranche.closed_at = now
        move_to(
            uow, tranche, TrancheState.CLOSED, actor=actor, now=now,
            balances=_closing_balances(balances),
        )  # fmt: skip
        refresh_commitments(uow, facts=uow.exchange.facts(), today=now.date(), actor=actor, now=now)
        uow.commit()
    return balances


def _simple_move(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    to: TrancheState,
    *,
    actor: str,
    now: datetime,
) -> TrancheRecord:
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        if to is TrancheState.CANCELLED:
            crossed = [
                c for c in uow.exchange.crossings(tranche_id_of(tranche))
                if c.crossing.state in (CrossingState.HANDED_OVER, CrossingState.RECEIVED)
            ]  # fmt: skip
            if crossed:
                who = "1 person has" if len(crossed) == 1 else f"{len(crossed)} people have"
                raise TransitionNotAllowed(f"tranche {number} cannot be cancelled: {who} crossed")
        move_to(uow, tranche, to, actor=actor, now=now)
        if to is TrancheState.CANCELLED:
            for side in require_exchange(uow, exchange).agreement.parties:
                live = [
                    c.crossing.record_id
                    for c in uow.exchange.crossings(tranche_id_of(tranche), side)
                    if c.crossing.state is CrossingState.LISTED
                ]
                uow.exchange.set_holding_status(side, live, HoldingStatus.ELIGIBLE.value, now)
        uow.commit()
    return tranche


def suspend_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Stop an open tranche's handover for now (nobody may cross until it resumes)."""
    return _simple_move(uow, exchange, number, TrancheState.SUSPENDED, actor=actor, now=now)


def resume_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Resume a suspended tranche."""
    return _simple_move(uow, exchange, number, TrancheState.OPEN, actor=actor, now=now)


def cancel_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Cancel a tranche nobody has crossed in; its people go back to the pools."""
    return _simple_move(uow, exchange, number, TrancheState.CANCELLED, actor=actor, now=now)


@dataclass(frozen=True, slots=True)
class TrackStatus:
    """One track of a tranche as a party or the mediator may see it."""

    track: str
    formula: str
    sent: dict[str, int]
    received: dict[str, int]
    owed: dict[str, int]
    allowed_lead: int
    next_to_cross: str | None


@dataclass(frozen=True, slots=True)
class TrancheStatus:
    """A tranche: its state, each track's balance, who stands where, and the signatures.

    ``people`` counts, per side, the listed people by what a party may see of them
    (``listed``, ``handed_over``, ``received``, ``no_show``, ``deceased``,
    ``withdrawn_by_neutral_verification``, ...): a refusal is never told apart.
    """

    exchange: str
    number: int
    on_date: date | None
    state: TrancheState
    tracks: tuple[TrackStatus, ...]
    people: dict[str, dict[str, int]]
    manifests: dict[str, tuple[int, bool, tuple[str, ...]]] = field(default_factory=dict)


def tranche_status(uow: ExchangeUnitOfWork, exchange: str, number: int) -> TrancheStatus:
    """Where tranche ``number`` stands (what any of the three may see)."""
    with uow:
        tranche = require_tranche(uow, exchange, number)
        agreement = require_exchange(uow, exchange).agreement
        tracks = tuple(
            TrackStatus(
                track=b.track,
                formula=b.kind.value,
                sent=dict(b.sent),
                received=dict(b.received),
                owed=dict(b.owed),
                allowed_lead=b.allowed,
                next_to_cross=b.next_to_cross(),
            )
            for b in balances_of(uow, tranche)
        )
        people: dict[str, dict[str, int]] = {side: {} for side in agreement.parties}
        for (side, shown), n in uow.exchange.crossing_counts(tranche_id_of(tranche)).items():
            people.setdefault(side, {})[shown] = n
        manifests = uow.exchange.manifest_heads(tranche_id_of(tranche))
        return TrancheStatus(
            exchange, number, tranche.on_date, tranche.state, tracks, people, manifests
        )


@dataclass(frozen=True, slots=True)
class ExchangeTotals:
    """An exchange against its agreement: per side, how many were received and how many
    are still on a manifest to cross, and the agreement's bounds per side."""

    exchange: str
    received: dict[str, int]
    to_cross: dict[str, int]
    minimum_per_side: int | None
    maximum_per_side: int | None
    tranches_closed: int
    tranches: int
    complete: bool


def exchange_totals(uow: ExchangeUnitOfWork, exchange: str) -> ExchangeTotals:
    """How far the exchange has come against its agreement, over every tranche."""
    with uow:
        agreement = require_exchange(uow, exchange).agreement
        received = dict.fromkeys(agreement.parties, 0)
        to_cross = dict.fromkeys(agreement.parties, 0)
        live = (CrossingState.LISTED, CrossingState.HANDED_OVER)
        tranches = [
            t for t in uow.exchange.tranches(exchange) if t.state is not TrancheState.CANCELLED
        ]
        for tranche in tranches:
            for c in uow.exchange.crossings(tranche_id_of(tranche)):
                if c.crossing.state is CrossingState.RECEIVED:
                    received[c.crossing.side] += 1
                elif c.crossing.state in live:
                    to_cross[c.crossing.side] += 1
        facts = uow.exchange.facts()[exchange]
        return ExchangeTotals(
            exchange=exchange,
            received=received,
            to_cross=to_cross,
            minimum_per_side=agreement.minimum_per_side,
            maximum_per_side=agreement.maximum_per_side,
            tranches_closed=facts.stages_closed,
            tranches=facts.stages_planned,
            complete=facts.complete,
        )


def exchange_facts(uow: ExchangeUnitOfWork) -> dict[str, ExchangeFacts]:
    """Each exchange's facts for the rounds: tranches planned and closed, totals met."""
    with uow:
        return uow.exchange.facts()
