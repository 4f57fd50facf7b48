"""Rounds of talks and commitments that wait on an exchange, a stage count or a date."""

from __future__ import annotations

from datetime import date

import pytest

from parley.domain.rounds import (
    COMMITMENT_TRANSITIONS,
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Precondition,
    PreconditionKind,
    Round,
    change_commitment_status,
    precondition_met,
)
from parley.errors import InvalidValue, TransitionNotAllowed

K = PreconditionKind
C = CommitmentStatus
TODAY = date(2025, 6, 20)
JUNE_2 = "istanbul-2025-06-02"


def facts(planned: int, closed: int, ref: str = JUNE_2) -> dict[str, ExchangeFacts]:
    return {ref: ExchangeFacts(ref, planned, closed)}


def test_a_commitment_with_no_precondition_always_holds() -> None:
    assert precondition_met(Precondition(), today=TODAY, facts={})


@pytest.mark.parametrize(
    ("on", "met"),
    [(date(2025, 6, 19), True), (TODAY, True), (date(2025, 6, 21), False)],
)
def test_a_date_precondition_holds_from_its_day_on(on: date, met: bool) -> None:
    pre = Precondition(K.DATE_REACHED, on=on)
    assert precondition_met(pre, today=TODAY, facts={}) is met


@pytest.mark.parametrize(
    ("planned", "closed", "met"),
    [(9, 9, True), (9, 10, True), (9, 8, False), (0, 0, False)],
)
def test_an_exchange_is_complete_only_when_every_planned_stage_closed(
    planned: int, closed: int, met: bool
) -> None:
    pre = Precondition(K.EXCHANGE_COMPLETE, agreement_ref=JUNE_2)
    assert precondition_met(pre, today=TODAY, facts=facts(planned, closed)) is met


def test_an_exchange_nobody_reported_on_is_not_complete() -> None:
    pre = Precondition(K.EXCHANGE_COMPLETE, agreement_ref=JUNE_2)
    assert not precondition_met(pre, today=TODAY, facts=facts(9, 9, ref="another"))


@pytest.mark.parametrize(("closed", "met"), [(8, False), (9, True), (10, True)])
def test_a_stage_count_precondition_holds_once_enough_stages_closed(closed: int, met: bool) -> None:
    pre = Precondition(K.STAGES_CLOSED, agreement_ref=JUNE_2, stages=9)
    assert precondition_met(pre, today=TODAY, facts=facts(12, closed)) is met


def test_a_stage_count_for_an_unknown_agreement_does_not_hold() -> None:
    pre = Precondition(K.STAGES_CLOSED, agreement_ref=JUNE_2, stages=1)
    assert not precondition_met(pre, today=TODAY, facts={})


def round_3_follows_the_exchange() -> Commitment:
    pre = Precondition(K.STAGES_CLOSED, agreement_ref=JUNE_2, stages=9)
    return Commitment("r2-next-round", 2, "Round 3 meets once the ninth stage closes", pre)


def test_a_commitment_cannot_fall_due_while_its_precondition_does_not_hold() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        change_commitment_status(
            round_3_follows_the_exchange(), C.DUE, today=TODAY, facts=facts(9, 8)
        )
    message = str(refused.value)
    assert message.startswith("commitment r2-next-round cannot move from pending to due")
    assert "its precondition stages_closed does not hold yet" in message
    assert message.endswith("it may move to: withdrawn")


def test_a_commitment_falls_due_once_its_precondition_holds() -> None:
    due = change_commitment_status(
        round_3_follows_the_exchange(), C.DUE, today=TODAY, facts=facts(9, 9)
    )
    assert due.status is C.DUE


def test_a_commitment_may_be_withdrawn_while_still_waiting() -> None:
    withdrawn = change_commitment_status(
        round_3_follows_the_exchange(), C.WITHDRAWN, today=TODAY, facts={}
    )
    assert withdrawn.status is C.WITHDRAWN


def test_a_commitment_must_fall_due_before_it_is_fulfilled() -> None:
    with pytest.raises(TransitionNotAllowed, match="from pending to fulfilled"):
        change_commitment_status(
            round_3_follows_the_exchange(), C.FULFILLED, today=TODAY, facts=facts(9, 9)
        )


@pytest.mark.parametrize("final", [C.FULFILLED, C.BROKEN, C.WITHDRAWN])
def test_fulfilled_broken_and_withdrawn_commitments_are_final(final: CommitmentStatus) -> None:
    assert COMMITMENT_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": K.EXCHANGE_COMPLETE}, "exchange_complete needs the agreement"),
        ({"kind": K.STAGES_CLOSED, "stages": 3}, "stages_closed needs the agreement"),
        ({"kind": K.STAGES_CLOSED, "agreement_ref": JUNE_2}, "number of stages above 0"),
        ({"kind": K.STAGES_CLOSED, "agreement_ref": JUNE_2, "stages": 0}, "above 0"),
        ({"kind": K.STAGES_CLOSED, "agreement_ref": JUNE_2, "stages": -2}, "above 0"),
        ({"kind": K.DATE_REACHED}, "date_reached needs a date"),
    ],
)
def test_an_incomplete_precondition_is_refused_saying_what_it_lacks(
    kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        Precondition(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == "precondition"
    assert words in refused.value.message


def test_rounds_are_numbered_from_one() -> None:
    assert Round(1, "Istanbul").number == 1
    with pytest.raises(InvalidValue, match="number 0 must be 1 or more"):
        Round(0, "Istanbul")
