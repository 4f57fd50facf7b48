"""The fast row reader accepts, stores and refuses exactly what the schema's full reader does."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import ImportProblem
from parley.services import readers
from parley.services.readers import RowReader, record_of, values_of
from parley.services.schema import HOLDINGS, REQUESTS, RecordSchema

TODAY = date(2025, 5, 16)
NAMES = ["Шевчук", "Іван", "Дар'я", " O'Neil ", "Lysenko", "", "Ivan3", "=HYPERLINK(1)",
         "e\u0301", "А" * 101, "Коваль-Петренко", "'=cmd", "Олена\x00", "Петро "]  # fmt: skip
TEXTS = ["", "Київ", "Kyiv", "a\x01b", "x" * 201, "'=1+1", "'Kyiv", "e\u0301", "\u00a0Київ",
         "в/ч А7012", "  ", "ИК-2, Тверская обл.", "z" * 101]  # fmt: skip
NUMBERS = ["", "AB123", "СА758906", "x" * 51, "'=2", "a\tb", "e\u0301", "12 34", " 77 "]
CELLS: dict[str, list[str]] = {
    "record_id": ["RU-H-1", "A", " RU-2 ", "", "bad id!", "'=1", "x" * 70, "RU-H-1"],
    "family_name": NAMES,
    "given_name": NAMES,
    "patronymic": NAMES,
    "mother_maiden_name": NAMES,
    "name_lang": ["", "uk", "RU", "xx", "en"],
    "sex": ["", "M", "ж", "чол.", "?", "u"],
    "birth_date": [
        "",
        "1999",
        "1999-03",
        "14.03.1999",
        "31.02.1999",
        "2099-01-01",
        "03.1999",
        " 1980-01-02 ",
        "１９９９",
        "1999-3-4",
        "2022-04-03",
        "'1999",
    ],
    "birth_place": TEXTS,
    "nationality": ["", "UA", "ru", "U1", "ÜA", "UKR"],
    "category": ["", "pow", "POW", "civilian internee", "civilian-detainee", "alien"],
    "rank": TEXTS,
    "service_number": NUMBERS,
    "unit": TEXTS,
    "document_number": NUMBERS,
    "captured_on": [
        "",
        "2022-04-02",
        "02.04.2022",
        "2099-01-01",
        "2022-02-30",
        "2022",
        "1970-01-01",
        "１９９９-01-01",
    ],
    "capture_place": TEXTS,
    "detention_place": TEXTS,
    "health": ["", "good", "Seriously wounded", "dead"],
    "seriously_ill": ["", "yes", "no", "так", "maybe", " NO "],
    "seriously_ill_basis": ["", "manifest", "mmc_decision", "nope"],
    "source": ["", "family", "Family", "rumour"],
    "priority": ["", "high", "normal", "urgent"],
}
GOOD = {
    "record_id": "RU-H-1",
    "family_name": "Шевчук",
    "given_name": "Іван",
    "category": "pow",
    "source": "family",
}


def rows_of(schema: RecordSchema) -> st.SearchStrategy[list[dict[str, str]]]:
    """Rows that are mostly good, with a few cells drawn from good and bad examples."""
    columns = st.sampled_from(schema.columns)
    cell = columns.flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(CELLS[c])))
    row = st.tuples(st.lists(cell, max_size=6), st.lists(columns, max_size=2)).map(
        lambda drawn: _row(schema, *drawn)
    )
    return st.lists(row, min_size=1, max_size=25)


def _row(schema: RecordSchema, cells: list[tuple[str, str]], dropped: list[str]) -> dict[str, str]:
    row = {c: GOOD.get(c, "") for c in schema.columns}
    row.update(cells)
    return {c: v for c, v in row.items() if c not in dropped}


def full_reading(schema: RecordSchema, row: int, cells: dict[str, str]) -> object:
    record = schema.read("RU", row, cells, TODAY)
    return record if isinstance(record, list) else values_of(record)


@pytest.mark.parametrize("schema", [HOLDINGS, REQUESTS], ids=lambda s: s.kind)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_fast_reader_agrees_with_the_full_reader_row_after_row(
    schema: RecordSchema, data: st.DataObject
) -> None:
    rows = data.draw(rows_of(schema))
    reader = RowReader(schema.kind, "RU", TODAY, check_keys=False)
    for number, cells in enumerate(rows, start=2):
        assert reader(number, cells) == full_reading(schema, number, cells), cells


@pytest.mark.parametrize("schema", [HOLDINGS, REQUESTS], ids=lambda s: s.kind)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_stored_values_give_back_the_record_they_came_from(
    schema: RecordSchema, data: st.DataObject
) -> None:
    for cells in data.draw(rows_of(schema)):
        record = schema.read("RU", 2, cells, TODAY)
        if not isinstance(record, list):
            assert record_of(schema.kind, "RU", values_of(record)) == record


@pytest.mark.parametrize(
    "cells",
    [
        {"birth_date": "2022-04-03", "captured_on": "2022-04-02"},
        {"birth_date": "2022", "captured_on": "2021-12-31"},
        {"birth_date": "1999-03", "captured_on": "1999-03-01"},
        {"seriously_ill": "yes"},
        {"seriously_ill_basis": "manifest"},
        {"seriously_ill": "так", "seriously_ill_basis": "manifest"},
        {"family_name": "Lysenko", "given_name": "Oleksandr"},
        {"family_name": "Лысенко", "given_name": "Александр"},
        {"family_name": "Лисенко", "given_name": "Олександр", "patronymic": "Їжакович"},
        {"family_name": "Петров", "given_name": "Олег"},
    ],
)
def test_rules_across_fields_are_kept_as_the_full_reader_keeps_them(cells: dict[str, str]) -> None:
    reader = RowReader("holdings", "RU", TODAY, check_keys=False)
    row = {c: GOOD[c] for c in HOLDINGS.required} | cells
    for number in (2, 3):  # the second time from what the reader remembers
        assert reader(number, row) == full_reading(HOLDINGS, number, row)


def test_a_row_the_file_reader_could_not_read_is_its_own_problem() -> None:
    broken = ImportProblem(7, None, "has a quote that is never closed")
    reader = RowReader("holdings", "RU", TODAY, check_keys=False)
    assert reader(7, broken) == [broken]


def test_a_json_record_with_a_field_no_column_has_is_refused_by_name() -> None:
    reader = RowReader("holdings", "RU", TODAY, check_keys=True)
    cells = {c: GOOD[c] for c in HOLDINGS.required}
    problems = reader(3, {**cells, "shoe_size": "44"})
    assert isinstance(problems, list)
    assert [(p.row, p.column) for p in problems] == [(3, "shoe_size")]
    assert problems[0].message.startswith("is not a holdings field")


def test_a_reader_sent_to_another_process_reads_the_same() -> None:
    reader = RowReader("requests", "UA", TODAY, check_keys=True)
    copy = pickle.loads(pickle.dumps(reader))
    cells = {"record_id": "UA-R-1", "family_name": "Шевчук", "given_name": "Іван", "source": "x"}
    assert copy(2, cells) == reader(2, cells)
    assert copy(2, {**cells, "source": "family"}) == reader(2, {**cells, "source": "family"})


def test_the_cells_a_reader_keeps_stay_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "CACHE_BUDGET", 50)
    reader = RowReader("holdings", "RU", TODAY, check_keys=False)
    for n in range(500):
        values = reader(n + 2, {**GOOD, "record_id": f"RU-{n}", "unit": f"в/ч {n}"})
        assert isinstance(values, tuple)
        assert reader.remembered <= 50
