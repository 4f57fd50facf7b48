"""Running an exchange: from an adopted plan to signed manifests and tranches that open and close.

``adopt_plan`` turns a stored plan into the exchange's tranches and, for each tranche
and releasing side, version 1 of its manifest. Each manifest is sealed when both parties
and the mediator have signed its SHA-256 (``sign_manifest``: the signature is verified
against the signer's registered key; a private key never has to reach the server). A
tranche opens when every manifest in it is sealed and its date has come
(``open_tranche``), and closes when every track is balanced by the people received
(``close_tranche``). Each step is one unit of work, logged with ids and commitments only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from parley.domain.agreements import Agreement, flags_on_return
from parley.domain.events import (
    ManifestIssued,
    ManifestSealed,
    ManifestSigned,
    TrancheStateChanged,
)
from parley.domain.handover import Crossing, CrossingState
from parley.domain.holdings import Holding, HoldingStatus
from parley.domain.manifests import (
    Manifest,
    ManifestDiff,
    ManifestPerson,
    diff_manifests,
    required_signers,
)
from parley.domain.rounds import ExchangeFacts
from parley.domain.tranches import (
    TrackBalance,
    TrancheState,
    check_close,
    check_open,
    move_tranche,
    person_weight,
)
from parley.errors import InvalidValue, NotFound, NotPermitted, TransitionNotAllowed
from parley.ledger.canonical import canonical
from parley.ledger.signatures import FileSignature, verify_file_signature
from parley.services.ports import (
    CrossingRecord,
    Exchange,
    ExchangeUnitOfWork,
    StoredManifest,
    TrancheRecord,
)
from parley.services.rounds import refresh_commitments

__all__ = [
    "FREE",
    "ExchangeTotals",
    "SignOutcome",
    "TrackStatus",
    "TrancheStatus",
    "adopt_plan",
    "balances_of",
    "cancel_tranche",
    "close_tranche",
    "diff_versions",
    "exchange_facts",
    "exchange_totals",
    "export_manifest",
    "manifest_versions",
    "move_to",
    "open_tranche",
    "require_exchange",
    "require_tranche",
    "resume_tranche",
    "sign_manifest",
    "store_manifest",
    "suspend_tranche",
    "tranche_id_of",
    "tranche_status",
]

# Holding statuses a plan may list: not on a manifest, not crossed, not gone.
FREE = frozenset(
    {
        HoldingStatus.DETAINED,
        HoldingStatus.ELIGIBLE,
        HoldingStatus.WITHDRAWN,
        HoldingStatus.SUBSTITUTED,
    }
)


def require_exchange(uow: ExchangeUnitOfWork, name: str) -> Exchange:
    """The exchange ``name``, inside an open unit of work.

    Raises:
        NotFound: there is none; the message names those there are.
    """
    found = uow.exchange.exchange(name)
    if found is None:
        known = ", ".join(repr(e.name) for e in uow.exchange.exchanges()) or "none yet"
        raise NotFound(
            f"no exchange {name!r}: adopt a plan for it first (parley manifest issue); "
            f"exchanges: {known}"
        )
    return found


def require_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, lock: bool = False, share: bool = False
) -> TrancheRecord:
    """Tranche ``number`` of ``exchange``, locked (or held against changes) when asked.

    Raises:
        NotFound: the exchange or the tranche does not exist.
    """
    found = uow.exchange.tranche(exchange, number, lock=lock, share=share)
    if found is None:
        require_exchange(uow, exchange)
        count = len(uow.exchange.tranches(exchange))
        raise NotFound(f"exchange {exchange!r} has no tranche {number} (it has 1 to {count})")
    return found


def tranche_id_of(tranche: TrancheRecord) -> int:
    """The stored tranche's id."""
    if tranche.id is None:  # pragma: no cover - a stored tranche always has its id
        raise RuntimeError("tranche without an id")
    return tranche.id


def _person(holding: Holding | None, record_id: str, track: str, points: int) -> ManifestPerson:
    if holding is None:
        return ManifestPerson(record_id=record_id, track=track, points=points)
    i = holding.identity
    return ManifestPerson(
        record_id=record_id,
        track=track,
        points=points,
        family_name=i.family_name,
        given_name=i.given_name,
        patronymic=i.patronymic,
        name_lang=i.name_lang.value,
        sex=i.sex.value,
        birth_date=i.birth_date.isoformat() if i.birth_date else None,
        rank=i.rank,
        service_number=i.service_number,
    )


def store_manifest(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    manifest: Manifest,
    *,
    actor: str,
    now: datetime,
) -> StoredManifest:
    """Store a manifest version as canonical JSON with its SHA-256, and log its issue."""
    document = canonical(manifest.document(), name="manifest")
    sha256 = hashlib.sha256(document).hexdigest()
    stored = uow.exchange.add_manifest(tranche_id_of(tranche), manifest, document, sha256, now)
    uow.record(
        ManifestIssued(
            occurred_at=now,
            actor=actor,
            exchange=manifest.exchange,
            tranche=manifest.tranche,
            side=manifest.side,
            version=manifest.version,
            sha256=sha256,
            # The kind of change only: the document names the people, the log never does.
            reason=manifest.reason.split(":", 1)[0],
            counts=manifest.counts(),
        )
    )
    return stored


def move_to(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    to: TrancheState,
    *,
    actor: str,
    now: datetime,
    why: str = "",
    balances: dict[str, dict[str, object]] | None = None,
) -> None:
    """Move a tranche (refused unless the table allows it), store and log the move."""
    before = tranche.state
    tranche.state = move_tranche(before, to, number=tranche.number, why=why)
    uow.exchange.save_tranche(tranche, now)
    uow.record(
        TrancheStateChanged(
            occurred_at=now,
            actor=actor,
            exchange=tranche.exchange,
            tranche=tranche.number,
            from_state=before.value,
            to_state=to.value,
            balances=balances,
        )
    )


def _order(release: Mapping[str, Any]) -> tuple[int, int, str]:
    """Who crosses first on a manifest: the seriously ill, then those a clause sends."""
    return (
        not release.get("seriously_ill"),
        not (release.get("mandatory") or release.get("unilateral")),
        str(release["record_id"]),
    )


def adopt_plan(
    uow: ExchangeUnitOfWork,
    agreement: Agreement,
    agreement_text: str,
    *,
    plan_id: int | None = None,
    actor: str,
    now: datetime,
) -> list[StoredManifest]:
    """Adopt a stored plan: create its tranches and issue version 1 of every manifest.

    Args:
        uow: the unit of work.
        agreement: the agreement, as read from ``agreement_text``.
        agreement_text: the agreement file's text, kept with the exchange.
        plan_id: the plan to adopt; by default the latest plan of the agreement.
        actor: who adopts it (the mediator).
        now: when.

    Raises:
        NotFound: there is no such plan.
        InvalidValue: the plan is infeasible, is of another agreement, or names people
            who are no longer eligible or are listed in another running tranche.
        TransitionNotAllowed: the exchange already has its manifests.
    """
    with uow:
        if uow.exchange.exchange(agreement.name) is not None:
            raise TransitionNotAllowed(
                f"exchange {agreement.name!r} has adopted a plan already; amend its "
                "manifests (parley handover substitute/withdraw) instead of adopting another"
            )
        plan = uow.plans.get(plan_id) if plan_id is not None else uow.plans.latest(agreement.name)
        if plan is None:
            which = f"plan {plan_id}" if plan_id is not None else f"a plan of {agreement.name!r}"
            raise NotFound(f"there is no {which}: run parley plan first")
        if plan.agreement != agreement.name[:200]:
            raise InvalidValue(
                "plan", f"plan {plan.id} is of {plan.agreement!r}, not this agreement"
            )
        if plan.status != "optimal":
            raise InvalidValue(
                "plan", f"plan {plan.id} is {plan.status}: only a feasible plan can be adopted"
            )
        releases: list[dict[str, Any]] = list(plan.document.get("releases", []))
        reserves: list[dict[str, Any]] = list(plan.document.get("reserves", []))
        holdings: dict[str, dict[str, Holding]] = {}
        for side in agreement.parties:
            ids = [str(r["record_id"]) for r in releases + reserves if r["party"] == side]
            holdings[side] = uow.exchange.holdings(side, ids)
            named = [str(r["record_id"]) for r in releases if r["party"] == side]
            stale = [
                rid
                for rid in named
                if rid not in holdings[side] or holdings[side][rid].status not in FREE
            ]
            busy = uow.exchange.active_listings(side, named)
            if stale or busy:
                shown = ", ".join((stale + list(busy))[:5])
                raise InvalidValue(
                    "plan",
                    f"plan {plan.id} lists {len(stale) + len(busy)} holding(s) of {side} that are "
                    f"no longer eligible or are listed elsewhere (e.g. {shown}); plan again",
                )
        exchange = uow.exchange.add_exchange(agreement.name, agreement_text, plan.id, now)
        dates = agreement.tranches.dates
        count = len(plan.document.get("tranches") or []) or max(
            (int(r["tranche"]) for r in releases), default=0
        )
        stored: list[StoredManifest] = []
        for number in range(1, count + 1):
            in_tranche = sorted((r for r in releases if int(r["tranche"]) == number), key=_order)
            seriously_ill = {str(r["record_id"]): bool(r.get("seriously_ill")) for r in in_tranche}
            tracks = tuple(
                t.name for t in agreement.tracks if any(r["track"] == t.name for r in in_tranche)
            )
            tranche = uow.exchange.add_tranche(
                TrancheRecord(
                    exchange=exchange.name,
                    plan_id=plan.id,
                    number=number,
                    on_date=dates[number - 1] if number <= len(dates) else None,
                    tracks=tracks,
                    state=TrancheState.DRAFT,
                ),
                now,
            )
            for side in agreement.parties:
                receiver = next(p for p in agreement.parties if p != side)
                people = [
                    _person(
                        holdings[side].get(str(r["record_id"])),
                        str(r["record_id"]),
                        str(r["track"]),
                        int(r["points"]),
                    )
                    for r in in_tranche
                    if r["party"] == side
                ]
                spare = [
                    _person(
                        holdings[side].get(str(r["record_id"])),
                        str(r["record_id"]),
                        str(r["track"]),
                        int(r["points"]),
                    )
                    for r in reserves
                    if r["party"] == side and r["track"] in tracks
                ]
                spare = [
                    dataclasses.replace(p, reserve_rank=rank)
                    for rank, p in enumerate(spare, start=1)
                ]
                manifest = Manifest(
                    exchange=exchange.name,
                    tranche=number,
                    side=side,
                    receiver=receiver,
                    version=1,
                    date=tranche.on_date.isoformat() if tranche.on_date else None,
                    people=tuple(people),
                    reserves=tuple(spare),
                    plan_id=plan.id,
                )
                stored.append(store_manifest(uow, tranche, manifest, actor=actor, now=now))
                track_of = {t.name: t for t in agreement.tracks}
                uow.exchange.add_crossings(
                    [
                        CrossingRecord(
                            tranche_id=tranche_id_of(tranche),
                            crossing=Crossing(
                                record_id=p.record_id,
                                side=side,
                                track=p.track,
                                weight=person_weight(
                                    track_of[p.track], agreement.parties, side, p.points
                                ),
                            ),
                            position=position,
                            listed_in=1,
                            flags=flags_on_return(agreement, seriously_ill[p.record_id]),
                        )
                        for position, p in enumerate(people, start=1)
                    ],
                    now,
                )
                uow.exchange.set_holding_status(
                    side, [p.record_id for p in people], HoldingStatus.LISTED.value, now
                )
            move_to(uow, tranche, TrancheState.AWAITING_SIGNATURES, actor=actor, now=now)
        uow.commit()
    return stored


def manifest_versions(
    uow: ExchangeUnitOfWork, exchange: str, number: int, side: str
) -> list[StoredManifest]:
    """Every version of ``side``'s manifest of tranche ``number``, oldest first.

    Raises:
        NotFound: no such exchange, tranche or side.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number)
        found = uow.exchange.manifests(tranche_id_of(tranche), side)
        if not found:
            parties = require_exchange(uow, exchange).agreement.parties
            raise NotFound(
                f"tranche {number} of {exchange!r} has no manifest of {side!r} "
                f"(the releasing sides are {', '.join(parties)})"
            )
        return found


def export_manifest(
    uow: ExchangeUnitOfWork, exchange: str, number: int, side: str, version: int | None = None
) -> StoredManifest:
    """One version (the latest by default) of a manifest, with its canonical bytes.

    Raises:
        NotFound: no such exchange, tranche, side or version.
    """
    versions = manifest_versions(uow, exchange, number, side)
    if version is None:
        return versions[-1]
    for stored in versions:
        if stored.manifest.version == version:
            return stored
    raise NotFound(f"the manifest of {side} in tranche {number} has versions 1 to {len(versions)}")


def diff_versions(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    old: int | None = None,
    new: int | None = None,
) -> list[ManifestDiff]:
    """The changes between versions (by default every change from version 1 to the latest)."""
    versions = manifest_versions(uow, exchange, number, side)
    last = len(versions)
    first, final = (old or 1), (new or last)
    for v in (first, final):
        if not 1 <= v <= last:
            raise NotFound(f"the manifest of {side} in tranche {number} has versions 1 to {last}")
    chosen = versions[first - 1 : final]
    return [diff_manifests(a.manifest, b.manifest) for a, b in itertools.pairwise(chosen)]


@dataclass(frozen=True, slots=True)
class SignOutcome:
    """What a signature did: who signed which version, and whether that sealed it."""

    signer: str
    side: str
    version: int
    sha256: str
    sealed: bool
    tranche_state: TrancheState
    missing: tuple[str, ...]
    changed: bool = True


def sign_manifest(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    side: str,
    signature_text: str | bytes,
    *,
    actor: str,
    now: datetime,
) -> SignOutcome:
    """Accept a signature of the latest version of a manifest, after verifying it.

    The signer is the name of the key that made the signature (a party code or
    ``MEDIATOR``); it must be one of the three who sign that manifest, and the
    signature must verify against that name's *registered* key, whatever key the file
    carries. When the third signature arrives the version is sealed; when every
    manifest of the tranche is sealed, so is the tranche.

    Raises:
        InvalidValue: the signature file cannot be read.
        NotFound: the manifest does not exist, or the signer has no registered key.
        NotPermitted: the signer is not one of the three who sign this manifest.
        VerificationFailed: the signature is not the registered key's, or signs another
            version or another file.
    """
    signature = FileSignature.parse(signature_text)
    signer = signature.key.name
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        if tranche.state in (TrancheState.CLOSED, TrancheState.CANCELLED):
            raise TransitionNotAllowed(
                f"tranche {number} is {tranche.state.value}: its manifests take no more signatures"
            )
        versions = uow.exchange.manifests(tranche_id_of(tranche), side)
        if not versions:
            raise NotFound(f"tranche {number} of {exchange!r} has no manifest of {side!r}")
        latest = versions[-1]
        needed = required_signers(latest.manifest)
        if signer not in needed:
            raise NotPermitted(
                f"a key named {signer!r} cannot sign the {latest.manifest.subject}: it is "
                f"signed by {', '.join(sorted(needed))}"
            )
        registered = uow.keys.get(signer)
        if registered is None:
            raise NotFound(
                f"no key is registered for {signer}; register its public key first "
                "(parley keys register)"
            )
        digest = signature.sha256.hex()
        older = next((v for v in versions[:-1] if v.sha256 == digest), None)
        if older is not None:
            raise TransitionNotAllowed(
                f"the signature is of version {older.manifest.version}, but the manifest of "
                f"{side} in tranche {number} is at version {latest.manifest.version} now: "
                "export the latest version and sign that"
            )
        verify_file_signature(signature, bytes.fromhex(latest.sha256), registered.key)
        if signer in latest.signatures:
            missing = tuple(sorted(needed - set(latest.signatures)))
            return SignOutcome(
                signer, side, latest.manifest.version, latest.sha256,
                latest.sealed_at is not None, tranche.state, missing, changed=False,
            )  # fmt: skip
        uow.exchange.add_signature(latest.id, signer, signature.to_text(), now)
        uow.record(
            ManifestSigned(
                occurred_at=now,
                actor=actor,
                exchange=exchange,
                tranche=number,
                side=side,
                version=latest.manifest.version,
                sha256=latest.sha256,
                signer=signer,
                key_id=signature.key.key_id.hex(),
                signature=signature.to_text().strip(),
            )
        )
        signed = set(latest.signatures) | {signer}
        missing = tuple(sorted(needed - signed))
        if not missing:
            _seal(uow, tranche, latest, actor=actor, now=now)
        uow.commit()
    return SignOutcome(
        signer, side, latest.manifest.version, latest.sha256, not missing, tranche.state, missing
    )


def _seal(
    uow: ExchangeUnitOfWork,
    tranche: TrancheRecord,
    stored: StoredManifest,
    *,
    actor: str,
    now: datetime,
) -> None:
    manifest = stored.manifest
    uow.exchange.seal(stored.id, now)
    uow.record(
        ManifestSealed(
            occurred_at=now,
            actor=actor,
            exchange=manifest.exchange,
            tranche=manifest.tranche,
            side=manifest.side,
            version=manifest.version,
            sha256=stored.sha256,
            people=tuple(p.record_id for p in manifest.people),
        )
    )
    newly = uow.exchange.seal_crossings(tranche_id_of(tranche), manifest.side, manifest.version)
    status = (
        HoldingStatus.IN_TRANCHE if tranche.state is TrancheState.OPEN else HoldingStatus.ACCEPTED
    )
    uow.exchange.set_holding_status(manifest.side, newly, status.value, now)
    if tranche.state is TrancheState.AWAITING_SIGNATURES and not _unsealed(uow, tranche):
        move_to(uow, tranche, TrancheState.SEALED, actor=actor, now=now)


def _unsealed(uow: ExchangeUnitOfWork, tranche: TrancheRecord) -> list[str]:
    """The subjects of the tranche's manifests whose latest version is not sealed."""
    exchange = require_exchange(uow, tranche.exchange)
    out = []
    for side in exchange.agreement.parties:
        versions = uow.exchange.manifests(tranche_id_of(tranche), side)
        if versions and versions[-1].sealed_at is None:
            latest = versions[-1]
            missing = sorted(required_signers(latest.manifest) - set(latest.signatures))
            out.append(f"the {latest.manifest.subject} (unsigned by {', '.join(missing)})")
    return out


def open_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, today: date, actor: str, now: datetime
) -> TrancheRecord:
    """Open a sealed tranche on (or after) its date; its people may now cross.

    Raises:
        TransitionNotAllowed: a manifest is unsigned, the date has not come, or the
            tranche is not sealed (or suspended).
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        agreement = require_exchange(uow, exchange).agreement
        check_open(
            tranche.state,
            number=number,
            on=tranche.on_date,
            today=today,
            unsealed=_unsealed(uow, tranche),
        )
        resuming = tranche.state is TrancheState.SUSPENDED
        if not resuming:
            tranche.opened_at = now
            tranche_id = tranche_id_of(tranche)
            for track in tranche.tracks:
                for side in agreement.parties:
                    uow.exchange.save_balance(tranche_id, track, side, 0, 0)
            for side in agreement.parties:
                live = [
                    c.crossing.record_id
                    for c in uow.exchange.crossings(tranche_id, side)
                    if c.crossing.state is CrossingState.LISTED
                ]
                uow.exchange.set_holding_status(side, live, HoldingStatus.IN_TRANCHE.value, now)
        move_to(uow, tranche, TrancheState.OPEN, actor=actor, now=now)
        uow.commit()
    return tranche


def balances_of(
    uow: ExchangeUnitOfWork, tranche: TrancheRecord, agreement: Agreement
) -> list[TrackBalance]:
    """Each track's running balance in ``tranche``, from the stored counters."""
    tranche_id = tranche_id_of(tranche)
    stored = uow.exchange.balances(tranche_id)
    crossings = uow.exchange.crossings(tranche_id)
    out = []
    for track in tranche.tracks:
        heaviest = max(
            (c.crossing.weight for c in crossings if c.crossing.track == track), default=1
        )
        balance = TrackBalance.start(
            agreement, track, heaviest=heaviest, owed=tranche.owed.get(track, {})
        )
        for side in agreement.parties:
            sent, received = stored.get((track, side), (0, 0))
            balance.sent[side], balance.received[side] = sent, received
        out.append(balance)
    return out


def _closing_balances(balances: list[TrackBalance]) -> dict[str, dict[str, object]]:
    return {
        b.track: {
            "kind": b.kind.value,
            "weights": dict(b.weights),
            "owed": dict(b.owed),
            "sent": dict(b.sent),
            "received": dict(b.received),
        }
        for b in balances
    }


def close_tranche(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    *,
    actor: str,
    now: datetime,
) -> list[TrackBalance]:
    """Close an open tranche whose every track is balanced by the people received.

    The closing entry in the log carries each track's balance, so that anyone can check
    it from the log alone. In the same unit of work, the rounds' commitments that wait
    on this exchange fall due if the close completes what they wait on.

    Raises:
        TransitionNotAllowed: the tranche is not open, someone is still to cross or in
            transit, or a track is unbalanced; the message lists all of it.
    """
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        agreement = require_exchange(uow, exchange).agreement
        if tranche.state not in (TrancheState.OPEN, TrancheState.CLOSING):
            move_tranche(tranche.state, TrancheState.CLOSING, number=number)
        balances = balances_of(uow, tranche, agreement)
        pending: dict[str, int] = {}
        for c in uow.exchange.crossings(tranche_id_of(tranche)):
            if c.crossing.state is CrossingState.LISTED:
                pending[c.crossing.side] = pending.get(c.crossing.side, 0) + 1
        check_close(number, balances, pending)
        unsigned = _unsealed(uow, tranche)
        if unsigned:
            raise TransitionNotAllowed(
                f"tranche {number} cannot close: {', '.join(unsigned)} still wait for "
                "signatures; every amendment is signed by all three before the tranche closes"
            )
        if tranche.state is TrancheState.OPEN:
            move_to(uow, tranche, TrancheState.CLOSING, actor=actor, now=now)
        tranche.closed_at = now
        move_to(
            uow, tranche, TrancheState.CLOSED, actor=actor, now=now,
            balances=_closing_balances(balances),
        )  # fmt: skip
        refresh_commitments(uow, facts=uow.exchange.facts(), today=now.date(), actor=actor, now=now)
        uow.commit()
    return balances


def _simple_move(
    uow: ExchangeUnitOfWork,
    exchange: str,
    number: int,
    to: TrancheState,
    *,
    actor: str,
    now: datetime,
) -> TrancheRecord:
    with uow:
        tranche = require_tranche(uow, exchange, number, lock=True)
        if to is TrancheState.CANCELLED:
            crossed = [
                c for c in uow.exchange.crossings(tranche_id_of(tranche))
                if c.crossing.state in (CrossingState.HANDED_OVER, CrossingState.RECEIVED)
            ]  # fmt: skip
            if crossed:
                who = "1 person has" if len(crossed) == 1 else f"{len(crossed)} people have"
                raise TransitionNotAllowed(f"tranche {number} cannot be cancelled: {who} crossed")
        move_to(uow, tranche, to, actor=actor, now=now)
        if to is TrancheState.CANCELLED:
            for side in require_exchange(uow, exchange).agreement.parties:
                live = [
                    c.crossing.record_id
                    for c in uow.exchange.crossings(tranche_id_of(tranche), side)
                    if c.crossing.state is CrossingState.LISTED
                ]
                uow.exchange.set_holding_status(side, live, HoldingStatus.ELIGIBLE.value, now)
        uow.commit()
    return tranche


def suspend_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Stop an open tranche's handover for now (nobody may cross until it resumes)."""
    return _simple_move(uow, exchange, number, TrancheState.SUSPENDED, actor=actor, now=now)


def resume_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Resume a suspended tranche."""
    return _simple_move(uow, exchange, number, TrancheState.OPEN, actor=actor, now=now)


def cancel_tranche(
    uow: ExchangeUnitOfWork, exchange: str, number: int, *, actor: str, now: datetime
) -> TrancheRecord:
    """Cancel a tranche nobody has crossed in; its people go back to the pools."""
    return _simple_move(uow, exchange, number, TrancheState.CANCELLED, actor=actor, now=now)


@dataclass(frozen=True, slots=True)
class TrackStatus:
    """One track of a tranche as a party or the mediator may see it."""

    track: str
    formula: str
    sent: dict[str, int]
    received: dict[str, int]
    owed: dict[str, int]
    allowed_lead: int
    next_to_cross: str | None


@dataclass(frozen=True, slots=True)
class TrancheStatus:
    """A tranche: its state, each track's balance, who stands where, and the signatures.

    ``people`` counts, per side, the listed people by what a party may see of them
    (``listed``, ``handed_over``, ``received``, ``no_show``, ``deceased``,
    ``withdrawn_by_neutral_verification``, ...): a refusal is never told apart.
    """

    exchange: str
    number: int
    on_date: date | None
    state: TrancheState
    tracks: tuple[TrackStatus, ...]
    people: dict[str, dict[str, int]]
    manifests: dict[str, tuple[int, bool, tuple[str, ...]]] = field(default_factory=dict)


def tranche_status(uow: ExchangeUnitOfWork, exchange: str, number: int) -> TrancheStatus:
    """Where tranche ``number`` stands (what any of the three may see)."""
    with uow:
        tranche = require_tranche(uow, exchange, number)
        agreement = require_exchange(uow, exchange).agreement
        tracks = tuple(
            TrackStatus(
                track=b.track,
                formula=b.kind.value,
                sent=dict(b.sent),
                received=dict(b.received),
                owed=dict(b.owed),
                allowed_lead=b.allowed,
                next_to_cross=b.next_to_cross(),
            )
            for b in balances_of(uow, tranche, agreement)
        )
        people: dict[str, dict[str, int]] = {side: {} for side in agreement.parties}
        for c in uow.exchange.crossings(tranche_id_of(tranche)):
            shown = c.reason or c.crossing.state.value
            counts = people[c.crossing.side]
            counts[shown] = counts.get(shown, 0) + 1
        manifests = {}
        for side in agreement.parties:
            versions = uow.exchange.manifests(tranche_id_of(tranche), side)
            if versions:
                latest = versions[-1]
                manifests[side] = (
                    latest.manifest.version,
                    latest.sealed_at is not None,
                    tuple(sorted(latest.signatures)),
                )
        return TrancheStatus(
            exchange, number, tranche.on_date, tranche.state, tracks, people, manifests
        )


@dataclass(frozen=True, slots=True)
class ExchangeTotals:
    """An exchange against its agreement: per side, how many were received and how many
    are still on a manifest to cross, and the agreement's bounds per side."""

    exchange: str
    received: dict[str, int]
    to_cross: dict[str, int]
    minimum_per_side: int | None
    maximum_per_side: int | None
    tranches_closed: int
    tranches: int
    complete: bool


def exchange_totals(uow: ExchangeUnitOfWork, exchange: str) -> ExchangeTotals:
    """How far the exchange has come against its agreement, over every tranche."""
    with uow:
        agreement = require_exchange(uow, exchange).agreement
        received = dict.fromkeys(agreement.parties, 0)
        to_cross = dict.fromkeys(agreement.parties, 0)
        live = (CrossingState.LISTED, CrossingState.HANDED_OVER)
        tranches = [
            t for t in uow.exchange.tranches(exchange) if t.state is not TrancheState.CANCELLED
        ]
        for tranche in tranches:
            for c in uow.exchange.crossings(tranche_id_of(tranche)):
                if c.crossing.state is CrossingState.RECEIVED:
                    received[c.crossing.side] += 1
                elif c.crossing.state in live:
                    to_cross[c.crossing.side] += 1
        facts = uow.exchange.facts()[exchange]
        return ExchangeTotals(
            exchange=exchange,
            received=received,
            to_cross=to_cross,
            minimum_per_side=agreement.minimum_per_side,
            maximum_per_side=agreement.maximum_per_side,
            tranches_closed=facts.stages_closed,
            tranches=facts.stages_planned,
            complete=facts.complete,
        )


def exchange_facts(uow: ExchangeUnitOfWork) -> dict[str, ExchangeFacts]:
    """Each exchange's facts for the rounds: tranches planned and closed, totals met."""
    with uow:
        return uow.exchange.facts()
