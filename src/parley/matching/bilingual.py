"""The Ukrainian and the Russian Cyrillic form of one name part, whatever it was written in.

Given names and patronymics go through the equivalents table (Олександр <-> Александр,
Миколайович <-> Николаевич); a spelling the table lacks is found by its skeleton
(Наталя finds Наталія / Наталья). Surnames, and names no table knows, are respelled by
rule (Лисенко <-> Лысенко, Ковальська <-> Ковальская). Latin input is first read back
into Cyrillic (``parley.matching.back_transliteration``), choosing the Ukrainian and
Russian readings that respell into each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from parley.matching.back_transliteration import ranked_candidates
from parley.matching.equivalents import (
    given_name_pairs,
    patronymic_pairs,
    ru_to_uk_given,
    ru_to_uk_patronymic,
    uk_to_ru_given,
    uk_to_ru_patronymic,
)
from parley.matching.respelling import respell_ru_as_uk, respell_uk_as_ru
from parley.matching.romanisation import CONVERTERS, RUSSIAN_SCHEMES
from parley.matching.skeleton import skeleton
from parley.matching.tables import read_table, string_map

__all__ = ["Bilingual", "NamePart", "bilingual"]

NamePart = Literal["given", "family", "patronymic"]
_PAIRED = 3  # readings of each language tried when pairing a Latin surname


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A name part in both Cyrillic orthographies.

    Attributes:
        uk: the Ukrainian form, lower case.
        ru: the Russian form, lower case.
        in_dictionary: whether the equivalents table gave the pair (else rules did).
    """

    uk: str
    ru: str
    in_dictionary: bool


@dataclass(frozen=True, slots=True)
class _Table:
    """One kind of dictionary name: exact look-ups both ways and a skeleton index."""

    uk_to_ru: Callable[[str], str | None]
    ru_to_uk: Callable[[str], str | None]
    by_skeleton: Mapping[str, tuple[str, str]]


def _pair_skeletons(uk: str, ru: str) -> set[str]:
    """The skeletons of a dictionary pair, its Cyrillic forms and every romanisation."""
    forms = [uk, ru, CONVERTERS["kmu2010"](uk)]
    forms.extend(CONVERTERS[scheme](ru) for scheme in RUSSIAN_SCHEMES)
    return {skeleton(form) for form in forms}


def _skeleton_index(entries: tuple[tuple[str, str], ...]) -> Mapping[str, tuple[str, str]]:
    """Each skeleton of each pair -> the pair (lower case); earlier (commoner) pairs win."""
    index: dict[str, tuple[str, str]] = {}
    for uk, ru in entries:
        for key in _pair_skeletons(uk, ru):
            index.setdefault(key, (uk.lower(), ru.lower()))
    return MappingProxyType(index)


@functools.cache
def _table(part: NamePart) -> _Table | None:
    """The dictionary for ``part``; surnames have none."""
    if part == "given":
        entries = given_name_pairs("M") + given_name_pairs("F")
        return _Table(uk_to_ru_given, ru_to_uk_given, _skeleton_index(entries))
    if part == "patronymic":
        entries = patronymic_pairs()
        return _Table(uk_to_ru_patronymic, ru_to_uk_patronymic, _skeleton_index(entries))
    return None


@functools.cache
def _suffixes() -> Mapping[str, Mapping[str, str]]:
    """Patronymic endings by direction (``data/patronymics.toml`` [suffixes])."""
    raw = read_table("patronymics.toml").get("suffixes", {})
    return MappingProxyType(
        {
            way: MappingProxyType(string_map(raw.get(way, {}), way))
            for way in ("uk_to_ru", "ru_to_uk")
        }
    )


def _respell(name: str, part: NamePart, source: str) -> str:
    """Respell ``name`` from ``source`` (uk or ru) into the other orthography by rule."""
    respell = respell_uk_as_ru if source == "uk" else respell_ru_as_uk
    if part == "patronymic":
        endings = _suffixes()["uk_to_ru" if source == "uk" else "ru_to_uk"]
        ending = max((e for e in endings if name.endswith(e)), key=len, default="")
        if ending and len(name) > len(ending):
            return respell(name[: -len(ending)]) + endings[ending]
    return respell(name)


def _by_rule(name: str, part: NamePart, lang: str) -> Bilingual:
    """Both forms of a Cyrillic name no dictionary knows; undetermined reads as Ukrainian."""
    if lang == "ru":
        return Bilingual(uk=_respell(name, part, "ru"), ru=name, in_dictionary=False)
    return Bilingual(uk=name, ru=_respell(name, part, "uk"), in_dictionary=False)


def _exact(name: str, table: _Table, lang: str) -> Bilingual | None:
    """The dictionary pair of ``name``, trying ``lang``'s own form first."""
    for side in ("ru", "uk") if lang == "ru" else ("uk", "ru"):
        partner = table.uk_to_ru(name) if side == "uk" else table.ru_to_uk(name)
        found = _pair_with(name, partner, side)
        if found is not None:
            return found
    return None


def _pair_with(name: str, partner: str | None, side: str) -> Bilingual | None:
    """``name`` on ``side`` with its dictionary ``partner`` on the other, if there is one."""
    if partner is None:
        return None
    other = partner.lower()
    uk, ru = (name, other) if side == "uk" else (other, name)
    return Bilingual(uk=uk, ru=ru, in_dictionary=True)


def _cyrillic(name: str, part: NamePart, lang: str) -> Bilingual:
    """Both forms of a Cyrillic name part read as ``lang`` (uk, ru or und)."""
    table = _table(part)
    if table is None:
        return _by_rule(name, part, lang)
    found = _exact(name, table, lang)
    if found is not None:
        return found
    pair = table.by_skeleton.get(skeleton(name))
    if pair is None:
        return _by_rule(name, part, lang)
    # A variant spelling (Наталя): keep it on its own side, take the partner's form.
    on_ru_side = lang == "ru" or (lang == "und" and skeleton(name) == skeleton(pair[1]))
    uk, ru = (pair[0], name) if on_ru_side else (name, pair[1])
    return Bilingual(uk=uk, ru=ru, in_dictionary=True)


def _latin_in_dictionary(latin: str, table: _Table) -> Bilingual | None:
    """The dictionary pair a Latin given name or patronymic stands for, if any."""
    pair = table.by_skeleton.get(skeleton(latin))
    if pair is not None:
        return Bilingual(uk=pair[0], ru=pair[1], in_dictionary=True)
    for lang in ("uk", "ru"):
        for reading, _ in ranked_candidates(latin, lang):
            found = _exact(reading, table, lang)
            if found is not None:
                return found
    return None


def _paired_readings(latin: str) -> Bilingual:
    """The cheapest Ukrainian and Russian readings of ``latin`` that respell into each other.

    Where no two of the best readings agree, the best of each language is taken alone.
    """
    uk = ranked_candidates(latin, "uk")
    ru = ranked_candidates(latin, "ru")
    if not uk or not ru:
        return Bilingual(uk=latin, ru=latin, in_dictionary=False)
    best_uk, best_ru = uk[0][0], ru[0][0]
    if respell_uk_as_ru(best_uk) == best_ru or respell_ru_as_uk(best_ru) == best_uk:
        return Bilingual(uk=best_uk, ru=best_ru, in_dictionary=False)  # nothing is cheaper
    uk_cost, ru_cost = dict(uk), dict(ru)
    options: list[tuple[int, str, str]] = []
    for text, cost in uk[:_PAIRED]:
        partner = respell_uk_as_ru(text)
        if partner in ru_cost:
            options.append((cost + ru_cost[partner], text, partner))
    for text, cost in ru[:_PAIRED]:
        partner = respell_ru_as_uk(text)
        if partner in uk_cost:
            options.append((cost + uk_cost[partner], partner, text))
    if not options:
        return Bilingual(uk=best_uk, ru=best_ru, in_dictionary=False)
    _, paired_uk, paired_ru = min(options, key=lambda option: option[0])
    return Bilingual(uk=paired_uk, ru=paired_ru, in_dictionary=False)


def bilingual(name: str, part: NamePart, lang: str) -> Bilingual:
    """The Ukrainian and Russian Cyrillic forms of a normalised name part.

    Args:
        name: the part as ``parley.matching.normalisation.normalise`` leaves it.
        part: ``"given"``, ``"family"`` or ``"patronymic"``.
        lang: how to read Cyrillic: ``"uk"``, ``"ru"`` or ``"und"``; ``"en"`` for Latin.

    Returns:
        E.g. ``Bilingual("олександр", "александр", True)`` for ``"oleksandr"``.
    """
    if lang != "en":
        return _cyrillic(name, part, lang)
    table = _table(part)
    found = _latin_in_dictionary(name, table) if table is not None else None
    return found if found is not None else _paired_readings(name)
