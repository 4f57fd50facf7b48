"""Reading a matches file for ``parley plan`` on files: who is asked for, by which side."""

from __future__ import annotations

import pytest

from parley.domain.requests import Priority
from parley.errors import ImportRejected
from parley.services.plan_files import read_matches
from tests.unit.fakes import FakeTable

COLUMNS = ["request_id", "holding_id", "probability", "decision", "explanation"]
HELD = {"UA": {"UA-1", "UA-2"}, "RU": {"RU-1", "RU-2", "RU-3"}}


def _table(rows: list[list[str]], columns: list[str] = COLUMNS) -> FakeTable:
    data: list[dict[str, str]] = [dict(zip(columns, r, strict=True)) for r in rows]
    return FakeTable("matches.csv", columns, list(data))


def _problems(table: FakeTable, held: dict[str, set[str]] = HELD) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        read_matches(table, held)
    return rejected.value.lines()


def test_only_match_rows_ask_and_the_side_is_read_from_the_holding_ids() -> None:
    table = _table(
        [
            ["UA-R1", "RU-1", "0.99", "match", "names exact"],
            ["UA-R2", "RU-2", "0.50", "review", "two fit"],
            ["UA-R3", "", "0.00", "no_match", "nothing close"],
        ]
    )

    found = read_matches(table, HELD)

    assert found.holder == "RU"
    assert found.asked == {"RU-1": Priority.NORMAL}


def test_a_priority_column_gives_each_request_its_priority() -> None:
    table = _table(
        [["UA-R1", "RU-1", "match", "urgent"], ["UA-R2", "RU-2", "match", ""]],
        ["request_id", "holding_id", "decision", "priority"],
    )

    assert read_matches(table, HELD).asked == {"RU-1": Priority.URGENT, "RU-2": Priority.NORMAL}


def test_a_file_that_matched_nothing_asks_for_no_one() -> None:
    found = read_matches(_table([["UA-R1", "", "0.0", "no_match", "nothing close"]]), HELD)

    assert (found.holder, found.asked) == (None, {})


def test_a_holding_of_the_other_side_is_named_with_its_row() -> None:
    table = _table(
        [
            ["UA-R1", "RU-1", "0.99", "match", ""],
            ["UA-R2", "RU-2", "0.99", "match", ""],
            ["UA-R3", "UA-1", "0.99", "match", ""],
        ]
    )

    assert _problems(table) == [
        "matches.csv row 4, column holding_id: 'UA-1' is a holding of the other side, but "
        "the file's other matched holdings are RU's (expected one side's matches per file)"
    ]


def test_ids_both_sides_use_cannot_tell_the_side() -> None:
    held = {"UA": {"H-1"}, "RU": {"H-1"}}

    assert _problems(_table([["R-1", "H-1", "0.99", "match", ""]]), held) == [
        "matches.csv column holding_id: every matched holding is in both holdings files, so "
        "whose holdings the file matched cannot be told (expected record ids that tell the "
        "sides apart)"
    ]


def test_a_holding_matched_twice_and_a_missing_column_are_named() -> None:
    twice = _table([["UA-R1", "RU-1", "0.99", "match", ""], ["UA-R2", "RU-1", "0.99", "match", ""]])
    no_decision = _table([["UA-R1", "RU-1"]], ["request_id", "holding_id"])

    assert _problems(twice) == [
        "matches.csv row 3, column holding_id: 'RU-1' is matched in row 2 too (a holding "
        "answers one request)"
    ]
    assert _problems(no_decision) == [
        "matches.csv column decision: is missing (expected the columns parley reconcile "
        "writes: request_id, holding_id, probability, decision, explanation, priority)"
    ]
