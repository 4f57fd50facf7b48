"""Routes of the API: the parties of the exchange."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from parley.domain.parties import Party
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.services.secured import parties

__all__ = ["router"]

router = APIRouter(tags=["parties"])


class PartyOut(BaseModel):
    """A party: its neutral code, display name and working language."""

    code: str = Field(examples=["UA"])
    name: str = Field(examples=["Party UA"])
    language: str = Field(examples=["uk"])


class PartyIn(BaseModel):
    """A party to register."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,7}$", examples=["UA"])
    name: str = Field(min_length=1, max_length=200, examples=["Party UA"])
    language: str = Field(default="und", pattern=r"^[a-z]{2,3}$", examples=["uk"])


def _out(party: Party) -> PartyOut:
    return PartyOut(code=party.code, name=party.name, language=party.language)


@router.get("/parties", summary="List the parties")
def list_parties(principal: CurrentPrincipal, uow: Unit, paging: Paging) -> Page[PartyOut]:
    """Every registered party, by code."""
    return page_of([_out(p) for p in parties.list_parties(uow, principal)], paging)


@router.post("/parties", status_code=status.HTTP_201_CREATED, summary="Register a party")
def register_party(body: PartyIn, principal: CurrentPrincipal, uow: Unit, now: Now) -> PartyOut:
    """Register a party of the exchange (the mediator)."""
    party = Party(body.code, body.name, body.language)
    return _out(parties.register_party(uow, principal, party, now=now))
