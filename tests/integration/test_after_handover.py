"""After the handover: who leaves the pools, the totals against the agreement, and the
rounds that wait on the exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from parley.adapters.uow import SqlUnitOfWork
from parley.domain.rounds import Commitment, CommitmentStatus, Precondition, PreconditionKind, Round
from parley.services.exchange import close_tranche, exchange_totals, open_tranche
from parley.services.planning import plan_from_database
from tests.conftest import NOW
from tests.integration import exchange_support as ex

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")


def _run_tranche(uow: Uow, number: int) -> None:
    if number > 1:
        ex.sign_all(uow, number)
        day = ex.DAY_ONE + timedelta(days=number - 1)
        open_tranche(uow(), ex.EXCHANGE, number, today=day, actor="mediator", now=NOW)
    for ua, ru in zip(ex.listed(uow, number, "UA"), ex.listed(uow, number, "RU"), strict=True):
        ex.cross(uow, number, "UA", ua)
        ex.cross(uow, number, "RU", ru)
    close_tranche(uow(), ex.EXCHANGE, number, actor="mediator", now=NOW)


def test_people_received_or_on_a_running_manifest_are_planned_by_no_other_plan(uow: Uow) -> None:
    ex.opened(uow)
    first = {side: ex.listed(uow, 1, side) for side in ("UA", "RU")}
    second = {side: ex.listed(uow, 2, side) for side in ("UA", "RU")}
    _run_tranche(uow, 1)
    # A second agreement on the same holdings: nobody received in tranche 1 nor listed in
    # tranche 2 may be planned again.
    again = ex.agreement(ex.AGREEMENT.replace("four for four", "the next one").replace(
        "minimum_per_side: 4", "minimum_per_side: 1"))  # fmt: skip
    draft = plan_from_database(uow(), again, actor="mediator", now=NOW)
    chosen = {(r.party, r.record_id) for r in draft.plan.releases}
    chosen |= {(r.party, r.record_id) for r in draft.plan.reserves}
    taken = {(side, rid) for group in (first, second) for side, ids in group.items() for rid in ids}
    assert draft.plan.feasible
    assert chosen
    assert not chosen & taken


def test_the_totals_count_who_was_received_against_the_agreements_minimum(uow: Uow) -> None:
    ex.opened(uow)
    before = exchange_totals(uow(), ex.EXCHANGE)
    assert before.received == {"UA": 0, "RU": 0}
    assert before.to_cross == {"UA": 4, "RU": 4}
    assert (before.minimum_per_side, before.complete) == (4, False)
    _run_tranche(uow, 1)
    middle = exchange_totals(uow(), ex.EXCHANGE)
    assert (middle.received, middle.to_cross) == ({"UA": 2, "RU": 2}, {"UA": 2, "RU": 2})
    assert (middle.tranches_closed, middle.tranches, middle.complete) == (1, 2, False)
    _run_tranche(uow, 2)
    after = exchange_totals(uow(), ex.EXCHANGE)
    assert after.received == {"UA": 4, "RU": 4}
    assert (after.tranches_closed, after.complete) == (2, True)


def test_the_next_round_falls_due_in_the_transaction_that_completes_the_exchange(
    uow: Uow,
) -> None:
    ex.opened(uow)
    waits = Precondition(PreconditionKind.EXCHANGE_COMPLETE, agreement_ref=ex.EXCHANGE)
    promise = Commitment("r2-next", 2, "Round 3 follows the exchange", waits)
    with uow() as u:
        u.rounds.put([(Round(2, "Neutral venue", agreements=(ex.EXCHANGE,)), [promise])], NOW)
        u.commit()

    def status() -> CommitmentStatus:
        with uow() as u:
            return next(c.commitment.status for r in u.rounds.all() for c in r.commitments)

    _run_tranche(uow, 1)
    assert status() is CommitmentStatus.PENDING
    _run_tranche(uow, 2)
    assert status() is CommitmentStatus.DUE


@pytest.mark.parametrize(
    ("clause", "flags"),
    [("", []), ("no_active_service: everyone\n", ["no_active_service"])],
)
def test_the_agreement_decides_who_comes_home_barred_from_active_service(
    uow: Uow, engine: Engine, clause: str, flags: list[str]
) -> None:
    # None of these prisoners is seriously ill: only an agreement that says so bars them.
    ex.opened(uow, ex.AGREEMENT + clause)
    ex.cross(uow, 1, "UA", ex.listed(uow, 1, "UA")[0])
    received = ex.logged(engine, "PersonReceived")
    assert [event.payload["flags"] for event in received] == [flags]
    assert (b'"no_active_service"' in received[0].entry) == bool(flags)
