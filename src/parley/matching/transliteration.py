"""Spell Ukrainian and Russian names in Latin letters and in each other's Cyrillic.

The two parties write the same person differently. Ukraine romanises under Cabinet
resolution 55 of 2010 (Григорій -> Hryhorii), Russia under ICAO Doc 9303 (Григорий ->
Grigorii). Each writes the other's citizens in its own Cyrillic, with its own given-name
forms (Олександр / Александр), patronymics (Миколайович / Николаевич) and spelling
(Лисенко / Лысенко). Matching needs every one of these forms to see that two records are
one person; the synthetic generator needs them to write records the way officials do.

The tables live in ``parley/matching/data/*.toml``, each citing its source, and are read
once per process.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "given_name_pairs",
    "patronymic_from",
    "respell_ru_as_uk",
    "respell_uk_as_ru",
    "ru_to_uk_given",
    "ru_to_uk_patronymic",
    "to_latin_icao",
    "to_latin_kmu2010",
    "uk_to_ru_given",
    "uk_to_ru_patronymic",
]

SEXES = ("M", "F")
LANGUAGES = ("uk", "ru")

_APOSTROPHES = "'’ʼ‘`"
_TO_ASCII_APOSTROPHE = str.maketrans(dict.fromkeys(_APOSTROPHES, "'"))
# A word: letters, possibly joined by apostrophes (Знам'янка is one word, Лук'ян too).
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ‘`][^\W\d_]+)*")

_VOWELS = frozenset("аеєиіїоуюяыэё")
_CONSONANTS = frozenset("бвгґджзклмнпрстфхцчшщ")
_HUSHING = frozenset("жчшщц")
_LABIALS = frozenset("бпвмф")
_VELARS = frozenset("гкх")
_SIGNS = frozenset("ьъ")
_SOFTENED_VOWELS = frozenset("еюяи")
_BEFORE_ADJECTIVAL_K = frozenset("сцз")
# Consonants after which Ukrainian separates a following я/ю/є/ї by an apostrophe, not ь.
_APOSTROPHE_BEFORE = frozenset("бпвмфркгхжчш")
# Endings of an adjectival surname after -ск-/-цк-/-зк- (Жуковский, Жуковская).
_RU_ADJECTIVE_ENDINGS = frozenset({"ий", "ая", "ой", "ое", "ие"})
_UK_ADJECTIVE_ENDINGS = frozenset({"ий", "а", "е", "і"})


# ---------------------------------------------------------------------------------------
# Loading the tables
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Romanisation:
    """One romanisation scheme: letters, word-initial forms, letter pairs, dropped marks."""

    letters: Mapping[str, str]
    initial: Mapping[str, str]
    sequences: Mapping[str, str]
    drop: frozenset[str]


@dataclass(frozen=True, slots=True)
class _NameEquivalents:
    """Given names and patronymics in both languages, indexed both ways."""

    male: tuple[tuple[str, str], ...]
    female: tuple[tuple[str, str], ...]
    given_uk_to_ru: Mapping[str, str]
    given_ru_to_uk: Mapping[str, str]
    patronymic_uk_to_ru: Mapping[str, str]
    patronymic_ru_to_uk: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class _RespellingRules:
    """What respelling cannot derive letter by letter (see ``data/respelling.toml``)."""

    uk_to_ru_roots: Mapping[str, str]
    ru_to_uk_roots: Mapping[str, str]
    hard_sign_prefixes: frozenset[str]


def _read_table(name: str) -> dict[str, Any]:
    """Parse ``data/<name>`` from this package."""
    folder = resources.files("parley.matching").joinpath("data")
    return tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))


def _string_map(value: object, where: str) -> dict[str, str]:
    """Check that a TOML table maps strings to strings, and return it."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{where} must map strings to strings")
    return dict(value)


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """Check that a TOML array holds two-string arrays, and return them as tuples."""
    if not isinstance(value, list):
        raise ValueError(f"{where} must be an array of [a, b] pairs")
    pairs: list[tuple[str, str]] = []
    for item in value:
        is_pair = isinstance(item, list) and len(item) == 2
        if not (is_pair and all(isinstance(part, str) for part in item)):
            raise ValueError(f"{where} has an entry that is not a pair of strings: {item!r}")
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _romanisation(name: str) -> _Romanisation:
    """Load a romanisation table; an ``extension`` table adds to the letters."""
    raw = _read_table(name)
    letters = _string_map(raw.get("letters", {}), f"{name} [letters]")
    letters.update(_string_map(raw.get("extension", {}), f"{name} [extension]"))
    drop = raw.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(ch, str) for ch in drop):
        raise ValueError(f"{name} drop must be an array of strings")
    return _Romanisation(
        letters=MappingProxyType(letters),
        initial=MappingProxyType(_string_map(raw.get("initial", {}), f"{name} [initial]")),
        sequences=MappingProxyType(_string_map(raw.get("sequences", {}), f"{name} [sequences]")),
        drop=frozenset(drop),
    )


@functools.cache
def _kmu2010() -> _Romanisation:
    """The Ukrainian passport romanisation table."""
    return _romanisation("kmu2010.toml")


@functools.cache
def _icao9303() -> _Romanisation:
    """The ICAO Doc 9303 romanisation table."""
    return _romanisation("icao9303.toml")


@functools.cache
def _irregular_patronymics() -> Mapping[str, Mapping[str, tuple[str, str]]]:
    """Irregular patronymics by language, keyed by the father's name (see ``_key``)."""
    raw = _read_table("patronymics.toml")
    tables: dict[str, Mapping[str, tuple[str, str]]] = {}
    for lang in LANGUAGES:
        entries = raw.get(lang, {})
        if not isinstance(entries, dict):
            raise ValueError(f"patronymics.toml [{lang}] must be a table")
        pairs = _pairs(list(entries.values()), f"patronymics.toml [{lang}]")
        tables[lang] = MappingProxyType(
            {_key(father): pair for father, pair in zip(entries, pairs, strict=True)}
        )
    return MappingProxyType(tables)


@functools.cache
def _equivalents() -> _NameEquivalents:
    """Index the given-name table both ways and derive the patronymic pairs from it."""
    raw = _read_table("given_names.toml")
    male = _pairs(raw.get("male"), "given_names.toml male")
    female = _pairs(raw.get("female"), "given_names.toml female")
    given_uk: dict[str, str] = {}
    given_ru: dict[str, str] = {}
    for uk, ru in male + female:
        given_uk.setdefault(_key(uk), ru)
        given_ru.setdefault(_key(ru), uk)
    patronymic_uk: dict[str, str] = {}
    patronymic_ru: dict[str, str] = {}
    for uk, ru in male:
        for sex in SEXES:
            uk_form, ru_form = patronymic_from(uk, sex, "uk"), patronymic_from(ru, sex, "ru")
            patronymic_uk.setdefault(_key(uk_form), ru_form)
            patronymic_ru.setdefault(_key(ru_form), uk_form)
    return _NameEquivalents(
        male=male,
        female=female,
        given_uk_to_ru=MappingProxyType(given_uk),
        given_ru_to_uk=MappingProxyType(given_ru),
        patronymic_uk_to_ru=MappingProxyType(patronymic_uk),
        patronymic_ru_to_uk=MappingProxyType(patronymic_ru),
    )


@functools.cache
def _respelling_rules() -> _RespellingRules:
    """The exceptions to the letter-by-letter respelling rules."""
    raw = _read_table("respelling.toml")
    uk_to_ru, ru_to_uk = raw.get("uk_to_ru", {}), raw.get("ru_to_uk", {})
    prefixes = uk_to_ru.get("hard_sign_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise ValueError("respelling.toml hard_sign_prefixes must be an array of strings")
    return _RespellingRules(
        uk_to_ru_roots=MappingProxyType(_string_map(uk_to_ru.get("roots", {}), "uk_to_ru.roots")),
        ru_to_uk_roots=MappingProxyType(_string_map(ru_to_uk.get("roots", {}), "ru_to_uk.roots")),
        hard_sign_prefixes=frozenset(prefixes),
    )


def _longest_stem(word: str, roots: Mapping[str, str]) -> str:
    """The longest key of ``roots`` that ``word`` starts with, or ``""``."""
    return max((stem for stem in roots if word.startswith(stem)), key=len, default="")


def _fold(word: str) -> str:
    """Lower case with one kind of apostrophe: the form the respelling rules read."""
    return word.lower().translate(_TO_ASCII_APOSTROPHE)


def _key(name: str) -> str:
    """A look-up key: trimmed, folded (see ``_fold``), ё read as е."""
    return _fold(name.strip()).replace("ё", "е")


# ---------------------------------------------------------------------------------------
# Case and words
# ---------------------------------------------------------------------------------------


def _is_shouted(word: str) -> bool:
    """Whether a word is written in capitals throughout (ЩЕРБУХИ), as passports print."""
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _recase(original: str, converted: str) -> str:
    """Give ``converted`` (lower case) the capitalisation of ``original``."""
    if _is_shouted(original):
        return converted.upper()
    if original[:1].isupper():
        return converted[:1].upper() + converted[1:]
    return converted


def _by_word(text: str, convert: Callable[[str], str], between: Callable[[str], str]) -> str:
    """Apply ``convert`` to each word of ``text`` and ``between`` to what separates them."""
    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(text):
        out.append(between(text[pos : match.start()]))
        out.append(convert(match.group()))
        pos = match.end()
    out.append(between(text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Romanisation
# ---------------------------------------------------------------------------------------


def _romanise_word(word: str, table: _Romanisation) -> str:
    """Romanise one word, letter by letter, keeping its capitalisation."""
    lower = word.lower()
    shouted = _is_shouted(word)
    pieces: list[str] = []
    i = 0
    while i < len(lower):
        width = 2 if lower[i : i + 2] in table.sequences else 1
        if width == 2:
            latin = table.sequences[lower[i : i + 2]]
        elif lower[i] in table.drop:
            latin = ""
        elif i == 0 and lower[i] in table.initial:
            latin = table.initial[lower[i]]
        else:
            latin = table.letters.get(lower[i], word[i])
        if word[i].isupper() and not shouted:
            latin = latin.capitalize()
        pieces.append(latin)
        i += width
    result = "".join(pieces)
    return result.upper() if shouted else result


def _romanise(text: str, table: _Romanisation) -> str:
    """Romanise every word of ``text``; spaces, hyphens and digits pass through."""
    return _by_word(
        text,
        lambda word: _romanise_word(word, table),
        lambda gap: "".join(ch for ch in gap if ch not in table.drop),
    )


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
    return _romanise(text, _kmu2010())


def to_latin_icao(text: str) -> str:
    """Spell Russian Cyrillic in Latin letters under ICAO Doc 9303, as Russian passports do.

    Г is G, И and Й are I, Ю is IU, Я is IA, Ё is E, Ы is Y, Ъ is IE, and the soft sign is
    dropped. Capitalisation is kept.

    Args:
        text: a name or phrase in Russian Cyrillic.

    Returns:
        The Latin spelling, e.g. ``"Grigorii"`` for ``"Григорий"``.
    """
    return _romanise(text, _icao9303())


# ---------------------------------------------------------------------------------------
# Given names and patronymics
# ---------------------------------------------------------------------------------------


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


def uk_to_ru_given(name: str) -> str | None:
    """The Russian form of a Ukrainian given name (Олександр -> Александр), or None."""
    return _equivalents().given_uk_to_ru.get(_key(name))


def ru_to_uk_given(name: str) -> str | None:
    """The Ukrainian form of a Russian given name (Николай -> Микола), or None.

    ``ё`` may be written as ``е`` (Семен finds Семён's equivalent).
    """
    return _equivalents().given_ru_to_uk.get(_key(name))


def uk_to_ru_patronymic(patronymic: str) -> str | None:
    """The Russian form of a Ukrainian patronymic (Миколайович -> Николаевич), or None.

    Only patronymics formed from a name in the given-name table are known.
    """
    return _equivalents().patronymic_uk_to_ru.get(_key(patronymic))


def ru_to_uk_patronymic(patronymic: str) -> str | None:
    """The Ukrainian form of a Russian patronymic (Алексеевич -> Олексійович), or None.

    Only patronymics formed from a name in the given-name table are known.
    """
    return _equivalents().patronymic_ru_to_uk.get(_key(patronymic))


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
    irregular = _irregular_patronymics()[lang].get(_key(name))
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


# ---------------------------------------------------------------------------------------
# Respelling surnames between the two orthographies
# ---------------------------------------------------------------------------------------


def respell_uk_as_ru(surname: str) -> str:
    """Write a Ukrainian surname the way Russian officials spell it.

    і and ї become и, є becomes е, ґ becomes г; ій before a consonant or at the end becomes
    ей (Олійник -> Олейник); the adjectival ending -ий becomes -ый except after к г х and
    hushing consonants; -ський/-ська become -ский/-ская; a final -ць loses its soft sign
    (Швець -> Швец); ьо becomes ё (Корольов -> Королёв); the apostrophe becomes ь, or ъ after
    a prefix (Об'єдков -> Объедков). A Ukrainian и stays и (Мельник, Гриценко) unless the
    word starts with a stem listed in ``data/respelling.toml`` where it stands for ы
    (Лисенко -> Лысенко).

    Args:
        surname: a surname, or several words, in Ukrainian Cyrillic.

    Returns:
        The Russian spelling, capitalised like the input.
    """
    return _by_word(surname, lambda word: _recase(word, _uk_word_as_ru(_fold(word))), str)


def respell_ru_as_uk(surname: str) -> str:
    """Write a Russian surname the way Ukrainian officials spell it.

    и becomes і (ї after a vowel or soft sign; и after ж ч ш щ ц and in the ending -ий),
    ы becomes и, э becomes е; е becomes є at the start, after a vowel or a sign, and in the
    surname suffix -ев/-еев after a soft consonant (Алексеев -> Алексєєв, Лебедев ->
    Лебедєв); ё becomes йо, ьо, о after ж ч ш щ ц, or е after a labial (Королёв ->
    Корольов, Пугачёв -> Пугачов, Семёнов -> Семенов); ь before a vowel becomes an
    apostrophe after labials, р and к г х (Григорьев -> Григор'єв); ъ becomes an apostrophe;
    -ский/-ская become -ський/-ська.

    Args:
        surname: a surname, or several words, in Russian Cyrillic.

    Returns:
        The Ukrainian spelling, capitalised like the input.
    """
    return _by_word(surname, lambda word: _recase(word, _ru_word_as_uk(_fold(word))), str)


def _uk_word_as_ru(word: str) -> str:
    """Respell one lower-case Ukrainian word (ASCII apostrophes) in Russian orthography."""
    rules = _respelling_rules()
    root = _longest_stem(word, rules.uk_to_ru_roots)
    out = [rules.uk_to_ru_roots[root]] if root else []
    out.extend(_uk_letter_as_ru(word, i, rules) for i in range(len(root), len(word)))
    return "".join(out)


def _uk_letter_as_ru(word: str, i: int, rules: _RespellingRules) -> str:
    """The Russian spelling of ``word[i]``, a letter of a lower-case Ukrainian word."""
    ch = word[i]
    prev = word[i - 1] if i else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if ch == "і":
        after = word[i + 2 : i + 3]
        return "е" if nxt == "й" and (not after or after in _CONSONANTS) else "и"
    if ch in "їєґ":
        return {"ї": "и", "є": "е", "ґ": "г"}[ch]
    if ch == "'":
        return "ъ" if word[:i] in rules.hard_sign_prefixes else "ь"
    if ch == "и" and word[i:] == "ий":
        return "и" if prev in _VELARS or prev in _HUSHING else "ы"
    if ch == "ь":
        if nxt == "о" or (prev == "ц" and not nxt):
            return ""
        adjectival = nxt == "к" and word[i + 2 :] in _UK_ADJECTIVE_ENDINGS
        return "" if prev in _BEFORE_ADJECTIVAL_K and adjectival else ch
    if ch == "й" and nxt == "о" and prev in _CONSONANTS:
        return "ь"
    if ch == "о" and (prev == "ь" or (prev == "й" and word[i - 2 : i - 1] in _CONSONANTS)):
        return "ё"
    if ch == "а" and not nxt and word.endswith(("ська", "цька", "зька")):
        return "ая"
    return ch


def _ru_word_as_uk(word: str) -> str:
    """Respell one lower-case Russian word in Ukrainian orthography."""
    roots = _respelling_rules().ru_to_uk_roots
    root = _longest_stem(word, roots)
    out = [roots[root]] if root else []
    out.extend(_ru_letter_as_uk(word, i) for i in range(len(root), len(word)))
    return "".join(out)


def _ru_letter_as_uk(word: str, i: int) -> str:
    """The Ukrainian spelling of ``word[i]``, a letter of a lower-case Russian word."""
    ch = word[i]
    prev = word[i - 1] if i else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if ch == "и":
        if word[i:] == "ий" or prev in _HUSHING:
            return "и"
        return "ї" if prev in _VOWELS or prev in _SIGNS else "і"
    if ch in "ыэъ":
        return {"ы": "и", "э": "е", "ъ": "'"}[ch]
    if ch == "е":
        return "є" if _ru_e_is_iotated(word, i, prev) else "е"
    if ch == "ё":
        return _ru_yo_as_uk(prev)
    if ch == "ь":
        return _ru_soft_sign_as_uk(prev, nxt)
    if ch in _BEFORE_ADJECTIVAL_K and nxt == "к" and word[i + 2 :] in _RU_ADJECTIVE_ENDINGS:
        return ch + "ь"
    if ch == "я" and not nxt and prev in ("а", "я"):
        return ""
    return ch


def _ru_e_is_iotated(word: str, i: int, prev: str) -> bool:
    """Whether a Russian е is written є in Ukrainian (start, after a vowel or sign, -ев)."""
    if not prev or prev in _VOWELS or prev in _SIGNS:
        return True
    return word[i:] in ("ев", "ева", "еев", "еева") and prev not in _HUSHING


def _ru_yo_as_uk(prev: str) -> str:
    """The Ukrainian spelling of a Russian ё that follows ``prev``."""
    if not prev or prev in _VOWELS or prev in _SIGNS:
        return "йо"
    if prev in _HUSHING:
        return "о"
    return "е" if prev in _LABIALS else "ьо"


def _ru_soft_sign_as_uk(prev: str, nxt: str) -> str:
    """The Ukrainian spelling of a Russian ь between ``prev`` and ``nxt``."""
    if nxt == "ё" or (not nxt and prev == "р"):
        return ""
    if nxt in _SOFTENED_VOWELS and prev in _APOSTROPHE_BEFORE:
        return "'"
    return "ь"
