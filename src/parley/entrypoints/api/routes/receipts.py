"""Routes of the API: a person's receipt, issued by the mediator and checked by anyone.

A receipt proves to a family that their person was on a manifest both parties and the
mediator signed, and was handed over and received, without the public log ever naming
anyone (DESIGN.md, "Report and verify"). It holds the salt that links the person to the
log's entries, so it is personal data: the mediator issues it for the family only. The
family checks it here without an account, or offline with ``parley verify --receipt``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from parley.entrypoints.api.deps import BackendDep, CurrentPrincipal
from parley.entrypoints.api.routes.log import LogReader, b64
from parley.ledger.notes import Checkpoint, parse_note
from parley.ledger.receipt_format import MAX_RECEIPT_BYTES
from parley.ledger.receipts import Appearance
from parley.services.secured import ledger

__all__ = ["router"]

router = APIRouter(tags=["receipts"])


class ReceiptIn(BaseModel):
    """Which person record to issue the receipt of (ids only: a name is never sent)."""

    side: str = Field(
        pattern=r"^[A-Z][A-Z0-9]{1,7}$",
        description="The party whose record it is: for a holding, the releasing side.",
        examples=["UA"],
    )
    record_id: str = Field(
        min_length=1, max_length=64, description="The record's id.", examples=["UA-1"]
    )
    kind: Literal["holding", "request"] = Field(
        default="holding",
        description="holding: a person the party holds; request: a person it asks back.",
        examples=["holding"],
    )


class ReceiptOut(BaseModel):
    """A receipt, in its two forms: give one of them to the family, and to no one else."""

    kind: str = Field(examples=["holding"])
    party: str = Field(examples=["UA"])
    record_id: str = Field(examples=["UA-1"])
    entries: int = Field(description="Entries of the log that name the person.", examples=[4])
    checkpoint_size: int = Field(
        description="The signed checkpoint its proofs lead to.", examples=[42]
    )
    text: str = Field(
        description="The one-line text form, to print or show as a QR code.",
        examples=["parley-receipt:1:eJy..."],
    )
    receipt_json: str = Field(
        description="The JSON form (canonical JSON), as a string.",
        examples=['{"checkpoint":"...","commitment":"...","entries":[...]}'],
    )


class ReceiptCheckIn(BaseModel):
    """A receipt to check, in either form."""

    receipt: str = Field(
        min_length=1,
        max_length=2 * MAX_RECEIPT_BYTES,
        description="The receipt's text form (parley-receipt:1:...) or its JSON form.",
        examples=["parley-receipt:1:eJy..."],
    )


class AppearanceOut(BaseModel):
    """One entry of the log that names the person."""

    seq: int = Field(examples=[17])
    type: str = Field(examples=["PersonHandedOver"])
    time: str = Field(examples=["2025-05-23T09:02:11Z"])
    change: list[str] | None = Field(
        default=None, description="The state it records: [from, to].", examples=[None]
    )
    tranche: int | None = Field(default=None, examples=[1])


class ReceiptCheckOut(BaseModel):
    """What a receipt that verified shows: where the person stands, proved by the log."""

    verified: bool = Field(
        description="Always true: a receipt that fails answers 422.", examples=[True]
    )
    kind: str = Field(examples=["holding"])
    party: str = Field(examples=["UA"])
    record_id: str = Field(examples=["UA-1"])
    on_signed_manifest: bool = Field(
        description="On a manifest signed by both parties and the mediator.", examples=[True]
    )
    tranche: int | None = Field(
        description="The tranche of that manifest, if it is on one.", examples=[1]
    )
    handed_over: bool = Field(examples=[True])
    handed_over_at: str | None = Field(examples=["2025-05-23 09:02:11 UTC"])
    received: bool = Field(
        description="Received by the other side: only then exchanged.", examples=[True]
    )
    received_at: str | None = Field(examples=["2025-05-23 09:03:40 UTC"])
    checkpoint_size: int = Field(examples=[42])
    checkpoint_root: str = Field(examples=["3q2+7w...="])
    cosigned_by: list[str] = Field(
        description="The parties whose co-signature of that checkpoint verified.",
        examples=[["UA", "RU"]],
    )
    appearances: list[AppearanceOut]
    explanation: list[str] = Field(
        description="The same, in plain words for the family.",
        examples=[["holding UA-1 of party UA appears in 4 entries of the public log ..."]],
    )


def _appearance(a: Appearance) -> AppearanceOut:
    return AppearanceOut(
        seq=a.seq, type=a.type, time=a.time, change=list(a.change) if a.change else None,
        tranche=a.tranche,
    )  # fmt: skip


@router.post("/receipts", status_code=status.HTTP_201_CREATED, summary="Issue a receipt")
def issue_receipt(
    body: ReceiptIn, request: Request, principal: CurrentPrincipal, uow: LogReader
) -> ReceiptOut:
    """The receipt of one person record, for the person's family (the mediator). Every
    entry naming the person must be covered by a signed checkpoint first."""
    request.state.object_id = f"{body.side}/{body.record_id}"  # for the access log
    made = ledger.issue_receipt(
        uow, principal, kind=body.kind, side=body.side, record_id=body.record_id
    )
    size = Checkpoint.parse(parse_note(made.checkpoint).text).size
    return ReceiptOut(
        kind=made.kind,
        party=made.party,
        record_id=made.record_id,
        entries=len(made.entries),
        checkpoint_size=size,
        text=made.to_text(),
        receipt_json=made.to_json().decode("utf-8"),
    )


@router.post("/receipts/verify", summary="Check a receipt against the log")
def verify_receipt(
    body: ReceiptCheckIn, request: Request, backend: BackendDep, uow: LogReader
) -> ReceiptCheckOut:
    """Public, no login: check a receipt's commitment, signed checkpoint and proofs against
    this server's log, and say whether the person was on a signed manifest, handed over
    and received. A forged, changed or truncated receipt answers 422 naming the check that
    failed (never a person). Limited per client address, as it works for anyone."""
    backend.limiter.check("public", request.client.host if request.client else "-")
    report = ledger.check_receipt(uow, body.receipt)
    sealed, handed, received = report.sealed, report.handed_over, report.received
    return ReceiptCheckOut(
        verified=True,
        kind=report.kind,
        party=report.party,
        record_id=report.record_id,
        on_signed_manifest=sealed is not None,
        tranche=sealed.tranche if sealed else None,
        handed_over=handed is not None,
        handed_over_at=handed.when if handed else None,
        received=received is not None,
        received_at=received.when if received else None,
        checkpoint_size=report.checkpoint.size,
        checkpoint_root=b64(report.checkpoint.root_hash),
        cosigned_by=list(report.witnesses),
        appearances=[_appearance(a) for a in report.appearances],
        explanation=report.explain(),
    )
