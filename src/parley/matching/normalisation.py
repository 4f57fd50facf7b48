"""Bring a name as typed to one canonical spelling: the ``original`` form matching starts from.

Typists mix scripts without seeing it (a Latin I in Іван, a Latin K in Ковальчук), write
the Ukrainian apostrophe five ways, and leave Unicode in composed or decomposed form. This
module repairs all of that and case-folds, and nothing more: it never changes a letter
that was really meant.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from parley.matching.tables import read_table, string_map
from parley.matching.words import APOSTROPHES, unify_apostrophes

__all__ = ["Script", "as_latin_lookalikes", "normalise", "repair_lookalikes", "script_of"]

Script = Literal["cyrillic", "latin", "other"]

_SPACES = re.compile(r"\s+")
# A word for look-alike repair: letters joined by runs of apostrophes (a hard sign read as
# an apostrophe may stand next to one), so that repairing twice splits it the same way.
_WORD = re.compile(rf"[^\W\d_]+(?:[{APOSTROPHES}]+[^\W\d_]+)*")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_UKRAINIAN_ONLY = frozenset("іїєґ")


@dataclass(frozen=True, slots=True)
class _Lookalikes:
    """Letters that look alike across the two scripts, each way."""

    to_cyrillic: Mapping[str, str]
    to_latin: Mapping[str, str]


@functools.cache
def _lookalikes() -> _Lookalikes:
    """The look-alike table (``data/lookalikes.toml``)."""
    raw = read_table("lookalikes.toml")
    return _Lookalikes(
        to_cyrillic=MappingProxyType(string_map(raw.get("latin_to_cyrillic"), "latin_to_cyrillic")),
        to_latin=MappingProxyType(string_map(raw.get("cyrillic_to_latin"), "cyrillic_to_latin")),
    )


@functools.cache
def _to_latin_table() -> dict[int, str]:
    return str.maketrans(dict(_lookalikes().to_latin))


def as_latin_lookalikes(text: str) -> str:
    """``text`` with every Cyrillic letter that looks like a Latin one written in Latin.

    For identity numbers, whose letters are typed in either script (АВ123456 and
    AB123456 are one passport number).
    """
    return text.translate(_to_latin_table())


def _is_cyrillic(ch: str) -> bool:
    """Whether ``ch`` is a letter of the Cyrillic block."""
    return "\u0400" <= ch <= "\u04ff"


def _has_lookalike(ch: str, table: Mapping[str, str]) -> bool:
    """Whether ``ch`` in either case has a look-alike, so that case folding changes nothing."""
    return ch in table or ch.upper() in table or ch.lower() in table


def _score(letters: list[str], table: Mapping[str, str]) -> tuple[int, int]:
    """Evidence for a script: letters with no look-alike, then letters in all."""
    return sum(not _has_lookalike(ch, table) for ch in letters), len(letters)


def _dominant(word: str, table: _Lookalikes) -> Script | None:
    """The script a mixed word is written in, or None when the letters do not tell.

    Letters with no look-alike count first (a Cyrillic л or Latin s settles it); then the
    number of letters of each script. The hard sign is left out: in a Ukrainian word it
    stands for an apostrophe.
    """
    cyrillic = [ch for ch in word if _is_cyrillic(ch) and ch not in "ъЪ"]
    latin = [ch for ch in word if _LATIN.match(ch)]
    cyr_score, lat_score = _score(cyrillic, table.to_latin), _score(latin, table.to_cyrillic)
    if cyr_score == lat_score:
        return None
    return "cyrillic" if cyr_score > lat_score else "latin"


def _repair_word(word: str, table: _Lookalikes) -> str:
    """Rewrite the minority script's look-alikes of one word in its dominant script."""
    if not (_CYRILLIC.search(word) and _LATIN.search(word)):
        return word
    script = _dominant(word, table)
    if script is None:
        return word
    swap = table.to_cyrillic if script == "cyrillic" else table.to_latin
    return "".join(swap.get(ch, ch) for ch in word)


def repair_lookalikes(text: str) -> str:
    """Replace letters typed in the wrong script by their look-alikes, word by word.

    A word mostly in Cyrillic gets Cyrillic letters for its Latin look-alikes (``Iван`` with
    a Latin I becomes ``Іван``, ``Kовальчук`` becomes ``Ковальчук``), and a Latin word the
    reverse. A word whose letters do not say which script it is in is left alone.
    """
    table = _lookalikes()
    return _WORD.sub(lambda match: _repair_word(match.group(), table), text)


def _hard_sign_as_apostrophe(word: str) -> str:
    """Read ъ in a Ukrainian word as the apostrophe it stands for (Об'єкт typed Объєкт)."""
    if "ъ" in word and not _UKRAINIAN_ONLY.isdisjoint(word):
        return word.replace("ъ", "'")
    return word


@functools.lru_cache(maxsize=1 << 16)  # a list repeats its names; the function is pure
def normalise(text: str) -> str:
    """The canonical spelling of a name: how every later form starts.

    NFC; look-alike letters repaired to each word's dominant script (see
    ``repair_lookalikes``); case-folded; every apostrophe style written ``'`` (a hard sign
    in a Ukrainian word too); dashes written ``-``; runs of spaces made one; trimmed.

    Args:
        text: a name part as typed.

    Returns:
        E.g. ``"іван"`` for ``"Iван"`` typed with a Latin I.
    """
    text = unicodedata.normalize("NFC", text)
    if _CYRILLIC.search(text) and _LATIN.search(text):
        text = repair_lookalikes(text)
    text = unify_apostrophes(text.casefold()).translate(_DASHES)
    if "ъ" in text:
        text = " ".join(_hard_sign_as_apostrophe(word) for word in text.split(" "))
    return _SPACES.sub(" ", text).strip()


def script_of(text: str) -> Script:
    """The script a (normalised) name is written in: any Cyrillic letter makes it Cyrillic."""
    if _CYRILLIC.search(text):
        return "cyrillic"
    if _LATIN.search(text):
        return "latin"
    return "other"
