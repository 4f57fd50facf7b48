"""Amendments: the fixes for someone who will not cross, and the manifest versions they make.

When a listed person will not cross (declined, withdrawn by the neutral verifier, absent,
dead), the agreement allows some fixes (``offered_fixes``): a reserve of the same track
and weight in their place (``substitute``), the other side withdrawing the same weight
(``withdraw_matching``), or the difference carried to the next tranche
(``carry_difference``), where the side that owes it adds a reserve
(``add_from_reserves``). Someone presented who is not listed is recorded too
(``present_unlisted``). Every amendment is a new manifest version that all three must
sign again before anyone it lists may cross. Each is one unit of work, logged with ids
and commitments only.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from parley.domain.agreements import flags_on_return
from parley.domain.events import (
    DifferenceCarried,
    PersonAddedFromReserves,
    PersonSubstituted,
    PersonWithdrawn,
    UnlistedPersonPresented,
)
from parley.domain.handover import Crossing, CrossingState, Fix, fixes
from parley.domain.holdings import HoldingStatus
from parley.domain.tranches import TrancheState, person_weight
from parley.errors import InvalidValue, NotFound, TransitionNotAllowed
from parley.services.exchange import (
    move_to,
    require_exchange,
    require_listed,
    require_tranche,
    tranche_id_of,
)
from parley.services.manifests import FREE, store_manifest
from parley.services.ports import CrossingRecord, ExchangeUnitOfWork, TrancheRecord

__all__ = [
    "add_from_reserves",
    "carry_difference",
    "fixes_for",
    "offered_fixes",
    "present_unlisted",
    "substitute",
    "withdraw_matching",
]


def fixes_for(
    uow: ExchangeUnitOfWork, tranche: TrancheRecord, gone: CrossingRecord, parties: tuple[str, str]
) -> list[Fix]:
    """The fixes the agreement allows for ``gone``, who will not cross in ``tranche``."""
    c = gone.crossing
    tranche_id = tranche_id_of(tranche)
    agreement = require_exchange(uow, tranche.exchange).agreement
    versions = uow.exchange.manifests(tranche_id, c.side)
    latest = versions[-1].manifest
    busy = uow.exchange.active_listings(c.side, [r.record_id for r in latest.reserves])
    track = agreement.track(c.track)
    reserves = [
        (r.record_id, person_weight(track, parties, c.side, r.points))
        for r in latest.reserves
        if r.track == c.track and r.record_id not in busy
    ]
    other = next(p for p in parties if p != c.side)
    other_pending = [
        (o.crossing.record_id, o.crossing.weight)
        for o in uow.exchange.crossings(tranche_id, other)
        if o.crossing.track == c.track and o.crossing.state is CrossingState.LISTED
    ]
    later = [
        t.number
        for t in uow.exchange.tranches(tranche.exchange)
        if t.number > tranche.number
        and t.state not in (TrancheState.CLOSED, TrancheState.CANCELLED)
    ]
    return fixes(
        c,
        reserves=reserves,
        other_pending=other_pending,
        next_tranche=later[0] if later else None,
        balanced=track.formula.balanced,
    )


def offered_fixes(
    uow: ExchangeUnitOfWork, exchange: str, number: int, side: str, record_id: str
) -> list[Fix]:
    """The fixes the agreement allows for a listed person who will not cross."""
    with uow:
        tranche = require_tranche(uow, exchange, number)
        gone = require_listed(uow, tranche, side, record_id)
        if gone.crossing.state is CrossingState.LISTED or not gone.crossing.state.final:
            raise TransitionNotAllowed(
                f"record {record_id} is {gone.crossing.state.value}: fixes are for someone "
                "who will not cross"
            )
        return fixes_for(uow, tranche, gone, require_exchange(uow, exchange).agreement.parties)


def present_unlisted(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    record_id: str,
    track: str,
    *,
    actor: str,
    now: datetime,
) -> str:
    """Record that someone was presented who is not on ``side``'s sealed manifest.

    They do not cross. Returns what can be done: if they are a reserve of the
    manifest, a substitution for someone of the same track who will not cross; if an
    amendment not yet sealed lists them (a substitute), waiting for its signatures.

    Raises:
        TransitionNotAllowed: the tranche is not open, or the person *is* listed.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        if tranche.state is not TrancheState.OPEN:
            raise TransitionNotAllowed(f"tranche {number} is {tranche.state.value}, not open")
        parties = require_exchange(uow, exchange).agreement.parties
        if side not in parties:
            raise NotFound(f"{side!r} is not a party of {exchange!r} ({', '.join(parties)})")
        if track not in tranche.tracks:
            raise NotFound(
                f"tranche {number} has no track {track!r} (it has {', '.join(tranche.tracks)})"
            )
        listed = uow.exchange.crossing(tranche_id_of(tranche), side, record_id)
        if listed is not None and listed.sealed:
            raise TransitionNotAllowed(
                f"record {record_id} is on the sealed manifest: record its steps"
            )
        uow.record(
            UnlistedPersonPresented(
                occurred_at=now, actor=actor, exchange=exchange, tranche=number,
                side=side, track=track, record_id=record_id,
            )
        )  # fmt: skip
        latest = uow.exchange.manifests(tranche_id_of(tranche), side)[-1].manifest
        reserve = latest.reserve(record_id)
        uow.commit()
    if latest.person(record_id) is not None:
        # Listed by an amendment (a substitute) that not all three have signed yet.
        return (
            f"record {record_id} is on version {latest.version} of {side}'s manifest, which "
            "is not sealed yet: they may cross once all three have signed it"
        )
    if reserve is None:
        return (
            f"record {record_id} is not on {side}'s manifest nor among its reserves: "
            "they cannot cross in this tranche"
        )
    return (
        f"record {record_id} is reserve {reserve.reserve_rank} of {side} in {reserve.track}: "
        "they may replace someone of that track who will not cross, by a signed amendment "
        "(parley handover substitute)"
    )


def _amend(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    side: str,
    *,
    remove: list[str],
    add: list[str],
    reason: str,
    actor: str,
    now: datetime,
) -> int:
    versions = uow.exchange.manifests(tranche_id_of(tranche), side)
    latest = versions[-1]
    amended = latest.manifest.amend(
        previous_sha256=latest.sha256, reason=reason, remove=remove, add=add
    )
    store_manifest(uow, tranche, amended, actor=actor, now=now)
    if tranche.state is TrancheState.SEALED:
        move_to(uow, tranche, TrancheState.AWAITING_SIGNATURES, actor=actor, now=now,
              why="an amended manifest needs all three signatures again")  # fmt: skip
    return amended.version


def _mutable(tranche: TrancheRecord) -> None:
    if tranche.state not in (
        TrancheState.AWAITING_SIGNATURES,
        TrancheState.SEALED,
        TrancheState.OPEN,
        TrancheState.SUSPENDED,
    ):
        raise TransitionNotAllowed(
            f"tranche {tranche.number} is {tranche.state.value}: its manifests can no "
            "longer be amended"
        )


def _still_listed_on_manifest(
    uow: ExchangeUnitOfWork, tranche: TrancheRecord, gone: CrossingRecord
) -> None:
    latest = uow.exchange.manifests(tranche_id_of(tranche), gone.crossing.side)[-1].manifest
    if latest.person(gone.crossing.record_id) is None:
        raise TransitionNotAllowed(
            f"record {gone.crossing.record_id} is no longer on the manifest (version "
            f"{latest.version}): it was fixed already"
        )


def _take_off(
    uow: ExchangeUnitOfWork,
    gone: CrossingRecord,
    reason: str,
    *,
    actor: str,
    now: datetime,
    tranche: TrancheRecord,
) -> None:
    """Withdraw a person still listed (a fix decided before they reached the crossing)."""
    c = gone.crossing
    if c.state is not CrossingState.LISTED:
        return
    gone.crossing = dataclasses.replace(c, state=CrossingState.WITHDRAWN)
    gone.reason = reason
    uow.exchange.save_crossing(gone, now)
    uow.exchange.set_holding_status(c.side, [c.record_id], HoldingStatus.WITHDRAWN.value, now)
    uow.record(
        PersonWithdrawn(
            occurred_at=now, actor=actor, exchange=tranche.exchange, tranche=tranche.number,
            side=c.side, track=c.track, record_id=c.record_id, weight=c.weight, reason=reason,
        )
    )  # fmt: skip


def substitute(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    replaced: str,
    reserve: str,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Replace ``replaced`` by the reserve ``reserve`` (same track and weight): a new
    manifest version that all three must sign before the substitute may cross.

    Returns the new version's number.

    Raises:
        NotFound, InvalidValue, TransitionNotAllowed: with what is wrong and where.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        _mutable(tranche)
        agreement = require_exchange(uow, exchange).agreement
        gone = require_listed(uow, tranche, side, replaced)
        if gone.crossing.state in (CrossingState.HANDED_OVER, CrossingState.RECEIVED):
            raise TransitionNotAllowed(f"record {replaced} has crossed; nobody can replace them")
        _still_listed_on_manifest(uow, tranche, gone)
        latest = uow.exchange.manifests(tranche_id_of(tranche), side)[-1].manifest
        spare = latest.reserve(reserve)
        if spare is None:
            raise InvalidValue(
                "substitute", f"record {reserve} is not a reserve of the {latest.subject}"
            )
        if spare.track != gone.crossing.track:
            raise InvalidValue(
                "substitute",
                f"reserve {reserve} is in {spare.track}, "
                f"record {replaced} in {gone.crossing.track}",
            )
        weight = person_weight(agreement.track(spare.track), agreement.parties, side, spare.points)
        if weight != gone.crossing.weight:
            raise InvalidValue(
                "substitute",
                f"reserve {reserve} weighs {weight} and record {replaced} weighed "
                f"{gone.crossing.weight}: the balance would move; choose a reserve of the "
                "same weight",
            )
        busy = uow.exchange.active_listings(side, [reserve])
        if busy:
            raise InvalidValue(
                "substitute", f"reserve {reserve} is listed already in {busy[reserve]}"
            )
        holding = uow.exchange.holdings(side, [reserve]).get(reserve)
        if holding is None or holding.status not in FREE:
            state = holding.status.value if holding else "not held"
            raise InvalidValue("substitute", f"reserve {reserve} is {state}, not eligible")
        shown = gone.reason or gone.crossing.state.value
        _take_off(uow, gone, "substituted", actor=actor, now=now, tranche=tranche)
        version = _amend(
            uow, tranche, side, remove=[replaced], add=[reserve],
            reason=f"substitution: {reserve} for {replaced} ({shown})", actor=actor, now=now,
        )  # fmt: skip
        uow.exchange.add_crossings(
            [
                CrossingRecord(
                    tranche_id=tranche_id_of(tranche),
                    crossing=Crossing(
                        record_id=reserve, side=side, track=spare.track, weight=weight
                    ),
                    position=gone.position,
                    listed_in=version,
                    flags=flags_on_return(agreement, holding.seriously_ill),
                )
            ],
            now,
        )
        uow.exchange.set_holding_status(side, [reserve], HoldingStatus.LISTED.value, now)
        uow.record(
            PersonSubstituted(
                occurred_at=now, actor=actor, exchange=exchange, tranche=number, side=side,
                track=spare.track, replaced=replaced, substitute=reserve, version=version,
            )
        )  # fmt: skip
        uow.commit()
    return version


def withdraw_matching(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    gone_record: str,
    matching: list[str],
    *,
    actor: str,
    now: datetime,
) -> tuple[int, int]:
    """Match the loss of ``gone_record`` (of ``side``) by withdrawing ``matching`` people of
    the other side, of the same track and total weight. Both manifests get a new version.

    Returns the two new versions (``side``'s, the other side's).
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        _mutable(tranche)
        agreement = require_exchange(uow, exchange).agreement
        gone = require_listed(uow, tranche, side, gone_record)
        if not gone.crossing.state.final or gone.crossing.state is CrossingState.RECEIVED:
            raise TransitionNotAllowed(
                f"record {gone_record} is {gone.crossing.state.value}: a matching withdrawal "
                "answers someone who will not cross"
            )
        _still_listed_on_manifest(uow, tranche, gone)
        other = next(p for p in agreement.parties if p != side)
        taken = [require_listed(uow, tranche, other, rid) for rid in matching]
        for t in taken:
            if (
                t.crossing.state is not CrossingState.LISTED
                or t.crossing.track != gone.crossing.track
            ):
                raise InvalidValue(
                    "withdraw",
                    f"record {t.crossing.record_id} of {other} is {t.crossing.state.value} in "
                    f"{t.crossing.track}: only people still to cross in "
                    f"{gone.crossing.track} can be withdrawn",
                )
        total = sum(t.crossing.weight for t in taken)
        if total != gone.crossing.weight:
            raise InvalidValue(
                "withdraw",
                f"the people named weigh {total}, record {gone_record} weighed "
                f"{gone.crossing.weight}",
            )
        shown = gone.reason or gone.crossing.state.value
        first = _amend(
            uow, tranche, side, remove=[gone_record], add=[],
            reason=f"taken off: {gone_record} ({shown})", actor=actor, now=now,
        )  # fmt: skip
        for t in taken:
            _take_off(uow, t, "matching_withdrawal", actor=actor, now=now, tranche=tranche)
        second = _amend(
            uow, tranche, other, remove=matching, add=[],
            reason=f"matching withdrawal for {side}'s {gone_record}", actor=actor, now=now,
        )  # fmt: skip
        uow.commit()
    return first, second


def carry_difference(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    gone_record: str,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Carry the loss of ``gone_record`` to the next tranche, where ``side`` makes it up.

    This tranche then balances without them; the next one starts with ``side`` owing
    their weight. ``side``'s manifest gets a new version without them.

    Returns the number of the tranche the difference goes to.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        _mutable(tranche)
        gone = require_listed(uow, tranche, side, gone_record)
        if not gone.crossing.state.final or gone.crossing.state is CrossingState.RECEIVED:
            raise TransitionNotAllowed(
                f"record {gone_record} is {gone.crossing.state.value}: only the loss of someone "
                "who will not cross is carried"
            )
        _still_listed_on_manifest(uow, tranche, gone)
        later = [
            t for t in uow.exchange.tranches(exchange)
            if t.number > number and t.state not in (TrancheState.CLOSED, TrancheState.CANCELLED)
        ]  # fmt: skip
        if not later:
            raise TransitionNotAllowed(
                f"tranche {number} is the last one still to run: there is no tranche to carry "
                "the difference to (substitute or withdraw instead)"
            )
        target = later[0]
        track, weight = gone.crossing.track, gone.crossing.weight
        if track not in target.tracks:
            raise TransitionNotAllowed(
                f"tranche {target.number} has no {track} track to carry the difference to"
            )
        here = tranche.owed.setdefault(track, {})
        here[side] = here.get(side, 0) - weight
        there = target.owed.setdefault(track, {})
        there[side] = there.get(side, 0) + weight
        uow.exchange.save_tranche(tranche, now)
        uow.exchange.save_tranche(target, now)
        shown = gone.reason or gone.crossing.state.value
        _amend(uow, tranche, side, remove=[gone_record], add=[],
               reason=f"carried to tranche {target.number}: {gone_record} ({shown})",
               actor=actor, now=now)  # fmt: skip
        uow.record(
            DifferenceCarried(
                occurred_at=now, actor=actor, exchange=exchange, tranche=number,
                to_tranche=target.number, track=track, side=side, value=weight,
            )
        )  # fmt: skip
        uow.commit()
    return target.number


def add_from_reserves(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    reserve: str,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Put a reserve on ``side``'s manifest, in addition to those listed, to make up what
    ``side`` owes in the reserve's track (a difference carried in from the previous
    tranche): a new version all three must sign. Returns its number.

    Raises:
        InvalidValue: the record is not a free reserve of that manifest, or ``side`` owes
            less than the reserve weighs in that track (it would be ahead instead).
        TransitionNotAllowed: the tranche's manifests can no longer be amended.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        _mutable(tranche)
        agreement = require_exchange(uow, exchange).agreement
        if side not in agreement.parties:
            raise NotFound(f"{side!r} is not a party of {exchange!r}")
        latest = uow.exchange.manifests(tranche_id_of(tranche), side)[-1].manifest
        spare = latest.reserve(reserve)
        if spare is None:
            raise InvalidValue("add", f"record {reserve} is not a reserve of the {latest.subject}")
        track = spare.track
        weight = person_weight(agreement.track(track), agreement.parties, side, spare.points)
        other = next(p for p in agreement.parties if p != side)
        going = (CrossingState.LISTED, CrossingState.HANDED_OVER, CrossingState.RECEIVED)
        planned = dict.fromkeys(agreement.parties, 0)
        listed = uow.exchange.crossings(tranche_id_of(tranche))
        for c in listed:
            if c.crossing.track == track and c.crossing.state in going:
                planned[c.crossing.side] += c.crossing.weight
        owed = tranche.owed.get(track, {})
        short = planned[other] - owed.get(other, 0) + owed.get(side, 0) - planned[side]
        if short < weight:
            raise InvalidValue(
                "add",
                f"{side} owes {max(short, 0)} in {track} in tranche {number} and reserve "
                f"{reserve} weighs {weight}: adding them would put {side} ahead",
            )
        busy = uow.exchange.active_listings(side, [reserve])
        if busy:
            raise InvalidValue("add", f"reserve {reserve} is listed already in {busy[reserve]}")
        holding = uow.exchange.holdings(side, [reserve]).get(reserve)
        if holding is None or holding.status not in FREE:
            state = holding.status.value if holding else "not held"
            raise InvalidValue("add", f"reserve {reserve} is {state}, not eligible")
        version = _amend(
            uow, tranche, side, remove=[], add=[reserve],
            reason=f"added from reserves: {reserve} (owed in {track})", actor=actor, now=now,
        )  # fmt: skip
        position = max((c.position for c in listed if c.crossing.side == side), default=0) + 1
        uow.exchange.add_crossings(
            [
                CrossingRecord(
                    tranche_id=tranche_id_of(tranche),
                    crossing=Crossing(record_id=reserve, side=side, track=track, weight=weight),
                    position=position,
                    listed_in=version,
                    flags=flags_on_return(agreement, holding.seriously_ill),
                )
            ],
            now,
        )
        uow.exchange.set_holding_status(side, [reserve], HoldingStatus.LISTED.value, now)
        uow.record(
            PersonAddedFromReserves(
                occurred_at=now, actor=actor, exchange=exchange, tranche=number, side=side,
                track=track, record_id=reserve, version=version,
            )
        )  # fmt: skip
        uow.commit()
    return version
