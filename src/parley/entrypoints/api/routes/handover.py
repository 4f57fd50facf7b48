"""Routes of the API: the handover at the crossing, its people, fixes and amendments.

Each step for a person is recorded by whoever signs in, in their own name: the neutral
verifier confirms identity and will, the releasing side hands over, the receiving side
receives. Nobody names another to act for. A step sent with an ``Idempotency-Key`` is
recorded once however often it is sent (the IETF ``Idempotency-Key`` header draft).
A party never learns that someone refused to go: they read
``withdrawn_by_neutral_verification``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, status
from pydantic import BaseModel, Field

from parley.domain.handover import Action, Fix
from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.tranches import ExchangeName, TrancheNumber
from parley.services.handover import HandoverResult
from parley.services.secured import amendments, crossing

__all__ = ["router"]

router = APIRouter(tags=["handover"])

PARTY_CODE = r"^[A-Z][A-Z0-9]{1,7}$"
RECORD_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
_PEOPLE = "/exchanges/{exchange}/tranches/{number}"


class HandoverIn(BaseModel):
    """One step for one person at the crossing, recorded in the signed-in user's name."""

    side: str = Field(pattern=PARTY_CODE, description="The releasing party.", examples=["UA"])
    record_id: str = Field(
        pattern=RECORD_ID,
        description="The person's record id in the releasing side's registry.",
        examples=["UA-1"],
    )
    action: Action = Field(examples=["hand_over"])


class FixOut(BaseModel):
    """One way to restore the balance when someone listed will not cross."""

    kind: str = Field(examples=["substitute"])
    text: str = Field(examples=["substitute reserve UA-5 of UA (military, same weight 1) for UA-1"])
    records: list[str] = Field(description="The record ids it names.", examples=[["UA-5"]])


class HandoverOut(BaseModel):
    """What recording did: the person's state, and their track's balance after it."""

    exchange: str = Field(examples=["four for four"])
    tranche: int = Field(examples=[1])
    side: str = Field(examples=["UA"])
    record_id: str = Field(examples=["UA-1"])
    action: str = Field(examples=["hand_over"])
    state: str = Field(
        description="The person's state as the one recording may see it.",
        examples=["handed_over"],
    )
    track: str = Field(examples=["military"])
    sent: dict[str, int] = Field(examples=[{"UA": 1, "RU": 0}])
    received: dict[str, int] = Field(examples=[{"UA": 0, "RU": 0}])
    next_to_cross: str | None = Field(
        description="The side that must cross next in this track; null when level.",
        examples=["RU"],
    )
    fixes: list[FixOut] = Field(
        description="Offered when the person will not cross.", examples=[[]]
    )
    replayed: bool = Field(
        description="True when this is the stored answer to an earlier request with the "
        "same Idempotency-Key.",
        examples=[False],
    )


class PersonOut(BaseModel):
    """One person on a tranche's manifests: record id and state, never a name.

    ``finding`` is the neutral verifier's finding, shown to the verifier and the
    mediator only.
    """

    side: str = Field(examples=["UA"])
    record_id: str = Field(examples=["UA-1"])
    position: int = Field(description="Their place in the crossing order.", examples=[1])
    track: str = Field(examples=["military"])
    state: str = Field(examples=["listed"])
    listed_in: int = Field(description="The manifest version that listed them.", examples=[1])
    sealed: bool = Field(description="That version is signed by all three.", examples=[True])
    verified: bool = Field(
        description="Identity and will confirmed by the neutral verifier.", examples=[False]
    )
    finding: str | None = Field(default=None, examples=[None])


class _AmendmentIn(BaseModel):
    side: str = Field(
        pattern=PARTY_CODE, description="The party whose manifest changes.", examples=["UA"]
    )


class SubstituteIn(_AmendmentIn):
    """Put a reserve of the same track and weight in the place of someone who will not
    cross (``parley handover substitute``)."""

    kind: Literal["substitute"]
    record_id: str = Field(pattern=RECORD_ID, description="Who will not cross.", examples=["UA-1"])
    reserve: str = Field(pattern=RECORD_ID, description="The reserve.", examples=["UA-5"])


class WithdrawIn(_AmendmentIn):
    """Match a loss by withdrawing people of the same weight from the other side
    (``parley handover withdraw``)."""

    kind: Literal["withdraw"]
    record_id: str = Field(pattern=RECORD_ID, description="Who will not cross.", examples=["UA-1"])
    matching: list[Annotated[str, Field(pattern=RECORD_ID)]] = Field(
        min_length=1, max_length=100, description="Whom the other side withdraws.",
        examples=[["RU-2"]],
    )  # fmt: skip


class CarryIn(_AmendmentIn):
    """Carry a loss to the next tranche, where the side makes it up
    (``parley handover carry``)."""

    kind: Literal["carry"]
    record_id: str = Field(pattern=RECORD_ID, description="Who will not cross.", examples=["UA-1"])


class AddIn(_AmendmentIn):
    """Add a reserve to make up a difference carried in (``parley handover add``)."""

    kind: Literal["add"]
    reserve: str = Field(pattern=RECORD_ID, description="The reserve.", examples=["UA-5"])


class UnlistedIn(_AmendmentIn):
    """Record someone presented at the crossing who is not on the sealed manifest
    (``parley handover unlisted``); no manifest changes."""

    kind: Literal["unlisted"]
    record_id: str = Field(pattern=RECORD_ID, description="Who was presented.", examples=["UA-9"])
    track: str = Field(min_length=1, max_length=64, examples=["military"])


AmendmentIn = Annotated[
    SubstituteIn | WithdrawIn | CarryIn | AddIn | UnlistedIn, Field(discriminator="kind")
]


class AmendmentOut(BaseModel):
    """The manifest versions an amendment made, which all three now sign."""

    kind: str = Field(examples=["substitute"])
    versions: dict[str, int] = Field(
        description="Per side whose manifest changed, its new version to sign.",
        examples=[{"UA": 2}],
    )
    to_tranche: int | None = Field(
        default=None, description="Where a carried difference goes.", examples=[None]
    )
    message: str = Field(
        examples=["UA-5 replaces UA-1 in version 2 of UA's manifest of tranche 1; they "
                  "cross once all three have signed it"]
    )  # fmt: skip


def _fix(fix: Fix) -> FixOut:
    return FixOut(kind=fix.kind.value, text=fix.text, records=list(fix.records))


def _result(result: HandoverResult) -> HandoverOut:
    return HandoverOut(
        exchange=result.exchange,
        tranche=result.tranche,
        side=result.side,
        record_id=result.record_id,
        action=result.action,
        state=result.state,
        track=result.track,
        sent=dict(result.sent),
        received=dict(result.received),
        next_to_cross=result.next_to_cross,
        fixes=[_fix(f) for f in result.fixes],
        replayed=result.replayed,
    )


@router.post(_PEOPLE + "/handover", summary="Record a step at the crossing")
def record_step(
    exchange: ExchangeName,
    number: TrancheNumber,
    body: HandoverIn,
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            description="A key of the client's choosing: the same request sent again with "
            "it is recorded once and answered as the first time; the same key with "
            "another request, or while its first request is still running, is a 409.",
        ),
    ] = None,
) -> HandoverOut:
    """Record one step for one person, in the signed-in user's own name: the neutral
    verifier confirms identity and will (``verify``), the releasing side hands over, the
    receiving side receives. Who may record which step is the handover's rule: a party
    never receives its own releases. A handover that would put a side further ahead
    than the agreement allows is refused with a 409 naming who must cross next."""
    result = crossing.record(
        uow, principal, exchange, number, body.side, body.record_id, body.action,
        now=now, idempotency_key=idempotency_key,
    )  # fmt: skip
    return _result(result)


@router.get(_PEOPLE + "/people", summary="List the people of a tranche")
async def list_people(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    paging: Paging,
    side: Annotated[
        str | None, Query(pattern=PARTY_CODE, description="Only this releasing side's.")
    ] = None,
    state: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z_]{1,40}$",
            description="Only people in this state (listed, handed_over, received, no_show, "
            "deceased, withdrawn_by_neutral_verification, substituted, ...).",
        ),
    ] = None,
) -> Page[PersonOut]:
    """The crossing console's list: each person's record id, place, track and state, in
    crossing order (the parties of the exchange, the mediator, the neutral verifier)."""
    # Among the most read: no hop to the thread pool on SQLite (Backend.read).
    people, total = await backend.read(
        crossing.list_people, uow, principal, exchange, number, side=side, state=state,
        limit=paging.limit, offset=paging.offset,
    )  # fmt: skip
    return page_of(
        [
            PersonOut(
                side=p.side,
                record_id=p.record_id,
                position=p.position,
                track=p.track,
                state=p.state,
                listed_in=p.listed_in,
                sealed=p.sealed,
                verified=p.verified,
                finding=p.finding,
            )
            for p in people
        ],
        paging,
        total,
    )


@router.get(_PEOPLE + "/fixes", summary="List the fixes for someone who will not cross")
def list_fixes(
    exchange: ExchangeName,
    number: TrancheNumber,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    side: Annotated[str, Query(pattern=PARTY_CODE, description="The releasing side.")],
    record_id: Annotated[str, Query(pattern=RECORD_ID, description="Who will not cross.")],
) -> Page[FixOut]:
    """What the agreement allows when someone listed will not cross, best first: a
    reserve in their place, a matching withdrawal, or carrying the difference (the
    mediator and the parties of the exchange, who sign the amendment a fix becomes)."""
    fixes = crossing.offered_fixes(uow, principal, exchange, number, side, record_id)
    return page_of([_fix(f) for f in fixes], paging)


@router.post(
    _PEOPLE + "/amendments",
    status_code=status.HTTP_201_CREATED,
    summary="Amend a tranche's manifests",
)
def amend(
    exchange: ExchangeName,
    number: TrancheNumber,
    body: AmendmentIn,
    principal: CurrentPrincipal,
    uow: Unit,
    backend: BackendDep,
    now: Now,
) -> AmendmentOut:
    """Apply a fix (the mediator): ``substitute`` a reserve, ``withdraw`` matching people
    of the other side, ``carry`` the difference to the next tranche, ``add`` a reserve
    to make up a carried difference, or record someone presented ``unlisted``. Each
    amendment is a new manifest version that all three must sign before anyone it lists
    may cross; the answer names the versions to sign."""
    match body:
        case SubstituteIn():
            done = amendments.substitute(
                uow, principal, exchange, number, body.side, body.record_id, body.reserve,
                now=now,
            )  # fmt: skip
        case WithdrawIn():
            done = amendments.withdraw_matching(
                uow, principal, exchange, number, body.side, body.record_id, body.matching,
                now=now,
            )  # fmt: skip
        case CarryIn():
            done = amendments.carry_difference(
                uow, principal, exchange, number, body.side, body.record_id, now=now
            )
        case AddIn():
            done = amendments.add_from_reserves(
                uow, principal, exchange, number, body.side, body.reserve, now=now
            )
        case UnlistedIn():
            done = amendments.present_unlisted(
                uow, principal, exchange, number, body.side, body.record_id, body.track,
                now=now,
            )  # fmt: skip
    backend.after_tranche_event()
    return AmendmentOut(
        kind=body.kind, versions=done.versions, to_tranche=done.to_tranche, message=done.message
    )
