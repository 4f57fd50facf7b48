"""Read a Latin spelling back into the Cyrillic spellings it may stand for.

A request may name a person only as his passport spells him (Lysenko, Hryhorii); the
other party's register writes him in Cyrillic. Romanisation loses letters (и and ы are
both y, the soft sign vanishes, KMU 2010 spells г as h), so the way back gives several
readings. This module lists the likely ones for each language, best first: Lysenko reads
as лисенко in Ukrainian and лысенко in Russian, Hryhorii as григорій.

The readings of each Latin letter group, with their costs and where they apply, are in
``data/back_transliteration.toml``. The search tries every way to cut a word into groups
and keeps the cheapest readings; a few spelling rules of each language then fix what
romanisation drops (Ukrainian writes Знам'янка and Ковальська, Russian Ковальская).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from parley.matching.normalisation import normalise, script_of
from parley.matching.tables import read_table, string_list

__all__ = ["MAX_CANDIDATES", "Language", "cyrillic_candidates", "ranked_candidates"]

Language = Literal["uk", "ru"]
MAX_CANDIDATES = 16
PER_LANGUAGE = MAX_CANDIDATES // 2
_BEAM = 8  # partial readings kept at each position of a word
_MARGIN = 3  # ... if they cost at most this much more than the cheapest there
_COPY_COST = 5  # a character no rule reads is copied as it is, at this cost
_GROUP_COST = 1  # each letter group read costs this too, so one group beats two letters
_VOWELS = frozenset("аеєиіїоуыэюяё")
_MARKERS = "^~!%"
_SEPARATOR = re.compile(r"([ -]+)")

# Spelling rules applied to finished readings: (pattern, replacement). The reading as
# found is kept too, one cost unit dearer.
_FIXES: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = MappingProxyType(
    {
        "uk": (
            # An apostrophe after a labial before я ю є ї (Знам'янка, В'ячеслав).
            (re.compile(r"(^|[аеєиіїоуюя])([бпвмф])([яюєї])"), r"\1\2'\3"),
            # Elsewhere an apostrophe in Latin stands for the soft sign (Il'in).
            (re.compile(r"'(?![яюєї])"), "ь"),
            # Adjectival surnames: Ukrainian -ська for a Russian -ская, and the soft sign
            # of -ськ- -цьк- -зьк- and -льськ- (Ковальська, Вербицький).
            (re.compile(r"([сцз])кая$"), r"\1ька"),
            (re.compile(r"([сцз])к(ий|а|е|і)$"), r"\1ьк\2"),
            (re.compile(r"л(?=[сцз]ьк)"), "ль"),
        ),
        "ru": (
            (re.compile(r"л(?=ск(ий|ая|ое)$)"), "ль"),
            (re.compile(r"([сцз])ка$"), r"\1кая"),
            (re.compile(r"([сцз])ки$"), r"\1кий"),
        ),
    }
)


@dataclass(frozen=True, slots=True)
class _Reading:
    """One Cyrillic reading of a Latin letter group, and where it may be used."""

    text: str
    cost: int
    initial_only: bool
    final_only: bool
    not_final: bool
    after_vowel: bool
    after_consonant: bool

    def fits(self, initial: bool, final: bool, prev: str) -> bool:
        """Whether the reading applies at this place of a word."""
        if (self.initial_only and not initial) or (self.final_only and not final):
            return False
        if self.not_final and final:
            return False
        if self.after_vowel and prev not in _VOWELS:
            return False
        return not (self.after_consonant and (initial or prev in _VOWELS))


# Where a reading is tried: (at the start of the word, at its end, after a vowel).
_Place = tuple[bool, bool, bool]


@dataclass(frozen=True, slots=True)
class _Rules:
    """The readings of one language, by Latin letter group."""

    readings: Mapping[str, tuple[_Reading, ...]]
    longest: int


def _parse_reading(spec: str) -> _Reading:
    """Parse ``[markers]cyrillic[$][:cost]`` (see the data file's header)."""
    text, _, cost = spec.partition(":")
    markers = ""
    while text[:1] in _MARKERS and text:
        markers, text = markers + text[0], text[1:]
    final_only = text.endswith("$")
    return _Reading(
        text=text.removesuffix("$"),
        cost=int(cost or 0) + _GROUP_COST,
        initial_only="^" in markers,
        final_only=final_only,
        not_final="%" in markers,
        after_vowel="~" in markers,
        after_consonant="!" in markers,
    )


@functools.cache
def _rules(lang: Language) -> _Rules:
    """The readings for ``lang`` from ``data/back_transliteration.toml``."""
    raw = read_table("back_transliteration.toml").get(lang)
    if not isinstance(raw, dict):
        raise ValueError(f"back_transliteration.toml [{lang}] must be a table")
    readings = {
        group: tuple(_parse_reading(spec) for spec in string_list(specs, f"[{lang}] {group}"))
        for group, specs in raw.items()
    }
    return _Rules(readings=MappingProxyType(readings), longest=max(map(len, readings)))


@functools.cache
def _fitting(lang: Language, group: str, place: _Place) -> tuple[tuple[str, int], ...]:
    """The readings of ``group`` that apply at ``place``, as ``(text, cost)``."""
    initial, final, after_vowel = place
    prev = "а" if after_vowel else ("" if initial else "б")
    readings = _rules(lang).readings.get(group, ())
    return tuple((r.text, r.cost) for r in readings if r.fits(initial, final, prev))


def _offer(beam: dict[str, int], text: str, cost: int) -> None:
    """Keep ``text`` in ``beam`` at ``cost`` unless it is there already more cheaply."""
    if beam.get(text, cost + 1) > cost:
        beam[text] = cost


def _cheapest(beam: Mapping[str, int], count: int) -> list[tuple[str, int]]:
    """The ``count`` cheapest entries of ``beam``; ties keep their order of arrival."""
    return sorted(beam.items(), key=lambda item: item[1])[:count]


def _extend(word: str, i: int, beams: list[dict[str, int]], lang: Language) -> None:
    """Extend the partial readings that end at ``i`` by each letter group starting there."""
    beam, rules = beams[i], _rules(lang)
    partial = list(beam.items()) if len(beam) <= _BEAM else _cheapest(beam, _BEAM)
    cutoff = min(cost for _, cost in partial) + _MARGIN
    partial = [(prefix, cost) for prefix, cost in partial if cost <= cutoff]
    places = [(prefix, cost, prefix[-1:] in _VOWELS) for prefix, cost in partial]
    read = False
    for length in range(1, min(rules.longest, len(word) - i) + 1):
        group = word[i : i + length]
        if group not in rules.readings:
            continue
        final, target = i + length == len(word), beams[i + length]
        by_vowel = (
            _fitting(lang, group, (i == 0, final, False)),
            _fitting(lang, group, (i == 0, final, True)),
        )
        for prefix, cost, after_vowel in places:
            for text, extra in by_vowel[after_vowel]:
                reading, total = prefix + text, cost + extra
                if target.get(reading, total + 1) > total:
                    target[reading] = total
                read = True
    if not read:
        for prefix, cost in partial:
            _offer(beams[i + 1], prefix + word[i], cost + _COPY_COST)


def _read_word(word: str, lang: Language) -> list[tuple[str, int]]:
    """The cheapest Cyrillic readings of one lower-case Latin word."""
    beams: list[dict[str, int]] = [{} for _ in range(len(word) + 1)]
    beams[0][""] = 0
    for i in range(len(word)):
        if beams[i]:
            _extend(word, i, beams, lang)
    return _fixed(_cheapest(beams[-1], _BEAM), lang)


@functools.cache
def _any_fix(lang: Language) -> re.Pattern[str]:
    """One pattern that finds whether any of ``lang``'s spelling rules applies."""
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _FIXES[lang]))


def _fixed(readings: list[tuple[str, int]], lang: Language) -> list[tuple[str, int]]:
    """Apply the language's spelling rules; a reading they change is kept, dearer."""
    beam: dict[str, int] = {}
    screen = _any_fix(lang)
    for text, cost in readings:
        fixed = text
        if screen.search(text):
            for pattern, replacement in _FIXES[lang]:
                fixed = pattern.sub(replacement, fixed)
        _offer(beam, fixed, cost)
        _offer(beam, text, cost + 1)
    return _cheapest(beam, _BEAM)


def _latin_letters(text: str) -> str:
    """Normalised Latin text without diacritics (ë -> e): what the rules read."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1 << 15)
def ranked_candidates(
    latin: str, lang: Language, limit: int = PER_LANGUAGE
) -> tuple[tuple[str, int], ...]:
    """The likeliest spellings of ``latin`` in ``lang`` Cyrillic, cheapest first, with costs.

    Each word of a multi-word name is read on its own; the readings are combined.

    Args:
        latin: a name part in Latin letters, e.g. ``"Lysenko"``.
        lang: ``"uk"`` or ``"ru"``.
        limit: how many spellings at most.

    Returns:
        ``(spelling, cost)`` pairs in lower case, e.g. ``("лисенко", 0)`` first for
        ``("Lysenko", "uk")``; a lower cost is a likelier reading.
    """
    combined: list[tuple[str, int]] = [("", 0)]
    for piece in _SEPARATOR.split(_latin_letters(latin)):
        if not piece:
            continue
        options = [(piece, 0)] if _SEPARATOR.fullmatch(piece) else _read_word(piece, lang)
        joined: dict[str, int] = {}
        for head, head_cost in combined:
            for text, cost in options:
                _offer(joined, head + text, head_cost + cost)
        combined = _cheapest(joined, limit)
    return tuple(item for item in combined if item[0])


@functools.lru_cache(maxsize=1 << 15)
def cyrillic_candidates(latin: str) -> frozenset[str]:
    """Plausible Ukrainian and Russian Cyrillic spellings of a Latin name, at most 16.

    The best eight readings in each language (see ``ranked_candidates``). Text already in
    Cyrillic is its own only candidate (normalised).

    Args:
        latin: a name part as typed, e.g. ``"Lysenko"`` or ``"Hryhorii"``.

    Returns:
        Lower-case spellings, e.g. ``{"лисенко", "лысенко", ...}`` for ``"Lysenko"``.
    """
    if script_of(normalise(latin)) == "cyrillic":
        return frozenset({normalise(latin)})
    found = [text for lang in ("uk", "ru") for text, _ in ranked_candidates(latin, lang)]
    return frozenset(found[:MAX_CANDIDATES])
