"""An exchange's agreement, as a principal who follows the exchange may read it.

The agreement names no one: its clauses and numbers are what the parties signed up to.
Whoever may read the exchange's figures (``manifests.exchange_detail``) reads its
agreement too: the mediator, the neutral verifier, an observer, and the members of its
two parties; a party of another exchange does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.domain.access import Principal, Role
from parley.domain.agreements import Agreement
from parley.errors import NotPermitted
from parley.services.access import Capability, authorize
from parley.services.exchange import require_exchange
from parley.services.ports import ExchangeUnitOfWork

__all__ = ["AdoptedAgreement", "exchange_agreement"]


@dataclass(frozen=True, slots=True)
class AdoptedAgreement:
    """The agreement an exchange runs, its adopted text and that text's SHA-256, and its
    plan."""

    exchange: str
    agreement: Agreement
    sha256: str
    plan_id: int
    text: str


def exchange_agreement(
    uow: ExchangeUnitOfWork, principal: Principal, name: str
) -> AdoptedAgreement:
    """The agreement the exchange ``name`` runs.

    Raises:
        NotFound: there is no such exchange.
        NotPermitted: an admin, or a party member of neither side.
    """
    authorize(principal, Capability.EXCHANGES_READ)
    with uow:
        found = require_exchange(uow, name)
    parties = found.agreement.parties
    if principal.role is Role.PARTY and principal.party not in parties:
        raise NotPermitted(
            f"user {principal.user} (party of {principal.party}) may not read exchange "
            f"{name!r}: it is between {' and '.join(parties)}"
        )
    return AdoptedAgreement(
        name, found.agreement, found.agreement_sha256, found.plan_id, found.agreement_text
    )
