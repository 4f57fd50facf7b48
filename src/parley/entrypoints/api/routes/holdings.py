"""Routes of the API: the people a party holds.

A party member reads its own party's holdings, the mediator every party's; nobody else
reads them. Paths name a record by the party's own record id, never by a name. A
refusal to be repatriated reads ``withdrawn_by_neutral_verification`` to a party.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from parley.domain.holdings import Health, Holding, HoldingCategory, SeriousIllnessBasis
from parley.domain.people import Identity
from parley.domain.purposes import Purpose
from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.services.ports import RecordQuery, RecordVersion
from parley.services.secured import records
from parley.services.secured.records import HOLDING_STATUSES, Shown

__all__ = [
    "IdentityOut",
    "PartyCode",
    "PurposeQuery",
    "RecordId",
    "VersionOut",
    "identity_out",
    "router",
    "version_out",
]

router = APIRouter(tags=["holdings"])


PartyCode = Annotated[
    str,
    Path(
        pattern=r"^[A-Z][A-Z0-9]{1,7}$",
        description="The party's code, e.g. UA.",
        examples=["UA"],
    ),
]
RecordId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="The record's id in the party's own files (never a name).",
        examples=["UA-1"],
    ),
]

PurposeQuery = Annotated[
    Purpose | None,
    Query(
        description=(
            "The purpose of this read; a record held for another is refused (403, naming "
            "the record id and both purposes). Left out: each record's own purpose."
        )
    ),
]


class IdentityOut(BaseModel):
    """Who a person is, as the record writes it (GC III Art. 17 and the capture card)."""

    family_name: str = Field(examples=["Коваль"])
    given_name: str = Field(examples=["Олег"])
    patronymic: str | None = Field(default=None, examples=["Олегович"])
    name_lang: str = Field(description="The language of the names' spelling.", examples=["uk"])
    sex: str = Field(description="M, F or U (unknown).", examples=["M"])
    birth_date: str | None = Field(
        default=None, description="YYYY-MM-DD, YYYY-MM or YYYY.", examples=["1981-01-01"]
    )
    birth_place: str | None = Field(default=None, examples=["Полтава"])
    nationality: str | None = Field(default=None, examples=["UA"])
    mother_maiden_name: str | None = Field(default=None, examples=["Шевчук"])
    rank: str | None = Field(default=None, examples=["private"])
    service_number: str | None = Field(default=None, examples=["UA-SN-0001"])
    unit: str | None = Field(default=None, examples=["72nd brigade"])
    document_number: str | None = Field(default=None, examples=["AB123456"])


def identity_out(identity: Identity) -> IdentityOut:
    """The API's view of an identity."""
    return IdentityOut(
        family_name=identity.family_name,
        given_name=identity.given_name,
        patronymic=identity.patronymic,
        name_lang=identity.name_lang.value,
        sex=identity.sex.value,
        birth_date=identity.birth_date.isoformat() if identity.birth_date else None,
        birth_place=identity.birth_place,
        nationality=identity.nationality,
        mother_maiden_name=identity.mother_maiden_name,
        rank=identity.rank,
        service_number=identity.service_number,
        unit=identity.unit,
        document_number=identity.document_number,
    )


class HoldingOut(BaseModel):
    """A person a party holds, with custody, health and where they stand."""

    party: str = Field(description="The party holding the person.", examples=["UA"])
    record_id: str = Field(examples=["UA-1"])
    identity: IdentityOut
    category: HoldingCategory = Field(examples=["pow"])
    captured_on: date | None = Field(default=None, examples=["2024-03-02"])
    capture_place: str | None = Field(default=None, examples=["Kharkiv oblast"])
    detention_place: str | None = Field(default=None, examples=["Camp 4"])
    health: Health | None = Field(default=None, examples=["good"])
    seriously_ill: bool = Field(examples=[False])
    seriously_ill_basis: SeriousIllnessBasis | None = Field(default=None, examples=[None])
    status: str = Field(
        description=(
            "Where the person stands (detained, eligible, listed, ..., handed_over). A "
            "party reads withdrawn_by_neutral_verification for a person the neutral "
            "verifier withdrew, whatever the reason."
        ),
        examples=["detained"],
    )


def _out(shown: Shown[Holding]) -> HoldingOut:
    h = shown.record
    return HoldingOut(
        party=h.party,
        record_id=h.record_id,
        identity=identity_out(h.identity),
        category=h.category,
        captured_on=h.captured_on,
        capture_place=h.capture_place,
        detention_place=h.detention_place,
        health=h.health,
        seriously_ill=h.seriously_ill,
        seriously_ill_basis=h.seriously_ill_basis,
        status=shown.status,
    )


class VersionOut(BaseModel):
    """One version of a record: what its party's file said from ``valid_from`` on."""

    version: int = Field(examples=[2])
    valid_from: datetime = Field(examples=["2025-05-16T09:00:00Z"])
    import_id: int | None = Field(
        description="The import that wrote it (kept for the current version only).",
        examples=[3],
    )
    changed: list[str] = Field(
        description="The fields that differ from the version before.", examples=[["rank"]]
    )
    content: dict[str, Any] = Field(
        description="Every field the file sets (not the status).",
        examples=[{"family_name": "Коваль", "given_name": "Олег", "rank": "sergeant"}],
    )


def version_out(versions: list[RecordVersion]) -> list[VersionOut]:
    """The API's view of a record's history, with what each version changed."""
    out: list[VersionOut] = []
    previous: dict[str, object] = {}
    for v in versions:
        changed = [k for k, value in v.content.items() if previous and previous.get(k) != value]
        out.append(
            VersionOut(
                version=v.version,
                valid_from=v.valid_from,
                import_id=v.import_id,
                changed=changed,
                content=v.content,
            )
        )
        previous = v.content
    return out


# The statuses a filter may name, listed in the schema (the parameter itself is text: a
# party reads withdrawn_by_neutral_verification, which is no stored status).
_STATUS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "array", "items": {"type": "string", "enum": list(HOLDING_STATUSES)}},
        {"type": "null"},
    ]
}


@router.get("/parties/{party}/holdings", summary="List a party's holdings")
def list_holdings(
    party: PartyCode,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    status: Annotated[
        list[str] | None,
        Query(
            description="Only these statuses (repeat to name several).",
            json_schema_extra=_STATUS_SCHEMA,
        ),
    ] = None,
    category: Annotated[
        list[HoldingCategory] | None, Query(description="Only these categories.")
    ] = None,
    seriously_ill: Annotated[
        bool | None, Query(description="Only the seriously ill (true) or the others (false).")
    ] = None,
    purpose: PurposeQuery = None,
) -> Page[HoldingOut]:
    """The people ``party`` holds, by record id: a party its own, the mediator any."""
    query = RecordQuery(
        statuses=tuple(status or ()),
        categories=tuple(c.value for c in category or ()),
        seriously_ill=seriously_ill,
    )
    found, total = records.list_holdings(
        uow,
        principal,
        party=party,
        query=query,
        limit=paging.limit,
        offset=paging.offset,
        purpose=purpose,
    )
    return page_of([_out(s) for s in found], paging, total)


@router.get(
    "/parties/{party}/holdings/{record_id:path}/history",
    summary="Show the change history of a holding",
)
def holding_history(
    party: PartyCode,
    record_id: RecordId,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
) -> Page[VersionOut]:
    """Every version of one holding, oldest first, with the fields each one changed."""
    versions = records.record_history(
        uow, principal, kind="holdings", party=party, record_id=record_id
    )
    return page_of(version_out(versions), paging)


@router.get("/parties/{party}/holdings/{record_id:path}", summary="Show one holding")
async def get_holding(
    party: PartyCode,
    record_id: RecordId,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    purpose: PurposeQuery = None,
) -> HoldingOut:
    """One person ``party`` holds, by the party's record id."""
    # Among the most read: no hop to the thread pool on SQLite (Backend.read).
    shown = await backend.read(
        records.get_holding, uow, principal, party=party, record_id=record_id, purpose=purpose
    )
    return _out(shown)
