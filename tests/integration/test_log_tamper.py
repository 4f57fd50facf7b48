"""Tampering with the log in the database: ``verify_database`` names the first bad place.

On SQLite and PostgreSQL the log is seven entries (UA and RU registered, five holdings
moved), with checkpoints of size 3 and 7. Each test changes the tables behind parley's
back, as someone with the database's password could, and the operator's check names the
first bad sequence number (``entry N: ...``) or the stored node (``log node level L
index I: ...``). A rewrite that recomputes every node is caught only by a checkpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from parley.adapters.orm import EventRow, LogHeadRow, LogNodeRow
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import VerificationFailed
from parley.ledger.keys import SigningKey
from parley.ledger.merkle import MerkleLog
from parley.ledger.notes import Witness, WitnessState
from parley.services import log_check
from parley.services.ledger import sign_checkpoint, witness_checkpoint
from parley.services.log_check import DatabaseReport, verify_database
from tests.conftest import NOW
from tests.integration.log_support import MEDIATOR, ORIGIN, UA, move_holdings

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")  # entries 1 and 2


@pytest.fixture
def log(uow: Uow) -> Uow:
    """Seven entries; checkpoints of size 3 (co-signed by UA) and 7."""
    move_holdings(uow, "RU-1")
    sign_checkpoint(uow(), MEDIATOR, origin=ORIGIN, now=NOW)
    witness = Witness(UA, MEDIATOR.verifier, WitnessState.empty(ORIGIN))
    witness_checkpoint(uow(), witness, now=NOW, keep=lambda state: None)
    move_holdings(uow, "RU-2", "RU-3", "RU-4", "RU-5")
    sign_checkpoint(uow(), MEDIATOR, origin=ORIGIN, now=NOW)
    return uow


def _check(uow: Uow) -> DatabaseReport:
    return verify_database(uow(), witnesses=[UA.verifier], log_key=MEDIATOR.verifier)


def _refusal(uow: Uow) -> str:
    with pytest.raises(VerificationFailed) as refused:
        _check(uow)
    return str(refused.value)


def _entry(engine: Engine, seq: int) -> bytes:
    with engine.connect() as conn:
        return bytes(conn.scalar(select(EventRow.entry).where(EventRow.seq == seq)) or b"")


def _set_entry(engine: Engine, seq: int, entry: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(update(EventRow).where(EventRow.seq == seq).values(entry=entry))


def _renumber(engine: Engine, moves: dict[int, int]) -> None:
    """Give rows new sequence numbers, through negative ones so no key ever clashes."""
    with engine.begin() as conn:
        for old in moves:
            conn.execute(update(EventRow).where(EventRow.seq == old).values(seq=-old))
        for old, new in moves.items():
            conn.execute(update(EventRow).where(EventRow.seq == -old).values(seq=new))


def _insert_copy(engine: Engine, seq: int, entry: bytes) -> None:
    """A new events row at ``seq``, its other columns copied from row 1."""
    with engine.begin() as conn:
        row = conn.execute(select(EventRow.__table__).where(EventRow.seq == 1)).mappings().one()
        conn.execute(insert(EventRow.__table__).values({**row, "seq": seq, "entry": entry}))


def _set_node(engine: Engine, level: int, index: int, hash_: bytes | None) -> None:
    """Change a stored node, or delete it (``None``)."""
    where = (LogNodeRow.level == level, LogNodeRow.index == index)
    with engine.begin() as conn:
        if hash_ is None:
            conn.execute(delete(LogNodeRow).where(*where))
        else:
            conn.execute(update(LogNodeRow).where(*where).values(hash=hash_))


class _Nodes(dict[tuple[int, int], bytes]):
    """A node store that shows what it holds."""

    def get(self, level: int, index: int) -> bytes:  # type: ignore[override]
        return self[level, index]

    def put(self, level: int, index: int, hash_: bytes) -> None:
        self[level, index] = hash_


def _first_bad(message: str) -> int:
    """The first sequence number the message names (``entry N``, not ``entries 1..N``)."""
    found = re.search(r"\bentry (\d+)\b", message)
    assert found is not None, message
    return int(found.group(1))


def test_the_log_as_stored_verifies_with_its_checkpoints_nodes_and_cosignatures(
    log: Uow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_check, "_PAGE", 2)  # entries and nodes read across pages
    report = _check(log)

    with log() as u:
        root = u.log.root()
    assert (report.entries, report.root, report.origin) == (7, root, ORIGIN)
    assert report.nodes == 7 + 3 + 1  # the complete subtrees of 7 leaves
    assert report.log_key == MEDIATOR.verifier
    assert [(seen.checkpoint.size, seen.witnesses) for seen in report.checkpoints] == [
        (3, ()),
        (3, ("UA",)),
        (7, ()),
    ]
    assert (report.signed_size, report.unsigned) == (7, 0)


def test_an_entry_changed_in_place_is_named_by_its_sequence_number(
    log: Uow, engine: Engine
) -> None:
    _set_entry(engine, 5, _entry(engine, 5).replace(b'"eligible"', b'"released"'))
    message = _refusal(log)
    assert message.startswith("entry 5: its leaf hash differs from log node level 0 index 4")


@pytest.mark.parametrize("seq", [1, 4, 7])
def test_a_deleted_row_is_named_by_its_sequence_number(log: Uow, engine: Engine, seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(EventRow).where(EventRow.seq == seq))
    assert _first_bad(_refusal(log)) == seq


def test_two_rows_whose_sequence_numbers_were_swapped_are_named_by_the_first(
    log: Uow, engine: Engine
) -> None:
    _renumber(engine, {3: 6, 6: 3})
    message = _refusal(log)
    assert _first_bad(message) == 3
    assert "sequence number 6 where 3 was expected" in message
    assert message.endswith("(the entry stored at seq 3)")


def test_a_row_inserted_in_the_middle_is_named_by_its_sequence_number(
    log: Uow, engine: Engine
) -> None:
    # Rows 4..7 move up one; the new row 4 is a well-formed entry 4 of its own (row 5
    # now holds the old entry 4, whose bytes still say "seq":4).
    _renumber(engine, {seq: seq + 1 for seq in range(4, 8)})
    _insert_copy(engine, 4, _entry(engine, 5).replace(b'"eligible"', b'"released"'))
    assert _first_bad(_refusal(log)) == 4


def test_a_row_appended_behind_the_log_is_named_by_its_sequence_number(
    log: Uow, engine: Engine
) -> None:
    _insert_copy(engine, 8, _entry(engine, 7).replace(b'"seq":7', b'"seq":8'))
    message = _refusal(log)
    assert message == (
        "entry 8: log_nodes hold no leaf for it (level 0 index 7): "
        "it was not appended through the log (the entry stored at seq 8)"
    )


def test_an_entry_that_is_no_longer_canonical_json_is_named(log: Uow, engine: Engine) -> None:
    _set_entry(engine, 2, _entry(engine, 2).replace(b'"data":', b'"data": '))
    message = _refusal(log)
    assert message.startswith("entry 2: the entry stored at seq 2 is not canonical JSON")


def test_a_row_stored_under_another_number_is_named(log: Uow, engine: Engine) -> None:
    _renumber(engine, {7: 9})
    assert _refusal(log).startswith("entry 7: is stored with sequence number 9")


@pytest.mark.parametrize(
    ("level", "index", "hash_", "named"),
    [
        (1, 1, b"\x07" * 32, "log node level 1 index 1: holds BwcHBwcH"),
        (2, 0, None, "log node level 2 index 0: missing; entries 1..4 hash to "),
        (0, 5, b"\x07" * 32, "entry 6: its leaf hash differs from log node level 0 index 5"),
    ],
    ids=["changed", "deleted", "changed-leaf"],
)
def test_a_changed_or_missing_node_is_named(
    log: Uow, engine: Engine, level: int, index: int, hash_: bytes | None, named: str
) -> None:
    _set_node(engine, level, index, hash_)
    assert _refusal(log).startswith(named)


def test_a_node_the_entries_do_not_make_is_named(log: Uow, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(LogNodeRow).values(level=3, index=0, hash=b"\x07" * 32))
    assert _refusal(log) == (
        "log node level 3 index 0: stored, but the 7 entries make no such node "
        "(it would cover entries 1..8)"
    )


@pytest.mark.parametrize(
    ("size", "named"),
    [
        (8, "entry 8: missing: the log head counts 8 entries, the events table holds 7"),
        (6, "entry 7: not counted by the log head, which says 6 entries"),
    ],
)
def test_a_log_head_that_miscounts_the_entries_is_named(
    log: Uow, engine: Engine, size: int, named: str
) -> None:
    with engine.begin() as conn:
        conn.execute(update(LogHeadRow).values(size=size))
    assert _refusal(log) == named


def test_a_rewrite_that_recomputes_every_node_is_caught_by_the_checkpoint(
    log: Uow, engine: Engine
) -> None:
    _set_entry(engine, 5, _entry(engine, 5).replace(b'"eligible"', b'"released"'))
    nodes = _Nodes()
    tree = MerkleLog(nodes)
    with engine.begin() as conn:
        for entry in conn.scalars(select(EventRow.entry).order_by(EventRow.seq)):
            tree.append(bytes(entry))
        for (level, index), hash_ in nodes.items():
            where = (LogNodeRow.level == level, LogNodeRow.index == index)
            conn.execute(update(LogNodeRow).where(*where).values(hash=hash_))

    message = _refusal(log)
    assert message.startswith("stored checkpoint 3: checkpoint of size 7 signs root ")
    assert message.endswith("one of entries 4..7 was changed")


def test_without_a_checkpoint_the_entries_are_still_checked_but_nothing_vouches_for_them(
    uow: Uow, engine: Engine
) -> None:
    move_holdings(uow, "RU-1", "RU-2")
    report = _check(uow)
    assert (report.entries, report.checkpoints, report.log_key, report.origin) == (
        4,
        (),
        None,
        None,
    )
    _set_entry(engine, 3, _entry(engine, 3).replace(b'"eligible"', b'"released"'))
    assert _first_bad(_refusal(uow)) == 3


def test_checkpoints_signed_by_another_key_than_the_expected_one_are_refused(log: Uow) -> None:
    other = SigningKey.from_seed("MEDIATOR", bytes(range(5, 37))).verifier
    with pytest.raises(VerificationFailed, match=r"signed by MEDIATOR\+.* not by the expected"):
        verify_database(log(), log_key=other)
