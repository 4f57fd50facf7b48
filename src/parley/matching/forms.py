"""Name forms: everything matching compares, derived once for every person.

One person is Олександр Миколайович Лисенко to his family, Александр Николаевич Лысенко
in a Russian register, OLEKSANDR LYSENKO in his passport and Aleksandr Lysenko in an ICAO
rendering of the Russian record. For each name part this module derives the original
(repaired and folded, see ``parley.matching.normalisation``), the Ukrainian and Russian
Cyrillic forms (``parley.matching.bilingual``), the Latin renderings under every scheme
people carry (``parley.matching.romanisation``) and the skeletons of all of them
(``parley.matching.skeleton``): two spellings of one name share a skeleton.

Forms are pure functions of the text and cached per distinct name, so deriving them for a
large list costs little more than its distinct names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from parley.matching.bilingual import NamePart, bilingual
from parley.matching.equivalents import (
    ru_to_uk_given,
    ru_to_uk_patronymic,
    uk_to_ru_given,
    uk_to_ru_patronymic,
)
from parley.matching.normalisation import normalise, script_of
from parley.matching.romanisation import RUSSIAN_SCHEMES, romanise_lower
from parley.matching.skeleton import word_skeletons
from parley.matching.words import unify_apostrophes

__all__ = [
    "LANGS",
    "NameForms",
    "NamePart",
    "PersonForms",
    "derive_forms",
    "name_forms",
    "name_keys",
]

LANGS = ("uk", "ru", "en", "und")
_Lookup = Callable[[str], str | None]
_UKRAINIAN_ONLY = frozenset("іїєґ")  # forms are compared case-folded
_RUSSIAN_ONLY = frozenset("ыэъё")


@dataclass(frozen=True, slots=True)
class NameForms:
    """The forms of one name part (given, family or patronymic) of one person.

    Attributes:
        original: as written, in NFC, case-folded, apostrophes written ``'``, and
            look-alike letters of the other script repaired (``Iван`` -> ``іван``).
        lang: how the original was read: ``uk`` or ``ru`` Cyrillic, ``en`` for Latin,
            ``und`` for Cyrillic that tells neither (read as Ukrainian).
        uk: the Ukrainian Cyrillic form (``григорій``).
        ru: the Russian Cyrillic form (``григорий``).
        latin: renderings under KMU 2010 (of ``uk``) and ICAO 9303, GOST R 52535.1,
            MVD 310, MVD 782, BGN/PCGN and ISO 9 system B (of ``ru``), lower case,
            apostrophes written ``'``; a Latin original is included.
        skeletons: the skeleton of every form above, and of each word of a multi-word
            name; two spellings of one name share at least one.
        in_dictionary: whether ``uk`` and ``ru`` come from the equivalents table.
    """

    original: str
    lang: str
    uk: str
    ru: str
    latin: frozenset[str]
    skeletons: frozenset[str]
    in_dictionary: bool


@dataclass(frozen=True, slots=True)
class PersonForms:
    """The name forms of one person.

    Attributes:
        family: forms of the family name.
        given: forms of the given name(s).
        patronymic: forms of the patronymic, None when the record has none.
        lang: the language the Cyrillic names were read in (see ``derive_forms``).
    """

    family: NameForms
    given: NameForms
    patronymic: NameForms | None
    lang: str

    def swapped(self) -> PersonForms:
        """The same person with family and given name exchanged, for records that swap them."""
        return PersonForms(
            family=self.given, given=self.family, patronymic=self.patronymic, lang=self.lang
        )


def _own_language(original: str, lang: str) -> str:
    """How to read a normalised part: Latin is ``en``; Cyrillic by its letters, else ``lang``."""
    script = script_of(original)
    if script == "latin":
        return "en"
    if not _UKRAINIAN_ONLY.isdisjoint(original):
        return "uk"
    if not _RUSSIAN_ONLY.isdisjoint(original):
        return "ru"
    return lang if lang in ("uk", "ru") else "und"


def _latin_forms(uk: str, ru: str, original: str) -> frozenset[str]:
    """The romanisations of the two Cyrillic forms, and a Latin original."""
    forms = {romanise_lower(uk, "kmu2010")}
    forms.update(romanise_lower(ru, scheme) for scheme in RUSSIAN_SCHEMES)
    if script_of(original) == "latin":
        forms.add(original)
    # A rendering with no letter left (a lone hard sign that a scheme drops) is no form.
    return frozenset(unify_apostrophes(form) for form in forms if any(map(str.isalpha, form)))


def _skeletons(forms: set[str]) -> frozenset[str]:
    """The skeleton of each form, and of each word of a form with several."""
    found: set[str] = set()
    for form in forms:
        words = word_skeletons(form)
        found.add("".join(words))
        if len(words) > 1:
            found.update(words)
    found.discard("")
    return frozenset(found)


@functools.lru_cache(maxsize=1 << 17)
def name_forms(text: str, part: NamePart = "family", lang: str = "und") -> NameForms:
    """Derive the forms of one name part.

    Args:
        text: the part as written, in any script.
        part: ``"given"``, ``"family"`` or ``"patronymic"``: which dictionary applies.
        lang: how to read Cyrillic that has no letter only one language uses (``uk`` or
            ``ru``; anything else leaves it undetermined).

    Returns:
        The forms; see ``NameForms``.

    Raises:
        ValueError: ``text`` has no letter.
    """
    original = normalise(text)
    if not any(ch.isalpha() for ch in original):
        raise ValueError(f"a name needs at least one letter, not {text!r}")
    read_as = _own_language(original, lang)
    pair = bilingual(original, part, read_as)
    latin = _latin_forms(pair.uk, pair.ru, original)
    return NameForms(
        original=original,
        lang=read_as,
        uk=pair.uk,
        ru=pair.ru,
        latin=latin,
        # skeleton(ru) is by definition that of its ICAO rendering, already in ``latin``.
        skeletons=_skeletons({original, pair.uk, *latin}),
        in_dictionary=pair.in_dictionary,
    )


@functools.lru_cache(maxsize=1 << 14)  # given names and patronymics repeat across a list
def _dictionary_language(given: str, patronymic: str | None) -> str:
    """``uk`` or ``ru`` when the given name or patronymic is in only one language's table."""
    checks: list[tuple[str, _Lookup, _Lookup]] = [(given, uk_to_ru_given, ru_to_uk_given)]
    if patronymic:
        checks.append((patronymic, uk_to_ru_patronymic, ru_to_uk_patronymic))
    for name, as_uk, as_ru in checks:
        is_uk, is_ru = as_uk(name) is not None, as_ru(name) is not None
        if is_uk != is_ru:
            return "uk" if is_uk else "ru"
    return "und"


def _person_language(family: str, given: str, patronymic: str | None, lang: str) -> str:
    """The language a person's Cyrillic names are in: ``lang``, or what the names show."""
    if lang in ("uk", "ru"):
        return lang
    letters = f"{family}{given}{patronymic or ''}"  # normalised: lower case
    if not _UKRAINIAN_ONLY.isdisjoint(letters):
        return "uk"
    if not _RUSSIAN_ONLY.isdisjoint(letters):
        return "ru"
    if lang == "en" and script_of(letters) != "cyrillic":
        return "en"
    return _dictionary_language(given, patronymic)


def derive_forms(family: str, given: str, patronymic: str | None, lang: str) -> PersonForms:
    """Derive the name forms of one person.

    Cyrillic is read in ``lang`` unless a part's own letters say otherwise (і ї є ґ are
    Ukrainian, ы э ъ ё Russian). Where ``lang`` is ``en`` or ``und`` the person's language
    is taken from the letters of all the parts, then from whether the given name or
    patronymic is in only one language's table (Сергей is Russian, Сергій Ukrainian).

    Args:
        family: the family name as written.
        given: the given name(s) as written.
        patronymic: the patronymic as written; None or blank when missing.
        lang: the record's name language: ``uk``, ``ru``, ``en`` (Latin) or ``und``.

    Returns:
        The person's forms; ``patronymic`` is None when missing.

    Raises:
        ValueError: an unknown ``lang``, or a family or given name with no letter.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    family, given = normalise(family), normalise(given)
    patronymic = normalise(patronymic) if patronymic else None
    read_as = _person_language(family, given, patronymic or None, lang)
    return PersonForms(
        family=name_forms(family, "family", read_as),
        given=name_forms(given, "given", read_as),
        patronymic=name_forms(patronymic, "patronymic", read_as) if patronymic else None,
        lang=read_as,
    )


def name_keys(person: PersonForms, *, include_swapped: bool = True) -> frozenset[str]:
    """Blocking-ready keys: a family-name skeleton, ``|``, a given-name skeleton's initial.

    Every skeleton of the family name is paired with the first letter of every skeleton
    of the given name (Лисенко Олексій gives ``lisenko|o`` and, through Алексей,
    ``lisenko|a``). With ``include_swapped`` the keys of the swapped order are added, in
    the same key space, so that a record with family and given name exchanged shares a
    key with the right one. Keys only: choosing pairs from them is the blocking step's.

    Args:
        person: the person's forms.
        include_swapped: add the keys of ``person.swapped()``.

    Returns:
        The keys, e.g. ``{"lisenko|o", "lisenko|a", "oleksi|l", "aleksei|l"}``.
    """
    keys = _keys(person.family, person.given)
    if include_swapped:
        keys |= _keys(person.given, person.family)
    return frozenset(keys)


def _keys(family: NameForms, given: NameForms) -> set[str]:
    """``family-skeleton|given-initial`` for every skeleton pair."""
    initials = {form[0] for form in given.skeletons}
    return {f"{key}|{initial}" for key in family.skeletons for initial in initials}
