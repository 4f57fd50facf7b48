"""Storage: the unit of work, the event log, the database settings and the migrations.

A unit of work commits everything or nothing, and its events go to the log in the same
transaction, in order, without personal data. SQLite runs in WAL mode with foreign keys
on; the migrations build exactly the schema the models describe, on both databases, and
``bootstrap.connect`` creates a missing schema but refuses one at another revision.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from parley import bootstrap
from parley.adapters import db
from parley.adapters.eventlog import read_events
from parley.adapters.formats import open_table
from parley.adapters.migrations import HEAD
from parley.adapters.orm import Base, EventRow, ImportRow
from parley.adapters.uow import SqlUnitOfWork
from parley.config import Settings
from parley.domain.events import PartyRegistered
from parley.domain.parties import Party
from parley.errors import ConfigurationError, ImportRejected
from parley.services.importing import ImportSummary, import_records
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]

HOLDINGS_FILE = (
    "record_id,family_name,given_name,patronymic,birth_date,birth_place,category,"
    "service_number\n"
    "RU-1,Коваленко,Дар'я,Олегівна,14.03.1999,Житомир,pow,ЗС-777001\n"
    "RU-2,Семёнов,Фёдор,Алексеевич,03.1987,Орёл,pow,ЗС-777002\n"
    "RU-3,Zhuravel,Bohdan,,1990,Lutsk,civilian_internee,\n"
).encode()
# Every piece of personal data in HOLDINGS_FILE, as written and as stored.
PERSONAL = (
    "Коваленко",
    "Дар'я",
    "Олегівна",
    "Семёнов",
    "Фёдор",
    "Алексеевич",
    "Zhuravel",
    "Bohdan",
    "14.03.1999",
    "1999-03-14",
    "03.1987",
    "1987-03",
    "Житомир",
    "Орёл",
    "Lutsk",
    "ЗС-777001",
    "ЗС-777002",
)
TABLES = {t.name for t in Base.metadata.sorted_tables}


# --- helpers ----------------------------------------------------------------------------


def _import(
    uow: Uow, tmp_path: Path, content: bytes, name: str = "ru-holdings.csv"
) -> ImportSummary:
    path = tmp_path / name
    path.write_bytes(content)
    table = open_table(path)
    try:
        return import_records(uow(), kind="holdings", party="RU", table=table, actor="t", now=NOW)
    finally:
        table.close()


def _events(uow: Uow) -> list[tuple[int, str, str, dict[str, object]]]:
    with uow() as u:
        return [(e.seq, e.type, e.actor, json.loads(e.payload)) for e in read_events(u.session)]


def _count(engine: Engine, table: type[Base]) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def _alembic(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("parley.adapters") / "migrations"))
    config.attributes["engine"] = engine
    return config


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a migrated SQLite file of this test's own."""
    path = tmp_path / "own.db"
    shutil.copy(sqlite_template, path)
    engine = db.create_db_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


# --- the unit of work -------------------------------------------------------------------


def test_a_unit_of_work_left_without_commit_keeps_nothing(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party("UA", "Party UA", "uk"))
        assert u.parties.get("UA") is not None

    with uow() as u:
        assert u.parties.get("UA") is None
        assert u.parties.all() == []


def _add_a_party_then_fail(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party("UA", "Party UA", "uk"))
        u.record(PartyRegistered(occurred_at=NOW, actor="t", party="UA"))
        raise RuntimeError("boom")


def test_a_unit_of_work_left_by_an_error_keeps_nothing(uow: Uow) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _add_a_party_then_fail(uow)

    with uow() as u:
        assert u.parties.all() == []
    assert _events(uow) == []


def test_a_committed_unit_of_work_keeps_its_changes(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party("UA", "Party UA", "uk"))
        u.commit()

    with uow() as u:
        assert u.parties.all() == [Party("UA", "Party UA", "uk")]


def test_events_of_a_committed_unit_are_in_the_log_in_the_order_recorded(uow: Uow) -> None:
    codes = ["CC", "AA", "BB"]
    with uow() as u:
        for minutes, code in enumerate(codes):
            u.parties.add(Party(code, f"Party {code}"))
            at = NOW + timedelta(minutes=minutes)
            u.record(PartyRegistered(occurred_at=at, actor=f"clerk-{code}", party=code))
        u.commit()

    events = _events(uow)

    assert [(kind, actor, payload) for _, kind, actor, payload in events] == [
        ("PartyRegistered", f"clerk-{code}", {"party": code}) for code in codes
    ]
    seqs = [seq for seq, *_ in events]
    assert seqs == sorted(set(seqs))


def test_events_of_a_unit_left_without_commit_are_not_in_the_log(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party("UA", "Party UA"))
        u.record(PartyRegistered(occurred_at=NOW, actor="t", party="UA"))

    assert _events(uow) == []


def test_events_recorded_before_a_rollback_are_dropped_even_if_the_unit_commits_later(
    uow: Uow,
) -> None:
    with uow() as u:
        u.parties.add(Party("UA", "Party UA"))
        u.record(PartyRegistered(occurred_at=NOW, actor="t", party="UA"))
        u.rollback()
        u.parties.add(Party("RU", "Party RU"))
        u.record(PartyRegistered(occurred_at=NOW, actor="t", party="RU"))
        u.commit()

    assert [payload for *_, payload in _events(uow)] == [{"party": "RU"}]
    with uow() as u:
        assert [p.code for p in u.parties.all()] == ["RU"]


# --- imports in the event log -----------------------------------------------------------


@pytest.mark.usefixtures("parties")
def test_an_accepted_import_writes_one_event_with_its_counts_and_no_personal_data(
    tmp_path: Path, engine: Engine, uow: Uow
) -> None:
    before = _events(uow)

    summary = _import(uow, tmp_path, HOLDINGS_FILE)

    added = _events(uow)[len(before) :]
    assert [(kind, actor) for _, kind, actor, _ in added] == [("HoldingsImported", "t")]
    assert added[0][3] == {
        "party": "RU",
        "import_id": summary.import_id,
        "file_sha256": hashlib.sha256(HOLDINGS_FILE).hexdigest(),
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    with engine.connect() as conn:
        log = "\n".join(repr(tuple(row)) for row in conn.execute(select(EventRow)))
    assert [word for word in PERSONAL if word in log] == []


@pytest.mark.usefixtures("parties")
def test_an_accepted_import_is_registered_with_its_hash_and_counts(
    tmp_path: Path, engine: Engine, uow: Uow
) -> None:
    first = _import(uow, tmp_path, HOLDINGS_FILE)
    second = _import(uow, tmp_path, HOLDINGS_FILE, name="again.csv")

    with engine.connect() as conn:
        rows = conn.execute(select(ImportRow).order_by(ImportRow.id)).all()
    assert [
        (r.id, r.party_code, r.kind, r.source_name, r.file_sha256, r.rows, r.created, r.unchanged)
        for r in rows
    ] == [
        (first.import_id, "RU", "holdings", "ru-holdings.csv", first.sha256, 3, 3, 0),
        (second.import_id, "RU", "holdings", "again.csv", first.sha256, 3, 0, 3),
    ]
    assert [kind for _, kind, _, _ in _events(uow)][-2:] == ["HoldingsImported"] * 2


@pytest.mark.usefixtures("parties")
def test_a_rejected_import_writes_no_event_and_no_import_row(
    tmp_path: Path, engine: Engine, uow: Uow
) -> None:
    events = _events(uow)
    bad = HOLDINGS_FILE.replace(b",pow,", b",prisoner,", 1)

    with pytest.raises(ImportRejected):
        _import(uow, tmp_path, bad)

    assert _events(uow) == events
    assert _count(engine, ImportRow) == 0


def test_times_read_back_as_the_instants_that_were_stored(
    request: pytest.FixtureRequest, engine: Engine, uow: Uow, tmp_path: Path
) -> None:
    with uow() as u:
        u.parties.add(Party("RU", "Party RU"))
        u.record(PartyRegistered(occurred_at=NOW, actor="t", party="RU"))
        u.commit()
    _import(uow, tmp_path, HOLDINGS_FILE)

    with uow() as u:
        occurred = [e.occurred_at for e in read_events(u.session)]
        history = u.holdings.history("RU", "RU-1")
    with engine.connect() as conn:
        imported = conn.scalars(select(ImportRow.imported_at)).all()

    assert occurred == [NOW, NOW]
    assert imported == [NOW]
    assert [v.valid_from for v in history] == [NOW]
    assert all(t.utcoffset() is not None for t in [*occurred, *imported])


# --- the database -----------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_engine: Engine) -> None:
    for _ in range(2):  # a second connection from the pool is set up the same way
        with sqlite_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_row_that_names_an_unknown_party_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            ImportRow.__table__.insert().values(
                party_code="XX",
                kind="holdings",
                source_name="x.csv",
                file_sha256="",
                rows=0,
                created=0,
                updated=0,
                unchanged=0,
                imported_at=NOW,
                actor="t",
            )
        )

    assert _count(engine, ImportRow) == 0


# --- migrations -------------------------------------------------------------------------


def test_upgrading_an_empty_sqlite_file_creates_every_table_of_the_models(
    tmp_path: Path,
) -> None:
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert db.current_revision(engine) is None

        db.upgrade(engine)

        assert _tables(engine) == TABLES | {"alembic_version"}
        assert db.current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_the_migrations_build_exactly_the_schema_of_the_models(engine: Engine) -> None:
    assert db.current_revision(engine) == HEAD
    assert _differences(engine) == []


def test_sqlite_downgrades_to_nothing_and_upgrades_back_to_head(sqlite_engine: Engine) -> None:
    command.downgrade(_alembic(sqlite_engine), "base")

    assert _tables(sqlite_engine) == {"alembic_version"}
    assert db.current_revision(sqlite_engine) is None

    db.upgrade(sqlite_engine)

    assert _tables(sqlite_engine) == TABLES | {"alembic_version"}
    assert db.current_revision(sqlite_engine) == HEAD
    assert _differences(sqlite_engine) == []


# --- bootstrap --------------------------------------------------------------------------


def test_connecting_to_an_empty_database_creates_the_schema(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}")

    engine = bootstrap.connect(settings)
    try:
        assert _tables(engine) == TABLES | {"alembic_version"}
        assert db.current_revision(engine) == HEAD
        with SqlUnitOfWork(engine) as u:
            assert u.parties.all() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", ["0000", "a1b2c3d4e5f6"], ids=["older", "unknown"])
def test_connecting_to_a_database_at_another_revision_asks_for_db_upgrade(
    revision: str, sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = db.create_db_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()

    with pytest.raises(ConfigurationError) as refused:
        bootstrap.connect(Settings(database_url=url))

    assert str(refused.value) == (
        f"the database schema is at revision {revision}, this parley needs {HEAD}; "
        "run 'parley db upgrade' first"
    )
    check = db.create_db_engine(url)
    try:
        assert db.current_revision(check) == revision  # refused, not migrated
    finally:
        check.dispose()
