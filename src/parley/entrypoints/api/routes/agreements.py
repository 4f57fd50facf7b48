"""Routes of the API: agreements (``parley agreement check``).

An agreement is a YAML file (docs/agreements.md). It is sent as the request body
(``application/yaml`` or ``text/plain``), or wrapped in JSON as ``{"text": "..."}``;
the same reader serves ``POST /plans`` and ``POST /exchanges``, which take it in their
JSON bodies.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley import bootstrap
from parley.domain.agreements import Agreement
from parley.entrypoints.api.deps import CurrentPrincipal
from parley.entrypoints.api.yaml_body import yaml_text
from parley.services.secured import planning

__all__ = ["AGREEMENT_EXAMPLE", "AgreementOut", "agreement_out", "router"]

router = APIRouter(tags=["agreements"])

AGREEMENT_EXAMPLE = """\
agreement: four for four
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: category == pow, formula: parity}
minimum_per_side: 4
tranches: {dates: [2025-05-23, 2025-05-24], capacity_per_side: 2, max_lead: 1}
reserve_share: 0.5
"""


class TrackOut(BaseModel):
    """A track of the agreement: who is in it, by which formula, and how many a side."""

    name: str = Field(examples=["military"])
    selector: str = Field(examples=["category == pow"])
    formula: str = Field(description="the formula, as a sentence", examples=["parity"])
    formula_kind: str = Field(examples=["parity"])
    minimum_per_side: int | None = Field(default=None, examples=[None])
    maximum_per_side: int | None = Field(default=None, examples=[None])


class TrancheRulesOut(BaseModel):
    """How the exchange is split into handovers."""

    count: int = Field(examples=[2])
    dates: list[date] = Field(examples=[["2025-05-23", "2025-05-24"]])
    capacity_per_side: int | None = Field(examples=[2])
    max_lead: int = Field(description="the largest lead a side may have", examples=[1])
    separate: list[str] = Field(description="tracks handed over on their own", examples=[[]])


class ConsentOut(BaseModel):
    """Who records each person's will to return, and how fresh it must be."""

    confirmed_by: str = Field(examples=["neutral_verifier"])
    within_days: int = Field(examples=[7])


class AgreementOut(BaseModel):
    """An agreement as parley understood it, with the law's warnings about it."""

    name: str = Field(examples=["four for four"])
    parties: list[str] = Field(examples=[["UA", "RU"]])
    age_on: date = Field(description="the day ages are counted on", examples=["2025-05-16"])
    tracks: list[TrackOut]
    must_include: list[str] = Field(examples=[["seriously_ill"]])
    unilateral: list[str] = Field(description="sent regardless of balance", examples=[[]])
    exclude: list[str] = Field(examples=[[]])
    minimum_per_side: int | None = Field(examples=[4])
    maximum_per_side: int | None = Field(examples=[None])
    tranches: TrancheRulesOut
    consent: ConsentOut
    reserve_share: float = Field(examples=[0.5])
    no_active_service: str = Field(examples=["seriously_ill"])
    warnings: list[str] = Field(
        description="where the law objects, each naming its line",
        examples=[["agreement.yaml line 9, key consent: warning: ... (GC III Art. 109)"]],
    )


def agreement_out(agreement: Agreement, warnings: tuple[str, ...]) -> AgreementOut:
    """The answer for a checked agreement."""
    rules = agreement.tranches
    return AgreementOut(
        name=agreement.name,
        parties=list(agreement.parties),
        age_on=agreement.age_on,
        tracks=[
            TrackOut(
                name=t.name,
                selector=t.selector.text,
                formula=t.formula.describe(),
                formula_kind=t.formula.kind.value,
                minimum_per_side=t.minimum_per_side,
                maximum_per_side=t.maximum_per_side,
            )
            for t in agreement.tracks
        ],
        must_include=[s.text for s in agreement.must_include],
        unilateral=[s.text for s in agreement.unilateral],
        exclude=[s.text for s in agreement.exclude],
        minimum_per_side=agreement.minimum_per_side,
        maximum_per_side=agreement.maximum_per_side,
        tranches=TrancheRulesOut(
            count=rules.count,
            dates=list(rules.dates),
            capacity_per_side=rules.capacity_per_side,
            max_lead=rules.max_lead,
            separate=list(rules.separate),
        ),
        consent=ConsentOut(
            confirmed_by=agreement.consent.confirmed_by.value,
            within_days=agreement.consent.within_days,
        ),
        reserve_share=agreement.reserve_share,
        no_active_service=agreement.no_active_service.value,
        warnings=list(warnings),
    )


async def _agreement_text(request: Request) -> str:
    """The agreement's YAML from the body: as it is, or as JSON ``{"text": ...}``."""
    return await yaml_text(request, "an agreement", "the agreement")


AgreementText = Annotated[str, Depends(_agreement_text)]

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The agreement file (YAML), or JSON wrapping it as `text`.",
        "content": {
            "application/yaml": {
                "schema": {"type": "string"},
                "example": AGREEMENT_EXAMPLE,
            },
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "description": "the YAML"}},
                },
                "example": {"text": AGREEMENT_EXAMPLE},
            },
        },
    }
}


@router.post("/agreements/check", summary="Check an agreement", openapi_extra=_BODY)
def check_agreement(text: AgreementText, principal: CurrentPrincipal) -> AgreementOut:
    """Read an agreement and answer it as understood: parties, tracks with their
    formulas, minimums, tranche rules, and the law's warnings (the parties and the
    mediator). An agreement with problems is refused with 422, its detail naming the
    line and key of each problem. Nothing is stored."""
    checked = planning.check_agreement(principal, text, bootstrap.read_agreement)
    return agreement_out(checked.agreement, checked.warnings)
