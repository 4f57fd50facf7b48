"""A person's identity as the Geneva Conventions record it.

GC III Art. 17 asks a prisoner only for surname, first names, rank, date of birth and
service number; the capture card (Art. 70, Annex IV B) and the National Information
Bureau record (Art. 122) add father's first name, place of birth, home Power and mother's
maiden name. Names are kept exactly in the script they were written in, with a tag for
the language of that spelling, because the other side writes the same person in another
script and matching (``parley.matching``) must see the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from parley.domain.dates import PartialDate
from parley.errors import InvalidValue

__all__ = [
    "Identity",
    "NameLanguage",
    "Sex",
    "check_capture_after_birth",
    "check_name",
    "check_record_id",
    "guess_name_language",
]


class Sex(StrEnum):
    """Sex as the documents record it; ``unknown`` when the source does not say."""

    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


class NameLanguage(StrEnum):
    """The language of a name's spelling (BCP 47 primary tags)."""

    UKRAINIAN = "uk"
    RUSSIAN = "ru"
    LATIN = "en"
    UNDETERMINED = "und"


_UK_LETTER = re.compile("[іїєґІЇЄҐ]")
_RU_LETTER = re.compile("[ыэъёЫЭЪЁ]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_NAME_PUNCTUATION = frozenset(" -'’ʼ.")
MAX_NAME = 100
# Letters (\w without digits and underscore), then letters and name punctuation.
_PLAIN_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ \-'’ʼ.])*\Z")
# A word with a Latin letter and a Cyrillic letter in it (words end at name punctuation).
_LATIN, _CYRILLIC = "A-Za-z\u00c0-\u024f", "\u0400-\u04ff"
_MIXED_WORD = re.compile(
    rf"[{_LATIN}][^\s\-'’ʼ.{_CYRILLIC}]*[{_CYRILLIC}]|[{_CYRILLIC}][^\s\-'’ʼ.{_LATIN}]*[{_LATIN}]"
)


@lru_cache(maxsize=1 << 16)  # names repeat across a registry; the check is pure
def check_name(field: str, value: str) -> str:
    """Return ``value`` in NFC if it can be a person's name, else raise.

    A name is letters of any script, with spaces, hyphens, apostrophes and dots between
    them. Digits and symbols are refused: they are typing errors, or a spreadsheet formula
    (``=HYPERLINK(...)``) that must never reach another office's spreadsheet.

    Raises:
        InvalidValue: the name is empty, too long, has a character a name cannot have, or
            mixes Latin and Cyrillic letters in one word (a look-alike spelling).
    """
    text = value.strip()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _PLAIN_NAME.match(text) and len(text) <= MAX_NAME:
        if _MIXED_WORD.search(text):
            # Pеtrenko with a Cyrillic е: it reads as a Latin name but matches no other
            # spelling of it, and is how a look-alike record would hide.
            raise InvalidValue(field, "mixes Latin and Cyrillic letters in one word")
        return text  # the common case, decided by regular expressions
    if not text:
        raise InvalidValue(field, "is empty (a name is required)")
    if len(text) > MAX_NAME:
        raise InvalidValue(field, f"is {len(text)} characters long (at most {MAX_NAME})")
    for ch in text:
        if ch.isalpha() or ch in _NAME_PUNCTUATION or unicodedata.category(ch) == "Mn":
            continue
        shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
        raise InvalidValue(
            field, f"has {shown!r}, which a name cannot contain (expected letters, spaces, - ' .)"
        )
    if not text[0].isalpha():
        raise InvalidValue(field, "must begin with a letter")
    return text


def guess_name_language(*names: str) -> NameLanguage:
    """Tell the language of a spelling from its letters, when no tag was given.

    Letters only Ukrainian uses (і ї є ґ) mean ``uk``; letters only Russian uses
    (ы э ъ ё) mean ``ru``; Latin letters mean a transliteration (``en``); Cyrillic with
    neither is undetermined.
    """
    text = "".join(names)
    if _UK_LETTER.search(text):
        return NameLanguage.UKRAINIAN
    if _RU_LETTER.search(text):
        return NameLanguage.RUSSIAN
    if _LATIN_LETTER.search(text):
        return NameLanguage.LATIN
    return NameLanguage.UNDETERMINED


_RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")


def check_record_id(value: str) -> str:
    """Return ``value`` if it can be a record id (1-64 of ``A-Z a-z 0-9 . _ : / -``).

    Raises:
        InvalidValue: it cannot.
    """
    text = value.strip()
    if not text:
        raise InvalidValue("record_id", "is empty (every row needs a record_id)")
    if not _RECORD_ID.match(text):
        raise InvalidValue(
            "record_id",
            f"{text[:70]!r} is not a record id (expected 1-64 letters, digits, . _ : / -)",
        )
    return text


def check_capture_after_birth(identity: Identity, captured_on: date | None) -> None:
    """Refuse a capture date before the person can have been born.

    Raises:
        InvalidValue: it is, naming both dates.
    """
    birth = identity.birth_date
    if birth and captured_on and captured_on < birth.earliest:
        raise InvalidValue(
            "captured_on", f"{captured_on.isoformat()} is before the date of birth ({birth})"
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a person is, as written by whoever wrote the record.

    Only family name and given name are required: GC III Art. 17 obliges a prisoner to
    give little, and families often know less.
    """

    family_name: str
    given_name: str
    patronymic: str | None = None
    name_lang: NameLanguage = NameLanguage.UNDETERMINED
    sex: Sex = Sex.UNKNOWN
    birth_date: PartialDate | None = None
    birth_place: str | None = None
    nationality: str | None = None
    mother_maiden_name: str | None = None
    rank: str | None = None
    service_number: str | None = None
    unit: str | None = None
    document_number: str | None = None

    def __post_init__(self) -> None:
        check_name("family_name", self.family_name)
        check_name("given_name", self.given_name)
        if self.patronymic is not None:
            check_name("patronymic", self.patronymic)
        if self.mother_maiden_name is not None:
            check_name("mother_maiden_name", self.mother_maiden_name)
        if self.nationality is not None and not re.fullmatch(r"[A-Z]{2,3}", self.nationality):
            raise InvalidValue(
                "nationality",
                f"{self.nationality!r} is not a country code (expected ISO 3166 alpha-2 or -3)",
            )
