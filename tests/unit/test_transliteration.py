"""Names in Latin and in each other's Cyrillic, the way each party's officials write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.matching.transliteration import (
    given_name_pairs,
    patronymic_from,
    respell_ru_as_uk,
    respell_uk_as_ru,
    ru_to_uk_given,
    ru_to_uk_patronymic,
    to_latin_icao,
    to_latin_kmu2010,
    uk_to_ru_given,
    uk_to_ru_patronymic,
)

# Examples from the table of Cabinet resolution 55 (2010) and names of the same kind.
KMU_2010_REFERENCES = [
    ("Григорій", "Hryhorii"),
    ("Юрій", "Yurii"),
    ("Знам'янка", "Znamianka"),
    ("Згорани", "Zghorany"),
    ("Розгон", "Rozghon"),
    ("Щербухи", "Shcherbukhy"),
    ("Їжакевич", "Yizhakevych"),
    ("Київ", "Kyiv"),
    ("Олексій", "Oleksii"),
    ("Яготин", "Yahotyn"),
    ("Короп'є", "Koropie"),
    ("Ґудзь", "Gudz"),
    ("Єнакієве", "Yenakiieve"),
    ("Юрченко", "Yurchenko"),
]

ICAO_REFERENCES = [
    ("Григорий", "Grigorii"),
    ("Юрий", "Iurii"),
    ("Щукин", "Shchukin"),
    ("Александр", "Aleksandr"),
    ("Фёдор", "Fedor"),
    ("Ярослав", "Iaroslav"),
    ("Игорь", "Igor"),
    ("Крылов", "Krylov"),
    ("Эдуард", "Eduard"),
    # Doc 9303 spells Ъ as IE and keeps the following Е as E: Объедков is OBIEEDKOV.
    ("Объедков", "Obieedkov"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), KMU_2010_REFERENCES)
def test_ukrainian_names_are_romanised_as_ukrainian_passports_spell_them(
    cyrillic: str, latin: str
) -> None:
    assert to_latin_kmu2010(cyrillic) == latin


def test_ukrainian_romanisation_keeps_capitals_whole_word_or_initial() -> None:
    assert to_latin_kmu2010("ЩЕРБУХИ") == "SHCHERBUKHY"
    assert to_latin_kmu2010("Щербухи") == "Shcherbukhy"
    assert to_latin_kmu2010("ЗГОРАНИ") == "ZGHORANY"
    assert to_latin_kmu2010("щербухи") == "shcherbukhy"


def test_ukrainian_romanisation_spells_each_word_of_a_phrase_from_its_own_start() -> None:
    assert to_latin_kmu2010("Олександр Миколайович Лисенко") == "Oleksandr Mykolaiovych Lysenko"
    assert to_latin_kmu2010("Біла Церква") == "Bila Tserkva"
    assert to_latin_kmu2010("Ярослав-Юрій") == "Yaroslav-Yurii"
    assert to_latin_kmu2010("в/ч А1234") == "v/ch A1234"


def test_ukrainian_romanisation_accepts_every_common_apostrophe() -> None:
    for apostrophe in "'’ʼ":
        assert to_latin_kmu2010(f"Знам{apostrophe}янка") == "Znamianka"


@pytest.mark.parametrize(("cyrillic", "latin"), ICAO_REFERENCES)
def test_russian_names_are_romanised_as_russian_passports_spell_them(
    cyrillic: str, latin: str
) -> None:
    assert to_latin_icao(cyrillic) == latin


def test_russian_romanisation_keeps_passport_capitals() -> None:
    assert to_latin_icao("ЩУКИН") == "SHCHUKIN"
    assert to_latin_icao("Юлия Щукина") == "Iuliia Shchukina"


def test_the_same_name_is_spelled_differently_by_the_two_standards() -> None:
    assert to_latin_kmu2010("Григорій") == "Hryhorii"
    assert to_latin_icao("Григорий") == "Grigorii"


@given(st.text(alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюяАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЮЯ' -"))
def test_romanised_ukrainian_contains_no_cyrillic(text: str) -> None:
    assert all(not "\u0400" <= ch <= "\u04ff" for ch in to_latin_kmu2010(text))


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ -"))
def test_romanised_russian_contains_no_cyrillic(text: str) -> None:
    assert all(not "\u0400" <= ch <= "\u04ff" for ch in to_latin_icao(text))


@pytest.mark.parametrize(
    ("uk", "ru"),
    [
        ("Олександр", "Александр"),
        ("Микола", "Николай"),
        ("Сергій", "Сергей"),
        ("Олексій", "Алексей"),
        ("Павло", "Павел"),
        ("Петро", "Пётр"),
        ("Кирило", "Кирилл"),
        ("Ілля", "Илья"),
        ("Олена", "Елена"),
        ("Наталія", "Наталья"),
        ("Тетяна", "Татьяна"),
        ("Катерина", "Екатерина"),
        ("Дар'я", "Дарья"),
    ],
)
def test_given_names_translate_between_ukrainian_and_russian(uk: str, ru: str) -> None:
    assert uk_to_ru_given(uk) == ru
    assert ru_to_uk_given(ru) == uk


def test_the_name_table_is_large_enough_for_realistic_data() -> None:
    assert len(given_name_pairs("M")) >= 60
    assert len(given_name_pairs("F")) >= 40


@pytest.mark.parametrize("sex", ["M", "F"])
def test_every_equivalent_given_name_round_trips(sex: str) -> None:
    for uk, ru in given_name_pairs(sex):
        assert uk_to_ru_given(uk) == ru
        back = ru_to_uk_given(ru)
        assert back is not None
        assert uk_to_ru_given(back) == ru


def test_given_name_look_up_forgives_case_e_for_yo_and_apostrophe_style() -> None:
    assert ru_to_uk_given("Петр") == "Петро"
    assert ru_to_uk_given("СЕМЕН") == "Семен"
    assert uk_to_ru_given("Дар’я") == "Дарья"


def test_an_unknown_given_name_has_no_equivalent() -> None:
    assert uk_to_ru_given("Зоряна-Вселена") is None
    assert ru_to_uk_given("Smith") is None


@pytest.mark.parametrize(
    ("father", "sex", "lang", "patronymic"),
    [
        ("Микола", "M", "uk", "Миколайович"),
        ("Микола", "F", "uk", "Миколаївна"),
        ("Олександр", "M", "uk", "Олександрович"),
        ("Олександр", "F", "uk", "Олександрівна"),
        ("Сергій", "M", "uk", "Сергійович"),
        ("Сергій", "F", "uk", "Сергіївна"),
        ("Ілля", "M", "uk", "Ілліч"),
        ("Ілля", "F", "uk", "Іллівна"),
        ("Василь", "F", "uk", "Василівна"),
        ("Петро", "M", "uk", "Петрович"),
        ("Григорій", "M", "uk", "Григорович"),
        ("Николай", "M", "ru", "Николаевич"),
        ("Николай", "F", "ru", "Николаевна"),
        ("Сергей", "M", "ru", "Сергеевич"),
        ("Сергей", "F", "ru", "Сергеевна"),
        ("Илья", "M", "ru", "Ильич"),
        ("Илья", "F", "ru", "Ильинична"),
        ("Юрий", "M", "ru", "Юрьевич"),
        ("Дмитрий", "M", "ru", "Дмитриевич"),
        ("Игорь", "F", "ru", "Игоревна"),
        ("Пётр", "M", "ru", "Петрович"),
        ("Александр", "F", "ru", "Александровна"),
    ],
)
def test_patronymics_are_formed_as_each_language_forms_them(
    father: str, sex: str, lang: str, patronymic: str
) -> None:
    assert patronymic_from(father, sex, lang) == patronymic


def test_patronymics_translate_between_ukrainian_and_russian() -> None:
    assert uk_to_ru_patronymic("Миколайович") == "Николаевич"
    assert uk_to_ru_patronymic("Олександрівна") == "Александровна"
    assert ru_to_uk_patronymic("Алексеевич") == "Олексійович"
    assert ru_to_uk_patronymic("Ильинична") == "Іллівна"
    assert uk_to_ru_patronymic("Невідомович") is None


def test_a_patronymic_needs_a_known_sex_and_language() -> None:
    with pytest.raises(ValueError, match="sex"):
        patronymic_from("Микола", "X", "uk")
    with pytest.raises(ValueError, match="lang"):
        patronymic_from("Микола", "M", "pl")


@pytest.mark.parametrize(
    ("ukrainian", "russian"),
    [
        ("Лисенко", "Лысенко"),
        ("Поліщук", "Полищук"),
        ("Шевченко", "Шевченко"),
        ("Мельник", "Мельник"),
        ("Олійник", "Олейник"),
        ("Ковальський", "Ковальский"),
        ("Ковальська", "Ковальская"),
        ("Коломієць", "Коломиец"),
        ("Гордієнко", "Гордиенко"),
        ("Білоус", "Белоус"),
        ("Лук'яненко", "Лукьяненко"),
        ("Чорновол", "Черновол"),
        ("Заїка", "Заика"),
        ("Ґудзь", "Гудзь"),
        ("Заболотний", "Заболотный"),
        ("Осадчий", "Осадчий"),
        ("Швець", "Швец"),
        ("Корольов", "Королёв"),
        ("ЛИСЕНКО", "ЛЫСЕНКО"),
    ],
)
def test_ukrainian_surnames_are_respelled_as_russian_officials_write_them(
    ukrainian: str, russian: str
) -> None:
    assert respell_uk_as_ru(ukrainian) == russian


@pytest.mark.parametrize(
    ("russian", "ukrainian"),
    [
        ("Никитин", "Нікітін"),
        ("Алексеев", "Алексєєв"),
        ("Крылов", "Крилов"),
        ("Ильин", "Ільїн"),
        ("Королёв", "Корольов"),
        ("Соловьёв", "Соловйов"),
        ("Григорьев", "Григор'єв"),
        ("Объедков", "Об'єдков"),
        ("Жуковский", "Жуковський"),
        ("Жуковская", "Жуковська"),
        ("Зайцев", "Зайцев"),
        ("Щукин", "Щукін"),
        ("Семёнов", "Семенов"),
        ("Пугачёв", "Пугачов"),
        ("Ефремов", "Єфремов"),
        ("Лебедев", "Лебедєв"),
        ("Эрдман", "Ердман"),
    ],
)
def test_russian_surnames_are_respelled_as_ukrainian_officials_write_them(
    russian: str, ukrainian: str
) -> None:
    assert respell_ru_as_uk(russian) == ukrainian


def test_respelled_surnames_use_only_the_target_alphabet() -> None:
    assert not set(respell_uk_as_ru("Їжакевич Ґудзь Поліщук Коломієць")) & set("іїєґ")
    assert not set(respell_ru_as_uk("Объедков Крылов Эрдман Королёв")) & set("ыэъё")


def test_respelling_keeps_hyphenated_double_surnames_apart() -> None:
    assert respell_ru_as_uk("Лебедева-Петрова") == "Лебедєва-Петрова"
    assert respell_uk_as_ru("Лисенко-Поліщук") == "Лысенко-Полищук"
