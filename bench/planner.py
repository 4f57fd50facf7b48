"""Planner speed: parley's planner and a per-person CP-SAT model side by side.

Random pools of candidates a side (``parley.planning.problem.Candidate`` drawn with a
seeded ``random.Random``: about a fifth civilians under the seed formula, 3% seriously
ill, 2% under 25, requests from the other side for 30% of each side at priorities
urgent 10% / high 20% / normal 40% / low 30%, births over 1960-2007, captures over three
years, ranks colonel 1% / major 2% / captain 4% / lieutenant 8% / sergeant 25% /
private 60%), under two formulas, each with 3 and 10 tranches:

- seed: ``docs/examples/agreements/seed-1000-for-1000.yaml`` (parity military, parity
  civilians in tranches of their own, must_include the seriously ill and the under-25s,
  at least 1,000 a side), the capacity per tranche sized from the pool so that a plan
  exists. Infeasible variant: the first side holds almost no civilians (0.2% of its
  pool), fewer than the civilians the other side must release, so parity on the
  civilian track cannot hold.
- tariff: ``docs/examples/agreements/dix-hill-tariff.yaml`` (points 15/8/6/4/2/1,
  balance in points, the seriously ill unilateral), no maximum, capacity a fifth of
  the pool over all tranches. Infeasible variant: must_include everyone of sergeant's
  rank or above, about 40% of each side, twice what capacity x tranches lets through.

Each case runs in fresh processes, one for parley (``parley.planning.plan``:
``explain=False`` where a plan exists; where none does, first ``relax=False``, the time
to the proof and one conflict named, then with the relaxations searched and re-checked
too) and one for a per-person
CP-SAT model: a boolean per person and tranche, at most one tranche per person, forced
people exactly one, balance per track and tranche (counts, points or ratio), capacity,
minimum and maximum, separate tracks (a use boolean per track and tranche), and the
first objective as one weighted sum (requested releases weighted 8/4/2/1 by priority,
minus one per person released, the request term scaled above any head count), solved
with ``num_workers=2`` for at most 30 s. Peak memory is each process's VmHWM (Python,
the pool and the engine); in brackets, what it held before the engine ran.

parley's plan is checked against the clauses (balance, capacity, minimum, separate
tracks, forced people, each person once), and where CP-SAT proves an optimum, parley's
requested releases per priority must be at least as good lexicographically.

    .venv/bin/python bench/planner.py                       # 2,000, 20,000 and 200,000
    .venv/bin/python bench/planner.py --sizes 2000          # a quick check
    .venv/bin/python bench/planner.py --sizes 20000 --tranches 3 --formulas seed
    .venv/bin/python bench/planner.py --record              # also update RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from parley.adapters.agreements import load_agreement
from parley.domain.agreements import Agreement, FormulaKind
from parley.domain.requests import Priority
from parley.domain.selector_parser import parse_selector
from parley.domain.selectors import Value, evaluate
from parley.planning.problem import Candidate, Problem, points_of
from recording import memory_kib, put_section

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "docs" / "examples" / "agreements"
FILES = {"seed": "seed-1000-for-1000.yaml", "tariff": "dix-hill-tariff.yaml"}
SEED = 2025
CPSAT_SECONDS = 30.0
BUILD_LIMIT_S = 300.0  # "several minutes": past this the CP-SAT model is not built
WEIGHT = {Priority.URGENT: 8, Priority.HIGH: 4, Priority.NORMAL: 2, Priority.LOW: 1}
PRIORITIES = ((Priority.URGENT, 10), (Priority.HIGH, 20), (Priority.NORMAL, 40), (Priority.LOW, 30))
RANKS = (
    ("colonel", 1), ("major", 2), ("captain", 4), ("lieutenant", 8), ("sergeant", 25),
    ("private", 60),
)  # fmt: skip
RANKED = "rank in [colonel, major, captain, lieutenant, sergeant]"
CAPTURES_FROM = date(2022, 2, 24)
ENGINES = ("parley", "cpsat")
NOT_RUN = {"error": "not run", "cell": "not run"}
TARGETS = (
    "Targets: proven optimal under 1 s at 20,000 a side and under 10 s at "
    "200,000; infeasibility explained under 1 s at 20,000."
)
INTRO = """\
Random pools of candidates a side (seeded): about a fifth civilians under the seed formula,
3% seriously ill, 2% under 25, requests for 30% of each side (urgent 10%, high 20%, normal
40%, low 30%), ranks colonel 1% to private 60%. Seed formula: the example
`seed-1000-for-1000.yaml` with the capacity sized from the pool so that a plan exists;
infeasible variant: one side holds almost no civilians, fewer than the civilians the other
must release. Tariff: the example `dix-hill-tariff.yaml` (15/8/6/4/2/1 points), no maximum,
capacity a fifth of the pool over all tranches; infeasible variant: must_include everyone
of sergeant's rank or above (about 40%). parley: time to a proven-optimal plan
(`explain=False`), or to the proof of infeasibility with one conflict named
(`relax=False`; then, after the semicolon, with the relaxations searched and re-checked
too). CP-SAT: a boolean per
person and tranche with the same clauses and the first objective as one weighted sum
(requests 8/4/2/1 by priority, minus one per person released), `num_workers=2`, at most
30 s. Each engine runs in its own process; peak memory is that process's VmHWM, in
brackets what it held before the engine ran (Python, the libraries and the pool).
"checks": parley's plan against the clauses, its relaxations planned again on a pool
drawn under them, and its requested releases per priority against CP-SAT's optimum.\
"""


@dataclass(frozen=True, slots=True)
class Case:
    """One benchmark case: pool size a side, formula, tranches, and whether a plan exists."""

    size: int
    formula: str
    tranches: int
    feasible: bool

    @property
    def label(self) -> str:
        return "feasible" if self.feasible else "infeasible"

    def args(self) -> list[str]:
        return [str(self.size), self.formula, str(self.tranches), self.label]


# --- the problems ---------------------------------------------------------------------


def base_agreement(case: Case) -> Agreement:
    """The example agreement of the case's formula, with its tranche count and variant."""
    agreement = load_agreement(EXAMPLES / FILES[case.formula]).agreement
    tranches = replace(agreement.tranches, count=case.tranches, dates=())
    agreement = replace(agreement, tranches=tranches)
    if case.formula == "tariff":
        agreement = replace(agreement, maximum_per_side=None)
        if not case.feasible:
            agreement = replace(agreement, must_include=(parse_selector(RANKED),))
    return agreement


def _draw_born(rng: random.Random, on: date, young: bool) -> date | None:
    """A birth date: 18-24 years before ``on`` for the young, 25-65 otherwise; 2% unknown."""
    if not young and rng.random() < 0.02:
        return None
    years = rng.uniform(18, 25) if young else rng.uniform(25.01, 65)
    return on - timedelta(days=int(years * 365.2425))


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# A person's track, points, and true must_include and unilateral clauses (None: no track).
Decided = tuple[str, int, frozenset[int], frozenset[int]] | None


class _Clauses:
    """Track, points and the clauses true for a person, each kind of person decided once."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self.seen: dict[tuple[Any, ...], Decided] = {}

    def decide(self, values: dict[str, Value]) -> Decided:
        key = tuple(values.values())
        if key not in self.seen:
            self.seen[key] = self._decide(values)
        return self.seen[key]

    def _decide(self, values: dict[str, Value]) -> Decided:
        a = self.agreement
        track = next((t for t in a.tracks if evaluate(t.selector.tree, values) is True), None)
        if track is None:
            return None
        true = [
            frozenset(i for i, s in enumerate(clauses) if evaluate(s.tree, values) is True)
            for clauses in (a.must_include, a.unilateral)
        ]
        return track.name, points_of(track, values), true[0], true[1]


def generate_pool(agreement: Agreement, case: Case) -> tuple[Candidate, ...]:
    """``case.size`` candidates a side, drawn from a generator seeded by the size alone.

    Tracks, points and the true clauses come from evaluating the agreement's own
    selectors on each person's values, as ``build_problem`` does for holdings.
    """
    rng = random.Random(SEED * 1_000_003 + case.size)
    clauses = _Clauses(agreement)
    ranks, rank_weights = zip(*RANKS, strict=True)
    priorities, priority_weights = zip(*PRIORITIES, strict=True)
    on = agreement.age_on
    candidates: list[Candidate] = []
    for side, party in enumerate(agreement.parties):
        civilian_share = 0.2 if case.formula == "seed" else 0.0
        if case.formula == "seed" and not case.feasible and side == 0:
            civilian_share = 0.002
        for i in range(case.size):
            civilian = rng.random() < civilian_share
            rank = rng.choices(ranks, rank_weights)[0]
            ill = rng.random() < 0.03
            born = _draw_born(rng, on, young=rng.random() < 0.02)
            captured = CAPTURES_FROM + timedelta(days=rng.randrange(1100))
            requested = rng.choices(priorities, priority_weights)[0] if rng.random() < 0.3 else None
            age = _age(born, on)
            values: dict[str, Value] = {
                "civilian": civilian,
                "category": "civilian_internee" if civilian else "pow",
                "rank": None if civilian else rank,
                "seriously_ill": ill,
                "age": None if age is None else frozenset({age}),
            }
            decided = clauses.decide(values)
            if decided is None:
                continue
            track, points, must, unilateral = decided
            candidates.append(
                Candidate(
                    record_id=f"{party}-{i:06d}",
                    party=party,
                    track=track,
                    points=points,
                    must_include=must,
                    unilateral=unilateral,
                    seriously_ill=ill,
                    requested=requested,
                    born=0 if born is None else born.year * 10000 + born.month * 100 + born.day,
                    captured_on=None if rng.random() < 0.02 else captured,
                )
            )
    return tuple(candidates)


def _forced(candidate: Candidate) -> bool:
    return bool(candidate.must_include or candidate.unilateral)


def make_problem(case: Case) -> Problem:
    """The case's agreement, its capacity sized from the pool, and the pool."""
    agreement = base_agreement(case)
    candidates = generate_pool(agreement, case)
    k = case.tranches
    if case.formula == "seed":
        forced = Counter(c.party for c in candidates if _forced(c))
        civilians = Counter(c.party for c in candidates if _forced(c) and c.track == "civilians")
        # Civilians take at least one tranche of their own; the rest must hold the
        # minimum and, with room to spare, everyone forced.
        need = max(agreement.minimum_per_side or 0, 2 * max(forced.values(), default=0))
        capacity = max(math.ceil(need / max(k - 1, 1)), max(civilians.values(), default=0))
    else:
        capacity = math.ceil(case.size / (5 * k))
    tranches = replace(agreement.tranches, capacity_per_side=capacity)
    return Problem(replace(agreement, tranches=tranches), candidates)


# --- parley ---------------------------------------------------------------------------


def run_parley(problem: Problem, case: Case) -> dict[str, Any]:
    """Plan with parley; the time to the answer, the answer, and the checks of it."""
    import parley.planning as planning

    plan = getattr(planning, "plan", None)
    if not callable(plan) or isinstance(plan, type(planning)):
        return {"error": "parley.planning.plan() does not exist yet"}
    run: dict[str, Any] = {}
    if not case.feasible:  # the proof and one conflict named, without the relaxations
        started = time.perf_counter()
        plan(problem, relax=False)
        run["conflict_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        result = plan(problem, explain=not case.feasible)
    except NotImplementedError:
        return {"error": "parley.planning.plan() is not implemented yet"}
    run.update(status=result.status.value, seconds=time.perf_counter() - started)
    run["peak_mib"] = memory_kib("VmHWM") / 1024  # before the checks below add their own
    run["stages"] = {stage.name: stage.value for stage in result.stages}
    if result.feasible:
        run["requested"] = _requested_counts(r.requested for r in result.releases)
        run["people"] = len(result.releases)
        run["violations"] = check_plan(problem, result)
    if result.conflict is not None:
        run["conflict"] = result.conflict.describe()
    run["relaxations"] = [f"{r.key}: {r.before} -> {r.after}" for r in result.relaxations]
    # Not timed: each relaxed agreement planned again, its pool drawn afresh under it (the
    # clauses re-evaluated), so that a relaxation stands on its own.
    run["relaxations_hold"] = sum(
        planning.feasible(Problem(r.agreement, generate_pool(r.agreement, case)))
        for r in result.relaxations
    )
    return run


def _requested_counts(priorities: Any) -> list[int]:
    counts = Counter(p for p in priorities if p is not None)
    return [counts[p] for p in Priority]


def check_plan(problem: Problem, plan: Any) -> list[str]:
    """What in ``plan`` breaks a clause (docs: clause semantics 1-7); empty if nothing."""
    a, k = problem.agreement, problem.agreement.tranches.count
    by_key = {(c.party, c.record_id): c for c in problem.candidates}
    wrong: list[str] = []
    load: Counter[tuple[str, int]] = Counter()
    counted: Counter[tuple[str, str, int]] = Counter()
    points: Counter[tuple[str, str, int]] = Counter()
    tracks_in: dict[int, set[str]] = {}
    released: set[tuple[str, str]] = set()
    for r in plan.releases:
        c = by_key.get((r.party, r.record_id))
        if c is None or (r.party, r.record_id) in released or not 1 <= r.tranche <= k:
            wrong.append(f"{r.party}/{r.record_id}: not a candidate, twice, or tranche {r.tranche}")
            continue
        released.add((r.party, r.record_id))
        load[r.party, r.tranche] += 1
        tracks_in.setdefault(r.tranche, set()).add(c.track)
        if not c.unilateral:
            counted[r.party, c.track, r.tranche] += 1
            points[r.party, c.track, r.tranche] += c.points
    forced_left = [c for c in problem.candidates if _forced(c) and (c.party, c.record_id) not in released]  # fmt: skip
    if forced_left:
        wrong.append(f"{len(forced_left)} forced candidates not released")
    wrong += _clause_breaches(a, load, counted, points, tracks_in)
    return wrong


def _clause_breaches(
    a: Agreement,
    load: Counter[tuple[str, int]],
    counted: Counter[tuple[str, str, int]],
    points: Counter[tuple[str, str, int]],
    tracks_in: dict[int, set[str]],
) -> list[str]:
    """Balance, capacity, minimum and maximum, and separate tracks, from the tallies."""
    wrong: list[str] = []
    first, second = a.parties
    for track in a.tracks:
        kind, ratio = track.formula.kind, dict(track.formula.ratio)
        tally = points if kind is FormulaKind.TARIFF else counted
        for t in range(1, a.tranches.count + 1):
            x, y = tally[first, track.name, t], tally[second, track.name, t]
            if kind is FormulaKind.RATIO:
                x, y = x * ratio[second], y * ratio[first]
            if kind is not FormulaKind.ALL_FOR_ALL and x != y:
                wrong.append(f"{track.name} tranche {t}: {x} against {y}")
        for party in a.parties:
            n = sum(v for (p, name, _), v in counted.items() if p == party and name == track.name)
            if not (track.minimum_per_side or 0) <= n <= (track.maximum_per_side or n):
                wrong.append(f"{party} {track.name}: {n} counted releases outside the bounds")
    cap = a.tranches.capacity_per_side
    wrong += [f"{p} tranche {t}: {n} over capacity {cap}" for (p, t), n in load.items() if cap is not None and n > cap]  # fmt: skip
    for party in a.parties:
        total = sum(n for (p, _, _), n in counted.items() if p == party)
        if not (a.minimum_per_side or 0) <= total <= (a.maximum_per_side or total):
            wrong.append(f"{party}: {total} counted releases outside the bounds")
    for t, names in tracks_in.items():
        if any(s in names for s in a.tranches.separate) and len(names) > 1:
            wrong.append(f"tranche {t} mixes {sorted(names)} though {a.tranches.separate} travel apart")  # fmt: skip
    return wrong


# --- CP-SAT ---------------------------------------------------------------------------


class BuildAborted(Exception):
    """Building the CP-SAT model would take too long or too much memory."""


def _guard(started: float, memory_limit_kib: int) -> None:
    if time.perf_counter() - started > BUILD_LIMIT_S:
        raise BuildAborted(f"building the model passed {BUILD_LIMIT_S:.0f} s")
    if memory_kib("VmRSS") > memory_limit_kib:
        raise BuildAborted(f"building the model passed {memory_limit_kib / 2**20:.1f} GiB")


def build_cpsat(problem: Problem) -> tuple[Any, list[tuple[Candidate, list[Any]]]]:
    """The per-person model; the model and each candidate's booleans, tranche by tranche.

    Raises:
        BuildAborted: past ``BUILD_LIMIT_S`` or 80% of the memory available at the start.
    """
    from ortools.sat.python import cp_model

    a, k = problem.agreement, problem.agreement.tranches.count
    model = cp_model.CpModel()
    started, memory_limit = time.perf_counter(), int(_available_kib() * 0.8)
    afa = {t.name for t in a.tracks if not t.formula.balanced}
    people: list[tuple[Candidate, list[Any]]] = []
    load: dict[tuple[str, int], list[Any]] = {}
    counted: dict[tuple[str, str, int], tuple[list[Any], list[int]]] = {}
    by_track: dict[tuple[str, int], list[Any]] = {}
    for n, c in enumerate(problem.candidates):
        if n % 10_000 == 0:
            _guard(started, memory_limit)
        xs = [model.new_bool_var("") for _ in range(k)]
        (model.add_exactly_one if _forced(c) or c.track in afa else model.add_at_most_one)(xs)
        people.append((c, xs))
        for t, x in enumerate(xs, start=1):
            load.setdefault((c.party, t), []).append(x)
            by_track.setdefault((c.track, t), []).append(x)
            if not c.unilateral:
                vs, ps = counted.setdefault((c.party, c.track, t), ([], []))
                vs.append(x)
                ps.append(c.points)
    _constrain(model, a, load, counted, by_track)
    _guard(started, memory_limit)
    scale = len(problem.candidates) + 1  # a request outweighs every head count
    variables, weights = [], []
    for c, xs in people:
        weight = scale * WEIGHT[c.requested] - 1 if c.requested is not None else -1
        variables += xs
        weights += [weight] * k
    model.maximize(cp_model.LinearExpr.weighted_sum(variables, weights))
    return model, people


def _constrain(
    model: Any,
    a: Agreement,
    load: dict[tuple[str, int], list[Any]],
    counted: dict[tuple[str, str, int], tuple[list[Any], list[int]]],
    by_track: dict[tuple[str, int], list[Any]],
) -> None:
    """Balance, capacity, bounds and separate tracks over the grouped booleans."""
    from ortools.sat.python.cp_model import LinearExpr

    first, second = a.parties
    k, empty = a.tranches.count, ([], [])

    def expr(party: str, track: str, t: int, points: bool) -> Any:
        vs, ps = counted.get((party, track, t), empty)
        return LinearExpr.weighted_sum(vs, ps) if points else LinearExpr.sum(vs)

    for track in a.tracks:
        kind, ratio = track.formula.kind, dict(track.formula.ratio)
        for t in range(1, k + 1):
            x = expr(first, track.name, t, kind is FormulaKind.TARIFF)
            y = expr(second, track.name, t, kind is FormulaKind.TARIFF)
            if kind is FormulaKind.RATIO:
                model.add(x * ratio[second] == y * ratio[first])
            elif kind is not FormulaKind.ALL_FOR_ALL:
                model.add(x == y)
        if track.minimum_per_side is None and track.maximum_per_side is None:
            continue
        for party in a.parties:
            total = sum((expr(party, track.name, t, False) for t in range(1, k + 1)), 0)
            _bounds(model, total, track.minimum_per_side, track.maximum_per_side)
    if a.tranches.capacity_per_side is not None:
        for vs in load.values():
            model.add(LinearExpr.sum(vs) <= a.tranches.capacity_per_side)
    for party in a.parties:
        every = [x for (p, _, _), (vs, _) in counted.items() if p == party for x in vs]
        _bounds(model, LinearExpr.sum(every), a.minimum_per_side, a.maximum_per_side)
    if a.tranches.separate:
        for t in range(1, k + 1):
            used = {}
            for track in a.tracks:
                vs = by_track.get((track.name, t), [])
                used[track.name] = model.new_bool_var("")
                model.add(LinearExpr.sum(vs) <= len(vs) * used[track.name])
            for apart in a.tranches.separate:
                for other in used:
                    if other != apart:
                        model.add(used[apart] + used[other] <= 1)


def _bounds(model: Any, total: Any, low: int | None, high: int | None) -> None:
    if low is not None:
        model.add(total >= low)
    if high is not None:
        model.add(total <= high)


def run_cpsat(problem: Problem, seconds: float) -> dict[str, Any]:
    """Build and solve the per-person model; its status, times and first objective."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    try:
        model, people = build_cpsat(problem)
    except BuildAborted as e:
        return {"skipped": f"{e} after {time.perf_counter() - started:.0f} s"}
    build = time.perf_counter() - started
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    started = time.perf_counter()
    status = solver.solve(model)
    run: dict[str, Any] = {
        "status": solver.status_name(status),
        "build": build,
        "solve": time.perf_counter() - started,
        "booleans": len(model.proto.variables),
    }
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [
            c.requested for c, xs in people if c.requested and any(solver.boolean_value(x) for x in xs)
        ]  # fmt: skip
        run["requested"] = _requested_counts(chosen)
        weighted = sum(WEIGHT[p] for p in chosen)
        run["people"] = round(weighted * (len(problem.candidates) + 1) - solver.objective_value)
    return run


# --- processes and figures ------------------------------------------------------------


def _available_kib() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 8 * 2**20


def child(engine: str, case: Case, seconds: float) -> None:
    """Make the case's problem, run ``engine`` on it, print one line of JSON."""
    if engine == "parley":
        import parley.planning  # noqa: F401  (imported before the clock starts)
    else:
        from ortools.sat.python import cp_model  # noqa: F401
    problem = make_problem(case)
    before = memory_kib("VmRSS")
    run = run_parley(problem, case) if engine == "parley" else run_cpsat(problem, seconds)
    run.setdefault("peak_mib", memory_kib("VmHWM") / 1024)
    run["before_mib"] = before / 1024
    run["capacity"] = problem.agreement.tranches.capacity_per_side
    print(json.dumps(run))


def run_child(engine: str, case: Case, seconds: float, timeout: float) -> dict[str, Any]:
    """Run ``engine`` on ``case`` in a fresh process and read its figures."""
    command = [sys.executable, __file__, "--child", engine, *case.args(), "--cpsat-seconds", str(seconds)]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s (stopped)", "cell": "timed out"}
    lines = done.stdout.strip().splitlines()
    if done.returncode < 0:  # a signal: SIGKILL from the kernel is most likely out of memory
        name = signal.Signals(-done.returncode).name
        why = " (out of memory?)" if name == "SIGKILL" else ""
        return {"error": f"killed by {name}{why}", "cell": "killed"}
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        return {"error": f"exit {done.returncode}:\n{tail}"}
    return dict(json.loads(lines[-1]))


def _target(case: Case, parley: dict[str, Any]) -> str:
    """The issue's target for this case, and whether parley met it here."""
    if case.feasible and case.size == 20_000:
        label, limit = "optimal < 1 s", 1.0
    elif case.feasible and case.size == 200_000:
        label, limit = "optimal < 10 s", 10.0
    elif not case.feasible and case.size == 20_000:
        label, limit = "explained (conflict named) < 1 s", 1.0
    else:
        return "-"
    wanted = "optimal" if case.feasible else "infeasible"
    seconds = parley["seconds"] if case.feasible else parley.get("conflict_seconds", 1e9)
    met = parley.get("status") == wanted and seconds < limit
    if not case.feasible:
        met = met and "conflict" in parley
    return f"{label}: {'met' if met else 'NOT met'}"


def _parley_cells(run: dict[str, Any]) -> list[str]:
    if "error" in run:
        return [run.get("cell", "error"), "-", "-"]
    time_ = f"{run['seconds']:.2f} s"
    if "conflict_seconds" in run:
        time_ = f"{run['conflict_seconds']:.2f} s; {time_} with relaxations"
    return [run["status"], time_, f"{run['peak_mib']:,.0f} ({run['before_mib']:,.0f}) MiB"]  # fmt: skip


def _cpsat_cells(run: dict[str, Any]) -> list[str]:
    if "error" in run:
        return [run.get("cell", "error"), "-", "-"]
    if "skipped" in run:
        return ["not built", run["skipped"], f"{run['peak_mib']:,.0f} MiB"]
    return [
        run["status"],
        f"{run['build']:.1f} + {run['solve']:.1f} s",
        f"{run['peak_mib']:,.0f} ({run['before_mib']:,.0f}) MiB",
    ]


def _checks(case: Case, parley: dict[str, Any], cpsat: dict[str, Any]) -> str:
    """Whether parley's answer holds up: clauses, the expected status, CP-SAT's optimum."""
    if "error" in parley:
        return "-"
    notes: list[str] = []
    wanted = "optimal" if case.feasible else "infeasible"
    if parley["status"] != wanted:
        notes.append(f"expected {wanted}")
    if "violations" in parley:
        n = len(parley["violations"])
        notes.append("plan keeps every clause" if not n else f"{n} clause breaches")
    if parley["status"] == "infeasible":
        relaxed, held = len(parley["relaxations"]), parley["relaxations_hold"]
        notes.append("no conflict" if "conflict" not in parley else "conflict")
        notes.append(
            f"{relaxed} relaxations, {held} re-checked feasible" if relaxed else "no relaxation"
        )
    status = cpsat.get("status")
    if status == "INFEASIBLE" and parley["status"] == "optimal":
        notes.append("CP-SAT proves no plan exists")
    if status in ("OPTIMAL", "FEASIBLE") and parley["status"] == "infeasible":
        notes.append("CP-SAT found a plan")
    if status == "OPTIMAL" and "requested" in parley:
        mine, theirs = parley["requested"], cpsat["requested"]
        if mine < theirs:
            notes.append(f"requests {mine} behind CP-SAT's {theirs}")
        elif mine == theirs and parley["people"] != cpsat["people"]:
            notes.append(f"{parley['people']:,} people, CP-SAT {cpsat['people']:,}")
        else:
            notes.append("requests as CP-SAT's optimum" if mine == theirs else "requests ahead (lexicographic)")  # fmt: skip
    return "; ".join(notes)


HEADER = (
    "| a side | formula | tranches | case | capacity | parley | parley time | parley peak (before) "
    "| CP-SAT | CP-SAT build + solve | CP-SAT peak (before) | target | checks |"
)


def row(case: Case, runs: dict[str, dict[str, Any]]) -> str:
    """One line of the table for one case."""
    parley, cpsat = (
        runs.get("parley", NOT_RUN),
        runs.get("cpsat", NOT_RUN),
    )
    capacity = next((r["capacity"] for r in runs.values() if "capacity" in r), "-")
    cells = [
        f"{case.size:,}", case.formula, str(case.tranches), case.label, f"{capacity:,}" if capacity != "-" else "-",
        *_parley_cells(parley), *_cpsat_cells(cpsat),
        _target(case, parley) if "error" not in parley else "-", _checks(case, parley, cpsat),
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def notes(results: list[tuple[Case, dict[str, dict[str, Any]]]]) -> list[str]:
    """Conflicts, relaxations, errors and clause breaches, one line each."""
    out: list[str] = []
    for case, runs in results:
        where = f"{case.size:,} a side, {case.formula}, {case.tranches} tranches, {case.label}"
        for engine, run in runs.items():
            if "error" in run:
                out.append(f"- {where}, {engine}: {run['error']}")
        parley = runs.get("parley", {})
        if parley.get("conflict"):
            relaxed = "; ".join(parley.get("relaxations", [])) or "none"
            out.append(f"- {where}: {parley['conflict']} Relaxations: {relaxed}.")
        if parley.get("violations"):
            out.append(f"- {where}: breaches: {'; '.join(parley['violations'][:5])}")
    return out


def record(lines: list[str], sizes: list[int]) -> None:
    """Put the table under a dated title inside the planner markers of RESULTS.md.

    A section for the same sizes is replaced; others stay as they were, smallest first.
    """
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    title = " / ".join(f"{n:,}" for n in sizes) + " a side"
    head = f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}, seed {SEED}."
    section = f"### {title}\n\n{head}\n\n" + "\n".join(lines).rstrip() + "\n\n"
    heading = "## Planner (`.venv/bin/python bench/planner.py`)"
    put_section("planner", heading, INTRO, title, section)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,20000,200000", help="candidates a side")
    parser.add_argument("--tranches", default="3,10")
    parser.add_argument("--formulas", default="seed,tariff")
    parser.add_argument("--engines", default=",".join(ENGINES), help="parley,cpsat")
    parser.add_argument("--cpsat-seconds", type=float, default=CPSAT_SECONDS)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per process")
    parser.add_argument("--record", action="store_true", help="add the table to RESULTS.md")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, size, formula, tranches, label = args.child
        case = Case(int(size), formula, int(tranches), label == "feasible")
        child(engine, case, args.cpsat_seconds)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    lines = [HEADER, "|---:|---|---:|---|---:|---|---:|---:|---|---:|---:|---|---|"]
    print("\n".join(lines), flush=True)
    results = []
    for size in sizes:
        for formula in args.formulas.split(","):
            for tranches in (int(t) for t in args.tranches.split(",")):
                for feasible in (True, False):
                    case = Case(size, formula, tranches, feasible)
                    runs = {
                        e: run_child(e, case, args.cpsat_seconds, args.timeout) for e in engines
                    }
                    results.append((case, runs))
                    lines.append(row(case, runs))
                    print(lines[-1], flush=True)
    tail = ["", TARGETS, "", *notes(results)]
    print("\n".join(tail))
    lines += tail
    if args.record:
        record(lines, sizes)


if __name__ == "__main__":
    main()
