"""The review workflow on SQLite and PostgreSQL: runs, proposals, decisions, merges, re-runs.

The matching engine is the unit tests' ``FakeEngine`` (names must agree), so that these
tests say what the database keeps, not how well the engine matches.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from parley.adapters.eventlog import read_events
from parley.adapters.orm import ProposalRow, ReconciliationRunRow, ReviewDecisionRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.reviews import (
    Proposal,
    RejectionReason,
    Reviewer,
    ReviewState,
    Verdict,
)
from parley.errors import NotPermitted
from parley.matching.results import MatchConfig
from parley.services.importing import import_records
from parley.services.reconciling import ReconcileSummary, reconcile_parties
from parley.services.reviewing import decide, review_queue
from tests.conftest import NOW
from tests.unit.fakes import FakeTable
from tests.unit.test_reconciling_service import FakeEngine

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")

REQUESTS = ["record_id", "family_name", "given_name", "birth_date", "source"]
HOLDINGS = ["record_id", "family_name", "given_name", "category"]
RU_OFFICE = Reviewer("ru-office", "RU")
MEDIATION = Reviewer("mediator-desk")
LATER = NOW + timedelta(hours=2)


def _import(uow: Uow, kind: str, party: str, rows: list[list[str]]) -> None:
    columns = REQUESTS if kind == "requests" else HOLDINGS
    table = FakeTable(
        f"{party}-{kind}.csv", columns, [dict(zip(columns, r, strict=True)) for r in rows]
    )
    import_records(uow(), kind=kind, party=party, table=table, actor="registrar", now=NOW)


def _first_imports(uow: Uow) -> None:
    _import(
        uow,
        "requests",
        "UA",
        [
            ["UA-1", "Лисенко", "Олег", "1999", "family"],
            ["UA-2", "Коваль", "Іван", "1987", "family"],
            ["UA-3", "Бондар", "Петро", "", "neutral_agency"],
            ["UA-4", "Лисенко", "Олег", "1999", "official_register"],  # UA-1 again
        ],
    )
    _import(
        uow,
        "holdings",
        "RU",
        [
            ["RU-1", "Лисенко", "Олег", "pow"],
            ["RU-2", "Коваль", "Іван", "pow"],
            ["RU-3", "Коваль", "Іван", "civilian_internee"],
        ],
    )


def _run(uow: Uow, at: object = NOW) -> ReconcileSummary:
    return reconcile_parties(
        uow(), requester="UA", holder="RU", actor="desk", now=NOW, reconcile=FakeEngine()
    )


def _proposals(uow: Uow) -> dict[tuple[str, str | None], list[str]]:
    with uow() as u:
        every = u.reviews.proposals_in("UA", "RU", set(ReviewState))
    out: dict[tuple[str, str | None], list[str]] = {}
    for p in every:
        out.setdefault((p.request_id, p.holding_id), []).append(p.state.value)
    return out


def _open(uow: Uow, request_id: str) -> Proposal:
    (found,) = [
        e.proposal
        for e in review_queue(uow(), reviewer=MEDIATION)
        if e.proposal.request_id == request_id
    ]
    return found


def _events(uow: Uow) -> list[tuple[str, dict[str, object]]]:
    with uow() as u:
        return [(e.type, json.loads(e.payload)) for e in read_events(u.session)]


def test_a_run_stores_its_proposals_and_who_ran_it(uow: Uow, engine: Engine) -> None:
    _first_imports(uow)

    summary = _run(uow)

    assert summary.outcomes == {"match": 1, "review": 1, "no_match": 1}
    assert _proposals(uow) == {
        ("UA-1", "RU-1"): ["proposed"],
        ("UA-2", "RU-2"): ["proposed"],
        ("UA-3", None): ["unmatched"],
    }
    doubtful = _open(uow, "UA-2")
    assert (doubtful.outcome.value, doubtful.probability, doubtful.explanation) == (
        "review",
        0.5,
        "two fit",
    )
    assert [a.holding_id for a in doubtful.alternatives] == ["RU-3"]
    with engine.connect() as conn:
        run = conn.execute(select(ReconciliationRunRow)).one()
    assert (run.requester_code, run.holder_code, run.actor, run.started_at) == (
        "UA",
        "RU",
        "desk",
        NOW,
    )
    assert (run.requests, run.holdings, run.matched, run.review, run.no_match) == (4, 3, 1, 1, 1)
    assert json.loads(run.config)["match_threshold"] == MatchConfig().match_threshold
    assert _events(uow)[-2][0] == "RequestsReconciled"


def test_decisions_are_kept_with_who_when_and_why(uow: Uow, engine: Engine) -> None:
    _first_imports(uow)
    _run(uow)
    sure, doubtful = _open(uow, "UA-1"), _open(uow, "UA-2")
    assert sure.id is not None
    assert doubtful.id is not None

    decide(uow(), proposal_id=sure.id, verdict=Verdict.CONFIRM, reviewer=RU_OFFICE, now=NOW)
    decide(
        uow(),
        proposal_id=doubtful.id,
        verdict=Verdict.ESCALATE,
        reviewer=MEDIATION,
        now=NOW,
        note="ask the agency",
    )
    decide(
        uow(),
        proposal_id=doubtful.id,
        verdict=Verdict.REJECT,
        reviewer=MEDIATION,
        now=LATER,
        reason=RejectionReason.HELD_DIFFERENT_PERSON,
        note="Іван Коваль RU-2 was born in 1962",
    )

    with uow() as u:
        history = u.reviews.decisions(doubtful.id)
        confirmed = u.reviews.decisions(sure.id)
    assert [
        (d.from_state.value, d.to_state.value, d.acting_as, d.actor, d.at) for d in history
    ] == [
        ("proposed", "escalated", "mediator", "mediator-desk", NOW),
        ("escalated", "rejected", "mediator", "mediator-desk", LATER),
    ]
    assert [(d.reason, d.note) for d in history] == [
        (None, "ask the agency"),
        (RejectionReason.HELD_DIFFERENT_PERSON, "Іван Коваль RU-2 was born in 1962"),
    ]
    assert [(d.to_state.value, d.acting_as, d.actor) for d in confirmed] == [
        ("confirmed", "RU", "ru-office")
    ]
    assert _proposals(uow)[("UA-2", "RU-2")] == ["rejected"]
    reviewed = [payload for kind, payload in _events(uow) if kind == "ProposalReviewed"]
    assert [(p["to_state"], p["reason"], p["acting_as"]) for p in reviewed] == [
        ("confirmed", None, "RU"),
        ("escalated", None, "mediator"),
        ("rejected", "held_different_person", "mediator"),
    ]
    with engine.connect() as conn:
        log = repr(_events(uow))
        assert (
            conn.scalar(select(ReviewDecisionRow.note).where(ReviewDecisionRow.id == 2))
            == "ask the agency"
        )
    assert [word for word in ("Коваль", "Іван", "1962", "agency") if word in log] == []


def test_a_party_is_refused_on_the_other_partys_holdings(uow: Uow, engine: Engine) -> None:
    _first_imports(uow)
    _run(uow)
    proposal = _open(uow, "UA-1")
    assert proposal.id is not None
    events = _events(uow)

    with pytest.raises(NotPermitted, match="party UA may not confirm"):
        decide(
            uow(),
            proposal_id=proposal.id,
            verdict=Verdict.CONFIRM,
            reviewer=Reviewer("ua", "UA"),
            now=NOW,
        )

    assert _proposals(uow)[("UA-1", "RU-1")] == ["proposed"]
    with engine.connect() as conn:
        assert conn.execute(select(ReviewDecisionRow)).all() == []
    assert _events(uow) == events


def test_a_rerun_after_new_imports_keeps_the_decisions_made(uow: Uow, engine: Engine) -> None:
    _first_imports(uow)
    _run(uow)
    sure, doubtful = _open(uow, "UA-1"), _open(uow, "UA-2")
    assert sure.id is not None
    assert doubtful.id is not None
    decide(uow(), proposal_id=sure.id, verdict=Verdict.CONFIRM, reviewer=RU_OFFICE, now=NOW)
    decide(
        uow(),
        proposal_id=doubtful.id,
        verdict=Verdict.REJECT,
        reviewer=RU_OFFICE,
        now=NOW,
        reason=RejectionReason.NOT_HELD,
    )
    _import(uow, "requests", "UA", [["UA-5", "Шевчук", "Тарас", "", "family"]])
    _import(uow, "holdings", "RU", [["RU-5", "Шевчук", "Тарас", "pow"]])

    again = _run(uow)

    assert _proposals(uow) == {
        ("UA-1", "RU-1"): ["confirmed"],  # kept, not proposed again
        ("UA-2", "RU-2"): ["rejected"],  # never proposed again
        ("UA-2", "RU-3"): ["proposed"],
        ("UA-3", None): ["unmatched", "unmatched"],
        ("UA-5", "RU-5"): ["proposed"],
    }
    assert (again.counts.kept_confirmed, again.counts.proposed, again.counts.superseded) == (
        1,
        2,
        0,
    )
    assert [e.proposal.request_id for e in review_queue(uow(), reviewer=RU_OFFICE)] == [
        "UA-2",
        "UA-5",
    ]


def test_duplicate_requests_are_merged_keeping_both_sources(uow: Uow) -> None:
    _first_imports(uow)

    first, second = _run(uow), _run(uow)

    with uow() as u:
        merges = u.reviews.merges("UA")
        both = (u.requests.get("UA", "UA-1"), u.requests.get("UA", "UA-4"))
    assert [(m.kept, m.merged, m.run_id) for m in merges] == [("UA-1", "UA-4", first.run_id)]
    assert (first.counts.merged, second.counts.merged) == (1, 0)
    assert all(r is not None for r in both)  # both requests stay as imported
    (entry,) = [
        e for e in review_queue(uow(), reviewer=RU_OFFICE) if e.proposal.request_id == "UA-1"
    ]
    assert entry.sources == ("family", "official_register")
    assert ("UA-4", "RU-1") not in _proposals(uow)
    merged = [payload for kind, payload in _events(uow) if kind == "RequestsMerged"]
    assert merged == [{"party": "UA", "run_id": first.run_id, "kept": "UA-1", "merged": ["UA-4"]}]


def test_proposal_rows_point_at_the_records_they_pair(uow: Uow, engine: Engine) -> None:
    _first_imports(uow)
    _run(uow)

    with engine.connect() as conn:
        rows = conn.execute(select(ProposalRow.holding_id, ProposalRow.state)).all()
    assert sorted((h is None, s) for h, s in rows) == [
        (False, "proposed"),
        (False, "proposed"),
        (True, "unmatched"),
    ]
