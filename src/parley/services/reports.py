"""The public report of an exchange: how many, never who.

Per tranche, releasing side and track, the people planned, listed on its manifests,
on a sealed manifest, handed over, received, withdrawn, absent and dead, with the latest
signed checkpoint of the public log that anyone can check those numbers against
(``parley verify``). A refusal to return is counted as *withdrawn*, like every other
neutral withdrawal, and never told apart (GC III Art. 109(3)).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from parley.domain.handover import CrossingState
from parley.services.exchange import require_exchange, tranche_id_of
from parley.services.ports import ExchangeUnitOfWork, LogUnitOfWork, StoredCheckpoint

__all__ = ["COUNTS", "ExchangeReport", "ReportLine", "ReportUnitOfWork", "exchange_report"]

COUNTS = (
    "planned",
    "listed",
    "sealed",
    "handed_over",
    "received",
    "withdrawn",
    "no_show",
    "deceased",
)
"""What a report line counts, in this order: ``handed_over`` counts everyone who crossed
(received or still in transit); ``withdrawn`` every withdrawal, a refusal included."""

_COUNTED_STATE = {
    CrossingState.HANDED_OVER: ("handed_over",),
    CrossingState.RECEIVED: ("handed_over", "received"),
    CrossingState.WITHDRAWN: ("withdrawn",),
    CrossingState.NO_SHOW: ("no_show",),
    CrossingState.DECEASED: ("deceased",),
}


class ReportUnitOfWork(ExchangeUnitOfWork, LogUnitOfWork, Protocol):
    """A unit of work that reaches the exchange, its plan and the public log."""


@dataclass(frozen=True, slots=True)
class ReportLine:
    """The counts of one tranche, one releasing side and one track."""

    tranche: int
    tranche_state: str
    side: str
    track: str
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class ExchangeReport:
    """An exchange in numbers, and the checkpoint that signs the log they come from."""

    exchange: str
    parties: tuple[str, ...]
    tranches: int
    tranches_closed: int
    complete: bool
    lines: tuple[ReportLine, ...]
    log_size: int
    checkpoint: StoredCheckpoint | None


def exchange_report(uow: ReportUnitOfWork, exchange: str) -> ExchangeReport:
    """The numbers of ``exchange`` per tranche, side and track, with the latest checkpoint.

    Raises:
        NotFound: there is no such exchange.
    """
    with uow:
        found = require_exchange(uow, exchange)
        counts: dict[tuple[int, str, str], Counter[str]] = {}
        plan = uow.plans.get(found.plan_id)
        for person in plan.people if plan else ():
            if person.tranche is not None:
                key = (person.tranche, person.party, person.track)
                counts.setdefault(key, Counter())["planned"] += 1
        states: dict[int, str] = {}
        for tranche in uow.exchange.tranches(exchange):
            states[tranche.number] = tranche.state.value
            for c in uow.exchange.crossings(tranche_id_of(tranche)):
                line = counts.setdefault(
                    (tranche.number, c.crossing.side, c.crossing.track), Counter()
                )
                line["listed"] += 1
                line["sealed"] += c.sealed
                line.update(_COUNTED_STATE.get(c.crossing.state, ()))
        facts = uow.exchange.facts().get(exchange)
        checkpoints = uow.log.checkpoints()
        size = uow.log.size()
    lines = tuple(
        ReportLine(number, states.get(number, "planned"), side, track,
                   {name: line[name] for name in COUNTS})
        for (number, side, track), line in sorted(counts.items())
    )  # fmt: skip
    return ExchangeReport(
        exchange=exchange,
        parties=found.agreement.parties,
        tranches=facts.stages_planned if facts else len(states),
        tranches_closed=facts.stages_closed if facts else 0,
        complete=facts.complete if facts else False,
        lines=lines,
        log_size=size,
        checkpoint=checkpoints[-1] if checkpoints else None,
    )
