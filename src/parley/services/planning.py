"""Planning an exchange on the database: an agreement in, a stored draft plan out.

The planner (``parley.planning``) decides who each side releases and in which tranche.
It sees each side's eligible holdings and, for each of them, the priority of the other
side's request when that request was matched to the holding and the match confirmed in
review (``parley review``): a proposal nobody confirmed yet counts for nothing. Its
answer, a plan proven optimal or the proof that none exists with the clauses that
collide, is stored as a draft plan with the people it names, and logged with ids only.

Reading, planning and storing are one unit of work, so that the draft stands on exactly
the data it was planned on; on SQLite that unit holds the write lock while the planner
runs (about a second for the 12,000 people of ``parley demo``). On plain files, with no
database, see ``parley.services.plan_files``.

The planner is a parameter (the real one by default) so that unit tests can pass a fake.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from parley.domain.agreements import Agreement
from parley.domain.events import PlanDrafted
from parley.domain.holdings import HoldingStatus
from parley.domain.requests import Priority, RequestStatus
from parley.domain.reviews import ReviewState
from parley.errors import NotFound
from parley.planning import plan as solve
from parley.planning.plan import Plan
from parley.planning.plan_file import dump_plan
from parley.planning.problem import Problem, build_problem
from parley.services.parties import require_party
from parley.services.ports import PlannedPerson, PlanUnitOfWork, ReviewUnitOfWork

__all__ = [
    "ASKING",
    "ON_A_MANIFEST",
    "PlanDraft",
    "Planner",
    "confirmed_requests",
    "more_urgent",
    "plan_from_database",
    "pool_counts",
    "run_planner",
]

Planner = Callable[[Problem], Plan]

# Holding statuses of people on a manifest of a tranche that has not finished.
ON_A_MANIFEST = frozenset(
    {
        HoldingStatus.LISTED,
        HoldingStatus.ACCEPTED,
        HoldingStatus.IN_TRANCHE,
        HoldingStatus.WILL_CONFIRMED,
        HoldingStatus.IDENTITY_CONFIRMED,
    }
)

# Requests that still ask: not found, reported dead, received, withdrawn ones do not.
ASKING = frozenset({RequestStatus.REQUESTED, RequestStatus.VERIFIED_IN_CUSTODY})


def run_planner(problem: Problem) -> Plan:
    """The planner, explaining an infeasible agreement: the conflict and the relaxations."""
    return solve(problem, explain=True)


@dataclass(frozen=True, slots=True)
class PlanDraft:
    """The planner's answer and what it was planned on.

    Attributes:
        plan: the plan, or the proof that none exists.
        candidates: eligible holdings per party code.
        requested: per party code, how many of its holdings the other side asked for
            (confirmed matches on the database, ``match`` rows on files).
        plan_id: the stored draft's id; None when nothing was stored (file mode).
        problem: what was planned, to plan a variant of the agreement on the same people
            (one that changes no clause deciding who is eligible or forced).
    """

    plan: Plan
    candidates: dict[str, int] = field(default_factory=dict)
    requested: dict[str, int] = field(default_factory=dict)
    plan_id: int | None = None
    problem: Problem | None = None


def more_urgent(a: Priority | None, b: Priority) -> Priority:
    """The more urgent of two priorities (``a`` None counts as no priority at all)."""
    return b if a is None or b.rank < a.rank else a


def confirmed_requests(uow: ReviewUnitOfWork, requester: str, holder: str) -> dict[str, Priority]:
    """``holder``'s holdings that ``requester`` asks for, by confirmed match, with priority.

    Read inside the caller's unit of work. A request merged into another (the same person
    asked for twice) lends the kept one its priority when it is more urgent; requests
    that no longer ask (``ASKING``) count for nothing.
    """
    priority = {
        r.record_id: r.priority for r in uow.requests.iter_party(requester) if r.status in ASKING
    }
    for merge in uow.reviews.merges(requester):
        if merge.merged in priority and merge.kept in priority:
            priority[merge.kept] = more_urgent(priority[merge.kept], priority[merge.merged])
    asked: dict[str, Priority] = {}
    for p in uow.reviews.proposals_in(requester, holder, {ReviewState.CONFIRMED}):
        if p.holding_id is not None and p.request_id in priority:
            asked[p.holding_id] = more_urgent(asked.get(p.holding_id), priority[p.request_id])
    return asked


def pool_counts(problem: Problem) -> tuple[dict[str, int], dict[str, int]]:
    """Eligible candidates per party, and those the other side asked for."""
    candidates = dict.fromkeys(problem.agreement.parties, 0)
    requested = dict.fromkeys(problem.agreement.parties, 0)
    for c in problem.candidates:
        candidates[c.party] += 1
        requested[c.party] += c.requested is not None
    return candidates, requested


def _people(plan: Plan) -> list[PlannedPerson]:
    released = [
        PlannedPerson(r.party, r.record_id, r.track, tranche=r.tranche) for r in plan.releases
    ]
    kept = [
        PlannedPerson(r.party, r.record_id, r.track, reserve_rank=r.rank) for r in plan.reserves
    ]
    return released + kept


def _store(uow: PlanUnitOfWork, plan: Plan, *, actor: str, now: datetime) -> int:
    document = dump_plan(plan)
    parties = plan.agreement.parties
    plan_id = uow.plans.add(
        agreement=plan.agreement.name,
        status=plan.status.value,
        document=document,
        people=_people(plan),
        at=now,
    )
    uow.record(
        PlanDrafted(
            occurred_at=now,
            actor=actor,
            plan_id=plan_id,
            agreement=plan.agreement.name,
            status=plan.status.value,
            tranches=plan.tranches,
            released={p: plan.count(p) for p in parties},
            reserves={p: sum(r.party == p for r in plan.reserves) for p in parties},
            document_sha256=hashlib.sha256(document.encode("utf-8")).hexdigest(),
        )
    )
    return plan_id


def plan_from_database(
    uow: PlanUnitOfWork,
    agreement: Agreement,
    *,
    actor: str,
    now: datetime,
    planner: Planner = run_planner,
) -> PlanDraft:
    """Plan ``agreement`` on both parties' stored holdings and confirmed matches; store it.

    The answer is stored whether or not a plan exists: an infeasible draft keeps the
    conflict and the relaxations that were found for it.

    Raises:
        NotFound: a party of the agreement is not registered, or has no holdings.
    """
    with uow:
        holdings = []
        for party in agreement.parties:
            require_party(uow, party)
            held = list(uow.holdings.iter_party(party))
            if not held:
                raise NotFound(f"party {party} has no holdings to plan with (import them first)")
            holdings += held
        a, b = agreement.parties
        requested: dict[tuple[str, str], Priority] = {}
        for requester, holder in ((a, b), (b, a)):
            asked = confirmed_requests(uow, requester, holder)
            requested.update({(holder, record_id): p for record_id, p in asked.items()})
        # People on a manifest of an exchange under way are planned by no other plan.
        listed = {h.record_id for h in holdings if h.status in ON_A_MANIFEST}
        problem = build_problem(agreement, holdings, requested, on_open_manifest=listed)
        plan = planner(problem)
        plan_id = _store(uow, plan, actor=actor, now=now)
        uow.commit()
    candidates, asked_for = pool_counts(problem)
    return PlanDraft(plan, candidates, asked_for, plan_id, problem)
