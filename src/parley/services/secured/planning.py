"""Agreements and plans, as a principal may check, make and read them.

Checking an agreement is open to the parties and the mediator: it reads the text and
touches no data. Planning runs on both sides' holdings and confirmed matches, and a plan
names the people each side would release, so making and reading plans is the
mediator's alone (a party sees the exchange once a plan is adopted, through its
manifests).

The agreement arrives as text; reading YAML is an adapter's work, so the caller passes
the reader (``parley.bootstrap.read_agreement``) and the permission is checked before
the text is even read: a principal who may not plan learns nothing about the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from parley.domain.access import Principal
from parley.domain.agreements import Agreement
from parley.errors import NotFound
from parley.services.access import Capability, authorize
from parley.services.ports import PlanSummary, PlanUnitOfWork, StoredPlan

if TYPE_CHECKING:  # the planner (and its solver) loads only when a plan is made
    from parley.services.planning import PlanDraft

__all__ = [
    "CheckedText",
    "PlannedAgreement",
    "check_agreement",
    "get_plan",
    "list_plans",
    "plan_agreement",
]

T = TypeVar("T")


class CheckedText(Protocol):
    """An agreement as read from its text, with the law's warnings about it."""

    @property
    def agreement(self) -> Agreement: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class PlannedAgreement:
    """The planner's answer for an agreement, and the warnings its text drew."""

    draft: PlanDraft
    warnings: tuple[str, ...]


def check_agreement(principal: Principal, text: str, read: Callable[[str], T]) -> T:
    """Read and check an agreement's text (the parties and the mediator).

    Args:
        principal: who asks.
        text: the agreement's YAML.
        read: reads the text into the agreement and its warnings.

    Raises:
        NotPermitted: the principal is no party member and not the mediator.
        AgreementRejected: the text has problems, every one listed with its line.
    """
    authorize(principal, Capability.AGREEMENTS_CHECK)
    return read(text)


def plan_agreement(
    uow: PlanUnitOfWork,
    principal: Principal,
    text: str,
    read: Callable[[str], CheckedText],
    *,
    now: datetime,
) -> PlannedAgreement:
    """Plan an agreement on the database and store the draft (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        AgreementRejected: the text has problems.
        NotFound: a party of the agreement is not registered or holds nobody.
    """
    authorize(principal, Capability.PLANS_WRITE)
    checked = read(text)
    from parley.services.planning import plan_from_database

    draft = plan_from_database(uow, checked.agreement, actor=principal.user, now=now)
    return PlannedAgreement(draft, tuple(checked.warnings))


def list_plans(
    uow: PlanUnitOfWork,
    principal: Principal,
    *,
    agreement: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[PlanSummary], int]:
    """A page of the stored plans, newest first, and how many there are (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
    """
    authorize(principal, Capability.PLANS_READ)
    with uow:
        return uow.plans.summaries(agreement, limit=limit, offset=offset)


def get_plan(uow: PlanUnitOfWork, principal: Principal, plan_id: int) -> StoredPlan:
    """One stored plan with the people it releases and keeps (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound: there is no plan ``plan_id``.
    """
    authorize(principal, Capability.PLANS_READ)
    with uow:
        found = uow.plans.get(plan_id)
    if found is None:
        raise NotFound(f"there is no plan {plan_id}")
    return found
