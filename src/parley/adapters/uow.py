"""The SQLAlchemy unit of work: one connection, one transaction, events written at commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from parley.adapters.db import writer, writers_turn
from parley.adapters.eventlog import SqlPublicLog, append_events
from parley.adapters.exchange import SqlExchangeRepository
from parley.adapters.fastpath import Driver, SessionSource, UnitDriver
from parley.adapters.idempotency import SqlIdempotencyKeys
from parley.adapters.keys import SqlKeyRegistry
from parley.adapters.plans import SqlPlanRepository
from parley.adapters.protection import SqlDataProtection
from parley.adapters.repositories import (
    SqlImportLog,
    SqlPartyRepository,
    SqlRecordRepository,
    holding_repository,
    request_repository,
)
from parley.adapters.reviews import SqlReviewRepository
from parley.adapters.rounds import SqlRoundRepository
from parley.domain.events import DomainEvent
from parley.errors import DatabaseBusy

__all__ = ["SqlUnitOfWork"]

_WAIT = 10.0  # seconds, SQLite's busy timeout (adapters.db)
_BUSY = "the database is busy with another command (waited 10 s); try again"
R = TypeVar("R")


class SqlUnitOfWork:
    """A transaction over every repository; rolls back unless ``commit()`` was called.

    Events recorded during the unit are appended to the event log just before the
    commit, in the order they were recorded, inside the same transaction.

    Entering checks a connection out of the pool and begins the transaction (on SQLite
    a unit that may write takes the write lock there). The handover's statements run
    on it through the driver (``adapters.fastpath``); the Core connection and the ORM
    session on the same connection, which join that transaction, are made only when a
    repository first needs them: a unit that records a handover never pays for them.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._turn = None if read_only else writers_turn(engine)
        self._events: list[DomainEvent] = []
        self._pooled: PoolProxiedConnection | None = None
        self._driver: UnitDriver | None = None
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._repositories: dict[str, Any] = {}

    def __enter__(self) -> Self:
        # As long as SQLite's own busy timeout: then the same answer, DatabaseBusy.
        if self._turn is not None and not self._turn.acquire(timeout=_WAIT):
            raise DatabaseBusy(_BUSY)
        try:
            return self._open()
        except BaseException as e:
            self._close()
            if isinstance(e, OperationalError) and "locked" in str(e.orig):
                raise DatabaseBusy(_BUSY) from e
            raise

    def _open(self) -> Self:
        self._pooled = self._engine.raw_connection()
        # On SQLite the driver begins the transaction, taking the write lock at BEGIN
        # for a unit that may write (see db.writer); psycopg begins one of its own.
        begin = None
        if self._engine.dialect.name == "sqlite":
            begin = "BEGIN" if self._read_only else "BEGIN IMMEDIATE"
        self._driver = UnitDriver(self._pooled, self._engine, begin=begin, core=self._core)
        if self._engine.dispatch.before_cursor_execute:  # someone listens to each statement
            self._driver.listen(self._core())
        self._driver.begin()
        self._events = []
        self._repositories = {}
        self.log = SqlPublicLog(self._lazy_session, self._driver)
        self.exchange = SqlExchangeRepository(self._lazy_session, self._driver)
        self.idempotency = SqlIdempotencyKeys(self._lazy_session, self._driver)
        self.protection = SqlDataProtection(self._lazy_session)
        return self

    def _core(self) -> Connection:
        """The Core connection on the unit's DBAPI connection, in its transaction."""
        if self._connection is None:
            if self._pooled is None:
                raise RuntimeError("the unit of work is used outside its 'with' block")
            assert self._driver is not None
            bind = self._engine if self._read_only else writer(self._engine)
            connection = Connection(bind, self._pooled)
            event.listen(connection, "before_cursor_execute", self._driver.send_held)
            connection.begin()  # the database's is open already (db._sqlite_begin)
            self._connection = connection
        return self._connection

    @property
    def session(self) -> Session:
        """The session (made on first use), for what reads alongside the repositories."""
        if self._session is None:
            # A plain Session, not a sessionmaker per unit: each sessionmaker is a new
            # Session subclass whose event dispatch is built on first use. Bound to the
            # connection in its transaction, it joins it: its commit leaves the
            # transaction to ours, its rollback rolls it back.
            session = Session(bind=self._core(), expire_on_commit=False, autoflush=False)
            assert self._driver is not None
            self._driver.attach(session)
            self._session = session
        return self._session

    def _lazy_session(self) -> Session:
        return self.session

    def _repository(self, name: str, make: Callable[[Session], R]) -> R:
        found: R | None = self._repositories.get(name)
        if found is None:
            found = self._repositories[name] = make(self.session)
        return found

    @property
    def parties(self) -> SqlPartyRepository:
        """The parties."""
        return self._repository("parties", SqlPartyRepository)

    @property
    def holdings(self) -> SqlRecordRepository[Any, Any]:
        """The holdings (a look at one person needs no session: see ``_records``)."""
        return self._records("holdings", holding_repository)

    @property
    def requests(self) -> SqlRecordRepository[Any, Any]:
        """The requests."""
        return self._records("requests", request_repository)

    def _records(
        self, name: str, make: Callable[[SessionSource, Driver], SqlRecordRepository[Any, Any]]
    ) -> SqlRecordRepository[Any, Any]:
        # On the session made on first use, like the exchange's: a read of one record
        # (the most read route) runs on the driver and never pays for the session.
        found: SqlRecordRepository[Any, Any] | None = self._repositories.get(name)
        if found is None:
            found = self._repositories[name] = make(self._lazy_session, self._require())
        return found

    @property
    def imports(self) -> SqlImportLog:
        """The import log."""
        return self._repository("imports", SqlImportLog)

    @property
    def reviews(self) -> SqlReviewRepository:
        """The reviews."""
        return self._repository("reviews", SqlReviewRepository)

    @property
    def plans(self) -> SqlPlanRepository:
        """The plans."""
        return self._repository("plans", SqlPlanRepository)

    @property
    def keys(self) -> SqlKeyRegistry:
        """The registered keys."""
        return self._repository("keys", SqlKeyRegistry)

    @property
    def rounds(self) -> SqlRoundRepository:
        """The rounds."""
        return self._repository("rounds", SqlRoundRepository)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._require()
        self._close()
        if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
            raise DatabaseBusy(_BUSY) from exc

    def _close(self) -> None:
        """Roll back what was not committed, give the connection back, end the turn."""
        session, connection, driver = self._session, self._connection, self._driver
        try:
            if session is not None and session.in_transaction():
                session.rollback()
            if connection is not None and connection.in_transaction():
                connection.rollback()
            if driver is not None:
                driver.rollback()
        finally:
            if session is not None:
                session.close()
            if connection is not None:
                connection.close()  # gives the pooled connection back
            elif self._pooled is not None:
                self._pooled.close()
            self._session = self._connection = self._pooled = self._driver = None
            self._events = []
            self._repositories = {}
            if self._turn is not None:
                self._turn.release()

    def _require(self) -> UnitDriver:
        if self._driver is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._driver

    def record(self, event: DomainEvent) -> None:
        """Queue ``event`` for the log; it is written only if the unit commits."""
        self._events.append(event)

    def commit(self) -> None:
        """Write the queued events, then commit everything as one transaction."""
        driver = self._require()
        if self._session is not None:
            self._session.flush()
        append_events(driver, self._events)  # the last writes: they hold the log's head
        self._events = []
        driver.commit()
        # Only bookkeeping is left: the transaction is committed at the driver.
        if self._session is not None and self._session.in_transaction():
            self._session.commit()
        if self._connection is not None:
            self._connection.commit()

    def rollback(self) -> None:
        """Drop every change and every queued event."""
        driver = self._require()
        self._events = []
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None:
            self._connection.rollback()
        driver.rollback()
