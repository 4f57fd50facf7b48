"""The crossing on SQLite and PostgreSQL: each person's steps, the balance, frictions, keys.

What the three at the crossing notice: a person crosses only verified, handed over by
the side releasing them and received by the other; nobody may record another's step;
one side cannot run ahead of the other; a refusal reaches neither party nor the public
log; each friction has its event and its fix; a request sent again with its key is
answered, not done again.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from parley.domain.handover import NEUTRAL_WITHDRAWAL, Action, CrossingState, FixKind
from parley.domain.holdings import HoldingStatus
from parley.domain.tranches import BalanceRefused, TrancheState
from parley.errors import Conflict, InvalidValue, NotFound, NotPermitted, TransitionNotAllowed
from parley.services.amendments import (
    add_from_reserves,
    carry_difference,
    offered_fixes,
    present_unlisted,
    substitute,
    withdraw_matching,
)
from parley.services.exchange import close_tranche, open_tranche, tranche_status
from parley.services.handover import HandoverResult, record
from parley.services.idempotency import remember, replayed
from parley.services.manifests import export_manifest, manifest_versions
from tests.conftest import NOW, snapshot
from tests.integration import exchange_support as ex
from tests.integration.exchange_support import DAY_ONE, EXCHANGE, Uow

pytestmark = pytest.mark.usefixtures("parties")
V = "neutral_verifier"


def _people(uow: Uow) -> tuple[list[str], list[str], list[str]]:
    """UA's and RU's people in tranche 1 of an opened exchange, and UA's reserves."""
    return ex.listed(uow, 1, "UA"), ex.listed(uow, 1, "RU"), ex.reserves(uow, 1, "UA")


def _holding(uow: Uow, side: str, record_id: str) -> HoldingStatus:
    with uow() as u:
        found = u.holdings.get(side, record_id)
        assert found is not None
        return found.status


def _close(uow: Uow, number: int = 1) -> None:
    close_tranche(uow(), EXCHANGE, number, actor="mediator", now=NOW)


def _types(engine: Engine, after: int) -> list[str]:
    return [e.type for e in ex.logged(engine) if e.seq > after]


def _last_seq(engine: Engine) -> int:
    return ex.logged(engine)[-1].seq


# --- the whole path -----------------------------------------------------------------


def test_a_person_crosses_verified_handed_over_by_one_side_and_received_by_the_other(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    start = _last_seq(engine)

    identity = ex.act(uow, 1, "UA", person, Action.CONFIRM_IDENTITY, V)
    assert _holding(uow, "UA", person) is HoldingStatus.IN_TRANCHE
    will = ex.act(uow, 1, "UA", person, Action.CONFIRM_WILL, V)
    assert _holding(uow, "UA", person) is HoldingStatus.IDENTITY_CONFIRMED
    handed = ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA")
    assert _holding(uow, "UA", person) is HoldingStatus.HANDED_OVER
    received = ex.act(uow, 1, "UA", person, Action.RECEIVE, "RU")

    assert [r.state for r in (identity, will, handed, received)] == [
        "listed",
        "listed",
        "handed_over",
        "received",
    ]
    assert (handed.sent, handed.received) == ({"UA": 1, "RU": 0}, {"UA": 0, "RU": 0})
    assert (received.sent, received.received) == ({"UA": 1, "RU": 0}, {"UA": 1, "RU": 0})
    assert received.next_to_cross == "RU"
    assert _holding(uow, "UA", person) is HoldingStatus.RECEIVED
    assert _types(engine, start) == [
        "PersonVerificationRecorded",
        "PersonVerificationRecorded",
        "PersonHandedOver",
        "PersonReceived",
    ]
    verified = ex.logged(engine, "PersonVerificationRecorded")
    assert [e.payload["complete"] for e in verified] == [False, True]
    (track,) = tranche_status(uow(), EXCHANGE, 1).tracks
    assert (track.sent, track.received, track.next_to_cross) == (
        {"UA": 1, "RU": 0},
        {"UA": 1, "RU": 0},
        "RU",
    )


WRONG_ROLES = [
    (Action.CONFIRM_IDENTITY, "UA", "neutral_verifier"),
    (Action.CONFIRM_IDENTITY, "RU", "neutral_verifier"),
    (Action.CONFIRM_IDENTITY, "mediator", "neutral_verifier"),
    (Action.VERIFY, "UA", "neutral_verifier"),
    (Action.VERIFY, "mediator", "neutral_verifier"),
    (Action.CONFIRM_WILL, "UA", "mediator, neutral_verifier"),
    (Action.CONFIRM_WILL, "RU", "mediator, neutral_verifier"),
    (Action.DECLINE, "UA", "mediator, neutral_verifier"),
    (Action.DECLINE, "RU", "mediator, neutral_verifier"),
    (Action.WITHDRAW_NEUTRAL, "UA", "mediator, neutral_verifier"),
    (Action.DISPUTE_IDENTITY, "UA", "neutral_verifier, receiving"),
    (Action.HAND_OVER, "RU", "releasing"),
    (Action.HAND_OVER, "neutral_verifier", "releasing"),
    (Action.HAND_OVER, "mediator", "releasing"),
    (Action.RECEIVE, "UA", "receiving"),
    (Action.RECEIVE, "neutral_verifier", "receiving"),
    (Action.RECEIVE, "mediator", "receiving"),
    (Action.NO_SHOW, "RU", "mediator, neutral_verifier, releasing"),
    (Action.DIED, "RU", "mediator, releasing"),
    (Action.DIED, "neutral_verifier", "mediator, releasing"),
]


def test_each_step_is_refused_to_whoever_may_not_record_it(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    ex.verify(uow, 1, "UA", person)
    ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA")
    waiting = ex.listed(uow, 1, "UA")[1]
    ex.verify(uow, 1, "UA", waiting)
    before = snapshot(engine)

    for action, acting_as, allowed in WRONG_ROLES:
        who = person if action is Action.RECEIVE else waiting
        with pytest.raises(NotPermitted) as refused:
            ex.act(uow, 1, "UA", who, action, acting_as)
        assert str(refused.value) == f"only the {allowed} may record {action} for record {who}"
    with pytest.raises(NotPermitted, match="'BY' is neither a party of this exchange"):
        ex.act(uow, 1, "UA", waiting, Action.CONFIRM_WILL, "BY")

    assert snapshot(engine) == before


def test_nobody_is_handed_over_before_the_neutral_verifier_confirmed_identity_and_will(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA")
    assert str(refused.value) == (
        f"record {person} cannot be handed over: its identity is not confirmed at the "
        "crossing; the person's will to go is not confirmed (GC III Art. 109(3))"
    )
    ex.act(uow, 1, "UA", person, Action.CONFIRM_IDENTITY, V)
    with pytest.raises(TransitionNotAllowed, match=r"will to go is not confirmed"):
        ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA")
    with pytest.raises(TransitionNotAllowed, match=r"cannot be received: it is listed"):
        ex.act(uow, 1, "UA", person, Action.RECEIVE, "RU")

    after = snapshot(engine)
    assert after["tranche_balances"] == before["tranche_balances"]
    assert after["crossings"] != before["crossings"]  # the identity confirmation only


def test_one_interview_confirms_identity_and_will_at_once(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]

    ex.act(uow, 1, "UA", person, Action.VERIFY, V)

    (verified,) = ex.logged(engine, "PersonVerificationRecorded")
    assert verified.payload["complete"] is True
    assert _holding(uow, "UA", person) is HoldingStatus.IDENTITY_CONFIRMED
    assert ex.act(uow, 1, "UA", person, Action.HAND_OVER, "UA").state == "handed_over"


def test_a_will_confirmed_more_than_a_week_before_must_be_asked_again(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)  # consent.within_days is 7 by default
    person = ex.listed(uow, 1, "UA")[0]
    ex.verify(uow, 1, "UA", person)  # at NOW
    later = NOW + timedelta(days=8)
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed) as refused:
        record(uow(), EXCHANGE, 1, "UA", person, Action.HAND_OVER,
               acting_as="UA", actor="UA", now=later)  # fmt: skip

    assert str(refused.value) == (
        f"record {person} cannot be handed over: the person's will was confirmed more than "
        "7 days ago; ask again (GC III Art. 109(3))"
    )
    assert snapshot(engine) == before
    record(uow(), EXCHANGE, 1, "UA", person, Action.CONFIRM_WILL,
           acting_as=V, actor=V, now=later)  # fmt: skip
    handed = record(uow(), EXCHANGE, 1, "UA", person, Action.HAND_OVER,
                    acting_as="UA", actor="UA", now=later)  # fmt: skip
    assert handed.state == "handed_over"


# --- the running balance --------------------------------------------------------------


def test_a_side_cannot_hand_over_twice_while_the_other_has_not_crossed(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)
    for person in ua:
        ex.verify(uow, 1, "UA", person)
    first = ex.act(uow, 1, "UA", ua[0], Action.HAND_OVER, "UA")
    assert first.next_to_cross == "RU"
    before = snapshot(engine)

    with pytest.raises(BalanceRefused) as refused:
        ex.act(uow, 1, "UA", ua[1], Action.HAND_OVER, "UA")

    assert str(refused.value) == (
        "UA cannot hand over another person in military now: it would be 2 ahead of RU "
        "and the agreement allows 1; RU must cross next"
    )
    assert snapshot(engine) == before
    ex.hand_over(uow, 1, "RU", ru[0])
    assert ex.act(uow, 1, "UA", ua[1], Action.HAND_OVER, "UA").next_to_cross == "RU"


def test_a_person_counts_as_exchanged_only_when_received(uow: Uow) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)
    for a, b in zip(ua, ru, strict=True):
        ex.hand_over(uow, 1, "UA", a)
        ex.hand_over(uow, 1, "RU", b)

    (track,) = tranche_status(uow(), EXCHANGE, 1).tracks
    assert (track.sent, track.received) == ({"UA": 2, "RU": 2}, {"UA": 0, "RU": 0})
    with pytest.raises(TransitionNotAllowed) as refused:
        _close(uow)
    assert str(refused.value) == (
        "tranche 1 cannot close: UA has 2 handed over in military not yet received; "
        "RU has 2 handed over in military not yet received"
    )
    for a, b in zip(ua, ru, strict=True):
        ex.act(uow, 1, "UA", a, Action.RECEIVE, "RU")
        ex.act(uow, 1, "RU", b, Action.RECEIVE, "UA")
    _close(uow)
    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.CLOSED


# --- frictions and their fixes --------------------------------------------------------


def test_a_refusal_reaches_neither_party_nor_the_public_log(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    ua, _, reserves = _people(uow)
    declining, mistaken = ua
    ex.act(uow, 1, "UA", declining, Action.CONFIRM_IDENTITY, V)
    ex.act(uow, 1, "UA", mistaken, Action.DISPUTE_IDENTITY, V)

    declined = ex.act(uow, 1, "UA", declining, Action.DECLINE, V)
    withdrawn = ex.act(uow, 1, "UA", mistaken, Action.WITHDRAW_NEUTRAL, V)

    assert declined.state == withdrawn.state == NEUTRAL_WITHDRAWAL
    assert declined.fixes[0].kind is FixKind.SUBSTITUTE
    assert declined.fixes[0].records == (reserves[0],)
    for fix in declined.fixes:
        assert "declin" not in fix.text
        assert "refus" not in fix.text
    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.people["UA"] == {NEUTRAL_WITHDRAWAL: 2}
    assert _holding(uow, "UA", declining) is _holding(uow, "UA", mistaken)
    for event in ex.logged(engine):
        public = event.entry.decode().lower()
        assert "declin" not in public
        assert "refus" not in public
        assert "declin" not in json.dumps(event.payload).lower()
    a, b = (
        {k: v for k, v in json.loads(e.entry)["data"].items() if k != "record_id"}
        for e in ex.logged(engine, "PersonWithdrawn")
    )
    assert a == b
    assert a["reason"] == NEUTRAL_WITHDRAWAL
    with uow() as u:
        tranche = u.exchange.tranche(EXCHANGE, 1)
        assert tranche is not None
        assert tranche.id is not None
        assert u.exchange.findings(tranche.id) == [
            ("UA", declining, "declined_repatriation"),
            ("UA", mistaken, "identity_not_established"),
        ]


def test_who_recorded_a_neutral_withdrawal_does_not_tell_a_refusal_from_a_mismatch(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)
    tried = [
        (Action.DECLINE, V, "UA", ua[0]),
        (Action.DECLINE, "mediator", "UA", ua[1]),
        (Action.WITHDRAW_NEUTRAL, V, "RU", ru[0]),
        (Action.WITHDRAW_NEUTRAL, "mediator", "RU", ru[1]),
    ]
    recorded: dict[Action, set[str]] = {Action.DECLINE: set(), Action.WITHDRAW_NEUTRAL: set()}
    for action, acting_as, side, person in tried:
        start = _last_seq(engine)
        try:
            ex.act(uow, 1, side, person, action, acting_as)
        except NotPermitted:
            continue
        (entry,) = (e for e in ex.logged(engine, "PersonWithdrawn") if e.seq > start)
        recorded[action].add(json.loads(entry.entry)["actor"])

    assert recorded[Action.DECLINE] == recorded[Action.WITHDRAW_NEUTRAL]


def test_a_no_show_is_filled_by_a_reserve_who_crosses_once_version_2_is_sealed(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru, reserves = _people(uow)
    absent, spare = ua[0], reserves[0]

    gone = ex.act(uow, 1, "UA", absent, Action.NO_SHOW, "UA")

    assert gone.state == "no_show"
    assert [f.kind for f in gone.fixes] == [
        FixKind.SUBSTITUTE,
        FixKind.MATCHING_WITHDRAWAL,
        FixKind.CARRY,
    ]
    assert gone.fixes == tuple(offered_fixes(uow(), EXCHANGE, 1, "UA", absent))
    assert ex.logged(engine, "PersonNoShow")[0].payload["record_id"] == absent

    assert substitute(uow(), EXCHANGE, 1, "UA", absent, spare, actor="mediator", now=NOW) == 2
    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.OPEN
    with pytest.raises(TransitionNotAllowed) as refused:
        ex.act(uow, 1, "UA", spare, Action.CONFIRM_IDENTITY, V)
    assert str(refused.value) == (
        f"record {spare} was listed by version 2 of UA's manifest, which is not sealed "
        "yet: all three must sign it first"
    )
    ex.cross(uow, 1, "RU", ru[0])  # the rest of the tranche goes on meanwhile
    ex.cross(uow, 1, "UA", ua[1])
    ex.cross(uow, 1, "RU", ru[1])

    ex.sign_all(uow, 1, ("UA",))
    assert _holding(uow, "UA", spare) is HoldingStatus.IN_TRANCHE
    assert ex.cross(uow, 1, "UA", spare).received == {"UA": 2, "RU": 2}
    _close(uow)

    status = tranche_status(uow(), EXCHANGE, 1)
    assert status.people == {"UA": {"no_show": 1, "received": 2}, "RU": {"received": 2}}


def test_a_death_is_matched_by_withdrawing_one_of_the_other_side(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)

    died = ex.act(uow, 1, "UA", ua[0], Action.DIED, "UA")

    matching = next(f for f in died.fixes if f.kind is FixKind.MATCHING_WITHDRAWAL)
    assert matching.records == (ru[1],)
    assert ex.logged(engine, "PersonDied")[0].payload["record_id"] == ua[0]
    assert _holding(uow, "UA", ua[0]) is HoldingStatus.DECEASED

    versions = withdraw_matching(
        uow(), EXCHANGE, 1, "UA", ua[0], list(matching.records), actor="mediator", now=NOW
    )

    assert versions == (2, 2)
    assert ex.listed(uow, 1, "UA") == [ua[1]]
    assert ex.listed(uow, 1, "RU") == [ru[0]]
    withdrawn = ex.logged(engine, "PersonWithdrawn")
    assert [(e.payload["record_id"], e.payload["reason"]) for e in withdrawn] == [
        (ru[1], "matching_withdrawal")
    ]
    assert _holding(uow, "RU", ru[1]) is HoldingStatus.WITHDRAWN
    ex.cross(uow, 1, "UA", ua[1])
    ex.cross(uow, 1, "RU", ru[0])
    ex.sign_all(uow, 1)
    _close(uow)
    assert tranche_status(uow(), EXCHANGE, 1).people == {
        "UA": {"deceased": 1, "received": 1},
        "RU": {"matching_withdrawal": 1, "received": 1},
    }


def test_a_tranche_does_not_close_while_an_amendment_waits_for_signatures(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)
    ex.act(uow, 1, "UA", ua[0], Action.DIED, "UA")
    withdraw_matching(uow(), EXCHANGE, 1, "UA", ua[0], [ru[1]], actor="mediator", now=NOW)
    ex.cross(uow, 1, "UA", ua[1])
    ex.cross(uow, 1, "RU", ru[0])
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed, match="version 2"):
        _close(uow)

    assert snapshot(engine) == before


def test_an_identity_dispute_stops_that_person_and_nobody_else(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)

    disputed = ex.act(uow, 1, "UA", ua[0], Action.DISPUTE_IDENTITY, "RU")

    assert disputed.state == "listed"
    assert ex.logged(engine, "IdentityDisputed")[0].payload["record_id"] == ua[0]
    ex.act(uow, 1, "UA", ua[0], Action.CONFIRM_WILL, V)
    with pytest.raises(TransitionNotAllowed, match=r"its identity is disputed \(confirm it"):
        ex.act(uow, 1, "UA", ua[0], Action.HAND_OVER, "UA")
    ex.cross(uow, 1, "UA", ua[1])
    ex.cross(uow, 1, "RU", ru[0])
    ex.act(uow, 1, "UA", ua[0], Action.CONFIRM_IDENTITY, V)  # the verifier settles it
    assert ex.act(uow, 1, "UA", ua[0], Action.HAND_OVER, "UA").state == "handed_over"


def test_a_loss_carried_to_tranche_2_balances_tranche_1_and_puts_that_side_behind_in_2(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    ua, ru, _ = _people(uow)
    ex.act(uow, 1, "UA", ua[0], Action.NO_SHOW, "UA")

    assert carry_difference(uow(), EXCHANGE, 1, "UA", ua[0], actor="mediator", now=NOW) == 2

    (carried,) = ex.logged(engine, "DifferenceCarried")
    assert {k: carried.payload[k] for k in ("tranche", "to_tranche", "side", "value")} == {
        "tranche": 1,
        "to_tranche": 2,
        "side": "UA",
        "value": 1,
    }
    assert [m.manifest.version for m in manifest_versions(uow(), EXCHANGE, 1, "UA")] == [1, 2]
    ex.cross(uow, 1, "RU", ru[0])
    ex.cross(uow, 1, "UA", ua[1])
    ex.cross(uow, 1, "RU", ru[1])
    ex.sign_all(uow, 1, ("UA",))
    _close(uow)
    assert tranche_status(uow(), EXCHANGE, 1).state is TrancheState.CLOSED

    (track,) = tranche_status(uow(), EXCHANGE, 2).tracks
    assert (track.owed, track.next_to_cross) == ({"UA": 1, "RU": 0}, "UA")
    ex.sign_all(uow, 2)
    day_two = DAY_ONE + timedelta(days=1)
    open_tranche(uow(), EXCHANGE, 2, today=day_two, actor="mediator", now=NOW)
    first_ru = ex.listed(uow, 2, "RU")[0]
    with pytest.raises(BalanceRefused, match="UA must cross next"):
        ex.hand_over(uow, 2, "RU", first_ru)


def _cross_everyone(uow: Uow, number: int) -> None:
    """Everyone still to cross in tranche ``number`` crosses, whoever is behind first."""
    while True:
        with uow() as u:
            tranche = u.exchange.tranche(EXCHANGE, number)
            assert tranche is not None
            assert tranche.id is not None
            crossings = u.exchange.crossings(tranche.id)
        left: dict[str, list[str]] = {"UA": [], "RU": []}
        for c in crossings:
            if c.crossing.state is CrossingState.LISTED:
                left[c.crossing.side].append(c.crossing.record_id)
        if not left["UA"] and not left["RU"]:
            return
        behind = tranche_status(uow(), EXCHANGE, number).tracks[0].next_to_cross
        side = behind if behind and left[behind] else ("UA" if left["UA"] else "RU")
        ex.cross(uow, number, side, left[side][0])


def test_a_loss_carried_to_the_last_tranche_can_be_made_up_there(uow: Uow) -> None:
    ex.opened(uow)
    absent = ex.listed(uow, 1, "UA")[0]
    ex.act(uow, 1, "UA", absent, Action.NO_SHOW, "UA")
    carry_difference(uow(), EXCHANGE, 1, "UA", absent, actor="mediator", now=NOW)
    _cross_everyone(uow, 1)
    ex.sign_all(uow, 1, ("UA",))
    _close(uow)
    ex.sign_all(uow, 2)
    day_two = DAY_ONE + timedelta(days=1)
    # UA owes one in tranche 2: it adds a reserve there, by an amendment all three sign.
    with pytest.raises(InvalidValue, match="RU owes 0 in military in tranche 2"):
        add_from_reserves(uow(), EXCHANGE, 2, "RU", ex.reserves(uow, 2, "RU")[0],
                          actor="mediator", now=NOW)  # fmt: skip
    added = next(r for r in ex.reserves(uow, 2, "UA") if r != absent)
    assert add_from_reserves(uow(), EXCHANGE, 2, "UA", added, actor="mediator", now=NOW) == 2
    with pytest.raises(InvalidValue, match="UA owes 0 in military"):
        add_from_reserves(uow(), EXCHANGE, 2, "UA", ex.reserves(uow, 2, "UA")[0],
                          actor="mediator", now=NOW)  # fmt: skip
    ex.sign_all(uow, 2, ("UA",))
    open_tranche(uow(), EXCHANGE, 2, today=day_two, actor="mediator", now=NOW)

    _cross_everyone(uow, 2)
    _close(uow, 2)

    assert tranche_status(uow(), EXCHANGE, 2).state is TrancheState.CLOSED


def test_someone_presented_who_is_not_listed_does_not_cross(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    stranger = "UA-1"
    assert stranger not in ex.listed(uow, 1, "UA") + ex.reserves(uow, 1, "UA")

    told = present_unlisted(
        uow(), EXCHANGE, 1, "UA", stranger, "military", actor="mediator", now=NOW
    )

    assert told == (
        f"record {stranger} is not on UA's manifest nor among its reserves: they cannot "
        "cross in this tranche"
    )
    assert ex.logged(engine, "UnlistedPersonPresented")[0].payload["record_id"] == stranger
    before = snapshot(engine)
    with pytest.raises(NotFound, match=f"record {stranger} is not on UA's manifest of tranche 1"):
        ex.act(uow, 1, "UA", stranger, Action.CONFIRM_IDENTITY, V)
    assert snapshot(engine) == before
    with pytest.raises(TransitionNotAllowed, match="is on the sealed manifest"):
        present_unlisted(
            uow(), EXCHANGE, 1, "UA", ex.listed(uow, 1, "UA")[0], "military",
            actor="mediator", now=NOW,
        )  # fmt: skip


def test_someone_presented_for_a_side_or_track_not_in_the_tranche_is_refused_by_name(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    before = snapshot(engine)

    with pytest.raises(NotFound, match="'XA' is not a party of 'four for four' \\(UA, RU\\)"):
        present_unlisted(uow(), EXCHANGE, 1, "XA", "XA-1", "military", actor="m", now=NOW)
    with pytest.raises(NotFound, match="tranche 1 has no track 'civilian' \\(it has military\\)"):
        present_unlisted(uow(), EXCHANGE, 1, "UA", "UA-1", "civilian", actor="m", now=NOW)
    assert snapshot(engine) == before


def test_a_substitute_presented_before_their_version_is_sealed_is_told_to_wait(
    uow: Uow,
) -> None:
    ex.opened(uow)
    ua, _, reserves = _people(uow)
    ex.act(uow, 1, "UA", ua[0], Action.NO_SHOW, "UA")
    substitute(uow(), EXCHANGE, 1, "UA", ua[0], reserves[0], actor="mediator", now=NOW)

    told = present_unlisted(uow(), EXCHANGE, 1, "UA", reserves[0], "military", actor="m", now=NOW)

    assert told == (
        f"record {reserves[0]} is on version 2 of UA's manifest, which is not sealed yet: "
        "they may cross once all three have signed it"
    )


def test_a_reserve_presented_is_told_they_may_substitute(uow: Uow) -> None:
    ex.opened(uow)
    reserve = ex.reserves(uow, 1, "UA")[0]

    told = present_unlisted(uow(), EXCHANGE, 1, "UA", reserve, "military", actor="m", now=NOW)

    assert told == (
        f"record {reserve} is reserve 1 of UA in military: they may replace someone of that "
        "track who will not cross, by a signed amendment (parley handover substitute)"
    )


# --- idempotency keys -----------------------------------------------------------------


def _hand_over_with(uow: Uow, person: str, key: str) -> HandoverResult:
    return record(
        uow(), EXCHANGE, 1, "UA", person, Action.HAND_OVER,
        acting_as="UA", actor="UA", now=NOW + timedelta(minutes=1), idempotency_key=key,
    )  # fmt: skip


def test_a_request_sent_1000_times_with_its_key_counts_once(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    ex.verify(uow, 1, "UA", person)

    first = _hand_over_with(uow, person, "ua-hand-over-1")
    replays = [_hand_over_with(uow, person, "ua-hand-over-1") for _ in range(999)]

    assert first.replayed is False
    assert all(r == dataclasses.replace(first, replayed=True) for r in replays)
    (track,) = tranche_status(uow(), EXCHANGE, 1).tracks
    assert track.sent == {"UA": 1, "RU": 0}
    assert len(ex.logged(engine, "PersonHandedOver")) == 1


def test_a_key_used_for_another_request_is_a_conflict(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    first, second = ex.listed(uow, 1, "UA")
    for person in (first, second):
        ex.verify(uow, 1, "UA", person)
    _hand_over_with(uow, first, "k")
    before = snapshot(engine)

    with pytest.raises(Conflict) as refused:
        _hand_over_with(uow, second, "k")

    assert str(refused.value) == (
        "idempotency key 'k' was used for another request; use a new key for a new request"
    )
    assert snapshot(engine) == before


def test_a_key_whose_first_request_is_in_flight_is_a_conflict(uow: Uow, engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite lets one writer through at a time: a second request waits for the "
            "first and replays its answer (test_handover_concurrency shows it)"
        )
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    ex.verify(uow, 1, "UA", person)
    before = snapshot(engine)

    with uow() as first:  # the first request with the key, still being processed
        assert first.idempotency.hold("busy") == (True, None)
        with pytest.raises(Conflict) as refused:
            _hand_over_with(uow, person, "busy")

    assert str(refused.value) == (
        "the request with idempotency key 'busy' is still being processed; wait for its answer"
    )
    assert snapshot(engine) == before
    assert _hand_over_with(uow, person, "busy").replayed is False
    assert _hand_over_with(uow, person, "busy").replayed is True


def test_a_failed_request_leaves_its_key_free_to_send_again(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    person = ex.listed(uow, 1, "UA")[0]
    before = snapshot(engine)

    with pytest.raises(TransitionNotAllowed, match="cannot be handed over"):
        _hand_over_with(uow, person, "early")

    assert snapshot(engine) == before
    with uow() as u:
        assert u.idempotency.hold("early") == (True, None)  # nothing kept of the failed one
    ex.verify(uow, 1, "UA", person)
    assert _hand_over_with(uow, person, "early").replayed is False
    assert export_manifest(uow(), EXCHANGE, 1, "UA").manifest.version == 1


def test_a_first_request_finishing_between_the_read_and_the_lock_is_caught(
    uow: Uow, engine: Engine
) -> None:
    # On PostgreSQL a request reads its key and takes the key's lock in one statement; a
    # first request that commits in between is found when the second stores its answer.
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite lets one writer through at a time: the race cannot happen")
    ex.opened(uow)
    with uow() as second:
        assert replayed(second, "raced", "sha-of-this-request") is None
        with uow() as first:  # the first request, which did not wait for the lock
            assert first.idempotency.put("raced", "UA", "sha-of-this-request", "{}", NOW)
            first.commit()
        with pytest.raises(Conflict, match="was answered while this one ran"):
            remember(second, "raced", actor="UA", request_sha256="sha-of-this-request",
                     response="{}", now=NOW)  # fmt: skip
    with uow() as u:
        assert u.idempotency.hold("raced") == (True, ("sha-of-this-request", "{}"))
