"""Routes of the API: reconciliation, the review queue, decisions and match outcomes.

The mediator runs reconciliation; each party reviews the proposals on its own holdings
(it compares the request the other party sent with the person it holds) and learns the
outcome of matching for its own requests, never which of the other party's holdings
came close. The mediator sees every proposal, escalates, decides what it escalated and
reopens a decision made in error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from parley.domain.holdings import Holding, HoldingCategory
from parley.domain.requests import Request
from parley.domain.reviews import (
    ProposalOutcome,
    RejectionReason,
    ReviewDecision,
    ReviewState,
    Verdict,
)
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.holdings import IdentityOut, PartyCode, identity_out
from parley.errors import InvalidValue
from parley.matching.results import MatchConfig
from parley.services.reconciling import ReconcileSummary
from parley.services.reviewing import QueueEntry
from parley.services.secured import reviews
from parley.services.secured.reviews import MatchOutcome, MatchState, QueueFilter, QueueState

__all__ = ["router"]

router = APIRouter(tags=["reviews"])

_CODE = r"^[A-Z][A-Z0-9]{1,7}$"
ProposalId = Annotated[int, Path(ge=1, le=2**62, description="The proposal's id.", examples=[17])]


# --- Reconciliation ----------------------------------------------------------------------


class ReconcileIn(BaseModel):
    """Which party's requests to match against which party's holdings."""

    requester: str = Field(pattern=_CODE, description="The party that asks.", examples=["UA"])
    holder: str = Field(
        pattern=_CODE, description="The party whose holdings are searched.", examples=["RU"]
    )
    match_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Probability from which a pair is a match.",
        examples=[0.9],
    )
    review_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Probability from which a pair goes to review.",
        examples=[0.5],
    )


class OutcomeCounts(BaseModel):
    """Requests per outcome, after merging duplicates."""

    match: int = Field(examples=[1520])
    review: int = Field(examples=[80])
    no_match: int = Field(examples=[400])


class ReconcileOut(BaseModel):
    """What a reconciliation run read, found and stored."""

    run_id: int = Field(examples=[3])
    requester: str = Field(examples=["UA"])
    holder: str = Field(examples=["RU"])
    requests: int = Field(examples=[2000])
    holdings: int = Field(examples=[9000])
    candidate_pairs: int = Field(examples=[41000])
    outcomes: OutcomeCounts
    proposed: int = Field(description="New proposals in the review queue.", examples=[1600])
    kept_confirmed: int = Field(description="Confirmed pairs kept from before.", examples=[0])
    kept_escalated: int = Field(description="Escalated pairs kept from before.", examples=[0])
    superseded: int = Field(description="Undecided proposals replaced.", examples=[0])
    merged: int = Field(description="Duplicate requests merged.", examples=[4])


def _run_out(s: ReconcileSummary) -> ReconcileOut:
    c = s.counts
    return ReconcileOut(
        run_id=s.run_id,
        requester=s.requester,
        holder=s.holder,
        requests=c.requests,
        holdings=c.holdings,
        candidate_pairs=c.candidate_pairs,
        outcomes=OutcomeCounts(**s.outcomes),
        proposed=c.proposed,
        kept_confirmed=c.kept_confirmed,
        kept_escalated=c.kept_escalated,
        superseded=c.superseded,
        merged=c.merged,
    )


def _config(body: ReconcileIn) -> MatchConfig | None:
    if body.match_threshold is None and body.review_threshold is None:
        return None
    default = MatchConfig()
    try:
        return MatchConfig(
            match_threshold=default.match_threshold
            if body.match_threshold is None
            else body.match_threshold,
            review_threshold=default.review_threshold
            if body.review_threshold is None
            else body.review_threshold,
        )
    except ValueError as e:
        raise InvalidValue("thresholds", str(e)) from e


@router.post(
    "/reconciliations",
    status_code=status.HTTP_201_CREATED,
    summary="Match one party's requests against the other party's holdings",
)
def reconcile(body: ReconcileIn, principal: CurrentPrincipal, uow: Unit, now: Now) -> ReconcileOut:
    """Run reconciliation on the database (the mediator), as ``parley reconcile`` does.

    Proposals go to the review queue; decisions already made are kept (a confirmed pair
    stays, a rejected pair is never proposed again), undecided proposals are superseded.
    """
    summary = reviews.reconcile(
        uow,
        principal,
        requester=body.requester,
        holder=body.holder,
        now=now,
        config=_config(body),
    )
    return _run_out(summary)


# --- The review queue ---------------------------------------------------------------------


class RecordSide(BaseModel):
    """One side of a proposed pair: the record's id and what a reviewer compares."""

    party: str = Field(examples=["RU"])
    record_id: str = Field(examples=["RU-3"])
    identity: IdentityOut
    category: HoldingCategory | None = Field(default=None, examples=["pow"])
    captured_on: date | None = Field(default=None, examples=["2024-03-02"])
    capture_place: str | None = Field(default=None, examples=["Kharkiv oblast"])


def _side(record: Holding | Request) -> RecordSide:
    return RecordSide(
        party=record.party,
        record_id=record.record_id,
        identity=identity_out(record.identity),
        category=record.category,
        captured_on=record.captured_on,
        capture_place=record.capture_place,
    )


class AlternativeOut(BaseModel):
    """Another of the holding party's records that came close for the same request."""

    holding_id: str = Field(examples=["RU-9"])
    probability: float = Field(examples=[0.41])
    explanation: str = Field(examples=["same birth date; given name differs"])


class ProposalOut(BaseModel):
    """A request of one party paired by reconciliation with a holding of the other, with
    both records for the reviewer to compare."""

    proposal_id: int = Field(examples=[17])
    run_id: int = Field(examples=[3])
    requester: str = Field(examples=["UA"])
    request_id: str = Field(examples=["UA-R-17"])
    holder: str = Field(examples=["RU"])
    holding_id: str | None = Field(examples=["RU-3"])
    probability: float = Field(examples=[0.87])
    outcome: ProposalOutcome = Field(examples=["review"])
    state: ReviewState = Field(examples=["proposed"])
    explanation: str = Field(
        description="Why reconciliation paired them (may quote names).",
        examples=["names agree across scripts; birth year agrees, month differs"],
    )
    alternatives: list[AlternativeOut]
    request: RecordSide
    holding: RecordSide | None
    sources: list[str] = Field(
        description="Who told the requester of the person (of the request and of every "
        "request merged into it).",
        examples=[["family"]],
    )


def _proposal_out(entry: QueueEntry) -> ProposalOut:
    p = entry.proposal
    assert p.id is not None  # a stored proposal
    return ProposalOut(
        proposal_id=p.id,
        run_id=p.run_id,
        requester=p.requester,
        request_id=p.request_id,
        holder=p.holder,
        holding_id=p.holding_id,
        probability=p.probability,
        outcome=p.outcome,
        state=p.state,
        explanation=p.explanation,
        alternatives=[
            AlternativeOut(
                holding_id=a.holding_id, probability=a.probability, explanation=a.explanation
            )
            for a in p.alternatives
        ],
        request=_side(entry.request),
        holding=_side(entry.holding) if entry.holding is not None else None,
        sources=list(entry.sources),
    )


@router.get("/reviews", summary="List the review queue")
def review_queue(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    holder: Annotated[
        str | None,
        Query(
            pattern=_CODE,
            description="Proposals on this party's holdings (a party: its "
            "own, the default; the mediator: any, every party's by default).",
        ),
    ] = None,
    requester: Annotated[
        str | None, Query(pattern=_CODE, description="Only requests of this party.")
    ] = None,
    state: Annotated[
        list[QueueState] | None,
        Query(
            description="Only these states; the open ones (proposed, escalated) by default. "
            "confirmed and rejected list the decisions made."
        ),
    ] = None,
    outcome: Annotated[
        list[ProposalOutcome] | None, Query(description="Only what reconciliation called so.")
    ] = None,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> Page[ProposalOut]:
    """The proposals waiting for a decision, oldest first, each with both records.

    A party sees the proposals on its own holdings (its review queue); the mediator
    sees every party's.
    """
    selected = QueueFilter(
        holder=holder,
        requester=requester,
        states=tuple(state or ()),
        outcomes=tuple(outcome or ()),
        min_probability=min_probability,
        max_probability=max_probability,
    )
    found, total = reviews.review_queue(
        uow, principal, selected=selected, limit=paging.limit, offset=paging.offset
    )
    return page_of([_proposal_out(e) for e in found], paging, total)


class DecisionOut(BaseModel):
    """One decision on a proposal: who, when, what and why."""

    proposal_id: int = Field(examples=[17])
    from_state: ReviewState = Field(examples=["proposed"])
    to_state: ReviewState = Field(examples=["rejected"])
    reason: RejectionReason | None = Field(examples=["held_different_person"])
    note: str = Field(description="The reviewer's own words.", examples=["another unit"])
    actor: str = Field(description="The user who decided.", examples=["ru-office"])
    acting_as: str = Field(description="The party code, or mediator.", examples=["RU"])
    at: datetime = Field(examples=["2025-05-17T10:00:00Z"])


def _decision_out(d: ReviewDecision) -> DecisionOut:
    return DecisionOut(
        proposal_id=d.proposal_id,
        from_state=d.from_state,
        to_state=d.to_state,
        reason=d.reason,
        note=d.note,
        actor=d.actor,
        acting_as=d.acting_as,
        at=d.at,
    )


class ProposalDetailOut(BaseModel):
    """A proposal with both records and every decision made on it, oldest first."""

    proposal: ProposalOut
    decisions: list[DecisionOut]


@router.get(
    "/parties/{party}/reviews/{proposal_id}",
    summary="Show a proposal on a party's holdings",
)
def proposal_detail(
    party: PartyCode, proposal_id: ProposalId, principal: CurrentPrincipal, uow: Unit
) -> ProposalDetailOut:
    """One proposal on ``party``'s holdings with both records and its decisions: the
    holding party, or the mediator."""
    entry, decisions = reviews.proposal_detail(uow, principal, party=party, proposal_id=proposal_id)
    return ProposalDetailOut(
        proposal=_proposal_out(entry), decisions=[_decision_out(d) for d in decisions]
    )


class DecideIn(BaseModel):
    """A verdict on a proposal, and why."""

    verdict: Verdict = Field(
        description="confirm or reject (the holding party; the mediator once escalated), "
        "escalate or reopen (the mediator).",
        examples=["reject"],
    )
    reason: RejectionReason | None = Field(
        default=None, description="Why, for a rejection only.", examples=["not_held"]
    )
    note: str = Field(
        default="",
        max_length=2000,
        description="Your own words (optional).",
        examples=["no such service number in our registry"],
    )


@router.post(
    "/parties/{party}/reviews/{proposal_id}",
    summary="Decide a proposal on a party's holdings",
)
def decide(
    party: PartyCode,
    proposal_id: ProposalId,
    body: DecideIn,
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
) -> DecisionOut:
    """Confirm, reject, escalate or reopen a proposal on ``party``'s holdings.

    The holding party confirms or rejects (with a reason: not_held,
    held_different_person or deceased); the mediator escalates, decides what it
    escalated and reopens a decision. A pair decided stays decided across runs.
    """
    decision = reviews.decide(
        uow,
        principal,
        party=party,
        proposal_id=proposal_id,
        verdict=body.verdict,
        now=now,
        reason=body.reason,
        note=body.note,
    )
    return _decision_out(decision)


# --- What became of a party's requests -----------------------------------------------------


class MatchOut(BaseModel):
    """The outcome of matching for one of the party's own requests.

    ``holding_id`` (the other party's record) is given for a confirmed pair only;
    ``reason`` for a rejected one only.
    """

    proposal_id: int = Field(examples=[17])
    run_id: int = Field(examples=[3])
    request_id: str = Field(examples=["UA-R-17"])
    holder: str = Field(description="The party whose holdings were searched.", examples=["RU"])
    state: MatchState = Field(examples=["confirmed"])
    holding_id: str | None = Field(examples=["RU-3"])
    reason: RejectionReason | None = Field(examples=[None])
    decided_at: datetime | None = Field(examples=["2025-05-17T10:00:00Z"])


def _match_out(m: MatchOutcome) -> MatchOut:
    return MatchOut(
        proposal_id=m.proposal_id,
        run_id=m.run_id,
        request_id=m.request_id,
        holder=m.holder,
        state=m.state,
        holding_id=m.holding_id,
        reason=m.reason,
        decided_at=m.decided_at,
    )


@router.get(
    "/parties/{party}/matches", summary="List the outcome of matching for a party's requests"
)
def list_matches(
    party: PartyCode,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    state: Annotated[
        list[MatchState] | None,
        Query(description="Only these: confirmed, in_review, rejected, unmatched."),
    ] = None,
) -> Page[MatchOut]:
    """What became of ``party``'s own requests in reconciliation and review, oldest first:
    confirmed (with the holding it was paired with), in review, rejected (and why) or
    unmatched. A party its own requests, the mediator any party's."""
    found, total = reviews.list_matches(
        uow,
        principal,
        party=party,
        states=tuple(state or ()),
        limit=paging.limit,
        offset=paging.offset,
    )
    return page_of([_match_out(m) for m in found], paging, total)
