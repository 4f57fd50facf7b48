"""Every hostile input of the corpus gets its one clear error, and changes nothing.

Each case of ``cases.py`` is sent to the API on a copy of a small running exchange (the
world of ``tests/e2e/api``); the answer must have the case's status and hold its text,
and every table but the access log (which records the refused request itself) must be
as it was. Inputs too large or too explosive to keep in the corpus are built here.
"""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from tests.conftest import snapshot
from tests.e2e.api.conftest import Api
from tests.hostile.cases import CASES, IMPORT, Case

from parley.adapters.formats import open_table
from parley.adapters.formats.reading import MAX_LINE
from parley.adapters.formats.writing import escape_formula, write_table

CORPUS = Path(__file__).parent / "corpus"
RECORD = os.environ.get("PARLEY_HOSTILE_RECORD")  # a path: write what each case got there
HUGE_LINE_BYTES = int(os.environ.get("PARLEY_HOSTILE_LINE_BYTES", 50 * 1024 * 1024))
_got: dict[str, tuple[int, str]] = {}


def _tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    every = snapshot(engine)
    every.pop("access_log")  # the refused request is logged, as it must be
    return every


def _send(api: Api, case: Case) -> Any:
    who = case.who or None
    url = case.path + case.query
    if case.file is not None:
        return api.post(who, url, content=(CORPUS / case.file).read_bytes(), headers=case.headers)
    if case.body is not None:
        return api.post(who, url, content=case.body, headers=case.headers)
    return api.post(who, url, json=case.json, headers=case.headers)


def _said(answer: Any) -> str:
    body = answer.json()
    lines = [body.get("detail", "")]
    lines += [e.get("msg", "") for e in body.get("errors", [])]
    lines += [p.get("message", str(p)) if isinstance(p, dict) else str(p)
              for p in body.get("problems", [])]  # fmt: skip
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_its_clear_error_and_changes_nothing(case: Case, api: Api) -> None:
    engine = create_engine(api.url)
    before = _tables(engine)

    answer = _send(api, case)

    said = _said(answer)
    if RECORD:
        _got[case.id] = (answer.status_code, said.splitlines()[0] if said else "")
        Path(RECORD).write_text(json.dumps(_got, ensure_ascii=False, indent=1), "utf-8")
    assert (answer.status_code, case.says in said) == (case.status, True), said
    assert answer.status_code < 500
    assert _tables(engine) == before
    engine.dispose()


def test_corpus_holds_at_least_a_hundred_inputs_across_every_entry_point() -> None:
    entries = {c.entry for c in CASES}
    assert len(CASES) >= 100
    assert entries == {"import", "agreement", "rounds", "receipt", "checkpoint", "signature",
                       "api"}  # fmt: skip


# --- built at test time ----------------------------------------------------------------


def test_a_line_of_many_megabytes_is_refused_without_reading_it_into_memory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "one-line.csv"
    with path.open("wb") as out:
        out.write(b"record_id,family_name,given_name,category\nUA-1,")
        chunk = b"A" * (1 << 20)
        for _ in range(HUGE_LINE_BYTES >> 20):
            out.write(chunk)
    tracemalloc.start()
    try:
        table = open_table(path)
        last = list(table.rows())[-1]
        table.close()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert last[0] == 2
    assert f"is longer than {MAX_LINE:,} bytes" in repr(last[1])
    assert peak < 8 * 1024 * 1024


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(api: Api, tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(300):
                member.write(zeros)
    engine = create_engine(api.url)
    before = _tables(engine)
    headers = {"Content-Disposition": 'attachment; filename="bomb.xlsx"'}

    answer = api.post("own", IMPORT, content=out.getvalue(), headers=headers)

    assert answer.status_code == 422
    assert "(a zip bomb?); refused" in answer.json()["detail"]
    assert _tables(engine) == before


@pytest.mark.parametrize("cell", ["=CMD|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"])
def test_exported_cells_that_a_spreadsheet_would_run_are_written_as_text(cell: str) -> None:
    out = io.BytesIO()
    write_table([{"unit": cell}], ["unit"], out, format="csv")
    assert out.getvalue().decode("utf-8").splitlines()[1].lstrip('"').startswith("'")
    assert escape_formula(cell) == "'" + cell
