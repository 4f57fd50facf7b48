"""The tranches and the crossing, as a principal may see and change them.

Every function learns the parties of the exchange concerned, checks the principal's
capability on it (``parley.services.access``), then calls the plain service. What comes
back is cut to what the principal may see: a party, like an observer, never learns that
someone refused to go home (GC III Art. 109(3)); such a person reads
``withdrawn_by_neutral_verification``, the words an unresolved identity gives too. Only
the neutral verifier and the mediator see the verifier's findings.

Who records a step at the crossing is the principal itself (``Principal.acting_as``):
nobody can name another party to act for, and the handover's own table of who may
record what (``parley.domain.handover.ACTION_ROLES``) then decides the step. The
amendments that fixes become are in ``parley.services.secured.amendments``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from parley.domain.access import Principal, Role
from parley.domain.handover import NEUTRAL_WITHDRAWAL, Action, Fix
from parley.domain.tranches import TrancheState
from parley.services import amendments, exchange, handover
from parley.services.access import POLICY, Capability, authorize
from parley.services.exchange import TrancheStatus
from parley.services.handover import HandoverResult
from parley.services.ports import ExchangeUnitOfWork, TrancheRecord

__all__ = [
    "Listed",
    "cancel_tranche",
    "close_tranche",
    "exchange_parties",
    "list_people",
    "list_tranches",
    "offered_fixes",
    "open_tranche",
    "record",
    "resume_tranche",
    "suspend_tranche",
    "tranche_status",
]

# Who sees the neutral verifier's findings (DESIGN.md, "Who uses it").
_SEE_FINDINGS = frozenset({Role.NEUTRAL_VERIFIER, Role.MEDIATOR})
# What must never reach a party or an observer: the words of a refusal.
_HIDDEN = frozenset({"declined", "declined_repatriation", "identity_not_established"})
_HIDDEN_ACTIONS = frozenset({Action.DECLINE.value, Action.WITHDRAW_NEUTRAL.value})


def _shown(state: str, principal: Principal) -> str:
    """A person's state as ``principal`` may read it."""
    if principal.role in _SEE_FINDINGS or state not in _HIDDEN:
        return state
    return NEUTRAL_WITHDRAWAL


# An exchange's parties never change: a name adopts a plan once (manifests.adopt_plan)
# and no exchange is ever removed. Reading them once per process spares every handover
# and every status read a transaction of its own (a third of a handover's time on
# SQLite); the handover also refuses, in its own transaction, anyone not of the exchange.
_KNOWN: dict[str, tuple[str, ...]] = {}
_KEEP = 256


def exchange_parties(
    uow: ExchangeUnitOfWork, principal: Principal, capability: Capability, name: str
) -> tuple[str, ...]:
    """Refuse unless ``principal`` has ``capability`` in exchange ``name``; its parties.

    A role without the capability is refused before anything is read.

    Raises:
        NotPermitted: the principal may not.
        NotFound: there is no such exchange.
    """
    if principal.role not in POLICY[capability].roles:
        authorize(principal, capability)
    parties = _KNOWN.get(name)
    if parties is None:
        with uow:
            parties = exchange.require_exchange(uow, name).agreement.parties
        if len(_KNOWN) >= _KEEP:
            _KNOWN.clear()
        _KNOWN[name] = parties
    authorize(principal, capability, parties=parties)
    return parties


# --- tranches -------------------------------------------------------------------------


def list_tranches(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, *, state: TrancheState | None = None
) -> list[TrancheRecord]:
    """The tranches of exchange ``name`` (those in ``state``), by number.

    Raises:
        NotPermitted: the principal may not read the exchange's tranches.
        NotFound: there is no such exchange.
    """
    exchange_parties(uow, principal, Capability.TRANCHES_READ, name)
    with uow:
        found = uow.exchange.tranches(name)
    return [t for t in sorted(found, key=lambda t: t.number) if state in (None, t.state)]


def tranche_status(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, number: int
) -> TrancheStatus:
    """Where a tranche stands: balances, who must cross next, people counted by state.

    Counts only, never a name; a refusal is counted as a neutral withdrawal.

    Raises:
        NotPermitted: the principal may not read the exchange's tranches.
        NotFound: the exchange or the tranche.
    """
    exchange_parties(uow, principal, Capability.TRANCHES_READ, name)
    status = exchange.tranche_status(uow, name, number)
    people: dict[str, dict[str, int]] = {}
    for side, counts in status.people.items():
        shown = people.setdefault(side, {})
        for state, count in counts.items():
            key = NEUTRAL_WITHDRAWAL if state in _HIDDEN else state  # counts, for everyone
            shown[key] = shown.get(key, 0) + count
    return dataclasses.replace(status, people=people)


def _tranche(uow: ExchangeUnitOfWork, name: str, number: int) -> TrancheRecord:
    with uow:
        return exchange.require_tranche(uow, name, number)


def open_tranche(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    *,
    today: date,
    now: datetime,
) -> TrancheRecord:
    """Open a sealed tranche on its date (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound: the exchange or the tranche.
        TransitionNotAllowed: a manifest is unsigned, the date has not come, or the
            tranche is not sealed or suspended.
    """
    authorize(principal, Capability.TRANCHES_CHANGE)
    return exchange.open_tranche(uow, name, number, today=today, actor=principal.user, now=now)


def close_tranche(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, number: int, *, now: datetime
) -> TrancheRecord:
    """Close a tranche whose every track is balanced by the people received (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        NotFound: the exchange or the tranche.
        TransitionNotAllowed: someone is still to cross, a track is unbalanced, or an
            amendment still waits for signatures.
    """
    authorize(principal, Capability.TRANCHES_CHANGE)
    exchange.close_tranche(uow, name, number, actor=principal.user, now=now)
    return _tranche(uow, name, number)


def suspend_tranche(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, number: int, *, now: datetime
) -> TrancheRecord:
    """Stop an open tranche's handover for now (the mediator).

    Raises:
        NotPermitted, NotFound, TransitionNotAllowed: as for ``open_tranche``.
    """
    authorize(principal, Capability.TRANCHES_CHANGE)
    return exchange.suspend_tranche(uow, name, number, actor=principal.user, now=now)


def resume_tranche(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, number: int, *, now: datetime
) -> TrancheRecord:
    """Resume a suspended tranche (the mediator).

    Raises:
        NotPermitted, NotFound, TransitionNotAllowed: as for ``open_tranche``.
    """
    authorize(principal, Capability.TRANCHES_CHANGE)
    return exchange.resume_tranche(uow, name, number, actor=principal.user, now=now)


def cancel_tranche(
    uow: ExchangeUnitOfWork, principal: Principal, name: str, number: int, *, now: datetime
) -> TrancheRecord:
    """Cancel a tranche nobody has crossed in; its people go back to the pools (the mediator).

    Raises:
        NotPermitted, NotFound: as for ``open_tranche``.
        TransitionNotAllowed: someone has crossed, or the tranche is closed.
    """
    authorize(principal, Capability.TRANCHES_CHANGE)
    return exchange.cancel_tranche(uow, name, number, actor=principal.user, now=now)


# --- the crossing ---------------------------------------------------------------------


def record(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    record_id: str,
    action: Action,
    *,
    now: datetime,
    idempotency_key: str | None = None,
) -> HandoverResult:
    """Record one step at the crossing in the principal's own name.

    The idempotency key is the client's: it is kept apart from every other user's, so
    that nobody can replay, or learn of, another user's request.

    Raises:
        NotPermitted: the principal may not record at this exchange's crossing, or not
            this step for this person (a party receiving its own releases).
        NotFound: the exchange, the tranche or the person on its manifest.
        TransitionNotAllowed: the tranche is not open, a step is missing, or the
            handover would put a side further ahead than the agreement allows (the
            message names who must cross next).
        Conflict: the idempotency key was used for another request, or is in flight.
    """
    if principal.role is Role.PARTY:
        exchange_parties(uow, principal, Capability.HANDOVER_RECORD, name)
    else:
        authorize(principal, Capability.HANDOVER_RECORD)
    key = None if idempotency_key is None else f"{principal.user}/{idempotency_key}"
    result = handover.record(
        uow, name, number, side, record_id, action,
        acting_as=principal.acting_as, actor=principal.user, now=now, idempotency_key=key,
    )  # fmt: skip
    if principal.role in _SEE_FINDINGS:
        return result
    action_shown = result.action
    if action_shown in _HIDDEN_ACTIONS:  # pragma: no cover - only neutral roles record them
        action_shown = Action.WITHDRAW_NEUTRAL.value
    return dataclasses.replace(result, action=action_shown, state=_shown(result.state, principal))


@dataclass(frozen=True, slots=True)
class Listed:
    """One person on a tranche's manifests, as the crossing console shows them.

    ``finding`` is the neutral verifier's finding, given to the verifier and the
    mediator only (None for everyone else, and for people without one).
    """

    side: str
    record_id: str
    position: int
    track: str
    state: str
    listed_in: int
    sealed: bool
    verified: bool
    finding: str | None = None


def _stored_states(state: str, principal: Principal) -> tuple[str, ...]:
    """The reasons and states stored for people ``principal`` reads as ``state``."""
    if principal.role in _SEE_FINDINGS:
        return (state,)
    if state == NEUTRAL_WITHDRAWAL:
        return (NEUTRAL_WITHDRAWAL, *sorted(_HIDDEN))
    return () if state in _HIDDEN else (state,)


def list_people(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    *,
    side: str | None = None,
    state: str | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[Listed], int]:
    """A page of the people listed in a tranche (of ``side``, in ``state`` as the
    principal reads it), in manifest order, and how many there are in all.

    Record ids and states only, never a name: the manifests hold the people themselves.
    A party filtering on a refusal's own words finds nobody, as if there were none.

    Raises:
        NotPermitted: the principal may not read the exchange's manifests.
        NotFound: the exchange or the tranche.
    """
    exchange_parties(uow, principal, Capability.CROSSINGS_READ, name)
    shown = None if state is None else _stored_states(state, principal)
    with uow:
        tranche = exchange.require_tranche(uow, name, number)
        tranche_id = exchange.tranche_id_of(tranche)
        crossings, total = uow.exchange.crossings_page(
            tranche_id, side=side, shown=shown, limit=limit, offset=offset
        )
        findings: dict[tuple[str, str], str] = {}
        if principal.role in _SEE_FINDINGS and crossings:
            listed = {c.crossing.record_id for c in crossings}
            findings = {(s, r): f for s, r, f in uow.exchange.findings(tranche_id, listed)}
    out = []
    for c in crossings:
        person = c.crossing
        verified = person.identity_confirmed and not person.identity_disputed
        out.append(
            Listed(
                side=person.side,
                record_id=person.record_id,
                position=c.position,
                track=person.track,
                state=_shown(c.reason or person.state.value, principal),
                listed_in=c.listed_in,
                sealed=c.sealed,
                verified=verified and person.will_confirmed_at is not None,
                finding=findings.get((person.side, person.record_id)),
            )
        )
    return out, total


def offered_fixes(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    name: str,
    number: int,
    side: str,
    record_id: str,
) -> list[Fix]:
    """What the agreement allows for a listed person who will not cross.

    Offered to those who sign the amendment a fix becomes: the parties and the mediator.

    Raises:
        NotPermitted: the principal is not the mediator nor a party of the exchange.
        NotFound: the exchange, the tranche or the person on its manifest.
        TransitionNotAllowed: the person may still cross.
    """
    exchange_parties(uow, principal, Capability.FIXES_READ, name)
    return amendments.offered_fixes(uow, name, number, side, record_id)
