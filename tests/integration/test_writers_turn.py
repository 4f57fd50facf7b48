"""Writers take turns on a SQLite file before SQLite's own lock: the threads of one
process, and the processes that share the file."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from parley.adapters import db
from parley.adapters import uow as uow_module
from parley.adapters.turns import WritersTurn
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.parties import Party
from parley.errors import DatabaseBusy
from parley.services.parties import list_parties, register_party
from tests.conftest import NOW


def test_a_writer_waits_its_turn_and_then_writes(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "turns.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = db.create_db_engine(f"sqlite:///{path}")
    held = threading.Event()
    waited: list[float] = []

    def holder() -> None:
        with SqlUnitOfWork(engine):
            held.set()
            time.sleep(0.3)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    started = time.monotonic()
    register_party(SqlUnitOfWork(engine), Party("UA", "Party UA", "uk"), actor="t", now=NOW)
    waited.append(time.monotonic() - started)
    thread.join()
    assert waited[0] >= 0.2  # it queued behind the open unit, then wrote
    assert [p.code for p in list_parties(SqlUnitOfWork(engine, read_only=True))] == ["UA"]
    engine.dispose()


def test_a_writer_kept_waiting_too_long_is_told_the_database_is_busy(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uow_module, "_WAIT", 0.2)
    path = tmp_path / "busy.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = db.create_db_engine(f"sqlite:///{path}")
    held, done = threading.Event(), threading.Event()

    def holder() -> None:
        with SqlUnitOfWork(engine):
            held.set()
            done.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    try:
        with pytest.raises(DatabaseBusy, match="busy with another command"):
            register_party(SqlUnitOfWork(engine), Party("RU", "Party RU", "ru"), actor="t", now=NOW)
        # A reader never waits for a writer.
        assert list_parties(SqlUnitOfWork(engine, read_only=True)) == []
    finally:
        done.set()
        thread.join()
        engine.dispose()


_HOLDER = """
import sys
from parley.adapters.turns import WritersTurn
turn = WritersTurn(sys.argv[1])
assert turn.acquire(timeout=5)
print("held", flush=True)
sys.stdin.readline()
turn.release()
print("released", flush=True)
sys.stdin.readline()
"""


def test_a_writer_waits_while_another_process_has_the_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db-turn")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        here = WritersTurn(path)

        assert not here.acquire(timeout=0.2)  # the other process has it
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert here.acquire(timeout=5)
        assert here.acquire(timeout=0)  # the same thread again
        here.release()
        here.release()
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
