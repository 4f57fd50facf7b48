"""The parties, as a principal may see and change them."""

from __future__ import annotations

from datetime import datetime

from parley.domain.access import Principal
from parley.domain.parties import Party
from parley.services import parties
from parley.services.access import Capability, authorize
from parley.services.ports import UnitOfWork

__all__ = ["list_parties", "register_party"]


def list_parties(uow: UnitOfWork, principal: Principal) -> list[Party]:
    """Every registered party (codes and names are no one's personal data).

    Raises:
        NotPermitted: never for a signed-in user; kept for the policy's sake.
    """
    authorize(principal, Capability.PARTIES_READ)
    return parties.list_parties(uow)


def register_party(uow: UnitOfWork, principal: Principal, party: Party, *, now: datetime) -> Party:
    """Register ``party`` (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        InvalidValue: the code is taken.
    """
    authorize(principal, Capability.PARTIES_WRITE)
    return parties.register_party(uow, party, actor=principal.user, now=now)
