"""The one place where adapters are wired to services."""

from __future__ import annotations

from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path

from sqlalchemy import Engine

from parley.adapters import agreements, db, rounds_file
from parley.adapters.access import SqlAccessUnitOfWork
from parley.adapters.formats import open_table, write_table
from parley.adapters.migrations import HEAD
from parley.adapters.uow import SqlUnitOfWork
from parley.config import Settings
from parley.errors import ConfigurationError
from parley.services.rounds import ListedRounds

__all__ = [
    "access_unit_of_work",
    "connect",
    "load_agreement",
    "load_rounds",
    "open_table",
    "read_agreement",
    "read_rounds",
    "schema_revision",
    "unit_of_work",
    "upgrade_schema",
    "write_table",
]


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
        reason = getattr(e, "orig", None) or e
        raise ConfigurationError(f"cannot reach the database: {reason}") from e
    if revision is None:
        db.upgrade(engine)
    elif revision != HEAD:
        raise ConfigurationError(
            f"the database schema is at revision {revision}, this parley needs {HEAD}; "
            "run 'parley db upgrade' first"
        )
    return engine


def unit_of_work(engine: Engine, *, read_only: bool = False) -> SqlUnitOfWork:
    """A fresh unit of work on ``engine``; ``read_only`` for one that never commits."""
    return SqlUnitOfWork(engine, read_only=read_only)


def access_unit_of_work(engine: Engine, *, read_only: bool = False) -> SqlAccessUnitOfWork:
    """A fresh unit of work that also reaches users, tokens, web sessions and the access
    log; ``read_only`` for one that never commits (authenticating a request)."""
    return SqlAccessUnitOfWork(engine, read_only=read_only)


def upgrade_schema(settings: Settings) -> str | None:
    """Create the schema or bring it to this parley's revision; return the revision.

    Raises:
        ConfigurationError: the database cannot be reached or migrated.
    """
    engine = connect(settings, migrate=False)
    db.upgrade(engine)
    return db.current_revision(engine)


def schema_revision(settings: Settings) -> str | None:
    """The schema revision of the configured database, ``None`` when it is empty."""
    return db.current_revision(connect(settings, migrate=False))


def load_agreement(path: Path) -> agreements.CheckedAgreement:
    """Read and check the agreement file at ``path``: the agreement and its law warnings.

    Raises:
        AgreementRejected: the file cannot be read or has problems, every one listed.
    """
    return agreements.load_agreement(path)


def load_rounds(path: Path | Traversable) -> ListedRounds:
    """Read and check the rounds file at ``path``: its rounds, each with its commitments.

    Raises:
        RoundsRejected: the file cannot be read or has problems, every one listed.
    """
    return rounds_file.load_rounds(path)


def read_agreement(text: str, source: str = "agreement.yaml") -> agreements.CheckedAgreement:
    """Read and check an agreement given as YAML text (an upload, not a file on disk).

    Args:
        text: the agreement's YAML.
        source: the name its problems are reported under.

    Raises:
        AgreementRejected: the text is not YAML or has problems, every one listed.
    """
    return agreements.read_agreement(text, source)


def read_rounds(text: str, source: str = "rounds.yaml") -> ListedRounds:
    """Read and check rounds given as YAML text (an upload, not a file on disk).

    Args:
        text: the rounds file's YAML.
        source: the name its problems are reported under.

    Raises:
        RoundsRejected: the text is not YAML or has problems, every one listed.
    """
    return rounds_file.read_rounds(text, source)
