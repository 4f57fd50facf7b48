"""Made-up people's names, spelled the way each party writes them.

A Ukrainian national is Олександр Миколайович Лисенко to his family, Александр Николаевич
Лысенко in a Russian register and Oleksandr Lysenko in his passport. The generator needs
all three for every name it draws, so this module precomputes them once per nationality
from the surname lists in ``data/`` and the given-name table of ``parley.matching``.
"""

from __future__ import annotations

import functools
import itertools
import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from parley.matching.transliteration import (
    given_name_pairs,
    patronymic_from,
    respell_ru_as_uk,
    respell_uk_as_ru,
    to_latin_icao,
    to_latin_kmu2010,
)

__all__ = [
    "NATIONALITIES",
    "NameBook",
    "Spelling",
    "Surname",
    "feminine_surname",
    "name_book",
    "read_data",
    "surname",
    "surname_pool",
]

NATIONALITIES = ("UA", "RU")
NATIVE_LANGUAGE = {"UA": "uk", "RU": "ru"}

# How steeply frequency falls with rank (weight = rank ** -exponent): a few common names,
# a long tail of rare ones.
SURNAME_SKEW = 0.7
GIVEN_NAME_SKEW = 0.9

_UK_ADJECTIVAL = (("ський", "ська"), ("цький", "цька"), ("зький", "зька"), ("ий", "а"))
_RU_ADJECTIVAL = (
    ("ский", "ская"),
    ("цкий", "цкая"),
    ("зкий", "зкая"),
    ("ый", "ая"),
    ("ой", "ая"),
)
# Russian-type adjectival names in Ukrainian spelling (Толстой -> Толста).
_UK_ADJECTIVAL_RU_ORIGIN = (*_UK_ADJECTIVAL, ("ой", "а"))
_RU_HARD_BEFORE_II = frozenset("гкхжчшщ")
_POSSESSIVE = ("ов", "ев", "ёв", "єв", "ин", "ын", "ін", "їн")


@dataclass(frozen=True, slots=True)
class Spelling:
    """One name or phrase as each writer spells it.

    Attributes:
        native: in the person's own language (Ukrainian for UA nationals, Russian for RU).
        foreign: in the other party's language, as its officials write it.
        latin: the native form romanised as the person's own passport does it.
    """

    native: str
    foreign: str
    latin: str


@dataclass(frozen=True, slots=True)
class Surname:
    """A surname in its masculine and feminine forms."""

    male: Spelling
    female: Spelling

    def for_sex(self, sex: str) -> Spelling:
        """The form a person of ``sex`` (``"M"`` or ``"F"``) bears."""
        return self.female if sex == "F" else self.male


@dataclass(frozen=True, slots=True)
class NameBook:
    """Every name the generator may give a person of one nationality, in all spellings.

    The ``*_cum`` tuples are cumulative weights for ``random.Random.choices``.
    """

    nationality: str
    surnames: tuple[Surname, ...]
    surnames_cum: tuple[float, ...]
    male_given: tuple[Spelling, ...]
    male_cum: tuple[float, ...]
    female_given: tuple[Spelling, ...]
    female_cum: tuple[float, ...]
    patronymics: tuple[tuple[Spelling, Spelling], ...]
    """Per father's name (same order as ``male_given``): (son's, daughter's) patronymic."""


def read_data(name: str) -> dict[str, Any]:
    """Parse ``parley/synthetic/data/<name>``."""
    folder = resources.files("parley.synthetic").joinpath("data")
    return tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))


def feminine_surname(masculine: str, lang: str, *, possessive: bool) -> str:
    """The form a woman bears of the surname ``masculine``, in ``lang`` (``uk`` or ``ru``).

    Adjectival surnames always change (Ковальський -> Ковальська, Жуковский -> Жуковская,
    Черный -> Черная). Possessive ones in -ов/-ев/-ин change only when ``possessive`` is set,
    i.e. for Russian-type names (Алексеев -> Алексеева); Ukrainian names such as Литвин,
    Мельник or Лисенко are the same for women.
    """
    lower = masculine.lower()
    if lang == "uk":
        for ending, female in _UK_ADJECTIVAL_RU_ORIGIN if possessive else _UK_ADJECTIVAL:
            if lower.endswith(ending):
                return masculine[: -len(ending)] + female
    else:
        for ending, female in _RU_ADJECTIVAL:
            if lower.endswith(ending):
                return masculine[: -len(ending)] + female
        if lower.endswith("ий") and len(lower) > 2:
            tail = "ая" if lower[-3] in _RU_HARD_BEFORE_II else "яя"
            return masculine[:-2] + tail
    if possessive and lower.endswith(_POSSESSIVE):
        return masculine + "а"
    return masculine


def _cumulative(count: int, skew: float) -> tuple[float, ...]:
    """Cumulative weights for ranks 1..count falling as rank ** -skew."""
    return tuple(itertools.accumulate(rank**-skew for rank in range(1, count + 1)))


def surname(masculine: str, nationality: str) -> Surname:
    """All spellings of one surname of a person of ``nationality``."""
    native_lang = NATIVE_LANGUAGE[nationality]
    foreign_lang = "ru" if native_lang == "uk" else "uk"
    respell = respell_uk_as_ru if native_lang == "uk" else respell_ru_as_uk
    latin = to_latin_kmu2010 if native_lang == "uk" else to_latin_icao
    possessive = nationality == "RU"
    foreign = respell(masculine)
    native_f = feminine_surname(masculine, native_lang, possessive=possessive)
    foreign_f = feminine_surname(foreign, foreign_lang, possessive=possessive)
    return Surname(
        male=Spelling(masculine, foreign, latin(masculine)),
        female=Spelling(native_f, foreign_f, latin(native_f)),
    )


def _given(pairs: Sequence[tuple[str, str]], nationality: str) -> tuple[Spelling, ...]:
    """Given names of a person of ``nationality``, from (Ukrainian, Russian) pairs."""
    if nationality == "UA":
        return tuple(Spelling(uk, ru, to_latin_kmu2010(uk)) for uk, ru in pairs)
    return tuple(Spelling(ru, uk, to_latin_icao(ru)) for uk, ru in pairs)


def _patronymic(father: tuple[str, str], sex: str, nationality: str) -> Spelling:
    """The patronymic a child of ``sex`` bears, father's name given as (uk, ru)."""
    uk = patronymic_from(father[0], sex, "uk")
    ru = patronymic_from(father[1], sex, "ru")
    if nationality == "UA":
        return Spelling(uk, ru, to_latin_kmu2010(uk))
    return Spelling(ru, uk, to_latin_icao(ru))


def _surname_list(nationality: str) -> list[str]:
    """The masculine surnames listed for ``nationality``, most common first."""
    raw = read_data(f"surnames_{nationality.lower()}.toml").get("surnames")
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise ValueError(f"surnames_{nationality.lower()}.toml must list strings")
    return raw


@functools.cache
def name_book(nationality: str) -> NameBook:
    """Every name for people of ``nationality`` (``"UA"`` or ``"RU"``), computed once.

    Raises:
        ValueError: an unknown nationality.
    """
    if nationality not in NATIONALITIES:
        raise ValueError(f"nationality must be one of {NATIONALITIES}, not {nationality!r}")
    surnames = tuple(surname(name, nationality) for name in _surname_list(nationality))
    male_pairs, female_pairs = given_name_pairs("M"), given_name_pairs("F")
    return NameBook(
        nationality=nationality,
        surnames=surnames,
        surnames_cum=_cumulative(len(surnames), SURNAME_SKEW),
        male_given=_given(male_pairs, nationality),
        male_cum=_cumulative(len(male_pairs), GIVEN_NAME_SKEW),
        female_given=_given(female_pairs, nationality),
        female_cum=_cumulative(len(female_pairs), GIVEN_NAME_SKEW),
        patronymics=tuple(
            (_patronymic(father, "M", nationality), _patronymic(father, "F", nationality))
            for father in male_pairs
        ),
    )


# Surname endings: a listed surname's root takes each of them to make further surnames
# (Ткач: Ткаченко, Ткачук, Ткачишин, ...), as Ukrainian surnames are formed.
_SUFFIXES = (
    "енко", "чук", "ук", "юк", "ик", "ець", "ишин", "ський", "ович", "ко", "ак", "ун",
)  # fmt: skip


def _root(name: str) -> str:
    """A surname without its ending, when a root of three letters or more is left."""
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) - len(suffix) >= 3:
            return name[: -len(suffix)]
    return name


@functools.cache
def surname_pool() -> tuple[Surname, ...]:
    """Surnames of Ukrainian nationals: the listed ones, most common first, then every
    root with every ending.

    A register of 200,000 people has tens of thousands of surnames; the 201 listed ones
    alone would give half of them a namesake born the same year, far denser than any
    real list. The composed ones follow the listed in a fixed shuffled order.
    """
    listed = [s.male.native for s in name_book("UA").surnames]
    roots = dict.fromkeys(_root(name) for name in listed)
    composed = sorted({root + suffix for root in roots for suffix in _SUFFIXES} - set(listed))
    random.Random(
        "parley.synthetic.matching:surnames"
    )  # the seed the data was first made with.shuffle(composed)
    return tuple(surname(name, "UA") for name in (*listed, *composed))
