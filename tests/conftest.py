"""Fixtures shared by the integration and end-to-end tests.

Every integration test that takes ``engine`` runs twice: on SQLite and on PostgreSQL
(``PARLEY_TEST_POSTGRES_URL``, default 127.0.0.1:5432 database ``test``). Where no
PostgreSQL answers the PostgreSQL variant skips, saying so, unless
``PARLEY_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text

from parley.adapters import db
from parley.adapters.orm import Base
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.parties import Party
from parley.services.parties import register_party

POSTGRES_URL = os.environ.get(
    "PARLEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)


def _postgres_admin() -> Engine | None:
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except Exception as e:  # no server, no driver: say which
        if os.environ.get("PARLEY_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but {POSTGRES_URL} did not answer: {e}")
        pytest.skip(
            f"no PostgreSQL at {POSTGRES_URL} ({type(e).__name__}); set PARLEY_TEST_POSTGRES_URL"
        )
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.create_db_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A schema of its own in the test database, migrated once per test session."""
    admin = _postgres_admin()
    assert admin is not None
    schema = f"parley_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    engine = db.create_db_engine(url)
    db.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_postgres(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "parley.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    engine = db.create_db_engine(url)
    _truncate_postgres(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty, migrated database (SQLite, then PostgreSQL)."""
    engine = db.create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """Make a fresh unit of work on the test database."""
    return lambda: SqlUnitOfWork(engine)


@pytest.fixture
def parties(uow: Callable[[], SqlUnitOfWork]) -> tuple[Party, Party]:
    """Parties UA and RU, registered."""
    pair = (Party("UA", "Party UA", "uk"), Party("RU", "Party RU", "ru"))
    for party in pair:
        register_party(uow(), party, actor="test", now=NOW)
    return pair


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to show that a rejected import changed nothing."""
    with engine.connect() as conn:
        return {
            t.name: sorted(
                (tuple(str(v) for v in row) for row in conn.execute(select(t))), key=repr
            )
            for t in Base.metadata.sorted_tables
        }
