"""Holdings: who a party holds, the seriously-ill rules, and the person states."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from parley.domain.dates import PartialDate
from parley.domain.events import HoldingStatusChanged
from parley.domain.holdings import (
    HOLDING_TRANSITIONS,
    Holding,
    HoldingCategory,
    HoldingStatus,
    SeriousIllnessBasis,
    change_holding_status,
)
from parley.domain.people import Identity
from parley.errors import InvalidValue, TransitionNotAllowed

S = HoldingStatus
AT = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)
MAIN_PATH = [
    S.DETAINED,
    S.ELIGIBLE,
    S.LISTED,
    S.ACCEPTED,
    S.IN_TRANCHE,
    S.WILL_CONFIRMED,
    S.IDENTITY_CONFIRMED,
    S.HANDED_OVER,
    S.RECEIVED,
    S.FAMILY_NOTIFIED,
]
PERSON = Identity("Шевчук", "Іван", "Петрович", birth_date=PartialDate(1999, 3, 14))


def a_holding(status: HoldingStatus = S.DETAINED, **changes: object) -> Holding:
    holding = Holding("RU", "RU-H-1", PERSON, HoldingCategory.POW, status=status)
    return dataclasses.replace(holding, **changes) if changes else holding


def move(holding: Holding, to: HoldingStatus) -> tuple[Holding, HoldingStatusChanged]:
    return change_holding_status(holding, to, at=AT, actor="registrar")


def test_a_new_holding_starts_detained_and_is_named_by_party_and_record_id_only() -> None:
    holding = a_holding()
    assert holding.status is S.DETAINED
    assert holding.subject == "holding RU/RU-H-1"
    assert "Шевчук" not in holding.subject


def test_a_holding_needs_a_valid_record_id() -> None:
    with pytest.raises(InvalidValue) as refused:
        Holding("RU", "RU H 1", PERSON, HoldingCategory.POW)
    assert refused.value.field == "record_id"


def test_a_seriously_ill_flag_without_its_basis_is_refused_listing_the_bases() -> None:
    with pytest.raises(InvalidValue) as refused:
        Holding("RU", "RU-H-1", PERSON, HoldingCategory.POW, seriously_ill=True)
    assert refused.value.field == "seriously_ill_basis"
    for basis in SeriousIllnessBasis:
        assert basis.value in refused.value.message


def test_a_seriously_ill_basis_without_the_flag_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        Holding(
            "RU",
            "RU-H-1",
            PERSON,
            HoldingCategory.POW,
            seriously_ill_basis=SeriousIllnessBasis.MANIFEST,
        )
    assert refused.value.field == "seriously_ill_basis"
    assert "seriously_ill is no" in refused.value.message


@pytest.mark.parametrize("basis", list(SeriousIllnessBasis))
def test_a_seriously_ill_person_with_a_basis_is_accepted(basis: SeriousIllnessBasis) -> None:
    holding = Holding(
        "RU", "RU-H-1", PERSON, HoldingCategory.POW, seriously_ill=True, seriously_ill_basis=basis
    )
    assert holding.seriously_ill_basis is basis


def test_a_capture_before_the_date_of_birth_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        Holding("RU", "RU-H-1", PERSON, HoldingCategory.POW, captured_on=date(1999, 3, 13))
    assert refused.value.field == "captured_on"
    assert "before the date of birth" in refused.value.message


def test_a_capture_in_the_year_of_a_year_only_birth_date_is_accepted() -> None:
    born_1999 = Identity("Petrov", "Ivan", birth_date=PartialDate(1999))
    holding = Holding("RU", "RU-H-1", born_1999, HoldingCategory.POW, captured_on=date(1999, 1, 1))
    assert holding.captured_on == date(1999, 1, 1)


def test_only_internees_and_detainees_count_as_civilians() -> None:
    civilians = {c for c in HoldingCategory if c.is_civilian}
    assert civilians == {HoldingCategory.CIVILIAN_INTERNEE, HoldingCategory.CIVILIAN_DETAINEE}


def test_every_person_state_has_a_row_in_the_state_table() -> None:
    assert set(HOLDING_TRANSITIONS) == set(HoldingStatus)
    for targets in HOLDING_TRANSITIONS.values():
        assert targets <= set(HoldingStatus)


def test_a_person_handed_over_cannot_be_put_back_in_custody() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        move(a_holding(S.HANDED_OVER), S.DETAINED)
    message = str(refused.value)
    assert message.startswith("holding RU/RU-H-1 cannot move from handed_over to detained")
    assert message.endswith("from handed_over it may move to: received")
    assert "Шевчук" not in message


def test_the_whole_main_path_is_allowed_and_each_step_is_recorded_without_personal_data() -> None:
    holding = a_holding()
    events = []
    for to in MAIN_PATH[1:]:
        holding, event = move(holding, to)
        events.append(event)
        assert holding.status is to
    assert [(e.from_status, e.to_status) for e in events] == [
        (a.value, b.value) for a, b in itertools.pairwise(MAIN_PATH)
    ]
    for event in events:
        assert isinstance(event, HoldingStatusChanged)
        assert event.occurred_at == AT
        assert event.actor == "registrar"
        payload = event.payload()
        assert set(payload) == {"party", "record_id", "from_status", "to_status"}
        assert payload["party"] == "RU"
        assert payload["record_id"] == "RU-H-1"


def test_a_status_change_leaves_the_original_holding_untouched() -> None:
    before = a_holding()
    after, _ = move(before, S.ELIGIBLE)
    assert before.status is S.DETAINED
    assert after == dataclasses.replace(before, status=S.ELIGIBLE)


@pytest.mark.parametrize("final", [S.DECEASED, S.FAMILY_NOTIFIED])
@pytest.mark.parametrize("to", list(HoldingStatus))
def test_deceased_and_family_notified_are_final(final: HoldingStatus, to: HoldingStatus) -> None:
    with pytest.raises(TransitionNotAllowed, match="none: it is final"):
        move(a_holding(final), to)


@pytest.mark.parametrize("stage", [S.IN_TRANCHE, S.WILL_CONFIRMED, S.IDENTITY_CONFIRMED])
def test_a_person_may_decline_repatriation_up_to_the_handover(stage: HoldingStatus) -> None:
    holding, event = move(a_holding(stage), S.DECLINED_REPATRIATION)
    assert holding.status is S.DECLINED_REPATRIATION
    assert event.from_status == stage.value


def test_a_refusal_cannot_be_recorded_once_the_person_is_handed_over() -> None:
    with pytest.raises(TransitionNotAllowed, match="from handed_over to declined_repatriation"):
        move(a_holding(S.HANDED_OVER), S.DECLINED_REPATRIATION)


def test_a_person_who_declined_may_later_ask_to_go_home() -> None:
    holding, _ = move(a_holding(S.DECLINED_REPATRIATION), S.DETAINED)
    assert holding.status is S.DETAINED


def test_a_person_cannot_skip_the_will_and_identity_checks_before_the_handover() -> None:
    for stage in (S.LISTED, S.ACCEPTED, S.IN_TRANCHE, S.WILL_CONFIRMED):
        with pytest.raises(TransitionNotAllowed):
            move(a_holding(stage), S.HANDED_OVER)


FORWARD = dict(itertools.pairwise(MAIN_PATH))


def walk(steps: list[int]) -> list[HoldingStatus]:
    """Follow ``steps`` from detained: most steps go forward on the main path, every
    sixth takes any allowed move (so walks reach the handover, refusals and deaths)."""
    holding = a_holding()
    path = [holding.status]
    for step in steps:
        options = sorted(HOLDING_TRANSITIONS[holding.status])
        if not options:
            break
        forward = FORWARD.get(holding.status)
        to = forward if step % 6 and forward else options[(step // 6) % len(options)]
        before = holding.status
        holding, event = move(holding, to)
        assert to in HOLDING_TRANSITIONS[before]
        assert (event.from_status, event.to_status) == (before.value, to.value)
        path.append(holding.status)
    return path


def test_a_forward_walk_reaches_the_family_notification() -> None:
    assert walk([1] * 20) == MAIN_PATH


DECLINE_THEN_GO_HOME = [1] * 6 + [6, 6] + [1] * 9


def test_a_walk_may_decline_at_the_last_check_and_later_go_home_after_fresh_checks() -> None:
    assert walk(DECLINE_THEN_GO_HOME) == [
        *MAIN_PATH[:7],
        S.DECLINED_REPATRIATION,
        *MAIN_PATH,
    ]


@example(steps=DECLINE_THEN_GO_HOME)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=80))
def test_any_walk_through_the_table_takes_only_allowed_moves(steps: list[int]) -> None:
    path = walk(steps)
    for here, after in itertools.pairwise(path):
        if here is S.HANDED_OVER:
            assert after is S.RECEIVED
    for i, status in enumerate(path):
        if status is S.HANDED_OVER:
            # No handover without a freshly confirmed will and identity just before it.
            assert path[i - 2 : i] == [S.WILL_CONFIRMED, S.IDENTITY_CONFIRMED]
    assert path.count(S.HANDED_OVER) <= 1  # no one is exchanged twice


@given(
    st.sampled_from(list(HoldingStatus)),
    st.sampled_from(list(HoldingStatus)),
)
def test_any_move_outside_the_table_is_refused_and_lists_the_allowed_ones(
    here: HoldingStatus, to: HoldingStatus
) -> None:
    allowed = HOLDING_TRANSITIONS[here]
    if to in allowed:
        assert move(a_holding(here), to)[0].status is to
        return
    with pytest.raises(TransitionNotAllowed) as refused:
        move(a_holding(here), to)
    for option in allowed:
        assert option.value in str(refused.value).rsplit(":", 1)[1]
