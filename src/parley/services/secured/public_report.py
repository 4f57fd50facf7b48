"""An exchange's public report, for everyone: numbers only, never a person.

DESIGN.md ("Report and verify"): the public report gives the balances per track and
tranche with the latest signed checkpoint, for families and the public, who have no
account. It holds headcounts per tranche, releasing side and track (a refusal counted
only as *withdrawn*) and the checkpoint: no name, no record id, nothing a party's own
report would hide from an observer. So, like the public log, it needs no principal.
"""

from __future__ import annotations

from parley.services import reports
from parley.services.exchange import exchange_facts
from parley.services.ports import ExchangeUnitOfWork
from parley.services.reports import ExchangeReport, ReportUnitOfWork

__all__ = ["public_exchanges", "public_report"]


def public_exchanges(uow: ExchangeUnitOfWork) -> list[str]:
    """The names of the exchanges that have a public report, by name."""
    return sorted(exchange_facts(uow))


def public_report(uow: ReportUnitOfWork, exchange: str) -> ExchangeReport:
    """The exchange in numbers, with the latest signed checkpoint (public).

    Raises:
        NotFound: no such exchange.
    """
    return reports.exchange_report(uow, exchange)
