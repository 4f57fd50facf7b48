"""The balances in the tables against the log's recount (``parley verify --replay``)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update

from parley.adapters.orm import TrancheBalanceRow
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import VerificationFailed
from parley.ledger.keys import SigningKey
from parley.ledger.verify import verify_log
from parley.services.exchange import close_tranche
from parley.services.ledger import export_log, sign_checkpoint
from parley.services.replay import replay_balances
from tests.conftest import NOW
from tests.integration import exchange_support as ex

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")
ORIGIN = "parley.example/replay"


def _closed_tranche(uow: Uow) -> None:
    ex.opened(uow)
    for ua, ru in zip(ex.listed(uow, 1, "UA"), ex.listed(uow, 1, "RU"), strict=True):
        ex.cross(uow, 1, "UA", ua)
        ex.cross(uow, 1, "RU", ru)
    close_tranche(uow(), ex.EXCHANGE, 1, actor="mediator", now=NOW)


def test_the_tables_agree_with_the_log_after_a_tranche_closed(uow: Uow) -> None:
    _closed_tranche(uow)
    report = replay_balances(uow())
    assert report.closed == 1
    assert report.tracks == 2  # military in each of the two tranches


def test_a_balance_changed_behind_parleys_back_is_named(uow: Uow, engine: Engine) -> None:
    _closed_tranche(uow)
    with engine.begin() as conn:
        conn.execute(
            update(TrancheBalanceRow)
            .where(TrancheBalanceRow.side == "RU")
            .values(received=TrancheBalanceRow.received + 1)
        )
    with pytest.raises(VerificationFailed) as failed:
        replay_balances(uow())
    assert str(failed.value) == (
        "exchange 'four for four', tranche 1, military, RU: the tables say handed over 2, "
        "received 3, owed 0; the log says 2, 2, 0"
    )


def test_an_export_whose_receipt_entry_was_removed_names_the_closing_entry(uow: Uow) -> None:
    _closed_tranche(uow)
    key = SigningKey.from_seed("MEDIATOR", bytes(range(32)))
    sign_checkpoint(uow(), key, origin=ORIGIN, now=NOW)
    stream = io.BytesIO()
    export_log(uow(), stream, origin=ORIGIN)
    lines = stream.getvalue().splitlines(keepends=True)
    report = verify_log(iter(lines))
    assert report.closed_tranches == ((ex.EXCHANGE, 1),)

    # An operator who drops a receipt and renumbers the rest (no checkpoint consulted)
    # still cannot make the tranche add up: the closing entry is named.
    entries = [json.loads(line) for line in lines[1:] if b'"checkpoint"' not in line]
    dropped = next(i for i, e in enumerate(entries) if e["type"] == "PersonReceived")
    kept = entries[:dropped] + entries[dropped + 1 :]
    for seq, entry in enumerate(kept, start=1):
        entry["seq"] = seq
    closing = next(e["seq"] for e in kept if e["type"] == "TrancheStateChanged"
                   and e["data"]["to_state"] == "closed")  # fmt: skip
    header = lines[0]
    forged = [header] + [
        json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        for e in kept
    ]
    with pytest.raises(VerificationFailed, match=f"^entry {closing}: tranche 1 of 'four for four'"):
        verify_log(iter(forged))
