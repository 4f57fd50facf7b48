"""The plan tables behind ``parley.services.ports.PlanRepository``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from parley.adapters.orm import PlanReleaseRow, PlanRow
from parley.services.ports import PlannedPerson, PlanSummary, StoredPlan

__all__ = ["SqlPlanRepository"]


class SqlPlanRepository:
    """Plans in table ``plans``, the people each names in ``plan_releases``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        agreement: str,
        status: str,
        document: str,
        people: Sequence[PlannedPerson],
        at: datetime,
    ) -> int:
        """Store a plan and its people (one executemany for all of them)."""
        row = PlanRow(
            agreement_name=agreement[:200], status=status, created_at=at, document=document
        )
        self._session.add(row)
        self._session.flush()
        if people:
            self._session.execute(
                insert(PlanReleaseRow),
                [
                    {
                        "plan_id": row.id,
                        "party_code": p.party,
                        "record_id": p.record_id,
                        "track": p.track,
                        "tranche": p.tranche,
                        "reserve_rank": p.reserve_rank,
                    }
                    for p in people
                ],
            )
        return row.id

    def get(self, plan_id: int) -> StoredPlan | None:
        """The plan ``plan_id`` with its people (releases by tranche, then reserves by rank)."""
        row = self._session.get(PlanRow, plan_id)
        return None if row is None else self._stored(row)

    def latest(self, agreement: str) -> StoredPlan | None:
        """The plan stored last for the agreement named ``agreement``."""
        query = (
            select(PlanRow)
            .where(PlanRow.agreement_name == agreement[:200])
            .order_by(PlanRow.created_at.desc(), PlanRow.id.desc())
            .limit(1)
        )
        row = self._session.scalars(query).first()
        return None if row is None else self._stored(row)

    def summaries(
        self, agreement: str | None, *, limit: int, offset: int
    ) -> tuple[list[PlanSummary], int]:
        """A page of plans, newest first, with the people each releases and keeps per
        party (one grouped query for the page; the documents are not read)."""
        where = [] if agreement is None else [PlanRow.agreement_name == agreement[:200]]
        total = self._session.scalar(select(func.count()).select_from(PlanRow).where(*where))
        query = (
            select(PlanRow.id, PlanRow.agreement_name, PlanRow.status, PlanRow.created_at)
            .where(*where)
            .order_by(PlanRow.created_at.desc(), PlanRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = self._session.execute(query).all()
        released: dict[int, dict[str, int]] = {row.id: {} for row in rows}
        reserves: dict[int, dict[str, int]] = {row.id: {} for row in rows}
        if rows:
            r = PlanReleaseRow
            counts = (
                select(r.plan_id, r.party_code, r.tranche.is_(None), func.count())
                .where(r.plan_id.in_(list(released)))
                .group_by(r.plan_id, r.party_code, r.tranche.is_(None))
            )
            for plan_id, party, reserve, n in self._session.execute(counts):
                (reserves if reserve else released)[plan_id][party] = n
        out = [
            PlanSummary(
                id=row.id,
                agreement=row.agreement_name,
                status=row.status,
                created_at=row.created_at,
                released=released[row.id],
                reserves=reserves[row.id],
            )
            for row in rows
        ]
        return out, int(total or 0)

    def _stored(self, row: PlanRow) -> StoredPlan:
        r = PlanReleaseRow
        query = (
            select(r.party_code, r.record_id, r.track, r.tranche, r.reserve_rank)
            .where(r.plan_id == row.id)
            .order_by(r.reserve_rank.is_not(None), r.tranche, r.reserve_rank, r.party_code, r.id)
        )
        people = tuple(PlannedPerson(*p) for p in self._session.execute(query))
        return StoredPlan(
            id=row.id,
            agreement=row.agreement_name,
            status=row.status,
            created_at=row.created_at,
            document=json.loads(row.document),
            people=people,
        )
