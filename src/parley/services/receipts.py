"""Issue a person's receipt: what the mediator gives the family to check the public log.

The receipt (``parley.ledger.receipt_format``) carries the record's salt, every entry
that names the record's commitment, an inclusion proof of each against the latest
signed checkpoint, and that checkpoint. The family checks it with the mediator's public
key alone, and against the published export (``parley verify --receipt``). Since the
salt links the person to their entries, a receipt is personal data: it goes to the
person's family and to no one else.
"""

from __future__ import annotations

import json

from parley.errors import InvalidValue, NotFound, VerificationFailed
from parley.ledger.entries import commitment, person_record
from parley.ledger.keys import VerifierKey
from parley.ledger.receipt_format import Receipt, ReceiptEntry
from parley.ledger.receipts import ReceiptReport, names_commitment, read_receipt, verify_receipt
from parley.services.keys import MEDIATOR
from parley.services.ports import LogUnitOfWork
from parley.services.public_log import WitnessUnitOfWork

__all__ = ["RECORD_KINDS", "check_receipt", "issue_receipt"]

RECORD_KINDS = ("holding", "request")


def issue_receipt(uow: LogUnitOfWork, kind: str, party: str, record_id: str) -> Receipt:
    """The receipt of the ``kind`` record ``record_id`` of ``party``, as the log stands.

    Every entry naming the record must be covered by the latest signed checkpoint: a
    receipt that left out the newest entry would tell the family an old story.

    Raises:
        InvalidValue: ``kind`` is not ``holding`` or ``request``.
        NotFound: the record never appeared in the log (it has no salt), or no signed
            checkpoint covers all of its entries yet.
    """
    if kind not in RECORD_KINDS:
        raise InvalidValue("kind", f"{kind!r} is not one of {', '.join(RECORD_KINDS)}")
    subject = f"{kind} {party}/{record_id}"
    with uow:
        # Checkpoints first: every entry a checkpoint covers was committed before it was
        # signed, so the entries read next include all of them.
        checkpoints = uow.log.checkpoints()
        salt = uow.log.salt(kind, party, record_id)
        if salt is None:
            raise NotFound(f"{subject} has never appeared in the public log: no receipt to give")
        person = commitment(salt, person_record(kind, party, record_id))
        found = [
            (seq, entry)
            for seq, entry in uow.log.entries_naming(person)
            if names_commitment(json.loads(entry), person)
        ]
        if not found:
            raise NotFound(f"no entry of the public log names {subject}: no receipt to give")
        last = found[-1][0]
        if not checkpoints or checkpoints[-1].size < last:
            raise NotFound(
                f"entry {last}, which names {subject}, is not covered by a signed checkpoint "
                "yet: sign a checkpoint first (parley log checkpoint --key KEY)"
            )
        latest = checkpoints[-1]
        entries = tuple(
            ReceiptEntry(seq, entry, tuple(uow.log.inclusion_proof(seq - 1, latest.size)))
            for seq, entry in found
        )
    return Receipt(kind, party, record_id, salt, person, entries, latest.note)


def check_receipt(uow: WitnessUnitOfWork, data: str | bytes) -> ReceiptReport:
    """Verify a receipt (either form) against this server's own public log.

    Besides what ``verify_receipt`` checks with the log's key alone (the commitment, the
    checkpoint's signature, each entry's inclusion proof, the parties' co-signatures by
    their registered keys), the checkpoint's root must be this log's root at that size,
    and each entry this log's entry of that number, byte for byte: a receipt signed for
    another log, or a log that forked, does not verify here.

    Raises:
        VerificationFailed: the first check that failed, in words that name no one.
    """
    made = read_receipt(data)
    with uow:
        checkpoints = uow.log.checkpoints()
        if not checkpoints:
            raise VerificationFailed("this server's log has no signed checkpoint yet")
        log_key = VerifierKey.parse(checkpoints[0].log_key)
        witnesses = [k.key for k in uow.keys.all() if k.name != MEDIATOR]
        report = verify_receipt(made, log_key, witnesses=witnesses)
        size = report.checkpoint.size
        if size > uow.log.size():
            raise VerificationFailed(
                f"receipt checkpoint: of size {size:,}, more than the {uow.log.size():,} "
                "entries of this server's log"
            )
        if uow.log.root(size) != report.checkpoint.root_hash:
            raise VerificationFailed(
                f"receipt checkpoint: its root is not this server's log's root at size {size:,}"
            )
        for item in made.entries:
            here = uow.log.entries(after=item.seq - 1, limit=1)
            if here != [item.entry]:
                raise VerificationFailed(
                    f"receipt entry {item.seq}: is not entry {item.seq} of this server's log"
                )
    return report
