"""The parties to an exchange: neutral codes and display names from configuration."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parley.errors import InvalidValue

__all__ = ["Party"]

_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class Party:
    """A side of the exchange, known by a short code (``UA``, ``RU``, ``A``...).

    parley takes no side: a party is only a code, a display name and the language
    its staff write in (``uk``, ``ru``, ``en``...).

    Raises:
        InvalidValue: the code is not 2-8 capital letters or digits, starting with a letter;
            the name is empty, longer than 200 characters or has an invisible character.
    """

    code: str
    name: str
    language: str = "und"

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidValue(
                "party",
                f"{self.code!r} is not a party code (expected 2-8 capital letters or digits)",
            )
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidValue(
                "party", f"party {self.code} needs a display name of 1-200 characters"
            )
        # A control or format character (NUL, a right-to-left override) shows as nothing,
        # or turns what follows around, in every list and printed manifest.
        hidden = [c for c in self.name if unicodedata.category(c) in ("Cc", "Cf")]
        if hidden:
            raise InvalidValue(
                "party",
                f"party {self.code}'s display name has an invisible character "
                f"(U+{ord(hidden[0]):04X}); use letters, digits, spaces and punctuation",
            )
        if not _LANGUAGE.match(self.language):
            raise InvalidValue(
                "party", f"{self.language!r} is not a language tag (expected e.g. uk, ru, en, und)"
            )
