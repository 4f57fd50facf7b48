"""Field by field, how well two records agree: the comparison levels of the model.

Each field compares into a level: 0 is the strongest agreement, higher levels weaker, the
last one disagreement; ``MISSING`` means one side does not give the field, which counts
for nothing either way (a patronymic missing is not a different patronymic). The
probabilistic model (``parley.matching.scoring``) learns how often true pairs and chance
pairs reach each level. Levels are computed for many pairs, so the functions are small
and cached on the values they read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from parley.domain.dates import PartialDate
from parley.matching.features import Features, date_number, named
from parley.matching.forms import NameForms
from parley.matching.similarity import jaro_winkler

__all__ = [
    "FIELDS",
    "MISSING",
    "Field",
    "compare",
    "compare_dates",
    "compare_names",
]

MISSING = -1
SIMILAR_NAME = 0.88  # Jaro-Winkler on skeletons: one letter off in a name of six or more
ALIKE_NAME = 0.75


@dataclass(frozen=True, slots=True)
class Field:
    """A compared field and the names of its levels, strongest first."""

    name: str
    levels: tuple[str, ...]


NAME_LEVELS = ("exact", "equivalent", "same skeleton", "similar", "alike", "different")
FIELDS = (
    Field("given_name", NAME_LEVELS),
    Field("family_name", NAME_LEVELS),
    Field("patronymic", NAME_LEVELS),
    Field(
        "birth_date",
        (
            "exact",
            "day and month swapped",
            "one digit differs",
            "year one apart",
            "agree as far as known",
            "different",
        ),
    ),
    Field("sex", ("same", "different")),
    Field("birth_place", ("same", "similar", "different")),
    Field("unit", ("same", "different")),
    Field("service_number", ("exact", "one edit", "different")),
    Field("document_number", ("exact", "one edit", "different")),
)
NAME_EXACT, NAME_EQUIVALENT, NAME_SKELETON, NAME_SIMILAR, NAME_ALIKE, NAME_DIFFERENT = range(6)
DATE_EXACT, DATE_SWAPPED, DATE_TYPO, DATE_YEAR, DATE_PARTIAL, DATE_DIFFERENT = range(6)


@functools.lru_cache(maxsize=1 << 16)
def compare_names(a: NameForms, b: NameForms) -> int:
    """The level at which two name parts agree (see ``NAME_LEVELS``).

    exact: the same name, as written or once both are in one script (Лисенко and Лысенко
    and Lysenko); equivalent: the same name in the other language's form, through the
    dictionary (Олександр and Александр); same skeleton: spellings that fold together;
    similar and alike: one or two letters apart on the skeleton.
    """
    if a.original == b.original:
        return NAME_EXACT
    same_form = a.uk == b.uk or a.ru == b.ru or not a.latin.isdisjoint(b.latin)
    if same_form:
        dictionary = (a.in_dictionary or b.in_dictionary) and a.lang != b.lang
        return NAME_EQUIVALENT if dictionary else NAME_EXACT
    if not a.skeletons.isdisjoint(b.skeletons):
        return NAME_SKELETON
    best = max(jaro_winkler(x, y) for x in a.skeletons for y in b.skeletons)
    if best >= SIMILAR_NAME:
        return NAME_SIMILAR
    return NAME_ALIKE if best >= ALIKE_NAME else NAME_DIFFERENT


def _date_level(a: int, b: int) -> int:
    """``compare_dates`` on dates written as ``YYYYMMDD`` numbers (0 unknown; 00 parts)."""
    if not a or not b:
        return MISSING
    year_a, month_a, day_a = a // 10000, a // 100 % 100, a % 100
    year_b, month_b, day_b = b // 10000, b // 100 % 100, b % 100
    if day_a and day_b:
        if a == b:
            return DATE_EXACT
        if year_a == year_b and (day_a, month_a) == (month_b, day_b):
            return DATE_SWAPPED
        if abs(year_a - year_b) == 1 and a % 10000 == b % 10000:
            return DATE_YEAR  # before the typo test: 1999 for 1998 is one digit too
        if _one_digit_apart(a, b):
            return DATE_TYPO
        return DATE_DIFFERENT
    months_agree = not month_a or not month_b or month_a == month_b
    if year_a == year_b and months_agree:
        return DATE_PARTIAL
    if abs(year_a - year_b) == 1 and months_agree:
        return DATE_YEAR
    return DATE_DIFFERENT


# A change of one digit moves a YYYYMMDD number by k * 10**i with 0 < k < 10.
_ONE_DIGIT_STEPS = frozenset(k * 10**i for i in range(8) for k in range(1, 10))


def _one_digit_apart(a: int, b: int) -> bool:
    """Whether two ``YYYYMMDD`` numbers differ in exactly one digit."""
    if abs(a - b) not in _ONE_DIGIT_STEPS:
        return False
    return sum(x != y for x, y in zip(f"{a:08d}", f"{b:08d}", strict=True)) == 1


def compare_dates(a: PartialDate | None, b: PartialDate | None) -> int:
    """The level at which two dates of birth agree (see ``FIELDS``); MISSING without both.

    Full dates may be exact, have day and month swapped (03.07 for 07.03), differ in one
    digit, or be a year apart with the same day and month. A partial date (a year, or a
    year and month) agrees as far as it is known, or may be a year apart.
    """
    return _date_level(date_number(a), date_number(b))


def _same(a: str, b: str) -> int:
    if not a or not b:
        return MISSING
    return 0 if a == b else 1


def _place(a: str, b: str) -> int:
    if not a or not b:
        return MISSING
    if a == b:
        return 0
    return 1 if jaro_winkler(a, b) >= SIMILAR_NAME else 2


def _number(a: str, b: str) -> int:
    if not a or not b:
        return MISSING
    if a == b:
        return 0
    return 1 if _one_edit(a, b) else 2


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one changed, added or dropped character."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    for i, ch in enumerate(short):
        if ch != long[i]:
            return short[i:] == long[i + 1 :]
    return True


_NAME_LEVELS: dict[tuple[int, int], int] = {}


def _name_level(a: int, b: int) -> int:
    """``compare_names`` on name numbers (``parley.matching.features.name_number``)."""
    if not a or not b:
        return MISSING
    key = (a, b)
    level = _NAME_LEVELS.get(key)
    if level is None:
        level = _NAME_LEVELS[key] = compare_names(named(a), named(b))
    return level


def _name_levels(a: Features, b: Features, swapped: bool) -> tuple[int, int, int]:
    given, family, patronymic = a.names
    if swapped:
        given, family = family, given
    return (
        _name_level(given, b.names[0]),
        _name_level(family, b.names[1]),
        _name_level(patronymic, b.names[2]),
    )


def compare(a: Features, b: Features) -> tuple[tuple[int, ...], bool]:
    """The level of every field in ``FIELDS`` order, and whether ``a``'s names are swapped.

    A record with family and given name in each other's column is compared both ways
    round; the order in which the names agree better is kept.
    """
    given, family, patronymic = _name_levels(a, b, swapped=False)
    swapped = False
    if given + family >= 2 * NAME_SIMILAR:
        other = _name_levels(a, b, swapped=True)
        if other[0] + other[1] < given + family:
            (given, family, patronymic), swapped = other, True
    levels = (
        given,
        family,
        patronymic,
        _date_level(a.born, b.born),
        _same(a.sex, b.sex),
        _place(a.place, b.place),
        _same(a.unit, b.unit),
        _number(a.service_number, b.service_number),
        _number(a.document_number, b.document_number),
    )
    return levels, swapped
