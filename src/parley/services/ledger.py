"""Use cases of the public log: sign a checkpoint, witness it, export the log.

The mediator signs checkpoints (``parley log checkpoint``); each party's witness
co-signs one only after checking that it extends the last one that party co-signed
(``parley log witness``), so the operator can neither rewrite history nor show the two
sides different logs. ``parley log export`` writes what observers need to check all of
it with ``parley verify``: the entries (people only as commitments) and the checkpoints.
``parley verify --database`` is the operator's own check of the log as stored
(``parley.services.log_check``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO

from parley.errors import NotFound, VerificationFailed
from parley.ledger.keys import SigningKey, VerifierKey
from parley.ledger.notes import Checkpoint, Witness, WitnessState, open_checkpoint, parse_note
from parley.ledger.verify import write_log
from parley.services.ports import LogUnitOfWork, StoredCheckpoint

__all__ = ["export_log", "sign_checkpoint", "witness_checkpoint"]

_PAGE = 10_000


def sign_checkpoint(
    uow: LogUnitOfWork, key: SigningKey, *, origin: str, now: datetime
) -> StoredCheckpoint:
    """Sign the log as it stands with the mediator's ``key`` and keep the checkpoint.

    Raises:
        VerificationFailed: earlier checkpoints were signed by another key, or for
            another origin (one log, one key, one origin: observers check every
            checkpoint with the key and origin in the export's header).
    """
    with uow:
        uow.log.hold()
        log_key = key.verifier.to_text()
        earlier_checkpoints = uow.log.checkpoints()
        for earlier in earlier_checkpoints:
            if earlier.log_key != log_key:
                raise VerificationFailed(
                    f"the log's checkpoints are signed by {earlier.log_key.split('+')[0]}, "
                    f"not {key.name}; sign with the log's key"
                )
        if earlier_checkpoints:
            _check_origin(earlier_checkpoints[0], origin)
        size = uow.log.size()
        note = Checkpoint(origin, size, uow.log.root(size)).sign(key)
        checkpoint = StoredCheckpoint(size, note.format(), log_key)
        uow.log.add_checkpoint(checkpoint, now)
        uow.commit()
    return checkpoint


def witness_checkpoint(
    uow: LogUnitOfWork,
    witness: Witness,
    *,
    now: datetime,
    keep: Callable[[WitnessState], None],
) -> StoredCheckpoint:
    """Co-sign the latest checkpoint as ``witness``, if it extends what it co-signed.

    The witness's ``state`` moves to the new checkpoint, and ``keep`` must store it
    durably: it is called after the witness co-signs and before the co-signature is
    committed, so that a witness never releases a co-signature it may forget (a
    witness that forgets can be led onto a fork; see ``Witness``). If ``keep`` raises,
    nothing is stored. A checkpoint the witness co-signed already is returned as it is:
    a note holds at most ``MAX_SIGNATURES`` signatures, so repeats must not pile up.

    Raises:
        NotFound: no checkpoint was signed yet.
        VerificationFailed: the checkpoint does not extend the witness's last one.
    """
    with uow:
        uow.log.hold()  # two witnesses at once would each co-sign the note without the other
        stored = uow.log.checkpoints()
        if not stored:
            raise NotFound("no checkpoint was signed yet: parley log checkpoint")
        latest = stored[-1]
        checkpoint, _ = open_checkpoint(latest.note, VerifierKey.parse(latest.log_key))
        old = witness.state.size
        proof = uow.log.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
        signature = witness.cosign(latest.note, proof)
        keep(witness.state)
        note = parse_note(latest.note)
        if any((s.name, s.key_id) == (signature.name, signature.key_id) for s in note.signatures):
            return latest
        result = StoredCheckpoint(
            latest.size, note.with_signature(signature).format(), latest.log_key
        )
        uow.log.add_checkpoint(result, now)
        uow.commit()
    return result


def _check_origin(stored: StoredCheckpoint, origin: str) -> None:
    """Refuse ``origin`` when the log's checkpoints name another one.

    Raises:
        VerificationFailed: they differ (the origin setting changed after signing).
    """
    signed = Checkpoint.parse(parse_note(stored.note).text).origin
    if signed != origin:
        raise VerificationFailed(
            f"the log's checkpoints are for origin {signed!r}, not {origin!r}; "
            "one log keeps one origin (set the origin back)"
        )


def _items(uow: LogUnitOfWork, checkpoints: list[StoredCheckpoint]) -> Any:
    """Entries in order, each checkpoint right after the entries it covers."""
    pending = list(checkpoints)
    written = 0
    while True:
        page = uow.log.entries(after=written, limit=_PAGE)
        for entry in page:
            while pending and pending[0].size <= written:
                yield parse_note(pending.pop(0).note)
            yield entry
            written += 1
        if len(page) < _PAGE:
            break
    for checkpoint in pending:
        yield parse_note(checkpoint.note)


def export_log(uow: LogUnitOfWork, stream: BinaryIO, *, origin: str) -> int:
    """Write the public log to ``stream`` (docs/ledger.md); return the entries written.

    Raises:
        NotFound: no checkpoint was signed yet (an export says which key signs the log).
        VerificationFailed: the checkpoints are for another origin than ``origin``.
    """
    with uow:
        checkpoints = uow.log.checkpoints()
        if not checkpoints:
            raise NotFound("no checkpoint was signed yet: parley log checkpoint --key KEY")
        _check_origin(checkpoints[0], origin)
        log_key = VerifierKey.parse(checkpoints[0].log_key)
        return write_log(stream, origin, log_key, _items(uow, checkpoints))
