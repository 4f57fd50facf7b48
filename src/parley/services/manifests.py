"""An exchange's manifests: from an adopted plan to signed and sealed versions.

``adopt_plan`` turns a stored plan into the exchange's tranches and, for each tranche
and releasing side, version 1 of its manifest. Each manifest is sealed when both parties
and the mediator have signed its SHA-256 (``sign_manifest``: the signature is verified
against the signer's registered key; a private key never has to reach the server); when
every manifest of a tranche is sealed, so is the tranche. Every version is kept, as
canonical JSON with its SHA-256, to export and compare. Each step is one unit of work,
logged with ids and commitments only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley.domain.agreements import Agreement, flags_on_return
from parley.domain.events import (
    ManifestIssued,
    ManifestSealed,
    ManifestSigned,
)
from parley.domain.handover import Crossing
from parley.domain.holdings import Holding, HoldingStatus
from parley.domain.manifests import (
    Manifest,
    ManifestDiff,
    ManifestPerson,
    diff_manifests,
    required_signers,
)
from parley.domain.tranches import TrancheState, person_weight
from parley.errors import InvalidValue, NotFound, NotPermitted, TransitionNotAllowed
from parley.ledger.canonical import canonical
from parley.ledger.signatures import FileSignature, verify_file_signature
from parley.services.exchange import (
    move_to,
    require_exchange,
    require_tranche,
    tranche_id_of,
    unsealed_manifests,
)
from parley.services.ports import (
    CrossingRecord,
    ExchangeUnitOfWork,
    StoredManifest,
    TrancheRecord,
)

__all__ = [
    "FREE",
    "SignOutcome",
    "adopt_plan",
    "diff_versions",
    "export_manifest",
    "manifest_versions",
    "sign_manifest",
    "store_manifest",
]

FREE = frozenset(
    {
        HoldingStatus.DETAINED,
        HoldingStatus.ELIGIBLE,
        HoldingStatus.WITHDRAWN,
        HoldingStatus.SUBSTITUTED,
    }
)


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


def _order(release: Mapping[str, Any]) -> tuple[int, int, str]:
    """Who crosses first on a manifest: the seriously ill, then those a clause sends."""
    return (
        not release.get("seriously_ill"),
        not (release.get("mandatory") or release.get("unilateral")),
        str(release["record_id"]),
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
    if tranche.state is TrancheState.AWAITING_SIGNATURES and not unsealed_manifests(uow, tranche):
        move_to(uow, tranche, TrancheState.SEALED, actor=actor, now=now)
