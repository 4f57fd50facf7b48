"""Draft plans on SQLite and PostgreSQL: what is planned on, what is stored, what is logged.

Reconciliation runs with the unit tests' ``FakeEngine`` (names must agree); the planner
is the real one, on a handful of people, so that these tests say what the database
keeps and which matches the planner is told of.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from parley.adapters.agreements import read_agreement
from parley.adapters.eventlog import read_events
from parley.adapters.orm import PlanReleaseRow, PlanRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.agreements import Agreement
from parley.domain.reviews import Reviewer
from parley.errors import NotFound, NotPermitted
from parley.planning.plan_file import plan_to_json
from parley.services.importing import import_records
from parley.services.planning import plan_from_database
from parley.services.reconciling import reconcile_parties
from parley.services.reviewing import confirm_matches
from tests.conftest import NOW
from tests.unit.fakes import FakeTable
from tests.unit.test_reconciling_service import FakeEngine

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")

HOLDINGS = ["record_id", "family_name", "given_name", "category", "birth_date"]
REQUESTS = ["record_id", "family_name", "given_name", "source", "priority"]
AGREEMENT = """\
agreement: two for two
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: category == pow, formula: parity}
minimum_per_side: 2
tranches: {count: 2, capacity_per_side: 1}
reserve_share: 0.5
"""


def _agreement(text: str = AGREEMENT) -> Agreement:
    return read_agreement(text, "agreement.yaml").agreement


def _import(uow: Uow, kind: str, party: str, rows: list[list[str]]) -> None:
    columns = REQUESTS if kind == "requests" else HOLDINGS
    table = FakeTable(
        f"{party}-{kind}.csv", columns, [dict(zip(columns, r, strict=True)) for r in rows]
    )
    import_records(uow(), kind=kind, party=party, table=table, actor="registrar", now=NOW)


def _holdings(uow: Uow) -> None:
    _import(
        uow,
        "holdings",
        "RU",
        [
            ["RU-1", "Лисенко", "Олег", "pow", "1980-01-01"],
            ["RU-2", "Коваль", "Іван", "pow", "1985-01-01"],
            ["RU-3", "Бондар", "Петро", "pow", "1990-01-01"],
            ["RU-4", "Мельник", "Андрій", "pow", "1995-01-01"],
        ],
    )
    _import(
        uow,
        "holdings",
        "UA",
        [
            ["UA-1", "Иванов", "Сергей", "pow", "1980-01-01"],
            ["UA-2", "Петров", "Павел", "pow", "1985-01-01"],
            ["UA-3", "Сидоров", "Олег", "pow", "1990-01-01"],
        ],
    )


def _requests_of_ua(uow: Uow) -> None:
    """UA asks urgently for RU-1 and RU-2, the two oldest, whom nobody else would pick."""
    _import(
        uow,
        "requests",
        "UA",
        [
            ["UA-R1", "Лисенко", "Олег", "family", "urgent"],
            ["UA-R2", "Коваль", "Іван", "family", "high"],
        ],
    )
    reconcile_parties(
        uow(), requester="UA", holder="RU", actor="desk", now=NOW, reconcile=FakeEngine()
    )


def _released(engine: Engine, plan_id: int) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                PlanReleaseRow.party_code,
                PlanReleaseRow.record_id,
                PlanReleaseRow.tranche,
                PlanReleaseRow.reserve_rank,
            ).where(PlanReleaseRow.plan_id == plan_id)
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_a_plan_releases_the_confirmed_requests_and_is_stored_with_its_people(
    uow: Uow, engine: Engine
) -> None:
    _holdings(uow)
    _requests_of_ua(uow)
    assert confirm_matches(uow(), reviewer=Reviewer("ru-office", "RU"), now=NOW) == 2

    draft = plan_from_database(uow(), _agreement(), actor="mediator-desk", now=NOW)

    assert draft.plan.feasible
    assert draft.requested == {"UA": 0, "RU": 2}
    assert draft.candidates == {"UA": 3, "RU": 4}
    assert draft.plan_id is not None
    people = _released(engine, draft.plan_id)
    released = {key: value[0] for key, value in people.items() if value[0] is not None}
    assert sorted(k for k in released if k[0] == "RU") == [("RU", "RU-1"), ("RU", "RU-2")]
    assert sorted(released.values()) == [1, 1, 2, 2]  # one a side in each tranche
    # Reserves: half of each side's two releases, ranked, never a released person.
    reserves = {key: value[1] for key, value in people.items() if value[1] is not None}
    assert sorted(reserves.values()) == [1, 1]
    assert not set(reserves) & set(released)
    with uow() as u:
        stored = u.plans.get(draft.plan_id)
        assert u.plans.latest("two for two") == stored
        drafted = [(e.type, e.payload) for e in read_events(u.session) if e.type == "PlanDrafted"]
    assert stored is not None
    assert (stored.agreement, stored.status, stored.created_at) == ("two for two", "optimal", NOW)
    assert stored.document == plan_to_json(draft.plan)
    assert {(p.party, p.record_id) for p in stored.people} == set(people)
    assert len(drafted) == 1
    payload = json.loads(drafted[0][1])
    with engine.connect() as conn:
        document = conn.scalar(select(PlanRow.document).where(PlanRow.id == draft.plan_id))
    assert document is not None
    assert payload == {
        "plan_id": draft.plan_id,
        "agreement": "two for two",
        "status": "optimal",
        "tranches": 2,
        "released": {"UA": 2, "RU": 2},
        "reserves": {"UA": 1, "RU": 1},
        "document_sha256": hashlib.sha256(document.encode("utf-8")).hexdigest(),
    }
    assert "Лисенко" not in document
    assert "Лисенко" not in drafted[0][1]


def test_a_match_nobody_confirmed_counts_for_nothing(uow: Uow) -> None:
    _holdings(uow)
    _requests_of_ua(uow)  # proposed, not confirmed

    draft = plan_from_database(uow(), _agreement(), actor="mediator-desk", now=NOW)

    assert draft.requested == {"UA": 0, "RU": 0}
    ru = sorted(r.record_id for r in draft.plan.releases if r.party == "RU")
    assert ru == ["RU-3", "RU-4"]  # the youngest, as nobody asked for anyone


def test_an_infeasible_agreement_is_stored_with_its_conflict_and_no_people(
    uow: Uow, engine: Engine
) -> None:
    _holdings(uow)
    too_many = AGREEMENT.replace("minimum_per_side: 2", "minimum_per_side: 4")

    draft = plan_from_database(uow(), _agreement(too_many), actor="mediator-desk", now=NOW)

    assert not draft.plan.feasible
    assert draft.plan_id is not None
    with uow() as u:
        stored = u.plans.get(draft.plan_id)
    assert stored is not None
    assert stored.status == "infeasible"
    assert stored.people == ()
    conflict = stored.document["conflict"]
    assert "minimum_per_side" in [c["key"] for c in conflict["clauses"]]
    assert conflict["sentence"].startswith("One conflict is: ")
    assert stored.document["relaxations"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PlanReleaseRow)) == 0


def test_planning_a_party_without_holdings_says_what_to_import(uow: Uow, engine: Engine) -> None:
    _import(uow, "holdings", "RU", [["RU-1", "Лисенко", "Олег", "pow", "1980-01-01"]])

    with pytest.raises(NotFound, match="party UA has no holdings to plan with"):
        plan_from_database(uow(), _agreement(), actor="mediator-desk", now=NOW)

    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PlanRow)) == 0


def test_an_unknown_plan_reads_as_none(uow: Uow) -> None:
    with uow() as u:
        assert u.plans.get(1) is None
        assert u.plans.latest("no such agreement") is None


def test_only_the_holding_party_confirms_its_sure_matches_at_once(uow: Uow) -> None:
    _holdings(uow)
    _requests_of_ua(uow)

    with pytest.raises(NotPermitted, match="only a holding party confirms its matches"):
        confirm_matches(uow(), reviewer=Reviewer("mediator-desk"), now=NOW)
    assert confirm_matches(uow(), reviewer=Reviewer("ua-office", "UA"), now=NOW) == 0

    assert confirm_matches(uow(), reviewer=Reviewer("ru-office", "RU"), now=NOW) == 2
    assert confirm_matches(uow(), reviewer=Reviewer("ru-office", "RU"), now=NOW) == 0
    with uow() as u:
        decided = [e.payload for e in read_events(u.session) if e.type == "ProposalReviewed"]
    assert len(decided) == 2
    assert all('"to_state":"confirmed"' in payload for payload in decided)
