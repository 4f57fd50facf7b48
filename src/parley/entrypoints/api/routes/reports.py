"""Routes of the API: an exchange's public report, in numbers only.

Per tranche, releasing side and track: how many were planned, listed, on a sealed
manifest, handed over, received, withdrawn, absent or dead, with the latest signed
checkpoint that anyone may check the numbers against. No name, no record id, and a
refusal is only ever counted as withdrawn.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from parley.entrypoints.api.deps import CurrentPrincipal, Unit
from parley.entrypoints.api.routes.log import CheckpointOut, checkpoint_out
from parley.services.secured import ledger

__all__ = ["router"]

router = APIRouter(tags=["reports"])


class CountsOut(BaseModel):
    """Headcounts of one tranche, side and track."""

    planned: int = Field(description="Released in this tranche by the adopted plan.", examples=[2])
    listed: int = Field(description="On its manifests, substitutes included.", examples=[2])
    sealed: int = Field(description="On a manifest all three signed.", examples=[2])
    handed_over: int = Field(description="Handed over (received or in transit).", examples=[1])
    received: int = Field(description="Received by the other side: exchanged.", examples=[1])
    withdrawn: int = Field(
        description="Withdrawn, for whatever reason the neutral verifier keeps.", examples=[0]
    )
    no_show: int = Field(examples=[0])
    deceased: int = Field(examples=[0])


class ReportLineOut(BaseModel):
    """One tranche, one releasing side, one track."""

    tranche: int = Field(examples=[1])
    tranche_state: str = Field(examples=["open"])
    side: str = Field(description="The releasing side.", examples=["UA"])
    track: str = Field(examples=["military"])
    counts: CountsOut


class ReportOut(BaseModel):
    """An exchange in numbers, and the checkpoint of the log they can be checked against."""

    exchange: str = Field(examples=["four for four"])
    parties: list[str] = Field(examples=[["UA", "RU"]])
    tranches: int = Field(description="Tranches planned (not cancelled).", examples=[2])
    tranches_closed: int = Field(examples=[0])
    complete: bool = Field(
        description="Every tranche closed and the agreed totals met.", examples=[False]
    )
    lines: list[ReportLineOut]
    log_size: int = Field(description="Entries in the public log now.", examples=[57])
    latest_checkpoint: CheckpointOut | None


@router.get("/exchanges/{exchange}/report", summary="An exchange's report in numbers")
def exchange_report(
    exchange: Annotated[
        str,
        Path(
            min_length=1,
            max_length=200,
            description="The exchange: its agreement's name.",
            examples=["four for four"],
        ),
    ],
    principal: CurrentPrincipal,
    uow: Unit,
) -> ReportOut:
    """The exchange's counts per tranche, side and track (its parties, the mediator, the
    neutral verifier, observers): aggregates only, never a person."""
    found = ledger.exchange_report(uow, principal, exchange)
    return ReportOut(
        exchange=found.exchange,
        parties=list(found.parties),
        tranches=found.tranches,
        tranches_closed=found.tranches_closed,
        complete=found.complete,
        lines=[
            ReportLineOut(
                tranche=line.tranche,
                tranche_state=line.tranche_state,
                side=line.side,
                track=line.track,
                counts=CountsOut(**line.counts),
            )
            for line in found.lines
        ],
        log_size=found.log_size,
        latest_checkpoint=checkpoint_out(found.checkpoint) if found.checkpoint else None,
    )
