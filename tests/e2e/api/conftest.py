"""An API on a small running exchange, with a user and a token for every role.

The world is built once per test session into a SQLite file (parties UA and RU with
seven prisoners each, the agreement planned and adopted, tranche 1 signed by all three
and open; a third party XA that is not in the exchange), and each test gets a copy of
that file, so a test's writes never reach another test.

Users, by the name tests use for them:

======== ============================ ====================================
who      user (role, party)           used for
======== ============================ ====================================
own      ua-office (party, UA)        a party acting on its own objects
other    ru-office (party, RU)        the other party of the exchange
outsider xa-office (party, XA)        a party of no exchange here
mediator mediator (mediator)
verifier verifier (neutral_verifier)
observer observer (observer)
admin    admin (admin)
======== ============================ ====================================
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parley.adapters import db
from parley.adapters.access import SqlAccessUnitOfWork
from parley.config import Settings
from parley.domain.access import Role
from parley.domain.parties import Party
from parley.entrypoints.api import create_app
from parley.services.auth import add_user, new_token
from parley.services.parties import register_party
from tests.conftest import NOW
from tests.integration import exchange_support as ex

PASSWORD = "correct horse battery staple"
USERS: dict[str, tuple[str, Role, str | None]] = {
    "own": ("ua-office", Role.PARTY, "UA"),
    "other": ("ru-office", Role.PARTY, "RU"),
    "outsider": ("xa-office", Role.PARTY, "XA"),
    "mediator": ("mediator", Role.MEDIATOR, None),
    "verifier": ("verifier", Role.NEUTRAL_VERIFIER, None),
    "observer": ("observer", Role.OBSERVER, None),
    "admin": ("admin", Role.ADMIN, None),
}
EXCHANGE = ex.EXCHANGE


@dataclass
class World:
    """A built database file and the token of each user in it."""

    path: Path
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def api_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The exchange, the users and their tokens, built once."""
    path = tmp_path_factory.mktemp("api-world") / "world.db"
    shutil.copy(sqlite_template, path)
    engine = db.create_db_engine(f"sqlite:///{path}")

    def uow() -> SqlAccessUnitOfWork:
        return SqlAccessUnitOfWork(engine)

    for code, language in (("UA", "uk"), ("RU", "ru"), ("XA", "en")):
        register_party(uow(), Party(code, f"Party {code}", language), actor="test", now=NOW)
    ex.opened(uow)
    world = World(path)
    now = datetime.now(UTC)
    for who, (name, role, party) in USERS.items():
        add_user(uow(), name, role, party, password=PASSWORD, actor="test", now=now)
        made = new_token(
            uow(), name, label="tests", valid_for=timedelta(days=30), actor="test", now=now
        )
        world.tokens[who] = made.token
    engine.dispose()
    # Into the file itself: each test copies the file alone.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return world


@dataclass
class Api:
    """A running application on a copy of the world, and a client per user."""

    client: TestClient
    world: World
    url: str

    def headers(self, who: str | None) -> dict[str, str]:
        """The Authorization header of ``who`` (None: anonymous)."""
        return {} if who is None else {"Authorization": f"Bearer {self.world.tokens[who]}"}

    def get(self, who: str | None, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]

    def post(self, who: str | None, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        headers = self.headers(who) | dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        return self.client.post(path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def delete(self, who: str | None, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.delete(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def api(api_world: World, tmp_path: Path) -> Iterator[Api]:
    """The API on a fresh copy of the world."""
    path = tmp_path / "parley.db"
    shutil.copy(api_world.path, path)
    url = f"sqlite:///{path}"
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        yield Api(client, api_world, url)
