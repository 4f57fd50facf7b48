"""The review queue's page helpers: the explanation marked part by part, and the
probability filters read leniently from the address."""

from __future__ import annotations

import pytest

from parley.entrypoints.web.pages.reviews import Row, _explained, _filters


def test_each_part_of_the_explanation_says_whether_it_agrees() -> None:
    parts = _explained(
        "given name equivalent Олександр≈Александр; family name different: Лисенко vs Петренко; "
        "born 1999-03-07 vs 1999-07-03: day and month swapped; patronymic missing on one side; "
        "sex same; born 1981 vs 1981-01-01: agree as far as known"
    )
    tones = [tone for tone, _part in parts]
    assert tones == ["agrees", "differs", "differs", "missing", "agrees", "agrees"]
    assert parts[1][1] == "family name different: Лисенко vs Петренко"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        ("", "", (None, None)),
        ("40", "95.4", (40, 95)),
        ("-5", "300", (0, 100)),
        ("abc", "inf", (None, None)),
        (None, "7,6", (None, 8)),
    ],
)
def test_probability_filters_are_read_leniently(
    low: str | None, high: str | None, expected: tuple[int | None, int | None]
) -> None:
    filters = _filters("open", low, high, 0)
    assert (filters.min_percent, filters.max_percent) == expected


def test_an_unknown_decision_filter_is_the_open_queue() -> None:
    assert _filters("nonsense", None, None, -3).decision == "open"
    assert _filters("confirmed", None, None, 0).query(2) == "decision=confirmed&at=2"


def test_a_year_against_a_full_date_neither_agrees_nor_differs() -> None:
    assert Row("Birth date", "1981", "1981-01-01", partial=True).agrees is None
    assert Row("Birth date", "1981", "1982-01-01", partial=True).agrees is False
    assert Row("Unit", "A", "a").agrees is True
    assert Row("Unit", None, "a").agrees is None
