"""Data protection in SQL: each record's purpose, retention's removals, one person's file.

What ``services.ports.DataProtection`` asks, on the unit of work's session. The
removals delete rows in the order the foreign keys need (a decision before its
proposal, a proposal before the holding or request it names).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from parley.adapters.fastpath import SessionSource, session_of
from parley.adapters.orm import (
    AccessLogRow,
    CrossingRow,
    HoldingRow,
    IdempotencyKeyRow,
    ManifestRow,
    NeutralFindingRow,
    PersonSaltRow,
    PlanReleaseRow,
    ProposalRow,
    RecordVersionRow,
    RequestMergeRow,
    RequestRow,
    RetentionRunRow,
    ReviewDecisionRow,
    TrancheRow,
    WebSessionRow,
)
from parley.services.ports import Closure

__all__ = ["SqlDataProtection"]

_TABLES: dict[str, type[HoldingRow] | type[RequestRow]] = {
    "holdings": HoldingRow,
    "requests": RequestRow,
}
_CHUNK = 500  # ids per IN list: well under SQLite's and PostgreSQL's parameter limits
_SETTLED = ("closed", "cancelled")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row(row: Any, *, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _plain(getattr(row, c.key)) for c in row.__table__.columns if c.key not in leave}


def _chunks(ids: Sequence[Any]) -> list[Sequence[Any]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


class SqlDataProtection:
    """Purposes, retention and one person's file, over the unit of work's session."""

    def __init__(self, session: SessionSource) -> None:
        self._source = session

    @property
    def _session(self) -> Session:
        return session_of(self._source)

    # --- purposes -------------------------------------------------------------------

    def claim(self, kind: str, party: str, import_id: int, purpose: str) -> tuple[str, str] | None:
        """Give the records ``import_id`` created ``purpose``; the first record it changed
        that is held for another purpose, as (record id, its purpose), or None."""
        table = _TABLES[kind]
        mine = (table.party_code == party, table.import_id == import_id)
        self._session.execute(
            update(table).where(*mine, table.version == 1).values(purpose=purpose)
        )
        found = self._session.execute(
            select(table.record_id, table.purpose)
            .where(*mine, table.purpose != purpose)
            .order_by(table.record_id)
            .limit(1)
        ).first()
        return None if found is None else (found[0], found[1])

    def purposes(self, kind: str, party: str, record_ids: Sequence[str]) -> dict[str, str]:
        """Record id -> purpose, for those of ``record_ids`` that ``party`` has."""
        table = _TABLES[kind]
        out: dict[str, str] = {}
        for chunk in _chunks(list(record_ids)):
            rows = self._session.execute(
                select(table.record_id, table.purpose).where(
                    table.party_code == party, table.record_id.in_(chunk)
                )
            )
            out.update({r[0]: r[1] for r in rows})
        return out

    def first_outside(self, kind: str, party: str, purpose: str) -> tuple[str, str] | None:
        """The first of ``party``'s records (by record id) held for another purpose."""
        table = _TABLES[kind]
        found = self._session.execute(
            select(table.record_id, table.purpose)
            .where(table.party_code == party, table.purpose != purpose)
            .order_by(table.record_id)
            .limit(1)
        ).first()
        return None if found is None else (found[0], found[1])

    # --- retention ------------------------------------------------------------------

    def closure(self) -> Closure:
        """When the exchanges closed, or the first tranche or manifest still open."""
        tranches = self._session.execute(
            select(
                TrancheRow.exchange, TrancheRow.number, TrancheRow.state, TrancheRow.closed_at
            ).order_by(TrancheRow.exchange, TrancheRow.number)
        ).all()
        if not tranches:
            return Closure(None, "no exchange has tranches yet")
        for exchange, number, state, _ in tranches:
            if state not in _SETTLED:
                return Closure(None, f"tranche {number} of exchange {exchange} is {state}")
        latest = (
            select(ManifestRow.tranche_id, ManifestRow.side, func.max(ManifestRow.version))
            .group_by(ManifestRow.tranche_id, ManifestRow.side)
            .subquery()
        )
        unsealed = self._session.execute(
            select(TrancheRow.exchange, TrancheRow.number, ManifestRow.side, ManifestRow.version)
            .join(TrancheRow, TrancheRow.id == ManifestRow.tranche_id)
            .join(
                latest,
                (latest.c.tranche_id == ManifestRow.tranche_id)
                & (latest.c.side == ManifestRow.side)
                & (latest.c[2] == ManifestRow.version),
            )
            .where(ManifestRow.sealed_at.is_(None), TrancheRow.state != "cancelled")
            .limit(1)
        ).first()
        if unsealed is not None:
            exchange, number, side, version = unsealed
            return Closure(
                None,
                f"manifest version {version} of {side} in tranche {number} of exchange "
                f"{exchange} is not sealed",
            )
        closed = [c for *_, c in tranches if c is not None]
        return Closure(max(closed) if closed else None, None if closed else "no tranche closed")

    def _due(self, kind: str, before: datetime | None) -> Select[Any]:
        """The keys of ``kind``'s rows changed last by ``before`` (all of them for None)."""
        kinds: dict[str, tuple[Any, Any]] = {
            "holdings": (HoldingRow.id, HoldingRow.updated_at),
            "requests": (RequestRow.id, RequestRow.updated_at),
            "reviews": (ProposalRow.id, ProposalRow.updated_at),
            "findings": (NeutralFindingRow.id, NeutralFindingRow.recorded_at),
            "versions": (RecordVersionRow.id, RecordVersionRow.replaced_at),
            "access_log": (AccessLogRow.id, AccessLogRow.at),
            "sessions": (
                WebSessionRow.id,
                func.coalesce(WebSessionRow.ended_at, WebSessionRow.expires_at),
            ),
            "idempotency": (IdempotencyKeyRow.key, IdempotencyKeyRow.recorded_at),
        }
        key, changed = kinds[kind]
        query = select(key)
        return query if before is None else query.where(changed <= before)

    def count(self, kind: str, before: datetime | None = None) -> int:
        """How many rows of ``kind`` there are, or how many were changed last by ``before``."""
        query = self._due(kind, before).subquery()
        return int(self._session.scalar(select(func.count()).select_from(query)) or 0)

    def remove(self, kind: str, before: datetime) -> int:
        """Delete every row of ``kind`` changed last by ``before``; how many went."""
        ids = list(self._session.scalars(self._due(kind, before)))
        for chunk in _chunks(ids):
            self._delete(kind, chunk)
        return len(ids)

    def _delete(self, kind: str, ids: Sequence[Any]) -> None:
        s = self._session
        if kind in _TABLES:
            table = _TABLES[kind]
            named = s.execute(select(table.party_code, table.record_id).where(table.id.in_(ids)))
            pairs = [(p, r) for p, r in named]
            column = ProposalRow.holding_id if kind == "holdings" else ProposalRow.request_id
            self._delete_proposals(select(ProposalRow.id).where(column.in_(ids)))
            if kind == "requests":
                s.execute(
                    delete(RequestMergeRow).where(
                        or_(RequestMergeRow.kept_id.in_(ids), RequestMergeRow.merged_id.in_(ids))
                    )
                )
            for party in {p for p, _ in pairs}:
                record_ids = [r for p, r in pairs if p == party]
                s.execute(
                    delete(RecordVersionRow).where(
                        RecordVersionRow.kind == kind,
                        RecordVersionRow.party_code == party,
                        RecordVersionRow.record_id.in_(record_ids),
                    )
                )
            s.execute(delete(table).where(table.id.in_(ids)))
        elif kind == "reviews":
            self._delete_proposals(ids)
        else:
            row = {
                "findings": NeutralFindingRow,
                "versions": RecordVersionRow,
                "access_log": AccessLogRow,
                "sessions": WebSessionRow,
            }.get(kind)
            if row is not None:
                s.execute(delete(row).where(row.id.in_(ids)))  # type: ignore[attr-defined]
            else:
                s.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.key.in_(ids)))

    def _delete_proposals(self, ids: Any) -> None:
        self._session.execute(
            delete(ReviewDecisionRow).where(ReviewDecisionRow.proposal_id.in_(ids))
        )
        self._session.execute(delete(ProposalRow).where(ProposalRow.id.in_(ids)))

    def register(
        self, *, at: datetime, actor: str, kind: str, days: int, removed: int, kept: int, note: str
    ) -> None:
        """Add a line to the retention register (counts only)."""
        self._session.add(
            RetentionRunRow(
                applied_at=at,
                actor=actor,
                kind=kind,
                days=days,
                removed=removed,
                kept=kept,
                note=note,
            )
        )
        self._session.flush()

    def registered(self) -> list[dict[str, Any]]:
        """The retention register, oldest first."""
        rows = self._session.scalars(select(RetentionRunRow).order_by(RetentionRunRow.id))
        return [_row(r) for r in rows]

    # --- one person's file ----------------------------------------------------------

    def person(self, party: str, record_id: str) -> dict[str, Any]:
        """What parley holds about one record of ``party`` besides its versions."""
        s = self._session
        records: dict[str, Any] = {
            kind: s.scalars(
                select(table).where(table.party_code == party, table.record_id == record_id)
            ).first()
            for kind, table in _TABLES.items()
        }
        holding, request = records["holdings"], records["requests"]
        proposals = []
        if holding is not None or request is not None:
            which = []
            if holding is not None:
                which.append(ProposalRow.holding_id == holding.id)
            if request is not None:
                which.append(ProposalRow.request_id == request.id)
            for p in s.scalars(select(ProposalRow).where(or_(*which)).order_by(ProposalRow.id)):
                decisions = s.scalars(
                    select(ReviewDecisionRow)
                    .where(ReviewDecisionRow.proposal_id == p.id)
                    .order_by(ReviewDecisionRow.id)
                )
                shown = _row(p)
                shown["explanation"] = json.loads(p.explanation) if p.explanation else None
                shown["alternatives"] = json.loads(p.alternatives) if p.alternatives else []
                shown["request_record_id"] = s.scalar(
                    select(RequestRow.record_id).where(RequestRow.id == p.request_id)
                )
                shown["holding_record_id"] = s.scalar(
                    select(HoldingRow.record_id).where(HoldingRow.id == p.holding_id)
                )
                shown["decisions"] = [_row(d) for d in decisions]
                proposals.append(shown)
        crossings = s.scalars(
            select(CrossingRow)
            .where(CrossingRow.side == party, CrossingRow.record_id == record_id)
            .order_by(CrossingRow.id)
        ).all()
        listings = []
        tranche_ids = sorted({c.tranche_id for c in crossings})
        for m in s.scalars(
            select(ManifestRow)
            .where(ManifestRow.side == party, ManifestRow.tranche_id.in_(tranche_ids))
            .order_by(ManifestRow.tranche_id, ManifestRow.version)
        ):
            if _lists(json.loads(m.document), record_id):
                listings.append(_row(m, leave=("document",)))
        return {
            "records": {
                k: {"status": r.status, "purpose": r.purpose, "version": r.version}
                for k, r in records.items()
                if r is not None
            },
            "matches": proposals,
            "plans": [
                _row(r)
                for r in s.scalars(
                    select(PlanReleaseRow)
                    .where(
                        PlanReleaseRow.party_code == party, PlanReleaseRow.record_id == record_id
                    )
                    .order_by(PlanReleaseRow.id)
                )
            ],
            "manifests": listings,
            "crossings": [_row(c) for c in crossings],
            "findings": [
                _row(f)
                for f in s.scalars(
                    select(NeutralFindingRow)
                    .where(
                        NeutralFindingRow.side == party, NeutralFindingRow.record_id == record_id
                    )
                    .order_by(NeutralFindingRow.id)
                )
            ],
            "receipts": [
                _row(r)
                for r in s.scalars(
                    select(PersonSaltRow).where(
                        PersonSaltRow.party_code == party, PersonSaltRow.record_id == record_id
                    )
                )
            ],
            "access_log": [
                _row(a)
                for a in s.scalars(
                    select(AccessLogRow)
                    .where(
                        or_(
                            AccessLogRow.object_id == f"{party}/{record_id}",
                            AccessLogRow.object_id == record_id,
                        )
                    )
                    .order_by(AccessLogRow.id)
                )
            ],
        }


def _lists(document: Any, record_id: str) -> bool:
    """Whether a manifest document names ``record_id`` anywhere."""
    if isinstance(document, dict):
        return any(
            (k == "record_id" and v == record_id) or _lists(v, record_id)
            for k, v in document.items()
        )
    if isinstance(document, list):
        return any(_lists(v, record_id) for v in document)
    return False
