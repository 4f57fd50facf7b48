"""Ukrainian and Russian forms of the same given name and patronymic.

Each party writes the other's citizens with its own forms: Олександр Миколайович in Kyiv
is Александр Николаевич in Moscow. The given-name pairs come from
``data/given_names.toml``; patronymics are formed from them by each language's rules, the
irregular ones from ``data/patronymics.toml``. Both tables cite their sources.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from parley.matching.tables import pairs, read_table
from parley.matching.words import lookup_key

__all__ = [
    "LANGUAGES",
    "SEXES",
    "given_name_pairs",
    "patronymic_from",
    "patronymic_pairs",
    "ru_to_uk_given",
    "ru_to_uk_patronymic",
    "uk_to_ru_given",
    "uk_to_ru_patronymic",
    "withhold_given_names",
]

SEXES = ("M", "F")
LANGUAGES = ("uk", "ru")

# Ukrainian given names left out of the table (with the patronymics formed from them), so
# that a benchmark does not score the dictionary on the pairs its data was made from.
# Set only through ``withhold_given_names``; ``parley.matching.holdout`` wraps it.
_withheld: frozenset[str] = frozenset()

_CONSONANTS = frozenset("бвгґджзклмнпрстфхцчшщ")
_HUSHING = frozenset("жчшщц")


@dataclass(frozen=True, slots=True)
class _NameEquivalents:
    """Given names and patronymics in both languages, indexed both ways."""

    male: tuple[tuple[str, str], ...]
    female: tuple[tuple[str, str], ...]
    patronymics: tuple[tuple[str, str], ...]
    given_uk_to_ru: Mapping[str, str]
    given_ru_to_uk: Mapping[str, str]
    patronymic_uk_to_ru: Mapping[str, str]
    patronymic_ru_to_uk: Mapping[str, str]


@functools.cache
def _irregular_patronymics() -> Mapping[str, Mapping[str, tuple[str, str]]]:
    """Irregular patronymics by language, keyed by the father's name (see ``lookup_key``)."""
    raw = read_table("patronymics.toml")
    tables: dict[str, Mapping[str, tuple[str, str]]] = {}
    for lang in LANGUAGES:
        entries = raw.get(lang, {})
        if not isinstance(entries, dict):
            raise ValueError(f"patronymics.toml [{lang}] must be a table")
        found = pairs(list(entries.values()), f"patronymics.toml [{lang}]")
        tables[lang] = MappingProxyType(
            {lookup_key(father): pair for father, pair in zip(entries, found, strict=True)}
        )
    return MappingProxyType(tables)


def _index(entries: tuple[tuple[str, str], ...]) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """Index ``(uk, ru)`` pairs both ways; where a form has two partners the first wins."""
    uk_to_ru: dict[str, str] = {}
    ru_to_uk: dict[str, str] = {}
    for uk, ru in entries:
        uk_to_ru.setdefault(lookup_key(uk), ru)
        ru_to_uk.setdefault(lookup_key(ru), uk)
    return MappingProxyType(uk_to_ru), MappingProxyType(ru_to_uk)


def _kept(entries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``entries`` less the pairs whose Ukrainian name is withheld."""
    withheld = {lookup_key(name) for name in _withheld}
    return tuple(pair for pair in entries if lookup_key(pair[0]) not in withheld)


@functools.cache
def _equivalents() -> _NameEquivalents:
    """Index the given-name table both ways and derive the patronymic pairs from it."""
    raw = read_table("given_names.toml")
    male = _kept(pairs(raw.get("male"), "given_names.toml male"))
    female = _kept(pairs(raw.get("female"), "given_names.toml female"))
    patronymics = tuple(
        (patronymic_from(uk, sex, "uk"), patronymic_from(ru, sex, "ru"))
        for uk, ru in male
        for sex in SEXES
    )
    given_uk, given_ru = _index(male + female)
    patronymic_uk, patronymic_ru = _index(patronymics)
    return _NameEquivalents(
        male=male,
        female=female,
        patronymics=patronymics,
        given_uk_to_ru=given_uk,
        given_ru_to_uk=given_ru,
        patronymic_uk_to_ru=patronymic_uk,
        patronymic_ru_to_uk=patronymic_ru,
    )


def withhold_given_names(uk_names: Iterable[str]) -> frozenset[str]:
    """Leave these Ukrainian given names, and the patronymics formed from them, out of the table.

    For benchmarks only. Forms already derived from the table stay in the caches of
    ``parley.matching``; use ``parley.matching.holdout.withheld_given_names``, which
    clears them.

    Args:
        uk_names: Ukrainian given names as the table writes them; none restores the table.

    Returns:
        The names withheld until now, to pass back when done.
    """
    global _withheld
    previous, _withheld = _withheld, frozenset(uk_names)
    _equivalents.cache_clear()
    return previous


def given_name_pairs(sex: str) -> tuple[tuple[str, str], ...]:
    """The table of equivalent given names, as ``(Ukrainian, Russian)`` pairs.

    The pairs run roughly from common to rare, so callers may use the order as a
    frequency ranking.

    Args:
        sex: ``"M"`` or ``"F"``.

    Raises:
        ValueError: ``sex`` is neither.
    """
    _check_sex(sex)
    table = _equivalents()
    return table.male if sex == "M" else table.female


def patronymic_pairs() -> tuple[tuple[str, str], ...]:
    """Every known patronymic as a ``(Ukrainian, Russian)`` pair, son's then daughter's."""
    return _equivalents().patronymics


def uk_to_ru_given(name: str) -> str | None:
    """The Russian form of a Ukrainian given name (Олександр -> Александр), or None."""
    return _equivalents().given_uk_to_ru.get(lookup_key(name))


def ru_to_uk_given(name: str) -> str | None:
    """The Ukrainian form of a Russian given name (Николай -> Микола), or None.

    ``ё`` may be written as ``е`` (Семен finds Семён's equivalent).
    """
    return _equivalents().given_ru_to_uk.get(lookup_key(name))


def uk_to_ru_patronymic(patronymic: str) -> str | None:
    """The Russian form of a Ukrainian patronymic (Миколайович -> Николаевич), or None.

    Only patronymics formed from a name in the given-name table are known.
    """
    return _equivalents().patronymic_uk_to_ru.get(lookup_key(patronymic))


def ru_to_uk_patronymic(patronymic: str) -> str | None:
    """The Ukrainian form of a Russian patronymic (Алексеевич -> Олексійович), or None.

    Only patronymics formed from a name in the given-name table are known.
    """
    return _equivalents().patronymic_ru_to_uk.get(lookup_key(patronymic))


def _check_sex(sex: str) -> None:
    """Raise ValueError unless ``sex`` is ``"M"`` or ``"F"``."""
    if sex not in SEXES:
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")


def patronymic_from(father_given: str, sex: str, lang: str) -> str:
    """Form the patronymic a child of ``father_given`` bears.

    Ukrainian adds -ович / -івна (Олександрович, Олександрівна; Сергійович, Сергіївна;
    Василь -> Васильович, Василівна); Russian adds -ович / -овна, or -евич / -евна after
    й, ь and hushing consonants (Николаевич, Сергеевич, Игоревич; Юрий -> Юрьевич,
    Дмитрий -> Дмитриевич). Irregular names (Микола, Ілля, Илья, Пётр, Яков ...) come from
    ``data/patronymics.toml``.

    Args:
        father_given: the father's given name, in the language ``lang``.
        sex: ``"M"`` for a son's patronymic, ``"F"`` for a daughter's.
        lang: ``"uk"`` or ``"ru"``.

    Raises:
        ValueError: ``sex``, ``lang`` or the name is not usable.
    """
    _check_sex(sex)
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be 'uk' or 'ru', not {lang!r}")
    name = father_given.strip()
    if not name:
        raise ValueError("the father's given name is empty")
    irregular = _irregular_patronymics()[lang].get(lookup_key(name))
    if irregular is not None:
        return irregular[0] if sex == "M" else irregular[1]
    build = _uk_patronymic if lang == "uk" else _ru_patronymic
    return build(name, sex == "F")


def _uk_patronymic(name: str, female: bool) -> str:
    """Regular Ukrainian patronymic: -ович for a son, -івна (-ївна after a vowel) for a daughter."""
    stem, last = name[:-1], name[-1].lower()
    if last == "й":
        return stem + "ївна" if female else name + "ович"
    if last == "ь":
        return stem + "івна" if female else name + "ович"
    if last in "оая":
        return stem + ("івна" if female else "ович")
    return name + ("івна" if female else "ович")


def _ru_patronymic(name: str, female: bool) -> str:
    """Regular Russian patronymic: -ович/-овна, or -евич/-евна after й, ь, ж ч ш щ ц."""
    lower = name.lower()
    soft = "евна" if female else "евич"
    if lower.endswith("ий"):
        stem = name[:-2]
        clustered = len(stem) >= 2 and all(ch.lower() in _CONSONANTS for ch in stem[-2:])
        return (name[:-1] if clustered else stem + "ь") + soft
    if lower[-1] in "йь":
        return name[:-1] + soft
    if lower[-1] in "ая":
        return name[:-1] + ("ична" if female else "ич")
    if lower[-1] in _HUSHING:
        return name + soft
    return name + ("овна" if female else "ович")
