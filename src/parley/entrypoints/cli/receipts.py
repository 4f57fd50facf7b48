"""``parley receipt`` and ``parley verify --receipt``: a person's receipt, and its check.

The mediator writes the receipt of one person record for that person's family; the
family (or anyone they show it to) checks it with the mediator's public key, and
against the published log export. docs/ledger.md ("Receipts") tells the story.
"""

from __future__ import annotations

import base64
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, out
from parley.errors import ExportFailed, NotFound
from parley.ledger.keys import VerifierKey, load_verifier_key
from parley.ledger.notes import Checkpoint, parse_note
from parley.ledger.receipts import (
    MAX_RECEIPT_BYTES,
    Receipt,
    ReceiptReport,
    read_receipt,
    verify_receipt,
)
from parley.services.receipts import issue_receipt

__all__ = ["check_receipt", "receipt"]


class RecordKind(StrEnum):
    """Which of a party's records: a person it holds, or a person it asks back."""

    HOLDING = "holding"
    REQUEST = "request"


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def receipt(
    party: Annotated[str, typer.Option("--party", help="The party whose record it is.")],
    record_id: Annotated[str, typer.Option("--record", help="The record id, e.g. RU-H-000017.")],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The receipt file to write (mode 0600).")
    ],
    kind: Annotated[
        RecordKind, typer.Option("--kind", help="holding (a person the party holds) or request.")
    ] = RecordKind.HOLDING,
    text: Annotated[
        bool,
        typer.Option("--text", help="Write the one-line text form (to print, or as a QR code)."),
    ] = False,
) -> None:
    """Write the receipt of one person record, for the person's family: the salt, the
    entries naming the person, their proofs and the signed checkpoint. It is personal
    data: the salt links the person to their entries in the public log."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    made = issue_receipt(uow, kind.value, party.upper(), record_id)
    data = (made.to_text() + "\n").encode("ascii") if text else made.to_json() + b"\n"
    _write_private(out_file, data)
    size = _checkpoint_size(made)
    form = "text form" if text else "JSON"
    _say(
        f"receipt of {kind.value} {made.party}/{made.record_id} written to {out_file} ({form}): "
        f"{counted(len(made.entries), 'entries')}, proved against the checkpoint of size {size:,}"
    )
    _say("it holds the salt that links this person to the public log: give it to the family only")


def _checkpoint_size(made: Receipt) -> int:
    return Checkpoint.parse(parse_note(made.checkpoint).text).size


def _write_private(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, readable by its owner only (personal data)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        partial.replace(path)
    except OSError as e:
        raise ExportFailed(f"cannot write {path}: {e.strerror}") from e
    finally:
        partial.unlink(missing_ok=True)


def check_receipt(
    path: Path | None,
    log_key_file: Path | None,
    witnesses: list[VerifierKey],
    log_export: Path | None,
    *,
    stray: Path | None = None,
    mixed: bool = False,
) -> None:
    """Verify a receipt file (either form) and print what it shows, for the family.

    ``stray`` is a LOG_EXPORT argument given beside ``--receipt``, ``mixed`` whether
    ``--database`` or ``--signature`` was: usage errors, since a receipt is checked on
    its own, against the export given with ``--log``.

    Raises:
        typer.BadParameter: no receipt, no log key, an export given as an argument, or
            another kind of check asked for at once.
        NotFound: a file cannot be read.
        VerificationFailed: the receipt, or the export, does not verify.
    """
    if path is None:
        raise typer.BadParameter("--log checks a receipt against an export: give --receipt FILE")
    if mixed:
        raise typer.BadParameter(
            "--receipt is checked on its own, not with --database or --signature"
        )
    if stray is not None:
        raise typer.BadParameter(
            "with --receipt, give the log export with --log", param_hint="LOG_EXPORT"
        )
    if log_key_file is None:
        raise typer.BadParameter(
            "a receipt is checked with the mediator's public key: give --log-key MEDIATOR.pub",
            param_hint="--log-key",
        )
    log_key = load_verifier_key(log_key_file)
    try:
        with path.open("rb") as file:
            made = read_receipt(file.read(2 * MAX_RECEIPT_BYTES + 1))
        if log_export is None:
            report = verify_receipt(made, log_key, witnesses=witnesses)
        else:
            with log_export.open("rb") as lines:
                report = verify_receipt(made, log_key, witnesses=witnesses, log_lines=lines)
    except OSError as e:
        raise NotFound(f"cannot read {e.filename}: {e.strerror}") from e
    _show(path, report, [k.name for k in witnesses], log_export)


def _show(path: Path, report: ReceiptReport, witnesses: list[str], log_export: Path | None) -> None:
    _say(f"{path} verifies")
    for line in report.explain():
        _say(line)
    checkpoint = report.checkpoint
    root = base64.b64encode(checkpoint.root_hash).decode()
    signer = report.log_key.name
    _say(f"signed by {signer} in the checkpoint of size {checkpoint.size:,}, root {root}")
    if not witnesses:
        _say("co-signatures not checked (give --witness UA.pub --witness RU.pub)")
    else:
        missing = [name for name in witnesses if name not in report.witnesses]
        cosigned = f"co-signed by {', '.join(report.witnesses) or 'no one'}"
        _say(cosigned + (f"; not by {', '.join(missing)}" if missing else ""))
    if report.log is None:
        _say("not checked against the public log (give --log LOG_EXPORT)")
    else:
        entries = counted(report.log.entries, "entries")
        _say(f"checked against {log_export}: it verifies ({entries}) and holds the same entries")
