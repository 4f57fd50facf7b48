"""``parley verify --replay``: rebuild the balances from the log alone and compare with the tables.

The tables hold the current state and the log what happened; they are written in one
transaction, so they must agree. The replay reads every entry of the public log, in
order, recounts each tranche's handovers, receipts and carried differences as an
observer would (``parley.ledger.balances``, which also checks every closed tranche), and
compares the recount with the stored running balances: a row changed behind the
services' back, or an event lost, shows as the first place where the two differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from parley.errors import VerificationFailed
from parley.ledger.balances import BalanceAudit
from parley.services.exchange import tranche_id_of
from parley.services.ports import ExchangeUnitOfWork, LogUnitOfWork

__all__ = ["ReplayReport", "ReplayUnitOfWork", "replay_balances"]

_PAGE = 10_000


class ReplayUnitOfWork(ExchangeUnitOfWork, LogUnitOfWork, Protocol):
    """A unit of work that reaches both the exchange's tables and the public log."""


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What the replay compared: entries read, tranches and tracks, tranches closed."""

    entries: int
    tracks: int
    closed: int


def replay_balances(uow: ReplayUnitOfWork) -> ReplayReport:
    """Recount every tranche's balance from the log and compare it with the tables.

    Raises:
        VerificationFailed: the first difference, naming the exchange, tranche, track
            and side, or the first entry at which the log itself does not add up.
    """
    audit = BalanceAudit()
    entries = 0
    with uow:
        uow.log.snapshot()
        after = 0
        while page := uow.log.numbered_entries(after, _PAGE):
            for seq, data in page:
                try:
                    audit(json.loads(data))
                except VerificationFailed as e:
                    raise VerificationFailed(f"entry {seq}: {e}") from e
                after = seq
                entries += 1
        tracks = 0
        for exchange in uow.exchange.exchanges():
            for tranche in uow.exchange.tranches(exchange.name):
                stored = uow.exchange.balances(tranche_id_of(tranche))
                for track in tranche.tracks:
                    tracks += 1
                    count = audit.counts.get((exchange.name, tranche.number, track))
                    where = f"exchange {exchange.name!r}, tranche {tranche.number}, {track}"
                    for side in exchange.agreement.parties:
                        sent, received = stored.get((track, side), (0, 0))
                        owed = tranche.owed.get(track, {}).get(side, 0)
                        logged = (
                            (
                                count.sent.get(side, 0),
                                count.received.get(side, 0),
                                count.owed.get(side, 0),
                            )
                            if count
                            else (0, 0, 0)
                        )
                        if (sent, received, owed) != logged:
                            raise VerificationFailed(
                                f"{where}, {side}: the tables say handed over {sent}, received "
                                f"{received}, owed {owed}; the log says {logged[0]}, {logged[1]}, "
                                f"{logged[2]}"
                            )
    return ReplayReport(entries, tracks, len(audit.closed))
