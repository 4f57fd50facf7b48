"""Reviewing proposed matches: who may decide what about a request-holding pair.

Reconciliation proposes, for each request of one party, the holding of the other party
it believes is the same person (``parley.matching``). A person must then decide: the
holding party confirms or rejects each proposal on its own holdings ("not held", "held,
but a different person", "deceased"); the mediator may escalate a proposal, decide one
it escalated, and reopen a decision made in error. Every decision is kept with who made
it, when and why, and the log gets an event that names only record ids.

A decided pair stays decided: a later reconciliation run is told the confirmed and the
rejected pairs and proposes neither again. A proposal nobody decided is superseded by
the next run's own proposals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from parley.domain.events import ProposalReviewed
from parley.domain.states import check_transition
from parley.errors import InvalidValue, NotPermitted

__all__ = [
    "MEDIATOR",
    "OPEN_STATES",
    "REVIEW_TRANSITIONS",
    "Alternative",
    "Proposal",
    "ProposalOutcome",
    "RejectionReason",
    "ReviewDecision",
    "ReviewState",
    "Reviewer",
    "Verdict",
    "check_one_to_one",
    "review",
    "supersede",
]

MEDIATOR = "mediator"  # how a decision records that the mediator made it


class ProposalOutcome(StrEnum):
    """What reconciliation said about a request (``parley.matching.results.Outcome``)."""

    MATCH = "match"
    REVIEW = "review"
    NO_MATCH = "no_match"


class ReviewState(StrEnum):
    """Where a proposal stands in review."""

    PROPOSED = "proposed"  # waiting for the holding party
    ESCALATED = "escalated"  # the mediator took it up
    CONFIRMED = "confirmed"  # the holding party (or the mediator) says: same person
    REJECTED = "rejected"  # ... says: not this person, with a reason
    SUPERSEDED = "superseded"  # nobody decided it, and a later run replaced it
    UNMATCHED = "unmatched"  # reconciliation found no holding: nothing to decide


class Verdict(StrEnum):
    """What a reviewer can do to a proposal."""

    CONFIRM = "confirm"
    REJECT = "reject"
    ESCALATE = "escalate"
    REOPEN = "reopen"

    @property
    def target(self) -> ReviewState:
        """The state the verdict moves a proposal to."""
        return _TARGET[self]


_TARGET = {
    Verdict.CONFIRM: ReviewState.CONFIRMED,
    Verdict.REJECT: ReviewState.REJECTED,
    Verdict.ESCALATE: ReviewState.ESCALATED,
    Verdict.REOPEN: ReviewState.PROPOSED,
}


class RejectionReason(StrEnum):
    """Why the holding party says a proposed holding is not the requested person."""

    NOT_HELD = "not_held"
    HELD_DIFFERENT_PERSON = "held_different_person"
    DECEASED = "deceased"


_V = ReviewState
REVIEW_TRANSITIONS: dict[ReviewState, frozenset[ReviewState]] = {
    _V.PROPOSED: frozenset({_V.CONFIRMED, _V.REJECTED, _V.ESCALATED, _V.SUPERSEDED}),
    _V.ESCALATED: frozenset({_V.CONFIRMED, _V.REJECTED}),
    # A decision stands across runs; only the mediator's explicit reopen undoes it, since
    # a wrong rejection can leave a person in captivity.
    _V.CONFIRMED: frozenset({_V.PROPOSED}),
    _V.REJECTED: frozenset({_V.PROPOSED}),
    _V.SUPERSEDED: frozenset(),
    _V.UNMATCHED: frozenset(),
}
OPEN_STATES = frozenset({ReviewState.PROPOSED, ReviewState.ESCALATED})


@dataclass(frozen=True, slots=True)
class Reviewer:
    """Who acts in review: a party's office, or the mediator (``party`` None).

    Attributes:
        actor: the person's or office's name recorded with the decision.
        party: the party code the actor works for; None for the mediator.
    """

    actor: str
    party: str | None = None

    @property
    def is_mediator(self) -> bool:
        """Whether the mediator acts."""
        return self.party is None

    @property
    def acting_as(self) -> str:
        """The party code, or ``mediator``, as decisions record it."""
        return self.party if self.party is not None else MEDIATOR


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another holding that came close for the same request."""

    holding_id: str
    probability: float
    explanation: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A request of ``requester`` paired by reconciliation with a holding of ``holder``.

    Attributes:
        run_id: the reconciliation run that made it.
        requester: the party that asked.
        request_id: the request's record id.
        holder: the party whose holdings were searched.
        holding_id: the proposed holding's record id; None when nothing qualified.
        probability: that both records are one person.
        outcome: match, review or no_match, as reconciliation said.
        explanation: one line a reviewer can read (may quote names: never logged).
        state: where review stands.
        alternatives: other holdings that came close, best first.
        id: the stored proposal's id; None before it is stored.
    """

    run_id: int
    requester: str
    request_id: str
    holder: str
    holding_id: str | None
    probability: float
    outcome: ProposalOutcome
    explanation: str
    state: ReviewState = ReviewState.PROPOSED
    alternatives: tuple[Alternative, ...] = ()
    id: int | None = None

    @property
    def subject(self) -> str:
        """How messages name it: ids only."""
        held = f"{self.holder}/{self.holding_id}" if self.holding_id else f"{self.holder}/-"
        return f"proposal {self.id} (request {self.requester}/{self.request_id}, holding {held})"


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """One decision on a proposal: who, when, what and why.

    Attributes:
        proposal_id: the proposal decided.
        from_state: its state before.
        to_state: its state after.
        reason: for a rejection, why; None otherwise.
        note: the reviewer's own words (may name people: kept in the database, never
            in the log).
        actor: who decided.
        acting_as: the party code the actor decided for, or ``mediator``.
        at: when.
    """

    proposal_id: int
    from_state: ReviewState
    to_state: ReviewState
    reason: RejectionReason | None
    note: str
    actor: str
    acting_as: str
    at: datetime


def _check_permitted(proposal: Proposal, verdict: Verdict, reviewer: Reviewer) -> None:
    """Raise NotPermitted unless ``reviewer`` may give ``verdict`` on ``proposal``.

    The holding party decides on its own holdings; the mediator escalates, decides what
    is escalated and reopens; the requesting party decides nothing on the other side's
    holdings.
    """
    holder = reviewer.party == proposal.holder
    if reviewer.is_mediator:
        allowed = verdict in (Verdict.ESCALATE, Verdict.REOPEN) or (
            proposal.state is ReviewState.ESCALATED
        )
        if not allowed:
            raise NotPermitted(
                f"the mediator may not {verdict.value} {proposal.subject} while it is "
                f"{proposal.state.value}: the holding party {proposal.holder} decides on its "
                "holdings; escalate it first"
            )
        return
    if not holder:
        raise NotPermitted(
            f"party {reviewer.party} may not {verdict.value} {proposal.subject}: the holding "
            f"is {proposal.holder}'s, and only {proposal.holder} (or the mediator, once "
            "escalated) decides on it"
        )
    if verdict is Verdict.REOPEN:
        raise NotPermitted(
            f"party {reviewer.party} may not reopen {proposal.subject}: only the mediator "
            "reopens a decision"
        )


def _check_reason(proposal: Proposal, verdict: Verdict, reason: RejectionReason | None) -> None:
    if verdict is Verdict.REJECT and reason is None:
        allowed = ", ".join(r.value for r in RejectionReason)
        raise InvalidValue("reason", f"a rejection needs a reason (one of: {allowed})")
    if verdict is not Verdict.REJECT and reason is not None:
        raise InvalidValue("reason", f"is for rejections only, not for {verdict.value}")
    if proposal.holding_id is None:
        raise InvalidValue("proposal", f"{proposal.subject} proposes no holding to decide on")


def review(
    proposal: Proposal,
    verdict: Verdict,
    *,
    reviewer: Reviewer,
    at: datetime,
    reason: RejectionReason | None = None,
    note: str = "",
) -> tuple[Proposal, ReviewDecision, ProposalReviewed]:
    """Decide ``proposal`` if ``reviewer`` may and its state allows it.

    Returns:
        The proposal in its new state, the decision to keep, and the event to log.

    Raises:
        NotPermitted: a party deciding on the other party's holdings, the mediator
            deciding a proposal it has not escalated, a party reopening.
        InvalidValue: a rejection without a reason, a reason on anything else, or a
            proposal without a holding.
        TransitionNotAllowed: the state does not allow it (confirming a rejected pair
            without reopening it first).
    """
    if proposal.id is None:
        raise InvalidValue("proposal", "is not stored yet, so it cannot be decided")
    _check_permitted(proposal, verdict, reviewer)
    _check_reason(proposal, verdict, reason)
    to = check_transition(
        REVIEW_TRANSITIONS,
        proposal.state,
        verdict.target,
        subject=proposal.subject,
        why="a decided pair stays decided unless the mediator reopens it",
    )
    decision = ReviewDecision(
        proposal.id, proposal.state, to, reason, note, reviewer.actor, reviewer.acting_as, at
    )
    event = ProposalReviewed(
        occurred_at=at,
        actor=reviewer.actor,
        proposal_id=proposal.id,
        run_id=proposal.run_id,
        requester=proposal.requester,
        request_id=proposal.request_id,
        holder=proposal.holder,
        holding_id=proposal.holding_id or "",
        from_state=proposal.state.value,
        to_state=to.value,
        reason=reason.value if reason is not None else None,
        acting_as=reviewer.acting_as,
    )
    return dataclasses.replace(proposal, state=to), decision, event


def check_one_to_one(proposal: Proposal, confirmed: Iterable[Proposal]) -> None:
    """Refuse to confirm a pair whose request or holding is confirmed with another.

    A holding answers at most one request and a request at most one holding, as in
    reconciliation's own assignment; two requests competing for one holding are both
    shown to the reviewer, but only one of them can be confirmed.

    Raises:
        InvalidValue: ``confirmed`` holds another pair with the same request or holding.
    """
    for other in confirmed:
        if other.id == proposal.id:
            continue
        if other.holding_id == proposal.holding_id or other.request_id == proposal.request_id:
            raise InvalidValue(
                "proposal",
                f"cannot confirm {proposal.subject}: {other.subject} is confirmed already, and "
                "a request and a holding are paired once; the mediator may reopen that one",
            )


def supersede(proposal: Proposal) -> Proposal:
    """Mark an undecided proposal as replaced by a later run.

    Raises:
        TransitionNotAllowed: the proposal was decided or escalated; those stand.
    """
    to = check_transition(
        REVIEW_TRANSITIONS,
        proposal.state,
        ReviewState.SUPERSEDED,
        subject=proposal.subject,
        why="only a proposal nobody has acted on is replaced by a new run",
    )
    return dataclasses.replace(proposal, state=to)
