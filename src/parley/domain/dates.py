"""Dates that may be known only in part (a year, or a year and a month)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, total_ordering

from parley.errors import InvalidValue

__all__ = ["PartialDate", "parse_full_date"]

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOTTED = re.compile(r"^(?:(\d{1,2})\.)?(\d{1,2})\.(\d{4})$")
EXPECTED = "expected YYYY-MM-DD, YYYY-MM, YYYY, DD.MM.YYYY or MM.YYYY"


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of which only the year, or the year and month, may be known.

    Capture cards and family reports often give "born 1999" or "born March 1987";
    such a date must neither be invented nor thrown away.

    Raises:
        InvalidValue: the parts do not form a possible date (month 13, 31 February).
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1850 <= self.year <= 2200:
            raise InvalidValue("date", f"year {self.year} is out of range")
        if self.month is None and self.day is not None:
            raise InvalidValue("date", "a day without a month is not a date")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InvalidValue("date", f"month {self.month} does not exist")
        if self.day is not None and self.month is not None:
            last = _days_in_month(self.year, self.month)
            if not 1 <= self.day <= last:
                raise InvalidValue(
                    "date", f"day {self.day} does not exist in {self.year}-{self.month:02d}"
                )

    def __lt__(self, other: object) -> bool:
        """Order by year, month, day; a missing part sorts before any known one.

        So ``1999`` < ``1999-01`` < ``1999-01-01`` < ``1999-02``.
        """
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()

    def _key(self) -> tuple[int, int, int]:
        return self.year, self.month or 0, self.day or 0

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``: how much of the date is known."""
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    @property
    def earliest(self) -> date:
        """The first day the date can stand for."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """The last day the date can stand for."""
        month = self.month or 12
        day = self.day or _days_in_month(self.year, month)
        return date(self.year, month, day)

    def isoformat(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def __str__(self) -> str:
        return self.isoformat()

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ISO (``1999``, ``1999-03``, ``1999-03-14``) or dotted (``14.03.1999``, ``03.1999``).

        Raises:
            InvalidValue: the text is not a date in one of those forms.
        """
        return _parse_partial(text)

    @classmethod
    def _parse(cls, text: str) -> PartialDate:
        value = text.strip()
        iso = _ISO.match(value)
        if iso:
            year, month, day = iso.groups()
            return cls._build(text, int(year), month, day)
        dotted = _DOTTED.match(value)
        if dotted:
            day, month, year = dotted.groups()
            return cls._build(text, int(year), month, day)
        raise InvalidValue("date", f"{text!r} is not a date ({EXPECTED})")

    @classmethod
    def _build(cls, text: str, year: int, month: str | None, day: str | None) -> PartialDate:
        try:
            return cls(year, int(month) if month else None, int(day) if day else None)
        except InvalidValue as e:
            raise InvalidValue("date", f"{text!r} is not a date: {e.message}") from e

    def age_on(self, on: date) -> tuple[int, int]:
        """The youngest and oldest age in whole years the person can have on ``on``."""
        return _age(self.latest, on), _age(self.earliest, on)


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS[month - 1]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# A registry repeats dates (a day of birth, a day of capture) many times over; the
# parsed values are immutable, so each distinct text is parsed once per process.
_CACHE = 1 << 16


@lru_cache(maxsize=_CACHE)
def _parse_partial(text: str) -> PartialDate:
    return PartialDate._parse(text)


@lru_cache(maxsize=_CACHE)
def parse_full_date(text: str) -> date:
    """Read a full date, ISO or ``DD.MM.YYYY``.

    Raises:
        InvalidValue: the text is not a full date.
    """
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:  # the common case, read by the standard library in C
            return date.fromisoformat(text)
        except ValueError:
            pass  # fall through for the message that names what is wrong
    partial = PartialDate.parse(text)
    if partial.precision != "day":
        raise InvalidValue(
            "date", f"{text!r} is not a full date (expected YYYY-MM-DD or DD.MM.YYYY)"
        )
    return partial.earliest
