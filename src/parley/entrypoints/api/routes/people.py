"""Routes of the API: everything parley holds about one person, for the mediator only.

DOMAIN.md §4: the person's data gathered in one file, for the mediator to answer a
request about that person (or the neutral agency acting for them). The path names the
record by its party's record id, never by a name.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from parley.entrypoints.api.deps import CurrentPrincipal, Unit
from parley.entrypoints.api.routes.holdings import PartyCode, RecordId
from parley.services.secured import people

__all__ = ["router"]

router = APIRouter(tags=["people"])


@router.get(
    "/parties/{party}/people/{record_id}/export",
    summary="Export everything held about one person (mediator only)",
)
def export_person(
    party: PartyCode, record_id: RecordId, principal: CurrentPrincipal, uow: Unit
) -> dict[str, Any]:
    """Every version of the person's holding and request, the match proposals naming
    them with their reviews, the plans and manifests listing them, their crossings, the
    neutral verifier's findings, their receipt salt and the access log's entries about
    them, as JSON. The mediator only: a party never reads this file."""
    return people.export_person(uow, principal, party=party, record_id=record_id)
