"""Routes of the API: an exchange's tranches, their status, and the mediator's moves.

A tranche opens when all three have signed its manifests and its date has come, and
closes when every track is balanced by the people received; the mediator may suspend,
resume or cancel it on the way. Its status (balances per track, who must cross next,
people counted by state) is for the parties of the exchange, the mediator, the neutral
verifier and observers: counts only, never a name, and never a refusal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from parley.domain.tranches import TrancheState
from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.services.exchange import TrancheStatus
from parley.services.ports import TrancheRecord
from parley.services.secured import crossing

__all__ = ["ExchangeName", "TrancheNumber", "router"]

router = APIRouter(tags=["tranches"])


ExchangeName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The exchange: its agreement's name.",
        examples=["four for four"],
    ),
]
TrancheNumber = Annotated[
    int, Path(ge=1, le=100_000, description="The tranche's number.", examples=[1])
]


class TrancheOut(BaseModel):
    """A tranche: its number, date, tracks and state."""

    exchange: str = Field(examples=["four for four"])
    number: int = Field(examples=[1])
    on_date: date | None = Field(description="The day of its handover.", examples=["2025-05-23"])
    state: TrancheState = Field(examples=["open"])
    tracks: list[str] = Field(examples=[["military"]])
    opened_at: datetime | None = Field(default=None, examples=["2025-05-23T08:00:00Z"])
    closed_at: datetime | None = Field(default=None, examples=[None])


class TrackStatusOut(BaseModel):
    """One track's running balance, in weight (people, or points under a tariff)."""

    track: str = Field(examples=["military"])
    formula: str = Field(examples=["parity"])
    sent: dict[str, int] = Field(
        description="Handed over, per releasing side.", examples=[{"UA": 1, "RU": 0}]
    )
    received: dict[str, int] = Field(
        description="Received, per releasing side.", examples=[{"UA": 1, "RU": 0}]
    )
    owed: dict[str, int] = Field(
        description="Carried in from an earlier tranche, per side.", examples=[{"UA": 0, "RU": 0}]
    )
    allowed_lead: int = Field(description="The largest lead the agreement allows.", examples=[1])
    next_to_cross: str | None = Field(
        description="The side that must cross next to restore balance; null when level.",
        examples=["RU"],
    )


class ManifestStateOut(BaseModel):
    """The latest version of one side's manifest in the tranche."""

    version: int = Field(examples=[1])
    sealed: bool = Field(description="Signed by all three.", examples=[True])
    signed_by: list[str] = Field(examples=[["MEDIATOR", "RU", "UA"]])


class TrancheStatusOut(BaseModel):
    """Where a tranche stands: each track's balance, and the people counted by state.

    ``people`` counts, per releasing side, the listed people by state (``listed``,
    ``handed_over``, ``received``, ``no_show``, ``deceased``,
    ``withdrawn_by_neutral_verification``, ``substituted``, ...).
    """

    exchange: str = Field(examples=["four for four"])
    number: int = Field(examples=[1])
    on_date: date | None = Field(examples=["2025-05-23"])
    state: TrancheState = Field(examples=["open"])
    tracks: list[TrackStatusOut]
    people: dict[str, dict[str, int]] = Field(
        examples=[{"UA": {"listed": 1, "received": 1}, "RU": {"listed": 2}}]
    )
    manifests: dict[str, ManifestStateOut]


class OpenIn(BaseModel):
    """The date at the crossing, when it is not today's."""

    today: date | None = Field(
        default=None, description="The date at the crossing (default: today).", examples=[None]
    )


def _out(tranche: TrancheRecord) -> TrancheOut:
    return TrancheOut(
        exchange=tranche.exchange,
        number=tranche.number,
        on_date=tranche.on_date,
        state=tranche.state,
        tracks=list(tranche.tracks),
        opened_at=tranche.opened_at,
        closed_at=tranche.closed_at,
    )


def _status(status: TrancheStatus) -> TrancheStatusOut:
    return TrancheStatusOut(
        exchange=status.exchange,
        number=status.number,
        on_date=status.on_date,
        state=status.state,
        tracks=[
            TrackStatusOut(
                track=t.track,
                formula=t.formula,
                sent=t.sent,
                received=t.received,
                owed=t.owed,
                allowed_lead=t.allowed_lead,
                next_to_cross=t.next_to_cross,
            )
            for t in status.tracks
        ],
        people=status.people,
        manifests={
            side: ManifestStateOut(version=version, sealed=sealed, signed_by=list(signers))
            for side, (version, sealed, signers) in status.manifests.items()
        },
    )


@router.get("/exchanges/{exchange}/tranches", summary="List an exchange's tranches")
def list_tranches(
    exchange: ExchangeName,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    state: Annotated[
        TrancheState | None, Query(description="Only the tranches in this state.")
    ] = None,
) -> Page[TrancheOut]:
    """The exchange's tranches by number (its parties, the mediator, the neutral
    verifier and observers)."""
    found = crossing.list_tranches(uow, principal, exchange, state=state)
    return page_of([_out(t) for t in found], paging)


@router.get("/exchanges/{exchange}/tranches/{number}", summary="Show a tranche's status")
async def tranche_status(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
) -> TrancheStatusOut:
    """The tranche's state, each track's balance and allowed lead, who must cross next,
    the people counted by state per side, and its manifests' signatures. Counts only:
    no names, and a refusal reads ``withdrawn_by_neutral_verification``."""
    # Among the most read: no hop to the thread pool on SQLite (Backend.read).
    status = await backend.read(crossing.tranche_status, uow, principal, exchange, number)
    return _status(status)


@router.post("/exchanges/{exchange}/tranches/{number}/open", summary="Open a tranche")
def open_tranche(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
    body: OpenIn | None = None,
) -> TrancheOut:
    """Open a sealed tranche on (or after) its date: its people may now cross (the
    mediator). Refused while a manifest is unsigned or before the tranche's date; a
    suspended tranche is resumed instead. A checkpoint of the log is signed after."""
    today = body.today if body is not None and body.today is not None else now.date()
    opened = crossing.open_tranche(uow, principal, exchange, number, today=today, now=now)
    backend.after_tranche_event()
    return _out(opened)


@router.post("/exchanges/{exchange}/tranches/{number}/close", summary="Close a tranche")
def close_tranche(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
) -> TrancheOut:
    """Close an open tranche whose every track is balanced by the people received (the
    mediator). Refused, with everything still wrong, while someone is to cross or in
    transit, a track is unbalanced, or an amendment waits for signatures."""
    closed = crossing.close_tranche(uow, principal, exchange, number, now=now)
    backend.after_tranche_event()
    return _out(closed)


@router.post("/exchanges/{exchange}/tranches/{number}/suspend", summary="Suspend a tranche")
def suspend_tranche(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
) -> TrancheOut:
    """Suspend an open tranche: nobody crosses until it resumes (the mediator). Someone
    already handed over may still be received."""
    moved = crossing.suspend_tranche(uow, principal, exchange, number, now=now)
    backend.after_tranche_event()
    return _out(moved)


@router.post("/exchanges/{exchange}/tranches/{number}/resume", summary="Resume a tranche")
def resume_tranche(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
) -> TrancheOut:
    """Resume a suspended tranche (the mediator)."""
    moved = crossing.resume_tranche(uow, principal, exchange, number, now=now)
    backend.after_tranche_event()
    return _out(moved)


@router.post("/exchanges/{exchange}/tranches/{number}/cancel", summary="Cancel a tranche")
def cancel_tranche(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
) -> TrancheOut:
    """Cancel a tranche nobody has crossed in; its people go back to the pools (the
    mediator)."""
    moved = crossing.cancel_tranche(uow, principal, exchange, number, now=now)
    backend.after_tranche_event()
    return _out(moved)
