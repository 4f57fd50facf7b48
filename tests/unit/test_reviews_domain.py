"""Review rules: who may decide a proposed pair, which moves the states allow, what is logged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from parley.domain.events import ProposalReviewed
from parley.domain.reviews import (
    MEDIATOR,
    REVIEW_TRANSITIONS,
    Proposal,
    ProposalOutcome,
    RejectionReason,
    Reviewer,
    ReviewState,
    Verdict,
    check_one_to_one,
    review,
    supersede,
)
from parley.errors import InvalidValue, NotPermitted, TransitionNotAllowed

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)
HOLDER = Reviewer("ru-office", "RU")
REQUESTER = Reviewer("ua-office", "UA")
MEDIATION = Reviewer("mediator-desk")


def a_proposal(state: ReviewState = ReviewState.PROPOSED, **changes: object) -> Proposal:
    proposal = Proposal(
        run_id=1,
        requester="UA",
        request_id="UA-R-1",
        holder="RU",
        holding_id="RU-H-7",
        probability=0.97,
        outcome=ProposalOutcome.MATCH,
        explanation="given name equivalent Олександр≈Александр",
        state=state,
        id=12,
    )
    return dataclasses.replace(proposal, **changes)  # type: ignore[arg-type]


def test_every_state_has_a_row_in_the_transition_table() -> None:
    assert set(REVIEW_TRANSITIONS) == set(ReviewState)


@pytest.mark.parametrize(
    ("verdict", "state"),
    [
        (Verdict.CONFIRM, ReviewState.CONFIRMED),
        (Verdict.ESCALATE, ReviewState.ESCALATED),
    ],
)
def test_the_holding_party_confirms_or_escalates_a_proposal_on_its_holdings(
    verdict: Verdict, state: ReviewState
) -> None:
    moved, decision, _ = review(a_proposal(), verdict, reviewer=HOLDER, at=NOW, note="checked")

    assert moved.state is state
    assert (decision.from_state, decision.to_state) == (ReviewState.PROPOSED, state)
    assert (decision.actor, decision.acting_as, decision.at, decision.note) == (
        "ru-office",
        "RU",
        NOW,
        "checked",
    )


@pytest.mark.parametrize("reason", list(RejectionReason))
def test_a_rejection_records_its_reason(reason: RejectionReason) -> None:
    moved, decision, event = review(
        a_proposal(), Verdict.REJECT, reviewer=HOLDER, at=NOW, reason=reason
    )

    assert moved.state is ReviewState.REJECTED
    assert decision.reason is reason
    assert event.reason == reason.value


def test_a_rejection_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidValue, match="needs a reason"):
        review(a_proposal(), Verdict.REJECT, reviewer=HOLDER, at=NOW)


def test_a_reason_on_a_confirmation_is_refused() -> None:
    with pytest.raises(InvalidValue, match="for rejections only"):
        review(
            a_proposal(), Verdict.CONFIRM, reviewer=HOLDER, at=NOW, reason=RejectionReason.DECEASED
        )


@pytest.mark.parametrize("verdict", [Verdict.CONFIRM, Verdict.REJECT, Verdict.ESCALATE])
def test_the_requesting_party_may_not_decide_on_the_other_partys_holdings(
    verdict: Verdict,
) -> None:
    reason = RejectionReason.NOT_HELD if verdict is Verdict.REJECT else None

    with pytest.raises(NotPermitted) as refused:
        review(a_proposal(), verdict, reviewer=REQUESTER, at=NOW, reason=reason)

    assert "party UA may not" in str(refused.value)
    assert "RU" in str(refused.value)


def test_the_mediator_escalates_and_then_decides_the_escalated_proposal() -> None:
    escalated, first, _ = review(a_proposal(), Verdict.ESCALATE, reviewer=MEDIATION, at=NOW)
    confirmed, second, _ = review(escalated, Verdict.CONFIRM, reviewer=MEDIATION, at=NOW)

    assert confirmed.state is ReviewState.CONFIRMED
    assert [d.acting_as for d in (first, second)] == [MEDIATOR, MEDIATOR]


def test_the_mediator_may_not_confirm_a_proposal_it_has_not_escalated() -> None:
    with pytest.raises(NotPermitted, match="escalate it first"):
        review(a_proposal(), Verdict.CONFIRM, reviewer=MEDIATION, at=NOW)


def test_the_holding_party_may_still_decide_an_escalated_proposal() -> None:
    moved, _, _ = review(
        a_proposal(ReviewState.ESCALATED),
        Verdict.REJECT,
        reviewer=HOLDER,
        at=NOW,
        reason=RejectionReason.HELD_DIFFERENT_PERSON,
    )

    assert moved.state is ReviewState.REJECTED


@pytest.mark.parametrize("state", [ReviewState.CONFIRMED, ReviewState.REJECTED])
@pytest.mark.parametrize("reviewer", [HOLDER, MEDIATION])
def test_a_decided_pair_cannot_be_decided_again(state: ReviewState, reviewer: Reviewer) -> None:
    decided = a_proposal(state)

    with pytest.raises((TransitionNotAllowed, NotPermitted)):
        review(decided, Verdict.CONFIRM, reviewer=reviewer, at=NOW)


def test_a_decided_pair_cannot_be_decided_again_even_by_its_holder() -> None:
    with pytest.raises(TransitionNotAllowed, match="cannot move from rejected to confirmed"):
        review(a_proposal(ReviewState.REJECTED), Verdict.CONFIRM, reviewer=HOLDER, at=NOW)


def test_only_the_mediator_reopens_a_decision() -> None:
    with pytest.raises(NotPermitted, match="only the mediator reopens"):
        review(a_proposal(ReviewState.REJECTED), Verdict.REOPEN, reviewer=HOLDER, at=NOW)

    reopened, decision, _ = review(
        a_proposal(ReviewState.REJECTED), Verdict.REOPEN, reviewer=MEDIATION, at=NOW
    )

    assert reopened.state is ReviewState.PROPOSED
    assert decision.from_state is ReviewState.REJECTED


def test_a_proposal_without_a_holding_has_nothing_to_decide() -> None:
    unmatched = a_proposal(ReviewState.UNMATCHED, holding_id=None)

    with pytest.raises(InvalidValue, match="proposes no holding"):
        review(unmatched, Verdict.CONFIRM, reviewer=HOLDER, at=NOW)


def test_the_event_names_ids_only() -> None:
    _, _, event = review(
        a_proposal(),
        Verdict.REJECT,
        reviewer=HOLDER,
        at=NOW,
        reason=RejectionReason.NOT_HELD,
        note="Олександр is not here",
    )

    assert isinstance(event, ProposalReviewed)
    assert event.payload() == {
        "proposal_id": 12,
        "run_id": 1,
        "requester": "UA",
        "request_id": "UA-R-1",
        "holder": "RU",
        "holding_id": "RU-H-7",
        "from_state": "proposed",
        "to_state": "rejected",
        "reason": "not_held",
        "acting_as": "RU",
    }
    assert (event.actor, event.occurred_at) == ("ru-office", NOW)


def test_only_an_undecided_proposal_is_superseded() -> None:
    assert supersede(a_proposal()).state is ReviewState.SUPERSEDED
    for state in (ReviewState.ESCALATED, ReviewState.CONFIRMED, ReviewState.REJECTED):
        with pytest.raises(TransitionNotAllowed):
            supersede(a_proposal(state))


def test_a_holding_confirmed_for_one_request_cannot_be_confirmed_for_another() -> None:
    taken = a_proposal(ReviewState.CONFIRMED, request_id="UA-R-2", id=3)

    with pytest.raises(InvalidValue, match=r"proposal 3 .* is confirmed already"):
        check_one_to_one(a_proposal(), [taken])

    check_one_to_one(a_proposal(), [a_proposal(ReviewState.CONFIRMED)])  # itself: fine
    check_one_to_one(a_proposal(), [dataclasses.replace(taken, holding_id="RU-H-8")])
