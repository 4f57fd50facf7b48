"""Respell a surname from Ukrainian orthography into Russian, and back.

A surname has no dictionary partner the way a given name has: officials respell it letter
by letter (Лисенко -> Лысенко, Нікітін <- Никитин), and female forms follow
(Ковальська <-> Ковальская, Іванова <-> Иванова). The letter rules live here; what a rule
cannot know (stems whose и is a Russian ы, prefixes that take a hard sign) is in
``data/respelling.toml``, which cites its sources.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from parley.matching.tables import read_table, string_list, string_map
from parley.matching.words import by_word, fold, recase

__all__ = ["respell_ru_as_uk", "respell_uk_as_ru"]

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
# A female adjectival surname: -ська -цька -зька, or -на after a consonant (Заболотна,
# Чорна, Пшенична); Russian ends them in -ая. Possessive -ова -іна and nouns keep -а.
_UK_FEMALE_ADJECTIVE = re.compile(r"(?:[сцз]ька|[бвгджзклмнпрстфхцчшщ]на)$")


@dataclass(frozen=True, slots=True)
class _RespellingRules:
    """What respelling cannot derive letter by letter (see ``data/respelling.toml``)."""

    uk_to_ru_roots: Mapping[str, str]
    ru_to_uk_roots: Mapping[str, str]
    hard_sign_prefixes: frozenset[str]


@functools.cache
def _respelling_rules() -> _RespellingRules:
    """The exceptions to the letter-by-letter respelling rules."""
    raw = read_table("respelling.toml")
    uk_to_ru, ru_to_uk = raw.get("uk_to_ru", {}), raw.get("ru_to_uk", {})
    prefixes = string_list(uk_to_ru.get("hard_sign_prefixes", []), "hard_sign_prefixes")
    roots = {**uk_to_ru.get("roots", {}), **ru_to_uk.get("roots", {})}
    if any(len(stem) > _LONGEST_ROOT for stem in roots):
        raise ValueError(f"respelling.toml: a root is longer than {_LONGEST_ROOT} letters")
    return _RespellingRules(
        uk_to_ru_roots=MappingProxyType(string_map(uk_to_ru.get("roots", {}), "uk_to_ru.roots")),
        ru_to_uk_roots=MappingProxyType(string_map(ru_to_uk.get("roots", {}), "ru_to_uk.roots")),
        hard_sign_prefixes=frozenset(prefixes),
    )


_LONGEST_ROOT = 12  # no stem in data/respelling.toml is longer (checked on loading)


def _longest_stem(word: str, roots: Mapping[str, str]) -> str:
    """The longest key of ``roots`` that ``word`` starts with, or ``""``."""
    for length in range(min(len(word), _LONGEST_ROOT), 0, -1):
        if word[:length] in roots:
            return word[:length]
    return ""


def respell_uk_as_ru(surname: str) -> str:
    """Write a Ukrainian surname the way Russian officials spell it.

    і and ї become и, є becomes е, ґ becomes г; ій before a consonant or at the end becomes
    ей (Олійник -> Олейник); the adjectival ending -ий becomes -ый except after к г х and
    hushing consonants; -ський/-ська become -ский/-ская and a female -на after a consonant
    -ная (Заболотна -> Заболотная); a final -ць loses its soft sign
    (Швець -> Швец); ьо becomes ё (Корольов -> Королёв); the apostrophe becomes ь, or ъ after
    a prefix (Об'єдков -> Объедков). A Ukrainian и stays и (Мельник, Гриценко) unless the
    word starts with a stem listed in ``data/respelling.toml`` where it stands for ы
    (Лисенко -> Лысенко).

    Args:
        surname: a surname, or several words, in Ukrainian Cyrillic.

    Returns:
        The Russian spelling, capitalised like the input.
    """
    if surname.isalpha() and surname.islower():  # one folded word: no case to restore
        return _uk_word_as_ru(surname)
    return by_word(surname, lambda word: recase(word, _uk_word_as_ru(fold(word))), str)


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
    if surname.isalpha() and surname.islower():  # one folded word: no case to restore
        return _ru_word_as_uk(surname)
    return by_word(surname, lambda word: recase(word, _ru_word_as_uk(fold(word))), str)


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
    if ch == "а" and not nxt and _UK_FEMALE_ADJECTIVE.search(word):
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
