"""A party's holdings, requests and imports, as a principal may see and change them.

A party member reads and imports its own party's records only; the mediator those of
every party (``Capability.HOLDINGS_READ``, ``REQUESTS_READ``, ``IMPORTS_READ``,
``IMPORTS_WRITE``). A holding's refusal to be repatriated is never shown to a party
(GC III Art. 109(3)): a party reads ``withdrawn_by_neutral_verification`` where the
neutral verifier recorded ``declined_repatriation``, and may not filter on the refusal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from parley.domain.access import Principal, Role
from parley.domain.handover import NEUTRAL_WITHDRAWAL
from parley.domain.holdings import Holding, HoldingStatus
from parley.domain.purposes import Purpose
from parley.domain.requests import Request
from parley.errors import InvalidValue, NotFound
from parley.services import history, importing
from parley.services.access import Capability, authorize
from parley.services.importing import ImportSummary, TableSource
from parley.services.parties import require_party
from parley.services.ports import ImportEntry, RecordQuery, RecordVersion, UnitOfWork, records_of
from parley.services.purposes import check_records_purpose

__all__ = [
    "HOLDING_STATUSES",
    "KINDS",
    "Shown",
    "check_import",
    "get_holding",
    "get_request",
    "import_records",
    "list_holdings",
    "list_imports",
    "list_requests",
    "record_history",
]

R = TypeVar("R", Holding, Request)

KINDS = ("holdings", "requests")
_READ = {"holdings": Capability.HOLDINGS_READ, "requests": Capability.REQUESTS_READ}
_REFUSAL = HoldingStatus.DECLINED_REPATRIATION.value
# Every holding status a filter may name: the stored ones and what a party reads instead
# of a refusal.
HOLDING_STATUSES = (*(s.value for s in HoldingStatus), NEUTRAL_WITHDRAWAL)


@dataclass(frozen=True, slots=True)
class Shown(Generic[R]):
    """A record as the principal may see it; ``status`` is what they may be told of it."""

    record: R
    status: str


def _sees_refusals(principal: Principal) -> bool:
    """The mediator and the neutral verifier know a refusal; the parties never do."""
    return principal.role in (Role.MEDIATOR, Role.NEUTRAL_VERIFIER)


def _shown(principal: Principal, record: R) -> Shown[R]:
    status = record.status.value
    if status == _REFUSAL and not _sees_refusals(principal):
        status = NEUTRAL_WITHDRAWAL
    return Shown(record, status)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidValue(
            "kind", f"{kind!r} is not a kind of record (expected holdings or requests)"
        )
    return kind


def _stored_statuses(principal: Principal, kind: str, statuses: tuple[str, ...]) -> tuple[str, ...]:
    """The stored statuses a filter names, as the principal may name them.

    Raises:
        InvalidValue: a status that is none, or a party naming the refusal itself.
    """
    if kind != "holdings":
        return statuses
    stored = []
    for status in statuses:
        if status not in HOLDING_STATUSES:
            expected = ", ".join(HOLDING_STATUSES)
            raise InvalidValue(
                "status", f"{status!r} is not a holding status (expected {expected})"
            )
        if status == _REFUSAL and not _sees_refusals(principal):
            raise InvalidValue("status", f"{status!r} is not a status a party sees")
        stored.append(_REFUSAL if status == NEUTRAL_WITHDRAWAL else status)
    return tuple(dict.fromkeys(stored))


def _list(
    uow: UnitOfWork,
    principal: Principal,
    kind: str,
    party: str,
    query: RecordQuery,
    page: tuple[int, int],
    purpose: Purpose | None,
) -> tuple[list[Shown[Any]], int]:
    authorize(principal, _READ[kind], party=party)
    statuses = _stored_statuses(principal, kind, query.statuses)
    query = dataclasses.replace(query, statuses=statuses)
    limit, offset = page
    with uow:
        require_party(uow, party)
        records, total = records_of(uow, kind).page(party, query, limit=limit, offset=offset)
        ids = [r.record_id for r in records]
        check_records_purpose(uow, kind=kind, party=party, record_ids=ids, purpose=purpose)
    return [_shown(principal, r) for r in records], total


def list_holdings(
    uow: UnitOfWork,
    principal: Principal,
    *,
    party: str,
    query: RecordQuery,
    limit: int,
    offset: int,
    purpose: Purpose | None = None,
) -> tuple[list[Shown[Holding]], int]:
    """A page of ``party``'s holdings that ``query`` selects, by record id, and how many
    it selects in all.

    Raises:
        NotPermitted: the principal may not read ``party``'s holdings.
        NotFound: ``party`` is not a party of the exchange.
        InvalidValue: a party filters on the refusal itself.
    """
    return _list(uow, principal, "holdings", party, query, (limit, offset), purpose)


def list_requests(
    uow: UnitOfWork,
    principal: Principal,
    *,
    party: str,
    query: RecordQuery,
    limit: int,
    offset: int,
    purpose: Purpose | None = None,
) -> tuple[list[Shown[Request]], int]:
    """A page of ``party``'s requests that ``query`` selects, by record id, and how many
    it selects in all.

    Raises:
        NotPermitted: the principal may not read ``party``'s requests.
        NotFound: ``party`` is not a party of the exchange.
    """
    return _list(uow, principal, "requests", party, query, (limit, offset), purpose)


def _get(
    uow: UnitOfWork,
    principal: Principal,
    kind: str,
    party: str,
    record_id: str,
    purpose: Purpose | None,
) -> Shown[Any]:
    authorize(principal, _READ[kind], party=party)
    with uow:
        record = records_of(uow, kind).get(party, record_id)
        if record is not None:
            check_records_purpose(
                uow, kind=kind, party=party, record_ids=[record_id], purpose=purpose
            )
    if record is None:
        raise NotFound(f"no {kind} record {party}/{record_id}")
    return _shown(principal, record)


def get_holding(
    uow: UnitOfWork,
    principal: Principal,
    *,
    party: str,
    record_id: str,
    purpose: Purpose | None = None,
) -> Shown[Holding]:
    """One of ``party``'s holdings.

    Raises:
        NotPermitted: the principal may not read ``party``'s holdings.
        NotFound: there is no such record.
        PurposeRefused: ``purpose`` is given and the record is held for another.
    """
    return _get(uow, principal, "holdings", party, record_id, purpose)


def get_request(
    uow: UnitOfWork,
    principal: Principal,
    *,
    party: str,
    record_id: str,
    purpose: Purpose | None = None,
) -> Shown[Request]:
    """One of ``party``'s requests.

    Raises:
        NotPermitted: the principal may not read ``party``'s requests.
        NotFound: there is no such record.
        PurposeRefused: ``purpose`` is given and the record is held for another.
    """
    return _get(uow, principal, "requests", party, record_id, purpose)


def record_history(
    uow: UnitOfWork, principal: Principal, *, kind: str, party: str, record_id: str
) -> list[RecordVersion]:
    """Every version of one of ``party``'s records, oldest first (its content only, never
    its status).

    Raises:
        NotPermitted: the principal may not read ``party``'s records of ``kind``.
        NotFound: there is no such record.
    """
    authorize(principal, _READ[_kind(kind)], party=party)
    return history.record_history(uow, kind=kind, party=party, record_id=record_id)


def check_import(principal: Principal, party: str) -> None:
    """Refuse before an upload is even read, unless the principal may import for ``party``.

    Raises:
        NotPermitted: the principal may not import ``party``'s records.
    """
    authorize(principal, Capability.IMPORTS_WRITE, party=party)


def import_records(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: str,
    party: str,
    table: TableSource,
    now: datetime,
    purpose: Purpose | None = None,
) -> ImportSummary:
    """Import every row of ``table`` as ``party``'s holdings or requests, or none of them,
    in the principal's name.

    Raises:
        NotPermitted: the principal may not import ``party``'s records.
        NotFound: ``party`` is not a party of the exchange.
        ImportRejected: the file had problems, every one listed; the database is unchanged.
    """
    check_import(principal, party)
    return importing.import_records(
        uow,
        kind=_kind(kind),
        party=party,
        table=table,
        actor=principal.user,
        now=now,
        purpose=purpose,
    )


def list_imports(
    uow: UnitOfWork,
    principal: Principal,
    *,
    party: str,
    kind: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ImportEntry], int]:
    """A page of ``party``'s accepted imports (of ``kind``, if given), newest first, and
    how many there are in all.

    Raises:
        NotPermitted: the principal may not read ``party``'s imports.
        NotFound: ``party`` is not a party of the exchange.
    """
    authorize(principal, Capability.IMPORTS_READ, party=party)
    with uow:
        require_party(uow, party)
        return uow.imports.page(
            party, None if kind is None else _kind(kind), limit=limit, offset=offset
        )
