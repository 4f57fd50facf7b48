"""The handover's hot statements, run by the database driver itself.

A handover event runs about a dozen small statements, and for each SQLAlchemy's Core
spends more Python time (an execution context, its parameters, a result object, the
session's bookkeeping) than SQLite spends running it or PostgreSQL answering it. So a
:class:`Driver` runs them (``adapters.statements``) on the DBAPI connection of the unit
of work's transaction, which commits or rolls back with everything else the unit did.

On PostgreSQL, where each statement costs a round trip to the server (and CPU at both
ends), the unit of work's driver holds back the writes whose outcome nobody reads and
sends them as WITH clauses of the statement that follows (:meth:`Driver.write`).

What stays as Core would do it: driver errors are raised as ``sqlalchemy.exc`` raises
them (``OperationalError``, ``IntegrityError``, ...), a connection found lost is thrown
away, and ``before_cursor_execute`` listeners hear each statement. What does not: SQL
echo, and expanding ``IN`` lists (give the hot path one-value variants instead).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.engine import Dialect, RootTransaction
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import PoolProxiedConnection

from parley.adapters.statements import (
    COMMIT,
    Run,
    Statement,
    Values,
    folded,
    insert_for,
    parameters,
    processed,
    rows_of,
)

__all__ = ["Driver", "SessionSource", "UnitDriver", "session_of"]

_INFO_KEY = "parley.driver"
_ROWS = 100  # rows in one held INSERT


# A session, or what makes it on first use (the unit of work's, ``adapters.uow``).
SessionSource = Session | Callable[[], Session]


def session_of(source: SessionSource) -> Session:
    """The session itself, made now if it is made on first use."""
    return source if isinstance(source, Session) else source()


class Driver(ABC):
    """A way to the database driver for ``statements.Statement`` s, in a transaction.

    The unit of work's (:class:`UnitDriver`) runs on the pooled DBAPI connection it
    checked out, and begins and commits the transaction itself; :meth:`of` finds it
    for the unit's session, or makes one for a session or connection of one's own that
    follows it from transaction to transaction.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._error: type[Exception] = dialect.loaded_dbapi.Error
        self._holds = False  # whether writes are held back (see write())
        self._cursor: Any = None
        self._listeners: Any = None  # before_cursor_execute's, when there are any
        self._listening: Connection | None = None  # the connection they are told of
        self._held: list[Run] = []  # writes sent with the next statement

    @classmethod
    def of(cls, db: Session | Connection | Driver) -> Driver:
        """The driver of a session (its unit's, or one of its own), or a new one for a
        connection."""
        if isinstance(db, Driver):
            return db
        if not isinstance(db, Session):
            return _Following(db)
        found = db.info.get(_INFO_KEY)
        if found is None:
            found = db.info[_INFO_KEY] = _Following(db)
        return found

    def attach(self, session: Session) -> None:
        """Make this the driver of ``session`` (found by :meth:`of`)."""
        session.info[_INFO_KEY] = self

    @abstractmethod
    def _current(self) -> Any:
        """A cursor in the transaction now open (starting one if there is none)."""

    @abstractmethod
    def connection(self) -> Connection:
        """The Core connection of the transaction now open, for what the driver does not
        run (the writes held back are sent first)."""

    @abstractmethod
    def _lost(self, error: Exception, cursor: Any) -> bool:
        """Whether ``error`` lost the connection; if so it is thrown away, as Core does."""

    def listen(self, connection: Connection) -> None:
        """Tell ``connection``'s ``before_cursor_execute`` listeners of each statement.

        Looked up once (a transaction): a listener added later is not told.
        """
        listeners = connection.dispatch.before_cursor_execute
        self._listeners = listeners if listeners else None
        self._listening = connection

    def _run(self, run: Run) -> Any:
        """Run the writes held back with ``run`` (or just before it); the cursor."""
        cursor = self._current()
        for each in folded(self._take_held(), run) if self._held else [run]:
            self._send(cursor, each)
        return cursor

    def _send(self, cursor: Any, run: Run) -> None:
        compiled, parameters, many = run
        if self._listeners is not None:
            self._listeners(self._listening, cursor, compiled.sql, parameters, None, many)
        try:
            if many:
                cursor.executemany(compiled.sql, parameters)
            else:
                cursor.execute(compiled.sql, parameters)
        except self._error as e:
            lost = self._lost(e, cursor)
            raise DBAPIError.instance(
                run[0].sql, run[1], e, self._error, dialect=self.dialect, ismulti=run[2],
                connection_invalidated=lost,
            ) from e  # fmt: skip

    def _take_held(self) -> list[Run]:
        held, self._held = self._held, []
        return held

    def _prepared(self, statement: Statement, values: Values | None) -> Run:
        compiled = statement.compiled(self.dialect)
        return compiled, parameters(compiled, values or {}), False

    def execute(self, statement: Statement, values: Values | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        count: int = self._run(self._prepared(statement, values)).rowcount
        return count

    def write(self, statement: Statement, values: Values | None = None) -> None:
        """Run a statement whose outcome nobody reads: on PostgreSQL, with the next one.

        The unit of work's driver holds the write back until its next statement, or
        :meth:`flush` or :meth:`commit`, and sends it with that (in the same statement
        where it may be, see ``folded``); Core and the ORM, on the unit's connection,
        find it sent before each of their statements (:meth:`UnitDriver.send_held`).
        """
        run = self._prepared(statement, values)
        if self._holds:
            self._current()  # held by this transaction
            self._held.append(run)
        else:
            self._run(run)

    def flush(self) -> None:
        """Send the writes held back (before Core or the ORM reads what they change)."""
        if self._held:
            self._run(self._held.pop())

    def all(self, statement: Statement, values: Values | None = None) -> list[Any]:
        """The rows of a query (or of ``RETURNING``), as named tuples."""
        run = self._prepared(statement, values)
        return rows_of(run[0], self._run(run).fetchall())

    def first(self, statement: Statement, values: Values | None = None) -> Any:
        """The first row of a query, or None."""
        rows = self.all(statement, values)
        return rows[0] if rows else None

    def scalar(self, statement: Statement, values: Values | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(statement, values)
        return None if row is None else row[0]

    def insert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: Sequence[tuple[Any, ...]],
        *,
        hold: bool = False,
    ) -> None:
        """INSERT ``rows``, each a tuple of values for ``columns``, by ``executemany``.

        As ``adapters.bulk`` does for imports: the event log writes three or four rows
        an event, and a batch may hold thousands (migration 0004). Each value goes
        through its column type's bind processor as Core would apply it, binary values
        excepted (see ``statements.Statement``). ``hold`` holds the rows back as
        :meth:`write` does (the log's last writes go with the COMMIT).
        """
        if not rows:
            return
        compiled = insert_for(table, columns, self.dialect)
        processors = tuple((i, p) for i, (_, p, _) in enumerate(compiled.binds) if p is not None)
        values = processed(rows, processors) if processors else rows
        if not (hold and self._holds):
            self._run((compiled, values, True))
            return
        # One statement of many rows, not executemany: it may go as a WITH clause.
        self._current()  # held by this transaction
        for start in range(0, len(values), _ROWS):
            chunk = values[start : start + _ROWS]
            flat = tuple(value for row in chunk for value in row)
            self._held.append((insert_for(table, columns, self.dialect, len(chunk)), flat, False))


class UnitDriver(Driver):
    """The unit of work's driver: on the pooled connection the unit checked out.

    It commits the transaction (:meth:`commit`) or rolls it back (:meth:`rollback`),
    and on SQLite begins it too: ``begin`` is the statement that does (``BEGIN
    IMMEDIATE`` for a unit that may write, see ``db.writer``); psycopg begins one of its
    own accord.

    The unit makes a Core connection on the same DBAPI connection only when something
    needs one (``core``), and has it call :meth:`send_held` before each statement.
    """

    def __init__(
        self,
        pooled: PoolProxiedConnection,
        engine: Engine,
        *,
        begin: str | None,
        core: Callable[[], Connection],
    ) -> None:
        super().__init__(engine.dialect)
        self._holds = engine.dialect.name == "postgresql"
        self._pooled = pooled
        dbapi: Any = pooled.dbapi_connection
        self._dbapi = dbapi
        self._cursor = pooled.cursor()
        self._begin = begin
        self._core = core

    def begin(self) -> None:
        """Begin the transaction now (SQLite; psycopg begins at the first statement)."""
        self._current()

    def _current(self) -> Any:
        if self._begin is not None and not self._dbapi.in_transaction:
            self._call(self._begin, self._dbapi.execute, self._begin)
        return self._cursor

    def _call(self, sql: str, method: Callable[..., Any], *args: Any) -> None:
        """A DBAPI connection's method, its error raised as Core would."""
        try:
            method(*args)
        except self._error as e:
            raise DBAPIError.instance(sql, (), e, self._error, dialect=self.dialect) from e

    def connection(self) -> Connection:
        self.flush()
        return self._core()

    def _lost(self, error: Exception, cursor: Any) -> bool:
        lost = self.dialect.is_disconnect(error, self._pooled, cursor)  # type: ignore[arg-type]
        if lost:
            self._pooled.invalidate(error)
        return lost

    def commit(self) -> None:
        """Send the writes held back and commit.

        The unit's Core connection, if it made one, then finds nothing left to do at the
        driver when it commits, and only closes its transaction.
        """
        # COMMIT as a statement: the held writes go just before it, and psycopg and
        # sqlite3 read the transaction's end from the database's answer.
        self._run((COMMIT, (), False))

    def send_held(self, *_: Any) -> None:
        """``before_cursor_execute`` of the unit's Core connection: what the driver holds
        back goes before anything Core or the ORM runs, so that they see it."""
        self.flush()

    def rollback(self) -> None:
        """Drop the writes held back and roll the transaction back."""
        self._held = []
        self._call("ROLLBACK", self._dbapi.rollback)


class _Following(Driver):
    """The driver of a session or connection of one's own: it looks the DBAPI connection
    up once per transaction, and starts one, as Core would, when there is none."""

    def __init__(self, db: Session | Connection) -> None:
        bind = db.get_bind() if isinstance(db, Session) else db
        super().__init__(bind.dialect)
        self._db = db
        self._transaction: SessionTransaction | RootTransaction | None = None
        self._connection: Connection | None = None

    def _current(self) -> Any:
        db = self._db
        transaction: SessionTransaction | RootTransaction | None
        if isinstance(db, Session):
            transaction = db.get_transaction()
            if transaction is None or transaction is not self._transaction:
                self._use(db.connection())
                transaction = db.get_transaction()
        else:
            transaction = db.get_transaction()
            if transaction is None:
                transaction = db.begin()
            if transaction is not self._transaction:
                self._use(db)
        self._transaction = transaction
        return self._cursor

    def _use(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.listen(connection)

    def connection(self) -> Connection:
        self.flush()
        self._current()
        assert self._connection is not None
        return self._connection

    def _lost(self, error: Exception, cursor: Any) -> bool:
        assert self._connection is not None
        lost = self.dialect.is_disconnect(error, self._connection.connection, cursor)  # type: ignore[arg-type]
        if lost:
            self._connection.invalidate(error)
        return lost
