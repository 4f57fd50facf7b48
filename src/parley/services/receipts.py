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

from parley.errors import InvalidValue, NotFound
from parley.ledger.entries import commitment, person_record
from parley.ledger.receipt_format import Receipt, ReceiptEntry
from parley.ledger.receipts import names_commitment
from parley.services.ports import LogUnitOfWork

__all__ = ["RECORD_KINDS", "issue_receipt"]

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
