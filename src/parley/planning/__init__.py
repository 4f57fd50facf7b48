"""Planning: from an agreement and both sides' pools to a proven-optimal plan.

``build_problem`` turns holdings and confirmed requests into candidates; ``plan``
chooses who each side releases and when, proving the plan optimal, or proving that no
plan exists and saying which clauses collide and what smallest change would fix it.
"""

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
from parley.planning.problem import Candidate, Problem, build_problem
from parley.planning.solver import STAGES, feasible, plan

__all__ = [
    "STAGES",
    "Candidate",
    "Clause",
    "Conflict",
    "Plan",
    "PlanStatus",
    "Problem",
    "Relaxation",
    "Release",
    "Reserve",
    "Stage",
    "build_problem",
    "feasible",
    "plan",
]
