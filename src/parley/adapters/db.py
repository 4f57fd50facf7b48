"""Engines and migrations for the two supported databases.

SQLite is the embedded default and runs in WAL mode with foreign keys on; PostgreSQL is
the server choice (``postgresql://`` URLs use the psycopg 3 driver). This is the only
module that knows the difference.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from importlib.resources import files
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.pool import QueuePool

from parley.adapters.turns import WritersTurn
from parley.errors import ConfigurationError

__all__ = [
    "create_db_engine",
    "current_revision",
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
            sized: dict[str, int] = {}  # a file's pool (in memory, one connection a thread)
            if issubclass(cast(Any, parsed.get_dialect()).get_pool_class(parsed), QueuePool):
                sized = {"pool_size": _SQLITE_POOL, "max_overflow": _SQLITE_OVERFLOW}
            engine = create_engine(parsed, echo=echo, **sized)
            event.listen(engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling defers BEGIN; take it over so that a
            # unit of work is one real transaction (SQLAlchemy's documented recipe).
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        engine = create_engine(parsed, echo=echo)
        event.listen(engine, "checkin", _rested)
        event.listen(engine, "checkout", _pinging(engine.dialect))
        return engine
    except ModuleNotFoundError as e:
        raise ConfigurationError(
            f"the database driver for {parsed.drivername} is not installed "
            "(install parley[postgres] for PostgreSQL)"
        ) from e


# A SQLite connection kept for each thread that may hold one at once: the API's worker
# threads (anyio's 40 by default) and the background ones (the access log). Opening one
# costs its pragmas and a file open and closing it a checkpoint attempt; with the
# default five kept, a server under load opened and closed one for most requests. An
# idle one holds a file handle and the pages it cached (at most 2 MiB).
_SQLITE_POOL = 48
_SQLITE_OVERFLOW = 16


# A pooled server connection is pinged before use only after resting this long: one
# that was in use a moment ago is alive, and pinging every checkout (pool_pre_ping)
# cost each unit of work a round trip of its own. A connection that breaks in use is
# thrown away at once (as Core does, and ``fastpath.Driver`` too).
_REST = 1.0  # seconds
_RESTING_SINCE = "parley_resting_since"


def _rested(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RESTING_SINCE] = time.monotonic()


def _pinging(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """The pool's checkout hook: ping a connection that rested a while."""

    def ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_RESTING_SINCE)
        if since is None or time.monotonic() - since < _REST:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as e:
            # The pool's documented answer: it drops this connection and takes another.
            raise DisconnectionError(f"a pooled connection was lost: {e}") from e

    return ping_if_rested


WRITER = {"parley_writer": True}


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE on a connection that will write.

    A deferred transaction that reads and then writes can fail at once with "database
    is locked" when another writer got there first; waiting cannot help it. Taking the
    write lock at BEGIN makes writers queue (for up to busy_timeout) instead. Plain
    reads stay deferred: in WAL mode they never wait for a writer.
    """
    dbapi_connection: Any = conn.connection.dbapi_connection
    if dbapi_connection.in_transaction:  # begun already, by a unit of work's driver
        return
    sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get("parley_writer") else "BEGIN"
    # By the driver: Core's execution of one statement costs more than SQLite's BEGIN.
    # Its error is raised as Core would.
    try:
        dbapi_connection.execute(sql)
    except sqlite3.Error as e:
        raise DBAPIError.instance(sql, (), e, sqlite3.Error, dialect=conn.dialect) from e


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (see ``_sqlite_begin``)."""
    return engine.execution_options(**WRITER)


_TURNS: dict[str, WritersTurn] = {}
_TURNS_LOCK = threading.Lock()
# Each engine's, found once: every unit of work asks, and rendering the URL is not free.
_ENGINE_TURNS: weakref.WeakKeyDictionary[Engine, WritersTurn] = weakref.WeakKeyDictionary()


def writers_turn(engine: Engine) -> WritersTurn | None:
    """The turn a writing unit of work takes on a SQLite file before SQLite's own lock
    (``adapters.turns``), else None: PostgreSQL needs none."""
    if engine.dialect.name != "sqlite":
        return None
    found = _ENGINE_TURNS.get(engine)
    if found is None:
        url = engine.url
        # A file's, shared with other processes; a database in memory is this process's.
        in_file = isinstance(engine.pool, QueuePool) and "uri" not in url.query
        path = f"{url.database}-turn" if in_file else None
        with _TURNS_LOCK:
            found = _TURNS.setdefault(str(url), WritersTurn(path))
            _ENGINE_TURNS[engine] = found
    return found


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
