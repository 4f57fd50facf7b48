"""Rounds of talks and their commitments, as a principal may see and change them.

Every signed-in role but the admin reads the rounds (they hold no personal data: venues,
delegations by role, commitments); only the mediator records them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from parley.domain.access import Principal
from parley.domain.rounds import Commitment
from parley.services import rounds
from parley.services.access import Capability, authorize
from parley.services.rounds import ListedRounds, LoadedRounds, RoundUnitOfWork, RoundView

__all__ = ["load_rounds", "refresh_commitments", "rounds_status"]


def rounds_status(uow: RoundUnitOfWork, principal: Principal, *, today: date) -> list[RoundView]:
    """Every round with its commitments and where each precondition stands.

    Raises:
        NotPermitted: the principal is the admin.
    """
    authorize(principal, Capability.ROUNDS_READ)
    return rounds.rounds_status(uow, today=today)


def load_rounds(
    uow: RoundUnitOfWork,
    principal: Principal,
    read: Callable[[], ListedRounds],
    *,
    now: datetime,
) -> LoadedRounds:
    """Record the rounds a file lists (the mediator); ``read`` reads and checks the file,
    after the principal's permission is checked.

    Raises:
        NotPermitted: the principal is not the mediator.
        RoundsRejected: the file has problems, or does not fit what is stored.
    """
    authorize(principal, Capability.ROUNDS_WRITE)
    return rounds.load_rounds(uow, read(), actor=principal.user, now=now)


def refresh_commitments(
    uow: RoundUnitOfWork, principal: Principal, *, now: datetime
) -> list[Commitment]:
    """Let commitments fall due whose precondition now holds (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
    """
    authorize(principal, Capability.ROUNDS_WRITE)
    return rounds.update_commitments(uow, today=now.date(), actor=principal.user, now=now)
