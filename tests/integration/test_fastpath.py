"""The handover's statements run by the driver itself, on SQLite and PostgreSQL.

What a unit writes through the driver, Core and the ORM read back in the same unit,
even where PostgreSQL holds a write back to send it with the next statement; a unit
that does not commit leaves nothing behind, not even for the next unit on the same
pooled connection; values come back as Core gives them; a database's error reaches
the caller as SQLAlchemy raises it, and a connection lost is not lent again.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from parley.adapters import db
from parley.domain.holdings import HoldingStatus
from parley.domain.parties import Party
from parley.services.ports import CrossingRecord, TrancheRecord
from tests.conftest import NOW, snapshot
from tests.integration import exchange_support as ex
from tests.integration.exchange_support import EXCHANGE, Uow

pytestmark = pytest.mark.usefixtures("parties")


def _first_of_ua(u: ex.SqlUnitOfWork) -> tuple[TrancheRecord, CrossingRecord]:
    tranche = u.exchange.tranche(EXCHANGE, 1, share=True)
    assert tranche is not None
    assert tranche.id is not None
    person = u.exchange.crossings(tranche.id, "UA")[0].crossing.record_id
    listed = u.exchange.crossing(tranche.id, "UA", person, lock=True)
    assert listed is not None
    return tranche, listed


def test_what_a_unit_writes_is_read_back_in_the_same_unit_by_the_driver_core_and_orm(
    uow: Uow,
) -> None:
    ex.opened(uow)
    with uow() as u:
        tranche, listed = _first_of_ua(u)
        person = listed.crossing.record_id
        listed.reason = "no_show"
        u.exchange.save_crossing(listed, NOW)
        u.exchange.set_holding_status("UA", [person], HoldingStatus.WITHDRAWN.value, NOW)
        track = listed.crossing.track
        u.exchange.save_balance(tranche.id or 0, track, "UA", 1, 0)

        holding = u.exchange.holdings("UA", [person])[person]  # Core, another repository's
        by_orm = {c.crossing.record_id: c.reason for c in u.exchange.crossings(tranche.id or 0)}
        again = u.exchange.crossing(tranche.id or 0, "UA", person)  # the driver
        balances = u.exchange.balances(tranche.id or 0)

    assert again is not None
    assert again.reason == "no_show"
    assert by_orm[person] == "no_show"
    assert holding.status is HoldingStatus.WITHDRAWN
    assert balances[track, "UA"] == (1, 0)


def test_a_unit_that_does_not_commit_leaves_nothing_behind(uow: Uow, engine: Engine) -> None:
    ex.opened(uow)
    before = snapshot(engine)
    with uow() as u:
        tranche, listed = _first_of_ua(u)
        listed.reason = "no_show"
        u.exchange.save_crossing(listed, NOW)
        u.exchange.set_holding_status(
            "UA", [listed.crossing.record_id], HoldingStatus.WITHDRAWN.value, NOW
        )
        u.exchange.save_balance(tranche.id or 0, listed.crossing.track, "UA", 1, 0)
    # The next units take the same pooled connection: nothing held may reach them.
    for _ in range(3):
        with uow() as u:
            _first_of_ua(u)
            u.commit()

    assert snapshot(engine) == before


def test_writes_and_the_statement_they_go_with_commit_together(uow: Uow) -> None:
    ex.opened(uow)
    with uow() as u:
        tranche, listed = _first_of_ua(u)
        u.exchange.save_balance(tranche.id or 0, listed.crossing.track, "UA", 1, 0)
        assert u.idempotency.put("k", "UA", "sha", "{}", NOW)
        u.commit()

    with uow() as u:
        tranche, listed = _first_of_ua(u)
        assert u.exchange.balances(tranche.id or 0)[listed.crossing.track, "UA"] == (1, 0)
        assert u.idempotency.hold("k") == (True, ("sha", "{}"))


def test_an_instant_written_in_any_zone_reads_back_the_same_in_utc(uow: Uow) -> None:
    ex.opened(uow)
    at = datetime(2025, 5, 16, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))
    with uow() as u:
        _, listed = _first_of_ua(u)
        listed.crossing = dataclasses.replace(listed.crossing, will_confirmed_at=at)
        u.exchange.save_crossing(listed, NOW)
        u.commit()

    with uow() as u:
        _, listed = _first_of_ua(u)

    assert listed.crossing.will_confirmed_at == at
    assert listed.crossing.will_confirmed_at.tzinfo is UTC


def _balance_of_no_tranche(uow: Uow) -> None:
    with uow() as u:
        _, listed = _first_of_ua(u)
        u.exchange.save_balance(10**6, listed.crossing.track, "UA", 1, 0)
        u.commit()


def test_an_error_of_the_database_is_raised_as_sqlalchemy_raises_it(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    before = snapshot(engine)

    with pytest.raises(IntegrityError):
        _balance_of_no_tranche(uow)

    assert snapshot(engine) == before


def test_a_connection_lost_in_the_pool_is_not_lent_again(uow: Uow, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a server's connection")
    with uow() as u:
        pid = u.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = db.create_db_engine(engine.url.render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid or 0)})")
    finally:
        admin.dispose()

    try:  # the pool lends the dead connection back: its first statement finds it lost
        with uow() as u:
            u.idempotency.hold("k")
    except OperationalError:
        pass  # (unless the pool's own check found it first, when it rested a while)
    with uow() as u:
        assert u.idempotency.hold("k") == (True, None)


def test_parties_are_read_through_the_session_made_on_first_use(
    uow: Uow, parties: tuple[Party, Party]
) -> None:
    with uow() as u:
        assert {p.code for p in u.parties.all()} == {p.code for p in parties}
