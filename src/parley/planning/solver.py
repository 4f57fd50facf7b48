"""``plan``: from an agreement and both sides' candidates to a proven-optimal plan.

1. Group the candidates into classes of interchangeable people (:mod:`.classes`).
2. Solve the count model (:mod:`.counts`) in stages with HiGHS (:mod:`.highs`): the
   people the other side asked for, by request priority; then the seriously ill; then as
   few people as the clauses allow; then the seriously ill as early as they can go.
3. Fill each class in its order, tranche by tranche, and pick reserves.
4. If no plan exists, say why (:mod:`.explain`).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence

from parley.domain.agreements import Agreement, Order
from parley.domain.requests import Priority
from parley.planning import counts, highs
from parley.planning.classes import PersonClass, group, order_key
from parley.planning.explain import explain as explain_infeasible
from parley.planning.explain import holds
from parley.planning.plan import Conflict, Plan, PlanStatus, Relaxation, Release, Reserve, Stage
from parley.planning.problem import Candidate, Problem

__all__ = ["STAGES", "feasible", "plan", "stage_values"]

STAGES: tuple[str, ...] = (
    *(f"requested {priority.value}" for priority in Priority),
    "seriously ill",
    "people released",
    "seriously ill lateness",
)


def _objectives(classes: list[PersonClass], model: counts.CountModel) -> list[highs.Objective]:
    """The stages of :data:`STAGES` as objectives over the count variables."""
    objectives: list[highs.Objective] = []
    for priority in Priority:
        cells = {
            cell: 1.0
            for cls, row in zip(classes, model.counts, strict=True)
            if cls.key.priority is priority
            for cell in row
        }
        objectives.append(highs.Objective(f"requested {priority.value}", cells, maximise=True))
    ill = [
        (cls, row) for cls, row in zip(classes, model.counts, strict=True) if cls.key.seriously_ill
    ]
    every = {cell: 1.0 for row in model.counts for cell in row}
    lateness = {cell: float(k) for _, row in ill for k, cell in enumerate(row) if k}
    objectives += [
        highs.Objective("seriously ill", {c: 1.0 for _, row in ill for c in row}, maximise=True),
        highs.Objective("people released", every, maximise=False),
        highs.Objective("seriously ill lateness", lateness, maximise=False),
    ]
    return objectives


def _fill(
    classes: list[PersonClass], model: counts.CountModel, values: list[float]
) -> tuple[list[Release], list[Candidate]]:
    """Take each class's people in order, tranche after tranche; the rest are left over."""
    releases: list[Release] = []
    left: list[Candidate] = []
    for cls, row in zip(classes, model.counts, strict=True):
        taken = [round(values[cell]) for cell in row]
        chosen = list(cls.members[: sum(taken)])
        left.extend(cls.members[sum(taken) :])
        position = 0
        for tranche, n in enumerate(taken, start=1):
            for candidate in chosen[position : position + n]:
                releases.append(_release(candidate, cls, tranche))
            position += n
    return releases, left


def _release(candidate: Candidate, cls: PersonClass, tranche: int) -> Release:
    return Release(
        record_id=candidate.record_id,
        party=candidate.party,
        track=candidate.track,
        tranche=tranche,
        points=candidate.points,
        mandatory=bool(candidate.must_include),
        unilateral=bool(candidate.unilateral),
        seriously_ill=candidate.seriously_ill,
        requested=candidate.requested,
    )


def _reserves(
    agreement: Agreement, releases: list[Release], left: list[Candidate]
) -> list[Reserve]:
    """Per side and track, the share of reserves the agreement asks for, best first."""
    if agreement.reserve_share <= 0:
        return []
    released = Counter((r.party, r.track) for r in releases)
    fcfs = {t.name: t.formula.order is Order.FIRST_CAPTURED_FIRST for t in agreement.tracks}
    unasked = len(Priority)
    pools: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in left:
        pools.setdefault((candidate.party, candidate.track), []).append(candidate)
    reserves: list[Reserve] = []
    for (party, track), pool in sorted(pools.items()):
        wanted = math.ceil(agreement.reserve_share * released[(party, track)])
        pool.sort(
            key=lambda c: (
                c.requested.rank if c.requested is not None else unasked,
                not c.seriously_ill,
                order_key(c, fcfs[track]),
            )
        )
        for rank, candidate in enumerate(pool[:wanted], start=1):
            reserves.append(Reserve(candidate.record_id, party, track, rank, candidate.points))
    return reserves


def stage_values(releases: Sequence[Release]) -> tuple[Stage, ...]:
    """The objective's stages as the releases reach them (see :data:`STAGES`)."""
    requested = Counter(r.requested for r in releases if r.requested is not None)
    ill = [r for r in releases if r.seriously_ill]
    values = [requested[priority] for priority in Priority]
    values += [len(ill), len(releases), sum(r.tranche - 1 for r in ill)]
    return tuple(Stage(name, value) for name, value in zip(STAGES, values, strict=True))


def _solve(
    agreement: Agreement, classes: list[PersonClass]
) -> tuple[counts.CountModel, list[float] | None]:
    """The count model and its lexicographic optimum, or None when no plan exists.

    The stages but the last look only at how many of each class go, so they are solved
    on the model without tranches (a relaxation, as small as the number of classes).
    If its optimum can be cut into tranches, it is the optimum of the whole problem, and
    only the lateness of the seriously ill is left to solve with tranches; if it cannot,
    every stage is solved on the whole model.
    """
    totals_model = counts.build_totals(agreement, classes)
    objectives = _objectives(classes, totals_model)[:-1]
    totals = highs.solve(totals_model, objectives)
    if totals.values is None:
        return totals_model, None
    model = counts.build(agreement, classes)
    counts.fix_totals(model, [round(totals.values[cells[0]]) for cells in totals_model.counts])
    solution = highs.solve(model, _objectives(classes, model)[-1:])
    if solution.values is None:
        model = counts.build(agreement, classes)
        solution = highs.solve(model, _objectives(classes, model))
    return model, solution.values


def feasible(problem: Problem, *, tranches: int | None = None) -> bool:
    """Whether any plan satisfies every clause of ``problem``'s agreement (proven)."""
    classes = group(problem.agreement, problem.candidates)
    return holds(problem.agreement, classes, tranches=tranches)


def plan(problem: Problem, *, explain: bool = True, relax: bool = True) -> Plan:
    """The proven-optimal plan for ``problem``, or a proof that none exists.

    With ``explain`` an infeasible plan carries one smallest conflict of clauses, and
    with ``relax`` too the relaxations that make a plan exist, each re-checked by
    planning it (searching for them takes most of the time an explanation takes).

    Raises:
        RuntimeError: the solver failed without a proof either way.
    """
    started = time.perf_counter()
    agreement = problem.agreement
    classes = group(agreement, problem.candidates)
    model, values = _solve(agreement, classes)
    count = agreement.tranches.count
    if values is None:
        conflict: Conflict | None = None
        relaxations: list[Relaxation] = []
        if explain:
            conflict, relaxations = explain_infeasible(problem, classes, relax=relax)
        return Plan(
            agreement,
            PlanStatus.INFEASIBLE,
            count,
            conflict=conflict,
            relaxations=tuple(relaxations),
            seconds=time.perf_counter() - started,
        )
    releases, left = _fill(classes, model, values)
    releases.sort(key=lambda r: (r.tranche, r.party, r.track, r.record_id))
    return Plan(
        agreement,
        PlanStatus.OPTIMAL,
        count,
        releases=tuple(releases),
        reserves=tuple(_reserves(agreement, releases, left)),
        stages=stage_values(releases),
        seconds=time.perf_counter() - started,
    )
