"""The skeleton: a folded key on which the spellings of one name coincide.

Hryhorii, Grigorii, Grigoriy, Grigorij, Григорій and Григорий all give ``hrihori``;
Lysenko, Lisenko, Лисенко and Лысенко all give ``lisenko``. The key collapses what the
romanisation schemes and the two orthographies disagree on: h g kh x (Г Х), y i j ii iy yi
(И І Ы Й Ї), ye ie e (Е Є), yo io o, ts tz tc cz c (Ц), shch sch shh (Щ), doubled letters,
soft signs and apostrophes. It keeps what tells names apart (Коваленко and Коваль, Олена
and Ольга stay apart). Dictionary pairs such as Олексій / Алексей do not share a skeleton;
``parley.matching.forms`` collects the skeletons of every form of a name for that.

The Latin letter groups are in ``data/skeleton.toml``; Cyrillic is first romanised under
ICAO Doc 9303, whose spellings fold like all the others.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from parley.matching.normalisation import script_of
from parley.matching.romanisation import romanise_lower
from parley.matching.tables import read_table, string_map
from parley.matching.words import unify_apostrophes

__all__ = ["skeleton", "word_skeletons"]

_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_RUNS = re.compile(r"(.)\1+")
_I_BEFORE_E_O = re.compile(r"i(?=[eo])")
_FEMALE_ADJECTIVAL = re.compile(r"(?<=[^aeiou])aia$")


@functools.cache
def _sequences() -> tuple[re.Pattern[str], Mapping[str, str]]:
    """The letter-group pattern (longest first) and what each group folds to."""
    table = string_map(read_table("skeleton.toml").get("sequences"), "skeleton.toml sequences")
    pattern = re.compile("|".join(re.escape(key) for key in sorted(table, key=len, reverse=True)))
    return pattern, MappingProxyType(table)


def _strip_marks(text: str) -> str:
    """``text`` without diacritics (ë -> e, é -> e); ASCII passes untouched."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_word(word: str) -> str:
    """The skeleton of one lower-case Latin word (apostrophes and marks allowed)."""
    letters = _NOT_LETTER.sub("", _strip_marks(word))
    pattern, table = _sequences()
    tokens = pattern.sub(lambda match: table[match.group()], letters)
    tokens = _I_BEFORE_E_O.sub("", _RUNS.sub(r"\1", tokens))
    tokens = _RUNS.sub(r"\1", tokens)
    return _FEMALE_ADJECTIVAL.sub("a", tokens)


def _latin_word(word: str) -> str:
    """One lower-case word in Latin letters: Cyrillic romanised under ICAO Doc 9303."""
    return romanise_lower(word, "icao9303") if script_of(word) == "cyrillic" else word


@functools.lru_cache(maxsize=1 << 16)
def word_skeletons(text: str) -> tuple[str, ...]:
    """The skeleton of each word of ``text``, in order.

    A word whose letters all fold away (a lone soft sign) keeps its letters, so that any
    word with a letter has a non-empty skeleton.
    """
    lower = unicodedata.normalize("NFC", unify_apostrophes(text.casefold()))
    found: list[str] = []
    for match in _WORDS.finditer(lower):
        word = match.group()
        folded = _fold_word(_latin_word(word))
        found.append(folded or _NOT_LETTER.sub("", word))
    return tuple(found)


def skeleton(text: str) -> str:
    """The skeleton of a name: its words' skeletons joined (see ``word_skeletons``).

    Args:
        text: a name part in any script and case, e.g. ``"Hryhorii"`` or ``"Григорий"``.

    Returns:
        The folded key, e.g. ``"hrihori"``; empty only when ``text`` has no letters.
    """
    return "".join(word_skeletons(text))
