"""The planner against the independent checker and brute force, on random small exchanges.

Random agreements (one or two tracks, any formula, mandatory and unilateral clauses,
totals, capacity, separate tracks, one to three tranches) over random candidates:
every optimal plan breaks no clause; on tiny problems its stage values are the brute
force optimum and it is infeasible exactly when brute force finds nothing; and every
relaxation offered for an infeasible one really plans. On problems too big for brute
force, no optimal plan can spare one of its releases and be as good.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.domain.agreements import (
    Agreement,
    Formula,
    FormulaKind,
    Order,
    TariffClass,
    Track,
    TrancheRules,
)
from parley.domain.requests import Priority
from parley.domain.selectors import parse_selector
from parley.planning import Candidate, PlanStatus, Problem, feasible, plan
from tests.plan_checker import (
    STAGES,
    brute_force,
    check,
    relaxed_problem,
    score,
    stage_values,
    violations,
)

A, B = "AA", "BB"
TRACKS = ("military", "civilians")
MUST_INCLUDE = tuple(parse_selector(text) for text in ("seriously_ill", "age < 25"))
UNILATERAL = (parse_selector("age > 60"),)
RANKS = (TariffClass("officer", 3, parse_selector("rank == officer")),)
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _optional(low: int, high: int) -> st.SearchStrategy[int | None]:
    return st.none() | st.integers(low, high)


def _sometimes(draw: st.DrawFn) -> bool:
    return draw(st.integers(0, 4)) == 0  # about one in five


@st.composite
def tracks(draw: st.DrawFn, name: str) -> Track:
    kind = draw(st.sampled_from(list(FormulaKind)))
    ratio: tuple[tuple[str, int], ...] = ()
    if kind is FormulaKind.RATIO:
        ratio = ((A, draw(st.integers(1, 3))), (B, draw(st.integers(1, 3))))
    order = draw(st.sampled_from([None, Order.FIRST_CAPTURED_FIRST, Order.PRIORITY]))
    formula = Formula(kind, order, ratio, RANKS if kind is FormulaKind.TARIFF else ())
    selector = parse_selector("civilian" if name == "civilians" else "not civilian")
    return Track(name, selector, formula, draw(_optional(0, 2)), draw(_optional(1, 4)))


@st.composite
def candidates(draw: st.DrawFn, agreement: Agreement, party: str, most: int) -> list[Candidate]:
    n = draw(st.integers(1 if party == A else 0, most))  # the empty pool: a unit test
    days = draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n, unique=True))
    names = [track.name for track in agreement.tracks]
    found = []
    for i, day in enumerate(days):
        track = agreement.track(draw(st.sampled_from(names)))
        tariff = track.formula.kind is FormulaKind.TARIFF
        found.append(
            Candidate(
                record_id=f"{party}-{i}",
                party=party,
                track=track.name,
                points=draw(st.integers(1, 3)) if tariff else 1,
                must_include=frozenset(
                    j for j in range(len(agreement.must_include)) if _sometimes(draw)
                ),
                unilateral=frozenset(
                    j for j in range(len(agreement.unilateral)) if _sometimes(draw)
                ),
                seriously_ill=_sometimes(draw),
                requested=draw(st.sampled_from([None, None, *Priority])),
                born=draw(st.sampled_from([0, 19700101, 19990516, 20010300, 20030101])),
                captured_on=date(2020, 1, 1) + timedelta(days=day),  # distinct: no ties
            )
        )
    return found


@st.composite
def problems(draw: st.DrawFn, most: int = 4, tranches: int = 2) -> Problem:
    names = TRACKS[: draw(st.integers(1, 2))]
    agreement = Agreement(
        name="random exchange",
        parties=(A, B),
        age_on=date(2025, 5, 16),
        tracks=tuple(draw(tracks(name)) for name in names),
        tranches=TrancheRules(
            count=draw(st.integers(1, tranches)),
            capacity_per_side=draw(_optional(1, 3)),
            separate=tuple(draw(st.lists(st.sampled_from(names), unique=True))),
        ),
        must_include=MUST_INCLUDE[: draw(st.integers(0, 2))],
        unilateral=UNILATERAL[: draw(st.integers(0, 1))],
        minimum_per_side=draw(_optional(0, 2)),
        maximum_per_side=draw(_optional(1, 5)),
        reserve_share=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
    )
    people = draw(candidates(agreement, A, most)) + draw(candidates(agreement, B, most))
    return Problem(agreement, tuple(people))


@settings(SETTINGS, max_examples=200)
@given(problems(most=6, tranches=3))
def test_every_optimal_plan_breaks_no_clause_and_cannot_spare_anyone(problem: Problem) -> None:
    result = plan(problem, explain=False)
    if result.status is PlanStatus.OPTIMAL:
        assert check(problem, result) == []
        placed = {(r.party, r.record_id): r.tranche for r in result.releases}
        reached = score(tuple(s.value for s in result.stages))
        for key in placed:  # a plan with one person fewer is worse or breaks a clause
            fewer = {k: t for k, t in placed.items() if k != key}
            if not any(violations(problem, fewer)):
                assert score(stage_values(problem, fewer)) > reached, key


@settings(SETTINGS, max_examples=200)
@given(problems())
def test_the_planners_optimum_is_the_brute_force_optimum(problem: Problem) -> None:
    result = plan(problem, explain=False)
    best = brute_force(problem)
    assert feasible(problem) is (best is not None)
    if best is None:
        assert result.status is PlanStatus.INFEASIBLE
    else:
        assert result.status is PlanStatus.OPTIMAL
        assert tuple((s.name, s.value) for s in result.stages) == tuple(
            zip(STAGES, best, strict=True)
        )


@settings(SETTINGS, max_examples=100)
@given(problems())
def test_every_relaxation_of_an_infeasible_agreement_plans(problem: Problem) -> None:
    result = plan(problem)
    if result.status is PlanStatus.INFEASIBLE:
        assert result.conflict is not None
        named = {clause.key for clause in result.conflict.clauses}
        assert named
        for relaxation in result.relaxations:
            assert relaxation.key in named | {"tranches.count"}, relaxation
            relaxed = relaxed_problem(problem, relaxation.agreement)
            replanned = plan(relaxed, explain=False)
            assert replanned.status is PlanStatus.OPTIMAL, relaxation
            assert check(relaxed, replanned) == [], relaxation
