"""Dates known in full or in part: how they are read, what they stand for, how old a person is."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.domain.dates import PartialDate, parse_full_date
from parley.errors import InvalidValue

EXPECTED_FORMS = ("YYYY-MM-DD", "YYYY-MM", "YYYY", "DD.MM.YYYY", "MM.YYYY")
AGREEMENT_DAY = date(2025, 5, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1999", PartialDate(1999)),
        ("1999-03", PartialDate(1999, 3)),
        ("1999-03-14", PartialDate(1999, 3, 14)),
        ("14.03.1999", PartialDate(1999, 3, 14)),
        ("03.1999", PartialDate(1999, 3)),
        ("  14.03.1999 ", PartialDate(1999, 3, 14)),
        ("29.02.2000", PartialDate(2000, 2, 29)),
    ],
)
def test_a_date_is_read_in_every_documented_form(text: str, expected: PartialDate) -> None:
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("31.02.1999", "day 31"),
        ("1999-02-31", "day 31"),
        ("29.02.1900", "day 29"),
        ("1999-13", "month 13"),
        ("13.1999", "month 13"),
        ("1999-00", "month 0"),
        ("1849", "year 1849"),
    ],
)
def test_a_date_that_cannot_exist_is_refused_naming_the_value_and_the_impossible_part(
    text: str, what: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        PartialDate.parse(text)
    assert refused.value.field == "date"
    assert repr(text) in refused.value.message
    assert what in refused.value.message


@pytest.mark.parametrize(
    "text", ["1999/03/14", "14-03-1999", "March 1999", "", "99", "1999-03-14T00"]
)
def test_text_in_no_known_form_is_refused_naming_the_value_and_the_expected_forms(
    text: str,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        PartialDate.parse(text)
    assert repr(text) in refused.value.message
    for form in EXPECTED_FORMS:
        assert form in refused.value.message


def test_a_day_without_a_month_is_not_a_date() -> None:
    with pytest.raises(InvalidValue, match="day without a month"):
        PartialDate(1999, None, 14)


@pytest.mark.parametrize(
    ("value", "precision", "earliest", "latest"),
    [
        (PartialDate(1999), "year", date(1999, 1, 1), date(1999, 12, 31)),
        (PartialDate(1999, 2), "month", date(1999, 2, 1), date(1999, 2, 28)),
        (PartialDate(2000, 2), "month", date(2000, 2, 1), date(2000, 2, 29)),
        (PartialDate(1999, 3, 14), "day", date(1999, 3, 14), date(1999, 3, 14)),
    ],
)
def test_a_partial_date_stands_for_every_day_it_may_be(
    value: PartialDate, precision: str, earliest: date, latest: date
) -> None:
    assert value.precision == precision
    assert value.earliest == earliest
    assert value.latest == latest


def test_a_partial_date_is_written_in_iso_form_with_only_the_known_parts() -> None:
    assert str(PartialDate(1999)) == "1999"
    assert str(PartialDate(1999, 3)) == "1999-03"
    assert PartialDate(1999, 3, 4).isoformat() == "1999-03-04"


def test_someone_born_in_1999_is_25_or_26_on_the_agreement_day_so_never_under_25() -> None:
    youngest, oldest = PartialDate(1999).age_on(AGREEMENT_DAY)
    assert (youngest, oldest) == (25, 26)
    assert not oldest < 25  # decided: not under 25, whatever day in 1999 they were born


def test_someone_born_in_2000_may_or_may_not_be_under_25_on_the_agreement_day() -> None:
    youngest, oldest = PartialDate(2000).age_on(AGREEMENT_DAY)
    assert (youngest, oldest) == (24, 25)
    assert youngest < 25 <= oldest  # undecided: it depends on the day


def test_someone_born_in_june_2000_is_decidedly_under_25_on_the_agreement_day() -> None:
    assert PartialDate(2000, 6).age_on(AGREEMENT_DAY) == (24, 24)


def test_a_full_birth_date_gives_one_age_that_turns_on_the_birthday() -> None:
    assert PartialDate(2000, 5, 16).age_on(AGREEMENT_DAY) == (25, 25)
    assert PartialDate(2000, 5, 17).age_on(AGREEMENT_DAY) == (24, 24)


def test_a_full_date_is_read_in_iso_or_dotted_form() -> None:
    assert parse_full_date("2022-03-14") == date(2022, 3, 14)
    assert parse_full_date("14.03.2022") == date(2022, 3, 14)


@pytest.mark.parametrize("text", ["2022", "2022-03", "03.2022"])
def test_a_partial_date_is_not_a_full_date(text: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_full_date(text)
    assert repr(text) in refused.value.message
    assert "YYYY-MM-DD or DD.MM.YYYY" in refused.value.message


def test_birth_dates_of_mixed_precision_can_be_sorted() -> None:
    dates = [PartialDate(1999, 3), PartialDate(2001), PartialDate(1999), PartialDate(1998, 12, 31)]
    ordered = sorted(dates)
    assert ordered == [
        PartialDate(1998, 12, 31),
        PartialDate(1999),
        PartialDate(1999, 3),
        PartialDate(2001),
    ]


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=date(1850, 1, 1), max_value=date(2200, 12, 31)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


@given(partial_dates())
def test_any_date_reads_back_from_its_iso_form(value: PartialDate) -> None:
    assert PartialDate.parse(value.isoformat()) == value


@given(partial_dates())
def test_any_date_with_a_month_reads_back_from_its_dotted_form(value: PartialDate) -> None:
    if value.month is None:
        return
    dotted = f"{value.month:02d}.{value.year}"
    if value.day is not None:
        dotted = f"{value.day:02d}." + dotted
    assert PartialDate.parse(dotted) == value


@given(partial_dates())
def test_any_date_starts_no_later_than_it_ends(value: PartialDate) -> None:
    assert value.earliest <= value.latest
    assert (value.earliest == value.latest) == (value.precision == "day")


@given(partial_dates(), st.dates(min_value=date(1850, 1, 1), max_value=date(2250, 12, 31)))
def test_the_two_ages_differ_by_at_most_one_year(value: PartialDate, on: date) -> None:
    youngest, oldest = value.age_on(on)
    assert 0 <= oldest - youngest <= 1
