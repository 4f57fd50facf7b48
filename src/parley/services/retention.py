"""Retention: remove what is kept longer than its period, and register that it was.

DOMAIN.md §4 (ICRC Handbook): set retention periods. ``domain.retention`` holds the
kinds, their two clocks and the default days; ``config.Settings.retention`` the days in
force. What an exchange still needs is never removed: while a tranche is not closed or
a manifest not sealed, nothing counted from the exchange's close is due, and the
answer says why it was kept.

Each removal is a line of the retention register (``retention_runs``): the kind, the
days, how many went and how many stayed, never a record id. It is not an entry of the
public log: the log is replayed into the exchange's balances and lists what the
parties did; a removal changes neither, and the register can be shown to an auditor
with the database (docs/data-protection.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from parley.domain.retention import EXCHANGE_BOUND, RecordKind
from parley.services.ports import UnitOfWork, protection_of

__all__ = ["RetentionLine", "apply_retention"]


@dataclass(frozen=True, slots=True)
class RetentionLine:
    """What retention did, or would do, to one kind of record.

    Attributes:
        kind: the kind of record.
        days: its retention period.
        due: how many rows were due (removed, unless a dry run).
        kept: how many stay.
        note: why the rest stay, in words (e.g. "tranche 2 of exchange demo is open").
    """

    kind: RecordKind
    days: int
    due: int
    kept: int
    note: str


def _line(
    uow: UnitOfWork, kind: RecordKind, days: int, now: datetime
) -> tuple[RetentionLine, datetime | None]:
    protection = protection_of(uow)
    total = protection.count(kind.value)
    before: datetime | None
    if kind in EXCHANGE_BOUND:
        closure = protection.closure()
        if closure.open_because is not None or closure.closed_at is None:
            why = closure.open_because or "no exchange has closed"
            return RetentionLine(kind, days, 0, total, f"kept while {why}"), None
        until = closure.closed_at + timedelta(days=days)
        if now < until:
            note = (
                f"kept until {until.date().isoformat()}, {days} days after the exchange "
                f"closed on {closure.closed_at.date().isoformat()}"
            )
            return RetentionLine(kind, days, 0, total, note), None
        # What changed after the close belongs to a later exchange: it waits for that one.
        before = closure.closed_at
        note = f"{days} days after the exchange closed on {closure.closed_at.date().isoformat()}"
    else:
        before = now - timedelta(days=days)
        note = f"older than {days} days"
    due = protection.count(kind.value, before)
    return RetentionLine(kind, days, due, total - due, note), before


def apply_retention(
    uow: UnitOfWork,
    *,
    periods: Mapping[RecordKind, int],
    now: datetime,
    actor: str,
    dry_run: bool = False,
) -> list[RetentionLine]:
    """Remove every row kept longer than its kind's period, one line per kind.

    A dry run counts and removes nothing, nor registers anything. Otherwise everything
    is removed, and registered, in one transaction.

    Args:
        periods: days per kind (``Settings.retention``).
        now: the instant the periods are counted to.
        actor: who applied it, for the register.
        dry_run: count only.
    """
    lines: list[RetentionLine] = []
    with uow:
        protection = protection_of(uow)
        for kind in RecordKind:
            days = periods[kind]
            line, before = _line(uow, kind, days, now)
            if not dry_run and before is not None and line.due:
                removed = protection.remove(kind.value, before)
                line = RetentionLine(kind, days, removed, line.kept, line.note)
            if not dry_run:
                protection.register(
                    at=now,
                    actor=actor,
                    kind=kind.value,
                    days=days,
                    removed=line.due,
                    kept=line.kept,
                    note=line.note,
                )
            lines.append(line)
        if not dry_run:
            uow.commit()
    return lines
