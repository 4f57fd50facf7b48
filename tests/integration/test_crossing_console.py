"""The crossing console's list and a tranche's status, read by the database, on SQLite and
PostgreSQL.

What the people at the console notice: a page is the people the whole list has at that
place, in crossing order, with how many there are in all; a filter on a state counts
only those in it; a party reads a refusal as a neutral withdrawal and cannot find one
by its words; the neutral verifier sees the findings of the people on the page.
"""

from __future__ import annotations

import pytest

from parley.domain.access import Principal, Role
from parley.domain.handover import NEUTRAL_WITHDRAWAL, Action
from parley.services.secured.crossing import list_people
from tests.integration import exchange_support as ex
from tests.integration.exchange_support import EXCHANGE, Uow

pytestmark = pytest.mark.usefixtures("parties")
V = "neutral_verifier"
UA_OFFICE = Principal("ua-office", Role.PARTY, "UA")
VERIFIER = Principal("verifier", Role.NEUTRAL_VERIFIER, None)


def _tranche_id(uow: Uow) -> int:
    with uow() as u:
        tranche = u.exchange.tranche(EXCHANGE, 1)
        assert tranche is not None
        assert tranche.id is not None
        return tranche.id


def _refusal_and_mismatch(uow: Uow) -> tuple[str, str]:
    """Of UA's first two people, one declines and one is withdrawn as not identified."""
    declining, mistaken = ex.listed(uow, 1, "UA")[:2]
    ex.act(uow, 1, "UA", declining, Action.CONFIRM_IDENTITY, V)
    ex.act(uow, 1, "UA", declining, Action.DECLINE, V)
    ex.act(uow, 1, "UA", mistaken, Action.WITHDRAW_NEUTRAL, V)
    return declining, mistaken


@pytest.mark.parametrize("side", [None, "UA", "RU"])
def test_each_page_holds_the_people_the_whole_list_has_there(uow: Uow, side: str | None) -> None:
    ex.opened(uow)
    tranche_id = _tranche_id(uow)

    with uow() as u:
        whole = [(c.crossing.side, c.position, c.crossing.record_id)
                 for c in u.exchange.crossings(tranche_id, side)]  # fmt: skip
        pages = []
        for offset in range(0, len(whole) + 3, 3):
            page, total = u.exchange.crossings_page(tranche_id, side=side, limit=3, offset=offset)
            assert total == len(whole)
            pages += [(c.crossing.side, c.position, c.crossing.record_id) for c in page]

    assert whole
    assert pages == whole


def test_a_page_past_the_end_is_empty_and_still_counts_everyone(uow: Uow) -> None:
    ex.opened(uow)
    tranche_id = _tranche_id(uow)

    with uow() as u:
        everyone = len(u.exchange.crossings(tranche_id))
        assert u.exchange.crossings_page(tranche_id, limit=5, offset=everyone) == ([], everyone)


def test_a_filter_on_the_state_as_shown_pages_and_counts_only_those_in_it(uow: Uow) -> None:
    ex.opened(uow)
    declining, mistaken = _refusal_and_mismatch(uow)
    tranche_id = _tranche_id(uow)

    with uow() as u:
        withdrawn, total = u.exchange.crossings_page(
            tranche_id, shown=("declined_repatriation", NEUTRAL_WITHDRAWAL), limit=10
        )
        waiting, still = u.exchange.crossings_page(
            tranche_id, side="RU", shown=("listed",), limit=1
        )

    assert [c.crossing.record_id for c in withdrawn] == [declining, mistaken]
    assert total == 2
    assert [c.crossing.record_id for c in waiting] == ex.listed(uow, 1, "RU")[:1]
    assert still == len(ex.listed(uow, 1, "RU"))


def test_the_findings_asked_for_are_those_of_the_people_named(uow: Uow) -> None:
    ex.opened(uow)
    _, mistaken = _refusal_and_mismatch(uow)
    tranche_id = _tranche_id(uow)

    with uow() as u:
        assert u.exchange.findings(tranche_id, [mistaken]) == [
            ("UA", mistaken, "identity_not_established")
        ]
        assert u.exchange.findings(tranche_id, []) == []
        assert len(u.exchange.findings(tranche_id)) == 2


def test_only_the_verifier_reads_the_findings_and_nobody_finds_a_refusal_by_its_words(
    uow: Uow,
) -> None:
    ex.opened(uow)
    declining, mistaken = _refusal_and_mismatch(uow)

    def people(principal: Principal, state: str) -> tuple[list[tuple[str, str | None]], int]:
        found, total = list_people(uow(), principal, EXCHANGE, 1, state=state, limit=10)
        return [(p.record_id, p.finding) for p in found], total

    assert people(UA_OFFICE, "declined_repatriation") == ([], 0)
    assert people(VERIFIER, "declined_repatriation") == ([], 0)
    assert people(UA_OFFICE, NEUTRAL_WITHDRAWAL) == ([(declining, None), (mistaken, None)], 2)
    assert people(VERIFIER, NEUTRAL_WITHDRAWAL) == (
        [(declining, "declined_repatriation"), (mistaken, "identity_not_established")],
        2,
    )


def test_the_list_pages_with_the_total_of_everyone_the_principal_may_see(uow: Uow) -> None:
    ex.opened(uow)
    ua = ex.listed(uow, 1, "UA")

    first, total = list_people(uow(), UA_OFFICE, EXCHANGE, 1, side="UA", limit=2)
    rest, same = list_people(uow(), UA_OFFICE, EXCHANGE, 1, side="UA", limit=50, offset=2)

    assert total == same == len(ua)
    assert [p.record_id for p in first + rest] == ua
