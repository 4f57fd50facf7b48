"""Engines, migrations and the event log's row inserts for the two supported databases.

SQLite is the embedded default and runs in WAL mode with foreign keys on; PostgreSQL is
the server choice (``postgresql://`` URLs use the psycopg 3 driver). This is the only
module that knows the difference.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, LargeBinary, Table, create_engine, event, inspect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from parley.errors import ConfigurationError

__all__ = [
    "create_db_engine",
    "current_revision",
    "insert_rows",
    "upgrade",
    "writer",
    "writers_turn",
]


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``, tuned for parley's use of it.

    Raises:
        ConfigurationError: the URL cannot be read, or its driver is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ConfigurationError(f"PARLEY_DATABASE_URL: {url!r} is not a database URL") from e
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, echo=echo)
            event.listen(engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling defers BEGIN; take it over so that a
            # unit of work is one real transaction (SQLAlchemy's documented recipe).
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    except ModuleNotFoundError as e:
        raise ConfigurationError(
            f"the database driver for {parsed.drivername} is not installed "
            "(install parley[postgres] for PostgreSQL)"
        ) from e


WRITER = {"parley_writer": True}


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE on a connection that will write.

    A deferred transaction that reads and then writes can fail at once with "database
    is locked" when another writer got there first; waiting cannot help it. Taking the
    write lock at BEGIN makes writers queue (for up to busy_timeout) instead. Plain
    reads stay deferred: in WAL mode they never wait for a writer.
    """
    immediate = conn.get_execution_options().get("parley_writer", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (see ``_sqlite_begin``)."""
    return engine.execution_options(**WRITER)


_TURNS: dict[str, threading.RLock] = {}
_TURNS_LOCK = threading.Lock()


def writers_turn(engine: Engine) -> threading.RLock | None:
    """The lock a writing unit of work of this process holds on a SQLite file, else None.

    SQLite lets one writer in at a time. Threads of one process that wait for it inside
    SQLite's busy handler sleep in growing steps (up to 100 ms) and may wake after the
    lock is free again; queueing on a lock of our own first hands the turn over at once
    and in order. Other processes still meet SQLite's own lock. PostgreSQL needs none.
    """
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    with _TURNS_LOCK:
        return _TURNS.setdefault(key, threading.RLock())


def _switch_to_wal(cursor: Any, wait: float = 10.0) -> None:
    """Put the file in WAL mode, once: every later connection finds it so.

    SQLite answers "database is locked" at once, without its busy handler, when the switch
    meets another process's lock on a new file (two commands' first use of it at once),
    so the switch is tried again for up to ``wait`` seconds.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The timeout first: switching a new file to WAL needs a lock another process may hold.
    cursor.execute("PRAGMA busy_timeout=10000")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged import survives a power cut
    cursor.close()


_Processors = tuple[tuple[int, Callable[[Any], Any]], ...]
_INSERTS: dict[tuple[Table, tuple[str, ...], type[Dialect]], tuple[str, _Processors]] = {}


def insert_rows(
    connection: Connection,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """INSERT ``rows``, each a tuple of values for ``columns``, by the driver's executemany.

    As ``bulk`` does for imports: Core's executemany prepares each row's parameters in
    Python, which costs more than storing the row, and the event log writes three or
    four rows an event. Each value still goes through its column type's bind processor
    as Core would apply it (``orm.UtcDateTime`` on SQLite), binary values excepted.
    """
    if not rows:
        return
    key = (table, columns, type(connection.dialect))
    if key not in _INSERTS:
        _INSERTS[key] = _insert_for(table, columns, connection.dialect)
    sql, processors = _INSERTS[key]
    connection.exec_driver_sql(sql, _processed(rows, processors) if processors else rows)


def _insert_for(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, _Processors]:
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    # Binary columns go as they are: sqlite3 and psycopg take bytes. Core wraps each in
    # the driver's Binary, on SQLite a memoryview per value, and the garbage collector's
    # visits to those cost a tenth of a batch's append (bench/ledger.py).
    types = [table.c[name].type for name in columns]
    processors = tuple(
        (i, process)
        for i, type_ in enumerate(types)
        if not isinstance(type_, LargeBinary)
        and (process := type_.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    return sql, processors


def _processed(rows: Sequence[tuple[Any, ...]], processors: _Processors) -> list[tuple[Any, ...]]:
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


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("parley.adapters") / "migrations"))
    config.attributes["engine"] = writer(engine)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (the newest by default).

    Raises:
        ConfigurationError: the database cannot be reached.
    """
    try:
        engine.connect().close()
    except OperationalError as e:
        raise ConfigurationError(f"cannot reach the database: {e.orig}") from e
    try:
        command.upgrade(_alembic_config(engine), revision)
    except OperationalError as e:
        raise ConfigurationError(f"cannot migrate the database: {e.orig}") from e


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])
