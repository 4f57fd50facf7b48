"""Exchanges and their manifests, as a principal may adopt, read and sign them.

- Adopting a plan (issuing version 1 of every manifest) is the mediator's.
- An exchange's totals are for everyone who follows exchanges; a party member sees only
  the exchanges its party is a party to, and an observer sees names and totals only.
- A manifest names people with the fields that identify them (GC III Art. 17): both
  parties of its exchange, the mediator and the neutral verifier read it; an observer,
  an admin and a party of another exchange never do.
- A signature is handed in by a party member in its own party's name, or by the
  mediator in the mediator's; it is then verified against that signer's *registered*
  key (``parley.services.manifests.sign_manifest``), so that a stolen session cannot
  hand in a party's consent without the party's key.

A refusal never reaches a manifest: when a person will not cross, the version that
takes them off gives the reason a party may read (``withdrawn_by_neutral_verification``,
``parley.domain.handover.public_reason``); the finding itself stays with the neutral
verifier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from parley.domain.access import Principal, Role
from parley.domain.handover import CrossingState
from parley.domain.manifests import MEDIATOR, ManifestDiff
from parley.domain.tranches import TrancheState
from parley.errors import NotPermitted
from parley.ledger.signatures import FileSignature
from parley.services import manifests
from parley.services.access import Capability, authorize
from parley.services.exchange import exchange_totals, require_exchange, tranche_id_of
from parley.services.ports import ExchangeUnitOfWork, StoredManifest
from parley.services.secured.planning import CheckedText

__all__ = [
    "ExchangeDetail",
    "ExchangeView",
    "SideFigures",
    "TrackFigures",
    "adopt_plan",
    "diff_versions",
    "exchange_detail",
    "list_exchanges",
    "manifest_version",
    "manifest_versions",
    "sign_manifest",
]

_LIVE = (CrossingState.LISTED, CrossingState.HANDED_OVER)


# --- exchanges --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExchangeView:
    """An exchange in a list: its name, parties and totals.

    ``plan_id``, ``agreement_sha256`` and ``adopted_at`` are None for an observer,
    who sees names and totals only.
    """

    name: str
    parties: tuple[str, str]
    tranches: int
    tranches_closed: int
    complete: bool
    received: dict[str, int]
    to_cross: dict[str, int]
    plan_id: int | None = None
    agreement_sha256: str | None = None
    adopted_at: datetime | None = None


@dataclass(slots=True)
class SideFigures:
    """One side's people in one track: planned by the adopted plan, listed on the
    latest manifests, of those on a sealed version, received by the other side, and
    still to cross."""

    planned: int = 0
    listed: int = 0
    sealed: int = 0
    exchanged: int = 0
    to_cross: int = 0


@dataclass(frozen=True, slots=True)
class TrackFigures:
    """A track's targets (the agreement's) against what each side has done."""

    track: str
    formula: str
    minimum_per_side: int | None
    maximum_per_side: int | None
    sides: dict[str, SideFigures] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExchangeDetail:
    """An exchange against its agreement: the totals and the figures per track."""

    view: ExchangeView
    minimum_per_side: int | None
    maximum_per_side: int | None
    tracks: tuple[TrackFigures, ...]


def _parties_of(uow: ExchangeUnitOfWork, exchange: str) -> tuple[str, str]:
    """The parties of ``exchange`` (NotFound when there is no such exchange)."""
    with uow:
        return require_exchange(uow, exchange).agreement.parties


def _authorize_exchange(principal: Principal, exchange: str, parties: tuple[str, str]) -> None:
    """EXCHANGES_READ, and, for a party member, membership of the exchange."""
    authorize(principal, Capability.EXCHANGES_READ)
    if principal.role is Role.PARTY and principal.party not in parties:
        raise NotPermitted(
            f"user {principal.user} (party of {principal.party}) may not read exchange "
            f"{exchange!r}: it is between {' and '.join(parties)}"
        )


def _view(uow: ExchangeUnitOfWork, principal: Principal, name: str) -> ExchangeView:
    totals = exchange_totals(uow, name)
    with uow:
        found = require_exchange(uow, name)
    shown = principal.role is not Role.OBSERVER
    return ExchangeView(
        name=name,
        parties=found.agreement.parties,
        tranches=totals.tranches,
        tranches_closed=totals.tranches_closed,
        complete=totals.complete,
        received=dict(totals.received),
        to_cross=dict(totals.to_cross),
        plan_id=found.plan_id if shown else None,
        agreement_sha256=found.agreement_sha256 if shown else None,
        adopted_at=found.adopted_at if shown else None,
    )


def list_exchanges(
    uow: ExchangeUnitOfWork, principal: Principal, *, party: str | None = None
) -> list[ExchangeView]:
    """The exchanges the principal may follow (of ``party``, if given), by adoption.

    Raises:
        NotPermitted: the principal is an admin.
    """
    authorize(principal, Capability.EXCHANGES_READ)
    with uow:
        found = [(e.name, e.agreement.parties) for e in uow.exchange.exchanges()]
    visible = [
        name
        for name, parties in found
        if (principal.role is not Role.PARTY or principal.party in parties)
        and (party is None or party in parties)
    ]
    return [_view(uow, principal, name) for name in visible]


def exchange_detail(uow: ExchangeUnitOfWork, principal: Principal, name: str) -> ExchangeDetail:
    """The exchange's targets against what is planned, sealed and exchanged, per side and
    track (counts of people: no one is named).

    Raises:
        NotFound: there is no such exchange.
        NotPermitted: an admin, or a party member of neither side.
    """
    _authorize_exchange(principal, name, _parties_of(uow, name))
    view = _view(uow, principal, name)
    with uow:
        found = require_exchange(uow, name)
        agreement = found.agreement
        tracks = {
            t.name: TrackFigures(
                t.name,
                t.formula.describe(),
                t.minimum_per_side,
                t.maximum_per_side,
                {side: SideFigures() for side in agreement.parties},
            )
            for t in agreement.tracks
        }
        plan = uow.plans.get(found.plan_id)
        for person in plan.people if plan is not None else ():
            if person.tranche is not None and person.track in tracks:
                tracks[person.track].sides[person.party].planned += 1
        for tranche in uow.exchange.tranches(name):
            if tranche.state is TrancheState.CANCELLED:
                continue
            for c in uow.exchange.crossings(tranche_id_of(tranche)):
                state = c.crossing.state
                gone = state.final and state is not CrossingState.RECEIVED
                if gone or c.crossing.track not in tracks:
                    continue
                figures = tracks[c.crossing.track].sides[c.crossing.side]
                figures.listed += 1
                figures.sealed += c.sealed
                figures.exchanged += state is CrossingState.RECEIVED
                figures.to_cross += state in _LIVE
    return ExchangeDetail(
        view, agreement.minimum_per_side, agreement.maximum_per_side, tuple(tracks.values())
    )


# --- manifests --------------------------------------------------------------------------


def adopt_plan(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    text: str,
    read: Callable[[str], CheckedText],
    *,
    plan_id: int | None = None,
    now: datetime,
) -> list[StoredManifest]:
    """Adopt a stored plan of the agreement ``text``: its tranches and version 1 of every
    manifest (the mediator; ``parley manifest issue``).

    Raises:
        NotPermitted: the principal is not the mediator.
        AgreementRejected: the text has problems.
        NotFound: there is no such plan.
        InvalidValue: the plan is infeasible, of another agreement, or stale.
        TransitionNotAllowed: the exchange has adopted a plan already.
    """
    authorize(principal, Capability.MANIFESTS_ISSUE)
    checked = read(text)
    return manifests.adopt_plan(
        uow, checked.agreement, text, plan_id=plan_id, actor=principal.user, now=now
    )


def _authorize_manifests(
    uow: ExchangeUnitOfWork, principal: Principal, capability: Capability, exchange: str
) -> None:
    authorize(principal, capability, parties=_parties_of(uow, exchange))


def manifest_versions(
    uow: ExchangeUnitOfWork, principal: Principal, exchange: str, number: int, side: str
) -> list[StoredManifest]:
    """Every version of ``side``'s manifest of tranche ``number``, oldest first.

    Raises:
        NotFound: no such exchange, tranche or side.
        NotPermitted: the principal may not read the exchange's manifests.
    """
    _authorize_manifests(uow, principal, Capability.MANIFESTS_READ, exchange)
    return manifests.manifest_versions(uow, exchange, number, side)


def manifest_version(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    exchange: str,
    number: int,
    side: str,
    version: int | None = None,
) -> StoredManifest:
    """One version (the latest by default) of a manifest, with its canonical bytes.

    Raises:
        NotFound: no such exchange, tranche, side or version.
        NotPermitted: the principal may not read the exchange's manifests.
    """
    _authorize_manifests(uow, principal, Capability.MANIFESTS_READ, exchange)
    return manifests.export_manifest(uow, exchange, number, side, version)


def diff_versions(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    exchange: str,
    number: int,
    side: str,
    old: int | None = None,
    new: int | None = None,
) -> list[ManifestDiff]:
    """What each amendment between two versions changed (all of them by default).

    Raises:
        NotFound: no such exchange, tranche, side or version.
        NotPermitted: the principal may not read the exchange's manifests.
    """
    _authorize_manifests(uow, principal, Capability.MANIFESTS_READ, exchange)
    return manifests.diff_versions(uow, exchange, number, side, old, new)


def _own_name(principal: Principal) -> str:
    """The signer's name a principal may hand in signatures under."""
    return principal.party if principal.party is not None else MEDIATOR


def sign_manifest(
    uow: ExchangeUnitOfWork,
    principal: Principal,
    exchange: str,
    number: int,
    side: str,
    signature_text: str,
    *,
    now: datetime,
) -> manifests.SignOutcome:
    """Hand in a signature of the latest version of a manifest, in one's own name.

    A party member hands in its party's signature, the mediator the mediator's; the
    signature is verified against that signer's registered key, and nothing is stored
    unless it verifies.

    Raises:
        NotPermitted: the principal may not sign in this exchange, or the signature is
            in another signer's name.
        InvalidValue: the text is no signature file.
        NotFound: no such manifest, or the signer has no registered key.
        VerificationFailed: the signature is not the registered key's, or signs another
            document.
        TransitionNotAllowed: the signature is of an older version, or the tranche is
            closed or cancelled.
    """
    _authorize_manifests(uow, principal, Capability.MANIFESTS_SIGN, exchange)
    signer = FileSignature.parse(signature_text).key.name
    own = _own_name(principal)
    if signer != own:
        raise NotPermitted(
            f"user {principal.user} ({principal.role.value}) hands in signatures in "
            f"{own}'s name only; this one is in {signer}'s"
        )
    return manifests.sign_manifest(
        uow, exchange, number, side, signature_text, actor=principal.user, now=now
    )
