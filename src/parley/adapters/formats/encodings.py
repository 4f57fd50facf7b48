"""Telling the text encoding of a registry file from its first bytes.

Files come as UTF-8 (with or without a byte order mark) or from older systems in
Windows-1251 or KOI8-U. Both single-byte encodings decode any byte, so the choice is
made on the letters: the wrong one of the two turns common letters into rare ones.
"""

from __future__ import annotations

import codecs
import math
import tomllib
from functools import cache
from importlib.resources import files

from parley.errors import ImportProblem

__all__ = ["ENCODINGS", "detect_encoding", "normalise_encoding_name"]

ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "koi8-u": "koi8_u",
    "koi8u": "koi8_u",
    "koi8_u": "koi8_u",
}
SHOWN = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "cp1251": "Windows-1251",
    "koi8_u": "KOI8-U",
}


def normalise_encoding_name(name: str) -> str:
    """Map a user's encoding name to Python's, or raise ``KeyError``."""
    return ENCODINGS[name.strip().lower()]


MIN_LETTERS = 8  # below this, the two single-byte encodings cannot be told apart
MIN_MARGIN = 0.25  # mean log-frequency per letter; right and wrong differ by about 0.6
RARE = 1e-4


@cache
def _log_frequency() -> dict[str, float]:
    table = tomllib.loads((files("parley.adapters.formats") / "letters.toml").read_text("utf-8"))
    return {letter: math.log(share) for letter, share in table["frequency"].items()}


def _plausibility(text: str) -> tuple[float, int]:
    """Mean log-frequency of the Cyrillic letters in ``text``, and how many there are."""
    logs = _log_frequency()
    rare = math.log(RARE)
    letters = [ch for ch in text.lower() if "\u0400" <= ch <= "\u04ff"]
    if not letters:
        return 0.0, 0
    return sum(logs.get(ch, rare) for ch in letters) / len(letters), len(letters)


def _single_byte_guess(head: bytes) -> tuple[str, bool]:
    """The likelier of Windows-1251 and KOI8-U, and whether the evidence is clear.

    Each decoding is scored by how common its letters are; the wrong one maps common
    letters to rare ones. Letter case is not used: registries often write surnames in
    capitals.
    """
    cp, letters = _plausibility(head.decode("cp1251", errors="replace"))
    koi, _ = _plausibility(head.decode("koi8_u", errors="replace"))
    guess = "cp1251" if cp >= koi else "koi8_u"
    return guess, letters >= MIN_LETTERS and abs(cp - koi) >= MIN_MARGIN


def _valid_utf8_prefix(head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(head: bytes) -> tuple[str, bool]:
    """The Python codec name for a file that starts with ``head``, and whether it is sure.

    UTF-8 is sure when the bytes decode; between Windows-1251 and KOI8-U only when the
    letters clearly favour one (see ``_single_byte_guess``).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if _valid_utf8_prefix(head):
        return "utf-8", True
    return _single_byte_guess(head)


def check_declared(head: bytes, codec: str) -> ImportProblem | None:
    """A problem if ``head`` cannot be text in the declared ``codec``, else ``None``."""
    if codec.startswith("utf-8"):
        if _valid_utf8_prefix(head):
            return None
        guess = detect_encoding(head)[0]
        return ImportProblem(
            None,
            None,
            f"is not valid {SHOWN[codec]} as declared (it looks like {SHOWN[guess]}; "
            "declare that encoding, or leave --encoding out to detect it)",
        )
    if _valid_utf8_prefix(head) and any(b >= 0x80 for b in head):
        return ImportProblem(
            None,
            None,
            f"looks like UTF-8, not {SHOWN[codec]} as declared (leave --encoding out to detect it)",
        )
    guess, clear = _single_byte_guess(head)
    if clear and guess != codec:
        return ImportProblem(
            None,
            None,
            f"looks like {SHOWN[guess]}, not {SHOWN[codec]} as declared: its names would read "
            "as nonsense (declare that encoding, or leave --encoding out to detect it)",
        )
    return None
