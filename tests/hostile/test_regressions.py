"""Defects the hostile corpus found, each kept fixed by a test named after what it lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.adapters.agreements import read_agreement
from parley.adapters.formats import open_table
from parley.adapters.rounds_file import read_rounds
from parley.domain.selectors import SelectorError, parse_selector
from parley.errors import AgreementRejected, ImportRejected, RoundsRejected

CORPUS = Path(__file__).parent / "corpus"


def _text(name: str) -> str:
    return (CORPUS / name).read_text("utf-8")


def _rows(path: Path) -> str:
    table = open_table(path)
    try:
        return repr(list(table.rows()))
    finally:
        table.close()


def test_a_yaml_bomb_is_refused_before_it_exhausts_memory() -> None:
    with pytest.raises(AgreementRejected, match=r"line 2: uses the alias \*a; anchors"):
        read_agreement(_text("agreement-billion-laughs.yaml"), "a.yaml")


def test_yaml_nested_past_the_composers_recursion_is_refused_with_its_line() -> None:
    with pytest.raises(AgreementRejected, match="line 1: is nested more than 64"):
        read_agreement(_text("agreement-deep-nesting.yaml"), "a.yaml")


def test_a_selector_nested_past_the_parsers_recursion_is_refused_with_its_column() -> None:
    with pytest.raises(SelectorError, match="nest more than 32 deep at column 33"):
        parse_selector("(" * 490 + "category == pow" + ")" * 490)


def test_a_rounds_number_past_a_database_integer_is_refused_before_it_is_stored() -> None:
    with pytest.raises(RoundsRejected, match=r"is too large \(expected at most 1,000,000,000\)"):
        read_rounds(_text("rounds-huge-number.yaml"), "rounds.yaml")


@pytest.mark.parametrize(
    ("file", "says"),
    [
        ("json-deep-nesting.json", "is nested too deep"),
        ("json-deep-in-record.json", "is nested too deep"),
        ("json-long-integer.json", "has a number of 5,000 digits"),
        ("json-nan.json", "has NaN, which is not a JSON number"),
    ],
)
def test_a_json_import_that_once_crashed_or_took_nan_as_a_name_is_refused(
    file: str, says: str
) -> None:
    assert says in _rows(CORPUS / file)


def test_a_utf_32_file_is_named_utf_32_not_utf_16() -> None:
    with pytest.raises(ImportRejected, match="is UTF-32 text"):
        open_table(CORPUS / "utf-32.csv")


def test_a_json_import_cut_inside_a_character_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(b'[{"record_id": "UA-1", "family_name": "\xd0')
    assert "has a byte that is not UTF-8 (0xd0)" in _rows(path)


def test_an_agreement_with_a_date_that_does_not_exist_is_refused_with_its_line_not_a_crash() -> (
    None
):
    # Found by tests/fuzz: PyYAML builds 2025-13-01 as a date and Python refuses it with a
    # ValueError, which reached the caller as a 500 instead of the file's problem.
    text = "agreement: x\ntranches:\n  - date: 2025-13-01\n"
    with pytest.raises(AgreementRejected) as refused:
        read_agreement(text, "agreement.yaml")
    assert refused.value.problems == [
        "agreement.yaml line 3: not valid YAML: a value that cannot be read "
        "(month must be in 1..12)"
    ]
