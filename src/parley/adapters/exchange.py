"""The exchange tables behind ``parley.services.ports.ExchangeRepository``.

Every handover locks its tranche's row first (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite serialises writers at ``BEGIN IMMEDIATE``), so that two clients recording at
once see each other's crossings and the balance is checked against the truth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, not_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parley.adapters.agreements import read_agreement
from parley.adapters.fastpath import Driver, SessionSource, session_of
from parley.adapters.orm import (
    CrossingRow,
    ExchangeRow,
    HoldingRow,
    ManifestRow,
    ManifestSignatureRow,
    NeutralFindingRow,
    TrancheBalanceRow,
    TrancheRow,
)
from parley.adapters.repositories import holding_repository
from parley.adapters.statements import Statement
from parley.domain.agreements import Agreement
from parley.domain.handover import Crossing, CrossingState
from parley.domain.holdings import Holding
from parley.domain.manifests import manifest_from_document
from parley.domain.rounds import ExchangeFacts
from parley.domain.tranches import ACTIVE, TrancheState
from parley.services.ports import CrossingRecord, Exchange, StoredManifest, TrancheRecord

__all__ = ["SqlExchangeRepository"]

_CHUNK = 500
_CROSSINGS = cast(Table, CrossingRow.__table__)
_LIVE = (CrossingState.LISTED.value, CrossingState.HANDED_OVER.value)
_TRANCHES = cast(Table, TrancheRow.__table__)
_BALANCES = cast(Table, TrancheBalanceRow.__table__)
_HOLDINGS = cast(Table, HoldingRow.__table__)
_EXCHANGES = cast(Table, ExchangeRow.__table__)
# The handover's statements, built once and run by the driver (adapters.fastpath).
# A tranche with its exchange's agreement: every handover reads both, in one statement.
# Only the columns read back: each time costs a conversion on the way out.
_TRANCHE = (
    select(
        *(c for c in _TRANCHES.c if c.key != "updated_at"),
        _EXCHANGES.c.agreement.label("x_agreement"),
        _EXCHANGES.c.agreement_sha256.label("x_agreement_sha256"),
        _EXCHANGES.c.plan_id.label("x_plan_id"),
        _EXCHANGES.c.adopted_at.label("x_adopted_at"),
    )
    .join(_EXCHANGES, _EXCHANGES.c.name == _TRANCHES.c.exchange)
    .where(
        _TRANCHES.c.exchange == bindparam("b_exchange"),
        _TRANCHES.c.number == bindparam("b_number"),
    )
)
_TRANCHES_BY = {
    (False, False): Statement(_TRANCHE),
    (True, False): Statement(_TRANCHE.with_for_update(of=_TRANCHES)),
    (False, True): Statement(_TRANCHE.with_for_update(read=True, of=_TRANCHES)),
}
_CROSSING = select(*(c for c in _CROSSINGS.c if c.key != "updated_at")).where(
    _CROSSINGS.c.tranche_id == bindparam("b_tranche"),
    _CROSSINGS.c.side == bindparam("b_side"),
    _CROSSINGS.c.record_id == bindparam("b_record"),
)
_CROSSINGS_BY = {False: Statement(_CROSSING), True: Statement(_CROSSING.with_for_update())}
_SHOWN = func.coalesce(_CROSSINGS.c.reason, _CROSSINGS.c.state)


@lru_cache(maxsize=32)
def _listed(side: bool, shown: int | None) -> tuple[Statement, Statement]:
    """A page of the crossing console's list, and the count of all it pages through: of
    one side or both, and of ``shown`` states as shown (bound as s0, s1, ...) or any.
    One pair per filter, each compiled once; the page is read in the order of
    ``ix_crossings_order``, the id last so that a page boundary falls in one place."""
    where = [_CROSSINGS.c.tranche_id == bindparam("b_tranche")]
    if side:
        where.append(_CROSSINGS.c.side == bindparam("b_side"))
    if shown is not None:
        where.append(_SHOWN.in_([bindparam(f"s{i}") for i in range(shown)]))
    page = (
        select(*(c for c in _CROSSINGS.c if c.key != "updated_at"))
        .where(*where)
        .order_by(_CROSSINGS.c.side, _CROSSINGS.c.position, _CROSSINGS.c.id)
        .limit(bindparam("b_limit"))
        .offset(bindparam("b_offset"))
    )
    return Statement(page), Statement(select(func.count()).select_from(_CROSSINGS).where(*where))


_PROGRESS = (
    "state", "identity_confirmed", "identity_disputed", "will_confirmed_at", "reason", "flags",
    "sealed", "updated_at",
)  # fmt: skip
_SAVE_CROSSING = Statement(
    update(_CROSSINGS)
    .where(_CROSSINGS.c.id == bindparam("b_id"))
    .values({name: bindparam(name) for name in _PROGRESS})
)
_B = _BALANCES.c
_BALANCE_COLUMNS = (_B.track, _B.side, _B.sent, _B.received)
_ONE_BALANCE = (
    _B.tranche_id == bindparam("b_tranche"),
    _B.track == bindparam("b_track"),
    _B.side == bindparam("b_side"),
)
_READ_BALANCES = Statement(select(*_BALANCE_COLUMNS).where(_B.tranche_id == bindparam("b_tranche")))
# One side's row locked, the others read as they stand, in one statement (PostgreSQL;
# SQLite's writer holds the whole file already, so it reads them all plainly).
_HELD = select(*_BALANCE_COLUMNS).where(*_ONE_BALANCE).with_for_update().cte("held")
_LOCK_BALANCE = Statement(
    select(_HELD).union_all(
        select(*_BALANCE_COLUMNS).where(
            _B.tranche_id == bindparam("b_tranche"), not_(and_(*_ONE_BALANCE[1:]))
        )
    )
)


def _upsert_balance(insert: Any) -> Statement:
    """One side's balance, written or created: held back (``Driver.write``) as it may be,
    since nothing needs its row count."""
    values = insert(_BALANCES).values(
        tranche_id=bindparam("b_tranche"),
        track=bindparam("b_track"),
        side=bindparam("b_side"),
        sent=bindparam("sent"),
        received=bindparam("received"),
    )
    return Statement(
        values.on_conflict_do_update(
            index_elements=[_B.tranche_id, _B.track, _B.side],
            set_={"sent": values.excluded.sent, "received": values.excluded.received},
        )
    )


_PUT_BALANCE = {
    "postgresql": _upsert_balance(postgresql.insert),
    "sqlite": _upsert_balance(sqlite.insert),
}
# One person's status (every handover), and many people's (opening a tranche) by Core.
_STATUS: dict[str, Any] = {"status": bindparam("status"), "updated_at": bindparam("updated_at")}
_SET_STATUS = Statement(
    update(_HOLDINGS)
    .where(
        _HOLDINGS.c.party_code == bindparam("b_party"),
        _HOLDINGS.c.record_id == bindparam("b_id"),
    )
    .values(_STATUS)
)
_SET_STATUSES = (
    update(_HOLDINGS)
    .where(
        _HOLDINGS.c.party_code == bindparam("b_party"),
        _HOLDINGS.c.record_id.in_(bindparam("b_ids", expanding=True)),
    )
    .values(_STATUS)
)

# A tranche's status, read at every turn of the crossing console: its people counted by
# state, grouped by the columns as stored in the order of their index
# (ix_crossings_state; grouped by the state as shown, SQLite sorted them all first), and
# the latest version of each side's manifest with its signers (a row per signer, one
# with none for a version nobody signed yet).
_COUNT_STATES = Statement(
    select(_CROSSINGS.c.side, _CROSSINGS.c.reason, _CROSSINGS.c.state, func.count())
    .where(_CROSSINGS.c.tranche_id == bindparam("b_tranche"))
    .group_by(_CROSSINGS.c.side, _CROSSINGS.c.reason, _CROSSINGS.c.state)
)
_MANIFESTS = cast(Table, ManifestRow.__table__)
_SIGNATURES = cast(Table, ManifestSignatureRow.__table__)
_LATEST = (
    select(_MANIFESTS.c.side, func.max(_MANIFESTS.c.version).label("version"))
    .where(_MANIFESTS.c.tranche_id == bindparam("b_tranche"))
    .group_by(_MANIFESTS.c.side)
    .subquery()
)
_HEADS = Statement(
    select(_MANIFESTS.c.side, _MANIFESTS.c.version, _MANIFESTS.c.sealed_at, _SIGNATURES.c.signer)
    .join(
        _LATEST,
        (_LATEST.c.side == _MANIFESTS.c.side) & (_LATEST.c.version == _MANIFESTS.c.version),
    )
    .outerjoin(_SIGNATURES, _SIGNATURES.c.manifest_id == _MANIFESTS.c.id)
    .where(_MANIFESTS.c.tranche_id == bindparam("b_tranche"))
)


@lru_cache(maxsize=64)
def _findings_query(count: int | None) -> Statement:
    """The findings in a tranche, of ``count`` record ids bound as r0, r1, ... (or all):
    one statement per length of a page, each compiled once."""
    f = cast(Table, NeutralFindingRow.__table__).c
    query = select(f.side, f.record_id, f.finding).where(f.tranche_id == bindparam("b_tranche"))
    if count is not None:
        query = query.where(f.record_id.in_([bindparam(f"r{i}") for i in range(count)]))
    return Statement(query.order_by(f.id))


@lru_cache(maxsize=16)
def _agreement(text: str, name: str) -> Agreement:
    """The stored agreement, read once per process (every handover needs it)."""
    return read_agreement(text, name).agreement


def _tranche(row: Any) -> TrancheRecord:
    return TrancheRecord(
        exchange=row.exchange,
        plan_id=row.plan_id,
        number=row.number,
        on_date=row.on_date,
        tracks=tuple(json.loads(row.tracks)),
        state=TrancheState(row.state),
        owed=json.loads(row.owed),
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        id=row.id,
    )


def _crossing(row: Any) -> CrossingRecord:
    return CrossingRecord(
        tranche_id=row.tranche_id,
        crossing=Crossing(
            record_id=row.record_id,
            side=row.side,
            track=row.track,
            weight=row.weight,
            state=CrossingState(row.state),
            identity_confirmed=row.identity_confirmed,
            identity_disputed=row.identity_disputed,
            will_confirmed_at=row.will_confirmed_at,
        ),
        position=row.position,
        listed_in=row.listed_in,
        reason=row.reason,
        flags=tuple(row.flags.split(",")) if row.flags else (),
        sealed=row.sealed,
        id=row.id,
    )


def _crossing_values(record: CrossingRecord, at: datetime) -> dict[str, Any]:
    c = record.crossing
    return {
        "tranche_id": record.tranche_id,
        "side": c.side,
        "record_id": c.record_id,
        "track": c.track,
        "weight": c.weight,
        "position": record.position,
        "listed_in": record.listed_in,
        "sealed": record.sealed,
        "state": c.state.value,
        "identity_confirmed": c.identity_confirmed,
        "identity_disputed": c.identity_disputed,
        "will_confirmed_at": c.will_confirmed_at,
        "reason": record.reason,
        "flags": ",".join(record.flags) or None,
        "updated_at": at,
    }


class SqlExchangeRepository:
    """Exchanges, tranches, manifests, crossings, balances and findings.

    A handover's changes to a crossing, a holding and a balance are held back until the
    driver's next statement (``Driver.write``): each costs no round trip of its own.
    """

    def __init__(self, session: SessionSource, driver: Driver | None = None) -> None:
        self._orm = session
        self._driver = driver or Driver.of(session_of(session))
        self._known: dict[str, Exchange] = {}  # an exchange never changes once adopted

    @property
    def _session(self) -> Session:
        """The session, for what Core and the ORM run (made on first use)."""
        return session_of(self._orm)

    # --- exchanges ------------------------------------------------------------------

    def add_exchange(self, name: str, agreement_text: str, plan_id: int, at: datetime) -> Exchange:
        """Store an exchange with the agreement text it runs."""
        row = ExchangeRow(
            name=name[:200],
            agreement=agreement_text,
            agreement_sha256=hashlib.sha256(agreement_text.encode()).hexdigest(),
            plan_id=plan_id,
            adopted_at=at,
        )
        self._session.add(row)
        self._session.flush()
        return self._exchange(row)

    def _exchange(self, row: ExchangeRow) -> Exchange:
        return Exchange(
            name=row.name,
            agreement=_agreement(row.agreement, row.name),
            agreement_sha256=row.agreement_sha256,
            plan_id=row.plan_id,
            adopted_at=row.adopted_at,
            agreement_text=row.agreement,
        )

    def exchange(self, name: str) -> Exchange | None:
        """The exchange named ``name``, or None."""
        if name not in self._known:
            row = self._session.get(ExchangeRow, name)
            if row is None:
                return None
            self._known[name] = self._exchange(row)
        return self._known[name]

    def exchanges(self) -> list[Exchange]:
        """Every exchange, by adoption."""
        rows = self._session.scalars(select(ExchangeRow).order_by(ExchangeRow.adopted_at))
        return [self._exchange(row) for row in rows]

    def facts(self) -> dict[str, ExchangeFacts]:
        """Each exchange's tranches planned (not cancelled) and closed, and whether the
        people received meet the agreement's minimums (overall and per track)."""
        out: dict[str, ExchangeFacts] = {}
        for exchange in self.exchanges():
            tranches = [
                t for t in self.tranches(exchange.name) if t.state is not TrancheState.CANCELLED
            ]
            query = (
                select(CrossingRow.side, CrossingRow.track, func.count())
                .join(TrancheRow, TrancheRow.id == CrossingRow.tranche_id)
                .where(
                    TrancheRow.exchange == exchange.name,
                    CrossingRow.state == CrossingState.RECEIVED.value,
                )
                .group_by(CrossingRow.side, CrossingRow.track)
            )
            received: dict[tuple[str, str], int] = {
                (side, track): int(n) for side, track, n in self._session.execute(query)
            }
            agreement = exchange.agreement
            met = all(
                sum(n for (s, _), n in received.items() if s == side)
                >= (agreement.minimum_per_side or 0)
                and all(
                    received.get((side, track.name), 0) >= (track.minimum_per_side or 0)
                    for track in agreement.tracks
                )
                for side in agreement.parties
            )
            out[exchange.name] = ExchangeFacts(
                agreement_ref=exchange.name,
                stages_planned=len(tranches),
                stages_closed=sum(t.state is TrancheState.CLOSED for t in tranches),
                totals_met=met,
            )
        return out

    # --- tranches -------------------------------------------------------------------

    def add_tranche(self, tranche: TrancheRecord, at: datetime) -> TrancheRecord:
        """Store a new tranche; returns it with its id."""
        row = TrancheRow(
            exchange=tranche.exchange,
            plan_id=tranche.plan_id,
            number=tranche.number,
            on_date=tranche.on_date,
            tracks=json.dumps(list(tranche.tracks)),
            state=tranche.state.value,
            owed=json.dumps(tranche.owed, sort_keys=True),
            updated_at=at,
        )
        self._session.add(row)
        self._session.flush()
        tranche.id = row.id
        return tranche

    def tranches(self, exchange: str) -> list[TrancheRecord]:
        """The exchange's tranches, by number."""
        query = (
            select(TrancheRow).where(TrancheRow.exchange == exchange).order_by(TrancheRow.number)
        )
        return [_tranche(row) for row in self._session.scalars(query)]

    def tranche(
        self, exchange: str, number: int, *, lock: bool = False, share: bool = False
    ) -> TrancheRecord | None:
        """Tranche ``number`` of ``exchange``; ``lock`` holds its row until the end
        (``FOR UPDATE``), ``share`` against changes only (``FOR SHARE``)."""
        query = _TRANCHES_BY[lock, share and not lock]
        row = self._driver.first(query, {"b_exchange": exchange, "b_number": number})
        if row is None:
            return None
        if exchange not in self._known:
            self._known[exchange] = Exchange(
                name=exchange,
                agreement=_agreement(row.x_agreement, exchange),
                agreement_sha256=row.x_agreement_sha256,
                plan_id=row.x_plan_id,
                adopted_at=row.x_adopted_at,
                agreement_text=row.x_agreement,
            )
        return _tranche(row)

    def save_tranche(self, tranche: TrancheRecord, at: datetime) -> None:
        """Write a tranche's state, carried differences and times."""
        self._session.execute(
            update(TrancheRow)
            .where(TrancheRow.id == tranche.id)
            .values(
                state=tranche.state.value,
                owed=json.dumps(tranche.owed, sort_keys=True),
                opened_at=tranche.opened_at,
                closed_at=tranche.closed_at,
                updated_at=at,
            )
        )

    # --- manifests ------------------------------------------------------------------

    def add_manifest(
        self, tranche_id: int, manifest: Any, document: bytes, sha256: str, at: datetime
    ) -> StoredManifest:
        """Store a manifest version."""
        row = ManifestRow(
            tranche_id=tranche_id,
            side=manifest.side,
            version=manifest.version,
            sha256=sha256,
            document=document,
            reason=manifest.reason[:64],
            issued_at=at,
        )
        self._session.add(row)
        self._session.flush()
        return StoredManifest(row.id, manifest, document, sha256, at, None, {})

    def manifests(self, tranche_id: int, side: str) -> list[StoredManifest]:
        """Every version of one side's manifest, oldest first, with its signatures."""
        rows = list(
            self._session.scalars(
                select(ManifestRow)
                .where(ManifestRow.tranche_id == tranche_id, ManifestRow.side == side)
                .order_by(ManifestRow.version)
            )
        )
        signed: dict[int, dict[str, str]] = {row.id: {} for row in rows}
        if rows:
            query = select(
                ManifestSignatureRow.manifest_id,
                ManifestSignatureRow.signer,
                ManifestSignatureRow.signature,
            ).where(ManifestSignatureRow.manifest_id.in_(list(signed)))
            for manifest_id, signer, signature in self._session.execute(query):
                signed[manifest_id][signer] = signature
        return [
            StoredManifest(
                id=row.id,
                manifest=manifest_from_document(json.loads(row.document)),
                document=bytes(row.document),
                sha256=row.sha256,
                issued_at=row.issued_at,
                sealed_at=row.sealed_at,
                signatures=signed[row.id],
            )
            for row in rows
        ]

    def add_signature(self, manifest_id: int, signer: str, signature: str, at: datetime) -> None:
        """Store a verified signature."""
        self._session.add(
            ManifestSignatureRow(
                manifest_id=manifest_id, signer=signer, signature=signature, signed_at=at
            )
        )
        self._session.flush()

    def seal_crossings(self, tranche_id: int, side: str, version: int) -> list[str]:
        """Mark the people listed by ``version`` or before as sealed; of those ``version``
        listed, the record ids of the ones still to cross."""
        c = _CROSSINGS.c
        mine = (c.tranche_id == tranche_id, c.side == side)
        self._session.execute(
            update(_CROSSINGS).where(*mine, c.listed_in <= version).values(sealed=True)
        )
        query = select(c.record_id).where(
            *mine, c.listed_in == version, c.state == CrossingState.LISTED.value
        )
        return list(self._session.scalars(query))

    def seal(self, manifest_id: int, at: datetime) -> None:
        """Mark a manifest version sealed."""
        self._session.execute(
            update(ManifestRow).where(ManifestRow.id == manifest_id).values(sealed_at=at)
        )

    # --- crossings ------------------------------------------------------------------

    def add_crossings(self, crossings: Sequence[CrossingRecord], at: datetime) -> None:
        """Store newly listed people (one executemany)."""
        if crossings:
            self._session.execute(_CROSSINGS.insert(), [_crossing_values(c, at) for c in crossings])

    def crossing_counts(self, tranche_id: int) -> dict[tuple[str, str], int]:
        """(side, state as shown: the reason if any, else the state) -> people, counted by
        the database (a tranche's status is read at every crossing)."""
        counts: dict[tuple[str, str], int] = {}
        for side, reason, state, n in self._driver.all(_COUNT_STATES, {"b_tranche": tranche_id}):
            shown = (side, state if reason is None else reason)
            counts[shown] = counts.get(shown, 0) + int(n)
        return counts

    def manifest_heads(self, tranche_id: int) -> dict[str, tuple[int, bool, tuple[str, ...]]]:
        """Side -> (latest version, sealed, its signers), without reading the documents."""
        heads: dict[str, tuple[int, bool, list[str]]] = {}
        for side, version, sealed_at, signer in self._driver.all(_HEADS, {"b_tranche": tranche_id}):
            signers = heads.setdefault(side, (version, sealed_at is not None, []))[2]
            if signer is not None:
                signers.append(signer)
        return {
            side: (version, sealed, tuple(sorted(signers)))
            for side, (version, sealed, signers) in heads.items()
        }

    def crossings(self, tranche_id: int, side: str | None = None) -> list[CrossingRecord]:
        """The people listed in a tranche, in manifest order."""
        query = select(CrossingRow).where(CrossingRow.tranche_id == tranche_id)
        if side is not None:
            query = query.where(CrossingRow.side == side)
        query = query.order_by(CrossingRow.side, CrossingRow.position)
        return [_crossing(row) for row in self._session.scalars(query)]

    def crossings_page(
        self,
        tranche_id: int,
        *,
        side: str | None = None,
        shown: Collection[str] | None = None,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[CrossingRecord], int]:
        """A page of the people listed in a tranche, in manifest order, and how many
        there are in all; ``shown`` keeps those whose reason, or state without one, is
        one of these. Paged and counted by the database."""
        states = None if shown is None else list(shown)
        if states == []:
            return [], 0
        page, count = _listed(side is not None, None if states is None else len(states))
        values = {"b_tranche": tranche_id, "b_side": side}
        values |= {f"s{i}": state for i, state in enumerate(states or ())}
        total = int(self._driver.scalar(count, values))
        if offset >= total:
            return [], total
        rows = self._driver.all(page, values | {"b_limit": limit, "b_offset": offset})
        return [_crossing(row) for row in rows], total

    def crossing(
        self, tranche_id: int, side: str, record_id: str, *, lock: bool = False
    ) -> CrossingRecord | None:
        """One listed person, or None; ``lock`` holds their row until the end."""
        params = {"b_tranche": tranche_id, "b_side": side, "b_record": record_id}
        row = self._driver.first(_CROSSINGS_BY[lock], params)
        return None if row is None else _crossing(row)

    def heaviest(self, tranche_id: int, track: str) -> int:
        """The largest weight of anyone listed in ``track`` (1 if nobody)."""
        c = CrossingRow
        query = select(func.max(c.weight)).where(c.tranche_id == tranche_id, c.track == track)
        found = self._session.execute(query).scalar()
        return 1 if found is None else int(found)

    def save_crossing(self, crossing: CrossingRecord, at: datetime) -> None:
        """Write one person's progress (what a crossing changes; who and where stay)."""
        c = crossing.crossing
        params = {
            "b_id": crossing.id,
            "state": c.state.value,
            "identity_confirmed": c.identity_confirmed,
            "identity_disputed": c.identity_disputed,
            "will_confirmed_at": c.will_confirmed_at,
            "reason": crossing.reason,
            "flags": ",".join(crossing.flags) or None,
            "sealed": crossing.sealed,
            "updated_at": at,
        }
        self._driver.write(_SAVE_CROSSING, params)

    def active_listings(self, side: str, record_ids: Collection[str]) -> dict[str, str]:
        """Of ``record_ids``, those listed in a tranche still running, with where."""
        found: dict[str, str] = {}
        ids = list(record_ids)
        active = [s.value for s in ACTIVE]
        for start in range(0, len(ids), _CHUNK):
            query = (
                select(CrossingRow.record_id, TrancheRow.exchange, TrancheRow.number)
                .join(TrancheRow, TrancheRow.id == CrossingRow.tranche_id)
                .where(
                    CrossingRow.side == side,
                    CrossingRow.record_id.in_(ids[start : start + _CHUNK]),
                    CrossingRow.state.in_(_LIVE),
                    TrancheRow.state.in_(active),
                )
            )
            for record_id, exchange, number in self._session.execute(query):
                found[record_id] = f"{exchange}, tranche {number}"
        return found

    def sides_listing(self, tranche_id: int, record_id: str) -> list[str]:
        """The sides whose manifest of a tranche lists ``record_id`` (record ids are per side)."""
        query = select(CrossingRow.side).where(
            CrossingRow.tranche_id == tranche_id, CrossingRow.record_id == record_id
        )
        return sorted(self._session.scalars(query))

    def manifest_by_sha256(self, sha256: str) -> tuple[str, int, str, int] | None:
        """(exchange, tranche number, side, version) of the manifest with this SHA-256."""
        query = (
            select(TrancheRow.exchange, TrancheRow.number, ManifestRow.side, ManifestRow.version)
            .join(TrancheRow, TrancheRow.id == ManifestRow.tranche_id)
            .where(ManifestRow.sha256 == sha256)
        )
        found = self._session.execute(query).first()
        return None if found is None else (found[0], found[1], found[2], found[3])

    # --- balances and findings ------------------------------------------------------

    def balances(
        self, tranche_id: int, *, lock: tuple[str, str] | None = None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(track, side) -> (sent, received); ``lock`` (track, side) holds that row until
        the end, read after any writer of it before has committed."""
        if lock is None or self._driver.dialect.name == "sqlite":
            rows = self._driver.all(_READ_BALANCES, {"b_tranche": tranche_id})
        else:
            params = {"b_tranche": tranche_id, "b_track": lock[0], "b_side": lock[1]}
            rows = self._driver.all(_LOCK_BALANCE, params)
        return {(t, side): (sent, rec) for t, side, sent, rec in rows}

    def save_balance(
        self, tranche_id: int, track: str, side: str, sent: int, received: int
    ) -> None:
        """Write (or create) one side's balance in one track."""
        values = {"b_tranche": tranche_id, "b_track": track, "b_side": side, "sent": sent,
                  "received": received}  # fmt: skip
        self._driver.write(_PUT_BALANCE[self._driver.dialect.name], values)

    def add_finding(
        self, tranche_id: int, side: str, record_id: str, finding: str, actor: str, at: datetime
    ) -> None:
        """Record what the neutral verifier found."""
        self._session.add(
            NeutralFindingRow(
                tranche_id=tranche_id,
                side=side,
                record_id=record_id,
                finding=finding,
                actor=actor,
                recorded_at=at,
            )
        )

    def findings(
        self, tranche_id: int, record_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        """(side, record id, finding), in the order they were recorded; of ``record_ids``
        only (of either side), when given."""
        ids = None if record_ids is None else list(record_ids)
        if ids == []:
            return []
        values = {"b_tranche": tranche_id} | {f"r{i}": r for i, r in enumerate(ids or ())}
        rows = self._driver.all(_findings_query(None if ids is None else len(ids)), values)
        return [(s, r, x) for s, r, x in rows]

    # --- the people -----------------------------------------------------------------

    def set_holding_status(
        self, side: str, record_ids: Collection[str], status: str, at: datetime
    ) -> None:
        """Move holdings to ``status`` (the exchange's own events record why)."""
        ids = list(record_ids)
        values = {"b_party": side, "status": status, "updated_at": at}
        if len(ids) == 1:  # a handover: no IN list to expand, and held back (Driver.write)
            self._driver.write(_SET_STATUS, values | {"b_id": ids[0]})
            return
        connection = self._session.connection()
        for start in range(0, len(ids), _CHUNK):
            connection.execute(_SET_STATUSES, values | {"b_ids": ids[start : start + _CHUNK]})

    def holdings(self, side: str, record_ids: Collection[str]) -> dict[str, Holding]:
        """The holdings of ``side`` with these record ids."""
        return holding_repository(self._session).get_many(side, record_ids)
