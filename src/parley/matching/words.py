"""Words, case and apostrophes: the text handling every spelling module shares.

A name may be several words (Лебедева-Петрова, Анна Марія); each is converted on its own
and the separators are kept. Officials type the Ukrainian apostrophe in five ways (' ’ ʼ ‘
and the backtick); the converters read them all as ``'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "APOSTROPHES",
    "WORD",
    "by_word",
    "fold",
    "is_shouted",
    "lookup_key",
    "recase",
    "unify_apostrophes",
]

# The ASCII apostrophe first; then right and left single quotes, the modifier letter
# apostrophe (U+02BC, Ukraine's recommended one), the backtick, and the primes that
# romanisations use for the soft sign (U+02B9, U+2032).
APOSTROPHES = "'’ʼ‘`ʹ′"
_TO_ASCII_APOSTROPHE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
# A word: letters, possibly joined by apostrophes (Знам'янка is one word, Лук'ян too).
WORD = re.compile(r"[^\W\d_]+(?:['’ʼ‘`ʹ′][^\W\d_]+)*")


def unify_apostrophes(text: str) -> str:
    """``text`` with every apostrophe style written as the ASCII ``'``."""
    return text.translate(_TO_ASCII_APOSTROPHE)


def fold(word: str) -> str:
    """Lower case with one kind of apostrophe: the form the respelling rules read."""
    return unify_apostrophes(word.lower())


def lookup_key(name: str) -> str:
    """A dictionary look-up key: trimmed, folded (see ``fold``), ё read as е."""
    return fold(name.strip()).replace("ё", "е")


def is_shouted(word: str) -> bool:
    """Whether a word is written in capitals throughout (ЩЕРБУХИ), as passports print."""
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def recase(original: str, converted: str) -> str:
    """Give ``converted`` (lower case) the capitalisation of ``original``."""
    if is_shouted(original):
        return converted.upper()
    if original[:1].isupper():
        return converted[:1].upper() + converted[1:]
    return converted


def by_word(text: str, convert: Callable[[str], str], between: Callable[[str], str]) -> str:
    """Apply ``convert`` to each word of ``text`` and ``between`` to what separates them."""
    out: list[str] = []
    pos = 0
    for match in WORD.finditer(text):
        out.append(between(text[pos : match.start()]))
        out.append(convert(match.group()))
        pos = match.end()
    out.append(between(text[pos:]))
    return "".join(out)
