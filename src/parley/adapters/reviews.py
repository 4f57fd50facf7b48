"""The review tables behind ``parley.services.ports.ReviewRepository``.

Proposals and merges point at person records by their row ids (foreign keys); the
domain names records by the party's own record ids. This module translates between the
two, a party at a time, so that storing a run's proposals costs two queries and one
executemany, not one query per request.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from parley.adapters.orm import (
    HoldingRow,
    ProposalRow,
    ReconciliationRunRow,
    RequestMergeRow,
    RequestRow,
    ReviewDecisionRow,
)
from parley.domain.reviews import (
    Alternative,
    Proposal,
    ProposalOutcome,
    RejectionReason,
    ReviewDecision,
    ReviewState,
)
from parley.services.ports import ProposalQuery, RequestMerge, RunCounts

__all__ = ["SqlReviewRepository"]

_Run = ReconciliationRunRow
_Kept = aliased(RequestRow)
_Merged = aliased(RequestRow)


# Proposals with their run's parties and the record ids they point at.
_PROPOSALS = (
    select(
        ProposalRow,
        _Run.requester_code,
        _Run.holder_code,
        RequestRow.record_id.label("request_record"),
        HoldingRow.record_id.label("holding_record"),
    )
    .join(_Run, ProposalRow.run_id == _Run.id)
    .join(RequestRow, ProposalRow.request_id == RequestRow.id)
    .outerjoin(HoldingRow, ProposalRow.holding_id == HoldingRow.id)
    .order_by(ProposalRow.id)
)


def _selected(query: ProposalQuery) -> list[Any]:
    """The conditions of ``query`` on ``_PROPOSALS``' tables."""
    where: list[Any] = []
    if query.states:
        where.append(ProposalRow.state.in_([s.value for s in query.states]))
    if query.outcomes:
        where.append(ProposalRow.outcome.in_([o.value for o in query.outcomes]))
    if query.holder is not None:
        where.append(_Run.holder_code == query.holder)
    if query.requester is not None:
        where.append(_Run.requester_code == query.requester)
    if query.min_probability is not None:
        where.append(ProposalRow.probability >= query.min_probability)
    if query.max_probability is not None:
        where.append(ProposalRow.probability <= query.max_probability)
    return where


def _decision(r: ReviewDecisionRow) -> ReviewDecision:
    return ReviewDecision(
        proposal_id=r.proposal_id,
        from_state=ReviewState(r.from_state),
        to_state=ReviewState(r.to_state),
        reason=None if r.reason is None else RejectionReason(r.reason),
        note=r.note,
        actor=r.actor,
        acting_as=r.acting_as,
        at=r.decided_at,
    )


def _proposal(row: Any) -> Proposal:
    p: ProposalRow = row[0]
    return Proposal(
        run_id=p.run_id,
        requester=row.requester_code,
        request_id=row.request_record,
        holder=row.holder_code,
        holding_id=row.holding_record,
        probability=p.probability,
        outcome=ProposalOutcome(p.outcome),
        explanation=p.explanation,
        state=ReviewState(p.state),
        alternatives=tuple(Alternative(**a) for a in json.loads(p.alternatives)),
        id=p.id,
    )


def _alternatives(proposal: Proposal) -> str:
    return json.dumps(
        [dataclasses.asdict(a) for a in proposal.alternatives], ensure_ascii=False, sort_keys=True
    )


class SqlReviewRepository:
    """Reconciliation runs, proposals, review decisions and merged requests."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def start_run(
        self, requester: str, holder: str, *, actor: str, at: datetime, config: Mapping[str, object]
    ) -> int:
        """Register a run; its counts are filled in by ``finish_run``."""
        counts = {f.name: 0 for f in dataclasses.fields(RunCounts)}
        row = _Run(
            requester_code=requester,
            holder_code=holder,
            started_at=at,
            actor=actor,
            config=json.dumps(config, sort_keys=True),
            **counts,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def finish_run(self, run_id: int, counts: RunCounts) -> None:
        """Record what the run found and stored."""
        self._session.execute(
            update(_Run).where(_Run.id == run_id).values(**dataclasses.asdict(counts))
        )

    def _row_ids(
        self, table: type[RequestRow] | type[HoldingRow], party: str, wanted: Iterable[str]
    ) -> dict[str, int]:
        """Row ids of ``party``'s records named in ``wanted``.

        Raises:
            LookupError: a record id is not stored (a bug: proposals come from stored records).
        """
        query = select(table.record_id, table.id).where(table.party_code == party)
        ids: dict[str, int] = {row[0]: row[1] for row in self._session.execute(query)}
        missing = [w for w in wanted if w not in ids]
        if missing:
            raise LookupError(f"{table.__tablename__} of {party} not stored: {missing[:5]}")
        return ids

    def add_proposals(self, proposals: Sequence[Proposal], at: datetime) -> None:
        """Store proposals (their ``id`` is ignored); all of one run's parties."""
        if not proposals:
            return
        first = proposals[0]
        requests = self._row_ids(RequestRow, first.requester, {p.request_id for p in proposals})
        held = {p.holding_id for p in proposals if p.holding_id is not None}
        holdings = self._row_ids(HoldingRow, first.holder, held) if held else {}
        rows = [
            {
                "run_id": p.run_id,
                "request_id": requests[p.request_id],
                "holding_id": None if p.holding_id is None else holdings[p.holding_id],
                "probability": p.probability,
                "outcome": p.outcome.value,
                "state": p.state.value,
                "explanation": p.explanation,
                "alternatives": _alternatives(p),
                "updated_at": at,
            }
            for p in proposals
        ]
        self._session.execute(insert(ProposalRow), rows)

    def proposals_in(
        self, requester: str, holder: str, states: Collection[ReviewState]
    ) -> list[Proposal]:
        """Every proposal between the two parties in one of ``states``, oldest first."""
        query = _PROPOSALS.where(
            _Run.requester_code == requester,
            _Run.holder_code == holder,
            ProposalRow.state.in_([s.value for s in states]),
        )
        return [_proposal(row) for row in self._session.execute(query)]

    def queue(self, holder: str | None, states: Collection[ReviewState]) -> list[Proposal]:
        """Proposals in ``states`` on ``holder``'s holdings (every party's when None)."""
        query = _PROPOSALS.where(ProposalRow.state.in_([s.value for s in states]))
        if holder is not None:
            query = query.where(_Run.holder_code == holder)
        return [_proposal(row) for row in self._session.execute(query)]

    def get(self, proposal_id: int) -> Proposal | None:
        """The proposal ``proposal_id``, or None."""
        row = self._session.execute(_PROPOSALS.where(ProposalRow.id == proposal_id)).first()
        return None if row is None else _proposal(row)

    def save_states(self, proposals: Sequence[Proposal], at: datetime) -> None:
        """Store each proposal's state."""
        if not proposals:
            return
        table = cast(Table, ProposalRow.__table__)
        self._session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(state=bindparam("b_state"), updated_at=bindparam("b_at")),
            [{"b_id": p.id, "b_state": p.state.value, "b_at": at} for p in proposals],
        )

    def add_decision(self, decision: ReviewDecision) -> None:
        """Keep a decision; decisions are never changed."""
        self._session.add(
            ReviewDecisionRow(
                proposal_id=decision.proposal_id,
                from_state=decision.from_state.value,
                to_state=decision.to_state.value,
                reason=None if decision.reason is None else decision.reason.value,
                note=decision.note,
                actor=decision.actor,
                acting_as=decision.acting_as,
                decided_at=decision.at,
            )
        )  # written with the unit's commit: thousands of decisions go in a few statements

    def decisions(self, proposal_id: int) -> list[ReviewDecision]:
        """Every decision on a proposal, oldest first."""
        rows = self._session.scalars(
            select(ReviewDecisionRow)
            .where(ReviewDecisionRow.proposal_id == proposal_id)
            .order_by(ReviewDecisionRow.id)
        )
        return [_decision(r) for r in rows]

    def find(self, query: ProposalQuery, *, limit: int, offset: int) -> tuple[list[Proposal], int]:
        """A page of the proposals ``query`` selects, oldest first; the total."""
        where = _selected(query)
        counted = (
            select(func.count())
            .select_from(ProposalRow)
            .join(_Run, ProposalRow.run_id == _Run.id)
            .where(*where)
        )
        total = self._session.scalar(counted) or 0
        rows = self._session.execute(_PROPOSALS.where(*where).limit(limit).offset(offset))
        return [_proposal(row) for row in rows], total

    def last_decisions(self, proposal_ids: Collection[int]) -> dict[int, ReviewDecision]:
        """The latest decision on each of these proposals that has one."""
        ids = list(proposal_ids)
        if not ids:
            return {}
        latest = (
            select(func.max(ReviewDecisionRow.id))
            .where(ReviewDecisionRow.proposal_id.in_(ids))
            .group_by(ReviewDecisionRow.proposal_id)
        )
        rows = self._session.scalars(
            select(ReviewDecisionRow).where(ReviewDecisionRow.id.in_(latest))
        )
        return {r.proposal_id: _decision(r) for r in rows}

    def add_merges(self, party: str, merges: Sequence[RequestMerge], at: datetime) -> None:
        """Record requests merged into others of the same party."""
        if not merges:
            return
        wanted = {m.kept for m in merges} | {m.merged for m in merges}
        ids = self._row_ids(RequestRow, party, wanted)
        rows = [
            {
                "party_code": party,
                "kept_id": ids[m.kept],
                "merged_id": ids[m.merged],
                "run_id": m.run_id,
                "probability": m.probability,
                "merged_at": at,
            }
            for m in merges
        ]
        self._session.execute(insert(RequestMergeRow), rows)

    def merges(self, party: str) -> list[RequestMerge]:
        """Every merge of ``party``'s requests, oldest first."""
        query = (
            select(
                _Kept.record_id,
                _Merged.record_id,
                RequestMergeRow.probability,
                RequestMergeRow.run_id,
            )
            .join(_Kept, RequestMergeRow.kept_id == _Kept.id)
            .join(_Merged, RequestMergeRow.merged_id == _Merged.id)
            .where(RequestMergeRow.party_code == party)
            .order_by(RequestMergeRow.id)
        )
        return [RequestMerge(*row) for row in self._session.execute(query)]
