"""Ledger speed: Merkle appends, proofs, and verifying a public log export (issue 5).

Targets on this 2-core machine (issue 5): proof generation under 1 ms on a 1,000,000-leaf
log; full verification of a 1,000,000-entry export under 20 s; and, once the database
log exists, at least 1,000 handover events a second on SQLite each durable in its own
transaction together with its state change, at least 20,000 a second in batches of 100.

Each part runs in its own process, so that its peak memory (VmHWM) is its own:

- merkle: N entries appended to ``MerkleLog`` over ``InMemoryNodeStore`` (each entry
  hashed as a leaf; the entries are made in chunks outside the timed part), then P
  inclusion proofs (a random leaf of the full tree) and P consistency proofs (from a
  random older size to the full tree), each timed alone: mean and p99;
- verify: ``parley.ledger.verify.verify_log`` over an export written to a temporary file
  beforehand by this script (entries from a canonical-JSON template, a checkpoint signed
  by a seeded mediator key every 10,000 entries, roots from ``MerkleLog``).

- database: ``--db-events`` holdings' status changes on SQLite through the path services
  take (``SqlUnitOfWork``, ``uow.record``, ``uow.commit``), one per transaction, then 100
  per transaction (``sqlite_appends``); afterwards, untimed, the log must hold every
  event and its root must equal the entries hashed afresh.

    .venv/bin/python bench/ledger.py                     # 1,000,000 entries
    .venv/bin/python bench/ledger.py --entries 200000    # a quicker run
    .venv/bin/python bench/ledger.py --record            # also update RESULTS.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recording import letters, memory_kib, put_block

HERE = Path(__file__).resolve().parent
ORIGIN = "bench.parley.example/ledger"
TYPES = ["person.handed_over", "person.received", "person.handed_over", "person.received",
         "manifest.signed", "tranche.opened", "tranche.closed", "person.refused"]  # fmt: skip
PROOF_TARGET_US = 1_000
VERIFY_TARGET_S = 20.0

# --------------------------------------------------------------------------------------
# Hooks for the database log: to be filled once parley's database log exists.
#
# A hook is a callable ``(events, batch) -> seconds``: it appends ``events`` handover
# events to a fresh SQLite database, ``batch`` of them per transaction (batch 1: each
# event durable in its own transaction together with its state change), and returns the
# wall time of the appends alone (setup excluded). None means "not measured yet".
# --------------------------------------------------------------------------------------
DatabaseAppends = Callable[[int, int], float]


def sqlite_appends(events: int, batch: int) -> float:
    """Seconds to record ``events`` handover-like status changes, ``batch`` per transaction.

    Each change is a real state change (a holding's status updated) and its event,
    whose public entry and Merkle leaf are written in the same transaction, committed
    durably (SQLite in WAL mode with ``synchronous=FULL``, as parley runs it). The
    holdings are imported first, untimed.
    """
    from sqlalchemy import bindparam, update

    from parley.adapters import db
    from parley.adapters.formats import open_table
    from parley.adapters.orm import HoldingRow
    from parley.adapters.uow import SqlUnitOfWork
    from parley.domain.events import HoldingStatusChanged
    from parley.domain.parties import Party
    from parley.services.importing import import_records
    from parley.services.parties import register_party

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        engine = db.create_db_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        db.upgrade(engine)
        register_party(SqlUnitOfWork(engine), Party("UA", "UA", "uk"), actor="bench", now=now)
        csv = Path(folder) / "holdings.csv"
        lines = ["record_id,family_name,given_name,category"]
        lines += [f"UA-{i},Family {letters(i)},Given,pow" for i in range(events)]
        csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        table = open_table(csv)
        try:
            import_records(
                SqlUnitOfWork(engine), kind="holdings", party="UA", table=table,
                actor="bench", now=now,
            )  # fmt: skip
        finally:
            table.close()
        # The state change of each event: the holding's status, as a handover moves it.
        change = (
            update(HoldingRow.__table__)
            .where(
                HoldingRow.__table__.c.party_code == "UA",
                HoldingRow.__table__.c.record_id == bindparam("rid"),
            )
            .values(status="eligible")
        )
        with SqlUnitOfWork(engine, read_only=True) as uow:
            size_before = uow.log.size()
        started = time.perf_counter()
        for first in range(0, events, batch):
            ids = [f"UA-{i}" for i in range(first, min(first + batch, events))]
            with SqlUnitOfWork(engine) as uow:
                uow.session.connection().execute(change, [{"rid": r} for r in ids])
                for record_id in ids:
                    uow.record(
                        HoldingStatusChanged(
                            occurred_at=now,
                            actor="bench",
                            party="UA",
                            record_id=record_id,
                            from_status="detained",
                            to_status="eligible",
                        )
                    )
                uow.commit()
        seconds = time.perf_counter() - started
        _check_log(engine, size_before + events)
        engine.dispose()
    return seconds


def _check_log(engine: Any, size: int) -> None:
    """The log holds ``size`` entries and its root is theirs, or the bench lies."""
    from sqlalchemy import select

    from parley.adapters.orm import EventRow
    from parley.adapters.uow import SqlUnitOfWork
    from parley.ledger.merkle import leaf_hash, root_from_leaves

    with SqlUnitOfWork(engine, read_only=True) as uow:
        entries = uow.session.scalars(select(EventRow.entry).order_by(EventRow.seq)).all()
        assert uow.log.size() == len(entries) == size, (uow.log.size(), len(entries), size)
        assert uow.log.root() == root_from_leaves([leaf_hash(bytes(e)) for e in entries])


SQLITE_APPENDS: DatabaseAppends | None = sqlite_appends
DATABASE_CASES = [
    (1, 1_000, "SQLite append, each event durable in its own transaction with its state change"),
    (100, 20_000, "SQLite append, in batches of 100"),
]


def database_rows(appends: DatabaseAppends | None, events: int) -> list[str]:
    """The database rows of the table, measured by ``appends`` or marked not measured."""
    rows = []
    for batch, target, what in DATABASE_CASES:
        if appends is None:
            rows.append(f"| {what} | - | not measured yet: the database log does not exist yet "
                        f"| >= {target:,}/s | - | - |")  # fmt: skip
            continue
        seconds = appends(events, batch)
        rate = events / seconds
        rows.append(f"| {what} | {events:,} events | {rate:,.0f}/s ({seconds:.2f} s) "
                    f"| >= {target:,}/s | {_met(rate >= target)} | - |")  # fmt: skip
    return rows


def entry_line(seq: int) -> bytes:
    """Entry ``seq`` as canonical JSON, written from a template (keys already in order)."""
    kind = TYPES[seq % len(TYPES)]
    commitment = hashlib.sha256(seq.to_bytes(8, "big")).hexdigest()
    side = "UA" if seq % 2 else "RU"
    s = seq // 10 % 86_400
    time_ = f"2025-05-16T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{seq % 10**6:06d}Z"
    return (f'{{"actor":"mediator","data":{{"commitment":"{commitment}","side":"{side}",'
            f'"track":"military","tranche":"T-{seq // 500:04d}"}},"seq":{seq},'
            f'"time":"{time_}","type":"{kind}","v":1}}').encode()  # fmt: skip


def _chunks(n: int, size: int = 10_000) -> Iterator[list[bytes]]:
    for start in range(1, n + 1, size):
        yield [entry_line(seq) for seq in range(start, min(start + size, n + 1))]


def child_merkle(n: int, proofs: int) -> None:
    """Time appends, then inclusion and consistency proofs, on an n-leaf in-memory log."""
    from parley.ledger.merkle import InMemoryNodeStore, MerkleLog

    log = MerkleLog(InMemoryNodeStore())
    seconds = 0.0
    for chunk in _chunks(n):
        started = time.perf_counter()
        for line in chunk:
            log.append(line)
        seconds += time.perf_counter() - started
    rng = random.Random(2025)
    inclusion = [_timed_us(log.inclusion_proof, rng.randrange(n), n) for _ in range(proofs)]
    consistency = [_timed_us(log.consistency_proof, rng.randint(1, n), n) for _ in range(proofs)]
    print(json.dumps({"seconds": seconds, "inclusion": _stats(inclusion),
                      "consistency": _stats(consistency), "peak_kib": memory_kib()}))  # fmt: skip


def _timed_us(proof: Callable[[int, int], object], a: int, b: int) -> float:
    started = time.perf_counter_ns()
    proof(a, b)
    return (time.perf_counter_ns() - started) / 1_000


def _stats(us: list[float]) -> dict[str, float]:
    ordered = sorted(us)
    return {"mean": statistics.fmean(us), "p99": ordered[int(0.99 * (len(us) - 1))]}


def child_verify(path: str) -> None:
    """Verify the export at ``path``; print time, CPU time, counts and peak memory."""
    from parley.ledger.verify import verify_log

    before = memory_kib()
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as lines:
        report = verify_log(lines)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "entries": report.entries,
                      "checkpoints": len(report.checkpoints), "peak_kib": memory_kib(),
                      "before_kib": before}))  # fmt: skip


def write_export(path: Path, n: int, every: int) -> None:
    """An n-entry export with a checkpoint after every ``every`` entries and at the end."""
    from parley.ledger.canonical import canonical
    from parley.ledger.keys import SigningKey
    from parley.ledger.merkle import InMemoryNodeStore, MerkleLog
    from parley.ledger.notes import Checkpoint, Note
    from parley.ledger.verify import write_log

    for seq in (1, 2, n):  # the template must write canonical JSON, or the bench lies
        assert canonical(json.loads(entry_line(seq))) == entry_line(seq)
    key = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
    log = MerkleLog(InMemoryNodeStore())

    def items() -> Iterator[bytes | Note]:
        for chunk in _chunks(n):
            for line in chunk:
                log.append(line)
                yield line
                if log.size % every == 0 or log.size == n:
                    yield Checkpoint(ORIGIN, log.size, log.root()).sign(key)

    with path.open("wb") as file:
        write_log(file, ORIGIN, key.verifier, items())


def _run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", *args],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run(n: int, proofs: int, every: int, db_events: int) -> list[str]:
    rows = ["| measure | size | result | target | | peak memory |", "|---|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)

    def add(row: str) -> None:
        rows.append(row)
        print(row, flush=True)

    merkle = _run_child("merkle", str(n), str(proofs))
    mib = f"{merkle['peak_kib'] / 1024:,.0f} MiB"
    add(f"| Merkle append, in memory (`MerkleLog` over a dict) | {n:,} entries "
        f"| {n / merkle['seconds']:,.0f}/s ({merkle['seconds']:.2f} s) | - | - | {mib} |")  # fmt: skip
    for kind in ("inclusion", "consistency"):
        s = merkle[kind]
        add(f"| {kind} proof | {n:,} leaves, {proofs:,} proofs | mean {s['mean']:.0f} µs, "
            f"p99 {s['p99']:.0f} µs | < 1 ms | {_met(s['p99'] < PROOF_TARGET_US)} | (above) |")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        started = time.perf_counter()
        write_export(path, n, every)
        written = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        check = _run_child("verify", str(path))
    assert check["entries"] == n, check
    mib = f"{check['peak_kib'] / 1024:,.0f} MiB ({check['before_kib'] / 1024:,.0f} before)"
    add(f"| full verification of an export (`verify_log`) | {n:,} entries, "
        f"{check['checkpoints']:,} checkpoints, {size_mb:,.0f} MB | {check['seconds']:.2f} s "
        f"(CPU {check['cpu_seconds']:.2f} s; {n / check['seconds']:,.0f} entries/s) "
        f"| < 20 s for 1,000,000 | {_met(check['seconds'] * 1e6 / n < VERIFY_TARGET_S)} "
        f"| {mib} |")  # fmt: skip
    for row in database_rows(SQLITE_APPENDS, db_events):
        add(row)
    print(f"(export written in {written:.1f} s by this script, not timed above)")
    return rows


def record(rows: list[str], n: int, every: int) -> None:
    """Replace the ledger block of RESULTS.md (or add it at the end)."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    block = "\n".join([
        "<!-- ledger:start -->",
        "## Ledger (`.venv/bin/python bench/ledger.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}. Each part in its own process;",
        "peak memory is that process's VmHWM (Python included). Proofs: a random leaf or",
        "older size against the full tree, each timed alone. Verification: one pass over",
        f"the file, a checkpoint every {every:,} entries; the 1,000,000-entry target is",
        f"judged by the time scaled to 1,000,000 when fewer than that ran ({n:,} here).",
        "",
        *rows,
        "<!-- ledger:end -->",
    ])  # fmt: skip
    put_block("ledger", block)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2_000, help="of each kind")
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    parser.add_argument("--db-events", type=int, default=10_000, help="for the database hooks")
    parser.add_argument("--record", action="store_true", help="update RESULTS.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "merkle":
            child_merkle(int(args.child[1]), int(args.child[2]))
        else:
            child_verify(args.child[1])
        return
    rows = run(args.entries, args.proofs, args.checkpoint_every, args.db_events)
    if args.record:
        record(rows, args.entries, args.checkpoint_every)


if __name__ == "__main__":
    main()
