"""Appending to the log in the database: the fast path keeps every entry, leaf and time.

On SQLite and PostgreSQL: units of many sizes grow the log to more than a hundred
leaves and every root still equals the entries hashed afresh; event times in any zone
read back as the same instants; and reading the tree's right edge, which every append
does, takes the primary key rather than a scan of all the nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from parley.adapters.eventlog import SqlNodeStore, log_size, read_events
from parley.adapters.orm import EventRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.events import HoldingStatusChanged
from parley.ledger.merkle import MerkleLog, leaf_hash, root_from_leaves
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")  # entries 1 and 2

# Unit sizes chosen so that the log passes through sizes with one to six bits set.
UNITS = [1, 2, 3, 1, 7, 16, 1, 31, 5, 64]


def _moved(record_id: str, at: datetime = NOW) -> HoldingStatusChanged:
    return HoldingStatusChanged(
        occurred_at=at,
        actor="RU",
        party="RU",
        record_id=record_id,
        from_status="detained",
        to_status="eligible",
    )


def _leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        entries = conn.scalars(select(EventRow.entry).order_by(EventRow.seq))
        return [leaf_hash(bytes(e)) for e in entries]


def test_units_of_every_size_keep_each_root_equal_to_the_entries_hashed_afresh(
    uow: Uow, engine: Engine
) -> None:
    recorded = 0
    for size in UNITS:
        with uow() as u:
            for i in range(recorded, recorded + size):
                u.record(_moved(f"RU-{i % 40}"))  # people named again, in later units too
            u.commit()
        recorded += size
        leaves = _leaves(engine)
        with uow() as u:
            log = MerkleLog(SqlNodeStore(u.session), log_size(u.session))
            assert log.size == len(leaves) == recorded + 2
            assert log.root() == root_from_leaves(leaves)
    with uow() as u:
        log = MerkleLog(SqlNodeStore(u.session), log_size(u.session))
        for n in range(1, len(leaves) + 1):
            assert log.root(n) == root_from_leaves(leaves[:n])


def test_event_times_in_any_zone_read_back_as_the_same_instants(uow: Uow) -> None:
    kyiv = NOW.astimezone(timezone(timedelta(hours=3)))
    later = kyiv + timedelta(seconds=1, microseconds=7)
    with uow() as u:
        for at in (kyiv, kyiv, later, NOW):
            u.record(_moved("RU-1", at))
        u.commit()
    with uow() as u:
        times = [e.occurred_at for e in read_events(u.session)][2:]
    assert times == [NOW, NOW, NOW + timedelta(seconds=1, microseconds=7), NOW]
    assert all(t.utcoffset() == timedelta(0) for t in times)


def test_the_right_edge_of_the_tree_is_read_by_primary_key_on_sqlite(
    uow: Uow, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a query plan of SQLite's")
    with uow() as u:
        for i in range(9):  # 11 leaves: three subtrees on the right edge
            u.record(_moved(f"RU-{i}"))
        u.commit()
    run: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        run.append((sql, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with uow() as u:
            SqlNodeStore(u.session).preload(log_size(u.session))
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(sql, params)] = [(s, p) for s, p in run if "log_nodes" in s]
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert not any(step.startswith("SCAN") for step in plan), plan
    assert any("USING INDEX" in step for step in plan), plan
