"""The append-only event log: domain events written in the transaction of their change.

This is the seam the ledger builds on: it will hash each appended entry into the Merkle
tree in the same transaction. Entries are JSON with sorted keys and no personal data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from parley.adapters.orm import EventRow
from parley.domain.events import DomainEvent

__all__ = ["append_events", "read_events"]


def append_events(session: Session, events: Sequence[DomainEvent]) -> None:
    """Append ``events`` in order; they commit or roll back with the session."""
    if not events:
        return
    session.execute(
        insert(EventRow),
        [
            {
                "type": e.name,
                "occurred_at": e.occurred_at,
                "actor": e.actor,
                "payload": json.dumps(
                    e.payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
                ),
            }
            for e in events
        ],
    )


def read_events(session: Session, *, after: int = 0, limit: int = 1000) -> list[EventRow]:
    """Events with ``seq`` above ``after``, oldest first."""
    query = select(EventRow).where(EventRow.seq > after).order_by(EventRow.seq).limit(limit)
    return list(session.scalars(query))
