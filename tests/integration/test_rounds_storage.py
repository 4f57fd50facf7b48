"""Rounds and commitments on SQLite and PostgreSQL: what is stored, kept, moved and logged.

The rounds file of the demo, read as ``parley rounds load`` reads it, goes through the
real unit of work; commitments fall due with facts passed in, as the tranche service
passes them when it closes a tranche.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

import parley
from parley import bootstrap
from parley.adapters.orm import EventRow
from parley.adapters.rounds import SqlRoundRepository
from parley.adapters.rounds_file import read_rounds
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Precondition,
    PreconditionKind,
    Round,
    RoundStatus,
)
from parley.errors import NotFound, RoundsRejected
from parley.services.log_check import verify_database
from parley.services.rounds import (
    ListedRounds,
    load_rounds,
    refresh_commitments,
    rounds_status,
)
from tests.conftest import NOW, snapshot

Uow = Callable[[], SqlUnitOfWork]
ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = Path(parley.__file__).parent / "data" / "demo-rounds.yaml"
DEMO = "1,000 for 1,000 (demo)"
LAST_TRANCHE = datetime(2025, 7, 23, 18, 30, tzinfo=UTC)
C = CommitmentStatus


def _demo() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text("utf-8"))
    return document


def _listed(document: dict[str, Any]) -> ListedRounds:
    return read_rounds(yaml.safe_dump(document, sort_keys=False), "rounds.yaml")


def _facts(closed: int) -> dict[str, ExchangeFacts]:
    return {DEMO: ExchangeFacts(DEMO, 3, closed)}


def _entries(engine: Engine, *types: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.scalars(select(EventRow.entry).order_by(EventRow.seq))
        entries = [json.loads(e) for e in rows]
    return [e for e in entries if e["type"] in types]


def _commitments(uow: Uow) -> dict[str, tuple[CommitmentStatus, datetime | None]]:
    views = rounds_status(uow(), facts={}, today=NOW.date())
    return {c.commitment.ref: (c.commitment.status, c.since) for v in views for c in v.commitments}


def test_the_demo_rounds_are_stored_as_loaded_and_logged(uow: Uow, engine: Engine) -> None:
    load_rounds(uow(), bootstrap.load_rounds(DEMO_FILE), actor="mediator", now=NOW)

    views = rounds_status(uow(), facts=_facts(1), today=NOW.date())
    second = views[1].round
    assert second == Round(
        2,
        "Neutral venue (host state's conference centre)",
        date(2025, 6, 2),
        RoundStatus.CONCLUDED,
        "Host state's mediation team",
        (
            ("UA", "Delegation of UA (its exchange office and ministries)"),
            ("RU", "Delegation of RU (its exchange office and ministries)"),
        ),
        (DEMO,),
    )
    listed = {c.commitment.ref: c for c in views[1].commitments}
    assert listed["r2-next-round"].commitment.precondition == Precondition(
        PreconditionKind.EXCHANGE_COMPLETE, agreement_ref=DEMO
    )
    assert listed["r2-civilian-lists"].commitment.precondition.on == date(2025, 9, 1)
    assert listed["r2-first-balance"].commitment.precondition.stages == 1
    assert listed["r2-next-round"].progress == (
        "waits on exchange '1,000 for 1,000 (demo)': 1 of 3 tranches closed"
    )
    assert listed["r2-next-round"].since == NOW
    assert views[2].round.starts_on is None
    assert views[2].round.mediator == "Host state's mediation team"

    entries = _entries(engine, "RoundRecorded")
    assert [e["data"]["number"] for e in entries] == [1, 2, 3]
    assert entries[1]["data"]["agreements"] == [DEMO]
    assert entries[1]["data"]["starts_on"] == "2025-06-02"
    assert verify_database(uow()).entries == len(_entries(engine, "RoundRecorded"))


def test_round_3_falls_due_in_the_transaction_that_closes_the_last_tranche(
    uow: Uow, engine: Engine
) -> None:
    load_rounds(uow(), bootstrap.load_rounds(DEMO_FILE), actor="mediator", now=NOW)
    unit = uow()
    with unit:
        moved = refresh_commitments(
            unit, facts=_facts(3), today=LAST_TRANCHE.date(), actor="mediator", now=LAST_TRANCHE
        )
        unit.commit()

    assert sorted(c.ref for c in moved) == ["r2-first-balance", "r2-next-round"]
    assert _commitments(uow)["r2-next-round"] == (C.DUE, LAST_TRANCHE)
    assert _commitments(uow)["r1-lists"] == (C.FULFILLED, NOW)
    changes = _entries(engine, "CommitmentStatusChanged")
    assert [e["data"] for e in changes] == [
        {"ref": ref, "round_number": 2, "from_status": "pending", "to_status": "due"}
        for ref in ("r2-first-balance", "r2-next-round")
    ]


def test_a_refresh_the_caller_does_not_commit_leaves_nothing(uow: Uow, engine: Engine) -> None:
    load_rounds(uow(), bootstrap.load_rounds(DEMO_FILE), actor="mediator", now=NOW)
    before = snapshot(engine)
    unit = uow()
    with unit:
        refresh_commitments(unit, facts=_facts(3), today=NOW.date(), actor="m", now=LAST_TRANCHE)
    assert snapshot(engine) == before


def test_a_rejected_file_leaves_every_table_as_it_was(uow: Uow, engine: Engine) -> None:
    load_rounds(uow(), bootstrap.load_rounds(DEMO_FILE), actor="mediator", now=NOW)
    before = snapshot(engine)
    document = _demo()
    document["rounds"][2]["venue"] = "Elsewhere"  # a good change, next to a bad one
    document["rounds"][1]["commitments"][1]["status"] = "fulfilled"  # pending cannot
    with pytest.raises(RoundsRejected) as refused:
        load_rounds(uow(), _listed(document), actor="mediator", now=LAST_TRANCHE)
    [problem] = refused.value.problems
    assert re.match(
        r"rounds\.yaml line \d+, key rounds\[2\]\.commitments\[2\]\.status: "
        "commitment r2-next-round cannot move from pending to fulfilled",
        problem,
    )
    assert snapshot(engine) == before


def test_reloading_keeps_statuses_moves_and_drops_commitments(uow: Uow, engine: Engine) -> None:
    load_rounds(uow(), bootstrap.load_rounds(DEMO_FILE), actor="mediator", now=NOW)
    unit = uow()
    with unit:
        refresh_commitments(unit, facts=_facts(3), today=NOW.date(), actor="m", now=LAST_TRANCHE)
        unit.commit()
    document = _demo()
    commitments = document["rounds"][1]["commitments"]
    commitments.pop(0)  # r2-first-balance withdrawn from the record
    document["rounds"][2]["commitments"] = [commitments.pop(1)]  # r2-civilian-lists to round 3
    commitments[0]["status"] = "fulfilled"  # r2-next-round: round 3 met
    document["rounds"][2].update(status="held", starts_on=date(2025, 7, 23))
    later = datetime(2025, 7, 24, tzinfo=UTC)

    done = load_rounds(uow(), _listed(document), actor="mediator", now=later)

    assert done.recorded == (2, 3)
    stored = _commitments(uow)
    assert set(stored) == {"r1-lists", "r2-next-round", "r2-civilian-lists"}
    assert stored["r2-next-round"] == (C.FULFILLED, later)
    assert stored["r2-civilian-lists"] == (C.PENDING, NOW)
    views = rounds_status(uow(), facts={}, today=NOW.date())
    assert [c.commitment.ref for c in views[2].commitments] == ["r2-civilian-lists"]
    assert views[2].round.status is RoundStatus.HELD
    last = _entries(engine, "CommitmentStatusChanged")[-1]["data"]
    assert (last["ref"], last["from_status"], last["to_status"]) == (
        "r2-next-round",
        "due",
        "fulfilled",
    )


def test_names_in_any_script_round_trip(uow: Uow) -> None:
    unit = uow()
    with unit:
        rnd = Round(7, "Мінськ", delegations=(("UA", "Делегація"), ("RU", "Делегация")))
        unit.rounds.put([(rnd, [Commitment("r7-1", 7, "Обмін списками «усі на всіх»")])], NOW)
        unit.commit()
    views = rounds_status(uow(), facts={}, today=NOW.date())
    assert views[0].round.delegations == (("UA", "Делегація"), ("RU", "Делегация"))
    assert views[0].commitments[0].commitment.text == "Обмін списками «усі на всіх»"


def test_saving_the_status_of_an_unknown_commitment_is_an_error(uow: Uow) -> None:
    with uow() as unit, pytest.raises(NotFound, match="no commitment 'r9-1'"):
        SqlRoundRepository(unit.session).save_status(Commitment("r9-1", 9, "t"), NOW)


def test_the_example_in_the_guide_loads(uow: Uow) -> None:
    guide = (ROOT / "docs" / "rounds.md").read_text("utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", guide, re.S) if "rounds:" in b]
    done = load_rounds(uow(), read_rounds(block, "rounds.md"), actor="mediator", now=NOW)
    assert done.rounds == (2, 3)
    assert done.commitments == 2
