"""Reading one row of a holdings or requests file into the domain, or into its problems."""

from __future__ import annotations

from datetime import date

import pytest

from parley.domain.dates import PartialDate
from parley.domain.holdings import Health, Holding, HoldingCategory, SeriousIllnessBasis
from parley.domain.people import NameLanguage, Sex
from parley.domain.requests import Priority, Request, RequestSource
from parley.errors import ImportProblem
from parley.services.schema import HOLDINGS, REQUESTS, format_cell

TODAY = date(2025, 5, 16)


def holding_row(**cells: str) -> dict[str, str]:
    row = {
        "record_id": "RU-H-000017",
        "family_name": "Шевчук",
        "given_name": "Іван",
        "patronymic": "Петрович",
        "sex": "ч",
        "birth_date": "14.03.1999",
        "nationality": "UA",
        "category": "pow",
        "rank": "солдат",
        "captured_on": "02.04.2022",
        "capture_place": "Маріуполь",
        "detention_place": "СІЗО-2",
        "health": "good",
        "seriously_ill": "no",
        "seriously_ill_basis": "",
    }
    row.update(cells)
    return row


def request_row(**cells: str) -> dict[str, str]:
    row = {
        "record_id": "UA-R-7",
        "family_name": "Шевчук",
        "given_name": "Іван",
        "source": "family",
        "priority": "high",
    }
    row.update(cells)
    return row


def read_holding(**cells: str) -> Holding:
    record = HOLDINGS.read("RU", 2, holding_row(**cells), TODAY)
    assert isinstance(record, Holding), record
    return record


def problems_of_holding(**cells: str) -> list[ImportProblem]:
    record = HOLDINGS.read("RU", 5, holding_row(**cells), TODAY)
    assert isinstance(record, list), record
    return record


def test_a_good_holdings_row_becomes_a_holding_with_its_values() -> None:
    holding = read_holding()
    assert holding.party == "RU"
    assert holding.record_id == "RU-H-000017"
    assert holding.identity.family_name == "Шевчук"
    assert holding.identity.given_name == "Іван"
    assert holding.identity.patronymic == "Петрович"
    assert holding.identity.sex is Sex.MALE
    assert holding.identity.birth_date == PartialDate(1999, 3, 14)
    assert holding.identity.nationality == "UA"
    assert holding.identity.rank == "солдат"
    assert holding.category is HoldingCategory.POW
    assert holding.captured_on == date(2022, 4, 2)
    assert holding.capture_place == "Маріуполь"
    assert holding.detention_place == "СІЗО-2"
    assert holding.health is Health.GOOD
    assert holding.seriously_ill is False
    assert holding.seriously_ill_basis is None


def test_a_birth_date_known_only_by_year_or_month_is_kept_as_such() -> None:
    assert read_holding(birth_date="1999").identity.birth_date == PartialDate(1999)
    assert read_holding(birth_date="03.1999").identity.birth_date == PartialDate(1999, 3)


@pytest.mark.parametrize(
    ("cell", "sex"),
    [
        ("ч", Sex.MALE),
        ("м", Sex.MALE),
        ("Ч.", Sex.MALE),
        ("M", Sex.MALE),
        ("male", Sex.MALE),
        ("ж", Sex.FEMALE),
        ("Ж", Sex.FEMALE),
        ("F", Sex.FEMALE),
        ("U", Sex.UNKNOWN),
        ("", Sex.UNKNOWN),
    ],
)
def test_sex_is_read_from_ukrainian_russian_and_english_abbreviations(cell: str, sex: Sex) -> None:
    assert read_holding(sex=cell).identity.sex is sex


@pytest.mark.parametrize("cell", ["yes", "Yes", "так", "Так", "да", "true", "1"])
def test_a_yes_in_any_of_the_parties_languages_sets_the_seriously_ill_flag(cell: str) -> None:
    holding = read_holding(seriously_ill=cell, seriously_ill_basis="manifest")
    assert holding.seriously_ill is True
    assert holding.seriously_ill_basis is SeriousIllnessBasis.MANIFEST


@pytest.mark.parametrize("cell", ["no", "NO", "ні", "нет", "false", "0", ""])
def test_a_no_in_any_of_the_parties_languages_clears_the_seriously_ill_flag(cell: str) -> None:
    assert read_holding(seriously_ill=cell).seriously_ill is False


@pytest.mark.parametrize(
    ("column", "cell", "attribute", "value"),
    [
        ("category", "POW", "category", HoldingCategory.POW),
        ("category", "Civilian Internee", "category", HoldingCategory.CIVILIAN_INTERNEE),
        ("category", "proceedings-pending", "category", HoldingCategory.PROCEEDINGS_PENDING),
        ("health", "Seriously Wounded", "health", Health.SERIOUSLY_WOUNDED),
        ("health", "NOT_WOUNDED", "health", Health.NOT_WOUNDED),
    ],
)
def test_choices_are_read_whatever_their_case_spaces_or_hyphens(
    column: str, cell: str, attribute: str, value: object
) -> None:
    assert getattr(read_holding(**{column: cell}), attribute) is value


def test_a_basis_is_read_whatever_its_case() -> None:
    holding = read_holding(seriously_ill="так", seriously_ill_basis="MMC Decision")
    assert holding.seriously_ill_basis is SeriousIllnessBasis.MMC_DECISION


def test_a_lower_case_nationality_is_read_as_its_code() -> None:
    assert read_holding(nationality="ua").identity.nationality == "UA"


def test_a_row_with_several_bad_cells_returns_every_problem_with_its_row_and_column() -> None:
    problems = problems_of_holding(
        record_id="RU H 17",
        family_name="Шевчук2",
        given_name="",
        sex="x",
        birth_date="31.02.1999",
        nationality="Ukraine",
        category="soldier",
        captured_on="2030-01-01",
        health="fine",
        seriously_ill="maybe",
    )
    assert {p.row for p in problems} == {5}
    assert sorted(p.column or "" for p in problems) == sorted(
        [
            "record_id",
            "family_name",
            "given_name",
            "sex",
            "birth_date",
            "nationality",
            "category",
            "captured_on",
            "health",
            "seriously_ill",
        ]
    )
    by_column = {p.column: p.message for p in problems}
    assert "'31.02.1999'" in by_column["birth_date"]
    assert "pow, civilian_internee" in by_column["category"]
    assert "in the future" in by_column["captured_on"]
    assert "not yes or no" in by_column["seriously_ill"]


def test_a_missing_required_cell_is_reported_once_as_missing() -> None:
    row = holding_row()
    del row["category"]
    problems = HOLDINGS.read("RU", 9, row, TODAY)
    assert problems == [ImportProblem(9, "category", "is missing (a value is required)")]


def test_an_empty_required_cell_is_reported_once_as_empty() -> None:
    problems = HOLDINGS.read("RU", 9, holding_row(category=" "), TODAY)
    assert problems == [ImportProblem(9, "category", "is empty (a value is required)")]


def test_a_rule_across_cells_is_reported_against_its_column() -> None:
    assert [(p.row, p.column) for p in problems_of_holding(seriously_ill="так")] == [
        (5, "seriously_ill_basis")
    ]
    assert [(p.row, p.column) for p in problems_of_holding(captured_on="01.01.1999")] == [
        (5, "captured_on")
    ]


def test_a_birth_date_in_the_future_is_refused() -> None:
    problems = problems_of_holding(birth_date="2026", captured_on="")
    assert [(p.column, p.message) for p in problems] == [("birth_date", "'2026' is in the future")]


def test_a_control_character_in_free_text_is_refused() -> None:
    problems = problems_of_holding(capture_place="Маріу\x07поль")
    assert [p.column for p in problems] == ["capture_place"]
    assert "control character" in problems[0].message


def test_free_text_over_200_characters_is_refused_with_its_length() -> None:
    problems = problems_of_holding(detention_place="x" * 201)
    assert [p.column for p in problems] == ["detention_place"]
    assert "201" in problems[0].message


@pytest.mark.parametrize("text", ["=X", "+380 44 000", "-5 km north", "@camp"])
def test_a_formula_like_cell_escaped_by_parleys_export_is_read_back_as_written(text: str) -> None:
    assert read_holding(capture_place="'" + text).capture_place == text


def test_a_formula_in_a_name_is_refused_even_when_escaped() -> None:
    problems = problems_of_holding(family_name="'=HYPERLINK(1)")
    assert [p.column for p in problems] == ["family_name"]


@pytest.mark.parametrize(
    ("family", "given", "language"),
    [
        ("Шевчук", "Іван", NameLanguage.UKRAINIAN),
        ("Рыбаков", "Пётр", NameLanguage.RUSSIAN),
        ("Shevchuk", "Ivan", NameLanguage.LATIN),
        ("Петров", "Иван", NameLanguage.UNDETERMINED),
    ],
)
def test_the_name_language_is_guessed_when_the_row_does_not_give_it(
    family: str, given: str, language: NameLanguage
) -> None:
    holding = read_holding(family_name=family, given_name=given, patronymic="")
    assert holding.identity.name_lang is language


def test_a_name_language_given_by_the_row_is_kept() -> None:
    assert read_holding(name_lang="RU").identity.name_lang is NameLanguage.RUSSIAN


def test_an_unknown_name_language_is_refused_listing_the_known_ones() -> None:
    problems = problems_of_holding(name_lang="ukr")
    assert [p.column for p in problems] == ["name_lang"]
    assert "uk, ru, en, und" in problems[0].message


def test_a_good_requests_row_becomes_a_request() -> None:
    request = REQUESTS.read("UA", 2, request_row(priority="URGENT", sex="ж"), TODAY)
    assert isinstance(request, Request)
    assert request.party == "UA"
    assert request.record_id == "UA-R-7"
    assert request.source is RequestSource.FAMILY
    assert request.priority is Priority.URGENT
    assert request.identity.sex is Sex.FEMALE
    assert request.category is None


def test_a_request_without_a_priority_is_normal() -> None:
    request = REQUESTS.read("UA", 2, request_row(priority=""), TODAY)
    assert isinstance(request, Request)
    assert request.priority is Priority.NORMAL


def test_a_bad_requests_row_returns_every_problem() -> None:
    problems = REQUESTS.read(
        "UA", 3, request_row(source="neighbour", priority="asap", category="soldier"), TODAY
    )
    assert isinstance(problems, list)
    assert [(p.row, p.column) for p in problems] == [
        (3, "source"),
        (3, "priority"),
        (3, "category"),
    ]


def test_exported_values_read_back_as_the_same_holding() -> None:
    holding = read_holding(seriously_ill="так", seriously_ill_basis="art110_direct_2")
    exported = {
        "record_id": holding.record_id,
        "family_name": holding.identity.family_name,
        "given_name": holding.identity.given_name,
        "patronymic": format_cell(holding.identity.patronymic),
        "name_lang": format_cell(holding.identity.name_lang),
        "sex": format_cell(holding.identity.sex),
        "birth_date": format_cell(holding.identity.birth_date),
        "nationality": format_cell(holding.identity.nationality),
        "rank": format_cell(holding.identity.rank),
        "category": format_cell(holding.category),
        "captured_on": format_cell(holding.captured_on),
        "capture_place": format_cell(holding.capture_place),
        "detention_place": format_cell(holding.detention_place),
        "health": format_cell(holding.health),
        "seriously_ill": format_cell(holding.seriously_ill),
        "seriously_ill_basis": format_cell(holding.seriously_ill_basis),
    }
    assert HOLDINGS.read("RU", 2, exported, TODAY) == holding
