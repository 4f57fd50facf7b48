"""Issuing a person's receipt from the database, on SQLite and PostgreSQL.

The receipt holds exactly the entries that name the record, proved against the latest
checkpoint; it verifies with the mediator's key alone and against the export. A record
that never reached the log, or entries no checkpoint covers yet, give no receipt.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from parley.adapters.uow import SqlUnitOfWork
from parley.domain.events import HoldingStatusChanged, RequestsMerged
from parley.errors import InvalidValue, NotFound
from parley.ledger.entries import commitment, person_record
from parley.ledger.keys import SigningKey
from parley.ledger.receipts import Receipt, verify_receipt
from parley.services.ledger import export_log, sign_checkpoint
from parley.services.receipts import issue_receipt
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")  # entries 1 and 2: UA and RU registered

ORIGIN = "parley.example/exchange-2025"
MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32)))


def _record(uow: Uow, *events: HoldingStatusChanged | RequestsMerged) -> None:
    with uow() as u:
        for event in events:
            u.record(event)
        u.commit()


def _moved(record_id: str, minutes: int, to: str = "eligible") -> HoldingStatusChanged:
    return HoldingStatusChanged(
        occurred_at=NOW + timedelta(minutes=minutes),
        actor="RU",
        party="RU",
        record_id=record_id,
        from_status="detained",
        to_status=to,
    )


def _merged(kept: str, merged: list[str]) -> RequestsMerged:
    return RequestsMerged(
        occurred_at=NOW, actor="UA", party="UA", run_id=1, kept=kept, merged=merged
    )


def _sign(uow: Uow) -> None:
    sign_checkpoint(uow(), MEDIATOR, origin=ORIGIN, now=NOW)


def _export(uow: Uow) -> list[bytes]:
    stream = io.BytesIO()
    export_log(uow(), stream, origin=ORIGIN)
    return list(io.BytesIO(stream.getvalue()))


def test_a_receipt_holds_the_records_entries_and_verifies_against_the_export(uow: Uow) -> None:
    _record(uow, _moved("RU-7", 1), _moved("RU-8", 2), _moved("RU-70", 3))
    _record(uow, _moved("RU-7", 4, "selected"))
    _sign(uow)

    receipt = issue_receipt(uow(), "holding", "RU", "RU-7")
    report = verify_receipt(receipt, MEDIATOR.verifier, log_lines=_export(uow))

    assert [e.seq for e in receipt.entries] == [3, 6]
    assert [a.change for a in report.appearances] == [
        ("detained", "eligible"),
        ("detained", "selected"),
    ]
    assert report.checkpoint.size == 6
    assert commitment(receipt.salt, person_record("holding", "RU", "RU-7")) == receipt.commitment
    assert Receipt.from_text(receipt.to_text()) == receipt


def test_a_request_named_in_a_list_gets_its_receipt_too(uow: Uow) -> None:
    _record(uow, _merged("UA-1", ["UA-2", "UA-3"]), _merged("UA-4", ["UA-2"]))
    _sign(uow)

    receipt = issue_receipt(uow(), "request", "UA", "UA-2")

    assert [e.seq for e in receipt.entries] == [3, 4]
    assert all(receipt.commitment in json.loads(e.entry)["data"]["merged"] for e in receipt.entries)
    verify_receipt(receipt, MEDIATOR.verifier)


def test_a_record_that_never_reached_the_log_has_no_receipt(uow: Uow) -> None:
    _record(uow, _moved("RU-7", 1))
    _sign(uow)

    with pytest.raises(NotFound, match="holding RU/RU-9 has never appeared in the public log"):
        issue_receipt(uow(), "holding", "RU", "RU-9")
    # The same id as another kind is another record, with a salt of its own.
    with pytest.raises(NotFound, match="request RU/RU-7 has never appeared"):
        issue_receipt(uow(), "request", "RU", "RU-7")
    with pytest.raises(InvalidValue, match="kind: 'person' is not one of holding, request"):
        issue_receipt(uow(), "person", "RU", "RU-7")


def test_entries_no_checkpoint_covers_give_no_receipt_until_one_is_signed(uow: Uow) -> None:
    _record(uow, _moved("RU-7", 1))
    with pytest.raises(NotFound, match="sign a checkpoint first"):
        issue_receipt(uow(), "holding", "RU", "RU-7")
    _sign(uow)
    _record(uow, _moved("RU-7", 2, "selected"))

    with pytest.raises(NotFound, match="entry 4, which names holding RU/RU-7, is not covered"):
        issue_receipt(uow(), "holding", "RU", "RU-7")
    _sign(uow)
    assert [e.seq for e in issue_receipt(uow(), "holding", "RU", "RU-7").entries] == [3, 4]


def test_issuing_a_receipt_writes_nothing(uow: Uow) -> None:
    _record(uow, _moved("RU-7", 1))
    _sign(uow)
    with uow() as u:
        before = (u.log.size(), len(u.log.checkpoints()))

    issue_receipt(uow(), "holding", "RU", "RU-7")

    with uow() as u:
        assert (u.log.size(), len(u.log.checkpoints())) == before
        assert u.log.salt("holding", "RU", "RU-404") is None
