"""Routes of the API: the public log, its checkpoints, proofs and witnesses.

The log is public (DESIGN.md, "State and the log"): its entries name people only by
salted commitments, so anyone, signed in or not, reads its size and root, its signed
checkpoints, its entries and the RFC 9162 proofs, and checks the whole of it without
trusting this server. The mediator signs checkpoints with the server's mediator key; a
party's witness co-signs one on its own machine, after checking the consistency proof
from the last one it co-signed, and sends the co-signature line here.
"""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from parley import bootstrap
from parley.config import Settings
from parley.entrypoints.api.deps import (
    PUBLIC,
    BackendDep,
    CurrentPrincipal,
    MaybePrincipal,
    Now,
    Unit,
)
from parley.entrypoints.api.pagination import Page, PageParams, Paging, page_of
from parley.ledger.keys import SigningKey, load_signing_key
from parley.ledger.notes import parse_note
from parley.services.ports import StoredCheckpoint
from parley.services.public_log import checkpoint_of
from parley.services.reports import ReportUnitOfWork
from parley.services.secured import ledger

__all__ = ["CheckpointOut", "LogReader", "b64", "checkpoint_out", "router"]

router = APIRouter(tags=["log"])

_MAX_SIZE = 2**63 - 1


async def _log_reader(backend: BackendDep) -> ReportUnitOfWork:
    return bootstrap.unit_of_work(backend.engine, read_only=True)


LogReader = Annotated[ReportUnitOfWork, Depends(_log_reader)]
"""A unit that only reads, whatever the method: a POST that changes nothing (checking a
receipt, which anyone may send) never waits for, or holds, the write lock."""


def b64(data: bytes) -> str:
    """Standard base64, as checkpoints and proofs write hashes."""
    return base64.b64encode(data).decode("ascii")


class CheckpointOut(BaseModel):
    """A signed checkpoint of the log (C2SP tlog-checkpoint, as a signed note)."""

    origin: str = Field(examples=["parley.local/log"])
    size: int = Field(description="Entries the checkpoint signs.", examples=[42])
    root: str = Field(
        description="The tree's root hash at that size, base64.",
        examples=["3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w0="],
    )
    note: str = Field(
        description="The signed note: checkpoint text, a blank line, signature lines.",
        examples=["parley.local/log\n42\n3q2+7w...=\n\n— MEDIATOR AbCd...\n"],
    )
    log_key: str = Field(
        description="The log's verifier key (the mediator's).",
        examples=["MEDIATOR+1a2b3c4d+AXyz..."],
    )
    signed_by: list[str] = Field(
        description="The names on its signature lines: the mediator, then the parties "
        "that co-signed it as witnesses.",
        examples=[["MEDIATOR", "UA"]],
    )


def checkpoint_out(stored: StoredCheckpoint) -> CheckpointOut:
    """A stored checkpoint as the API shows it."""
    checkpoint = checkpoint_of(stored)
    return CheckpointOut(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=b64(checkpoint.root_hash),
        note=stored.note,
        log_key=stored.log_key,
        signed_by=[s.name for s in parse_note(stored.note).signatures],
    )


class LogOut(BaseModel):
    """The log as it stands."""

    size: int = Field(description="Entries in the log now.", examples=[57])
    root: str = Field(description="The root hash at that size, base64.", examples=["3q2+7w...="])
    checkpoints: int = Field(description="Checkpoints signed so far.", examples=[3])
    latest_checkpoint: CheckpointOut | None = Field(
        description="The latest signed checkpoint; null before the first."
    )


class EntryOut(BaseModel):
    """One entry of the log: people appear in it only as salted commitments."""

    seq: int = Field(description="Its number, from 1 (its leaf index is seq - 1).", examples=[5])
    entry: dict[str, Any] | None = Field(
        default=None,
        description="The entry as a JSON object (form=json).",
        examples=[{"seq": 5, "type": "PersonHandedOver", "time": "2025-05-23T09:02:11Z"}],
    )
    canonical: str | None = Field(
        default=None,
        description="The entry's exact canonical bytes (RFC 8785), base64 (form=base64): "
        "what is hashed into the tree.",
        examples=["eyJkYXRhIjp7fX0="],
    )


class InclusionProofOut(BaseModel):
    """RFC 9162 PATH(index, D[size]): check it with the entry's leaf hash and the root."""

    index: int = Field(description="The leaf index (the entry's seq - 1).", examples=[4])
    size: int = Field(description="The tree size it proves against.", examples=[42])
    root: str = Field(description="The root at that size, base64.", examples=["3q2+7w...="])
    proof: list[str] = Field(description="The audit path, base64 hashes.", examples=[["AbC=="]])


class ConsistencyProofOut(BaseModel):
    """RFC 9162 PROOF(first, D[second]): the tree of ``second`` extends that of ``first``."""

    first: int = Field(examples=[40])
    second: int = Field(examples=[42])
    first_root: str = Field(description="The root at size first, base64.", examples=["AbC=="])
    second_root: str = Field(description="The root at size second, base64.", examples=["DeF=="])
    proof: list[str] = Field(description="The proof, base64 hashes.", examples=[["AbC=="]])


class WitnessIn(BaseModel):
    """A party's co-signature of the latest checkpoint, made on the party's own machine."""

    size: int = Field(
        ge=0, le=_MAX_SIZE, description="The size of the checkpoint co-signed.", examples=[42]
    )
    cosignature: str = Field(
        min_length=8,
        max_length=500,
        description="The signature line, '— <party> <base64(key id || signature)>', by the "
        "party's registered key over the checkpoint's text.",
        examples=["— UA AbCdEf..."],
    )


@router.get("/log", summary="The log's size, root and latest checkpoint", openapi_extra=PUBLIC)
async def log_head(principal: MaybePrincipal, uow: Unit, backend: BackendDep) -> LogOut:
    """Public: the size and root of the log now, and its latest signed checkpoint."""
    # Among the most read: no hop to the thread pool on SQLite (Backend.read).
    head = await backend.read(ledger.log_head, uow, principal)
    return LogOut(
        size=head.size,
        root=b64(head.root),
        checkpoints=head.checkpoints,
        latest_checkpoint=checkpoint_out(head.latest) if head.latest else None,
    )


@router.get("/log/checkpoints", summary="List the signed checkpoints", openapi_extra=PUBLIC)
def list_checkpoints(principal: MaybePrincipal, uow: Unit, paging: Paging) -> Page[CheckpointOut]:
    """Public: every signed checkpoint, oldest first. A co-signed checkpoint appears again,
    after the one it co-signs, with the witness's signature line added."""
    stored = ledger.log_checkpoints(uow, principal)
    chosen = stored[paging.offset : paging.offset + paging.limit]
    return page_of([checkpoint_out(c) for c in chosen], paging, total=len(stored))


@router.get("/log/entries", summary="Read the log's entries", openapi_extra=PUBLIC)
def list_entries(
    principal: MaybePrincipal,
    uow: Unit,
    paging: Paging,
    after: Annotated[
        int | None,
        Query(ge=0, le=_MAX_SIZE, description="Entries numbered above this (the same as offset)."),
    ] = None,
    form: Annotated[
        Literal["json", "base64"],
        Query(description="json: each entry as an object; base64: its exact canonical bytes."),
    ] = "json",
) -> Page[EntryOut]:
    """Public: the entries in order, people only as salted commitments, never a name."""
    start = paging.offset if after is None else after
    found = ledger.log_entries(uow, principal, after=start, limit=paging.limit)
    items = [
        EntryOut(seq=found.first_seq + i, entry=json.loads(raw))
        if form == "json"
        else EntryOut(seq=found.first_seq + i, canonical=b64(raw))
        for i, raw in enumerate(found.entries)
    ]
    return page_of(items, PageParams(paging.limit, start), total=found.size)


@router.get("/log/proofs/inclusion", summary="Prove an entry is in the log", openapi_extra=PUBLIC)
def inclusion_proof(
    principal: MaybePrincipal,
    uow: Unit,
    index: Annotated[
        int, Query(ge=0, le=_MAX_SIZE, description="The leaf index: the entry's seq - 1.")
    ],
    size: Annotated[
        int | None,
        Query(
            ge=0,
            le=_MAX_SIZE,
            description="The tree size to prove against; default the latest checkpoint's.",
        ),
    ] = None,
) -> InclusionProofOut:
    """Public: the audit path of an entry in the tree of ``size`` entries, with that
    tree's root (check it with ``merkle.verify_inclusion``)."""
    found = ledger.inclusion_proof(uow, principal, index=index, size=size)
    return InclusionProofOut(
        index=found.index, size=found.size, root=b64(found.root),
        proof=[b64(p) for p in found.proof],
    )  # fmt: skip


@router.get("/log/proofs/consistency", summary="Prove the log only grew", openapi_extra=PUBLIC)
def consistency_proof(
    principal: MaybePrincipal,
    uow: Unit,
    first: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="The older tree size.")],
    second: Annotated[
        int | None,
        Query(
            ge=1,
            le=_MAX_SIZE,
            description="The newer tree size; default the latest checkpoint's.",
        ),
    ] = None,
) -> ConsistencyProofOut:
    """Public: the proof that the tree of ``second`` entries extends the tree of ``first``
    (check it with ``merkle.verify_consistency``)."""
    found = ledger.consistency_proof(uow, principal, first=first, second=second)
    return ConsistencyProofOut(
        first=found.first,
        second=found.second,
        first_root=b64(found.first_root),
        second_root=b64(found.second_root),
        proof=[b64(p) for p in found.proof],
    )


@router.post(
    "/log/checkpoints",
    status_code=status.HTTP_201_CREATED,
    summary="Sign a checkpoint of the log",
)
def sign_checkpoint(
    principal: CurrentPrincipal, uow: Unit, backend: BackendDep, now: Now
) -> CheckpointOut:
    """Sign the log as it stands with the server's mediator key (``PARLEY_MEDIATOR_KEY``);
    the mediator. A server without that key answers 409: sign with
    ``parley log checkpoint --key KEY`` instead."""
    settings = backend.settings
    key = functools.partial(_mediator_key, settings)
    stored = ledger.sign_checkpoint(uow, principal, key, origin=settings.log_origin, now=now)
    return checkpoint_out(stored)


def _mediator_key(settings: Settings) -> SigningKey | None:
    """The mediator's key from the server's settings, or None when none is set.

    Raises:
        InvalidValue: the key file cannot be read, or its passphrase is wrong.
    """
    if not settings.mediator_key:
        return None
    secret = settings.mediator_key_passphrase
    return load_signing_key(Path(settings.mediator_key), secret.encode() if secret else None)


@router.post("/log/witness", summary="Co-sign the latest checkpoint as a witness")
def witness_checkpoint(
    body: WitnessIn, principal: CurrentPrincipal, uow: Unit, now: Now
) -> CheckpointOut:
    """Add a party's co-signature to the latest checkpoint; a party, for itself only.

    The party's witness first reads the latest checkpoint (``GET /log``) and the
    consistency proof from the last one it co-signed (``GET /log/proofs/consistency``),
    checks both with the mediator's key, and signs the checkpoint's text with its own
    key (``parley.ledger.notes.Witness``); its private key never reaches this server."""
    stored = ledger.add_cosignature(uow, principal, size=body.size, line=body.cosignature, now=now)
    return checkpoint_out(stored)
