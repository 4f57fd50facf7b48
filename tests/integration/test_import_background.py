"""A large CSV file read by a second process imports exactly as one read in-process.

``MIN_BYTES`` is lowered so that small files take the second process, and ``BATCH``
so that they span many batches.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from parley.adapters.formats import background, open_table
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import ImportRejected
from parley.services import importing
from parley.services.importing import ImportSummary, import_records
from parley.services.readers import RowReader
from tests.conftest import NOW, snapshot

Uow = Callable[[], SqlUnitOfWork]
HEADER = "record_id,family_name,given_name,birth_date,category,captured_on,unit,document_number\n"


def _rows(n: int, *, bad: dict[int, str] | None = None) -> str:
    lines = [
        f"R-{i},Шевчук,Іван,{1970 + i % 30}-0{1 + i % 9}-1{i % 10},pow,2022-04-02,"
        f"в/ч А{i % 37},СА{i:06d}\n"
        for i in range(n)
    ]
    for i, line in (bad or {}).items():
        lines[i] = line
    return HEADER + "".join(lines)


def _import(
    uow: Uow, path: Path, party: str, progress: list[tuple[int, int]] | None = None
) -> ImportSummary:
    table = open_table(path)
    try:
        return import_records(
            uow(),
            kind="holdings",
            party=party,
            table=table,
            actor="test",
            now=NOW,
            on_progress=None if progress is None else lambda *p: progress.append(p),
        )
    finally:
        table.close()


@pytest.fixture
def in_a_second_process(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """Switch between reading in a second process (for any size) and in this one."""
    monkeypatch.setattr(importing, "BATCH", 7)

    def switch(on: bool) -> None:
        monkeypatch.setattr(background, "MIN_BYTES", 0 if on else 1 << 60)

    return switch


@pytest.mark.usefixtures("parties")
def test_a_second_process_stores_what_one_process_stores(
    uow: Uow, tmp_path: Path, in_a_second_process: Callable[[bool], None]
) -> None:
    path = tmp_path / "holdings.csv"
    path.write_text(_rows(100))

    in_a_second_process(True)
    apart = _import(uow, path, "RU")
    in_a_second_process(False)
    together = _import(uow, path, "UA")

    assert (apart.rows, apart.created) == (together.rows, together.created) == (100, 100)
    assert apart.sha256 == together.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with uow() as u:
        ru = list(u.holdings.iter_party("RU"))
        ua = [replace(h, party="RU") for h in u.holdings.iter_party("UA")]
    assert ru == ua


def test_problems_found_in_a_second_process_are_the_same_and_nothing_is_written(
    engine: Engine,
    uow: Uow,
    parties: object,
    tmp_path: Path,
    in_a_second_process: Callable[[bool], None],
) -> None:
    path = tmp_path / "holdings.csv"
    bad = {3: "R-3,Шевчук,Іван,31.02.1999,pow,,,\n", 40: "R-1,Шевчук,Іван,,pow,,,\n"}
    path.write_text(_rows(60, bad=bad))
    before = snapshot(engine)

    lines = []
    for on in (True, False):
        in_a_second_process(on)
        with pytest.raises(ImportRejected) as rejected:
            _import(uow, path, "RU")
        lines.append(rejected.value.lines())

    assert lines[0] == lines[1]
    assert lines[0] == [
        "holdings.csv row 5, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
        "holdings.csv row 42, column record_id: 'R-1' repeats row 3 (each record_id once per file)",
    ]
    assert snapshot(engine) == before


@pytest.mark.usefixtures("parties")
def test_progress_follows_the_second_process_to_the_end_of_the_file(
    uow: Uow, tmp_path: Path, in_a_second_process: Callable[[bool], None]
) -> None:
    path = tmp_path / "holdings.csv"
    path.write_text(_rows(50))
    in_a_second_process(True)
    seen: list[tuple[int, int]] = []

    _import(uow, path, "RU", seen)

    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert seen == sorted(seen)


@pytest.mark.usefixtures("parties")
def test_a_file_changed_before_the_second_process_opened_it_is_refused(
    uow: Uow, tmp_path: Path, in_a_second_process: Callable[[bool], None]
) -> None:
    path = tmp_path / "holdings.csv"
    path.write_text(_rows(20))
    in_a_second_process(True)
    table = open_table(path)
    path.write_text(_rows(20).replace("unit,", "rank,"))
    try:
        with pytest.raises(ImportRejected, match="changed while it was being imported"):
            import_records(uow(), kind="holdings", party="RU", table=table, actor="t", now=NOW)
    finally:
        table.close()


def test_the_second_process_ends_when_the_reading_stops_early(
    tmp_path: Path, in_a_second_process: Callable[[bool], None]
) -> None:
    path = tmp_path / "holdings.csv"
    path.write_text(_rows(5000))  # more than a pipe holds: the child waits for the reader
    in_a_second_process(True)
    table = open_table(path)
    batches = table.read_batches(
        RowReader("holdings", "RU", date(2025, 5, 16), check_keys=False), 5
    )

    first = next(batches)
    running = _reading_children()
    batches.close()

    assert len(first) == 5
    assert len(running) == 1
    assert _reading_children() == []
    table.close()


def test_a_small_file_is_read_in_this_process() -> None:
    assert not background.worth_a_child(background.MIN_BYTES - 1)


def _reading_children() -> list[int]:
    """Processes of ours that run the background reader (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"parley.adapters.formats.background" in command:
            found.append(int(entry.name))
    return found
