"""Telling the text encoding of a registry file from its first bytes.

Files come as UTF-8 (with or without a byte order mark) or from older systems in
Windows-1251 or KOI8-U. Both single-byte encodings decode any byte, so the choice is
made on the letters: names are written with a capital initial and lower-case letters
after it, and the wrong one of the two turns that pattern upside down.
"""

from __future__ import annotations

import codecs

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


MIN_LETTERS = 20  # below this, the two single-byte encodings cannot be told apart


def _cyrillic_lower_share(text: str) -> tuple[float, int]:
    letters = [ch for ch in text if "\u0400" <= ch <= "\u04ff"]
    if not letters:
        return 0.0, 0
    return sum(ch.islower() for ch in letters) / len(letters), len(letters)


def _single_byte_guess(head: bytes) -> tuple[str, bool]:
    """The likelier of Windows-1251 and KOI8-U, and whether the evidence is clear."""
    cp, letters = _cyrillic_lower_share(head.decode("cp1251", errors="replace"))
    koi, _ = _cyrillic_lower_share(head.decode("koi8_u", errors="replace"))
    guess = "cp1251" if cp >= koi else "koi8_u"
    return guess, letters >= MIN_LETTERS and abs(cp - koi) >= 0.3


def _valid_utf8_prefix(head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(head: bytes) -> str:
    """Return the Python codec name for a file that starts with ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _valid_utf8_prefix(head):
        return "utf-8"
    return _single_byte_guess(head)[0]


def check_declared(head: bytes, codec: str) -> ImportProblem | None:
    """A problem if ``head`` cannot be text in the declared ``codec``, else ``None``."""
    if codec.startswith("utf-8"):
        if _valid_utf8_prefix(head):
            return None
        guess = detect_encoding(head)
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
