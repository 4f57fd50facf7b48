"""Crash safety: ``parley serve`` killed with SIGKILL mid-import and mid-handover, N times.

Issue 9, item 1. For each database (SQLite, then PostgreSQL) the harness of
``tests/crash/harness.py`` prepares an open tranche of ``--people`` a side, serves it,
and runs the neutral verifier and both offices recording the whole handover (each step
with its idempotency key) while both offices import small holdings files; it kills the
server ``--kills`` times at random moments, and after each kill checks the database:
every event acknowledged to a client there exactly once, nothing attempted half there,
the log verifies, its replay agrees with the tables. At the end ``parley verify
--database`` and ``parley verify --replay`` must pass. Requests that died with the
server are sent again after the restart, with the same key or file.

Each restart forks a fresh ``parley serve`` from a process that has done the imports
(``--cold``: ``python -m parley serve`` from nothing, about 2 s a start here).

    .venv/bin/python bench/crash.py                      # 50 kills a database
    .venv/bin/python bench/crash.py --kills 200 --record # also update RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from recording import put_block

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crash.harness import CrashFigures, CrashRun, postgres_schema, run_crashes

POSTGRES = os.environ.get(
    "PARLEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def run_database(kind: str, args: argparse.Namespace, seed: int) -> CrashFigures | None:
    """The run on ``kind``; None where PostgreSQL does not answer."""
    with tempfile.TemporaryDirectory() as folder:
        run = CrashRun(
            kind, "", Path(folder), kills=args.kills, people=args.people, seed=seed,
            warm=not args.cold,
        )  # fmt: skip
        if kind == "sqlite":
            run.url = f"sqlite:///{Path(folder) / 'crash.db'}"
            return run_crashes(run)
        try:
            schemas = postgres_schema(POSTGRES)
            run.url = next(schemas)
        except Exception as e:  # no server here
            print(f"PostgreSQL not measured: {e}", file=sys.stderr)
            return None
        try:
            return run_crashes(run)
        finally:
            schemas.close()


def _row(f: CrashFigures) -> str:
    starts = statistics.median(f.start_seconds)
    return (
        f"| {f.database} | {f.kills} ({f.kills_during_handover} mid-handover) | "
        f"{f.acknowledged:,} ({f.checked:,} over {f.checks} checks) | {f.unanswered:,} "
        f"({f.replayed} replayed) | {f.lost} | {f.duplicated} | {f.half_present} | "
        f"{'OK' if f.verify_ok else 'FAILED'} ({f.entries:,} entries) | "
        f"{starts:.2f} s | {f.seconds:.0f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=50, help="kills per database")
    parser.add_argument("--people", type=int, default=60, help="people a side in the tranche")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--seed", type=int, help="the kills' timing (random if left out)")
    parser.add_argument("--cold", action="store_true", help="start each server from nothing")
    parser.add_argument("--record", action="store_true", help="write the table to RESULTS.md")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rows, failed = [], False
    began = time.perf_counter()
    for kind in [args.only] if args.only else ["sqlite", "postgresql"]:
        figures = run_database(kind, args, seed)
        if figures is None:
            rows.append(f"| {kind} | not measured: no server | | | | | | | | |")
            continue
        rows.append(_row(figures))
        print(rows[-1], flush=True)
        for problem in figures.problems[:20]:
            print(f"  {kind}: {problem}", file=sys.stderr)
        failed |= bool(figures.problems) or not figures.verify_ok
    wall = time.perf_counter() - began
    print(f"wall time {wall:.0f} s, seed {seed}")
    if args.record:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        start = "cold `python -m parley serve`" if args.cold else "forked after the imports"
        block = "\n".join(
            [
                "<!-- crash:start -->",
                "## Crash safety (`.venv/bin/python bench/crash.py`)",
                "",
                f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores shared with "
                f"other work (times are rough), Python {platform.python_version()}; "
                f"{args.kills} kills a database, seed {seed}, {args.people} people a side, each "
                f"server {start}. The verifier and both offices record the whole handover "
                "over HTTP with idempotency keys while both offices import 25-row holdings "
                "files; `parley serve` is killed with SIGKILL at random moments and the "
                "database checked after each kill; requests that died with it are sent "
                f"again after the restart. Wall time for all: {wall:.0f} s.",
                "",
                "| database | kills | acknowledged events checked | requests sent again | "
                "lost | duplicated | half-present | log verifies, replay agrees | "
                "median restart | wall |",
                "|---|---|---|---|---|---|---|---|---|---|",
                *rows,
                "<!-- crash:end -->",
            ]
        )
        put_block("crash", block)
    if failed:
        raise SystemExit("crash safety: problems found (above)")


if __name__ == "__main__":
    main()
