"""Import speed and memory: 100,000 holdings from CSV into SQLite and PostgreSQL.

Target (issue 2): 100,000 rows in under 10 seconds on SQLite on a 2-core machine, with
memory that does not grow with the file (the reader streams). Each import runs in its
own process so that its peak resident memory (VmHWM) is its own; sizes 10,000 and
100,000 show whether memory grows with the file.

    .venv/bin/python bench/import.py            # prints the table, updates RESULTS.md
    .venv/bin/python bench/import.py --sizes 10000 --repeat 1 --no-record
    .venv/bin/python bench/import.py --sizes 100000 --databases sqlite --no-record
    .venv/bin/python bench/import.py --sizes 100000 --databases sqlite --in-process --no-record

A large CSV file is read and checked by a second process while the first stores the
rows (``parley.adapters.formats.background``); ``--in-process`` keeps both in one
process, for comparison. Peak memory is the larger of the two processes' high-water
marks.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from recording import memory_kib

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
POSTGRES = os.environ.get(
    "PARLEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCENARIO_DATE = date(2025, 5, 16)


def write_file(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` holdings rows from the demo's synthetic generator.

    Realistic repetition matters: the import caches the parsing of repeated dates and
    names, so a file of ten names would flatter it. The generator draws hundreds of
    surnames with a skewed frequency, dates of birth over 47 years and of capture over
    three, in the forms officials write them.
    """
    from parley.synthetic import generate_scenario

    half = n // 2
    scenario = generate_scenario(
        seed=seed, on=SCENARIO_DATE, holdings_per_side=half, requests_per_side=0
    )
    rows = [*scenario.holdings["RU"], *scenario.holdings["UA"]][:n]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def child(url: str, file: Path, *, in_process: bool = False) -> None:
    """Import ``file`` into a fresh database at ``url``; print seconds and peak memory."""
    from parley import bootstrap
    from parley.adapters.formats import background, open_table
    from parley.config import Settings
    from parley.domain.parties import Party
    from parley.services.importing import import_records
    from parley.services.parties import register_party

    engine = bootstrap.connect(Settings(database_url=url))
    now = datetime.now(UTC)
    register_party(bootstrap.unit_of_work(engine), Party("RU", "Party RU"), actor="bench", now=now)
    if in_process:
        background.MIN_BYTES = sys.maxsize
    before = memory_kib()
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    table = open_table(file)
    summary = import_records(
        bootstrap.unit_of_work(engine),
        kind="holdings",
        party="RU",
        table=table,
        actor="bench",
        now=now,
    )
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    # The reading child's peak (ru_maxrss of waited-for children, KiB on Linux) counts too.
    peak = max(memory_kib(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(
        json.dumps(
            {
                "rows": summary.rows,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_kib": peak,
                "before_kib": before,
            }
        )
    )


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the reading process)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_child(url: str, file: Path, *, in_process: bool) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(file)]
        + (["--in-process"] if in_process else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _postgres_url() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    schema = f"parley_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:
        print(f"PostgreSQL skipped: {POSTGRES} did not answer ({type(e).__name__})")
        return None
    return f"{POSTGRES}?options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,200000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and database")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    parser.add_argument("--in-process", action="store_true", help="read and store in one process")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), in_process=args.in_process)
        return
    databases = {d.strip().lower() for d in args.databases.split(",")}
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            file = Path(tmp) / f"holdings-{n}.csv"
            write_file(file, n)
            size_mb = file.stat().st_size / 1e6
            targets: list[tuple[str, str, str | None]] = []
            if "sqlite" in databases:
                targets.append(("SQLite", f"sqlite:///{tmp}/bench-{n}.db", None))
            pg = _postgres_url() if "postgresql" in databases else None
            if pg:
                targets.append(("PostgreSQL", pg[0], pg[1]))
            for name, url, schema in targets:
                runs = []
                for attempt in range(args.repeat):
                    run_url = url.replace(".db", f"-{attempt}.db") if name == "SQLite" else url
                    runs.append(_run_child(run_url, file, in_process=args.in_process))
                    if schema:
                        _drop_schema(schema)
                        if attempt + 1 < args.repeat:
                            url, schema = _postgres_url() or (url, None)
                seconds = sorted(r["seconds"] for r in runs)
                median = statistics.median(seconds)
                peak = max(r["peak_kib"] for r in runs)
                line = (f"| {name} | {n:,} | {size_mb:.1f} MB | {median:.2f} s "
                        f"({seconds[0]:.2f}-{seconds[-1]:.2f}) | {n / median:,.0f} | "
                        f"{peak / 1024:.0f} MiB |")  # fmt: skip
                print(line, flush=True)
                rows.append(line)
    if not args.no_record:
        _record(rows, args.repeat, in_process=args.in_process)


def _record(rows: list[str], repeat: int, *, in_process: bool) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    mode = " (not in these runs: --in-process)" if in_process else ""
    block = "\n".join([
        "<!-- import:start -->",
        "## Import (`.venv/bin/python bench/import.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}, {repeat} runs each, every run a fresh",
        "database and a fresh process. Target: 100,000 rows in under 10 s on SQLite, memory",
        "that does not grow with the file. A CSV file of 4 MB or more is read and checked by a",
        f"second process while the first stores the rows{mode}. Peak memory is the larger of the",
        "two processes' high-water marks (Python, SQLAlchemy and the driver included). This",
        "machine is a shared virtual one: the same run varies by up to half between minutes,",
        "hence the median and range.",
        "",
        "| database | rows | file | median time (range) | rows/s at the median | peak memory |",
        "|---|---|---|---|---|---|",
        *rows,
        "<!-- import:end -->",
    ])  # fmt: skip
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(r"<!-- import:start -->.*<!-- import:end -->", re.S)
    text = (
        pattern.sub(block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    RESULTS.write_text(text, "utf-8")
    print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
