"""The crossing console's search: a record id, or a name in either script."""

from __future__ import annotations

import pytest

from parley.entrypoints.web.pages.crossing import Row, _matches


def _row(name: str, record_id: str = "UA-6") -> Row:
    return Row("UA", record_id, 1, "military", "listed", False, True, name, ())


@pytest.mark.parametrize(
    "query",
    ["Кравець", "кравець богдан", "Kravets", "kravets bohdan", "Кравец", "UA-6", "ua-6", ""],
)
def test_a_person_is_found_as_written_transliterated_or_by_record(query: str) -> None:
    assert _matches(query, _row("Кравець Богдан Петрович"))


@pytest.mark.parametrize("query", ["Олійник", "Oliinyk", "UA-7"])
def test_someone_else_is_not_found(query: str) -> None:
    assert not _matches(query, _row("Кравець Богдан Петрович"))


def test_a_latin_name_is_found_by_its_cyrillic_spelling() -> None:
    assert _matches("Смит", _row("John Smit", "RU-1"))
