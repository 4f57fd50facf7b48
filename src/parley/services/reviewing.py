"""Reviewing proposals: the queue a reviewer works through, and the decisions made.

The holding party confirms or rejects the proposals on its own holdings; the mediator
escalates, decides what is escalated and reopens a decision made in error
(``parley.domain.reviews`` holds the rules). Each decision is its own transaction, kept
with who made it, when and why, and logged with ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parley.domain.holdings import Holding
from parley.domain.requests import Request
from parley.domain.reviews import (
    OPEN_STATES,
    Proposal,
    ProposalOutcome,
    RejectionReason,
    ReviewDecision,
    Reviewer,
    ReviewState,
    Verdict,
    check_one_to_one,
    review,
)
from parley.errors import NotFound, NotPermitted
from parley.services.parties import require_party
from parley.services.ports import ReviewUnitOfWork

__all__ = ["QueueEntry", "confirm_matches", "decide", "review_queue"]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A proposal waiting for a decision, with both records a reviewer must compare."""

    proposal: Proposal
    request: Request
    holding: Holding | None
    sources: tuple[str, ...]  # of the request and of every request merged into it


def review_queue(uow: ReviewUnitOfWork, *, reviewer: Reviewer) -> list[QueueEntry]:
    """The proposals waiting for ``reviewer``, oldest first, with both records.

    A party sees the open proposals on its own holdings; the mediator sees every open one.

    Raises:
        NotFound: the reviewer's party is unknown.
    """
    with uow:
        if reviewer.party is not None:
            require_party(uow, reviewer.party)
        proposals = uow.reviews.queue(reviewer.party, OPEN_STATES)
        merged: dict[tuple[str, str], list[str]] = {}
        for party in {p.requester for p in proposals}:
            for m in uow.reviews.merges(party):
                merged.setdefault((party, m.kept), []).append(m.merged)
        entries = []
        for p in proposals:
            request = uow.requests.get(p.requester, p.request_id)
            if request is None:  # records are never deleted; a proposal points at one
                raise NotFound(f"request {p.requester}/{p.request_id} of {p.subject} is gone")
            holding = uow.holdings.get(p.holder, p.holding_id) if p.holding_id else None
            others = [
                uow.requests.get(p.requester, r)
                for r in merged.get((p.requester, p.request_id), [])
            ]
            sources = [request.source.value] + [r.source.value for r in others if r is not None]
            entries.append(QueueEntry(p, request, holding, tuple(dict.fromkeys(sources))))
    return entries


def decide(
    uow: ReviewUnitOfWork,
    *,
    proposal_id: int,
    verdict: Verdict,
    reviewer: Reviewer,
    now: datetime,
    reason: RejectionReason | None = None,
    note: str = "",
) -> ReviewDecision:
    """Confirm, reject, escalate or reopen a proposal, keeping who, when and why.

    Raises:
        NotFound: no such proposal, or the reviewer's party is unknown.
        NotPermitted: the reviewer may not (a party on the other party's holdings).
        InvalidValue: a rejection without a reason, a reason on another verdict, or a
            confirmation of a request or holding already confirmed with another.
        TransitionNotAllowed: the proposal's state does not allow it.
    """
    with uow:
        if reviewer.party is not None:
            require_party(uow, reviewer.party)
        proposal = uow.reviews.get(proposal_id)
        if proposal is None:
            raise NotFound(f"no proposal {proposal_id}")
        if verdict is Verdict.CONFIRM:
            confirmed = uow.reviews.proposals_in(
                proposal.requester, proposal.holder, {ReviewState.CONFIRMED}
            )
            check_one_to_one(proposal, confirmed)
        moved, decision, event = review(
            proposal, verdict, reviewer=reviewer, at=now, reason=reason, note=note.strip()
        )
        uow.reviews.save_states([moved], now)
        uow.reviews.add_decision(decision)
        uow.record(event)
        uow.commit()
    return decision


def confirm_matches(uow: ReviewUnitOfWork, *, reviewer: Reviewer, now: datetime) -> int:
    """Confirm every proposal on the reviewer's holdings that reconciliation called a match.

    For a holding party that accepts what the engine was sure of and reviews only the
    doubtful ones (and for ``parley demo``). Each proposal is decided as :func:`decide`
    decides it, with its own decision and event, in one transaction; one whose request
    or holding is confirmed with another already is left for a person to decide.

    Returns:
        How many proposals were confirmed.

    Raises:
        NotPermitted: the reviewer is the mediator (the holding party decides).
        NotFound: the reviewer's party is unknown.
    """
    if reviewer.party is None:
        raise NotPermitted("only a holding party confirms its matches; the mediator cannot")
    with uow:
        require_party(uow, reviewer.party)
        taken = uow.reviews.queue(reviewer.party, {ReviewState.CONFIRMED})
        requests = {(p.requester, p.request_id) for p in taken}
        holdings = {p.holding_id for p in taken}
        moved: list[Proposal] = []
        for proposal in uow.reviews.queue(reviewer.party, {ReviewState.PROPOSED}):
            pair = (proposal.requester, proposal.request_id)
            sure = proposal.outcome is ProposalOutcome.MATCH and proposal.holding_id is not None
            if not sure or pair in requests or proposal.holding_id in holdings:
                continue
            confirmed, decision, event = review(
                proposal, Verdict.CONFIRM, reviewer=reviewer, at=now, note="a sure match"
            )
            requests.add(pair)
            holdings.add(proposal.holding_id)
            moved.append(confirmed)
            uow.reviews.add_decision(decision)
            uow.record(event)
        uow.reviews.save_states(moved, now)
        uow.commit()
    return len(moved)
