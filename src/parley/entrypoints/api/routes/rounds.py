"""Routes of the API: the rounds of talks, their commitments, and what each waits on.

A commitment ("round 3 follows the exchange") waits on a precondition; it falls due by
itself when a tranche closes, or at ``POST /rounds/refresh`` (a date reached). The
mediator records the rounds from a rounds file (docs/rounds.md), all of it or none.
Rounds name delegations and venues, never a prisoner.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from parley import bootstrap
from parley.domain.rounds import Commitment, CommitmentStatus, PreconditionKind, RoundStatus
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.yaml_body import yaml_text
from parley.services.rounds import CommitmentView, RoundView
from parley.services.secured import rounds

__all__ = ["router"]

router = APIRouter(tags=["rounds"])

_EXAMPLE = """\
rounds:
  - number: 1
    venue: Neutral venue
    starts_on: 2025-05-16
    status: concluded
    commitments:
      - ref: r1-lists
        text: Each side hands the mediator the list of people it asks back
        status: fulfilled
"""


class PreconditionOut(BaseModel):
    """What a commitment waits on."""

    kind: PreconditionKind = Field(examples=["exchange_complete"])
    agreement: str | None = Field(
        description="The agreement (and so the exchange) it waits on.",
        examples=["1,000 for 1,000 (demo)"],
    )
    stages: int | None = Field(description="Tranches that must have closed.", examples=[None])
    on: date | None = Field(description="The date it waits for.", examples=[None])


class CommitmentOut(BaseModel):
    """A commitment of a round, its status and its precondition's progress."""

    ref: str = Field(examples=["r2-next-round"])
    round: int = Field(examples=[2])
    text: str = Field(examples=["Round 3 follows the exchange"])
    status: CommitmentStatus = Field(examples=["pending"])
    since: datetime | None = Field(
        description="When it took that status, if known.", examples=[None]
    )
    precondition: PreconditionOut
    holds: bool = Field(description="Whether the precondition holds today.", examples=[False])
    progress: str = Field(
        description="Where the precondition stands, in plain words.",
        examples=["waits on exchange '1,000 for 1,000 (demo)': 1 of 3 tranches closed"],
    )


class RoundOut(BaseModel):
    """A round of talks with its commitments."""

    number: int = Field(examples=[2])
    venue: str = Field(examples=["Neutral venue (host state's conference centre)"])
    starts_on: date | None = Field(examples=["2025-06-02"])
    status: RoundStatus = Field(examples=["concluded"])
    mediator: str | None = Field(examples=["Host state's mediation team"])
    delegations: dict[str, str] = Field(
        description="Per party code, its delegation (described by role).",
        examples=[{"UA": "Delegation of UA", "RU": "Delegation of RU"}],
    )
    agreements: list[str] = Field(examples=[["1,000 for 1,000 (demo)"]])
    commitments: list[CommitmentOut]


class FellDueOut(BaseModel):
    """A commitment that fell due."""

    ref: str = Field(examples=["r2-first-balance"])
    round: int = Field(examples=[2])


class LoadedOut(BaseModel):
    """What loading a rounds file did."""

    rounds: list[int] = Field(description="The rounds the file lists.", examples=[[1, 2, 3]])
    commitments: int = Field(description="The commitments they hold.", examples=[4])
    recorded: list[int] = Field(
        description="The rounds that were new or changed (each logged).", examples=[[3]]
    )
    fell_due: list[FellDueOut]


class RefreshedOut(BaseModel):
    """The commitments that fell due."""

    fell_due: list[FellDueOut]


def _commitment(view: CommitmentView) -> CommitmentOut:
    c, pre = view.commitment, view.commitment.precondition
    return CommitmentOut(
        ref=c.ref,
        round=c.round_number,
        text=c.text,
        status=c.status,
        since=view.since,
        precondition=PreconditionOut(
            kind=pre.kind, agreement=pre.agreement_ref, stages=pre.stages, on=pre.on
        ),
        holds=view.holds,
        progress=view.progress,
    )


def _round(view: RoundView) -> RoundOut:
    r = view.round
    return RoundOut(
        number=r.number,
        venue=r.venue,
        starts_on=r.starts_on,
        status=r.status,
        mediator=r.mediator,
        delegations=dict(r.delegations),
        agreements=list(r.agreements),
        commitments=[_commitment(c) for c in view.commitments],
    )


def _fell_due(commitments: tuple[Commitment, ...] | list[Commitment]) -> list[FellDueOut]:
    return [FellDueOut(ref=c.ref, round=c.round_number) for c in commitments]


@router.get("/rounds", summary="List the rounds and their commitments")
def list_rounds(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    now: Now,
    status: Annotated[RoundStatus | None, Query(description="Only rounds in this status.")] = None,
) -> Page[RoundOut]:
    """Every round by number, with its commitments and whether each precondition holds
    today (every role but the admin)."""
    views = rounds.rounds_status(uow, principal, today=now.date())
    chosen = [v for v in views if status is None or v.round.status is status]
    return page_of([_round(v) for v in chosen], paging)


async def _rounds_text(request: Request) -> str:
    """The rounds file's YAML from the body: as it is, or as JSON ``{"text": ...}``."""
    return await yaml_text(request, "a rounds file", "the rounds file")


RoundsText = Annotated[str, Depends(_rounds_text)]

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The rounds file (YAML, docs/rounds.md), or JSON wrapping it as `text`.",
        "content": {
            "application/yaml": {"schema": {"type": "string"}, "example": _EXAMPLE},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "description": "the YAML"}},
                },
                "example": {"text": _EXAMPLE},
            },
        },
    }
}


@router.post("/rounds", summary="Record the rounds of a rounds file", openapi_extra=_BODY)
def load_rounds(text: RoundsText, principal: CurrentPrincipal, uow: Unit, now: Now) -> LoadedOut:
    """Record the rounds the file lists, each replacing the stored round of its number
    (the mediator). All or nothing: a problem anywhere answers 422 naming its line and
    key, and nothing is stored. Commitments whose precondition holds fall due at once."""
    loaded = rounds.load_rounds(uow, principal, lambda: bootstrap.read_rounds(text), now=now)
    return LoadedOut(
        rounds=list(loaded.rounds),
        commitments=loaded.commitments,
        recorded=list(loaded.recorded),
        fell_due=_fell_due(loaded.fell_due),
    )


@router.post("/rounds/refresh", summary="Let commitments fall due")
def refresh_rounds(principal: CurrentPrincipal, uow: Unit, now: Now) -> RefreshedOut:
    """Let every pending commitment whose precondition now holds (a date reached, say)
    fall due (the mediator); closing a tranche does this by itself."""
    return RefreshedOut(fell_due=_fell_due(rounds.refresh_commitments(uow, principal, now=now)))
