"""Reciprocity recounted from the log alone: closed tranches must add up and be level."""

from __future__ import annotations

from typing import Any

import pytest

from parley.errors import VerificationFailed
from parley.ledger.balances import BalanceAudit

X = "four for four"


def person(kind: str, side: str, who: str, *, tranche: int = 1, weight: int = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "data": {"exchange": X, "tranche": tranche, "side": side, "track": "military",
                 "record_id": who, "weight": weight},
    }  # fmt: skip


def closed(
    received: dict[str, int],
    *,
    sent: dict[str, int] | None = None,
    owed: dict[str, int] | None = None,
    kind: str = "parity",
    tranche: int = 1,
) -> dict[str, Any]:
    return {
        "type": "TrancheStateChanged",
        "data": {
            "exchange": X,
            "tranche": tranche,
            "from_state": "closing",
            "to_state": "closed",
            "balances": {
                "military": {
                    "kind": kind,
                    "weights": {"UA": 1, "RU": 1},
                    "owed": owed or {"UA": 0, "RU": 0},
                    "sent": sent if sent is not None else dict(received),
                    "received": received,
                }
            },
        },
    }


def crossed(side: str, who: str, **kw: Any) -> list[dict[str, Any]]:
    return [person("PersonHandedOver", side, who, **kw), person("PersonReceived", side, who, **kw)]


def run(entries: list[dict[str, Any]]) -> BalanceAudit:
    audit = BalanceAudit()
    for entry in entries:
        audit(entry)
    return audit


def test_a_tranche_closed_level_adds_up() -> None:
    audit = run([*crossed("UA", "a"), *crossed("RU", "b"), closed({"UA": 1, "RU": 1})])
    assert audit.closed == [(X, 1)]
    count = audit.counts[X, 1, "military"]
    assert (count.sent, count.received) == ({"UA": 1, "RU": 1}, {"UA": 1, "RU": 1})


def test_a_closing_entry_that_overstates_what_was_received_is_named() -> None:
    with pytest.raises(VerificationFailed, match="says RU received 2, the entries add up to 1"):
        run([*crossed("UA", "a"), *crossed("RU", "b"),
             closed({"UA": 1, "RU": 2}, sent={"UA": 1, "RU": 1})])  # fmt: skip


def test_a_tranche_closed_unbalanced_is_refused_even_when_its_statement_is_true() -> None:
    with pytest.raises(VerificationFailed, match="closed unbalanced: received less owed is"):
        run([*crossed("UA", "a"), *crossed("UA", "c"), *crossed("RU", "b"),
             closed({"UA": 2, "RU": 1})])  # fmt: skip


def test_all_for_all_needs_no_balance() -> None:
    audit = run([*crossed("UA", "a"), *crossed("UA", "c"), closed({"UA": 2}, kind="all_for_all")])
    assert audit.closed == [(X, 1)]


def test_someone_in_transit_at_the_close_is_named() -> None:
    with pytest.raises(VerificationFailed, match="UA having handed over 2 but 1 received"):
        run([*crossed("UA", "a"), person("PersonHandedOver", "UA", "c"), *crossed("RU", "b"),
             closed({"UA": 1, "RU": 1}, sent={"UA": 2, "RU": 1})])  # fmt: skip


def test_nobody_is_received_without_a_handover_nor_exchanged_twice() -> None:
    with pytest.raises(VerificationFailed, match="received but was never handed over"):
        run([person("PersonReceived", "UA", "a")])
    with pytest.raises(VerificationFailed, match="handed over a second time"):
        run([*crossed("UA", "a"), person("PersonHandedOver", "UA", "a", tranche=2)])


def test_a_difference_carried_balances_both_tranches() -> None:
    carry = {
        "type": "DifferenceCarried",
        "data": {"exchange": X, "tranche": 1, "to_tranche": 2, "track": "military",
                 "side": "UA", "value": 1},
    }  # fmt: skip
    audit = run([
        *crossed("RU", "b"), carry, closed({"RU": 1}, owed={"UA": -1, "RU": 0}),
        *crossed("UA", "a", tranche=2), *crossed("UA", "c", tranche=2),
        *crossed("RU", "d", tranche=2),
        closed({"UA": 2, "RU": 1}, owed={"UA": 1, "RU": 0}, tranche=2),
    ])  # fmt: skip
    assert audit.closed == [(X, 1), (X, 2)]
    with pytest.raises(VerificationFailed, match="says UA owed 0, the entries add up to -1"):
        run([*crossed("RU", "b"), carry, closed({"RU": 1})])


def test_a_closing_entry_without_its_balances_is_refused() -> None:
    entry = closed({"UA": 0, "RU": 0})
    del entry["data"]["balances"]
    with pytest.raises(VerificationFailed, match="closes without its balances"):
        run([entry])
