"""The handover of one person at the crossing: who may record what, when, and the fixes."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.domain.handover import (
    ACTION_ROLES,
    NEUTRAL_WITHDRAWAL,
    Action,
    Crossing,
    CrossingState,
    Fix,
    FixKind,
    Role,
    apply_action,
    fixes,
    public_reason,
)
from parley.domain.holdings import HoldingStatus
from parley.errors import NotPermitted, TransitionNotAllowed

NOW = datetime(2025, 5, 23, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)

LISTED = Crossing(record_id="UA-H-000017", side="UA", track="military", weight=1)
READY = dataclasses.replace(LISTED, identity_confirmed=True, will_confirmed_at=NOW)
HANDED_OVER = dataclasses.replace(READY, state=CrossingState.HANDED_OVER)


def act(
    crossing: Crossing, action: Action, role: Role | None = None, *, at: datetime = NOW
) -> tuple[Crossing, HoldingStatus | None]:
    """Record ``action`` by the first role allowed to, unless ``role`` is given."""
    chosen = role or sorted(ACTION_ROLES[action])[0]
    return apply_action(crossing, action, chosen, at=at, will_valid_for=WEEK)


def at_step(action: Action) -> Crossing:
    """A crossing at the step where ``action`` applies."""
    if action is Action.RECEIVE:
        return HANDED_OVER
    return READY if action is Action.HAND_OVER else LISTED


# Who may record what


def test_every_action_names_at_least_one_role_and_parties_never_decide_on_the_will() -> None:
    assert set(ACTION_ROLES) == set(Action)
    assert all(ACTION_ROLES.values())
    parties = {Role.RELEASING, Role.RECEIVING}
    for action in (Action.CONFIRM_WILL, Action.DECLINE, Action.WITHDRAW_NEUTRAL):
        assert not ACTION_ROLES[action] & parties
    assert ACTION_ROLES[Action.HAND_OVER] == {Role.RELEASING}
    assert ACTION_ROLES[Action.RECEIVE] == {Role.RECEIVING}
    assert ACTION_ROLES[Action.CONFIRM_IDENTITY] == {Role.NEUTRAL_VERIFIER}


PERMITTED = [(a, r) for a, r in itertools.product(Action, Role) if r in ACTION_ROLES[a]]
FORBIDDEN = [(a, r) for a, r in itertools.product(Action, Role) if r not in ACTION_ROLES[a]]


@pytest.mark.parametrize(("action", "role"), PERMITTED)
def test_a_permitted_role_records_the_action(action: Action, role: Role) -> None:
    after, _ = act(at_step(action), action, role)
    assert after != at_step(action)


@pytest.mark.parametrize(("action", "role"), FORBIDDEN)
def test_any_other_role_is_refused_naming_who_may(action: Action, role: Role) -> None:
    with pytest.raises(NotPermitted) as refused:
        act(at_step(action), action, role)
    allowed = ", ".join(sorted(r.value for r in ACTION_ROLES[action]))
    assert str(refused.value) == (
        f"only the {allowed} may record {action.value} for record UA-H-000017"
    )


def test_a_party_is_refused_before_learning_where_the_person_stands() -> None:
    gone = dataclasses.replace(LISTED, state=CrossingState.WITHDRAWN)
    with pytest.raises(NotPermitted):
        act(gone, Action.DECLINE, Role.RELEASING)


# Every step from every state

OUTCOMES = {
    Action.DECLINE: (CrossingState.WITHDRAWN, HoldingStatus.WITHDRAWN),
    Action.WITHDRAW_NEUTRAL: (CrossingState.WITHDRAWN, HoldingStatus.WITHDRAWN),
    Action.NO_SHOW: (CrossingState.NO_SHOW, HoldingStatus.WITHDRAWN),
    Action.DIED: (CrossingState.DECEASED, HoldingStatus.DECEASED),
    Action.HAND_OVER: (CrossingState.HANDED_OVER, HoldingStatus.HANDED_OVER),
}


@pytest.mark.parametrize("action", list(OUTCOMES))
def test_a_listed_person_leaves_the_list_as_the_action_says(action: Action) -> None:
    after, status = act(READY, action)
    assert (after.state, status) == OUTCOMES[action]
    assert after.record_id == READY.record_id


@pytest.mark.parametrize(
    "action", [Action.CONFIRM_IDENTITY, Action.DISPUTE_IDENTITY, Action.CONFIRM_WILL]
)
def test_verification_steps_keep_the_person_listed_and_move_no_holding(action: Action) -> None:
    after, status = act(LISTED, action)
    assert after.state is CrossingState.LISTED
    assert status is None


def test_a_handed_over_person_counts_as_exchanged_only_when_received() -> None:
    after, status = act(HANDED_OVER, Action.RECEIVE)
    assert (after.state, status) == (CrossingState.RECEIVED, HoldingStatus.RECEIVED)


def test_a_listed_person_cannot_be_received_before_hand_over() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(READY, Action.RECEIVE)
    assert str(refused.value) == (
        "record UA-H-000017 cannot be received: it is listed, not handed over"
    )


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.RECEIVE])
def test_once_handed_over_only_receipt_applies(action: Action) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(HANDED_OVER, action)
    assert str(refused.value) == (
        f"record UA-H-000017 is already handed_over; {action.value} no longer applies"
    )


FINAL = [s for s in CrossingState if s.final]


def test_only_listed_and_handed_over_are_not_final() -> None:
    assert set(CrossingState) - set(FINAL) == {CrossingState.LISTED, CrossingState.HANDED_OVER}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(FINAL, Action)))
def test_nothing_more_happens_to_a_person_in_a_final_state(
    state: CrossingState, action: Action
) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(dataclasses.replace(READY, state=state), action)
    assert "record UA-H-000017" in str(refused.value)
    assert state.value in str(refused.value)


# Ready to hand over


def test_hand_over_needs_the_identity_confirmed() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(dataclasses.replace(READY, identity_confirmed=False), Action.HAND_OVER)
    assert str(refused.value) == (
        "record UA-H-000017 cannot be handed over: its identity is not confirmed at the crossing"
    )


def test_a_disputed_identity_stops_the_hand_over() -> None:
    disputed, _ = act(READY, Action.DISPUTE_IDENTITY, Role.RECEIVING)
    assert (disputed.identity_disputed, disputed.identity_confirmed) == (True, False)
    with pytest.raises(TransitionNotAllowed, match="its identity is disputed"):
        act(disputed, Action.HAND_OVER)


def test_confirming_a_disputed_identity_resolves_it() -> None:
    disputed, _ = act(READY, Action.DISPUTE_IDENTITY, Role.RECEIVING)
    confirmed, _ = act(disputed, Action.CONFIRM_IDENTITY, Role.NEUTRAL_VERIFIER)
    assert (confirmed.identity_disputed, confirmed.identity_confirmed) == (False, True)
    after, _ = act(confirmed, Action.HAND_OVER)
    assert after.state is CrossingState.HANDED_OVER


def test_hand_over_needs_the_will_to_go_confirmed() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(dataclasses.replace(READY, will_confirmed_at=None), Action.HAND_OVER)
    assert "will to go is not confirmed (GC III Art. 109(3))" in str(refused.value)


def test_confirming_the_will_records_when() -> None:
    earlier = NOW - timedelta(days=2)
    after, _ = act(LISTED, Action.CONFIRM_WILL, Role.MEDIATOR, at=earlier)
    assert after.will_confirmed_at == earlier


def test_a_will_confirmed_within_the_agreed_days_is_fresh() -> None:
    for age in (timedelta(0), timedelta(days=3), WEEK):
        fresh = dataclasses.replace(READY, will_confirmed_at=NOW - age)
        after, _ = act(fresh, Action.HAND_OVER)
        assert after.state is CrossingState.HANDED_OVER


def test_a_stale_will_is_refused_citing_art_109_3() -> None:
    stale = dataclasses.replace(READY, will_confirmed_at=NOW - WEEK - timedelta(minutes=1))
    with pytest.raises(TransitionNotAllowed) as refused:
        act(stale, Action.HAND_OVER)
    assert str(refused.value) == (
        "record UA-H-000017 cannot be handed over: the person's will was confirmed more "
        "than 7 days ago; ask again (GC III Art. 109(3))"
    )


def test_asking_again_makes_a_stale_will_fresh() -> None:
    stale = dataclasses.replace(READY, will_confirmed_at=NOW - timedelta(days=30))
    asked, _ = act(stale, Action.CONFIRM_WILL, Role.NEUTRAL_VERIFIER)
    after, _ = act(asked, Action.HAND_OVER)
    assert after.state is CrossingState.HANDED_OVER


def test_everything_missing_for_hand_over_is_said_at_once() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        act(LISTED, Action.HAND_OVER)
    message = str(refused.value)
    assert "identity is not confirmed" in message
    assert "will to go is not confirmed" in message


# What a party is told


@pytest.mark.parametrize("action", [Action.DECLINE, Action.WITHDRAW_NEUTRAL])
def test_a_refusal_and_a_neutral_withdrawal_read_the_same_to_a_party(action: Action) -> None:
    after, status = act(READY, action, Role.NEUTRAL_VERIFIER)
    assert (after.state, status) == (CrossingState.WITHDRAWN, HoldingStatus.WITHDRAWN)
    assert public_reason(after.state, declined=True) == NEUTRAL_WITHDRAWAL
    assert NEUTRAL_WITHDRAWAL == "withdrawn_by_neutral_verification"


def test_other_ways_of_leaving_are_told_as_they_are() -> None:
    assert public_reason(CrossingState.WITHDRAWN, declined=False) == "withdrawn"
    assert public_reason(CrossingState.NO_SHOW, declined=False) == "no_show"
    assert public_reason(CrossingState.DECEASED, declined=True) == "deceased"


# Fixes

GONE = Crossing(record_id="UA-1", side="UA", track="military", weight=2)


def kinds(found: list[Fix]) -> list[FixKind]:
    return [f.kind for f in found]


def test_a_same_weight_reserve_is_offered_first() -> None:
    found = fixes(
        GONE,
        reserves=[("UA-R1", 1), ("UA-R2", 2), ("UA-R3", 2)],
        other_pending=[("RU-1", 2)],
        next_tranche=2,
    )
    assert kinds(found) == [FixKind.SUBSTITUTE, FixKind.MATCHING_WITHDRAWAL, FixKind.CARRY]
    assert found[0].records == ("UA-R2",)
    assert found[0].text == ("substitute reserve UA-R2 of UA (military, same weight 2) for UA-1")


def test_no_reserve_of_another_weight_is_offered() -> None:
    found = fixes(GONE, reserves=[("UA-R1", 1), ("UA-R2", 3)], other_pending=[], next_tranche=2)
    assert kinds(found) == [FixKind.CARRY]


def test_a_matching_withdrawal_takes_the_other_sides_last_listed_people() -> None:
    found = fixes(
        GONE,
        reserves=[],
        other_pending=[("RU-1", 1), ("RU-2", 1), ("RU-3", 1)],
        next_tranche=None,
    )
    assert kinds(found) == [FixKind.MATCHING_WITHDRAWAL]
    assert found[0].records == ("RU-3", "RU-2")
    assert found[0].text == (
        "withdraw RU-3, RU-2 from the other side's manifest in military (weight 2)"
    )


def test_a_ratio_withdrawal_takes_as_many_as_one_person_is_worth() -> None:
    heavy = dataclasses.replace(GONE, weight=5)
    found = fixes(
        heavy,
        reserves=[],
        other_pending=[(f"RU-{i}", 1) for i in range(1, 8)],
        next_tranche=None,
    )
    assert found[0].records == ("RU-7", "RU-6", "RU-5", "RU-4", "RU-3")


def test_a_tariff_withdrawal_finds_a_sum_that_taking_from_the_end_would_miss() -> None:
    general = dataclasses.replace(GONE, weight=6)
    found = fixes(
        general,
        reserves=[],
        other_pending=[("RU-1", 3), ("RU-2", 3), ("RU-3", 4)],
        next_tranche=None,
    )
    assert kinds(found) == [FixKind.MATCHING_WITHDRAWAL]
    assert sorted(found[0].records) == ["RU-1", "RU-2"]


def test_no_withdrawal_is_offered_when_no_people_sum_to_the_weight() -> None:
    found = fixes(
        dataclasses.replace(GONE, weight=5),
        reserves=[],
        other_pending=[("RU-1", 2), ("RU-2", 2), ("RU-3", 4)],
        next_tranche=None,
    )
    assert found == []


def test_carrying_is_offered_only_when_a_next_tranche_exists() -> None:
    found = fixes(GONE, reserves=[], other_pending=[], next_tranche=3)
    assert kinds(found) == [FixKind.CARRY]
    assert found[0].text == (
        "carry the difference of 2 in military to tranche 3, where UA makes it up from its reserves"
    )
    assert fixes(GONE, reserves=[], other_pending=[], next_tranche=None) == []


def test_an_all_for_all_track_needs_no_fix() -> None:
    found = fixes(
        GONE,
        reserves=[("UA-R1", 2)],
        other_pending=[("RU-1", 2)],
        next_tranche=2,
        balanced=False,
    )
    assert found == []


@settings(max_examples=100, deadline=None)
@given(
    weight=st.integers(1, 12),
    pending=st.lists(st.integers(1, 8), max_size=8),
)
def test_a_matching_withdrawal_always_sums_to_the_weight_and_is_found_when_possible(
    weight: int, pending: list[int]
) -> None:
    other = [(f"RU-{i}", w) for i, w in enumerate(pending)]
    found = fixes(
        dataclasses.replace(GONE, weight=weight),
        reserves=[],
        other_pending=other,
        next_tranche=None,
    )
    possible = any(
        sum(c) == weight
        for n in range(1, len(pending) + 1)
        for c in itertools.combinations(pending, n)
    )
    assert bool(found) == possible
    if found:
        by_id = dict(other)
        assert len(set(found[0].records)) == len(found[0].records)
        assert sum(by_id[r] for r in found[0].records) == weight
