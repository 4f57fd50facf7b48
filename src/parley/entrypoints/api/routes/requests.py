"""Routes of the API: the people a party asks back.

A party member reads its own party's requests, the mediator every party's; nobody else
reads them. Paths name a record by the party's own record id, never by a name.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from parley.domain.holdings import HoldingCategory
from parley.domain.requests import Priority, Request, RequestSource, RequestStatus
from parley.entrypoints.api.deps import CurrentPrincipal, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.holdings import (
    IdentityOut,
    PartyCode,
    PurposeQuery,
    RecordId,
    VersionOut,
    identity_out,
    version_out,
)
from parley.services.ports import RecordQuery
from parley.services.secured import records
from parley.services.secured.records import Shown

__all__ = ["router"]

router = APIRouter(tags=["requests"])


class RequestOut(BaseModel):
    """One person a party asks back, with who told the party of them and how urgent."""

    party: str = Field(description="The party asking.", examples=["UA"])
    record_id: str = Field(examples=["UA-R-17"])
    identity: IdentityOut
    source: RequestSource = Field(examples=["family"])
    priority: Priority = Field(examples=["normal"])
    category: HoldingCategory | None = Field(default=None, examples=["pow"])
    captured_on: date | None = Field(default=None, examples=["2024-03-02"])
    capture_place: str | None = Field(default=None, examples=["Kharkiv oblast"])
    status: RequestStatus = Field(examples=["requested"])


def _out(shown: Shown[Request]) -> RequestOut:
    r = shown.record
    return RequestOut(
        party=r.party,
        record_id=r.record_id,
        identity=identity_out(r.identity),
        source=r.source,
        priority=r.priority,
        category=r.category,
        captured_on=r.captured_on,
        capture_place=r.capture_place,
        status=r.status,
    )


@router.get("/parties/{party}/requests", summary="List a party's requests")
def list_requests(
    party: PartyCode,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    status: Annotated[
        list[RequestStatus] | None, Query(description="Only these statuses (repeat for several).")
    ] = None,
    priority: Annotated[list[Priority] | None, Query(description="Only these priorities.")] = None,
    source: Annotated[list[RequestSource] | None, Query(description="Only these sources.")] = None,
    category: Annotated[
        list[HoldingCategory] | None, Query(description="Only these categories.")
    ] = None,
    purpose: PurposeQuery = None,
) -> Page[RequestOut]:
    """The people ``party`` asks back, by record id: a party its own, the mediator any."""
    query = RecordQuery(
        statuses=tuple(s.value for s in status or ()),
        categories=tuple(c.value for c in category or ()),
        priorities=tuple(p.value for p in priority or ()),
        sources=tuple(s.value for s in source or ()),
    )
    found, total = records.list_requests(
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
    "/parties/{party}/requests/{record_id:path}/history",
    summary="Show the change history of a request",
)
def request_history(
    party: PartyCode,
    record_id: RecordId,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
) -> Page[VersionOut]:
    """Every version of one request, oldest first, with the fields each one changed."""
    versions = records.record_history(
        uow, principal, kind="requests", party=party, record_id=record_id
    )
    return page_of(version_out(versions), paging)


@router.get("/parties/{party}/requests/{record_id:path}", summary="Show one request")
def get_request(
    party: PartyCode,
    record_id: RecordId,
    principal: CurrentPrincipal,
    uow: Unit,
    purpose: PurposeQuery = None,
) -> RequestOut:
    """One person ``party`` asks back, by the party's record id."""
    shown = records.get_request(uow, principal, party=party, record_id=record_id, purpose=purpose)
    return _out(shown)
