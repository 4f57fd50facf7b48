"""Routes of the API: plans (``parley plan``), the mediator's.

A plan names who each side releases and in which tranche; it is made on both sides'
holdings and confirmed matches, so only the mediator makes and reads plans. The answer
is the plan file's figures (docs/planning.md) and, for a stored plan, the record ids it
releases per side and tranche: never a name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from parley import bootstrap
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.agreements import AGREEMENT_EXAMPLE
from parley.services.secured import planning

__all__ = ["AgreementIn", "router"]

router = APIRouter(tags=["plans"])

MAX_AGREEMENT = 1_000_000


class AgreementIn(BaseModel):
    """An agreement file's text, to plan."""

    agreement: str = Field(
        min_length=1,
        max_length=MAX_AGREEMENT,
        description="the agreement file (YAML), as text",
        examples=[AGREEMENT_EXAMPLE],
    )


class TrancheDate(BaseModel):
    """A tranche and its date (None when the agreement leaves it to agree)."""

    tranche: int = Field(examples=[1])
    date: dt.date | None = Field(examples=["2025-05-23"])


class PlanCell(BaseModel):
    """One side's figures in one track and tranche."""

    track: str = Field(examples=["military"])
    tranche: int = Field(examples=[1])
    party: str = Field(examples=["UA"])
    released: int = Field(examples=[2])
    points: int = Field(description="tariff points (the count outside tariffs)", examples=[2])
    forced: int = Field(description="sent by a clause whatever the balance", examples=[0])
    unilateral: int = Field(examples=[0])
    requested: int = Field(description="asked for by the other side", examples=[2])
    seriously_ill: int = Field(examples=[0])


class PlanTotal(BaseModel):
    """One side's figures over the whole plan."""

    party: str = Field(examples=["UA"])
    released: int = Field(examples=[4])
    forced: int = Field(examples=[0])
    unilateral: int = Field(examples=[0])
    requested: int = Field(examples=[4])
    seriously_ill: int = Field(examples=[0])
    reserves: int = Field(examples=[2])


class Stage(BaseModel):
    """One stage of the planner's objective and the optimum it reached."""

    name: str = Field(examples=["requested"])
    value: int = Field(examples=[8])


class Clause(BaseModel):
    """A clause of the agreement, as the explanation names it."""

    key: str = Field(description="where it is in the file", examples=["minimum_per_side"])
    text: str = Field(examples=["at least 100 a side"])


class ConflictOut(BaseModel):
    """One smallest set of clauses that cannot all hold, and the facts they meet."""

    clauses: list[Clause]
    facts: list[str] = Field(examples=[["UA holds 7 eligible people"]])
    sentence: str = Field(examples=["One conflict is: ...; so these cannot all hold."])


class Relaxation(BaseModel):
    """A smallest change to one clause that lets a plan exist (checked by planning it)."""

    key: str = Field(examples=["minimum_per_side"])
    before: str = Field(examples=["100"])
    after: str = Field(examples=["7"])
    text: str = Field(examples=["lower minimum_per_side from 100 to 7"])


class PlanFigures(BaseModel):
    """A plan's figures: feasible with its summary, or the clauses that collide."""

    status: str = Field(description="optimal or infeasible", examples=["optimal"])
    feasible: bool = Field(examples=[True])
    tranches: list[TrancheDate]
    summary: list[PlanCell] = Field(description="per track, tranche and side")
    totals: list[PlanTotal] = Field(description="per side")
    stages: list[Stage]
    conflict: ConflictOut | None = Field(description="why no plan exists (infeasible only)")
    relaxations: list[Relaxation] = Field(
        description="each of these changes lets a plan exist (infeasible only)"
    )


class PlanDraftOut(PlanFigures):
    """A plan just made and stored as a draft."""

    plan_id: int = Field(examples=[1])
    agreement: str = Field(examples=["four for four"])
    warnings: list[str] = Field(description="the agreement's law warnings", examples=[[]])
    candidates: dict[str, int] = Field(
        description="eligible holdings per side", examples=[{"UA": 7, "RU": 7}]
    )
    requested: dict[str, int] = Field(
        description="of those, asked for by the other side", examples=[{"UA": 7, "RU": 7}]
    )


class Released(BaseModel):
    """The record ids one side releases in one tranche."""

    party: str = Field(examples=["UA"])
    tranche: int = Field(examples=[1])
    record_ids: list[str] = Field(examples=[["UA-1", "UA-2"]])


class Reserves(BaseModel):
    """One side's reserves, first called first."""

    party: str = Field(examples=["UA"])
    record_ids: list[str] = Field(examples=[["UA-5", "UA-6"]])


class PlanOut(PlanFigures):
    """A stored plan: its figures and the record ids it releases and keeps."""

    plan_id: int = Field(examples=[1])
    agreement: str = Field(examples=["four for four"])
    created_at: dt.datetime
    released: list[Released] = Field(description="per side and tranche")
    reserves: list[Reserves] = Field(description="per side")


class PlanSummaryOut(BaseModel):
    """A stored plan in a list."""

    plan_id: int = Field(examples=[1])
    agreement: str = Field(examples=["four for four"])
    status: str = Field(examples=["optimal"])
    created_at: dt.datetime
    released: dict[str, int] = Field(examples=[{"UA": 4, "RU": 4}])
    reserves: dict[str, int] = Field(examples=[{"UA": 2, "RU": 2}])


def _figures(document: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``PlanFigures`` from a plan document (docs/planning.md)."""
    conflict = document.get("conflict")
    return {
        "status": document["status"],
        "feasible": document["status"] == "optimal",
        "tranches": [TrancheDate(**t) for t in document.get("tranches", [])],
        "summary": [PlanCell(**c) for c in document.get("summary", [])],
        "totals": [PlanTotal(**t) for t in document.get("totals", [])],
        "stages": [Stage(**s) for s in document.get("stages", [])],
        "conflict": ConflictOut(**conflict) if conflict else None,
        "relaxations": [Relaxation(**r) for r in document.get("relaxations", [])],
    }


@router.post(
    "/plans", status_code=status.HTTP_201_CREATED, summary="Plan an agreement on the database"
)
def make_plan(body: AgreementIn, principal: CurrentPrincipal, uow: Unit, now: Now) -> PlanDraftOut:
    """Plan who each side releases, and in which tranche, on the stored holdings and the
    confirmed matches (the mediator; ``parley plan``). The plan is stored as a draft
    whether or not one exists: an infeasible agreement answers `feasible: false` with
    the clauses that collide and the smallest changes that would let a plan exist."""
    from parley.planning.plan_file import plan_to_json

    made = planning.plan_agreement(
        uow, principal, body.agreement, bootstrap.read_agreement, now=now
    )
    draft = made.draft
    assert draft.plan_id is not None  # a plan made on the database is stored
    return PlanDraftOut(
        plan_id=draft.plan_id,
        agreement=draft.plan.agreement.name,
        warnings=list(made.warnings),
        candidates=dict(draft.candidates),
        requested=dict(draft.requested),
        **_figures(plan_to_json(draft.plan)),
    )


@router.get("/plans", summary="List the plans")
def list_plans(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    agreement: Annotated[
        str | None, Query(max_length=200, description="only the plans of this agreement")
    ] = None,
) -> Page[PlanSummaryOut]:
    """The stored plans, newest first (the mediator)."""
    found, total = planning.list_plans(
        uow, principal, agreement=agreement, limit=paging.limit, offset=paging.offset
    )
    items = [
        PlanSummaryOut(
            plan_id=p.id,
            agreement=p.agreement,
            status=p.status,
            created_at=p.created_at,
            released=p.released,
            reserves=p.reserves,
        )
        for p in found
    ]
    return page_of(items, paging, total)


@router.get("/plans/{plan_id}", summary="Show a plan")
def show_plan(
    plan_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the plan's id")],
    principal: CurrentPrincipal,
    uow: Unit,
) -> PlanOut:
    """A stored plan per track and tranche, its totals, and the record ids each side
    releases in each tranche and keeps in reserve (the mediator)."""
    stored = planning.get_plan(uow, principal, plan_id)
    released: dict[tuple[str, int], list[str]] = {}
    reserves: dict[str, list[str]] = {}
    for person in stored.people:
        if person.tranche is not None:
            released.setdefault((person.party, person.tranche), []).append(person.record_id)
        else:
            reserves.setdefault(person.party, []).append(person.record_id)
    return PlanOut(
        plan_id=stored.id,
        agreement=stored.agreement,
        created_at=stored.created_at,
        released=[
            Released(party=party, tranche=tranche, record_ids=ids)
            for (party, tranche), ids in sorted(released.items(), key=lambda kv: kv[0][::-1])
        ],
        reserves=[Reserves(party=party, record_ids=ids) for party, ids in reserves.items()],
        **_figures(stored.document),
    )
