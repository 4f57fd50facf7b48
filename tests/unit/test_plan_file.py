"""The plan file: what it holds, in what order, and that docs/planning.md lists every field."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from parley.adapters.agreements import read_agreement
from parley.domain.requests import Priority
from parley.planning.plan import (
    Clause,
    Conflict,
    Plan,
    PlanStatus,
    Relaxation,
    Release,
    Reserve,
    Stage,
)
from parley.planning.plan_file import dump_plan, plan_to_json

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "planning.md").read_text("utf-8")
AGREEMENT = read_agreement(
    """\
agreement: two tracks
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {name: military, selector: not civilian, formula: parity}
  - {name: civilians, selector: civilian, formula: all_for_all}
must_include: [seriously_ill]
tranches: {count: 2, separate: [civilians]}
reserve_share: 0.5
""",
    "agreement.yaml",
).agreement
RELEASES = (
    Release("RU-9", "RU", "military", 1, requested=Priority.URGENT),
    Release("UA-2", "UA", "civilians", 2),
    Release("UA-1", "UA", "military", 1, mandatory=True, seriously_ill=True),
    Release("RU-3", "RU", "civilians", 2),
)
PLAN = Plan(
    AGREEMENT,
    PlanStatus.OPTIMAL,
    2,
    releases=RELEASES,
    reserves=(Reserve("RU-7", "RU", "military", 1), Reserve("UA-5", "UA", "military", 1)),
    stages=(Stage("requested urgent", 1), Stage("people released", 4)),
    seconds=1.25,
)


def _documented_fields() -> list[str]:
    section = GUIDE.split("## The plan file", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, re.M)


def test_the_guide_lists_every_field_of_the_plan_file_in_order() -> None:
    assert _documented_fields() == list(plan_to_json(PLAN))


def test_the_plan_file_lists_people_in_the_agreements_order_by_record_id_only() -> None:
    document = plan_to_json(PLAN)

    assert [(r["party"], r["track"], r["record_id"]) for r in document["releases"]] == [
        ("UA", "military", "UA-1"),
        ("UA", "civilians", "UA-2"),
        ("RU", "military", "RU-9"),
        ("RU", "civilians", "RU-3"),
    ]
    assert [r["party"] for r in document["reserves"]] == ["UA", "RU"]
    assert document["releases"][2]["requested"] == "urgent"
    assert document["tranches"] == [{"tranche": 1, "date": None}, {"tranche": 2, "date": None}]


def test_the_summary_has_every_track_tranche_and_side_and_counts_all_for_all_as_forced() -> None:
    summary = plan_to_json(PLAN)["summary"]

    assert [(r["track"], r["tranche"], r["party"]) for r in summary] == [
        (track, k, party)
        for track in ("military", "civilians")
        for k in (1, 2)
        for party in ("UA", "RU")
    ]
    cell = {(r["track"], r["tranche"], r["party"]): r for r in summary}
    assert cell[("military", 1, "UA")]["forced"] == 1  # must_include
    assert cell[("military", 1, "RU")]["forced"] == 0
    assert cell[("military", 1, "RU")]["requested"] == 1
    assert cell[("civilians", 2, "RU")]["forced"] == 1  # all-for-all sends everyone
    assert cell[("civilians", 1, "UA")]["released"] == 0


def test_the_same_plan_gives_the_same_bytes_whatever_the_order_and_time() -> None:
    shuffled = dataclasses.replace(PLAN, releases=RELEASES[::-1], seconds=9.0)

    assert dump_plan(shuffled) == dump_plan(PLAN)
    assert "1.25" not in dump_plan(PLAN)
    assert dump_plan(PLAN).endswith("}\n")


def test_an_infeasible_plan_carries_its_conflict_and_relaxations() -> None:
    conflict = Conflict(
        (Clause("minimum_per_side", "each side must release at least 9 people in all"),),
        ("UA can release at most 4 and RU can release at most 4 in military",),
    )
    relaxation = Relaxation(
        "minimum_per_side", "9", "4", "lower the minimum per side from 9 to 4", AGREEMENT
    )
    plan = Plan(AGREEMENT, PlanStatus.INFEASIBLE, 2, conflict=conflict, relaxations=(relaxation,))

    document = json.loads(dump_plan(plan))

    assert document["status"] == "infeasible"
    assert (document["releases"], document["reserves"], document["stages"]) == ([], [], [])
    assert document["conflict"] == {
        "clauses": [
            {"key": "minimum_per_side", "text": "each side must release at least 9 people in all"}
        ],
        "facts": ["UA can release at most 4 and RU can release at most 4 in military"],
        "sentence": conflict.describe(),
    }
    assert document["relaxations"] == [
        {
            "key": "minimum_per_side",
            "before": "9",
            "after": "4",
            "text": "lower the minimum per side from 9 to 4",
        }
    ]
