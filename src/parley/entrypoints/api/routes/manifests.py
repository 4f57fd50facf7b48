"""Routes of the API: manifests and their signatures (``parley manifest``).

A manifest is one side's list of the people it releases in one tranche, with the fields
that identify them; every version is kept as canonical JSON, and each of the two parties
and the mediator signs its SHA-256 on their own machine (``parley sign``) and hands the
signature in here. Manifests name people: the parties of the exchange, the mediator and
the neutral verifier read them; nobody else does. Paths name the exchange, the tranche's
number, the releasing side and the version, never a person.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from parley.domain.manifests import ManifestPerson, required_signers
from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.entrypoints.api.routes.exchanges import ExchangeName
from parley.services.ports import StoredManifest
from parley.services.secured import manifests

__all__ = ["router"]

router = APIRouter(tags=["manifests"])

MANIFEST = "/exchanges/{exchange}/tranches/{number}/manifests/{side}"

Number = Annotated[int, Path(ge=1, le=100_000, description="the tranche's number")]
Side = Annotated[
    str,
    Path(pattern=r"^[A-Z][A-Z0-9]{1,7}$", description="the releasing party", examples=["UA"]),
]
Version = Annotated[int, Path(ge=1, le=100_000, description="the manifest's version")]


class VersionOut(BaseModel):
    """One version of a manifest: why it was made, who signed it, whether it is sealed."""

    version: int = Field(examples=[1])
    sha256: str = Field(description="of the canonical document: what is signed")
    previous_sha256: str | None = Field(description="the version this one amends")
    reason: str = Field(
        description="plan for version 1; else the amendment and, for someone taken off, "
        "the reason a party may read",
        examples=["substitution: UA-6 for UA-1 (withdrawn_by_neutral_verification)"],
    )
    issued_at: dt.datetime
    sealed: bool = Field(description="signed by all three", examples=[False])
    sealed_at: dt.datetime | None
    signed_by: list[str] = Field(examples=[["MEDIATOR", "UA"]])
    missing: list[str] = Field(description="who has still to sign", examples=[["RU"]])
    people: int = Field(description="how many it lists", examples=[2])
    reserves: int = Field(examples=[1])
    counts: dict[str, dict[str, int]] = Field(
        description="per track, people and points listed",
        examples=[{"military": {"people": 2, "points": 2}}],
    )


class PersonOut(BaseModel):
    """A person on a manifest, with the fields the receiving side identifies them by
    (GC III Art. 17)."""

    record_id: str = Field(examples=["UA-1"])
    track: str = Field(examples=["military"])
    points: int = Field(examples=[1])
    family_name: str
    given_name: str
    patronymic: str | None
    name_lang: str = Field(examples=["uk"])
    sex: str = Field(examples=["M"])
    birth_date: str | None = Field(description="YYYY-MM-DD, YYYY-MM or YYYY")
    rank: str | None
    service_number: str | None
    reserve_rank: int | None = Field(default=None, description="a reserve's place, 1 first")


class ManifestOut(VersionOut):
    """One version of a manifest, as its canonical document says it, and its state."""

    exchange: str = Field(examples=["four for four"])
    tranche: int = Field(examples=[1])
    side: str = Field(description="the releasing party", examples=["UA"])
    receiver: str = Field(examples=["RU"])
    date: dt.date | None
    plan_id: int | None = Field(examples=[1])
    listed: list[PersonOut] = Field(description="the people to cross, in crossing order")
    reserve_list: list[PersonOut] = Field(description="who may replace them, by rank")


class DiffPerson(BaseModel):
    """A person a version took off or put on (record id only)."""

    record_id: str = Field(examples=["UA-1"])
    track: str = Field(examples=["military"])
    points: int = Field(examples=[1])


class DiffOut(BaseModel):
    """What one version changed from the one before."""

    old_version: int = Field(examples=[1])
    new_version: int = Field(examples=[2])
    reason: str = Field(
        examples=["substitution: UA-6 for UA-1 (withdrawn_by_neutral_verification)"]
    )
    removed: list[DiffPerson]
    added: list[DiffPerson]


class SignatureIn(BaseModel):
    """A signature file made offline with ``parley sign`` (its text, as it is)."""

    signature: str = Field(
        min_length=1,
        max_length=10_000,
        description="the content of the .sig file",
        examples=['{"format":"parley-signature","key":"UA ...","sha256":"...",...}\n'],
    )


class SignedOut(BaseModel):
    """What a signature did."""

    signer: str = Field(examples=["UA"])
    side: str = Field(examples=["UA"])
    version: int = Field(examples=[1])
    sha256: str
    changed: bool = Field(description="false when this signer had signed already")
    sealed: bool = Field(examples=[False])
    tranche_state: str = Field(examples=["awaiting_signatures"])
    missing: list[str] = Field(description="who has still to sign", examples=[["RU"]])


def _version(stored: StoredManifest) -> VersionOut:
    m = stored.manifest
    return VersionOut(
        version=m.version,
        sha256=stored.sha256,
        previous_sha256=m.previous_sha256,
        reason=m.reason,
        issued_at=stored.issued_at,
        sealed=stored.sealed_at is not None,
        sealed_at=stored.sealed_at,
        signed_by=sorted(stored.signatures),
        missing=sorted(required_signers(m) - set(stored.signatures)),
        people=len(m.people),
        reserves=len(m.reserves),
        counts=m.counts(),
    )


def _person(p: ManifestPerson) -> PersonOut:
    return PersonOut(
        record_id=p.record_id,
        track=p.track,
        points=p.points,
        family_name=p.family_name,
        given_name=p.given_name,
        patronymic=p.patronymic,
        name_lang=p.name_lang,
        sex=p.sex,
        birth_date=p.birth_date,
        rank=p.rank,
        service_number=p.service_number,
        reserve_rank=p.reserve_rank,
    )


def _diff_person(p: ManifestPerson) -> DiffPerson:
    return DiffPerson(record_id=p.record_id, track=p.track, points=p.points)


@router.get(MANIFEST, summary="List a manifest's versions")
def list_versions(
    exchange: ExchangeName,
    number: Number,
    side: Side,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
) -> Page[VersionOut]:
    """Every version of the side's manifest of the tranche, oldest first: why each was
    made, who signed it and whether it is sealed (the exchange's parties, the mediator
    and the neutral verifier)."""
    found = manifests.manifest_versions(uow, principal, exchange, number, side)
    return page_of([_version(s) for s in found], paging)


@router.get(MANIFEST + "/versions/{version}", summary="Show a manifest version")
def show_version(
    exchange: ExchangeName,
    number: Number,
    side: Side,
    version: Version,
    principal: CurrentPrincipal,
    uow: Unit,
) -> ManifestOut:
    """One version of the manifest: the people in crossing order with the fields that
    identify them, the reserves, and who signed it (``parley manifest show``). The exact
    bytes that are signed are at `.../document`."""
    stored = manifests.manifest_version(uow, principal, exchange, number, side, version)
    m = stored.manifest
    return ManifestOut(
        **_version(stored).model_dump(),
        exchange=m.exchange,
        tranche=m.tranche,
        side=m.side,
        receiver=m.receiver,
        date=dt.date.fromisoformat(m.date) if m.date else None,
        plan_id=m.plan_id,
        listed=[_person(p) for p in m.people],
        reserve_list=[_person(p) for p in m.reserves],
    )


_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The canonical JSON (RFC 8785) of the version: the exact bytes whose "
        "SHA-256 every signer signs (`Repr-Digest` carries it).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.get(
    MANIFEST + "/versions/{version}/document",
    summary="Download a manifest's signed document",
    response_class=Response,
    responses=_DOCUMENT,
)
def version_document(
    exchange: ExchangeName,
    number: Number,
    side: Side,
    version: Version,
    principal: CurrentPrincipal,
    uow: Unit,
) -> Response:
    """The version's canonical document, byte for byte as stored: sign it offline with
    `parley sign FILE --key YOUR.key` and hand the signature in (``parley manifest
    export``)."""
    stored = manifests.manifest_version(uow, principal, exchange, number, side, version)
    digest = base64.b64encode(bytes.fromhex(stored.sha256)).decode()
    name = f"manifest-{number}-{side}-v{stored.manifest.version}.json"
    return Response(
        content=stored.document,
        media_type="application/json",
        headers={
            "Repr-Digest": f"sha-256=:{digest}:",
            "ETag": f'"{stored.sha256}"',
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@router.get(MANIFEST + "/diff", summary="Compare manifest versions")
def diff_versions(
    exchange: ExchangeName,
    number: Number,
    side: Side,
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    old: Annotated[
        int | None, Query(alias="from", ge=1, le=100_000, description="default: version 1")
    ] = None,
    new: Annotated[
        int | None, Query(alias="to", ge=1, le=100_000, description="default: the latest")
    ] = None,
) -> Page[DiffOut]:
    """What each amendment between the two versions changed: the record ids taken off
    and put on, and why (``parley manifest diff``)."""
    diffs = manifests.diff_versions(uow, principal, exchange, number, side, old, new)
    items = [
        DiffOut(
            old_version=d.old_version,
            new_version=d.new_version,
            reason=d.reason,
            removed=[_diff_person(p) for p in d.removed],
            added=[_diff_person(p) for p in d.added],
        )
        for d in diffs
    ]
    return page_of(items, paging)


@router.post(
    MANIFEST + "/signatures",
    status_code=status.HTTP_201_CREATED,
    summary="Hand in a signature of a manifest",
    responses={200: {"model": SignedOut, "description": "signed already: nothing changed"}},
)
def sign_manifest(
    exchange: ExchangeName,
    number: Number,
    side: Side,
    body: SignatureIn,
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
    backend: BackendDep,
    response: Response,
) -> SignedOut:
    """Hand in a signature of the latest version, made offline with `parley sign`
    (``parley manifest accept``). A party member hands in its own party's signature
    only, the mediator the mediator's; it is verified against the signer's registered
    key, and one made with any other key is refused (422) with nothing stored. The
    third signature seals the version; a checkpoint of the log is signed after."""
    outcome = manifests.sign_manifest(
        uow, principal, exchange, number, side, body.signature, now=now
    )
    if outcome.changed:
        backend.after_tranche_event()
    else:
        response.status_code = status.HTTP_200_OK
    return SignedOut(
        signer=outcome.signer,
        side=outcome.side,
        version=outcome.version,
        sha256=outcome.sha256,
        changed=outcome.changed,
        sealed=outcome.sealed,
        tranche_state=outcome.tranche_state.value,
        missing=list(outcome.missing),
    )
