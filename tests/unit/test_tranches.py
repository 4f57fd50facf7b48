"""Tranches: their state machine, when they open, the running balance, and when they close."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.domain.agreements import (
    Agreement,
    Formula,
    FormulaKind,
    TariffClass,
    Track,
    TrancheRules,
)
from parley.domain.selectors import parse_selector
from parley.domain.tranches import (
    TRANCHE_TRANSITIONS,
    BalanceRefused,
    TrackBalance,
    TrancheState,
    check_close,
    check_open,
    move_tranche,
    person_weight,
)
from parley.errors import InvalidValue, TransitionNotAllowed

PARTIES = ("AA", "BB")
TODAY = date(2025, 5, 23)


def formula(kind: FormulaKind, ratio: tuple[int, int] = (1, 5)) -> Formula:
    if kind is FormulaKind.RATIO:
        return Formula(kind, ratio=(("AA", ratio[0]), ("BB", ratio[1])))
    if kind is FormulaKind.TARIFF:
        officers = TariffClass("officers", 5, parse_selector("rank == officer"))
        return Formula(kind, tariff=(officers,))
    return Formula(kind)


def agreement(
    kind: FormulaKind, *, max_lead: int = 1, ratio: tuple[int, int] = (1, 5)
) -> Agreement:
    track = Track("military", parse_selector("true"), formula(kind, ratio))
    rules = TrancheRules(count=3, max_lead=max_lead)
    return Agreement("test", PARTIES, date(2025, 5, 16), (track,), rules)


def balance(
    kind: FormulaKind,
    *,
    max_lead: int = 1,
    heaviest: int = 1,
    owed: dict[str, int] | None = None,
    ratio: tuple[int, int] = (1, 5),
) -> TrackBalance:
    return TrackBalance.start(
        agreement(kind, max_lead=max_lead, ratio=ratio),
        "military",
        heaviest=heaviest,
        owed=owed or {},
    )


# The state machine

ALLOWED = [(a, b) for a, targets in TRANCHE_TRANSITIONS.items() for b in sorted(targets)]
REFUSED = [
    (a, b)
    for a, b in itertools.product(TrancheState, TrancheState)
    if b not in TRANCHE_TRANSITIONS[a]
]


def test_the_table_covers_every_state_and_the_documented_life() -> None:
    assert set(TRANCHE_TRANSITIONS) == set(TrancheState)
    life = [
        TrancheState.DRAFT,
        TrancheState.AWAITING_SIGNATURES,
        TrancheState.SEALED,
        TrancheState.OPEN,
        TrancheState.CLOSING,
        TrancheState.CLOSED,
    ]
    for before, after in itertools.pairwise(life):
        assert (before, after) in ALLOWED
    assert (TrancheState.OPEN, TrancheState.SUSPENDED) in ALLOWED
    assert (TrancheState.SEALED, TrancheState.AWAITING_SIGNATURES) in ALLOWED
    assert TRANCHE_TRANSITIONS[TrancheState.CLOSED] == frozenset()
    assert TRANCHE_TRANSITIONS[TrancheState.CANCELLED] == frozenset()


def test_a_tranche_people_have_crossed_in_cannot_be_cancelled_without_suspending() -> None:
    for state in (TrancheState.OPEN, TrancheState.CLOSING):
        assert (state, TrancheState.CANCELLED) in REFUSED


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_allowed_move_is_made(current: TrancheState, target: TrancheState) -> None:
    assert move_tranche(current, target, number=4) is target


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_move_is_refused_saying_what_is_allowed(
    current: TrancheState, target: TrancheState
) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        move_tranche(current, target, number=4, why="the rule")
    message = str(refused.value)
    assert f"tranche 4 cannot move from {current.value} to {target.value} (the rule)" in message
    allowed = sorted(s.value for s in TRANCHE_TRANSITIONS[current])
    expected = ", ".join(allowed) if allowed else "none: it is final"
    assert message.endswith(f"from {current.value} it may move to: {expected}")


# Opening


def test_a_sealed_tranche_opens_on_its_date_and_after() -> None:
    for today in (TODAY, date(2025, 5, 24), date(2026, 1, 1)):
        check_open(TrancheState.SEALED, number=1, on=TODAY, today=today, unsealed=[])


def test_a_tranche_without_a_date_opens_any_day() -> None:
    check_open(TrancheState.SEALED, number=1, on=None, today=date(2020, 1, 1), unsealed=[])


def test_a_suspended_tranche_resumes() -> None:
    check_open(TrancheState.SUSPENDED, number=1, on=TODAY, today=TODAY, unsealed=[])


def test_a_tranche_does_not_open_before_its_date_and_says_both_dates() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        check_open(TrancheState.SEALED, number=2, on=TODAY, today=date(2025, 5, 22), unsealed=[])
    assert str(refused.value) == (
        "tranche 2 cannot open before its date 2025-05-23 (today is 2025-05-22)"
    )


def test_a_tranche_does_not_open_while_a_manifest_waits_for_signatures() -> None:
    unsealed = [
        "the manifest of AA, tranche 1, version 2 (unsigned by BB)",
        "the manifest of BB, tranche 1, version 1 (unsigned by MEDIATOR)",
    ]
    with pytest.raises(TransitionNotAllowed) as refused:
        check_open(TrancheState.SEALED, number=1, on=TODAY, today=TODAY, unsealed=unsealed)
    message = str(refused.value)
    assert message.startswith("tranche 1 cannot open")
    for subject in unsealed:
        assert subject in message


@pytest.mark.parametrize(
    "state", [s for s in TrancheState if s not in (TrancheState.SEALED, TrancheState.SUSPENDED)]
)
def test_only_a_sealed_or_suspended_tranche_opens(state: TrancheState) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        check_open(state, number=3, on=TODAY, today=TODAY, unsealed=[])
    message = str(refused.value)
    assert "tranche 3 cannot" in message
    assert state.value in message
    assert "only a sealed or suspended tranche opens" in message


# Weights


def test_under_parity_everyone_weighs_one() -> None:
    track = agreement(FormulaKind.PARITY).track("military")
    assert person_weight(track, PARTIES, "AA", 7) == 1
    assert person_weight(track, PARTIES, "BB", 1) == 1


def test_under_a_ratio_of_one_to_five_one_person_of_aa_weighs_five_of_bb() -> None:
    track = agreement(FormulaKind.RATIO).track("military")
    assert person_weight(track, PARTIES, "AA", 1) == 5
    assert person_weight(track, PARTIES, "BB", 1) == 1


def test_a_ratio_of_two_to_three_weighs_by_the_least_common_multiple() -> None:
    track = agreement(FormulaKind.RATIO, ratio=(2, 3)).track("military")
    weight_aa = person_weight(track, PARTIES, "AA", 1)
    weight_bb = person_weight(track, PARTIES, "BB", 1)
    assert (weight_aa, weight_bb) == (3, 2)
    assert 2 * weight_aa == 3 * weight_bb


def test_under_a_tariff_a_person_weighs_their_points() -> None:
    track = agreement(FormulaKind.TARIFF).track("military")
    assert person_weight(track, PARTIES, "AA", 5) == 5
    assert person_weight(track, PARTIES, "BB", 1) == 1


# The running balance: parity


def test_parity_lets_one_side_lead_by_max_lead_people_and_no_more() -> None:
    b = balance(FormulaKind.PARITY, max_lead=2)
    assert b.allowed == 2
    b.send("AA", 1)
    b.send("AA", 1)
    with pytest.raises(BalanceRefused) as refused:
        b.send("AA", 1)
    assert str(refused.value) == (
        "AA cannot hand over another person in military now: it would be 3 ahead of BB "
        "and the agreement allows 2; BB must cross next"
    )
    assert b.sent == {"AA": 2, "BB": 0}
    assert b.next_to_cross() == "BB"


def test_parity_alternates_when_the_lead_allowed_is_one() -> None:
    b = balance(FormulaKind.PARITY)
    b.send("BB", 1)
    with pytest.raises(BalanceRefused, match="AA must cross next"):
        b.check_send("BB", 1)
    b.send("AA", 1)
    assert b.next_to_cross() is None
    b.send("AA", 1)
    assert b.lead("AA") == 1
    assert b.next_to_cross() == "BB"


def test_a_max_lead_of_zero_still_lets_a_side_start() -> None:
    b = balance(FormulaKind.PARITY, max_lead=0)
    assert b.allowed == 1
    b.send("AA", 1)
    with pytest.raises(BalanceRefused):
        b.send("AA", 1)


def test_check_send_refuses_exactly_past_the_allowed_lead_and_counts_nothing() -> None:
    b = balance(FormulaKind.PARITY, max_lead=3)
    b.check_send("AA", 3)
    with pytest.raises(BalanceRefused):
        b.check_send("AA", 4)
    assert b.sent == {"AA": 0, "BB": 0}


# The running balance: ratio


def test_under_a_ratio_either_side_can_start() -> None:
    aa_first = balance(FormulaKind.RATIO)
    aa_first.send("AA", 5)
    bb_first = balance(FormulaKind.RATIO)
    bb_first.send("BB", 1)
    assert (aa_first.lead("AA"), bb_first.lead("BB")) == (5, 1)


def test_under_one_to_five_bb_may_hand_over_five_before_aa_must_cross() -> None:
    b = balance(FormulaKind.RATIO)
    assert b.allowed == 5
    for _ in range(5):
        b.send("BB", 1)
    with pytest.raises(BalanceRefused, match=r"BB cannot .* 6 ahead of AA .* allows 5; AA must"):
        b.send("BB", 1)
    b.send("AA", 5)
    assert b.next_to_cross() is None


def test_under_one_to_five_aa_cannot_send_a_second_person_before_bb_sends_five() -> None:
    b = balance(FormulaKind.RATIO)
    b.send("AA", 5)
    with pytest.raises(BalanceRefused, match="BB must cross next"):
        b.send("AA", 5)
    for _ in range(4):
        b.send("BB", 1)
    with pytest.raises(BalanceRefused):
        b.send("AA", 5)
    b.send("BB", 1)
    b.send("AA", 5)
    assert b.lead("AA") == 5


def test_a_ratio_lead_is_counted_in_people_of_the_heavier_side() -> None:
    assert balance(FormulaKind.RATIO, max_lead=2).allowed == 10


def test_a_ratio_exchange_received_in_full_is_balanced() -> None:
    b = balance(FormulaKind.RATIO)
    b.send("AA", 5)
    b.receive("AA", 5)
    for _ in range(5):
        b.send("BB", 1)
        b.receive("BB", 1)
    assert b.difference() is None


# The running balance: tariff


def test_under_a_tariff_the_lead_is_in_points() -> None:
    b = balance(FormulaKind.TARIFF, max_lead=4, heaviest=3)
    assert b.allowed == 4
    b.send("AA", 3)
    with pytest.raises(BalanceRefused, match="would be 6 ahead of BB and the agreement allows 4"):
        b.send("AA", 3)
    b.send("AA", 1)
    assert b.lead("AA") == 4


def test_under_a_tariff_the_allowed_lead_is_never_below_the_heaviest_person() -> None:
    b = balance(FormulaKind.TARIFF, max_lead=1, heaviest=10)
    assert b.allowed == 10
    b.send("AA", 10)
    b.send("BB", 3)
    b.send("BB", 10)
    assert b.lead("BB") == 3


def test_under_a_tariff_a_side_behind_can_always_send_its_heaviest() -> None:
    b = balance(FormulaKind.TARIFF, max_lead=1, heaviest=7)
    b.send("AA", 7)
    b.send("BB", 7)
    b.send("BB", 1)
    b.send("AA", 7)
    assert b.lead("AA") == 6


# The running balance: all for all


def test_all_for_all_never_refuses_and_has_no_difference() -> None:
    b = balance(FormulaKind.ALL_FOR_ALL)
    assert not b.balanced_kind
    for _ in range(50):
        b.send("AA", 1)
        b.receive("AA", 1)
    assert b.sent == {"AA": 50, "BB": 0}
    assert b.next_to_cross() is None
    assert b.difference() is None


# Receipts, the difference and what is owed


def test_nobody_is_received_who_was_not_handed_over() -> None:
    b = balance(FormulaKind.PARITY)
    with pytest.raises(InvalidValue, match="AA would have more received than handed over"):
        b.receive("AA", 1)
    b.send("AA", 1)
    b.receive("AA", 1)
    with pytest.raises(InvalidValue, match="in military"):
        b.receive("AA", 1)
    assert b.received == {"AA": 1, "BB": 0}


def test_the_difference_counts_only_people_received() -> None:
    b = balance(FormulaKind.PARITY)
    b.send("AA", 1)
    b.send("BB", 1)
    b.receive("AA", 1)
    assert b.difference() == ("AA", 1)
    assert b.unreceived() == {"AA": 0, "BB": 1}
    b.receive("BB", 1)
    assert b.difference() is None


def test_a_difference_carried_in_must_be_made_up_first() -> None:
    b = balance(FormulaKind.PARITY, owed={"AA": 2})
    assert b.lead("AA") == -2
    assert b.next_to_cross() == "AA"
    with pytest.raises(BalanceRefused, match=r"BB cannot .* 3 ahead of AA .* AA must cross next"):
        b.send("BB", 1)
    b.send("AA", 1)
    b.send("AA", 1)
    b.send("AA", 1)
    b.receive("AA", 3)
    assert b.difference() == ("AA", 1)


def test_a_difference_carried_out_balances_the_tranche() -> None:
    b = balance(FormulaKind.PARITY, owed={"BB": -1})
    b.send("AA", 1)
    b.receive("AA", 1)
    assert b.difference() is None
    assert b.next_to_cross() is None


def test_another_party_is_refused_by_name() -> None:
    b = balance(FormulaKind.PARITY)
    with pytest.raises(InvalidValue, match=r"'CC' is not a party of this exchange \(AA, BB\)"):
        b.check_send("CC", 1)


# Closing


def test_a_balanced_tranche_with_everyone_received_closes() -> None:
    b = balance(FormulaKind.PARITY)
    for side in PARTIES:
        b.send(side, 1)
        b.receive(side, 1)
    check_close(1, [b], {"AA": 0, "BB": 0})


def test_an_all_for_all_track_closes_uneven() -> None:
    b = balance(FormulaKind.ALL_FOR_ALL)
    b.send("AA", 1)
    b.receive("AA", 1)
    check_close(1, [b], {})


def test_a_tranche_cannot_close_while_one_side_is_ahead() -> None:
    b = balance(FormulaKind.PARITY)
    b.send("AA", 1)
    b.receive("AA", 1)
    with pytest.raises(TransitionNotAllowed) as refused:
        check_close(5, [b], {})
    assert str(refused.value) == (
        "tranche 5 cannot close: military is unbalanced: AA is 1 ahead of BB by the people "
        "received (BB adds someone from its reserves, or the difference is carried to the "
        "next tranche)"
    )


def test_closing_lists_every_problem_in_one_message() -> None:
    military = balance(FormulaKind.PARITY, max_lead=3)
    military.send("AA", 1)
    military.send("AA", 1)
    military.receive("AA", 2)
    military.send("BB", 1)
    civilians = TrackBalance.start(
        Agreement(
            "test",
            PARTIES,
            date(2025, 5, 16),
            (Track("civilians", parse_selector("true"), Formula(FormulaKind.PARITY)),),
            TrancheRules(count=1),
        ),
        "civilians",
    )
    civilians.send("BB", 1)
    with pytest.raises(TransitionNotAllowed) as refused:
        check_close(2, [military, civilians], {"BB": 3, "AA": 2, "CC": 0})
    message = str(refused.value)
    assert message.startswith("tranche 2 cannot close: 2 of AA still to cross; 3 of BB")
    assert "CC" not in message
    assert "BB has 1 handed over in military not yet received" in message
    assert "military is unbalanced: AA is 2 ahead of BB" in message
    assert "BB has 1 handed over in civilians not yet received" in message
    assert "civilians is unbalanced" not in message
    assert len(message.split("; ")) == 5


# Invariants, under every formula


KINDS = [FormulaKind.PARITY, FormulaKind.RATIO, FormulaKind.TARIFF, FormulaKind.ALL_FOR_ALL]


@st.composite
def runs(
    draw: st.DrawFn,
) -> tuple[TrackBalance, dict[str, list[int]], list[tuple[str, int]]]:
    kind = draw(st.sampled_from(KINDS))
    ratio = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    ag = agreement(kind, max_lead=draw(st.integers(0, 3)), ratio=ratio)
    track = ag.track("military")
    points = {side: draw(st.lists(st.integers(1, 9), min_size=1, max_size=6)) for side in PARTIES}
    weights = {
        side: [person_weight(track, PARTIES, side, p) for p in points[side]] for side in PARTIES
    }
    heaviest = max(w for side in PARTIES for w in weights[side])
    owed = {side: draw(st.integers(-3, 3)) for side in PARTIES}
    b = TrackBalance.start(ag, "military", heaviest=heaviest, owed=owed)
    attempts = draw(st.lists(st.tuples(st.sampled_from(PARTIES), st.integers(0, 5)), max_size=40))
    return b, weights, attempts


@settings(max_examples=150, deadline=None)
@given(run=runs())
def test_no_accepted_send_takes_a_side_past_the_allowed_lead(
    run: tuple[TrackBalance, dict[str, list[int]], list[tuple[str, int]]],
) -> None:
    b, weights, attempts = run
    start = {side: b.lead(side) for side in PARTIES}
    for side, pick in attempts:
        weight = weights[side][pick % len(weights[side])]
        try:
            b.send(side, weight)
        except BalanceRefused as error:
            refused: str | None = str(error)
        else:
            refused = None
        if refused is not None:
            assert b.balanced_kind
            other = b.other(side)
            assert b.next_to_cross() == other
            assert refused.endswith(f"{other} must cross next")
            continue
        if b.balanced_kind:
            assert b.lead(side) <= b.allowed
            # Within the allowed lead from the start, the balance stays within it.
            if max(start.values()) <= b.allowed:
                assert abs(b.lead(side)) <= b.allowed


@settings(max_examples=60, deadline=None)
@given(run=runs())
def test_the_side_behind_or_level_is_never_refused(
    run: tuple[TrackBalance, dict[str, list[int]], list[tuple[str, int]]],
) -> None:
    b, weights, attempts = run
    for side, pick in attempts:
        weight = weights[side][pick % len(weights[side])]
        behind = b.lead(side) <= 0
        try:
            b.send(side, weight)
        except BalanceRefused:
            assert not behind
            assert b.next_to_cross() != side
