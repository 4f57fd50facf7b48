"""The append-only event log and its public Merkle log, in the transaction of the change.

Each event is written twice over in one row: its payload as the database keeps it, and
its public entry (``parley.ledger.entries``: canonical JSON, people as salted
commitments), which becomes leaf ``seq - 1`` of the RFC 9162 Merkle tree kept in
``log_nodes``. All of it is written by the same transaction as the state change the
event records, so a crash leaves both or neither. ``log_head`` is locked by every
append (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
``BEGIN IMMEDIATE``), so two writers never take the same sequence number.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from parley.adapters.fastpath import Driver, SessionSource, session_of
from parley.adapters.orm import CheckpointRow, EventRow, LogHeadRow, LogNodeRow, PersonSaltRow
from parley.adapters.statements import Statement
from parley.domain import events as domain_events
from parley.domain.events import DomainEvent
from parley.errors import InvalidValue
from parley.ledger.entries import SALT_SIZE, entry
from parley.ledger.merkle import MerkleLog
from parley.services.ports import StoredCheckpoint

__all__ = [
    "SqlNodeStore",
    "SqlPublicLog",
    "append_events",
    "backfill_entries",
    "log_size",
    "read_events",
]

_HEAD = 1
_CHUNK = 500  # records per IN list
_COMMITMENT = re.compile("[0-9a-f]{64}")

# Built once and run by the driver (adapters.fastpath): every append runs these few
# statements, and Core's work for each would cost more than running it.
_NODES = cast(Table, LogNodeRow.__table__)
_SALTS = cast(Table, PersonSaltRow.__table__)
_HEADS = cast(Table, LogHeadRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
_READ_HEAD = select(_HEADS.c.size).where(_HEADS.c.id == _HEAD)
_READ_SIZE = Statement(_READ_HEAD)
_LOCK_SIZE = Statement(_READ_HEAD.with_for_update())
_CHECKPOINTS = Statement(
    select(CheckpointRow.size, CheckpointRow.note, CheckpointRow.log_key).order_by(CheckpointRow.id)
)
_NEW_HEAD = Statement(_HEADS.insert().values(id=_HEAD, size=0))
_SET_HEAD = Statement(
    _HEADS.update().where(_HEADS.c.id == _HEAD).values(size=bindparam("new_size"))
)
# Takes the head's row lock and moves it in one statement: the size before is the size
# after less the entries added.
_GROW_HEAD = Statement(
    _HEADS.update()
    .where(_HEADS.c.id == _HEAD)
    .values(size=_HEADS.c.size + bindparam("added"))
    .returning(_HEADS.c.size)
)
_READ_NODE = Statement(
    select(_NODES.c.hash).where(
        _NODES.c.level == bindparam("level"), _NODES.c.idx == bindparam("idx")
    )
)
_OWNER = (_SALTS.c.kind == bindparam("kind"), _SALTS.c.party_code == bindparam("party"))
_READ_SALT = Statement(
    select(_SALTS.c.record_id, _SALTS.c.salt).where(*_OWNER, _SALTS.c.record_id == bindparam("id"))
)
# One kind and party at a time: a one-column IN renders far faster than a tuple IN, and
# the primary key (kind, party_code, record_id) still serves it. Run by Core (an
# expanding IN), for the appends that name many people at once.
_READ_SALTS = select(_SALTS.c.record_id, _SALTS.c.salt).where(
    *_OWNER, _SALTS.c.record_id.in_(bindparam("ids", expanding=True))
)
# An append naming one person (every handover): the head's move that reads their salt
# too, a statement less. On PostgreSQL the salt is read in the statement's snapshot,
# taken before the head's lock is granted: a salt never changes once written, and one
# written since would be another unit's first entry for the same person at the same
# moment, refused on the salts' key as ever.
_PERSON = ("kind", "party", "id")
_GROW_HEAD_WITH_SALT = Statement(
    _HEADS.update()
    .where(_HEADS.c.id == _HEAD)
    .values(size=_HEADS.c.size + bindparam("added"))
    .returning(
        _HEADS.c.size,
        select(_SALTS.c.salt)
        .where(*_OWNER, _SALTS.c.record_id == bindparam("id"))
        .scalar_subquery()
        .label("salt"),
    )
)
_SALT_COLUMNS = ("kind", "party_code", "record_id", "salt")
_NODE_COLUMNS = ("level", "idx", "hash")
_NODES_QUERIES: dict[int, Statement] = {}


def _nodes_query(count: int) -> Statement:
    """SELECT the nodes at ``count`` (level, idx) pairs, bound as l0, i0, l1, i1, ...

    A chain of ORs, not a row-value IN: SQLite answers ``(level, idx) IN (...)`` by
    scanning the whole table, but each OR term by the primary key. One statement per
    count (at most one per bit of the log's size), so each is compiled once.
    """
    if count not in _NODES_QUERIES:
        keys = [
            and_(_NODES.c.level == bindparam(f"l{i}"), _NODES.c.idx == bindparam(f"i{i}"))
            for i in range(count)
        ]
        _NODES_QUERIES[count] = Statement(
            select(_NODES.c.level, _NODES.c.idx, _NODES.c.hash).where(or_(*keys))
        )
    return _NODES_QUERIES[count]


def _connection(db: Session | Connection) -> Connection:
    """The connection of a session (starting its transaction), or the connection itself."""
    return db.connection() if isinstance(db, Session) else db


class SqlNodeStore:
    """The Merkle tree's complete subtrees in ``log_nodes``, written at :meth:`flush`.

    Args:
        db: the session or connection whose transaction reads and writes the nodes, or
            its driver (``adapters.fastpath``).
    """

    def __init__(self, db: Session | Connection | Driver) -> None:
        self._driver = Driver.of(db)
        self._cache: dict[tuple[int, int], bytes] = {}
        self._pending: list[tuple[int, int, bytes]] = []  # level, idx, hash

    def preload(self, size: int) -> None:
        """Read, in one query, the subtrees the next append combines with (the right edge)."""
        wanted = [
            (level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1
        ]
        if not wanted:
            return
        keys = {}
        for i, (level, index) in enumerate(wanted):
            keys[f"l{i}"] = level
            keys[f"i{i}"] = index
        for level, index, hash_ in self._driver.all(_nodes_query(len(wanted)), keys):
            self._cache[level, index] = bytes(hash_)

    def get(self, level: int, index: int) -> bytes:
        """The stored hash; ``KeyError`` if there is none."""
        key = (level, index)
        if key not in self._cache:
            found = self._driver.scalar(_READ_NODE, {"level": level, "idx": index})
            if found is None:
                raise KeyError(key)
            self._cache[key] = bytes(found)
        return self._cache[key]

    def put(self, level: int, index: int, hash_: bytes) -> None:
        """Store a node (written at :meth:`flush`)."""
        self._cache[level, index] = hash_
        self._pending.append((level, index, hash_))

    def flush(self, *, hold: bool = False) -> None:
        """Write the nodes stored since the last flush (``hold``: see ``Driver.insert``)."""
        if self._pending:
            self._driver.insert(_NODES, _NODE_COLUMNS, self._pending, hold=hold)
            self._pending = []


class _Salts:
    """Each record's salt, created on first use with the operating system's randomness.

    :meth:`load` reads the salts a batch of events needs in one query and stores the new
    ones in one statement, so that an append costs the same few statements however
    many people it names.
    """

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._known: dict[tuple[str, str, str], bytes] = {}

    def keep(self, record: tuple[str, str, str], salt: bytes | None) -> None:
        """Hold ``record``'s salt read by the caller; None: it has none yet, make it."""
        if salt is not None:
            self._known[record] = bytes(salt)
        else:
            self._create([record])

    def load(self, wanted: Iterable[tuple[str, str, str]]) -> None:
        """Read or create the salts of ``wanted`` (kind, party, record id) records."""
        missing = list(dict.fromkeys(w for w in wanted if w not in self._known))
        by_owner: dict[tuple[str, str], list[str]] = {}
        for kind, party, record_id in missing:
            by_owner.setdefault((kind, party), []).append(record_id)
        for (kind, party), ids in by_owner.items():
            if len(ids) == 1:  # an event naming one person: no IN list to expand
                one = {"kind": kind, "party": party, "id": ids[0]}
                found = self._driver.all(_READ_SALT, one)
            else:
                found = []
                connection = self._driver.connection()
                for start in range(0, len(ids), _CHUNK):
                    chunk = {"kind": kind, "party": party, "ids": ids[start : start + _CHUNK]}
                    found += connection.execute(_READ_SALTS, chunk).all()
            for record_id, salt in found:
                self._known[kind, party, record_id] = bytes(salt)
        self._create([w for w in missing if w not in self._known])

    def _create(self, new: list[tuple[str, str, str]]) -> None:
        # Written held back (Driver.insert): no round trip of their own.
        if new:
            salts = {record: os.urandom(SALT_SIZE) for record in new}
            rows = [(*record, salt) for record, salt in salts.items()]
            self._driver.insert(_SALTS, _SALT_COLUMNS, rows, hold=True)
            self._known.update(salts)

    def __call__(self, kind: str, party: str, record_id: str) -> bytes:
        key = (kind, party, record_id)
        if key not in self._known:
            self.load([key])
        return self._known[key]


def _people(
    payload: Mapping[str, Any], persons: Mapping[str, tuple[str, str]]
) -> Iterator[tuple[str, str, str]]:
    """The (kind, party, record id) records an event's payload names."""
    for name, (kind, party_field) in persons.items():
        value = payload.get(name)
        values = (
            [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else []
        )
        for record_id in values:
            yield kind, str(payload[party_field]), str(record_id)


def log_size(db: Session | Connection | Driver, *, lock: bool = False) -> int:
    """How many entries the log holds; ``lock`` holds the head until the transaction ends."""
    driver = Driver.of(db)
    size = driver.scalar(_LOCK_SIZE if lock else _READ_SIZE)
    if size is None:  # a log never written to (or emptied with every table)
        if lock:
            driver.execute(_NEW_HEAD)
        return 0
    return int(size)


def _payload_text(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _EventValues(NamedTuple):
    """An ``events`` row, by column name (``Driver.insert``)."""

    seq: int
    type: str
    occurred_at: datetime
    actor: str
    payload: str
    entry: bytes


def _append(
    driver: Driver,
    items: Iterable[tuple[str, Any, str, Mapping[str, Any], Mapping[str, tuple[str, str]]]],
    *,
    hold: bool = False,
) -> list[_EventValues]:
    """Entries and leaves for ``items`` (type, time, actor, payload, persons), in order.

    The new nodes are held back when asked (``Driver.insert``).
    """
    batch = list(items)
    # All that does not depend on the log's size first: every appender waits for the
    # head's lock, taken next, until this transaction ends.
    kept = [_payload_text(payload) for _, _, _, payload, _ in batch]
    wanted = [p for _, _, _, payload, persons in batch for p in _people(payload, persons)]
    salts = _Salts(driver)
    added = {"added": len(batch)}
    people = set(wanted)
    row = None
    if len(people) == 1:
        # One person named (every handover): the statement that moves the head reads
        # their salt too, a round trip less (_GROW_HEAD_WITH_SALT).
        (person,) = people
        row = driver.first(_GROW_HEAD_WITH_SALT, added | dict(zip(_PERSON, person, strict=True)))
        if row is not None:
            salts.keep(person, row.salt)
    if row is not None:
        grown = row.size
    else:
        salts.load(wanted)
        grown = driver.scalar(_GROW_HEAD, added)
    if grown is None:  # a log never written to (or emptied with every table)
        driver.execute(_NEW_HEAD)
        driver.execute(_SET_HEAD, {"new_size": len(batch)})
        grown = len(batch)
    size = int(grown) - len(batch)
    store = SqlNodeStore(driver)
    store.preload(size)
    log = MerkleLog(store, size)
    rows = []
    for (kind, at, actor, payload, persons), text_ in zip(batch, kept, strict=True):
        seq = log.size + 1
        data = entry(seq, kind, at, actor, payload, persons, salts)
        log.append(data)
        rows.append(_EventValues(seq, kind, at, actor, text_, data))
    store.flush(hold=hold)
    return rows


def append_events(db: Session | Driver, events: Sequence[DomainEvent]) -> None:
    """Append ``events`` in order, as the last writes before the commit.

    The rows are held back to the driver's ``commit()``, which the caller calls next
    (PostgreSQL: one statement for them all, just before the COMMIT).
    """
    if not events:
        return
    driver = Driver.of(db)
    rows = _append(
        driver,
        ((e.name, e.occurred_at, e.actor, e.payload(), e.PERSONS) for e in events),
        hold=True,
    )
    driver.insert(_EVENTS, _EventValues._fields, rows, hold=True)


def _persons_of(kind: str) -> Mapping[str, tuple[str, str]]:
    event_class = getattr(domain_events, kind, None)
    if isinstance(event_class, type) and issubclass(event_class, DomainEvent):
        return event_class.PERSONS
    return {}


def backfill_entries(db: Session | Connection) -> None:
    """Give events written before the public log their entries and leaves (migration 0004).

    Sequence numbers are made contiguous (a PostgreSQL sequence skips numbers on
    rollback), keeping the events' order.
    """
    connection = _connection(db)
    old = connection.execute(
        select(
            EventRow.seq, EventRow.type, EventRow.occurred_at, EventRow.actor, EventRow.payload
        ).order_by(EventRow.seq)
    ).all()
    rows = _append(
        Driver.of(connection),
        ((t, at, actor, json.loads(p), _persons_of(t)) for _, t, at, actor, p in old),
    )
    for (seq, *_), row in zip(old, rows, strict=True):
        connection.execute(
            update(EventRow).where(EventRow.seq == seq).values(seq=row.seq, entry=row.entry)
        )


def read_events(session: Session, *, after: int = 0, limit: int = 1000) -> list[EventRow]:
    """Events with ``seq`` above ``after``, oldest first."""
    query = select(EventRow).where(EventRow.seq > after).order_by(EventRow.seq).limit(limit)
    return list(session.scalars(query))


class SqlPublicLog:
    """The public log as the services see it (``parley.services.ports.PublicLog``)."""

    def __init__(self, session: SessionSource, driver: Driver | None = None) -> None:
        self._orm = session
        self._driver = driver or Driver.of(session_of(session))

    @property
    def _session(self) -> Session:
        """The session, for what Core and the ORM read (made on first use)."""
        return session_of(self._orm)

    def _tree(self) -> MerkleLog:
        return MerkleLog(SqlNodeStore(self._driver), log_size(self._driver))

    def hold(self) -> None:
        """Lock the log's head row until the transaction ends (SQLite: BEGIN IMMEDIATE)."""
        log_size(self._driver, lock=True)

    def size(self) -> int:
        """How many entries the log holds."""
        return log_size(self._driver)

    def root(self, size: int | None = None) -> bytes:
        """The root at ``size`` entries (default: now), its subtrees read in one query."""
        store = SqlNodeStore(self._driver)
        tree = MerkleLog(store, log_size(self._driver))
        # The subtrees a root folds are those the next append would combine with.
        store.preload(tree.size if size is None else size)
        return tree.root(size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 2.1.4.1 PROOF(size1, D[size2])."""
        return self._tree().consistency_proof(size1, size2)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 2.1.3.1 PATH(index, D[size])."""
        return self._tree().inclusion_proof(index, size)

    def entries(self, after: int = 0, limit: int = 10_000) -> list[bytes]:
        """Canonical entries with ``seq`` above ``after``, in order."""
        query = (
            select(EventRow.entry).where(EventRow.seq > after).order_by(EventRow.seq).limit(limit)
        )
        return [bytes(e) for e in self._session.scalars(query)]

    def salt(self, kind: str, party: str, record_id: str) -> bytes | None:
        """The salt of a person record, or None if it never appeared in the log."""
        found = self._session.scalar(
            select(PersonSaltRow.salt).where(
                PersonSaltRow.kind == kind,
                PersonSaltRow.party_code == party,
                PersonSaltRow.record_id == record_id,
            )
        )
        return None if found is None else bytes(found)

    def entries_naming(self, commitment: str) -> list[tuple[int, bytes]]:
        """(seq, entry) of the entries holding ``commitment`` as a JSON string, by seq.

        A scan of every entry's stored bytes: ``instr`` on SQLite (whose LIKE never
        matches a BLOB), ``LIKE`` on PostgreSQL's bytea; hex holds no LIKE wildcard.

        Raises:
            InvalidValue: ``commitment`` is not 64 lowercase hex digits.
        """
        if not _COMMITMENT.fullmatch(commitment):
            raise InvalidValue("commitment", "expected 64 lowercase hex digits")
        quoted = f'"{commitment}"'.encode("ascii")
        holds = (
            func.instr(EventRow.entry, quoted) > 0
            if self._session.get_bind().dialect.name == "sqlite"
            else EventRow.entry.op("LIKE")(b"%" + quoted + b"%")
        )
        query = select(EventRow.seq, EventRow.entry).where(holds).order_by(EventRow.seq)
        return [(seq, bytes(data)) for seq, data in self._session.execute(query)]

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every signed checkpoint, oldest first (the log's head reads them each time)."""
        rows = self._driver.all(_CHECKPOINTS)
        return [StoredCheckpoint(size, note, key) for size, note, key in rows]

    def add_checkpoint(self, checkpoint: StoredCheckpoint, at: datetime) -> None:
        """Store a signed checkpoint."""
        self._session.add(
            CheckpointRow(
                size=checkpoint.size,
                note=checkpoint.note,
                log_key=checkpoint.log_key,
                signed_at=at,
            )
        )

    def snapshot(self) -> None:
        """Read the rest of the transaction from one snapshot (PostgreSQL: REPEATABLE READ).

        SQLite needs nothing: in WAL mode a read transaction sees one snapshot already.
        """
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))

    def numbered_entries(self, after: int = 0, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """(seq as stored, entry) for the rows with ``seq`` above ``after``, by seq."""
        query = (
            select(EventRow.seq, EventRow.entry)
            .where(EventRow.seq > after)
            .order_by(EventRow.seq)
            .limit(limit)
        )
        # A row changed by hand may hold text where bytes belong (SQLite has no types).
        return [
            (seq, data.encode() if isinstance(data, str) else bytes(data))
            for seq, data in self._session.execute(query)
        ]

    def nodes(self, level: int, after: int = -1, limit: int = 10_000) -> list[tuple[int, bytes]]:
        """The stored nodes of ``level`` as (index, hash), index above ``after``, in order."""
        query = (
            select(_NODES.c.idx, _NODES.c.hash)
            .where(_NODES.c.level == level, _NODES.c.idx > after)
            .order_by(_NODES.c.idx)
            .limit(limit)
        )
        return [(index, bytes(hash_)) for index, hash_ in self._session.execute(query)]

    def node_levels(self) -> list[int]:
        """Every level holding a stored node, lowest first."""
        query = select(_NODES.c.level).distinct().order_by(_NODES.c.level)
        return list(self._session.scalars(query))
