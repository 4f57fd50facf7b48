"""The public log in the database: every event is an entry and a leaf, in its transaction.

On SQLite and PostgreSQL: entries name people only by salted commitments, the Merkle
tree kept in ``log_nodes`` gives the same roots as the entries hashed afresh, a rolled
back change leaves no entry, and a database written before the log gets one on upgrade.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text

from parley.adapters import db
from parley.adapters.eventlog import SqlNodeStore, log_size
from parley.adapters.orm import EventRow, PersonSaltRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.events import HoldingStatusChanged
from parley.ledger.entries import commitment, person_record
from parley.ledger.merkle import MerkleLog, leaf_hash, root_from_leaves, verify_inclusion
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")


def _moved(record_id: str, minutes: int = 0) -> HoldingStatusChanged:
    return HoldingStatusChanged(
        occurred_at=NOW + timedelta(minutes=minutes),
        actor="RU",
        party="RU",
        record_id=record_id,
        from_status="detained",
        to_status="eligible",
    )


def _record(uow: Uow, *events: HoldingStatusChanged) -> None:
    with uow() as u:
        for event in events:
            u.record(event)
        u.commit()


def _entries(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [bytes(e) for e in conn.scalars(select(EventRow.entry).order_by(EventRow.seq))]


def test_every_event_becomes_a_numbered_entry_whose_leaves_give_the_stored_root(
    uow: Uow, engine: Engine
) -> None:
    _record(uow, _moved("RU-7"), _moved("RU-8", 1))
    _record(uow, _moved("RU-7", 2))
    entries = _entries(engine)
    parsed = [json.loads(e) for e in entries]
    # Two parties registered first, then the three moves, numbered without a gap.
    assert [p["seq"] for p in parsed] == [1, 2, 3, 4, 5]
    assert [p["type"] for p in parsed[2:]] == ["HoldingStatusChanged"] * 3
    with uow() as u:
        size = log_size(u.session)
        log = MerkleLog(SqlNodeStore(u.session), size)
        assert size == 5
        for n in range(1, 6):
            assert log.root(n) == root_from_leaves([leaf_hash(e) for e in entries[:n]])
        proof = log.inclusion_proof(3, 5)
        verify_inclusion(leaf_hash(entries[3]), 3, 5, proof, log.root())


def test_an_entry_names_a_person_only_by_a_commitment_the_salt_can_reproduce(
    uow: Uow, engine: Engine
) -> None:
    _record(uow, _moved("RU-7"), _moved("RU-7", 1), _moved("RU-8", 2))
    entries = _entries(engine)[2:]
    assert all(b"RU-7" not in e and b"RU-8" not in e for e in entries)
    people = [json.loads(e)["data"]["record_id"] for e in entries]
    assert people[0] == people[1] != people[2]  # the same person, the same commitment
    with engine.connect() as conn:
        salt = conn.scalar(select(PersonSaltRow.salt).where(PersonSaltRow.record_id == "RU-7"))
    assert salt is not None
    assert len(salt) == 32
    assert people[0] == commitment(bytes(salt), person_record("holding", "RU", "RU-7"))


def test_a_change_rolled_back_leaves_no_entry_and_no_leaf(uow: Uow, engine: Engine) -> None:
    before = _entries(engine)
    with uow() as u:
        u.record(_moved("RU-9"))
        # The unit ends without commit: the change, its entry and its leaf all go.
    _record(uow, _moved("RU-10"))
    entries = _entries(engine)
    assert len(entries) == len(before) + 1
    assert json.loads(entries[-1])["seq"] == len(before) + 1
    with uow() as u:
        log = MerkleLog(SqlNodeStore(u.session), log_size(u.session))
        assert log.root() == root_from_leaves([leaf_hash(e) for e in entries])


def test_events_written_before_the_log_get_entries_on_upgrade(tmp_path: Path) -> None:
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO parties (code, name, language) VALUES ('RU', 'RU', 'ru')"))
        for seq, record_id in ((1, "RU-1"), (2, "RU-2"), (5, "RU-3")):  # a gap, as after a rollback
            payload = {
                "party": "RU",
                "record_id": record_id,
                "from_status": "detained",
                "to_status": "eligible",
            }
            conn.execute(
                insert(EventRow.__table__).values(
                    seq=seq,
                    type="HoldingStatusChanged",
                    occurred_at=NOW,
                    actor="RU",
                    payload=json.dumps(payload),
                )
            )
    db.upgrade(engine)
    entries = _entries(engine)
    assert [json.loads(e)["seq"] for e in entries] == [1, 2, 3]
    assert all(b"RU-" not in e for e in entries)
    with SqlUnitOfWork(engine) as u:
        log = MerkleLog(SqlNodeStore(u.session), log_size(u.session))
        assert log.root() == root_from_leaves([leaf_hash(e) for e in entries])
    _record(lambda: SqlUnitOfWork(engine), _moved("RU-4"))
    assert json.loads(_entries(engine)[-1])["seq"] == 4
    engine.dispose()
