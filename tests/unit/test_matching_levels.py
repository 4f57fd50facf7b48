"""Comparison levels field by field, and the words a reviewer reads for each of them."""

from __future__ import annotations

from typing import Any

import pytest

from parley.domain.dates import PartialDate
from parley.matching.comparisons import FIELDS, MISSING, compare, compare_dates
from parley.matching.explanations import explain
from parley.matching.features import prepare
from parley.matching.reconcile import reconcile
from parley.matching.results import Decision, Outcome, Record
from parley.synthetic.matching import generate_matching_data
from tests.unit.matching_records import crowd

FIELD_NAMES = [field.name for field in FIELDS]
DATE_LEVELS = FIELDS[FIELD_NAMES.index("birth_date")].levels


def date(text: str) -> PartialDate | None:
    return PartialDate.parse(text) if text else None


def date_level(a: str, b: str) -> str:
    found = compare_dates(date(a), date(b))
    return "missing" if found == MISSING else DATE_LEVELS[found]


def record(record_id: str = "x", **fields: Any) -> Record:
    names = {"family_name": "Бойко", "given_name": "Петро"}
    return Record(record_id=record_id, **{**names, **fields})


def field_level(field: str, a: Any, b: Any) -> str:
    """The level ``field`` reaches between two records that differ only in it."""
    levels, _swapped = compare(prepare(record(**{field: a})), prepare(record(**{field: b})))
    found = levels[FIELD_NAMES.index(field)]
    return "missing" if found == MISSING else FIELDS[FIELD_NAMES.index(field)].levels[found]


def explanation(**pair: tuple[Any, Any]) -> str:
    a = prepare(record("a", **{field: values[0] for field, values in pair.items()}))
    b = prepare(record("b", **{field: values[1] for field, values in pair.items()}))
    levels, swapped = compare(a, b)
    return explain(a, b, levels, swapped)


# --- birth date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("1999-03-07", "1999-03-07", "exact", id="exact"),
        pytest.param("1999-03-07", "1999-07-03", "day and month swapped", id="swapped"),
        pytest.param("1999-03-07", "1999-03-08", "one digit differs", id="typo-in-day"),
        pytest.param("1999-03-07", "1999-05-07", "one digit differs", id="typo-in-month"),
        pytest.param("1989-03-07", "1999-03-07", "one digit differs", id="typo-in-year"),
        pytest.param("1999-03-07", "2000-03-07", "year one apart", id="year-one-apart"),
        pytest.param("1990-03-07", "1989-03-07", "year one apart", id="year-one-apart-back"),
        pytest.param("1999", "1999-03-07", "agree as far as known", id="year-only"),
        pytest.param("1999-03", "1999-03-07", "agree as far as known", id="year-and-month"),
        pytest.param("1999-03-07", "1999", "agree as far as known", id="year-only-other-side"),
        pytest.param("1999", "2000", "year one apart", id="partial-year-one-apart"),
        pytest.param("1999-03", "1998-03-07", "year one apart", id="partial-month-year-apart"),
        pytest.param("1999-03-07", "1985-11-21", "different", id="different"),
        pytest.param("1999-03", "1999-04-07", "different", id="partial-other-month"),
        pytest.param("1999", "2001", "different", id="partial-two-years-apart"),
        pytest.param("1999-03-07", "", "missing", id="missing-on-holding"),
        pytest.param("", "1999-03-07", "missing", id="missing-on-request"),
        pytest.param("", "", "missing", id="missing-on-both"),
    ],
)
def test_each_birth_date_level(a: str, b: str, expected: str) -> None:
    assert date_level(a, b) == expected


def test_day_and_month_swapped_is_its_own_level_and_not_a_typo() -> None:
    assert date_level("1999-01-10", "1999-10-01") == "day and month swapped"
    assert date_level("1999-03-07", "1999-07-04") == "different"  # swapped and a typo


def test_a_date_whose_day_equals_its_month_is_exact_not_swapped() -> None:
    assert date_level("1999-03-03", "1999-03-03") == "exact"


def test_swapping_the_sides_does_not_change_the_date_level() -> None:
    pairs = [("1999-03-07", "1999-07-03"), ("1999", "1998-05-05"), ("1999-03-07", "2000-03-07")]
    for a, b in pairs:
        assert date_level(a, b) == date_level(b, a)


@pytest.mark.parametrize(
    ("a", "b", "said"),
    [
        ("1999-03-07", "1999-03-07", "born 1999-03-07 on both"),
        ("1999-03-07", "1999-07-03", "born 1999-03-07 vs 1999-07-03: day and month swapped"),
        ("1999-03-07", "1999-03-08", "born 1999-03-07 vs 1999-03-08: one digit differs"),
        ("1999-03-07", "2000-03-07", "born 1999-03-07 vs 2000-03-07: year one apart"),
        ("1999", "1999-03-07", "born 1999 vs 1999-03-07: agree as far as known"),
        ("1999-03", "1998-03-07", "born 1999-03 vs 1998-03-07: year one apart"),
        ("1999-03-07", "1985-11-21", "born 1999-03-07 vs 1985-11-21: different"),
        ("1999-03-07", "", "birth date missing on one side"),
    ],
)
def test_the_explanation_says_the_birth_date_level_in_words(a: str, b: str, said: str) -> None:
    assert said in explanation(birth_date=(date(a), date(b)))


# --- the other fields ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("M", "M", "same"), ("m", "M", "same"), ("M", "F", "different"), ("", "M", "missing")],
)
def test_sex_levels(a: str, b: str, expected: str) -> None:
    assert field_level("sex", a, b) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Днепропетровск", "Дніпро"),
        ("Dnipropetrovsk", "Дніпро"),
        ("Артемовск", "Бахмут"),
        ("Artemivsk", "Бахмут"),
        ("Kirovohrad", "Кропивницький"),
        ("Кировоград", "Кропивницкий"),
        ("Харків", "Харьков"),
        ("Kharkiv", "Харьков"),
        ("Слов'янськ, Донецька обл.", "Славянск"),
    ],
)
def test_a_renamed_or_translated_birth_place_is_the_same_place(a: str, b: str) -> None:
    assert field_level("birth_place", a, b) == "same"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Харків", "Львів", "different"),
        ("Бахмут", "Краматорск", "different"),
        ("Львів", "", "missing"),
    ],
)
def test_different_or_unknown_birth_places(a: str, b: str, expected: str) -> None:
    assert field_level("birth_place", a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("в/ч А1234", "в/ч А1234", "same"),
        ("в/ч А1234", "в/ч A1234", "same"),  # the A typed in Latin
        ("в/ч А1234", "military unit A1234", "same"),
        ("в/ч А1234", "А1234", "same"),
        ("в/ч А1234", "в/ч А4321", "different"),
        ("в/ч А1234", "", "missing"),
    ],
)
def test_unit_levels_go_by_the_unit_number(a: str, b: str, expected: str) -> None:
    assert field_level("unit", a, b) == expected


@pytest.mark.parametrize("field", ["service_number", "document_number"])
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("АБ123456", "АБ123456", "exact"),
        ("АБ123456", "аб-123 456", "exact"),
        ("АБ123456", "АБ123457", "one edit"),
        ("АБ123456", "АБ12345", "one edit"),
        ("АБ123456", "АБ1234567", "one edit"),
        ("АБ123456", "АБ654321", "different"),
        ("АБ123456", "АБ213456", "different"),  # two digits transposed: two edits
        ("АБ123456", "", "missing"),
    ],
)
def test_identity_number_levels(field: str, a: str, b: str, expected: str) -> None:
    assert field_level(field, a, b) == expected


@pytest.mark.parametrize("field", ["service_number", "document_number"])
def test_an_identity_number_typed_with_latin_look_alike_letters_is_exact(field: str) -> None:
    assert field_level(field, "АВ123456", "AB123456") == "exact"


def test_the_explanation_names_the_other_fields_levels() -> None:
    said = explanation(
        sex=("M", "F"),
        birth_place=("Артемовск", "Бахмут"),
        unit=("в/ч А1234", "в/ч A1234"),
        service_number=("АБ123456", "АБ123456"),
        document_number=("ЕО359456", "ЕО359457"),
    )
    assert said.endswith(
        "sex different; birth place same; unit same; service number exact; document number one edit"
    )


def test_a_missing_patronymic_is_missing_not_different() -> None:
    assert field_level("patronymic", "Миколайович", "") == "missing"
    assert field_level("patronymic", "", "Николаевич") == "missing"
    assert "patronymic missing on one side" in explanation(patronymic=("Миколайович", ""))


# --- a missing patronymic is neutral, end to end -------------------------------------------

HELD = Record(
    "RU-Z",
    "Лысенко",
    "Александр",
    "Николаевич",
    "ru",
    "M",
    PartialDate.parse("1999-03-07"),
)


def asked(patronymic: str) -> Record:
    return Record(
        "UA-Z", "Лисенко", "Олександр", patronymic, "uk", "M", PartialDate.parse("1999-03-07")
    )


def decided_among_others(request: Record) -> Decision:
    """The decision on ``request`` in a realistic run: many requests, most of them held."""
    data = generate_matching_data(11, 100, 400)
    result = reconcile([*data.requests, request], [*data.holdings, HELD])
    (decision,) = [d for d in result.decisions if d.request_id == request.record_id]
    return decision


def test_a_request_without_patronymic_still_matches_its_holding() -> None:
    decision = decided_among_others(asked(""))
    assert (decision.outcome, decision.holding_id) == (Outcome.MATCH, "RU-Z")
    assert "patronymic missing on one side" in decision.explanation


def test_a_missing_patronymic_scores_above_a_different_one() -> None:
    missing = decided_among_others(asked(""))
    different = decided_among_others(asked("Петрович"))
    assert "patronymic different: Петрович vs Николаевич" in different.explanation
    assert missing.probability > different.probability


def test_a_lone_request_with_a_different_patronymic_scores_below_one_without() -> None:
    def alone(request: Record) -> float:
        (decision,) = reconcile([request], [*crowd(100), HELD]).decisions
        return decision.probability

    assert alone(asked("")) > alone(asked("Петрович"))
