"""The column schema of holdings and requests files, and reading a row into the domain.

Every cell is checked and every problem collected, so that a party's staff fix a file
in one pass. ``docs/formats.md`` documents the same schema; a test keeps them in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache, partial
from typing import Any, TypeVar

from parley.domain.dates import PartialDate, parse_full_date
from parley.domain.holdings import Health, Holding, HoldingCategory, SeriousIllnessBasis
from parley.domain.people import (
    MAX_NAME,
    Identity,
    NameLanguage,
    Sex,
    check_name,
    check_record_id,
    guess_name_language,
)
from parley.domain.requests import Priority, Request, RequestSource
from parley.errors import ImportProblem, InvalidValue

__all__ = ["HOLDINGS", "REQUESTS", "TEXT_LIMITS", "RecordSchema", "format_cell", "schema_for"]

E = TypeVar("E", bound=StrEnum)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_TEXT = 200
FORMULA_ESCAPED = ("'=", "'+", "'-", "'@")
IDENTITY_COLUMNS = (
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "name_lang",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "mother_maiden_name",
    "category",
    "rank",
    "service_number",
    "unit",
    "document_number",
    "captured_on",
    "capture_place",
)
# Free-text columns and their longest value, in characters.
TEXT_LIMITS = {
    "birth_place": MAX_TEXT,
    "rank": 100,
    "service_number": 50,
    "unit": MAX_TEXT,
    "document_number": 50,
    "capture_place": MAX_TEXT,
    "detention_place": MAX_TEXT,
}
_TRUE = {"yes", "y", "true", "1", "так", "да", "т", "д"}
_FALSE = {"no", "n", "false", "0", "ні", "нет", "н", ""}
_SEX = {
    "m": Sex.MALE, "male": Sex.MALE, "ч": Sex.MALE, "м": Sex.MALE, "чол": Sex.MALE, "муж": Sex.MALE,
    "чоловік": Sex.MALE, "чоловіча": Sex.MALE, "мужчина": Sex.MALE, "мужской": Sex.MALE,
    "f": Sex.FEMALE, "female": Sex.FEMALE, "ж": Sex.FEMALE, "жін": Sex.FEMALE, "жен": Sex.FEMALE,
    "жінка": Sex.FEMALE, "жіноча": Sex.FEMALE, "женщина": Sex.FEMALE, "женский": Sex.FEMALE,
    "u": Sex.UNKNOWN, "unknown": Sex.UNKNOWN, "": Sex.UNKNOWN,
}  # fmt: skip


class _Cells:
    """One row's cells, reading each field and collecting what is wrong with it."""

    def __init__(self, row: int, cells: dict[str, str], today: date) -> None:
        self.row, self.cells, self.today = row, cells, today
        self.problems: list[ImportProblem] = []
        # Most rows are clean: check the whole row once, and each cell only if it is not.
        self.values = {k: v.strip() for k, v in cells.items() if v}
        joined = "|".join(self.values.values())
        self.clean = unicodedata.is_normalized("NFC", joined) and not _CONTROL.search(joined)

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(ImportProblem(self.row, column, message))

    def text(self, column: str, *, limit: int = MAX_TEXT) -> str | None:
        value = self.values.get(column)
        if not value:
            return None
        if value[0] == "'" and value.startswith(FORMULA_ESCAPED):
            value = value[1:]  # parley's own export escaped a formula-like cell
        if len(value) > limit:
            self.problem(column, f"is {len(value):,} characters long (at most {limit})")
            return None
        if self.clean:
            return value
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        if _CONTROL.search(value):
            self.problem(column, "has a control character (expected plain text on one line)")
            return None
        return value

    def missing(self, column: str) -> None:
        if column in {p.column for p in self.problems}:
            return
        if column in self.cells:
            self.problem(column, "is empty (a value is required)")
        else:
            self.problem(column, "is missing (a value is required)")

    def checked(
        self,
        column: str,
        parse: Callable[[str], Any],
        *,
        required: bool = False,
        limit: int = MAX_TEXT,
    ) -> Any:
        value = self.text(column, limit=limit)
        if value is None:
            if required:
                self.missing(column)
            return None
        try:
            return parse(value)
        except InvalidValue as e:
            self.problem(column, e.message)
            return None

    def choice(self, column: str, enum: type[E], *, required: bool = False) -> E | None:
        value = self.text(column)
        if value is None:
            if required:
                self.missing(column)
            return None
        member = _members(enum).get(value.lower().replace(" ", "_").replace("-", "_"))
        if member is None:
            allowed = ", ".join(m.value for m in enum)
            self.problem(column, f"{value!r} is not one of: {allowed}")
        return member

    def flag(self, column: str) -> bool:
        value = self.cells.get(column, "").strip()
        key = value.lower()
        if key in _TRUE:
            return True
        if key not in _FALSE:
            self.problem(column, f"{value!r} is not yes or no")
        return False

    def birth_date(self) -> PartialDate | None:
        value = self.text("birth_date")
        if value is None:
            return None
        try:
            born = PartialDate.parse(value)
        except InvalidValue as e:
            self.problem("birth_date", e.message)
            return None
        if born.earliest > self.today:
            self.problem("birth_date", f"{value!r} is in the future")
            return None
        return born

    def full_date(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            when = parse_full_date(value)
        except InvalidValue as e:
            self.problem(column, e.message)
            return None
        if when > self.today:
            self.problem(column, f"{value!r} is in the future")
            return None
        return when


@cache
def _members(enum: type[E]) -> dict[str, E]:
    return {m.value: m for m in enum}


def _sex(value: str) -> Sex:
    try:
        return _SEX[value.strip().lower().rstrip(".")]
    except KeyError:
        raise InvalidValue("sex", f"{value!r} is not a sex (expected M, F or U)") from None


def _name_lang(value: str) -> NameLanguage:
    try:
        return NameLanguage(value.strip().lower())
    except ValueError:
        raise InvalidValue("name_lang", f"{value!r} is not one of: uk, ru, en, und") from None


def _country(value: str) -> str:
    code = value.strip().upper()
    if not (code.isascii() and code.isalpha() and len(code) in (2, 3)):
        raise InvalidValue("nationality", f"{value!r} is not a country code (expected e.g. UA, RU)")
    return code


_NAME = {
    c: partial(check_name, c)
    for c in ("family_name", "given_name", "patronymic", "mother_maiden_name")
}


def _identity(c: _Cells) -> Identity | None:
    family = c.checked("family_name", _NAME["family_name"], required=True, limit=MAX_NAME)
    given = c.checked("given_name", _NAME["given_name"], required=True, limit=MAX_NAME)
    patronymic = c.checked("patronymic", _NAME["patronymic"], limit=MAX_NAME)
    mother = c.checked("mother_maiden_name", _NAME["mother_maiden_name"], limit=MAX_NAME)
    lang = c.checked("name_lang", _name_lang)
    values: dict[str, Any] = {
        "sex": c.checked("sex", _sex) or Sex.UNKNOWN,
        "birth_date": c.birth_date(),
        "birth_place": c.text("birth_place", limit=TEXT_LIMITS["birth_place"]),
        "nationality": c.checked("nationality", _country),
        "rank": c.text("rank", limit=TEXT_LIMITS["rank"]),
        "service_number": c.text("service_number", limit=TEXT_LIMITS["service_number"]),
        "unit": c.text("unit", limit=TEXT_LIMITS["unit"]),
        "document_number": c.text("document_number", limit=TEXT_LIMITS["document_number"]),
    }
    if family is None or given is None:
        return None
    if lang is None:
        lang = guess_name_language(family, given, patronymic or "")
    return Identity(family, given, patronymic, lang, mother_maiden_name=mother, **values)


@dataclass(frozen=True, slots=True)
class RecordSchema:
    """The columns of one kind of file and how a row of it becomes a domain record."""

    kind: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[[_Cells, str], Holding | Request | None]

    def read(
        self, party: str, row: int, cells: dict[str, str], today: date
    ) -> Holding | Request | list[ImportProblem]:
        """The record a row describes, or every problem found in it."""
        c = _Cells(row, cells, today)
        record_id = c.checked("record_id", check_record_id, required=True)
        try:
            record = self.build(c, party)
        except InvalidValue as e:  # a rule across fields, raised by the domain object
            c.problem(e.field, e.message)
            record = None
        if c.problems or record is None or record_id is None:
            return c.problems or [ImportProblem(row, None, "is not a complete record")]
        return record

    def read_cell(self, column: str, cell: str, today: date) -> Any:
        """The value one cell of ``column`` stores, read on its own as ``read`` reads it.

        Enumerations come back as their values; a date of birth as a ``PartialDate``.
        Rules across fields (a basis without the flag, capture before birth) are not
        checked here, and an empty ``name_lang`` stays ``None`` (it is guessed from names).

        Raises:
            InvalidValue: the cell has a problem ``read`` would report.
        """
        c = _Cells(0, {column: cell}, today)
        value = _CELL_READS[column](c, column, column in self.required)
        if c.problems:
            raise InvalidValue(column, c.problems[0].message)
        return value.value if isinstance(value, StrEnum) else value


def _name_cell(c: _Cells, column: str, required: bool) -> str | None:
    value: str | None = c.checked(column, _NAME[column], required=required, limit=MAX_NAME)
    return value


def _text_cell(c: _Cells, column: str, required: bool) -> str | None:
    return c.text(column, limit=TEXT_LIMITS[column])


def _choice_cell(enum: type[E], default: E | None = None) -> Callable[[_Cells, str, bool], Any]:
    return lambda c, column, required: c.choice(column, enum, required=required) or default


# How each column's cell reads on its own; ``_identity``, ``_holding`` and ``_request``
# read the same cells the same way, and tests/unit/test_import_row_reader.py holds the
# two in step.
_CELL_READS: dict[str, Callable[[_Cells, str, bool], Any]] = {
    "record_id": lambda c, _, __: c.checked("record_id", check_record_id, required=True),
    "family_name": _name_cell,
    "given_name": _name_cell,
    "patronymic": _name_cell,
    "mother_maiden_name": _name_cell,
    "name_lang": lambda c, _, __: c.checked("name_lang", _name_lang),
    "sex": lambda c, _, __: c.checked("sex", _sex) or Sex.UNKNOWN,
    "birth_date": lambda c, _, __: c.birth_date(),
    "birth_place": _text_cell,
    "nationality": lambda c, _, __: c.checked("nationality", _country),
    "category": _choice_cell(HoldingCategory),
    "rank": _text_cell,
    "service_number": _text_cell,
    "unit": _text_cell,
    "document_number": _text_cell,
    "captured_on": lambda c, column, _: c.full_date(column),
    "capture_place": _text_cell,
    "detention_place": _text_cell,
    "health": _choice_cell(Health),
    "seriously_ill": lambda c, column, _: c.flag(column),
    "seriously_ill_basis": _choice_cell(SeriousIllnessBasis),
    "priority": _choice_cell(Priority, Priority.NORMAL),
    "source": _choice_cell(RequestSource),
}


def _holding(c: _Cells, party: str) -> Holding | None:
    identity = _identity(c)
    category = c.choice("category", HoldingCategory, required=True)
    fields: dict[str, Any] = {
        "captured_on": c.full_date("captured_on"),
        "capture_place": c.text("capture_place", limit=TEXT_LIMITS["capture_place"]),
        "detention_place": c.text("detention_place", limit=TEXT_LIMITS["detention_place"]),
        "health": c.choice("health", Health),
        "seriously_ill": c.flag("seriously_ill"),
        "seriously_ill_basis": c.choice("seriously_ill_basis", SeriousIllnessBasis),
    }
    record_id = c.cells.get("record_id", "").strip()
    if identity is None or category is None or c.problems:
        return None
    return Holding(party, record_id, identity, category, **fields)


def _request(c: _Cells, party: str) -> Request | None:
    identity = _identity(c)
    source = c.choice("source", RequestSource, required=True)
    fields: dict[str, Any] = {
        "priority": c.choice("priority", Priority) or Priority.NORMAL,
        "category": c.choice("category", HoldingCategory),
        "captured_on": c.full_date("captured_on"),
        "capture_place": c.text("capture_place", limit=TEXT_LIMITS["capture_place"]),
    }
    record_id = c.cells.get("record_id", "").strip()
    if identity is None or source is None or c.problems:
        return None
    return Request(party, record_id, identity, source, **fields)


HOLDINGS = RecordSchema(
    "holdings",
    (*IDENTITY_COLUMNS, "detention_place", "health", "seriously_ill", "seriously_ill_basis"),
    ("record_id", "family_name", "given_name", "category"),
    _holding,
)
REQUESTS = RecordSchema(
    "requests",
    (*IDENTITY_COLUMNS, "priority", "source"),
    ("record_id", "family_name", "given_name", "source"),
    _request,
)


def schema_for(kind: str) -> RecordSchema:
    """The schema of ``holdings`` or ``requests``.

    Raises:
        InvalidValue: ``kind`` is neither.
    """
    for schema in (HOLDINGS, REQUESTS):
        if schema.kind == kind:
            return schema
    raise InvalidValue("kind", f"{kind!r} is not a kind of record (expected holdings or requests)")


def format_cell(value: Any) -> str:
    """A stored value as export text: dates in ISO, flags as yes/no, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, PartialDate)):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return str(value)
