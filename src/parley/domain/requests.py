"""Requests: a party asking for one of its own people it believes the other side holds."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from parley.domain.events import RequestStatusChanged
from parley.domain.holdings import HoldingCategory
from parley.domain.people import Identity, check_capture_after_birth, check_record_id
from parley.domain.states import check_transition

__all__ = [
    "REQUEST_TRANSITIONS",
    "Priority",
    "Request",
    "RequestSource",
    "RequestStatus",
    "change_request_status",
]


class RequestSource(StrEnum):
    """Who gave the requesting party this person's details."""

    FAMILY = "family"
    OFFICIAL_REGISTER = "official_register"
    NEUTRAL_AGENCY = "neutral_agency"


class Priority(StrEnum):
    """How urgently the requesting party wants this person back."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most urgent; lower comes first."""
        return list(Priority).index(self)


class RequestStatus(StrEnum):
    """Where a request stands, from the requesting party's side."""

    REQUESTED = "requested"
    VERIFIED_IN_CUSTODY = "verified_in_custody"
    NOT_FOUND = "not_found"
    REPORTED_DEAD = "reported_dead"
    RECEIVED = "received"
    FAMILY_NOTIFIED = "family_notified"
    WITHDRAWN = "withdrawn"


_R = RequestStatus
REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    _R.REQUESTED: frozenset({_R.VERIFIED_IN_CUSTODY, _R.NOT_FOUND, _R.REPORTED_DEAD, _R.WITHDRAWN}),
    _R.VERIFIED_IN_CUSTODY: frozenset({_R.RECEIVED, _R.NOT_FOUND, _R.REPORTED_DEAD, _R.WITHDRAWN}),
    # A "not found" is often wrong (a misspelt name): the request may be verified later.
    _R.NOT_FOUND: frozenset({_R.REQUESTED, _R.VERIFIED_IN_CUSTODY, _R.WITHDRAWN}),
    _R.REPORTED_DEAD: frozenset({_R.REQUESTED}),
    _R.RECEIVED: frozenset({_R.FAMILY_NOTIFIED}),
    _R.FAMILY_NOTIFIED: frozenset(),
    _R.WITHDRAWN: frozenset({_R.REQUESTED}),
}


@dataclass(frozen=True, slots=True)
class Request:
    """One entry of a party's list of people it asks back."""

    party: str
    record_id: str
    identity: Identity
    source: RequestSource
    priority: Priority = Priority.NORMAL
    category: HoldingCategory | None = None
    captured_on: date | None = None
    capture_place: str | None = None
    status: RequestStatus = RequestStatus.REQUESTED

    def __post_init__(self) -> None:
        check_record_id(self.record_id)
        check_capture_after_birth(self.identity, self.captured_on)

    @property
    def subject(self) -> str:
        """How messages and logs name this record: party and record id, no name."""
        return f"request {self.party}/{self.record_id}"


def change_request_status(
    request: Request, to: RequestStatus, *, at: datetime, actor: str
) -> tuple[Request, RequestStatusChanged]:
    """Move a request to ``to`` if its table allows it.

    Raises:
        TransitionNotAllowed: e.g. ``received -> requested``.
    """
    check_transition(REQUEST_TRANSITIONS, request.status, to, subject=request.subject)
    event = RequestStatusChanged(
        occurred_at=at,
        actor=actor,
        party=request.party,
        record_id=request.record_id,
        from_status=request.status.value,
        to_status=to.value,
    )
    return dataclasses.replace(request, status=to), event
