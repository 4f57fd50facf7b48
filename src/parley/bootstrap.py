"""The one place where adapters are wired to services."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from parley.adapters import db
from parley.adapters.migrations import HEAD
from parley.adapters.uow import SqlUnitOfWork
from parley.config import Settings
from parley.errors import ConfigurationError

__all__ = ["connect", "unit_of_work"]


@cache
def _engine(url: str) -> Engine:
    return db.create_db_engine(url)


def connect(settings: Settings, *, migrate: bool = True) -> Engine:
    """An engine on the configured database, its schema created if the database is empty.

    Raises:
        ConfigurationError: the database is at an older schema (run ``parley db upgrade``)
            or cannot be reached.
    """
    engine = _engine(settings.database_url)
    if not migrate:
        return engine
    try:
        revision = db.current_revision(engine)
    except Exception as e:  # any driver error: the database cannot be reached
        raise ConfigurationError(f"cannot reach the database: {type(e).__name__}") from e
    if revision is None:
        db.upgrade(engine)
    elif revision != HEAD:
        raise ConfigurationError(
            f"the database schema is at revision {revision}, this parley needs {HEAD}; "
            "run 'parley db upgrade' first"
        )
    return engine


def unit_of_work(engine: Engine) -> SqlUnitOfWork:
    """A fresh unit of work on ``engine``."""
    return SqlUnitOfWork(engine)
