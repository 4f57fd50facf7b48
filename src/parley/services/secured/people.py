"""One person's whole file, for the mediator only (``Capability.PEOPLE_EXPORT``)."""

from __future__ import annotations

from typing import Any

from parley.domain.access import Principal
from parley.services import people
from parley.services.access import Capability, authorize
from parley.services.ports import UnitOfWork

__all__ = ["export_person"]


def export_person(
    uow: UnitOfWork, principal: Principal, *, party: str, record_id: str
) -> dict[str, Any]:
    """Everything held about ``party``'s record ``record_id`` (``services.people``).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound: nothing is held under that record id.
    """
    authorize(principal, Capability.PEOPLE_EXPORT, party=party)
    return people.export_person(uow, party=party, record_id=record_id)
