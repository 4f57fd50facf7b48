"""The rounds and their commitments, in tables ``rounds`` and ``commitments``.

A round's delegations are a JSON object (party code: delegation, in the order given)
and its agreements a JSON list; a commitment's precondition is a JSON object holding
only the keys its kind uses, as the rounds file writes them (``docs/rounds.md``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.adapters.orm import CommitmentRow, RoundRow
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    Precondition,
    PreconditionKind,
    Round,
    RoundStatus,
)
from parley.errors import NotFound
from parley.services.rounds import StoredCommitment, StoredRound

__all__ = ["SqlRoundRepository"]


class SqlRoundRepository:
    """Rounds by number, commitments by ref (``parley.services.rounds.RoundRepository``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, rounds: Sequence[tuple[Round, Sequence[Commitment]]], at: datetime) -> None:
        """Store the rounds, each with exactly its commitments; see the port for what is kept."""
        for round_, _ in rounds:
            self._put_round(round_)
        self._session.flush()  # the rounds exist before a commitment points at one
        numbers = [r.number for r, _ in rounds]
        listed = {c.ref: c for _, commitments in rounds for c in commitments}
        query = select(CommitmentRow).where(CommitmentRow.round_number.in_(numbers))
        for old in self._session.scalars(query):
            if old.ref not in listed:
                self._session.delete(old)
        for c in listed.values():
            # By ref, not by round: a commitment moved to another round keeps its row.
            row = self._session.get(CommitmentRow, c.ref)
            if row is None:
                row = CommitmentRow(ref=c.ref)
                self._session.add(row)
            if row.status != c.status.value:
                row.status_since = at
            row.round_number = c.round_number
            row.text = c.text
            row.precondition = json.dumps(_precondition_json(c.precondition), ensure_ascii=False)
            row.status = c.status.value
        self._session.flush()

    def _put_round(self, round_: Round) -> None:
        row = self._session.get(RoundRow, round_.number)
        if row is None:
            row = RoundRow(number=round_.number)
            self._session.add(row)
        row.venue = round_.venue
        row.starts_on = round_.starts_on
        row.status = round_.status.value
        row.mediator = round_.mediator
        row.delegations = json.dumps(dict(round_.delegations), ensure_ascii=False)
        row.agreements = json.dumps(list(round_.agreements), ensure_ascii=False)

    def all(self) -> list[StoredRound]:
        """Every round by number; its commitments by ref."""
        rounds = self._session.scalars(select(RoundRow).order_by(RoundRow.number))
        commitments: dict[int, list[StoredCommitment]] = {}
        query = select(CommitmentRow).order_by(CommitmentRow.round_number, CommitmentRow.ref)
        for crow in self._session.scalars(query):
            commitments.setdefault(crow.round_number, []).append(_commitment(crow))
        return [StoredRound(_round(row), tuple(commitments.get(row.number, []))) for row in rounds]

    def save_status(self, commitment: Commitment, at: datetime) -> None:
        """Store the commitment's status, taken at ``at``.

        Raises:
            NotFound: no commitment has that ref.
        """
        row = self._session.get(CommitmentRow, commitment.ref)
        if row is None:
            raise NotFound(f"no commitment {commitment.ref!r} is stored")
        row.status = commitment.status.value
        row.status_since = at
        self._session.flush()


def _precondition_json(pre: Precondition) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": pre.kind.value}
    if pre.agreement_ref is not None:
        out["agreement"] = pre.agreement_ref
    if pre.stages is not None:
        out["stages"] = pre.stages
    if pre.on is not None:
        out["date"] = pre.on.isoformat()
    return out


def _round(row: RoundRow) -> Round:
    delegations: dict[str, str] = json.loads(row.delegations or "{}")
    agreements: list[str] = json.loads(row.agreements or "[]")
    return Round(
        row.number,
        row.venue,
        row.starts_on,
        RoundStatus(row.status),
        row.mediator,
        tuple(delegations.items()),
        tuple(agreements),
    )


def _commitment(row: CommitmentRow) -> StoredCommitment:
    raw: dict[str, Any] = json.loads(row.precondition)
    on = raw.get("date")
    pre = Precondition(
        PreconditionKind(raw.get("kind", "none")),
        raw.get("agreement"),
        raw.get("stages"),
        None if on is None else date.fromisoformat(on),
    )
    status = CommitmentStatus(row.status)
    return StoredCommitment(
        Commitment(row.ref, row.round_number, row.text, pre, status), row.status_since
    )
