"""Mapping between the domain's person records and table rows.

A record's *content* is every field a party's file can set (not its status or
bookkeeping): comparing it tells a re-import that changes nothing from one that changes
a field, and its JSON is what the change history keeps.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from parley.domain.dates import PartialDate
from parley.domain.holdings import (
    Health,
    Holding,
    HoldingCategory,
    HoldingStatus,
    SeriousIllnessBasis,
)
from parley.domain.people import Identity, NameLanguage, Sex
from parley.domain.requests import Priority, Request, RequestSource, RequestStatus
from parley.services.schema import HOLDINGS, REQUESTS

__all__ = [
    "HOLDING_CONTENT",
    "REQUEST_CONTENT",
    "holding_from_row",
    "holding_to_row",
    "request_from_row",
    "request_to_row",
]

# The content of a record is every column of its import file but the key: the file's
# schema is the one list of them.
HOLDING_CONTENT = tuple(c for c in HOLDINGS.columns if c != "record_id")
REQUEST_CONTENT = tuple(c for c in REQUESTS.columns if c != "record_id")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (date, PartialDate)):
        return value.isoformat()
    return str(value)


def content_json(row: Any, fields: tuple[str, ...]) -> str:
    """The content fields of a stored row as JSON, for the change history."""
    data = {f: _plain(getattr(row, f)) for f in fields}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _identity_row(i: Identity) -> dict[str, Any]:
    return {
        "family_name": i.family_name,
        "given_name": i.given_name,
        "patronymic": i.patronymic,
        "name_lang": i.name_lang.value,
        "sex": i.sex.value,
        "birth_date": i.birth_date.isoformat() if i.birth_date else None,
        "birth_place": i.birth_place,
        "nationality": i.nationality,
        "mother_maiden_name": i.mother_maiden_name,
        "rank": i.rank,
        "service_number": i.service_number,
        "unit": i.unit,
        "document_number": i.document_number,
    }


def _identity(row: Any) -> Identity:
    return Identity(
        family_name=row.family_name,
        given_name=row.given_name,
        patronymic=row.patronymic,
        name_lang=NameLanguage(row.name_lang),
        sex=Sex(row.sex),
        birth_date=PartialDate.parse(row.birth_date) if row.birth_date else None,
        birth_place=row.birth_place,
        nationality=row.nationality,
        mother_maiden_name=row.mother_maiden_name,
        rank=row.rank,
        service_number=row.service_number,
        unit=row.unit,
        document_number=row.document_number,
    )


def holding_to_row(h: Holding) -> dict[str, Any]:
    """The table columns for a holding (bookkeeping columns excluded)."""
    row = _identity_row(h.identity)
    row.update(
        party_code=h.party,
        record_id=h.record_id,
        category=h.category.value,
        captured_on=h.captured_on,
        capture_place=h.capture_place,
        detention_place=h.detention_place,
        health=h.health.value if h.health else None,
        seriously_ill=h.seriously_ill,
        seriously_ill_basis=h.seriously_ill_basis.value if h.seriously_ill_basis else None,
        status=h.status.value,
    )
    return row


def holding_from_row(row: Any) -> Holding:
    """Rebuild a holding from a stored row."""
    return Holding(
        party=row.party_code,
        record_id=row.record_id,
        identity=_identity(row),
        category=HoldingCategory(row.category),
        captured_on=row.captured_on,
        capture_place=row.capture_place,
        detention_place=row.detention_place,
        health=Health(row.health) if row.health else None,
        seriously_ill=bool(row.seriously_ill),
        seriously_ill_basis=SeriousIllnessBasis(row.seriously_ill_basis)
        if row.seriously_ill_basis
        else None,
        status=HoldingStatus(row.status),
    )


def request_to_row(r: Request) -> dict[str, Any]:
    """The table columns for a request (bookkeeping columns excluded)."""
    row = _identity_row(r.identity)
    row.update(
        party_code=r.party,
        record_id=r.record_id,
        category=r.category.value if r.category else None,
        captured_on=r.captured_on,
        capture_place=r.capture_place,
        priority=r.priority.value,
        source=r.source.value,
        status=r.status.value,
    )
    return row


def request_from_row(row: Any) -> Request:
    """Rebuild a request from a stored row."""
    return Request(
        party=row.party_code,
        record_id=row.record_id,
        identity=_identity(row),
        source=RequestSource(row.source),
        priority=Priority(row.priority),
        category=HoldingCategory(row.category) if row.category else None,
        captured_on=row.captured_on,
        capture_place=row.capture_place,
        status=RequestStatus(row.status),
    )
