"""Everything a comparison reads from one record, derived once per record.

Deriving name forms, place keys and cleaned identity numbers is the costly part of a
comparison; a record is compared with many others, so it is prepared once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parley.domain.dates import PartialDate
from parley.matching.forms import NameForms, PersonForms, derive_forms
from parley.matching.normalisation import as_latin_lookalikes, normalise
from parley.matching.places import place_key
from parley.matching.results import Record

__all__ = ["Features", "date_number", "name_number", "named", "prepare"]

_NOT_ALNUM = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"(?<![^\W\d_])([^\W\d_]?)(\d+)")


@dataclass(frozen=True, slots=True)
class Features:
    """A record made ready to compare.

    Attributes:
        record: the record as given.
        forms: its name forms.
        names: the given name's, family name's and patronymic's forms as small numbers
            (see ``name_number``; 0 for a missing patronymic), which compare and hash
            faster than the forms themselves.
        birth: its date of birth, None when unknown.
        born: the date as ``YYYYMMDD`` with 00 for an unknown month or day; 0 when
            unknown.
        sex: ``M``, ``F`` or empty.
        place: the key of its place of birth (``parley.matching.places``); empty when
            unknown.
        unit: the unit's number(s) (see ``_unit_key``); empty when unknown.
        service_number: letters and digits, upper case, look-alike Cyrillic letters in
            Latin; empty when unknown.
        document_number: likewise.
    """

    record: Record
    forms: PersonForms
    names: tuple[int, int, int]
    birth: PartialDate | None
    born: int
    sex: str
    place: str
    unit: str
    service_number: str
    document_number: str


_NUMBERS: dict[NameForms, int] = {}
_BY_IDENTITY: dict[int, int] = {}  # id() of a forms object kept alive in _FORMS
_FORMS: list[NameForms] = []


def name_number(forms: NameForms) -> int:
    """A number standing for ``forms`` in this process, from 1; equal forms, equal numbers.

    Forms come from a cache, so the same object recurs: it is looked up by identity
    first, which is cheaper than hashing its fields.
    """
    number = _BY_IDENTITY.get(id(forms))
    if number is not None and _FORMS[number - 1] is forms:
        return number
    number = _NUMBERS.get(forms)
    if number is None:
        _FORMS.append(forms)
        number = _NUMBERS[forms] = len(_FORMS)
    if _FORMS[number - 1] is forms:
        _BY_IDENTITY[id(forms)] = number
    return number


def named(number: int) -> NameForms:
    """The forms ``name_number`` gave ``number``."""
    return _FORMS[number - 1]


def date_number(date: PartialDate | None) -> int:
    """A date of birth as ``YYYYMMDD``, 00 for an unknown month or day; 0 when unknown."""
    if date is None:
        return 0
    return date.year * 10000 + (date.month or 0) * 100 + (date.day or 0)


def _identifier(text: str) -> str:
    """An identity number upper case, look-alike Cyrillic letters in Latin, separators gone."""
    return as_latin_lookalikes(_NOT_ALNUM.sub("", text).upper())


def _unit_key(text: str) -> str:
    """A unit's number with a letter written onto it (``в/ч А1234`` -> ``A1234``).

    Both languages write the number alike (53 окрема бригада, 53-я отдельная бригада);
    a letter joined to the number is part of it and is folded like an identity number.
    A unit written without a number is keyed by its letters.
    """
    numbers = [
        as_latin_lookalikes(f"{letter}{digits}".upper()) for letter, digits in _NUMBER.findall(text)
    ]
    return "-".join(numbers) if numbers else _NOT_ALNUM.sub("", normalise(text))


def prepare(record: Record) -> Features:
    """Derive a record's features.

    Raises:
        ValueError: the record's family or given name has no letter; the message names
            the record id.
    """
    try:
        forms = derive_forms(
            record.family_name, record.given_name, record.patronymic or None, record.name_lang
        )
    except ValueError as error:
        raise ValueError(f"record {record.record_id}: {error}") from error
    patronymic = forms.patronymic
    return Features(
        record=record,
        forms=forms,
        names=(
            name_number(forms.given),
            name_number(forms.family),
            name_number(patronymic) if patronymic is not None else 0,
        ),
        birth=record.birth_date,
        born=date_number(record.birth_date),
        sex=record.sex.strip().upper()[:1],
        place=place_key(record.birth_place) if record.birth_place.strip() else "",
        unit=_unit_key(record.unit),
        service_number=_identifier(record.service_number),
        document_number=_identifier(record.document_number),
    )
