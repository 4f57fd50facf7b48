"""Reconciliation, the review queue and the outcome of matching, as a principal may see
them.

- The mediator runs reconciliation (``Capability.RECONCILE``).
- A party reviews the proposals on its own holdings: it sees the request the other
  party sent and its own holding, and confirms or rejects; the mediator sees every
  proposal, escalates, decides what it escalated and reopens
  (``parley.domain.reviews`` holds those rules and checks them again).
- A party learns the outcome of matching for its own requests: which were confirmed,
  with the holding they were paired with, which are still in review, rejected (and
  why) or unmatched. It never learns which of the other party's holdings were
  proposed, or how close any came: a holding not confirmed is an unmatched holding,
  which a party never sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from parley.domain.access import Principal
from parley.domain.reviews import (
    OPEN_STATES,
    Proposal,
    ProposalOutcome,
    RejectionReason,
    ReviewDecision,
    Reviewer,
    ReviewState,
    Verdict,
)
from parley.errors import NotFound
from parley.matching.results import MatchConfig
from parley.services import reconciling, reviewing
from parley.services.access import Capability, authorize
from parley.services.parties import require_party
from parley.services.ports import ProposalQuery, ReviewUnitOfWork
from parley.services.reconciling import ReconcileSummary
from parley.services.reviewing import QueueEntry

__all__ = [
    "MatchOutcome",
    "MatchState",
    "QueueFilter",
    "QueueState",
    "decide",
    "list_matches",
    "proposal_detail",
    "reconcile",
    "review_queue",
]


class QueueState(StrEnum):
    """The states a review queue lists: open, or decided."""

    PROPOSED = "proposed"
    ESCALATED = "escalated"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class MatchState(StrEnum):
    """Where a request stands in matching, as the requesting party may be told."""

    CONFIRMED = "confirmed"  # the holding party (or the mediator) confirmed the pair
    IN_REVIEW = "in_review"  # a proposal waits for the holding party or the mediator
    REJECTED = "rejected"  # the holding party said: not this person, and why
    UNMATCHED = "unmatched"  # reconciliation found no holding for it


_MATCH_STATES: dict[MatchState, tuple[ReviewState, ...]] = {
    MatchState.CONFIRMED: (ReviewState.CONFIRMED,),
    MatchState.IN_REVIEW: (ReviewState.PROPOSED, ReviewState.ESCALATED),
    MatchState.REJECTED: (ReviewState.REJECTED,),
    MatchState.UNMATCHED: (ReviewState.UNMATCHED,),
}
_AS_MATCH = {state: match for match, states in _MATCH_STATES.items() for state in states}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which proposals a review queue lists.

    Attributes:
        holder: the party whose holdings they are on (a party's own by default; every
            party's for the mediator).
        requester: the party that asked, if only one.
        states: the states listed; the open ones (proposed, escalated) when empty.
        outcomes: what reconciliation said (``match``, ``review``), if only some.
        min_probability: the lowest probability listed, inclusive.
        max_probability: the highest probability listed, inclusive.
    """

    holder: str | None = None
    requester: str | None = None
    states: tuple[QueueState, ...] = ()
    outcomes: tuple[ProposalOutcome, ...] = ()
    min_probability: float | None = None
    max_probability: float | None = None


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """The outcome of matching for one request, as the requesting party may see it.

    ``holding_id`` is given only for a confirmed pair, ``reason`` only for a rejected
    one, ``decided_at`` for a pair someone decided.
    """

    proposal_id: int
    run_id: int
    request_id: str
    holder: str
    state: MatchState
    holding_id: str | None
    reason: RejectionReason | None
    decided_at: datetime | None


def reconcile(
    uow: ReviewUnitOfWork,
    principal: Principal,
    *,
    requester: str,
    holder: str,
    now: datetime,
    config: MatchConfig | None = None,
) -> ReconcileSummary:
    """Match ``requester``'s requests against ``holder``'s holdings (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        InvalidValue: both parties are the same.
        NotFound: a party is unknown, or has no requests (holdings) to match.
    """
    authorize(principal, Capability.RECONCILE)
    return reconciling.reconcile_parties(
        uow, requester=requester, holder=holder, actor=principal.user, now=now, config=config
    )


def _entries(uow: ReviewUnitOfWork, proposals: Sequence[Proposal]) -> list[QueueEntry]:
    """Each proposal with both records and the sources of its request, inside ``uow``."""
    requests = {
        party: uow.requests.get_many(
            party, {p.request_id for p in proposals if p.requester == party}
        )
        for party in {p.requester for p in proposals}
    }
    holdings = {
        party: uow.holdings.get_many(
            party, {p.holding_id for p in proposals if p.holder == party and p.holding_id}
        )
        for party in {p.holder for p in proposals}
    }
    merged: dict[tuple[str, str], list[str]] = {}
    for party in requests:
        for m in uow.reviews.merges(party):
            merged.setdefault((party, m.kept), []).append(m.merged)
    others = {
        party: uow.requests.get_many(
            party, {r for (p, _), rs in merged.items() if p == party for r in rs}
        )
        for party in requests
    }
    entries = []
    for p in proposals:
        request = requests[p.requester].get(p.request_id)
        if request is None:  # records are never deleted; a proposal points at one
            raise NotFound(f"request {p.requester}/{p.request_id} of {p.subject} is gone")
        holding = holdings[p.holder].get(p.holding_id) if p.holding_id else None
        sources = [request.source.value] + [
            others[p.requester][r].source.value
            for r in merged.get((p.requester, p.request_id), [])
            if r in others[p.requester]
        ]
        entries.append(QueueEntry(p, request, holding, tuple(dict.fromkeys(sources))))
    return entries


def review_queue(
    uow: ReviewUnitOfWork,
    principal: Principal,
    *,
    selected: QueueFilter,
    limit: int,
    offset: int,
) -> tuple[list[QueueEntry], int]:
    """A page of the proposals waiting for the principal (or decided, if asked), oldest
    first, each with both records, and how many there are in all.

    A party sees the proposals on its own holdings only; the mediator every party's.

    Raises:
        NotPermitted: a party asks for the queue on another party's holdings, or the
            principal reviews nothing.
        NotFound: the holder named is not a party.
    """
    holder = selected.holder if selected.holder is not None else principal.party
    authorize(principal, Capability.REVIEWS_READ, party=holder)
    states = selected.states or tuple(QueueState(s.value) for s in OPEN_STATES)
    query = ProposalQuery(
        states=tuple(ReviewState(s.value) for s in states),
        holder=holder,
        requester=selected.requester,
        outcomes=selected.outcomes,
        min_probability=selected.min_probability,
        max_probability=selected.max_probability,
    )
    with uow:
        if holder is not None:
            require_party(uow, holder)
        proposals, total = uow.reviews.find(query, limit=limit, offset=offset)
        return _entries(uow, proposals), total


def proposal_detail(
    uow: ReviewUnitOfWork, principal: Principal, *, party: str, proposal_id: int
) -> tuple[QueueEntry, list[ReviewDecision]]:
    """One proposal on ``party``'s holdings, with both records and every decision on it.

    Raises:
        NotPermitted: the principal may not review ``party``'s holdings.
        NotFound: there is no such proposal on ``party``'s holdings.
    """
    authorize(principal, Capability.REVIEWS_READ, party=party)
    with uow:
        proposal = _proposal_on(uow, party, proposal_id)
        return _entries(uow, [proposal])[0], uow.reviews.decisions(proposal_id)


def _proposal_on(uow: ReviewUnitOfWork, party: str, proposal_id: int) -> Proposal:
    proposal = uow.reviews.get(proposal_id)
    if proposal is None or proposal.holder != party or proposal.holding_id is None:
        raise NotFound(f"no proposal {proposal_id} on the holdings of {party}")
    return proposal


def decide(
    uow: ReviewUnitOfWork,
    principal: Principal,
    *,
    party: str,
    proposal_id: int,
    verdict: Verdict,
    now: datetime,
    reason: RejectionReason | None = None,
    note: str = "",
) -> ReviewDecision:
    """Confirm, reject, escalate or reopen a proposal on ``party``'s holdings.

    The policy is checked here on the holding party; the review rules
    (``parley.domain.reviews``) check again who may give which verdict.

    Raises:
        NotPermitted: the principal may not review ``party``'s holdings, or may not
            give this verdict (a party reopening, the mediator deciding what it has not
            escalated).
        NotFound: there is no such proposal on ``party``'s holdings.
        InvalidValue: a rejection without a reason, a reason on another verdict, or a
            confirmation of a request or holding already confirmed with another.
        TransitionNotAllowed: the proposal's state does not allow it.
    """
    authorize(principal, Capability.REVIEWS_DECIDE, party=party)
    with uow:
        _proposal_on(uow, party, proposal_id)
    return reviewing.decide(
        uow,
        proposal_id=proposal_id,
        verdict=verdict,
        reviewer=Reviewer(principal.user, principal.party),
        now=now,
        reason=reason,
        note=note,
    )


def list_matches(
    uow: ReviewUnitOfWork,
    principal: Principal,
    *,
    party: str,
    states: tuple[MatchState, ...],
    limit: int,
    offset: int,
) -> tuple[list[MatchOutcome], int]:
    """A page of the outcomes of matching for ``party``'s own requests, oldest first, and
    how many there are in all (proposals a later run replaced are left out).

    Raises:
        NotPermitted: the principal may not read ``party``'s requests.
        NotFound: ``party`` is not a party of the exchange.
    """
    authorize(principal, Capability.REQUESTS_READ, party=party)
    wanted = states or tuple(MatchState)
    query = ProposalQuery(
        states=tuple(s for m in wanted for s in _MATCH_STATES[m]), requester=party
    )
    with uow:
        require_party(uow, party)
        proposals, total = uow.reviews.find(query, limit=limit, offset=offset)
        decided = uow.reviews.last_decisions(
            [p.id for p in proposals if p.id is not None and p.state is not ReviewState.UNMATCHED]
        )
    return [_outcome_of(p, decided.get(p.id or 0)) for p in proposals], total


def _outcome_of(p: Proposal, decision: ReviewDecision | None) -> MatchOutcome:
    """What the requesting party may see of a proposal: no holding unless confirmed."""
    state = _AS_MATCH[p.state]
    confirmed = state is MatchState.CONFIRMED
    rejected = state is MatchState.REJECTED
    assert p.id is not None  # a stored proposal
    return MatchOutcome(
        proposal_id=p.id,
        run_id=p.run_id,
        request_id=p.request_id,
        holder=p.holder,
        state=state,
        holding_id=p.holding_id if confirmed else None,
        reason=decision.reason if rejected and decision is not None else None,
        decided_at=decision.at if (confirmed or rejected) and decision is not None else None,
    )
