"""The plan as a JSON document: what ``parley plan --out plan.json`` writes and a draft stores.

``docs/planning.md`` documents every field. The document names people by their record
ids only, never by name, and lists everything in a fixed order (parties and tracks in
the agreement's order, then tranche, then record id or reserve rank), so that the same
plan always gives the same bytes: a document two parties can compare or sign. How long
the planner took is left out for the same reason.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from parley.domain.agreements import Agreement, FormulaKind
from parley.planning.plan import Conflict, Plan, Relaxation, Release, Reserve

__all__ = ["FORMAT", "VERSION", "dump_plan", "plan_to_json", "write_plan"]

FORMAT = "parley-plan"
VERSION = 1


def _forced(release: Release, agreement: Agreement) -> bool:
    """Whether a clause sends the person whatever the balance (clause semantics, rule 2)."""
    all_for_all = agreement.track(release.track).formula.kind is FormulaKind.ALL_FOR_ALL
    return release.mandatory or release.unilateral or all_for_all


def _figures(releases: list[Release], agreement: Agreement) -> dict[str, int]:
    return {
        "released": len(releases),
        "points": sum(r.points for r in releases),
        "forced": sum(_forced(r, agreement) for r in releases),
        "unilateral": sum(r.unilateral for r in releases),
        "requested": sum(r.requested is not None for r in releases),
        "seriously_ill": sum(r.seriously_ill for r in releases),
    }


def _summary(plan: Plan) -> list[dict[str, Any]]:
    """One row per track, tranche and party, zeros included."""
    cells: dict[tuple[str, int, str], list[Release]] = {}
    for release in plan.releases:
        cells.setdefault((release.track, release.tranche, release.party), []).append(release)
    return [
        {
            "track": track.name,
            "tranche": tranche,
            "party": party,
            **_figures(cells.get((track.name, tranche, party), []), plan.agreement),
        }
        for track in plan.agreement.tracks
        for tranche in range(1, plan.tranches + 1)
        for party in plan.agreement.parties
    ]


def _totals(plan: Plan) -> list[dict[str, Any]]:
    """One row per party over every track and tranche."""
    rows = []
    for party in plan.agreement.parties:
        released = [r for r in plan.releases if r.party == party]
        figures = _figures(released, plan.agreement)
        del figures["points"]  # points of different tariffs do not add up
        reserves = sum(1 for r in plan.reserves if r.party == party)
        rows.append({"party": party, **figures, "reserves": reserves})
    return rows


def _tranches(plan: Plan) -> list[dict[str, Any]]:
    dates = plan.agreement.tranches.dates
    return [
        {"tranche": k, "date": dates[k - 1].isoformat() if k <= len(dates) else None}
        for k in range(1, plan.tranches + 1)
    ]


def _order(plan: Plan) -> tuple[dict[str, int], dict[str, int]]:
    parties = {code: i for i, code in enumerate(plan.agreement.parties)}
    tracks = {track.name: i for i, track in enumerate(plan.agreement.tracks)}
    return parties, tracks


def _releases(plan: Plan) -> list[dict[str, Any]]:
    parties, tracks = _order(plan)
    ordered = sorted(
        plan.releases,
        key=lambda r: (parties[r.party], tracks[r.track], r.tranche, r.record_id),
    )
    return [
        {
            "party": r.party,
            "record_id": r.record_id,
            "track": r.track,
            "tranche": r.tranche,
            "points": r.points,
            "mandatory": r.mandatory,
            "unilateral": r.unilateral,
            "seriously_ill": r.seriously_ill,
            "requested": None if r.requested is None else r.requested.value,
        }
        for r in ordered
    ]


def _reserves(plan: Plan) -> list[dict[str, Any]]:
    parties, tracks = _order(plan)

    def key(r: Reserve) -> tuple[int, int, int, str]:
        return parties[r.party], tracks[r.track], r.rank, r.record_id

    return [
        {
            "party": r.party,
            "record_id": r.record_id,
            "track": r.track,
            "rank": r.rank,
            "points": r.points,
        }
        for r in sorted(plan.reserves, key=key)
    ]


def _conflict(conflict: Conflict | None) -> dict[str, Any] | None:
    if conflict is None:
        return None
    return {
        "clauses": [{"key": c.key, "text": c.text} for c in conflict.clauses],
        "facts": list(conflict.facts),
        "sentence": conflict.describe(),
    }


def _relaxation(relaxation: Relaxation) -> dict[str, str]:
    return {
        "key": relaxation.key,
        "before": relaxation.before,
        "after": relaxation.after,
        "text": relaxation.text,
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON-ready document (``docs/planning.md``, "The plan file").

    An infeasible plan has no releases, reserves or stages; its ``conflict`` says which
    clauses collide and ``relaxations`` which one change to one clause lets a plan exist.
    """
    agreement = plan.agreement
    return {
        "format": FORMAT,
        "version": VERSION,
        "agreement": {"name": agreement.name, "parties": list(agreement.parties)},
        "status": plan.status.value,
        "tranches": _tranches(plan),
        "stages": [{"name": s.name, "value": s.value} for s in plan.stages],
        "summary": _summary(plan),
        "totals": _totals(plan),
        "releases": _releases(plan),
        "reserves": _reserves(plan),
        "conflict": _conflict(plan.conflict),
        "relaxations": [_relaxation(r) for r in plan.relaxations],
    }


def dump_plan(plan: Plan) -> str:
    """The plan document as text: indented JSON, keys in document order, one final newline."""
    return json.dumps(plan_to_json(plan), ensure_ascii=False, indent=2) + "\n"


def write_plan(plan: Plan, stream: TextIO) -> None:
    """Write the plan document to ``stream`` (a text file opened for writing, UTF-8)."""
    stream.write(dump_plan(plan))
