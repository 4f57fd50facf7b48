"""The letter pitfalls of Ukrainian and Russian names, one by one.

Each pitfall is checked twice: on the name forms alone (``compare_names``), and end to end,
where a Ukrainian-form request must find the Russian-form holding of the same person among
a crowd of other people and say in its explanation how the names agreed.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from parley.matching.comparisons import (
    NAME_EQUIVALENT,
    NAME_EXACT,
    NAME_LEVELS,
    NAME_SKELETON,
    compare_names,
)
from parley.matching.forms import NamePart, name_forms
from parley.matching.reconcile import reconcile
from parley.matching.results import Decision, Outcome, Reconciliation
from tests.unit.matching_records import crowd, person

ONE_NAME = {NAME_EXACT, NAME_EQUIVALENT, NAME_SKELETON}


def level(a: str, b: str, part: NamePart) -> str:
    return NAME_LEVELS[compare_names(name_forms(a, part), name_forms(b, part))]


def levels_apart(spellings: list[str], part: NamePart) -> dict[tuple[str, str], str]:
    """Every pair of ``spellings`` that does not meet as one name, with its level."""
    return {
        (a, b): level(a, b, part)
        for a, b in combinations(spellings, 2)
        if compare_names(name_forms(a, part), name_forms(b, part)) not in ONE_NAME
    }


# --- (a) the name forms alone --------------------------------------------------------------

LETTER_PITFALLS = [
    pytest.param("family", ["Лисенко", "Лысенко", "Lysenko", "Lisenko", "ЛИСЕНКО"], id="и-ы"),
    pytest.param("given", ["Григорій", "Григорий", "Hryhorii", "Grigorii"], id="г-h-g"),
    pytest.param("given", ["Олексій", "Алексей", "Oleksii", "Aleksei"], id="о-а-dictionary"),
    pytest.param("given", ["Євген", "Евгений", "Yevhen", "Evgenii"], id="є-е-dictionary"),
    pytest.param("given", ["Андрій", "Андрей", "Andrii", "Andrey"], id="й"),
    pytest.param("family", ["Їжак", "Ижак", "Yizhak"], id="ї"),
    pytest.param("family", ["Єрмоленко", "Ермоленко", "Yermolenko"], id="є"),
    pytest.param("family", ["Ґалаґан", "Галаган", "Galagan", "Halahan"], id="ґ"),
    pytest.param("family", ["Фёдоров", "Федоров", "Fedorov"], id="ё"),
    pytest.param("family", ["Кузьменко", "Kuzmenko", "Kuz'menko"], id="soft-sign-kuzmenko"),
    pytest.param("family", ["Ільїн", "Ильин", "Ilin"], id="soft-sign-ilin"),
    pytest.param("family", ["Kовaленко", "Коваленко"], id="latin-look-alikes-in-cyrillic"),
]


@pytest.mark.parametrize(("part", "spellings"), LETTER_PITFALLS)
def test_every_spelling_of_a_letter_pitfall_is_one_name(
    part: NamePart, spellings: list[str]
) -> None:
    assert levels_apart(spellings, part) == {}


APOSTROPHES = ["Лук'яненко", "Лук’яненко", "Лукʼяненко", "Лук`яненко"]


@pytest.mark.parametrize("written", APOSTROPHES, ids=["ascii", "right-quote", "modifier", "grave"])
def test_an_apostrophe_in_any_style_is_the_same_name_as_the_russian_and_latin_forms(
    written: str,
) -> None:
    others = [*APOSTROPHES, "Лукьяненко", "Lukianenko", "Lukyanenko"]
    assert {other: level(written, other, "family") for other in others} == dict.fromkeys(
        others, "exact"
    )


@pytest.mark.parametrize(
    "spellings",
    [
        pytest.param(["Ковальська", "Ковальская", "Kovalska", "Kovalskaia"], id="-ська-ская"),
        pytest.param(["Іванова", "Иванова", "Ivanova"], id="-ова"),
        pytest.param(["Ільїна", "Ильина"], id="-іна-ина"),
    ],
)
def test_female_surname_forms_in_either_language_are_one_name(spellings: list[str]) -> None:
    assert levels_apart(spellings, "family") == {}


@pytest.mark.parametrize(
    ("part", "a", "b"),
    [
        pytest.param("family", "Коваленко", "Коваль", id="Коваленко-Коваль"),
        pytest.param("family", "Шевченко", "Шевчук", id="Шевченко-Шевчук"),
        pytest.param("given", "Олена", "Ольга", id="Олена-Ольга"),
        pytest.param("given", "Петро", "Павло", id="Петро-Павло"),
    ],
)
def test_distinct_names_are_not_taken_for_one(part: NamePart, a: str, b: str) -> None:
    assert compare_names(name_forms(a, part), name_forms(b, part)) not in ONE_NAME


# --- (b) end to end: a Ukrainian-form request finds the Russian-form holding ---------------


# (request as the family writes it, holding as the Russian register writes it, sex,
#  what the explanation must say)
PEOPLE = {
    "и-ы": (
        ("Лисенко", "Олександр", "Миколайович"),
        ("Лысенко", "Александр", "Николаевич"),
        "M",
        ["family name exact after transliteration Лисенко=Лысенко"],
    ),
    "г-h-g": (
        ("Гончаренко", "Григорій", "Іванович"),
        ("Гончаренко", "Григорий", "Иванович"),
        "M",
        ["given name equivalent Григорій≈Григорий", "patronymic equivalent Іванович≈Иванович"],
    ),
    "о-а": (
        ("Мельник", "Олексій", "Петрович"),
        ("Мельник", "Алексей", "Петрович"),
        "M",
        ["given name equivalent Олексій≈Алексей"],
    ),
    "є-е": (
        ("Бондар", "Євген", "Олегович"),
        ("Бондарь", "Евгений", "Олегович"),
        "M",
        ["given name equivalent Євген≈Евгений"],
    ),
    "й": (
        ("Ткачук", "Андрій", "Юрійович"),
        ("Ткачук", "Андрей", "Юрьевич"),
        "M",
        ["given name equivalent Андрій≈Андрей", "patronymic equivalent Юрійович≈Юрьевич"],
    ),
    "ї": (
        ("Їжак", "Ігор", "Васильович"),
        ("Ижак", "Игорь", "Васильевич"),
        "M",
        ["family name exact after transliteration Їжак=Ижак"],
    ),
    "є": (
        ("Єрмоленко", "Сергій", "Вікторович"),
        ("Ермоленко", "Сергей", "Викторович"),
        "M",
        ["family name exact after transliteration Єрмоленко=Ермоленко"],
    ),
    "ґ": (
        ("Ґалаґан", "Василь", "Степанович"),
        ("Галаган", "Василий", "Степанович"),
        "M",
        ["family name exact after transliteration Ґалаґан=Галаган"],
    ),
    "ё": (
        ("Федорченко", "Роман", "Федорович"),
        ("Фёдорченко", "Роман", "Фёдорович"),
        "M",
        ["family name exact after transliteration Федорченко=Фёдорченко"],
    ),
    "soft-sign": (
        ("Ільїн", "Микола", "Миколайович"),
        ("Ильин", "Николай", "Николаевич"),
        "M",
        ["family name exact after transliteration Ільїн=Ильин"],
    ),
    "apostrophe": (
        ("Лук’яненко", "Юрій", "Павлович"),
        ("Лукьяненко", "Юрий", "Павлович"),
        "M",
        ["family name exact after transliteration Лук’яненко=Лукьяненко"],
    ),
    "female-ська": (
        ("Ковальська", "Олена", "Іванівна"),
        ("Ковальская", "Елена", "Ивановна"),
        "F",
        ["family name exact after transliteration Ковальська=Ковальская"],
    ),
    "female-ова": (
        ("Іванова", "Ганна", "Петрівна"),
        ("Иванова", "Анна", "Петровна"),
        "F",
        ["given name equivalent Ганна≈Анна"],
    ),
    "latin-passport": (
        ("Lysenko", "Mykola", "Petrovych"),
        ("Лысенко", "Николай", "Петрович"),
        "M",
        ["given name equivalent Mykola≈Николай"],
    ),
}


def _born(index: int) -> str:
    return f"{1970 + index}-{1 + index % 12:02d}-{10 + index % 18:02d}"


@pytest.fixture(scope="module")
def reconciled() -> dict[str, Decision]:
    """Every pitfall person requested at once, each held once among a crowd."""
    requests, holdings = [], crowd(300)
    for index, (key, (asked, held, sex, _said)) in enumerate(PEOPLE.items()):
        lang = "en" if key.startswith("latin") else "uk"
        requests.append(person(f"UA-{key}", *asked, _born(index), sex=sex, name_lang=lang))
        holdings.append(person(f"RU-{key}", *held, _born(index), sex=sex, name_lang="ru"))
    result: Reconciliation = reconcile(requests, holdings)
    return {decision.request_id: decision for decision in result.decisions}


@pytest.mark.parametrize("key", list(PEOPLE))
def test_a_ukrainian_form_request_matches_the_russian_form_holding_of_the_same_person(
    reconciled: dict[str, Decision], key: str
) -> None:
    decision = reconciled[f"UA-{key}"]
    assert (decision.outcome, decision.holding_id) == (Outcome.MATCH, f"RU-{key}")


@pytest.mark.parametrize("key", list(PEOPLE))
def test_the_explanation_names_how_the_names_agreed(
    reconciled: dict[str, Decision], key: str
) -> None:
    explanation = reconciled[f"UA-{key}"].explanation
    for said in PEOPLE[key][3]:
        assert said in explanation
    assert "on both" in explanation  # the date of birth, given alike on both sides
