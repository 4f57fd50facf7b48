"""People's names, record ids and identities, as both sides write them."""

from __future__ import annotations

import pytest

from parley.domain.dates import PartialDate
from parley.domain.people import (
    Identity,
    NameLanguage,
    Sex,
    check_name,
    check_record_id,
    guess_name_language,
)
from parley.errors import InvalidValue


@pytest.mark.parametrize(
    "name",
    [
        "Дар'я",
        "Дарʼя",
        "Дар’я",
        "Ковальчук-Мельник",
        "O'Neil",
        "Ivanov",
        "Їжак",
        "Пётр",
        "Mary Ann",
        "St. John",
        "José",
        "x" * 100,
    ],
)
def test_a_name_in_cyrillic_or_latin_with_hyphens_and_apostrophes_is_accepted(name: str) -> None:
    assert check_name("family_name", name) == name


def test_a_name_is_returned_trimmed_and_composed() -> None:
    decomposed = "Jose\u0301"  # e + combining acute accent
    assert check_name("given_name", f"  {decomposed} ") == "José"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Ivan2", "'2'"),
        ("=HYPERLINK(1)", "'='"),
        ("ivan@example", "'@'"),
        ("Iva\x00n", "U+0000"),
        ("Iva\nn", "U+000A"),
        ("Ivan\u200bov", "U+200B"),
    ],
)
def test_a_name_with_a_digit_symbol_or_control_character_is_refused_naming_the_field(
    name: str, shown: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_name("family_name", name)
    assert refused.value.field == "family_name"
    assert str(refused.value).startswith("family_name: ")
    assert shown in refused.value.message


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue, match=r"^given_name: is empty"):
        check_name("given_name", name)


def test_a_name_of_101_characters_is_refused_with_its_length_and_the_limit() -> None:
    with pytest.raises(InvalidValue) as refused:
        check_name("patronymic", "x" * 101)
    assert refused.value.field == "patronymic"
    assert "101" in refused.value.message
    assert "100" in refused.value.message


@pytest.mark.parametrize("name", ["-Ivan", "'Ivan", ". Ivan"])
def test_a_name_must_begin_with_a_letter(name: str) -> None:
    with pytest.raises(InvalidValue, match="must begin with a letter"):
        check_name("family_name", name)


@pytest.mark.parametrize(
    ("names", "language"),
    [
        (("Шевчук", "Іван"), NameLanguage.UKRAINIAN),
        (("Ковальчук", "Їржик"), NameLanguage.UKRAINIAN),
        (("Євтушенко",), NameLanguage.UKRAINIAN),
        (("Ґудзь",), NameLanguage.UKRAINIAN),
        (("Рыбаков", "Пётр"), NameLanguage.RUSSIAN),
        (("Эльдаров",), NameLanguage.RUSSIAN),
        (("Подъячев",), NameLanguage.RUSSIAN),
        (("Shevchuk", "Ivan"), NameLanguage.LATIN),
        (("Петров", "Иван"), NameLanguage.UNDETERMINED),
        (("Дар'я", "Коваль"), NameLanguage.UNDETERMINED),
    ],
)
def test_the_language_of_a_spelling_is_guessed_from_letters_only_one_language_uses(
    names: tuple[str, ...], language: NameLanguage
) -> None:
    assert guess_name_language(*names) is language


@pytest.mark.parametrize("record_id", ["RU-H-1", "UA.2024/0001", "a", "x:y_z", "A" * 64])
def test_a_record_id_of_up_to_64_plain_characters_is_accepted(record_id: str) -> None:
    assert check_record_id(record_id) == record_id


def test_a_record_id_is_returned_trimmed() -> None:
    assert check_record_id("  RU-H-1 ") == "RU-H-1"


@pytest.mark.parametrize("record_id", ["A" * 65, "RU H 1", "-RU-1", "=1+1", "ІД-1", "RU;1"])
def test_a_record_id_with_other_characters_or_too_long_is_refused(record_id: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_record_id(record_id)
    assert refused.value.field == "record_id"
    assert "expected 1-64 letters, digits" in refused.value.message


def test_an_empty_record_id_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^record_id: is empty"):
        check_record_id(" ")


def test_an_identity_needs_only_a_family_and_a_given_name() -> None:
    person = Identity("Шевчук", "Іван")
    assert person.sex is Sex.UNKNOWN
    assert person.name_lang is NameLanguage.UNDETERMINED
    assert person.birth_date is None
    assert person.nationality is None


def test_an_identity_keeps_what_the_capture_card_records() -> None:
    person = Identity(
        "Шевчук",
        "Іван",
        "Петрович",
        NameLanguage.UKRAINIAN,
        Sex.MALE,
        PartialDate(1999, 3),
        nationality="UA",
        mother_maiden_name="Коваль",
        rank="солдат",
        service_number="1234567",
    )
    assert person.birth_date == PartialDate(1999, 3)
    assert person.nationality == "UA"


@pytest.mark.parametrize("code", ["UA", "RU", "UKR"])
def test_a_nationality_is_an_iso_country_code(code: str) -> None:
    assert Identity("Petrov", "Ivan", nationality=code).nationality == code


@pytest.mark.parametrize("code", ["ua", "U", "UKRA", "Ukraine", "U1", ""])
def test_a_nationality_that_is_not_a_country_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Identity("Petrov", "Ivan", nationality=code)
    assert refused.value.field == "nationality"
    assert repr(code) in refused.value.message


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("family_name", {"family_name": "Petr0v"}),
        ("given_name", {"given_name": ""}),
        ("patronymic", {"patronymic": "=cmd"}),
        ("mother_maiden_name", {"mother_maiden_name": "@x"}),
    ],
)
def test_an_identity_checks_every_name_it_holds(field: str, kwargs: dict[str, str]) -> None:
    values = {"family_name": "Petrov", "given_name": "Ivan", **kwargs}
    with pytest.raises(InvalidValue) as refused:
        Identity(**values)
    assert refused.value.field == field
