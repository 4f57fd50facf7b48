"""Receipts: what a person's family holds to check the public log for that person.

A receipt (``parley.ledger.receipt_format``: the format, its JSON and text forms) holds
the person record and its salt, every entry that names the person's commitment with an
inclusion proof, and the signed checkpoint those proofs lead to. ``verify_receipt``
checks it with the mediator's key alone, and, given a log export, also that the export
verifies and holds the same entries, byte for byte.

A receipt is personal data: its salt lets whoever holds it link the person to their
entries in the public log, which otherwise name no one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parley.errors import VerificationFailed
from parley.ledger import merkle
from parley.ledger.canonical import canonical
from parley.ledger.entries import commitment, person_record
from parley.ledger.keys import VerifierKey
from parley.ledger.notes import Checkpoint, Note, open_checkpoint, verify_note
from parley.ledger.receipt_format import (
    FORMAT,
    MAX_RECEIPT_BYTES,
    TEXT_PREFIX,
    VERSION,
    Receipt,
    ReceiptEntry,
    read_receipt,
)
from parley.ledger.verify import LogReport, verify_log

__all__ = [
    "FORMAT",
    "MAX_RECEIPT_BYTES",
    "TEXT_PREFIX",
    "VERSION",
    "Appearance",
    "Receipt",
    "ReceiptEntry",
    "ReceiptReport",
    "names_commitment",
    "read_receipt",
    "verify_receipt",
]


def names_commitment(entry: Mapping[str, Any], person: str) -> bool:
    """Whether the commitment ``person`` is a value in the entry's ``data``, at any depth."""
    pending: list[object] = [entry.get("data")]
    while pending:
        value = pending.pop()
        if isinstance(value, str) and value == person:
            return True
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


@dataclass(frozen=True, slots=True)
class Appearance:
    """One entry naming the person: its number, type, time and any state it records."""

    seq: int
    type: str
    time: str
    change: tuple[str, str] | None = None
    tranche: int | None = None

    @property
    def when(self) -> str:
        """``2025-05-16 09:02:11 UTC``."""
        return f"{self.time[:10]} {self.time[11:19]} UTC"

    def describe(self) -> str:
        """``entry 5, 2025-05-16 09:02:11 UTC: HoldingStatusChanged (detained → eligible)``."""
        change = f" ({self.change[0]} → {self.change[1]})" if self.change else ""
        where = f", tranche {self.tranche}" if self.tranche is not None else ""
        return f"entry {self.seq}, {self.when}: {self.type}{change}{where}"


@dataclass(frozen=True, slots=True)
class ReceiptReport:
    """What a verified receipt shows.

    ``witnesses`` are the parties whose co-signature of the receipt's checkpoint (on the
    receipt or, at the same size and root, in the export) verified; ``log`` is the
    export's report when one was checked.
    """

    kind: str
    party: str
    record_id: str
    commitment: str
    checkpoint: Checkpoint
    log_key: VerifierKey
    appearances: tuple[Appearance, ...]
    witnesses: tuple[str, ...]
    log: LogReport | None

    @property
    def latest(self) -> Appearance:
        """The latest entry about the person."""
        return self.appearances[-1]

    def _first(self, kind: str) -> Appearance | None:
        return next((a for a in self.appearances if a.type == kind), None)

    @property
    def sealed(self) -> Appearance | None:
        """The entry sealing a manifest (signed by both parties and the mediator) that
        lists the person, if any."""
        return self._first("ManifestSealed")

    @property
    def handed_over(self) -> Appearance | None:
        """The entry recording the person's handover, if any."""
        return self._first("PersonHandedOver")

    @property
    def received(self) -> Appearance | None:
        """The entry recording that the person was received, if any: only then are they
        exchanged."""
        return self._first("PersonReceived")

    def explain(self) -> list[str]:
        """The person's entries in plain words, for the family, one line each."""
        n = len(self.appearances)
        where = f"the public log {self.checkpoint.origin}"
        lines = [
            f"{self.kind} {self.record_id} of party {self.party} appears in "
            f"{n} {'entry' if n == 1 else 'entries'} of {where}:"
        ]
        lines += [f"  {a.describe()}" for a in self.appearances]
        if self.kind == "holding":
            sealed, handed, received = self.sealed, self.handed_over, self.received
            lines.append(
                "on a manifest signed by both parties and the mediator: "
                + (f"yes (tranche {sealed.tranche}, entry {sealed.seq})" if sealed else "no")
            )
            lines.append(
                "handed over: "
                + (f"yes, {handed.when} (entry {handed.seq})" if handed else "not yet")
            )
            lines.append(
                "received: "
                + (f"yes, {received.when} (entry {received.seq})" if received else "not yet")
            )
        lines.append(f"the latest about this person: {self.latest.describe()}")
        return lines


def verify_receipt(
    receipt: Receipt,
    log_key: VerifierKey,
    *,
    witnesses: Sequence[VerifierKey] = (),
    log_lines: Iterable[bytes] | None = None,
) -> ReceiptReport:
    """Check a receipt with the mediator's key and, when given, a log export.

    Checks that salt and person record give the commitment; that the checkpoint is
    signed by ``log_key``; that each entry names the commitment in its data and is, by
    its proof, in the tree the checkpoint signs; and each co-signature by a
    ``witnesses`` key. With ``log_lines`` (an export, as for ``verify_log``), also that
    the export verifies, is signed by ``log_key`` for the same origin, holds each entry
    byte for byte under its number, and that its first entries hash to the root signed.

    Raises:
        VerificationFailed: the first check that failed, in words that name no one.
    """
    record = person_record(receipt.kind, receipt.party, receipt.record_id)
    try:
        made = commitment(receipt.salt, record)
    except ValueError as e:  # a salt of another length
        raise VerificationFailed(f"receipt: {e}") from e
    if made != receipt.commitment:
        raise VerificationFailed(
            "receipt: the salt and the person record do not give the receipt's commitment "
            "(wrong salt, or a changed record)"
        )
    try:
        checkpoint, note = open_checkpoint(receipt.checkpoint, log_key)
    except VerificationFailed as e:
        raise VerificationFailed(f"receipt checkpoint: {e}") from e
    appearances = tuple(
        _appearance(item, receipt.commitment, checkpoint) for item in receipt.entries
    )
    cosigners = _cosigners(note, [k for k in witnesses if k != log_key])
    log = None
    if log_lines is not None:
        log = _check_export(receipt, checkpoint, log_key, witnesses, log_lines)
        for seen in log.checkpoints:
            if (seen.checkpoint.size, seen.checkpoint.root_hash) == (
                checkpoint.size,
                checkpoint.root_hash,
            ):
                cosigners += tuple(name for name in seen.witnesses if name not in cosigners)
    return ReceiptReport(
        receipt.kind,
        receipt.party,
        receipt.record_id,
        receipt.commitment,
        checkpoint,
        log_key,
        appearances,
        cosigners,
        log,
    )


def _appearance(item: ReceiptEntry, person: str, checkpoint: Checkpoint) -> Appearance:
    where = f"receipt entry {item.seq}"
    if item.seq > checkpoint.size:
        raise VerificationFailed(
            f"{where}: beyond the {checkpoint.size} entries its checkpoint signs"
        )
    try:
        value = json.loads(item.entry)
    except (ValueError, RecursionError) as e:
        raise VerificationFailed(f"{where}: is not JSON") from e
    if not isinstance(value, dict) or value.get("seq") != item.seq:
        raise VerificationFailed(f"{where}: is not a log entry numbered {item.seq}")
    kind, time = value.get("type"), value.get("time")
    if not isinstance(kind, str) or not isinstance(time, str):
        raise VerificationFailed(f"{where}: has no type or time")
    if not names_commitment(value, person):
        raise VerificationFailed(f"{where}: does not name the receipt's commitment in its data")
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(item.entry),
            item.seq - 1,
            checkpoint.size,
            item.proof,
            checkpoint.root_hash,
        )
    except VerificationFailed as e:
        raise VerificationFailed(f"{where}: is not in the log its checkpoint signs: {e}") from e
    data = value["data"]
    tranche = data.get("tranche") if isinstance(data, dict) else None
    return Appearance(
        item.seq, kind, time, _change(data), tranche if type(tranche) is int else None
    )


def _change(data: object) -> tuple[str, str] | None:
    """The (from, to) state an entry records, if it records one."""
    if not isinstance(data, dict):
        return None
    for before, after in (("from_status", "to_status"), ("from_state", "to_state")):
        if isinstance(data.get(before), str) and isinstance(data.get(after), str):
            return data[before], data[after]
    return None


def _cosigners(note: Note, witnesses: Sequence[VerifierKey]) -> tuple[str, ...]:
    if not any(
        (s.name, s.key_id) == (k.name, k.key_id) for s in note.signatures for k in witnesses
    ):
        return ()
    try:
        return tuple(key.name for key in verify_note(note, witnesses))
    except VerificationFailed as e:
        raise VerificationFailed(f"receipt checkpoint: witness {e}") from e


class _RunningRoot:
    """The RFC 9162 root of the leaves appended so far, from one subtree per bit of size."""

    def __init__(self) -> None:
        self.size = 0
        self.subtrees: list[bytes] = []  # the complete subtrees, largest first

    def append(self, leaf: bytes) -> None:
        self.subtrees.append(leaf)
        n = self.size
        while n & 1:  # the new subtree and its left neighbour make one twice as large
            right = self.subtrees.pop()
            self.subtrees[-1] = merkle.node_hash(self.subtrees[-1], right)
            n >>= 1
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves so far: the subtrees folded from the right (RFC 9162 2.1.1)."""
        if not self.subtrees:
            return merkle.EMPTY_ROOT
        result = self.subtrees[-1]
        for subtree in reversed(self.subtrees[:-1]):
            result = merkle.node_hash(subtree, result)
        return result


class _ExportCheck:
    """Called with each entry of the export: compares the receipt's, hashes up to size."""

    def __init__(self, receipt: Receipt, size: int) -> None:
        self.wanted = {item.seq: item.entry for item in receipt.entries}
        self.size = size
        self.tree = _RunningRoot()

    def __call__(self, value: dict[str, Any]) -> None:
        seq = value["seq"]
        if seq > self.size:
            return
        line = canonical(value)  # verify_log has checked that the line is exactly this
        self.tree.append(merkle.leaf_hash(line))
        if seq in self.wanted and self.wanted[seq] != line:
            raise VerificationFailed(f"differs from the receipt's entry {seq}")


def _check_export(
    receipt: Receipt,
    checkpoint: Checkpoint,
    log_key: VerifierKey,
    witnesses: Sequence[VerifierKey],
    lines: Iterable[bytes],
) -> LogReport:
    check = _ExportCheck(receipt, checkpoint.size)
    try:
        report = verify_log(lines, witnesses=witnesses, on_entry=check)
    except VerificationFailed as e:
        raise VerificationFailed(f"log export: {e}") from e
    if report.log_key != log_key:
        raise VerificationFailed(
            f"log export: signed by {report.log_key.to_text()}, not by the log key given "
            f"({log_key.to_text()})"
        )
    if report.origin != checkpoint.origin:
        raise VerificationFailed(
            f"log export: is the log {report.origin!r}, not {checkpoint.origin!r} of the receipt"
        )
    if report.entries < checkpoint.size:
        raise VerificationFailed(
            f"log export: holds {report.entries} entries, fewer than the {checkpoint.size} "
            "the receipt's checkpoint signs (an export older than the receipt?)"
        )
    if check.tree.root() != checkpoint.root_hash:
        found = base64.b64encode(check.tree.root()).decode()
        raise VerificationFailed(
            f"log export: its first {checkpoint.size} entries hash to {found}, not to the "
            "root the receipt's checkpoint signs: the log key signed two different histories"
        )
    return report
