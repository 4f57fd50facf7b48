"""Routes of the API: exchanges (``parley manifest issue``, ``parley tranche status``).

An exchange is an agreement whose plan the mediator adopted: its tranches and their
manifests. Everyone who follows exchanges reads their totals (a party member those of
its own party's exchanges; an observer names and totals only); the figures are counts,
never people.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from parley import bootstrap
from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.plans import MAX_AGREEMENT
from parley.services.secured import manifests
from parley.services.secured.manifests import ExchangeView

__all__ = ["ExchangeName", "router"]

router = APIRouter(tags=["exchanges"])

ExchangeName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="the exchange: its agreement's name",
        examples=["four for four"],
    ),
]


class AdoptIn(BaseModel):
    """The agreement whose plan to adopt, and which plan."""

    agreement: str = Field(
        min_length=1, max_length=MAX_AGREEMENT, description="the agreement file (YAML), as text"
    )
    plan_id: int | None = Field(
        default=None, ge=1, description="the plan to adopt (default: the agreement's latest)"
    )


class IssuedManifest(BaseModel):
    """Version 1 of one side's manifest of one tranche, as issued."""

    tranche: int = Field(examples=[1])
    side: str = Field(description="the releasing party", examples=["UA"])
    version: int = Field(examples=[1])
    date: dt.date | None = Field(examples=["2025-05-23"])
    people: int = Field(description="how many it lists", examples=[2])
    reserves: int = Field(examples=[1])
    sha256: str = Field(description="what each signer signs", examples=["9f86d0...a08"])


class AdoptedOut(BaseModel):
    """An exchange just adopted: each of the three now signs each manifest."""

    exchange: str = Field(examples=["four for four"])
    manifests: list[IssuedManifest]


class ExchangeOut(BaseModel):
    """An exchange and its totals. ``plan_id``, ``agreement_sha256`` and ``adopted_at``
    are null for an observer."""

    name: str = Field(examples=["four for four"])
    parties: list[str] = Field(examples=[["UA", "RU"]])
    tranches: int = Field(description="tranches planned (not cancelled)", examples=[2])
    tranches_closed: int = Field(examples=[0])
    complete: bool = Field(examples=[False])
    received: dict[str, int] = Field(
        description="per releasing side, people the other side received",
        examples=[{"UA": 0, "RU": 0}],
    )
    to_cross: dict[str, int] = Field(
        description="per releasing side, people still on a manifest to cross",
        examples=[{"UA": 4, "RU": 4}],
    )
    plan_id: int | None = Field(default=None, examples=[1])
    agreement_sha256: str | None = Field(default=None, examples=["3a7bd3...e1f"])
    adopted_at: dt.datetime | None = None


class SideOut(BaseModel):
    """One side's people in one track."""

    planned: int = Field(description="by the adopted plan", examples=[4])
    listed: int = Field(description="on the latest manifests, not gone", examples=[4])
    sealed: int = Field(description="of those, on a sealed version", examples=[2])
    exchanged: int = Field(description="received by the other side", examples=[0])
    to_cross: int = Field(examples=[4])


class TrackOut(BaseModel):
    """A track's targets against what each side has done."""

    track: str = Field(examples=["military"])
    formula: str = Field(examples=["parity"])
    minimum_per_side: int | None = Field(examples=[None])
    maximum_per_side: int | None = Field(examples=[None])
    sides: dict[str, SideOut]


class ExchangeDetailOut(ExchangeOut):
    """An exchange against its agreement, per side and track."""

    minimum_per_side: int | None = Field(description="the agreement's", examples=[4])
    maximum_per_side: int | None = Field(description="the agreement's", examples=[None])
    tracks: list[TrackOut]


def _out(view: ExchangeView) -> ExchangeOut:
    return ExchangeOut(
        name=view.name,
        parties=list(view.parties),
        tranches=view.tranches,
        tranches_closed=view.tranches_closed,
        complete=view.complete,
        received=view.received,
        to_cross=view.to_cross,
        plan_id=view.plan_id,
        agreement_sha256=view.agreement_sha256,
        adopted_at=view.adopted_at,
    )


@router.post("/exchanges", status_code=status.HTTP_201_CREATED, summary="Adopt a plan")
def adopt_plan(
    body: AdoptIn, principal: CurrentPrincipal, uow: Unit, now: Now, backend: BackendDep
) -> AdoptedOut:
    """Adopt a stored plan of the agreement: create the exchange's tranches and issue
    version 1 of every manifest for the parties and the mediator to sign (the
    mediator; ``parley manifest issue``). A checkpoint of the log is signed after."""
    stored = manifests.adopt_plan(
        uow, principal, body.agreement, bootstrap.read_agreement, plan_id=body.plan_id, now=now
    )
    backend.after_tranche_event()
    return AdoptedOut(
        exchange=stored[0].manifest.exchange if stored else "",
        manifests=[
            IssuedManifest(
                tranche=s.manifest.tranche,
                side=s.manifest.side,
                version=s.manifest.version,
                date=dt.date.fromisoformat(s.manifest.date) if s.manifest.date else None,
                people=len(s.manifest.people),
                reserves=len(s.manifest.reserves),
                sha256=s.sha256,
            )
            for s in stored
        ],
    )


@router.get("/exchanges", summary="List the exchanges")
def list_exchanges(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    party: Annotated[
        str | None,
        Query(pattern=r"^[A-Z][A-Z0-9]{1,7}$", description="only the exchanges of this party"),
    ] = None,
) -> Page[ExchangeOut]:
    """The exchanges, by adoption, with their totals. A party member sees those its
    party is a party to; an observer sees names and totals only."""
    return page_of([_out(v) for v in manifests.list_exchanges(uow, principal, party=party)], paging)


@router.get("/exchanges/{exchange}", summary="Show an exchange against its agreement")
def show_exchange(
    exchange: ExchangeName, principal: CurrentPrincipal, uow: Unit
) -> ExchangeDetailOut:
    """The agreement's targets against what is planned, listed, sealed, exchanged and
    still to cross, per side and track (``parley tranche status``'s totals)."""
    detail = manifests.exchange_detail(uow, principal, exchange)
    return ExchangeDetailOut(
        **_out(detail.view).model_dump(),
        minimum_per_side=detail.minimum_per_side,
        maximum_per_side=detail.maximum_per_side,
        tracks=[
            TrackOut(
                track=t.track,
                formula=t.formula,
                minimum_per_side=t.minimum_per_side,
                maximum_per_side=t.maximum_per_side,
                sides={
                    side: SideOut(
                        planned=f.planned,
                        listed=f.listed,
                        sealed=f.sealed,
                        exchanged=f.exchanged,
                        to_cross=f.to_cross,
                    )
                    for side, f in t.sides.items()
                },
            )
            for t in detail.tracks
        ],
    )
