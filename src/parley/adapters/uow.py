"""The SQLAlchemy unit of work: one session, one transaction, events written at commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from parley.adapters.db import writer, writers_turn
from parley.adapters.eventlog import SqlPublicLog, append_events
from parley.adapters.exchange import SqlExchangeRepository, SqlIdempotencyKeys
from parley.adapters.keys import SqlKeyRegistry
from parley.adapters.plans import SqlPlanRepository
from parley.adapters.repositories import (
    SqlImportLog,
    SqlPartyRepository,
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


class SqlUnitOfWork:
    """A transaction over every repository; rolls back unless ``commit()`` was called.

    Events recorded during the unit are appended to the event log just before the
    commit, in the order they were recorded, inside the same transaction.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        # A unit that may write takes SQLite's write lock at BEGIN (db.writer); a
        # read-only one does not, so a slow export never holds up an import.
        self._bind = engine if read_only else writer(engine)
        self._turn = None if read_only else writers_turn(engine)
        self._events: list[DomainEvent] = []
        self._session: Session | None = None

    def __enter__(self) -> Self:
        # As long as SQLite's own busy timeout: then the same answer, DatabaseBusy.
        if self._turn is not None and not self._turn.acquire(timeout=_WAIT):
            raise DatabaseBusy(_BUSY)
        try:
            return self._open()
        except BaseException:
            if self._turn is not None:
                self._turn.release()
            raise

    def _open(self) -> Self:
        # A plain Session, not a sessionmaker per unit: each sessionmaker is a new Session
        # subclass whose event dispatch is built on first use, about 0.1 ms a unit (a
        # sixth of a unit that records one event and commits it durably).
        self._session = Session(bind=self._bind, expire_on_commit=False, autoflush=False)
        self._session.begin()
        self._events = []
        self.parties = SqlPartyRepository(self._session)
        self.holdings = holding_repository(self._session)
        self.requests = request_repository(self._session)
        self.imports = SqlImportLog(self._session)
        self.reviews = SqlReviewRepository(self._session)
        self.plans = SqlPlanRepository(self._session)
        self.log = SqlPublicLog(self._session)
        self.keys = SqlKeyRegistry(self._session)
        self.rounds = SqlRoundRepository(self._session)
        self.exchange = SqlExchangeRepository(self._session)
        self.idempotency = SqlIdempotencyKeys(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._require()
        try:
            if session.in_transaction():
                session.rollback()
        finally:
            session.close()
            self._session = None
            self._events = []
            if self._turn is not None:
                self._turn.release()
        if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
            raise DatabaseBusy(_BUSY) from exc

    @property
    def session(self) -> Session:
        """The session, for adapters that read alongside the repositories (the event log)."""
        return self._require()

    def _require(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session

    def record(self, event: DomainEvent) -> None:
        """Queue ``event`` for the log; it is written only if the unit commits."""
        self._events.append(event)

    def commit(self) -> None:
        """Write the queued events, then commit everything as one transaction."""
        session = self._require()
        append_events(session, self._events)
        self._events = []
        session.commit()

    def rollback(self) -> None:
        """Drop every change and every queued event."""
        self._events = []
        self._require().rollback()
