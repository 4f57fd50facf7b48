"""Reading import rows straight into the values a record stores, one pass per row.

A registry repeats its cells: a few hundred names, a few thousand dates, a handful of
categories and places. ``RowReader`` reads each distinct cell of a column once (with
the schema's own ``read_cell``) and remembers the value, so a clean row costs a lookup
per cell and becomes a tuple of stored values, with no row dictionary, domain object or
table row built on the way. A row with anything unusual in it (a problem, a rule across
fields broken) is read again by the schema's full reader, ``RecordSchema.read``, which
finds and words every problem. Both paths therefore accept the same rows, store the same
values and report the same problems (tests/unit/test_import_row_reader.py).

Stored values are one per column of the file's schema, in its order (``record_id``
first): text as text, enumerations as their values, a date of birth in ISO form
(``1999``, ``1999-03``, ``1999-03-14``), a capture date as a ``date``, flags as ``bool``.
The reader is picklable, so a file can be read in another process (the formats adapter).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from functools import lru_cache, partial
from operator import getitem, itemgetter
from typing import Any

from parley.domain.dates import PartialDate
from parley.domain.holdings import (
    Health,
    Holding,
    HoldingCategory,
    HoldingStatus,
    SeriousIllnessBasis,
)
from parley.domain.people import (
    MAX_NAME,
    Identity,
    NameLanguage,
    Sex,
    check_name,
    check_record_id,
    guess_name_language,
)
from parley.domain.requests import Priority, Request, RequestSource, RequestStatus
from parley.errors import ImportProblem, InvalidValue
from parley.services.schema import TEXT_LIMITS, RecordSchema, schema_for

__all__ = [
    "CACHE_BUDGET",
    "RowReader",
    "RowResult",
    "Values",
    "record_of",
    "unknown_fields",
    "values_of",
]

Values = tuple[Any, ...]
RowResult = Values | list[ImportProblem]
CACHE_BUDGET = 1 << 16  # distinct cells remembered over all columns; then it starts afresh
_UNIQUE = frozenset({"record_id", "service_number", "document_number"})  # never repeat
_NAMES = frozenset({"family_name", "given_name", "patronymic", "mother_maiden_name"})


class _Unusual(Exception):
    """A row only the schema's full reader can judge and word."""


class RowReader:
    """Reads rows of one kind of file for one party into stored values.

    Calling it with ``(row number, cells)`` (or the reader's ``ImportProblem`` for that
    row) gives the row's stored values, or every problem found in it.
    """

    def __init__(self, kind: str, party: str, today: date, *, check_keys: bool) -> None:
        """Args:
        kind: ``holdings`` or ``requests``.
        party: the party whose file it is.
        today: dates after it are refused.
        check_keys: refuse cells under a name that is not a column (JSON records have
            no header that was checked once for the whole file).
        """
        self.kind, self.party, self.today, self.check_keys = kind, party, today, check_keys
        self.schema: RecordSchema = schema_for(kind)
        columns = self.schema.columns
        self._columns, self._known = columns, frozenset(columns)
        self._caches = _caches(self.schema, today)
        self._every_cell = itemgetter(*columns)
        self._some_missing = False  # a row lacked a column: then each is read with a default
        index = columns.index
        self._born, self._captured = index("birth_date"), index("captured_on")
        self._lang, self._names = index("name_lang"), [index("family_name"), index("given_name")]
        self._patronymic = index("patronymic")
        self._ill = (
            (index("seriously_ill"), index("seriously_ill_basis")) if kind == "holdings" else None
        )

    def __reduce__(self) -> tuple[Callable[..., RowReader], tuple[str, str, date, bool]]:
        """Pickle as what it reads, not its caches: a reader in another process starts empty."""
        return _new_reader, (self.kind, self.party, self.today, self.check_keys)

    @property
    def remembered(self) -> int:
        """How many cells the reader keeps read (at most ``CACHE_BUDGET``)."""
        return sum(len(cache) for cache in self._caches)

    def __call__(self, row: int, cells: dict[str, str] | ImportProblem) -> RowResult:
        """The row's stored values, or every problem of the row (at least one)."""
        if isinstance(cells, ImportProblem):
            return [cells]
        if self.check_keys and not self._known.issuperset(cells):
            return unknown_fields(self.schema, row, cells)
        try:
            return self._fast(cells)
        except (_Unusual, InvalidValue):
            pass  # not a plain row: the full reader below finds and words every problem
        record = self.schema.read(self.party, row, cells, self.today)
        return record if isinstance(record, list) else values_of(record)

    def _fast(self, cells: dict[str, str]) -> Values:
        return self._across(list(map(getitem, self._caches, self._texts(cells))))

    def _texts(self, cells: dict[str, str]) -> Sequence[str]:
        """The row's cell of every column in schema order, ``""`` where it has none."""
        if not self._some_missing:
            try:
                texts: Sequence[str] = self._every_cell(cells)
                return texts
            except KeyError:
                self._some_missing = True  # the file lacks a column: stop trying
        get = cells.get
        return [get(c, "") for c in self._columns]

    def _across(self, values: list[Any]) -> Values:
        """Apply the rules across fields; raise ``_Unusual`` where the full reader must word one."""
        born = values[self._born]
        if born is not None:
            iso, earliest = born
            captured = values[self._captured]
            if captured is not None and captured < earliest:
                raise _Unusual  # check_capture_after_birth
            values[self._born] = iso
        if values[self._lang] is None:
            family, given = (values[i] for i in self._names)
            values[self._lang] = _guess(family, given, values[self._patronymic] or "")
        if self._ill is not None:
            flag, basis = self._ill
            if values[flag] != (values[basis] is not None):
                raise _Unusual  # the basis goes with the flag, and only with it
        return tuple(values)


def unknown_fields(schema: RecordSchema, row: int, cells: dict[str, str]) -> list[ImportProblem]:
    """A problem for each field of a JSON record that is not a column of ``schema``'s kind.

    A file with a header has its columns checked once (``importing.check_columns``); a
    JSON record names its own fields, so each record's are checked.
    """
    expected = ", ".join(schema.columns)
    message = f"is not a {schema.kind} field (expected: {expected})"
    return [ImportProblem(row, key, message) for key in cells if key not in schema.columns]


class _Cache(dict[str, Any]):
    """One column's cells already read, by text; looking up a new cell reads it.

    ``dict`` calls ``__missing__`` on a miss, so a row's lookups run as one ``map`` and
    only a new cell costs a Python call. A column whose cells never repeat (a record id)
    reads every cell and keeps none.
    """

    __slots__ = ("_budget", "_keep", "_read")

    def __init__(self, read: CellRead, budget: _Budget, *, keep: bool) -> None:
        super().__init__()
        self._read, self._budget, self._keep = read, budget, keep

    def __missing__(self, text: str) -> Any:
        value = self._read(text)
        if self._keep:
            self._budget.spend()
            self[text] = value
        return value


class _Budget:
    """How many more cells the caches of one reader may keep, over all columns.

    When it is spent every cache starts afresh: memory stays bounded whatever the file.
    """

    def __init__(self) -> None:
        self.caches: list[_Cache] = []
        self.left = CACHE_BUDGET

    def spend(self) -> None:
        if self.left <= 0:
            for cache in self.caches:
                cache.clear()
            self.left = CACHE_BUDGET
        self.left -= 1


def _caches(schema: RecordSchema, today: date) -> list[_Cache]:
    budget = _Budget()
    for column in schema.columns:
        read = _cell_reader(schema, column, today)
        budget.caches.append(_Cache(read, budget, keep=column not in _UNIQUE))
    return budget.caches


def _new_reader(kind: str, party: str, today: date, check_keys: bool) -> RowReader:
    return RowReader(kind, party, today, check_keys=check_keys)


@lru_cache(maxsize=4096)
def _guess(family: str, given: str, patronymic: str) -> str:
    return guess_name_language(family, given, patronymic).value


CellRead = Callable[[str], Any]


def _cell_reader(schema: RecordSchema, column: str, today: date) -> CellRead:
    """One cell of ``column`` to its stored value; raises where the row needs the full reader.

    Plain cells take a short path that decides as ``RecordSchema.read_cell`` would; any
    other cell goes through ``read_cell`` itself.
    """

    def read(cell: str) -> Any:
        return schema.read_cell(column, cell, today)

    if column == "record_id":
        return check_record_id  # its pattern admits only plain ASCII, as the full reader would
    if column in _NAMES:
        return partial(_name, column, read)
    if column in TEXT_LIMITS:
        return partial(_text, TEXT_LIMITS[column], read)
    if column == "birth_date":
        return partial(_born, today, read)
    return read


def _is_plain(value: str) -> bool:
    """Printable, in NFC and not a formula escape: what ``text`` returns unchanged."""
    return (
        value[0] != "'"
        and value.isprintable()
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    )


def _text(limit: int, read: CellRead, cell: str) -> str | None:
    value = cell.strip()
    if not value:
        return None
    if len(value) <= limit and _is_plain(value):
        return value
    result: str | None = read(cell)
    return result


def _name(column: str, read: CellRead, cell: str) -> str | None:
    value = cell.strip()
    if value and len(value) <= MAX_NAME and _is_plain(value):
        return check_name(column, value)
    result: str | None = read(cell)
    return result


def _born(today: date, read: CellRead, cell: str) -> tuple[str, date] | None:
    """A date of birth as its ISO text and its earliest day (for the capture-date rule)."""
    value = cell.strip()
    born: PartialDate | None
    if value and value.isascii():
        born = PartialDate.parse(value)
        if born.earliest > today:
            raise _Unusual
    else:
        born = read(cell)
    return None if born is None else (born.isoformat(), born.earliest)


def _stored(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, PartialDate):
        return value.isoformat()
    return value


def values_of(record: Holding | Request) -> Values:
    """The stored values of a domain record, in its schema's column order."""
    schema = schema_for("holdings" if isinstance(record, Holding) else "requests")
    identity = record.identity
    return tuple(
        _stored(getattr(identity, c) if hasattr(identity, c) else getattr(record, c))
        for c in schema.columns
    )


def record_of(
    kind: str, party: str, values: Values, status: str | None = None
) -> Holding | Request:
    """The domain record that stored ``values`` describe.

    Args:
        kind: ``holdings`` or ``requests``.
        party: the record's party.
        values: one per schema column, as ``values_of`` gives them.
        status: the stored status; a new record's when ``None``.

    Raises:
        InvalidValue: the values break a rule of the domain.
    """
    v = dict(zip(schema_for(kind).columns, values, strict=True))
    born, category = v["birth_date"], v["category"]
    identity = Identity(
        family_name=v["family_name"],
        given_name=v["given_name"],
        patronymic=v["patronymic"],
        name_lang=NameLanguage(v["name_lang"]),
        sex=Sex(v["sex"]),
        birth_date=PartialDate.parse(born) if born else None,
        birth_place=v["birth_place"],
        nationality=v["nationality"],
        mother_maiden_name=v["mother_maiden_name"],
        rank=v["rank"],
        service_number=v["service_number"],
        unit=v["unit"],
        document_number=v["document_number"],
    )
    if kind == "holdings":
        return _holding_of(party, v, identity, status)
    return Request(
        party=party,
        record_id=v["record_id"],
        identity=identity,
        source=RequestSource(v["source"]),
        priority=Priority(v["priority"]),
        category=HoldingCategory(category) if category else None,
        captured_on=v["captured_on"],
        capture_place=v["capture_place"],
        status=RequestStatus(status or RequestStatus.REQUESTED),
    )


def _holding_of(party: str, v: dict[str, Any], identity: Identity, status: str | None) -> Holding:
    health, basis = v["health"], v["seriously_ill_basis"]
    return Holding(
        party=party,
        record_id=v["record_id"],
        identity=identity,
        category=HoldingCategory(v["category"]),
        captured_on=v["captured_on"],
        capture_place=v["capture_place"],
        detention_place=v["detention_place"],
        health=Health(health) if health else None,
        seriously_ill=bool(v["seriously_ill"]),
        seriously_ill_basis=SeriousIllnessBasis(basis) if basis else None,
        status=HoldingStatus(status or HoldingStatus.DETAINED),
    )
