"""Rounds of talks and commitments that wait on an exchange, a stage count or a date.

The domain reads no clock: today and the exchanges' facts are passed in.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.domain.rounds import (
    COMMITMENT_TRANSITIONS,
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Precondition,
    PreconditionKind,
    Round,
    RoundStatus,
    change_commitment_status,
    precondition_met,
    precondition_progress,
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


# --- rounds: who came, what they agreed ------------------------------------------------


def test_a_round_records_its_mediator_delegations_and_agreements() -> None:
    r = Round(
        2,
        "Neutral venue",
        date(2025, 6, 2),
        RoundStatus.CONCLUDED,
        "Host state's mediation team",
        (("UA", "Delegation of UA"), ("RU", "Delegation of RU")),
        (JUNE_2,),
    )
    assert dict(r.delegations) == {"UA": "Delegation of UA", "RU": "Delegation of RU"}
    assert r.agreements == (JUNE_2,)
    assert Round(3, "Neutral venue").status is RoundStatus.PLANNED


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"venue": " "}, "venue", "must be 1 to 200 characters"),
        ({"venue": "x" * 201}, "venue", "must be 1 to 200 characters"),
        ({"mediator": ""}, "mediator", "must be 1 to 200 characters"),
        ({"delegations": (("ua", "x"),)}, "party", "'ua' is not a party code"),
        ({"delegations": (("UA", "x"), ("UA", "y"))}, "delegations", "UA has two delegations"),
        ({"delegations": (("UA", " "),)}, "delegations", "UA's delegation is not described"),
        ({"agreements": (JUNE_2, JUNE_2)}, "agreements", "is named twice"),
        ({"agreements": ("",)}, "agreements", "must be 1 to 200 characters"),
    ],
)
def test_a_round_refuses_what_a_person_could_not_read_back(
    kwargs: dict[str, object], field: str, words: str
) -> None:
    values: dict[str, object] = {"number": 1, "venue": "Neutral venue", **kwargs}
    with pytest.raises(InvalidValue) as refused:
        Round(**values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert words in refused.value.message


@pytest.mark.parametrize(
    ("ref", "text", "field"),
    [("r 1", "x", "ref"), ("", "x", "ref"), ("-r1", "x", "ref"), ("r" * 65, "x", "ref")],
)
def test_a_commitment_ref_is_a_name_a_person_can_type(ref: str, text: str, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Commitment(ref, 1, text)
    assert refused.value.field == field


def test_a_commitment_says_what_was_promised() -> None:
    with pytest.raises(InvalidValue, match="is empty"):
        Commitment("r1-1", 1, "  ")
    assert Commitment("r1.next_round-2", 1, "meet again").ref == "r1.next_round-2"


# --- an exchange is complete when every tranche closed and the totals are met ----------


def test_an_exchange_whose_every_tranche_closed_short_of_its_totals_is_not_complete() -> None:
    pre = Precondition(K.EXCHANGE_COMPLETE, agreement_ref=JUNE_2)
    short = {JUNE_2: ExchangeFacts(JUNE_2, 3, 3, totals_met=False)}
    met = {JUNE_2: ExchangeFacts(JUNE_2, 3, 3, totals_met=True)}
    assert not precondition_met(pre, today=TODAY, facts=short)
    assert precondition_met(pre, today=TODAY, facts=met)


def test_a_stage_count_does_not_wait_on_the_totals() -> None:
    pre = Precondition(K.STAGES_CLOSED, agreement_ref=JUNE_2, stages=2)
    facts = {JUNE_2: ExchangeFacts(JUNE_2, 3, 2, totals_met=False)}
    assert precondition_met(pre, today=TODAY, facts=facts)


DEMO = "1,000 for 1,000 (demo)"


@pytest.mark.parametrize(
    ("pre", "facts", "words"),
    [
        (Precondition(), {}, "no precondition"),
        (Precondition(K.DATE_REACHED, on=TODAY), {}, "date 2025-06-20 reached"),
        (
            Precondition(K.DATE_REACHED, on=date(2025, 6, 21)),
            {},
            "waits until 2025-06-21 (1 day from now)",
        ),
        (
            Precondition(K.DATE_REACHED, on=date(2025, 7, 1)),
            {},
            "waits until 2025-07-01 (11 days from now)",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {DEMO: ExchangeFacts(DEMO, 3, 1)},
            "waits on exchange '1,000 for 1,000 (demo)': 1 of 3 tranches closed",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {},
            "waits on exchange '1,000 for 1,000 (demo)': no tranche of it has closed yet",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {DEMO: ExchangeFacts(DEMO, 0, 0)},
            "waits on exchange '1,000 for 1,000 (demo)': no tranche of it is planned yet",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {DEMO: ExchangeFacts(DEMO, 3, 3, totals_met=False)},
            "waits on exchange '1,000 for 1,000 (demo)': 3 of 3 tranches closed, "
            "but the agreed totals are not met",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {DEMO: ExchangeFacts(DEMO, 3, 3)},
            "exchange '1,000 for 1,000 (demo)' complete: 3 of 3 tranches closed",
        ),
        (
            Precondition(K.EXCHANGE_COMPLETE, agreement_ref=DEMO),
            {DEMO: ExchangeFacts(DEMO, 1, 1)},
            "exchange '1,000 for 1,000 (demo)' complete: 1 of 1 tranche closed",
        ),
        (
            Precondition(K.STAGES_CLOSED, agreement_ref=DEMO, stages=2),
            {DEMO: ExchangeFacts(DEMO, 3, 1)},
            "waits on exchange '1,000 for 1,000 (demo)': 1 tranche closed, 2 needed",
        ),
        (
            Precondition(K.STAGES_CLOSED, agreement_ref=DEMO, stages=2),
            {},
            "waits on exchange '1,000 for 1,000 (demo)': 0 tranches closed, 2 needed",
        ),
        (
            Precondition(K.STAGES_CLOSED, agreement_ref=DEMO, stages=2),
            {DEMO: ExchangeFacts(DEMO, 3, 3)},
            "exchange '1,000 for 1,000 (demo)': 3 tranches closed (2 needed)",
        ),
    ],
)
def test_a_precondition_says_in_plain_words_how_far_it_is_from_holding(
    pre: Precondition, facts: dict[str, ExchangeFacts], words: str
) -> None:
    assert precondition_progress(pre, today=TODAY, facts=facts) == words


@given(
    planned=st.integers(0, 12),
    closed=st.integers(0, 12),
    totals=st.booleans(),
    kind=st.sampled_from([K.EXCHANGE_COMPLETE, K.STAGES_CLOSED]),
)
def test_the_words_say_waits_exactly_when_the_precondition_does_not_hold(
    planned: int, closed: int, totals: bool, kind: PreconditionKind
) -> None:
    pre = Precondition(kind, agreement_ref=DEMO, stages=3 if kind is K.STAGES_CLOSED else None)
    facts = {DEMO: ExchangeFacts(DEMO, planned, closed, totals)}
    words = precondition_progress(pre, today=TODAY, facts=facts)
    assert words.startswith("waits") is not precondition_met(pre, today=TODAY, facts=facts)
