"""Statements for the database driver itself, each compiled once per kind of database.

The handover's hot statements are written as Core statements, as everywhere else, and
run by ``adapters.fastpath``'s driver without Core: a :class:`Statement` is compiled
once per kind of database to the driver's SQL, its parameters by position, each with
its column type's bind processor, and each result column's processor, so that values
go in and come out as Core would pass them. Here too: the many-row INSERTs of the event
log, and, for PostgreSQL, writes folded as WITH clauses into the statement they are
sent with (:func:`folded`).
"""

from __future__ import annotations

import copy
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import LargeBinary, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.sql.util import find_tables

__all__ = [
    "COMMIT",
    "Compiled",
    "Run",
    "Statement",
    "Values",
    "folded",
    "insert_for",
    "parameters",
    "processed",
    "rows_of",
]

_Processor = Callable[[Any], Any]
Values = Mapping[str, Any]


class Compiled(NamedTuple):
    """A statement as one kind of database's driver takes it."""

    sql: str
    # (name, bind processor or None, value when not given), in the order of the SQL.
    binds: tuple[tuple[str, _Processor | None, Any], ...]
    results: tuple[tuple[int, _Processor], ...]  # (column, processor), those with one
    row: type[tuple[Any, ...]] | None  # a named tuple of the result columns
    writes: str | None = None  # the table a write without RETURNING changes
    tables: frozenset[str] | None = None  # the tables it reads or changes (None: unknown)


def _compile(statement: ClauseElement, dialect: Dialect) -> Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=_by_position(dialect)))
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    binds = []
    for name in compiled.positiontup or ():
        bind = by_name[name]
        default = None if bind.required else bind.effective_value
        binds.append((name, _bind_processor(bind.type, dialect), default))
    columns = list(getattr(statement, "selected_columns", None) or ())
    if not columns and getattr(statement, "_returning", None):
        columns = list(statement.exported_columns)  # type: ignore[attr-defined]
    results = tuple(
        (i, process)
        for i, column in enumerate(columns)
        if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
        is not None
    )
    names = [str(getattr(c, "key", None) or f"c{i}") for i, c in enumerate(columns)]
    row = namedtuple("Row", names, rename=True) if columns else None
    # What folding writes into a statement needs to know (folded); text is opaque.
    known = not isinstance(statement, TextClause | TextualSelect)
    tables = frozenset(t.name for t in find_tables(statement, include_crud=True)) if known else None
    dml = isinstance(statement, UpdateBase) and not columns
    writes = getattr(statement.table, "name", None) if dml else None  # type: ignore[attr-defined]
    return Compiled(compiled.string, tuple(binds), results, row, writes, tables)


def _by_position(dialect: Dialect) -> Dialect:
    """``dialect``, binding parameters by position (psycopg: ``%s``, not ``%(name)s``).

    psycopg takes a tuple for less work than a dict, and statements folded together
    (``folded``) then take their parameters one after the other.
    """
    if dialect.positional:
        return dialect
    found = _POSITIONAL.get(type(dialect))
    if found is None:
        found = _POSITIONAL[type(dialect)] = copy.copy(dialect)
        found.paramstyle, found.positional = "format", True
    return found


_POSITIONAL: dict[type[Dialect], Dialect] = {}


def _bind_processor(type_: Any, dialect: Dialect) -> _Processor | None:
    # Binary values go as they are: sqlite3 and psycopg take bytes, and Core's processor
    # would wrap each in a memoryview on SQLite, which costs the log's appends dearly.
    if isinstance(type_, LargeBinary):
        return None
    process: _Processor | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return process


# One statement of a batch: what to run, its parameters, and whether once per row.
Run = tuple[Compiled, Any, bool]


class Statement:
    """A Core statement, compiled once per kind of database for ``fastpath.Driver``.

    Every parameter the statement needs at run time is a ``bindparam`` named in it
    (``update(...).values(state=bindparam("state"))``, not values given at execution);
    literal values are bound as their constants.
    """

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[type[Dialect], Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        """The statement for ``dialect``'s driver (compiled on first use)."""
        found = self._compiled.get(type(dialect))
        if found is None:
            found = self._compiled[type(dialect)] = _compile(self.statement, dialect)
        return found


def parameters(compiled: Compiled, values: Values) -> tuple[Any, ...]:
    """``values`` as the driver takes them: a tuple, in the order of the SQL."""
    return tuple(
        [
            values.get(name, default) if process is None else process(values.get(name, default))
            for name, process, default in compiled.binds
        ]
    )


def rows_of(compiled: Compiled, fetched: Sequence[Sequence[Any]]) -> list[Any]:
    """Fetched rows as named tuples, each value through its column's processor."""
    make = compiled.row._make  # type: ignore[union-attr]
    if not compiled.results:
        return [make(r) for r in fetched]
    rows = []
    for fetched_row in fetched:
        row = list(fetched_row)
        for i, process in compiled.results:
            row[i] = process(row[i])
        rows.append(make(row))
    return rows


COMMIT = Compiled("COMMIT", (), (), None)  # nothing folds into it
_INSERTS: dict[tuple[Table, tuple[str, ...], type[Dialect], int], Compiled] = {}


def insert_for(table: Table, columns: tuple[str, ...], dialect: Dialect, rows: int = 1) -> Compiled:
    """INSERT of ``rows`` rows of ``columns`` (made once), its parameters by position."""
    key = (table, columns, type(dialect), rows)
    found = _INSERTS.get(key)
    if found is None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        values = ", ".join([f"({', '.join([mark] * len(columns))})"] * rows)
        sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES {values}"
        )
        binds = tuple(
            (name, _bind_processor(table.c[name].type, dialect), None) for name in columns
        )
        found = _INSERTS[key] = Compiled(sql, binds, (), None, table.name, frozenset([table.name]))
    return found


# PostgreSQL: writes held back go as WITH clauses of the statement they are sent with.
_FOLDS: dict[tuple[str, ...], Compiled] = {}


def folded(held: list[Run], main: Run) -> list[Run]:
    """The writes ``held`` back and ``main``, in as few statements as they may be.

    The parts of one statement share its snapshot and none sees another's changes
    (PostgreSQL 7.8.4), so a write is folded only into a statement that does not touch
    its table, and never with another write of the same table; failing that, the
    writes are folded into the last of them, and go before ``main``.
    """
    writes = [run[0].writes for run in held]
    tables = main[0].tables
    if None in writes or len(set(writes)) < len(writes) or main[2] or any(r[2] for r in held):
        return [*held, main]
    if tables is None or not tables.isdisjoint(writes):
        return [*folded(held[:-1], held[-1]), main] if len(held) > 1 else [*held, main]
    key = (*(run[0].sql for run in held), main[0].sql)
    compiled = _FOLDS.get(key)
    if compiled is None:
        clauses = ", ".join(f"w{i} AS ({run[0].sql})" for i, run in enumerate(held))
        body = main[0].sql
        # A statement with a WITH of its own (a balance's lock) takes our clauses first;
        # either way the parameters come in the order of the runs.
        sql = (
            f"WITH {clauses}, {body[5:]}" if body.startswith("WITH ") else f"WITH {clauses} {body}"
        )
        if len(_FOLDS) > 1000:  # pragma: no cover - more shapes than any workload has
            _FOLDS.clear()
        compiled = _FOLDS[key] = main[0]._replace(sql=sql, writes=None, tables=None)
    values = tuple(value for run in (*held, main) for value in run[1])
    return [(compiled, values, False)]


def processed(
    rows: Sequence[tuple[Any, ...]], processors: tuple[tuple[int, _Processor], ...]
) -> list[tuple[Any, ...]]:
    """``rows`` with each value through its column's processor.

    A value that is the same object as the row above's is processed once: the events of
    one unit share their time.
    """
    done: dict[int, tuple[Any, Any]] = {}  # column -> (value, processed)
    out = []
    for row in rows:
        values = list(row)
        for i, process in processors:
            value = values[i]
            last = done.get(i)
            if last is None or last[0] is not value:
                last = done[i] = (value, process(value))
            values[i] = last[1]
        out.append(tuple(values))
    return out
