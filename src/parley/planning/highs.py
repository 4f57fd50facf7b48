"""HiGHS, the one place the planner meets a solver (``highspy``).

The count model goes in as arrays; a lexicographic objective is solved stage by stage,
each stage's optimum fixed as a row before the next, with a relative gap of zero so that
"optimal" is a proof and not an estimate.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from parley.planning.counts import CountModel

__all__ = ["Objective", "Solution", "feasible", "solve"]

_INF = highspy.kHighsInf
_banner_lock = threading.Lock()
_banner_shown = False


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner to the process's stdout when first created; hide it once."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            yield
            return
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            _banner_shown = True


@dataclass(frozen=True, slots=True)
class Objective:
    """One stage: ``coefficients`` over variables, maximised or minimised."""

    name: str
    coefficients: dict[int, float]
    maximise: bool


@dataclass(frozen=True, slots=True)
class Solution:
    """Variable values and each stage's optimum, or ``values`` None when infeasible."""

    values: list[float] | None
    stages: tuple[tuple[str, float], ...] = ()


def _load(model: CountModel) -> highspy.Highs:
    with _quiet_stdout():
        solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("threads", 1)
    n = len(model.lower)
    empty = np.zeros(0, dtype=np.int32)
    solver.addCols(
        n,
        np.zeros(n),
        np.asarray(model.lower, dtype=np.float64),
        np.asarray([min(u, _INF) for u in model.upper], dtype=np.float64),
        0,
        empty,
        empty,
        np.zeros(0),
    )
    solver.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.asarray(model.integer, dtype=np.uint8)
    )
    starts: list[int] = []
    indices: list[int] = []
    values: list[float] = []
    for row in model.rows:
        starts.append(len(indices))
        indices.extend(row.coefficients)
        values.extend(row.coefficients.values())
    solver.addRows(
        len(model.rows),
        np.asarray([max(r.lower, -_INF) for r in model.rows], dtype=np.float64),
        np.asarray([min(r.upper, _INF) for r in model.rows], dtype=np.float64),
        len(indices),
        np.asarray(starts, dtype=np.int32),
        np.asarray(indices, dtype=np.int32),
        np.asarray(values, dtype=np.float64),
    )
    return solver


def _run(solver: highspy.Highs, objective: dict[int, float], maximise: bool) -> float | None:
    n = solver.getNumCol()
    costs = np.zeros(n)
    for index, value in objective.items():
        costs[index] = value
    solver.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    solver.changeObjectiveSense(sense)
    if solver.getNumCol() == 0:  # nobody to release: HiGHS calls this "empty", not solved
        return 0.0 if _zero_fits(solver) else None
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(solver.getInfo().objective_function_value)
    if status in (highspy.HighsModelStatus.kInfeasible,):
        return None
    raise RuntimeError(f"HiGHS stopped without a proof: {solver.modelStatusToString(status)}")


def _zero_fits(solver: highspy.Highs) -> bool:
    """Whether every row of a model without variables holds (each sum is zero)."""
    lp = solver.getLp()
    return all(
        lower <= 0 <= upper for lower, upper in zip(lp.row_lower_, lp.row_upper_, strict=True)
    )


def _fix(solver: highspy.Highs, objective: dict[int, float], value: float, maximise: bool) -> None:
    """Keep later stages at this stage's optimum (objectives here are whole numbers)."""
    optimum = round(value)
    lower, upper = (optimum, _INF) if maximise else (-_INF, optimum)
    solver.addRow(
        lower,
        upper,
        len(objective),
        np.asarray(list(objective), dtype=np.int32),
        np.asarray(list(objective.values()), dtype=np.float64),
    )


def solve(model: CountModel, objectives: Sequence[Objective]) -> Solution:
    """Solve ``model`` lexicographically over ``objectives``; each stage proven optimal.

    Raises:
        RuntimeError: HiGHS stopped without proving optimality or infeasibility (it is
            given no time limit, so this means a solver failure).
    """
    solver = _load(model)
    stages: list[tuple[str, float]] = []
    solved = False  # the first stage solved also proves the model feasible or not
    for objective in objectives:
        if not objective.coefficients:
            stages.append((objective.name, 0.0))
            continue
        value = _run(solver, objective.coefficients, objective.maximise)
        if value is None:
            if solved:  # cannot happen: the optimum of the stage before is a solution
                raise RuntimeError(f"stage {objective.name} lost feasibility")
            return Solution(None)
        solved = True
        stages.append((objective.name, value))
        _fix(solver, objective.coefficients, value, objective.maximise)
    if not solved and _run(solver, {}, False) is None:
        return Solution(None)
    values = list(solver.getSolution().col_value)
    return Solution(values, tuple(stages))


def feasible(model: CountModel) -> bool:
    """Whether ``model`` has any solution, proven either way."""
    return _run(_load(model), {}, False) is not None
