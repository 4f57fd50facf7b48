"""Reading the public log as an observer does, and a witness's co-signature sent in.

Anyone may read the log: its size and root, its signed checkpoints, its entries (people
appear only as salted commitments) and the RFC 9162 proofs that tie an entry to a
checkpoint and one checkpoint to the next. With these, ``parley verify`` or any RFC 9162
client checks the whole log without trusting the server.

A party's witness co-signs on its own machine, with its own key, after checking the
consistency proof from the last checkpoint it co-signed (``parley.ledger.notes.Witness``);
``add_cosignature`` only checks that co-signature against the party's registered key and
adds it to the checkpoint, so the server never holds a party's private key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from parley.errors import Conflict, InvalidValue, NotFound, NotPermitted, VerificationFailed
from parley.ledger.keys import VerifierKey
from parley.ledger.notes import Checkpoint, Signature, open_checkpoint, parse_note
from parley.services.ports import KeyUnitOfWork, LogUnitOfWork, StoredCheckpoint

__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "LogEntries",
    "LogHead",
    "WitnessUnitOfWork",
    "add_cosignature",
    "checkpoint_of",
    "consistency_proof",
    "inclusion_proof",
    "log_checkpoints",
    "log_entries",
    "log_head",
]


class WitnessUnitOfWork(LogUnitOfWork, KeyUnitOfWork, Protocol):
    """A unit of work that reaches the public log and the registered keys."""


@dataclass(frozen=True, slots=True)
class LogHead:
    """The log as it stands: its size and root now, and its latest signed checkpoint."""

    size: int
    root: bytes
    latest: StoredCheckpoint | None
    checkpoints: int


@dataclass(frozen=True, slots=True)
class LogEntries:
    """A run of canonical entries: the first's sequence number, and the log's size."""

    first_seq: int
    entries: tuple[bytes, ...]
    size: int


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """RFC 9162 PATH(index, D[size]) and the root it leads to."""

    index: int
    size: int
    root: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """RFC 9162 PROOF(first, D[second]) and the roots at both sizes."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: tuple[bytes, ...]


def log_head(uow: LogUnitOfWork) -> LogHead:
    """The log's size, root and latest checkpoint."""
    with uow:
        checkpoints = uow.log.checkpoints()
        size = uow.log.size()
        latest = checkpoints[-1] if checkpoints else None
        return LogHead(size, uow.log.root(size), latest, len(checkpoints))


def log_checkpoints(uow: LogUnitOfWork) -> list[StoredCheckpoint]:
    """Every signed checkpoint, oldest first (a co-signed one again after the original)."""
    with uow:
        return uow.log.checkpoints()


def log_entries(uow: LogUnitOfWork, *, after: int, limit: int) -> LogEntries:
    """Up to ``limit`` canonical entries numbered above ``after``, in order.

    Raises:
        InvalidValue: ``after`` is negative or ``limit`` is not positive.
    """
    if after < 0:
        raise InvalidValue("after", f"must be 0 or more (got {after})")
    if limit < 1:
        raise InvalidValue("limit", f"must be 1 or more (got {limit})")
    with uow:
        size = uow.log.size()
        return LogEntries(after + 1, tuple(uow.log.entries(after=after, limit=limit)), size)


def inclusion_proof(uow: LogUnitOfWork, *, index: int, size: int | None = None) -> InclusionProof:
    """The inclusion proof of leaf ``index`` (entry ``index + 1``) in the tree of ``size``
    leaves (default: the latest checkpoint's size, else the log's size).

    Raises:
        InvalidValue: the size is not one the log has had, or ``index`` is not below it.
    """
    with uow:
        size = _default_size(uow) if size is None else size
        proof = uow.log.inclusion_proof(index, size)
        return InclusionProof(index, size, uow.log.root(size), tuple(proof))


def consistency_proof(
    uow: LogUnitOfWork, *, first: int, second: int | None = None
) -> ConsistencyProof:
    """The proof that the tree of ``second`` leaves (default: the latest checkpoint's
    size, else the log's size) extends the tree of ``first`` leaves.

    Raises:
        InvalidValue: ``second`` is not a size the log has had, or ``first`` is not 1 to
            ``second``.
    """
    with uow:
        second = _default_size(uow) if second is None else second
        proof = uow.log.consistency_proof(first, second)
        return ConsistencyProof(
            first, second, uow.log.root(first), uow.log.root(second), tuple(proof)
        )


def _default_size(uow: LogUnitOfWork) -> int:
    checkpoints = uow.log.checkpoints()
    return checkpoints[-1].size if checkpoints else uow.log.size()


def add_cosignature(
    uow: WitnessUnitOfWork, party: str, size: int, line: str, *, now: datetime
) -> StoredCheckpoint:
    """Add ``party``'s co-signature ``line`` (``— UA <base64>``) to the latest checkpoint.

    The witness checked, on its own machine, that the checkpoint extends the last one it
    co-signed; here the co-signature must be by ``party``'s registered key over the
    latest checkpoint's text, which must be of ``size`` entries. A co-signature the
    checkpoint carries already changes nothing.

    Raises:
        InvalidValue: ``line`` is not a signature line.
        NotPermitted: the line is signed in another name than ``party``.
        NotFound: no checkpoint was signed yet, or ``party`` has no registered key.
        Conflict: the latest checkpoint is not of ``size`` entries (the log moved on:
            co-sign the new one).
        VerificationFailed: the co-signature does not verify with ``party``'s key.
    """
    signature = Signature.parse(line.strip().removesuffix("\n"))
    if signature.name != party:
        raise NotPermitted(
            f"a co-signature by {signature.name} cannot be sent in the name of {party}: "
            "each party co-signs with its own key"
        )
    with uow:
        uow.log.hold()  # two witnesses at once would each add to the note without the other
        stored = uow.log.checkpoints()
        if not stored:
            raise NotFound("no checkpoint was signed yet: nothing to co-sign")
        latest = stored[-1]
        if latest.size != size:
            raise Conflict(
                f"the latest checkpoint is of size {latest.size:,}, not {size:,}: "
                "check the consistency proof to it and co-sign that one"
            )
        registered = uow.keys.get(party)
        if registered is None:
            raise NotFound(f"party {party} has no registered key to check its co-signature by")
        _verify_cosignature(latest, registered.key, signature)
        note = parse_note(latest.note)
        if any((s.name, s.key_id) == (signature.name, signature.key_id) for s in note.signatures):
            return latest
        result = StoredCheckpoint(
            latest.size, note.with_signature(signature).format(), latest.log_key
        )
        uow.log.add_checkpoint(result, now)
        uow.commit()
    return result


def _verify_cosignature(latest: StoredCheckpoint, key: VerifierKey, signature: Signature) -> None:
    """Check ``signature`` by ``key`` over the text of the checkpoint ``latest``.

    Raises:
        VerificationFailed: the key id is not the registered key's, or the signature fails.
    """
    checkpoint, note = open_checkpoint(latest.note, VerifierKey.parse(latest.log_key))
    if signature.key_id != key.key_id:
        raise VerificationFailed(
            f"the co-signature's key id {signature.key_id.hex()} is not that of {key.name}'s "
            f"registered key ({key.key_id.hex()})"
        )
    try:
        key.verify(signature.signature, note.text.encode())
    except VerificationFailed as e:
        raise VerificationFailed(
            f"{key.name}'s co-signature does not verify over the checkpoint of size "
            f"{checkpoint.size:,}"
        ) from e


def checkpoint_of(stored: StoredCheckpoint) -> Checkpoint:
    """The checkpoint (origin, size, root) a stored note signs."""
    return Checkpoint.parse(parse_note(stored.note).text)
