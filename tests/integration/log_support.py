"""What the public log's integration tests share: the keys, the origin, and entries to log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from parley.adapters.uow import SqlUnitOfWork
from parley.domain.events import HoldingStatusChanged
from parley.ledger.keys import SigningKey
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]

ORIGIN = "parley.example/exchange-2025"
MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
UA = SigningKey.from_seed("UA", bytes(range(1, 33)))
RU = SigningKey.from_seed("RU", bytes(range(2, 34)))


def move_holdings(uow: Uow, *record_ids: str) -> None:
    """One entry per record: RU's holding moved from detained to eligible."""
    with uow() as u:
        for i, record_id in enumerate(record_ids):
            u.record(
                HoldingStatusChanged(
                    occurred_at=NOW + timedelta(minutes=i),
                    actor="RU",
                    party="RU",
                    record_id=record_id,
                    from_status="detained",
                    to_status="eligible",
                )
            )
        u.commit()
