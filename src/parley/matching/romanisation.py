"""Spell Ukrainian and Russian Cyrillic in Latin letters, under the schemes people carry.

Ukraine romanises under Cabinet resolution 55 of 2010 (Григорій -> Hryhorii). Russian
passports have used four schemes: MVD order 310 (1997, Юлия -> Yuliya), MVD order 782
(2000), GOST R 52535.1-2006 (2010-2013, Юлия -> Iuliia, Ц -> TC) and ICAO Doc 9303
(since 2013, Ц -> TS). Maps and gazetteers use BGN/PCGN, libraries ISO 9 / GOST 7.79. A
person's documents, letters and lists may carry any of them, so matching needs them all.

Each scheme is a table in ``parley/matching/data/<scheme>.toml`` that cites its source:
letter by letter, plus the word-initial forms, the letter pairs spelled as a unit, the
spellings that depend on the letter before or after, and the characters dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from parley.matching.tables import read_table, string_list, string_map
from parley.matching.words import APOSTROPHES, by_word, is_shouted

__all__ = [
    "CONVERTERS",
    "RUSSIAN_SCHEMES",
    "SCHEMES",
    "romanise",
    "romanise_lower",
    "to_latin_bgn_pcgn",
    "to_latin_gost52535",
    "to_latin_icao",
    "to_latin_iso9b",
    "to_latin_kmu2010",
    "to_latin_mvd310",
    "to_latin_mvd782",
]

# Scheme name -> its data file. ``kmu2010`` romanises Ukrainian, the others Russian.
SCHEMES: Mapping[str, str] = MappingProxyType(
    {
        "kmu2010": "kmu2010.toml",
        "icao9303": "icao9303.toml",
        "gost52535": "gost52535.toml",
        "mvd310": "mvd310.toml",
        "mvd782": "mvd782.toml",
        "bgn_pcgn": "bgn_pcgn.toml",
        "iso9b": "iso9b.toml",
    }
)
RUSSIAN_SCHEMES = ("icao9303", "gost52535", "mvd310", "mvd782", "bgn_pcgn", "iso9b")


@dataclass(frozen=True, slots=True)
class _Scheme:
    """One romanisation scheme, as read from its table.

    Attributes:
        letters: the spelling of each letter where no other rule applies.
        initial: spellings at the start of a word.
        sequences: letter pairs spelled as a unit (зг -> zgh).
        after: keyed by two letters, the spelling of the second after the first.
        before: keyed by two letters, the spelling of the first before the second.
        drop: characters left out.
    """

    letters: Mapping[str, str]
    initial: Mapping[str, str]
    sequences: Mapping[str, str]
    after: Mapping[str, str]
    before: Mapping[str, str]
    drop: frozenset[str]


@functools.cache
def _scheme(name: str) -> _Scheme:
    """Load the table of scheme ``name``; an ``extension`` table adds to the letters.

    Raises:
        ValueError: an unknown scheme or a malformed table.
    """
    if name not in SCHEMES:
        raise ValueError(f"unknown romanisation scheme {name!r}; known: {', '.join(SCHEMES)}")
    file = SCHEMES[name]
    raw = read_table(file)
    letters = string_map(raw.get("letters", {}), f"{file} [letters]")
    letters.update(string_map(raw.get("extension", {}), f"{file} [extension]"))

    def section(key: str) -> Mapping[str, str]:
        """The table's ``[key]`` section, checked."""
        return MappingProxyType(string_map(raw.get(key, {}), f"{file} [{key}]"))

    return _Scheme(
        letters=MappingProxyType(letters),
        initial=section("initial"),
        sequences=section("sequences"),
        after=section("after"),
        before=section("before"),
        drop=frozenset(string_list(raw.get("drop", []), f"{file} drop")),
    )


def _letter(lower: str, i: int, scheme: _Scheme) -> tuple[str | None, int]:
    """The Latin for the letters of ``lower`` at ``i``, and how many letters it covers.

    ``None`` means the character is not in the table and passes through as written.
    """
    pair = lower[i : i + 2]
    if pair in scheme.sequences:
        return scheme.sequences[pair], 2
    ch = lower[i]
    if ch in scheme.drop:
        return "", 1
    if i == 0 and ch in scheme.initial:
        return scheme.initial[ch], 1
    if i and lower[i - 1 : i + 1] in scheme.after:
        return scheme.after[lower[i - 1 : i + 1]], 1
    if len(pair) == 2 and pair in scheme.before:
        return scheme.before[pair], 1
    return scheme.letters.get(ch), 1


def _romanise_word(word: str, scheme: _Scheme) -> str:
    """Romanise one word, letter by letter, keeping its capitalisation."""
    lower = word.lower()
    shouted = is_shouted(word)
    pieces: list[str] = []
    i = 0
    while i < len(lower):
        latin, width = _letter(lower, i, scheme)
        if latin is None:
            latin = word[i]
        elif word[i].isupper() and not shouted:
            latin = latin.capitalize()
        pieces.append(latin)
        i += width
    result = "".join(pieces)
    return result.upper() if shouted else result


def romanise(text: str, scheme: str) -> str:
    """Romanise every word of ``text`` under ``scheme`` (a key of ``SCHEMES``).

    Spaces, hyphens and digits pass through; capitalisation is kept, whole-word capitals
    included (ЩЕРБУХИ -> SHCHERBUKHY).

    Raises:
        ValueError: an unknown scheme.
    """
    table = _scheme(scheme)
    return by_word(
        text,
        lambda word: _romanise_word(word, table),
        lambda gap: "".join(ch for ch in gap if ch not in table.drop),
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A scheme compiled for lower-case text: context rules as one pattern, then letters.

    Attributes:
        pattern: the context rules as alternatives in the order ``_letter`` tries them,
            each one capturing group; None when the scheme has none.
        replacements: the Latin for each group of ``pattern``, by group number - 1.
        letters: ``str.translate`` table for every other letter and dropped character.
    """

    pattern: re.Pattern[str] | None
    replacements: tuple[str, ...]
    letters: Mapping[int, str]


# Not preceded by a letter, nor by a letter and an apostrophe: the start of a word as
# ``parley.matching.words.WORD`` cuts words (Знам'янка is one word).
_WORD_START = rf"(?<![^\W\d_])(?<![^\W\d_][{APOSTROPHES}])"


@functools.cache
def _compiled(name: str) -> _Compiled:
    """Compile scheme ``name`` for ``romanise_lower``."""
    scheme = _scheme(name)
    rules: list[tuple[str, str]] = [(f"({re.escape(k)})", v) for k, v in scheme.sequences.items()]
    rules += [(f"{_WORD_START}({re.escape(k)})", v) for k, v in scheme.initial.items()]
    rules += [(f"(?<={re.escape(k[0])})({re.escape(k[1])})", v) for k, v in scheme.after.items()]
    rules += [(f"({re.escape(k[0])})(?={re.escape(k[1])})", v) for k, v in scheme.before.items()]
    letters = {ord(k): v for k, v in scheme.letters.items()}
    letters.update((ord(ch), "") for ch in scheme.drop)
    pattern = re.compile("|".join(rule for rule, _ in rules)) if rules else None
    return _Compiled(pattern, tuple(v for _, v in rules), MappingProxyType(letters))


def romanise_lower(text: str, scheme: str) -> str:
    """Romanise lower-case ``text`` under ``scheme``, fast: the same as ``romanise`` on it.

    For the forms matching derives, which are case-folded; ``romanise`` keeps capitals.

    Raises:
        ValueError: an unknown scheme.
    """
    compiled = _compiled(scheme)
    if compiled.pattern is not None:
        replacements = compiled.replacements
        text = compiled.pattern.sub(lambda m: replacements[(m.lastindex or 1) - 1], text)
    return text.translate(compiled.letters)


def _scheme_function(scheme: str) -> Callable[[str], str]:
    """A one-argument romaniser for ``scheme``, for tables of converters."""
    return functools.partial(romanise, scheme=scheme)


def to_latin_kmu2010(text: str) -> str:
    """Spell Ukrainian Cyrillic in Latin letters as Ukrainian passports do.

    Follows Cabinet of Ministers of Ukraine resolution 55 (2010): Г is H, И is Y, and Є Ї Й
    Ю Я have one spelling at the start of a word (Ye Yi Y Yu Ya) and another elsewhere (ie i
    i iu ia); зг is zgh; the soft sign and apostrophe are dropped. Capitalisation is kept,
    whole-word capitals included (ЩЕРБУХИ -> SHCHERBUKHY). Characters the resolution does
    not cover pass through unchanged, except Russian-only letters (see the data file).

    Args:
        text: a name or phrase in Ukrainian Cyrillic.

    Returns:
        The Latin spelling, e.g. ``"Hryhorii"`` for ``"Григорій"``.
    """
    return romanise(text, "kmu2010")


def to_latin_icao(text: str) -> str:
    """Spell Russian Cyrillic in Latin letters under ICAO Doc 9303, as Russian passports do.

    Г is G, И and Й are I, Ю is IU, Я is IA, Ё is E, Ы is Y, Ъ is IE, and the soft sign is
    dropped. Capitalisation is kept.

    Args:
        text: a name or phrase in Russian Cyrillic.

    Returns:
        The Latin spelling, e.g. ``"Grigorii"`` for ``"Григорий"``.
    """
    return romanise(text, "icao9303")


def to_latin_gost52535(text: str) -> str:
    """Spell Russian Cyrillic under GOST R 52535.1-2006 (Russian passports 2010-2013).

    As ICAO Doc 9303 except Ц is TC and Ъ is dropped: Царёв -> Tcarev, Юлия -> Iuliia.
    """
    return romanise(text, "gost52535")


def to_latin_mvd310(text: str) -> str:
    """Spell Russian Cyrillic under MVD order 310 of 1997 (Russian passports 1997-2000).

    Ю is YU, Я is YA, Й is Y, Х is KH, Ц is TS, Ё is E, Ь is ', and Е after Ь or Ъ is YE:
    Юлия Щеглова -> Yuliya Shcheglova, Андрей -> Andrey.
    """
    return romanise(text, "mvd310")


def to_latin_mvd782(text: str) -> str:
    """Spell Russian Cyrillic under MVD order 782 of 2000 (Russian passports 2000-2010).

    As MVD 310, but Е is YE after a vowel, Ё is YE after most consonants (E after Ж Ч Ш
    Щ), Ё is YO elsewhere, and a sign before Е, Ё or И gives way to Y: Соловьёв ->
    Solovyov, Ильин -> Ilyin, Васильев -> Vasilyev.
    """
    return romanise(text, "mvd782")


def to_latin_bgn_pcgn(text: str) -> str:
    """Spell Russian Cyrillic under BGN/PCGN 1947, ASCII only (maps, English-language press).

    Е and Ё are YE at the start of a word and after a vowel, Й or a sign, Ы and Й are Y, the
    soft and hard signs are ' and ". The optional diaeresis on Ё is left off and the
    optional middle dot (T·S for ТС) omitted: Елизово -> Yelizovo, Юрьев -> Yur'yev.
    """
    return romanise(text, "bgn_pcgn")


def to_latin_iso9b(text: str) -> str:
    """Spell Russian Cyrillic under ISO 9:1995 system B = GOST 7.79-2000 system B (ASCII).

    Щ is SHH, Ж ZH, Х X, Й J, Ю YU, Я YA, Ё YO, Ы Y`, Э E`, Ь `, Ъ ``, and Ц is C before
    Е И Й Ы, CZ elsewhere: Царёв -> Czaryov, Щукин -> Shhukin.
    """
    return romanise(text, "iso9b")


# Scheme name -> converter, in the order forms are listed.
CONVERTERS: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {name: _scheme_function(name) for name in SCHEMES}
)
