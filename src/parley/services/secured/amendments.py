"""The amendments a fix becomes, as the mediator makes them.

When someone listed will not cross, the mediator applies one of the fixes the agreement
allows (``crossing.offered_fixes``): a reserve in their place, a matching withdrawal, the
difference carried to the next tranche, a reserve added to make up a carried difference.
Each is a new manifest version that all three sign again; the answer names the versions.
Someone presented who is not listed is recorded here too. Only the mediator amends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parley.domain.access import Principal
from parley.services import amendments, exchange
from parley.services.access import Capability, authorize
from parley.services.ports import ExchangeUnitOfWork
from parley.services.secured.crossing import exchange_parties

__all__ = [
    "Amended",
    "add_from_reserves",
    "carry_difference",
    "present_unlisted",
    "substitute",
    "withdraw_matching",
]


@dataclass(frozen=True, slots=True)
class Amended:
    """What an amendment did: the manifest versions it made, which all three now sign.

    ``versions`` maps each side whose manifest changed to its new version;
    ``to_tranche`` is where a carried difference went; ``message`` says what follows.
    """

    versions: dict[str, int]
    message: str
    to_tranche: int | None = None


def _other(parties: tuple[str, ...], side: str) -> str:
    return next(p for p in parties if p != side)


def substitute(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    replaced: str,
    reserve: str,
    *,
    now: datetime,
) -> Amended:
    """Put the reserve ``reserve`` in the place of ``replaced`` (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound, InvalidValue, TransitionNotAllowed: as ``amendments.substitute``.
    """
    authorize(principal, Capability.AMENDMENTS_WRITE)
    version = amendments.substitute(
        uow, name, number, side, replaced, reserve, actor=principal.user, now=now
    )
    return Amended(
        {side: version},
        f"{reserve} replaces {replaced} in version {version} of {side}'s manifest of "
        f"tranche {number}; they cross once all three have signed it",
    )


def withdraw_matching(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    gone: str,
    matching: list[str],
    *,
    now: datetime,
) -> Amended:
    """Match the loss of ``gone`` by withdrawing ``matching`` of the other side (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound, InvalidValue, TransitionNotAllowed: as ``amendments.withdraw_matching``.
    """
    parties = exchange_parties(uow, principal, Capability.AMENDMENTS_WRITE, name)
    first, second = amendments.withdraw_matching(
        uow, name, number, side, gone, matching, actor=principal.user, now=now
    )
    other = _other(parties, side)
    return Amended(
        {side: first, other: second},
        f"amended: {side}'s manifest to version {first}, {other}'s to version {second}",
    )


def carry_difference(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    gone: str,
    *,
    now: datetime,
) -> Amended:
    """Carry the loss of ``gone`` to the next tranche, where ``side`` makes it up.

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound, TransitionNotAllowed: as ``amendments.carry_difference``.
    """
    authorize(principal, Capability.AMENDMENTS_WRITE)
    target = amendments.carry_difference(
        uow, name, number, side, gone, actor=principal.user, now=now
    )
    with uow:
        tranche_id = exchange.tranche_id_of(exchange.require_tranche(uow, name, number))
        version = uow.exchange.manifests(tranche_id, side)[-1].manifest.version
    return Amended(
        {side: version},
        f"the difference goes to tranche {target}, where {side} makes it up",
        to_tranche=target,
    )


def add_from_reserves(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    reserve: str,
    *,
    now: datetime,
) -> Amended:
    """Add a reserve to make up a difference carried in (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound, InvalidValue, TransitionNotAllowed: as ``amendments.add_from_reserves``.
    """
    authorize(principal, Capability.AMENDMENTS_WRITE)
    version = amendments.add_from_reserves(
        uow, name, number, side, reserve, actor=principal.user, now=now
    )
    return Amended(
        {side: version},
        f"{reserve} added by version {version} of {side}'s manifest of tranche {number}; "
        "they cross once all three have signed it",
    )


def present_unlisted(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    record_id: str,
    track: str,
    *,
    now: datetime,
) -> Amended:
    """Record someone presented at the crossing who is not on the sealed manifest.

    No manifest changes; the message says what can be done.

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound, TransitionNotAllowed: as ``amendments.present_unlisted``.
    """
    authorize(principal, Capability.AMENDMENTS_WRITE)
    message = amendments.present_unlisted(
        uow, name, number, side, record_id, track, actor=principal.user, now=now
    )
    return Amended({}, message)
