"""Reconciling one party's requests with the other party's holdings.

On the database, a run stores one proposal per request (a holding, or none) and keeps
every decision people already made: confirmed and rejected pairs go back into the
matching engine (``parley.matching.reconcile``) so that a confirmed pair stays and a
rejected pair is never proposed again, an escalated pair stays with the mediator, and
proposals nobody decided are superseded by the new run's. Requests the engine finds to
ask for one person are merged, both kept with their sources.

On plain files, with no database, see ``parley.services.match_files``.

The engine is a parameter (the real one by default) so that unit tests can pass a fake.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from parley.domain.events import RequestsMerged, RequestsReconciled
from parley.domain.holdings import Holding
from parley.domain.people import Sex
from parley.domain.requests import Request
from parley.domain.reviews import (
    OPEN_STATES,
    Alternative,
    Proposal,
    ProposalOutcome,
    ReviewState,
    supersede,
)
from parley.errors import InvalidValue, NotFound
from parley.matching.reconcile import reconcile as engine_reconcile
from parley.matching.results import Decision, MatchConfig, Outcome, Reconciliation, Record
from parley.services.parties import require_party
from parley.services.ports import RequestMerge, ReviewUnitOfWork, RunCounts

__all__ = [
    "Progress",
    "ReconcileSummary",
    "Reconciler",
    "reconcile_parties",
    "to_record",
]

Progress = Callable[[str, int, int], None]
_DECIDED = frozenset({ReviewState.CONFIRMED, ReviewState.REJECTED})


class Reconciler(Protocol):
    """The signature of ``parley.matching.reconcile``."""

    def __call__(
        self,
        requests: Sequence[Record],
        holdings: Sequence[Record],
        config: MatchConfig | None = None,
        *,
        confirmed: Collection[tuple[str, str]] = (),
        rejected: Collection[tuple[str, str]] = (),
        on_progress: Progress | None = None,
    ) -> Reconciliation: ...


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """What a run on the database found and stored."""

    run_id: int
    requester: str
    holder: str
    counts: RunCounts

    @property
    def outcomes(self) -> dict[str, int]:
        """Requests per outcome (``match``, ``review``, ``no_match``), after merging."""
        c = self.counts
        return {"match": c.matched, "review": c.review, "no_match": c.no_match}


def to_record(record: Holding | Request) -> Record:
    """The matching engine's view of a stored holding or request."""
    i = record.identity
    return Record(
        record_id=record.record_id,
        family_name=i.family_name,
        given_name=i.given_name,
        patronymic=i.patronymic or "",
        name_lang=i.name_lang.value,
        sex="" if i.sex is Sex.UNKNOWN else i.sex.value,
        birth_date=i.birth_date,
        birth_place=i.birth_place or "",
        unit=i.unit or "",
        service_number=i.service_number or "",
        document_number=i.document_number or "",
        source=record.source.value if isinstance(record, Request) else "",
    )


def _config_of(config: MatchConfig | None) -> dict[str, object]:
    return dataclasses.asdict(config or MatchConfig())


def _load(
    uow: ReviewUnitOfWork, requester: str, holder: str
) -> tuple[list[Record], list[Record], list[Proposal]]:
    """Both sides' records and the pairs already decided, in one short read."""
    with uow:
        require_party(uow, requester)
        require_party(uow, holder)
        requests = [to_record(r) for r in uow.requests.iter_party(requester)]
        holdings = [to_record(h) for h in uow.holdings.iter_party(holder)]
        decided = uow.reviews.proposals_in(requester, holder, _DECIDED)
    if not requests:
        raise NotFound(f"party {requester} has no requests to reconcile (import them first)")
    if not holdings:
        raise NotFound(f"party {holder} has no holdings to reconcile with (import them first)")
    return requests, holdings, decided


def _pairs(proposals: Sequence[Proposal], state: ReviewState) -> set[tuple[str, str]]:
    return {
        (p.request_id, p.holding_id)
        for p in proposals
        if p.state is state and p.holding_id is not None
    }


def _reviewable(d: Decision) -> Decision:
    """A review without a holding, but with close ones, proposes the closest.

    The engine leaves ``holding_id`` empty when the holdings closest to a request answer
    other requests better; a person must still look, so the closest is put before the
    holding party (confirming it twice is refused: ``check_one_to_one``).
    """
    if d.holding_id is not None or d.outcome is not Outcome.REVIEW or not d.alternatives:
        return d
    closest, *others = d.alternatives
    return dataclasses.replace(
        d,
        holding_id=closest.holding_id,
        probability=closest.probability,
        explanation=f"{closest.explanation} ({d.explanation})",
        alternatives=tuple(others),
    )


def _proposal(run_id: int, requester: str, holder: str, d: Decision) -> Proposal:
    return Proposal(
        run_id=run_id,
        requester=requester,
        request_id=d.request_id,
        holder=holder,
        holding_id=d.holding_id,
        probability=d.probability,
        outcome=ProposalOutcome(d.outcome.value),
        explanation=d.explanation,
        state=ReviewState.PROPOSED if d.holding_id else ReviewState.UNMATCHED,
        alternatives=tuple(
            Alternative(c.holding_id, c.probability, c.explanation) for c in d.alternatives
        ),
    )


@dataclass(slots=True)
class _Plan:
    new: list[Proposal]
    superseded: list[Proposal]
    kept: dict[ReviewState, int]


def _plan(
    run_id: int, requester: str, holder: str, result: Reconciliation, earlier: list[Proposal]
) -> _Plan:
    """Which proposals to store, which earlier ones to supersede, which decisions stand.

    A pair already confirmed, rejected or escalated is not proposed again (the engine is
    told the decided ones; an escalated pair stays with the mediator). Every earlier
    proposal nobody acted on is superseded: this run's proposals replace them.
    """
    standing = {
        (p.request_id, p.holding_id): p.state
        for p in earlier
        if p.state is not ReviewState.PROPOSED
    }
    plan = _Plan([], [supersede(p) for p in earlier if p.state is ReviewState.PROPOSED], {})
    for d in map(_reviewable, result.decisions):
        state = standing.get((d.request_id, d.holding_id)) if d.holding_id else None
        if state is not None:
            plan.kept[state] = plan.kept.get(state, 0) + 1
            continue
        plan.new.append(_proposal(run_id, requester, holder, d))
    return plan


def _new_merges(
    uow: ReviewUnitOfWork, party: str, run_id: int, result: Reconciliation
) -> list[RequestMerge]:
    known = {m.merged for m in uow.reviews.merges(party)}
    return [
        RequestMerge(group.kept, merged, group.probability, run_id)
        for group in result.duplicates
        for merged in group.merged
        if merged not in known
    ]


def reconcile_parties(
    uow: ReviewUnitOfWork,
    *,
    requester: str,
    holder: str,
    actor: str,
    now: datetime,
    config: MatchConfig | None = None,
    on_progress: Progress | None = None,
    reconcile: Reconciler = engine_reconcile,
) -> ReconcileSummary:
    """Match ``requester``'s requests against ``holder``'s holdings and store the proposals.

    The records are read in one short transaction and matched outside any, so that a
    long run does not hold the database; the proposals are written in a second one.

    Raises:
        InvalidValue: both parties are the same.
        NotFound: a party is unknown, or has no requests (holdings) to match.
    """
    if requester == holder:
        raise InvalidValue("holder", f"{holder} is the requester too: name the other party")
    requests, holdings, decided = _load(uow, requester, holder)
    result = reconcile(
        requests,
        holdings,
        config,
        confirmed=_pairs(decided, ReviewState.CONFIRMED),
        rejected=_pairs(decided, ReviewState.REJECTED),
        on_progress=on_progress,
    )
    with uow:
        run_id = uow.reviews.start_run(
            requester, holder, actor=actor, at=now, config=_config_of(config)
        )
        counts, merges = _store(uow, run_id, requester, holder, result, now)
        counts = dataclasses.replace(counts, requests=len(requests), holdings=len(holdings))
        uow.reviews.finish_run(run_id, counts)
        uow.record(
            RequestsReconciled(
                occurred_at=now,
                actor=actor,
                run_id=run_id,
                requester=requester,
                holder=holder,
                **dataclasses.asdict(counts),
            )
        )
        _record_merges(uow, requester, run_id, merges, actor, now)
        uow.commit()
    return ReconcileSummary(run_id, requester, holder, counts)


def _store(
    uow: ReviewUnitOfWork,
    run_id: int,
    requester: str,
    holder: str,
    result: Reconciliation,
    now: datetime,
) -> tuple[RunCounts, list[RequestMerge]]:
    """Store a run's proposals and merges; count them (the record counts left at 0).

    Decisions are read again here, inside the writing transaction, so that one made
    while the engine ran is kept too.
    """
    earlier = uow.reviews.proposals_in(requester, holder, _DECIDED | OPEN_STATES)
    plan = _plan(run_id, requester, holder, result, earlier)
    uow.reviews.save_states(plan.superseded, now)
    uow.reviews.add_proposals(plan.new, now)
    merges = _new_merges(uow, requester, run_id, result)
    uow.reviews.add_merges(requester, merges, now)
    found = result.counts()
    counts = RunCounts(
        requests=0,
        holdings=0,
        candidate_pairs=result.candidate_pairs,
        matched=found[Outcome.MATCH.value],
        review=found[Outcome.REVIEW.value],
        no_match=found[Outcome.NO_MATCH.value],
        proposed=sum(1 for p in plan.new if p.state is ReviewState.PROPOSED),
        kept_confirmed=plan.kept.get(ReviewState.CONFIRMED, 0),
        kept_escalated=plan.kept.get(ReviewState.ESCALATED, 0),
        superseded=len(plan.superseded),
        merged=len(merges),
    )
    return counts, merges


def _record_merges(
    uow: ReviewUnitOfWork,
    party: str,
    run_id: int,
    merges: list[RequestMerge],
    actor: str,
    now: datetime,
) -> None:
    groups: dict[str, list[str]] = {}
    for m in merges:
        groups.setdefault(m.kept, []).append(m.merged)
    for kept, merged in groups.items():
        uow.record(
            RequestsMerged(
                occurred_at=now,
                actor=actor,
                party=party,
                run_id=run_id,
                kept=kept,
                merged=tuple(merged),
            )
        )
