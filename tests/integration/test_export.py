"""Exports write the import columns in CSV, XLSX and JSON, and re-import unchanged.

A formula-like value that came in through an import (``=HYPERLINK(...)``, ``+1``, ``-2``,
``@SUM(A1)`` in a free-text column) must never run in another office's spreadsheet: CSV
and XLSX write it behind an apostrophe, JSON keeps it verbatim, and importing the export
gives back the original value.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from parley.adapters import db
from parley.adapters.formats import open_table, write_table
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.errors import NotFound
from parley.services.exporting import export_columns, export_records
from parley.services.importing import ImportSummary, import_records
from parley.services.parties import register_party
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]

HYPERLINK = '=HYPERLINK("http://x","y")'
# (record id, column) -> a value a spreadsheet would run as a formula.
FORMULAS = {
    ("UA-1", "unit"): HYPERLINK,
    ("UA-1", "capture_place"): "+1",
    ("UA-2", "unit"): "-2",
    ("UA-2", "capture_place"): "@SUM(A1)",
}
# In file order, not record id order: an export sorts them UA-1, UA-10, UA-2.
HOLDINGS = [
    {
        "record_id": "UA-10",
        "family_name": "Шевченко",
        "given_name": "Тарас",
        "birth_date": "1990",
        "category": "civilian_detainee",
        "unit": 'Бригада "Північ", 3-й батальйон',
        "capture_place": "Київ, Оболонь",
    },
    {
        "record_id": "UA-1",
        "family_name": "Коваленко",
        "given_name": "Дар'я",
        "patronymic": "Олегівна",
        "sex": "F",
        "birth_date": "14.03.1999",
        "birth_place": "Київ",
        "nationality": "ua",
        "mother_maiden_name": "Мельник",
        "category": "pow",
        "rank": "солдат",
        "service_number": "ЗС-000101",
        "unit": HYPERLINK,
        "document_number": "ПС 000004",
        "captured_on": "2024-03-02",
        "capture_place": "+1",
        "detention_place": "Установа № 1",
        "health": "good",
        "seriously_ill": False,
    },
    {
        "record_id": "UA-2",
        "family_name": "Семёнов",
        "given_name": "Фёдор",
        "name_lang": "ru",
        "sex": "M",
        "birth_date": "1987-03",
        "category": "pow",
        "unit": "-2",
        "capture_place": "@SUM(A1)",
        "health": "seriously_wounded",
        "seriously_ill": True,
        "seriously_ill_basis": "mmc_decision",
    },
]
REQUESTS = [
    {
        "record_id": "UA-R-2",
        "family_name": "Бондар",
        "given_name": "Олег",
        "source": "family",
        "capture_place": "=1+2",
    },
    {
        "record_id": "UA-R-1",
        "family_name": "Ткаченко",
        "given_name": "Ірина",
        "birth_date": "03.1999",
        "category": "civilian_internee",
        "captured_on": "05.11.2023",
        "priority": "urgent",
        "source": "official_register",
        "unit": "-",
    },
]


# --- helpers ----------------------------------------------------------------------------


def _import(uow: Uow, path: Path, *, kind: str, party: str) -> ImportSummary:
    table = open_table(path)
    try:
        return import_records(uow(), kind=kind, party=party, table=table, actor="test", now=NOW)
    finally:
        table.close()


def _export_into(
    out: io.BytesIO, uow: Uow, *, format: str, kind: str = "holdings", party: str = "UA"
) -> int:
    """Export the way the CLI does: open a unit of work, write the rows as they are read."""
    with uow() as u:
        rows = export_records(u, kind=kind, party=party)
        return write_table(rows, export_columns(kind), out, format=format)


def _export(uow: Uow, *, format: str, kind: str = "holdings", party: str = "UA") -> bytes:
    out = io.BytesIO()
    _export_into(out, uow, format=format, kind=kind, party=party)
    return out.getvalue()


def _records(uow: Uow, kind: str, party: str) -> list[Holding] | list[Request]:
    with uow() as u:
        repository = u.holdings if kind == "holdings" else u.requests
        return list(repository.iter_party(party))


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _sheet_cells(data: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows()]


@pytest.fixture
def imported(tmp_path: Path, uow: Uow, parties: object) -> None:
    """Party UA has imported its holdings and its requests, from JSON, values verbatim."""
    for kind, records in (("holdings", HOLDINGS), ("requests", REQUESTS)):
        path = tmp_path / f"ua-{kind}.json"
        path.write_bytes(json.dumps(records, ensure_ascii=False).encode())
        summary = _import(uow, path, kind=kind, party="UA")
        assert summary.created == len(records)


@pytest.fixture
def fresh_uow(sqlite_template: Path, tmp_path: Path) -> Iterator[Uow]:
    """A unit of work on a second, fresh SQLite database where party RU is registered."""
    path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, path)
    engine = db.create_db_engine(f"sqlite:///{path}")
    register_party(SqlUnitOfWork(engine), Party("RU", "Party RU", "ru"), actor="t", now=NOW)
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()


# --- formula-like cells -----------------------------------------------------------------


@pytest.mark.usefixtures("imported")
def test_csv_export_writes_formula_like_cells_behind_an_apostrophe(uow: Uow) -> None:
    rows = {row["record_id"]: row for row in _csv_rows(_export(uow, format="csv"))}

    for (record_id, column), value in FORMULAS.items():
        assert rows[record_id][column] == "'" + value
    assert rows["UA-10"]["unit"] == 'Бригада "Північ", 3-й батальйон'
    assert rows["UA-10"]["capture_place"] == "Київ, Оболонь"
    assert rows["UA-1"]["given_name"] == "Дар'я"


@pytest.mark.usefixtures("imported")
def test_xlsx_export_writes_formula_like_cells_as_text_behind_an_apostrophe(uow: Uow) -> None:
    header, *cells = _sheet_cells(_export(uow, format="xlsx"))
    columns = [c.value for c in header]
    rows = {row[0].value: dict(zip(columns, row, strict=True)) for row in cells}

    assert columns == export_columns("holdings")
    for (record_id, column), value in FORMULAS.items():
        cell = rows[record_id][column]
        assert cell.data_type == "s"
        assert isinstance(cell.value, str)
        assert cell.value == "'" + value
    assert not [c.coordinate for row in [header, *cells] for c in row if c.data_type == "f"]


@pytest.mark.usefixtures("imported")
def test_json_export_keeps_formula_like_cells_verbatim(uow: Uow) -> None:
    data = _export(uow, format="json")
    rows = {row["record_id"]: row for row in json.loads(data)}

    for (record_id, column), value in FORMULAS.items():
        assert rows[record_id][column] == value
    assert "Дар'я" in data.decode("utf-8")  # names as written, not \u escapes


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_importing_an_escaped_export_gives_back_the_original_values(
    format: str, tmp_path: Path, uow: Uow
) -> None:
    path = tmp_path / f"ua-holdings.{format}"
    path.write_bytes(_export(uow, format=format))

    _import(uow, path, kind="holdings", party="RU")

    with uow() as u:
        for (record_id, column), value in FORMULAS.items():
            record = u.holdings.get("RU", record_id)
            assert record is not None
            field = record.identity.unit if column == "unit" else record.capture_place
            assert field == value


# --- round trips ------------------------------------------------------------------------


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("kind", ["holdings", "requests"])
@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_an_export_re_imports_with_every_record_unchanged(
    format: str, kind: str, tmp_path: Path, uow: Uow
) -> None:
    before = _records(uow, kind, "UA")
    path = tmp_path / f"ua-{kind}-export.{format}"
    path.write_bytes(_export(uow, format=format, kind=kind))

    summary = _import(uow, path, kind=kind, party="UA")

    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (
        len(before),
        0,
        0,
        len(before),
    )
    assert _records(uow, kind, "UA") == before


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("kind", ["holdings", "requests"])
@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_an_export_imports_into_another_party_of_a_fresh_database_as_the_same_people(
    format: str, kind: str, tmp_path: Path, uow: Uow, fresh_uow: Uow
) -> None:
    before = _records(uow, kind, "UA")
    path = tmp_path / f"ua-{kind}-export.{format}"
    path.write_bytes(_export(uow, format=format, kind=kind))

    summary = _import(fresh_uow, path, kind=kind, party="RU")

    assert (summary.rows, summary.created) == (len(before), len(before))
    assert _records(fresh_uow, kind, "RU") == [replace(r, party="RU") for r in before]


# --- what an export holds ---------------------------------------------------------------


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_an_export_is_ordered_by_record_id(format: str, uow: Uow) -> None:
    data = _export(uow, format=format)

    if format == "csv":
        ids = [row["record_id"] for row in _csv_rows(data)]
    elif format == "xlsx":
        ids = [row[0].value for row in _sheet_cells(data)[1:]]
    else:
        ids = [row["record_id"] for row in json.loads(data)]
    assert ids == ["UA-1", "UA-10", "UA-2"]


@pytest.mark.usefixtures("imported")
def test_an_export_has_the_import_columns_and_iso_dates(uow: Uow) -> None:
    rows = _csv_rows(_export(uow, format="csv"))

    assert list(rows[0]) == export_columns("holdings")
    assert rows[0]["birth_date"] == "1999-03-14"
    assert rows[0]["captured_on"] == "2024-03-02"
    assert rows[0]["nationality"] == "UA"
    assert rows[0]["name_lang"] == "uk"
    assert rows[0]["seriously_ill"] == "no"
    assert rows[1]["birth_date"] == "1990"
    assert rows[1]["patronymic"] == ""
    assert rows[2]["birth_date"] == "1987-03"
    assert (rows[2]["seriously_ill"], rows[2]["seriously_ill_basis"]) == ("yes", "mmc_decision")
    assert "status" not in rows[0]


@pytest.mark.usefixtures("parties")
def test_an_export_of_a_party_with_no_records_is_only_the_header(uow: Uow) -> None:
    columns = export_columns("holdings")

    assert _export(uow, format="csv", party="RU") == (",".join(columns) + "\r\n").encode()
    assert json.loads(_export(uow, format="json", party="RU")) == []
    sheet = _sheet_cells(_export(uow, format="xlsx", party="RU"))
    assert [[c.value for c in row] for row in sheet] == [columns]


@pytest.mark.usefixtures("parties")
@pytest.mark.parametrize("kind", ["holdings", "requests"])
def test_an_export_of_an_unknown_party_is_not_found(kind: str, uow: Uow) -> None:
    with uow() as u, pytest.raises(NotFound) as missing:
        list(export_records(u, kind=kind, party="XX"))

    assert str(missing.value) == "unknown party 'XX' (known parties: RU, UA)"


@pytest.mark.usefixtures("parties")
def test_an_export_of_an_unknown_party_fails_before_anything_is_written(uow: Uow) -> None:
    out = io.BytesIO()

    with pytest.raises(NotFound):
        _export_into(out, uow, format="csv", party="XX")

    assert out.getvalue() == b""
