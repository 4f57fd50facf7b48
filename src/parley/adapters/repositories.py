"""SQLAlchemy repositories behind the ports of ``parley.services.ports``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import BindParameter, Date, Table, bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from parley.adapters import records
from parley.adapters.orm import (
    HoldingRow,
    ImportRow,
    PartyRow,
    RecordVersionRow,
    RequestRow,
    UtcDateTime,
)
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.services.ports import BatchOutcome, Duplicate, RecordVersion

__all__ = [
    "SqlImportLog",
    "SqlPartyRepository",
    "SqlRecordRepository",
    "holding_repository",
    "request_repository",
]

R = TypeVar("R", Holding, Request)
Row = TypeVar("Row", HoldingRow, RequestRow)


class SqlPartyRepository:
    """Parties, in table ``parties``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, code: str) -> Party | None:
        row = self._session.get(PartyRow, code)
        return None if row is None else Party(row.code, row.name, row.language)

    def add(self, party: Party) -> None:
        self._session.add(PartyRow(code=party.code, name=party.name, language=party.language))
        self._session.flush()

    def all(self) -> list[Party]:
        rows = self._session.scalars(select(PartyRow).order_by(PartyRow.code))
        return [Party(r.code, r.name, r.language) for r in rows]


class SqlImportLog:
    """The register of imports, in table ``imports``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def start(self, party: str, kind: str, source_name: str, at: datetime, actor: str) -> int:
        """Register an import and, on PostgreSQL, wait for any other import of the same
        party and kind to finish: both would otherwise read the same stored versions.
        (SQLite serialises writers already, see ``db.writer``.)
        """
        if self._session.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"{kind}/{party}".encode()).digest()[:8], "big")
            self._session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - (1 << 63)}
            )
        row = ImportRow(
            party_code=party,
            kind=kind,
            source_name=source_name[:500],
            file_sha256="",
            rows=0,
            created=0,
            updated=0,
            unchanged=0,
            imported_at=at,
            actor=actor,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def finish(
        self, import_id: int, *, sha256: str, rows: int, created: int, updated: int, unchanged: int
    ) -> None:
        self._session.execute(
            update(ImportRow)
            .where(ImportRow.id == import_id)
            .values(
                file_sha256=sha256, rows=rows, created=created, updated=updated, unchanged=unchanged
            )
        )


@dataclass(frozen=True, slots=True)
class _Mapping(Generic[R, Row]):
    kind: str
    table: type[Row]
    to_row: Callable[[R], dict[str, Any]]
    from_row: Callable[[Any], R]
    content: tuple[str, ...]


class SqlRecordRepository(Generic[R, Row]):
    """Person records of one kind (holdings or requests), stored a batch at a time."""

    def __init__(self, session: Session, mapping: _Mapping[R, Row]) -> None:
        self._session = session
        self._m: _Mapping[R, Row] = mapping

    def store_batch(
        self, import_id: int, items: Sequence[tuple[int, R]], at: datetime
    ) -> BatchOutcome:
        """Insert new records, update changed ones (keeping the old version), skip the same.

        A record id already stored by this same import, or repeated inside the batch, is
        reported as a duplicate and not stored.
        """
        outcome = BatchOutcome()
        if not items:
            return outcome
        table, content = self._m.table, self._m.content
        party = items[0][1].party
        wanted: dict[str, tuple[int, dict[str, Any]]] = {}
        for row_no, record in items:
            first = wanted.get(record.record_id)
            if first is not None:
                outcome.duplicates.append(Duplicate(row_no, record.record_id, first[0]))
                continue
            values = self._m.to_row(record)
            wanted[record.record_id] = (row_no, values)
        t = table.__table__
        # Literal ids: PostgreSQL hashes a literal IN list, not a list of 1,000 bound
        # parameters, which it compared one by one with every row of the party.
        ids: BindParameter[list[str]] = bindparam("ids", expanding=True, literal_execute=True)
        stored = {
            row.record_id: row
            for row in self._session.connection().execute(
                select(t).where(t.c.party_code == party, t.c.record_id.in_(ids)),
                {"ids": list(wanted)},
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        for record_id, (row_no, values) in wanted.items():
            old = stored.get(record_id)
            if old is None:
                values.update(
                    version=1, import_id=import_id, source_row=row_no, created_at=at, updated_at=at
                )
                inserts.append(values)
                outcome.created += 1
            elif old.import_id == import_id:
                outcome.duplicates.append(Duplicate(row_no, record_id, old.source_row or 0))
            elif all(old._mapping[f] == values[f] for f in content):
                updates.append({"b_id": old.id, "import_id": import_id, "source_row": row_no})
                outcome.unchanged += 1
            else:
                versions.append(self._version_of(old, import_id, at))
                # A re-import changes what the file says, not where the person stands.
                values.pop("status")
                values.update(
                    b_id=old.id,
                    version=old.version + 1,
                    import_id=import_id,
                    source_row=row_no,
                    updated_at=at,
                )
                updates.append(values)
                outcome.updated += 1
        self._write(inserts, updates, versions)
        return outcome

    def _version_of(self, old: Any, import_id: int, at: datetime) -> dict[str, Any]:
        return {
            "kind": self._m.kind,
            "party_code": old.party_code,
            "record_id": old.record_id,
            "version": old.version,
            "content": records.content_json(old, self._m.content),
            "replaced_at": at,
            "replaced_by_import": import_id,
        }

    def _write(
        self,
        inserts: list[dict[str, Any]],
        updates: list[dict[str, Any]],
        versions: list[dict[str, Any]],
    ) -> None:
        # Core statements, not ORM bulk: one executemany per statement shape, which is
        # what makes 100,000 rows take seconds rather than minutes.
        conn = self._session.connection()
        t = cast(Table, self._m.table.__table__)
        if inserts:
            _insert_many(conn, t, inserts)
        if versions:
            conn.execute(insert(cast(Table, RecordVersionRow.__table__)), versions)
        for group in _group_by_keys(updates):
            columns: dict[str, Any] = {k: bindparam(k) for k in group[0] if k != "b_id"}
            conn.execute(update(t).where(t.c.id == bindparam("b_id")).values(columns), group)
        self._session.expire_all()

    def get(self, party: str, record_id: str) -> R | None:
        table = self._m.table
        row = self._session.scalars(
            select(table).where(table.party_code == party, table.record_id == record_id)
        ).first()
        return None if row is None else self._m.from_row(row)

    def save_status(self, record: R, at: datetime) -> None:
        table = self._m.table
        self._session.execute(
            update(table)
            .where(table.party_code == record.party, table.record_id == record.record_id)
            .values(status=record.status.value, updated_at=at)
        )

    def iter_party(self, party: str) -> Iterator[R]:
        table = self._m.table
        query = select(table).where(table.party_code == party).order_by(table.record_id)
        for row in self._session.scalars(query.execution_options(yield_per=2000)):
            yield self._m.from_row(row)

    def count(self, party: str) -> int:
        table = self._m.table
        return self._session.scalar(select(func.count()).where(table.party_code == party)) or 0

    def history(self, party: str, record_id: str) -> list[RecordVersion]:
        """Every version of a record, oldest first, the current one last."""
        table = self._m.table
        current = self._session.scalars(
            select(table).where(table.party_code == party, table.record_id == record_id)
        ).first()
        if current is None:
            return []
        old = self._session.scalars(
            select(RecordVersionRow)
            .where(
                RecordVersionRow.kind == self._m.kind,
                RecordVersionRow.party_code == party,
                RecordVersionRow.record_id == record_id,
            )
            .order_by(RecordVersionRow.version)
        ).all()
        out: list[RecordVersion] = []
        valid_from = current.created_at
        for v in old:
            out.append(RecordVersion(v.version, json.loads(v.content), valid_from, None))
            valid_from = v.replaced_at
        content = json.loads(records.content_json(current, self._m.content))
        out.append(RecordVersion(current.version, content, valid_from, current.import_id))
        return out


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows through the driver's own executemany.

    SQLAlchemy's Core executemany prepares every row's parameters in Python, a seventh
    of a 100,000-row import (py-spy). The statement is built from our own table and
    column names, quoted by the dialect; values are bound, never inlined. SQLite gets
    dates and times as the text SQLAlchemy's SQLite types store and read back.
    """
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    columns = list(rows[0])
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    params = [tuple(row.values()) for row in rows]
    if dialect.name == "sqlite":
        for i, column in enumerate(columns):
            kind = type(table.c[column].type)
            if kind in (Date, UtcDateTime):
                as_text = _text_of(date.isoformat if kind is Date else _sqlite_datetime)
                params = [(*p[:i], as_text(p[i]), *p[i + 1 :]) for p in params]
    conn.exec_driver_sql(sql, params)


def _sqlite_datetime(value: datetime) -> str:
    """An instant as orm.UtcDateTime stores it on SQLite: UTC, without the zone."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _text_of(convert: Callable[[Any], str]) -> Callable[[Any], str | None]:
    """``convert``, once per distinct value: a batch repeats its times and many dates."""
    done: dict[Any, str] = {}

    def text(value: Any) -> str | None:
        if value is None:
            return None
        if value not in done:
            done[value] = convert(value)
        return done[value]

    return text


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())


HOLDINGS: _Mapping[Holding, HoldingRow] = _Mapping(
    "holdings",
    HoldingRow,
    records.holding_to_row,
    records.holding_from_row,
    records.HOLDING_CONTENT,
)
REQUESTS: _Mapping[Request, RequestRow] = _Mapping(
    "requests",
    RequestRow,
    records.request_to_row,
    records.request_from_row,
    records.REQUEST_CONTENT,
)


def holding_repository(session: Session) -> SqlRecordRepository[Holding, HoldingRow]:
    """The holdings repository on ``session``."""
    return SqlRecordRepository(session, HOLDINGS)


def request_repository(session: Session) -> SqlRecordRepository[Request, RequestRow]:
    """The requests repository on ``session``."""
    return SqlRecordRepository(session, REQUESTS)
