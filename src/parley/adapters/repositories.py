"""SQLAlchemy repositories behind the ports of ``parley.services.ports``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import BindParameter, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from parley.adapters import bulk, records
from parley.adapters.fastpath import Driver, SessionSource, session_of
from parley.adapters.orm import (
    HoldingRow,
    ImportRow,
    PartyRow,
    RecordVersionRow,
    RequestRow,
)
from parley.adapters.statements import Statement
from parley.domain.holdings import Holding
from parley.domain.parties import Party
from parley.domain.requests import Request
from parley.services.ports import (
    BatchOutcome,
    Duplicate,
    ImportEntry,
    RecordQuery,
    RecordVersion,
)
from parley.services.readers import Values
from parley.services.schema import HOLDINGS as HOLDING_SCHEMA
from parley.services.schema import REQUESTS as REQUEST_SCHEMA

__all__ = [
    "SqlImportLog",
    "SqlPartyRepository",
    "SqlRecordRepository",
    "holding_repository",
    "request_repository",
]

R = TypeVar("R", Holding, Request)
Row = TypeVar("Row", HoldingRow, RequestRow)


_IN_CHUNK = 500  # record ids per IN list


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

    def page(
        self, party: str, kind: str | None, *, limit: int, offset: int
    ) -> tuple[list[ImportEntry], int]:
        """A page of ``party``'s imports (of ``kind``, if given), newest first; the total.

        An import still running is not committed, so it is not seen here.
        """
        where = [ImportRow.party_code == party]
        if kind is not None:
            where.append(ImportRow.kind == kind)
        total = self._session.scalar(select(func.count()).select_from(ImportRow).where(*where))
        rows = self._session.scalars(
            select(ImportRow)
            .where(*where)
            .order_by(ImportRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        entries = [
            ImportEntry(
                id=r.id,
                party=r.party_code,
                kind=r.kind,
                source_name=r.source_name,
                sha256=r.file_sha256,
                rows=r.rows,
                created=r.created,
                updated=r.updated,
                unchanged=r.unchanged,
                imported_at=r.imported_at,
                actor=r.actor,
            )
            for r in rows
        ]
        return entries, total or 0


@dataclass(frozen=True, slots=True)
class _Mapping(Generic[R, Row]):
    kind: str
    table: type[Row]
    from_row: Callable[[Any], R]
    columns: tuple[str, ...]  # the file schema's columns, record_id first
    values: Callable[[Any], Values]  # a stored row's values in that order
    content: tuple[str, ...]


@lru_cache(maxsize=4)
def _one_record(table: Table) -> Statement:
    """One record of a table of person records, by party and record id."""
    return Statement(
        select(table).where(
            table.c.party_code == bindparam("b_party"), table.c.record_id == bindparam("b_record")
        )
    )


class SqlRecordRepository(Generic[R, Row]):
    """Person records of one kind (holdings or requests), stored a batch at a time."""

    def __init__(
        self, session: SessionSource, mapping: _Mapping[R, Row], driver: Driver | None = None
    ) -> None:
        self._orm = session
        self._m: _Mapping[R, Row] = mapping
        self._driver = driver

    @property
    def _session(self) -> Session:
        """The session, for what Core and the ORM run (made on first use)."""
        return session_of(self._orm)

    def store_rows(
        self, import_id: int, party: str, items: Sequence[tuple[int, Values]], at: datetime
    ) -> BatchOutcome:
        """Insert new records, update changed ones (keeping the old version), skip the same.

        ``items`` are (row number, stored values in schema column order) of ``party``. A
        record id already stored by this same import, or repeated inside the batch, is
        reported as a duplicate and not stored.
        """
        outcome = BatchOutcome()
        wanted: dict[str, tuple[int, Values]] = {}
        for item in items:
            record_id = item[1][0]
            first = wanted.get(record_id)
            if first is not None:
                outcome.duplicates.append(Duplicate(item[0], record_id, first[0]))
            else:
                wanted[record_id] = item
        if not wanted:
            return outcome
        stored = self._stored(party, list(wanted))
        writes = _Writes()
        stored_values = self._m.values
        for record_id, (row_no, values) in wanted.items():
            old = stored.get(record_id)
            if old is None:
                writes.inserts.append((row_no, values))
                outcome.created += 1
            elif old.import_id == import_id:
                outcome.duplicates.append(Duplicate(row_no, record_id, old.source_row or 0))
            elif stored_values(old) == values:
                writes.unchanged.append((import_id, row_no, old.id))
                outcome.unchanged += 1
            else:
                writes.versions.append(self._version_of(old, import_id, at))
                writes.changed.append(self._changed(old, values, import_id, row_no, at))
                outcome.updated += 1
        self._write(party, import_id, at, writes)
        return outcome

    def _stored(self, party: str, record_ids: list[str]) -> dict[str, Any]:
        """The stored rows of ``party`` with these record ids, by record id."""
        t = self._m.table.__table__
        conn = self._session.connection()
        if conn.dialect.name == "sqlite":
            # One JSON array parameter: a statement SQLAlchemy compiles once, where 1,000
            # literal ids were rendered in Python for every batch (a tenth of an import).
            listed = func.json_each(bindparam("ids")).table_valued("value")
            query = select(t).where(
                t.c.party_code == party, t.c.record_id.in_(select(listed.c.value))
            )
            rows = conn.execute(query, {"ids": json.dumps(record_ids)})
        else:
            # Literal ids: PostgreSQL hashes a literal IN list, not a list of 1,000 bound
            # parameters, which it compared one by one with every row of the party.
            ids: BindParameter[list[str]] = bindparam("ids", expanding=True, literal_execute=True)
            query = select(t).where(t.c.party_code == party, t.c.record_id.in_(ids))
            rows = conn.execute(query, {"ids": record_ids})
        return {row.record_id: row for row in rows}

    def _changed(
        self, old: Any, values: Values, import_id: int, row_no: int, at: datetime
    ) -> dict[str, Any]:
        # A re-import changes what the file says, not where the person stands: no status.
        changed = dict(zip(self._m.columns[1:], values[1:], strict=True))
        changed.update(
            b_id=old.id,
            version=old.version + 1,
            import_id=import_id,
            source_row=row_no,
            updated_at=at,
        )
        return changed

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

    def _write(self, party: str, import_id: int, at: datetime, writes: _Writes) -> None:
        # Core statements, not ORM bulk: one executemany per statement shape, which is
        # what makes 100,000 rows take seconds rather than minutes.
        conn = self._session.connection()
        t = cast(Table, self._m.table.__table__)
        if writes.inserts:
            head = (party,)
            tail = (records.NEW_STATUS[self._m.kind], 1, import_id)
            bulk.insert_records(conn, t, self._m.columns, head, tail, writes.inserts, at)
        if writes.versions:
            conn.execute(insert(cast(Table, RecordVersionRow.__table__)), writes.versions)
        if writes.unchanged:
            bulk.mark_unchanged(conn, t, writes.unchanged)
        if writes.changed:
            columns: dict[str, Any] = {k: bindparam(k) for k in writes.changed[0] if k != "b_id"}
            statement = update(t).where(t.c.id == bindparam("b_id")).values(columns)
            conn.execute(statement, writes.changed)
        self._session.expire_all()

    def get(self, party: str, record_id: str) -> R | None:
        # By the driver: a person is looked up at every read of their record, and
        # building an ORM instance for it cost more than SQLite took to find the row.
        row = (self._driver or Driver.of(self._session)).first(
            _one_record(cast(Table, self._m.table.__table__)),
            {"b_party": party, "b_record": record_id},
        )
        return None if row is None else self._m.from_row(row)

    def get_many(self, party: str, record_ids: Collection[str]) -> dict[str, R]:
        """The records of ``party`` with these ids (those that exist), by record id."""
        table = self._m.table
        ids = list(record_ids)
        found: dict[str, R] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            query = select(table).where(
                table.party_code == party, table.record_id.in_(ids[start : start + _IN_CHUNK])
            )
            for row in self._session.scalars(query):
                found[row.record_id] = self._m.from_row(row)
        return found

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

    def page(
        self, party: str, query: RecordQuery, *, limit: int, offset: int
    ) -> tuple[list[R], int]:
        """A page of ``party``'s records that ``query`` selects, by record id; the total.

        Raises:
            ValueError: ``query`` filters on a column this kind of record lacks.
        """
        table = self._m.table
        where: list[Any] = [table.party_code == party]
        for column, values in (
            ("status", query.statuses),
            ("category", query.categories),
            ("priority", query.priorities),
            ("source", query.sources),
        ):
            if values:
                where.append(self._column(column).in_(values))
        if query.seriously_ill is not None:
            where.append(self._column("seriously_ill") == query.seriously_ill)
        total = self._session.scalar(select(func.count()).select_from(table).where(*where))
        rows = self._session.scalars(
            select(table).where(*where).order_by(table.record_id).limit(limit).offset(offset)
        )
        return [self._m.from_row(row) for row in rows], total or 0

    def _column(self, name: str) -> Any:
        column = getattr(self._m.table, name, None)
        if column is None:
            raise ValueError(f"{self._m.kind} have no column {name!r} to filter on")
        return column

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


@dataclass(slots=True)
class _Writes:
    """What one batch writes: new rows, rows the same as stored, changed rows, old versions."""

    inserts: list[tuple[int, Values]] = field(default_factory=list)
    unchanged: list[tuple[int, int, int]] = field(default_factory=list)  # import, row, id
    changed: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)


HOLDINGS: _Mapping[Holding, HoldingRow] = _Mapping(
    "holdings",
    HoldingRow,
    records.holding_from_row,
    HOLDING_SCHEMA.columns,
    records.HOLDING_VALUES,
    records.HOLDING_CONTENT,
)
REQUESTS: _Mapping[Request, RequestRow] = _Mapping(
    "requests",
    RequestRow,
    records.request_from_row,
    REQUEST_SCHEMA.columns,
    records.REQUEST_VALUES,
    records.REQUEST_CONTENT,
)


def holding_repository(
    session: SessionSource, driver: Driver | None = None
) -> SqlRecordRepository[Holding, HoldingRow]:
    """The holdings repository on ``session`` (and its unit's driver, when given)."""
    return SqlRecordRepository(session, HOLDINGS, driver)


def request_repository(
    session: SessionSource, driver: Driver | None = None
) -> SqlRecordRepository[Request, RequestRow]:
    """The requests repository on ``session`` (and its unit's driver, when given)."""
    return SqlRecordRepository(session, REQUESTS, driver)
