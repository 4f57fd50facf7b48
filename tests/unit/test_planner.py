"""The planner: who each side releases and when, as the parties would read the plan.

Every feasible plan here is also checked clause by clause by the independent checker
in ``tests/plan_checker.py``; every infeasible one must name the clauses that collide,
with this exchange's numbers, and offer relaxations that really do plan.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from parley.domain.agreements import (
    Agreement,
    Formula,
    FormulaKind,
    Order,
    TariffClass,
    Track,
    TrancheRules,
)
from parley.domain.dates import PartialDate
from parley.domain.holdings import Holding, HoldingCategory
from parley.domain.people import Identity
from parley.domain.requests import Priority
from parley.domain.selectors import parse_selector
from parley.planning import (
    Candidate,
    Plan,
    PlanStatus,
    Problem,
    build_problem,
    feasible,
    plan,
)
from tests.plan_checker import check, relaxed_problem

A, B = "AA", "BB"
AGE_ON = date(2025, 5, 16)
RANKS = (
    TariffClass("major", 8, parse_selector("rank == major")),
    TariffClass("lieutenant", 3, parse_selector("rank == lieutenant")),
    TariffClass("sergeant", 2, parse_selector("rank == sergeant")),
)


def a_track(
    name: str = "military",
    kind: FormulaKind = FormulaKind.PARITY,
    *,
    ratio: tuple[tuple[str, int], ...] = (),
    order: Order | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> Track:
    selector = parse_selector("civilian" if name == "civilians" else "not civilian")
    tariff = RANKS if kind is FormulaKind.TARIFF else ()
    return Track(name, selector, Formula(kind, order, ratio, tariff), minimum, maximum)


def an_agreement(
    *tracks: Track,
    count: int = 1,
    capacity: int | None = None,
    separate: tuple[str, ...] = (),
    must_include: tuple[str, ...] = (),
    unilateral: tuple[str, ...] = (),
    minimum: int | None = None,
    maximum: int | None = None,
    reserve_share: float = 0.0,
) -> Agreement:
    return Agreement(
        name="test exchange",
        parties=(A, B),
        age_on=AGE_ON,
        tracks=tracks or (a_track(),),
        tranches=TrancheRules(count=count, capacity_per_side=capacity, separate=separate),
        must_include=tuple(parse_selector(text) for text in must_include),
        unilateral=tuple(parse_selector(text) for text in unilateral),
        minimum_per_side=minimum,
        maximum_per_side=maximum,
        reserve_share=reserve_share,
    )


def people(
    party: str, n: int, track: str = "military", first: int = 1, **fields: Any
) -> list[Candidate]:
    """``n`` candidates ``AA-m1``, ``AA-m2``, ... (``c`` for civilians)."""
    return [
        Candidate(f"{party}-{track[0]}{i}", party, track, **fields) for i in range(first, first + n)
    ]


def person(record_id: str, track: str = "military", **fields: Any) -> Candidate:
    return Candidate(record_id, record_id[:2], track, **fields)


def planned(agreement: Agreement, *groups: Iterable[Candidate]) -> Plan:
    """The plan, after making sure it exists and breaks no clause."""
    problem = Problem(agreement, tuple(itertools.chain(*groups)))
    result = plan(problem)
    assert result.status is PlanStatus.OPTIMAL, result.conflict and result.conflict.describe()
    assert feasible(problem)
    assert check(problem, result) == []
    return result


def released(result: Plan, party: str | None = None) -> set[str]:
    return {r.record_id for r in result.releases if party in (None, r.party)}


def tranche_of(result: Plan) -> dict[str, int]:
    return {r.record_id: r.tranche for r in result.releases}


# Formulas


def test_parity_releases_as_many_from_each_side_in_every_tranche() -> None:
    result = planned(an_agreement(count=2, capacity=2, minimum=3), people(A, 4), people(B, 5))
    assert (result.count(A), result.count(B)) == (3, 3)
    for k in (1, 2):
        assert result.count(A, tranche=k) == result.count(B, tranche=k)


def test_all_for_all_releases_everyone_on_both_sides_without_balancing() -> None:
    agreement = an_agreement(a_track(kind=FormulaKind.ALL_FOR_ALL))
    result = planned(agreement, people(A, 3), people(B, 1))
    assert (result.count(A), result.count(B)) == (3, 1)


@pytest.mark.parametrize("ratio", [((A, 1), (B, 3)), ((B, 3), (A, 1))])
def test_a_ratio_releases_its_multiple_in_every_tranche(ratio: tuple[tuple[str, int], ...]) -> None:
    track = a_track(kind=FormulaKind.RATIO, ratio=ratio)
    result = planned(an_agreement(track, count=2, minimum=2), people(A, 3), people(B, 8))
    assert (result.count(A), result.count(B)) == (2, 6)
    for k in (1, 2):
        assert result.count(B, tranche=k) == 3 * result.count(A, tranche=k)


def test_a_tariff_balances_points_per_tranche_with_the_fewest_people() -> None:
    major = person("AA-major", points=8, must_include=frozenset({0}))
    sergeant = person("AA-sergeant", points=2, must_include=frozenset({0}))
    theirs = [
        person("BB-lieutenant", points=3),
        person("BB-sergeant1", points=2),
        person("BB-sergeant2", points=2),
        *people(B, 6),  # privates, one point each
    ]
    agreement = an_agreement(
        a_track(kind=FormulaKind.TARIFF), count=2, must_include=("rank != private",)
    )
    result = planned(agreement, [major, sergeant], theirs)
    for k in (1, 2):
        assert result.points(A, "military", k) == result.points(B, "military", k)
    assert result.points(B, "military") == 10
    assert result.count(B) == 6  # ten privates would balance too, with four more people


# Who must go


def test_must_include_forces_people_who_would_otherwise_stay() -> None:
    ill = people(A, 2, must_include=frozenset({0}), seriously_ill=True)
    agreement = an_agreement(must_include=("seriously_ill",))
    result = planned(agreement, ill, people(A, 3, first=3), people(B, 4))
    assert released(result, A) == {"AA-m1", "AA-m2"}
    assert result.count(B) == 2
    assert all(r.mandatory for r in result.releases if r.party == A)


def test_a_unilateral_release_needs_no_return_and_counts_for_no_minimum() -> None:
    elder = person("AA-elder", unilateral=frozenset({0}))
    agreement = an_agreement(unilateral=("age > 60",), minimum=1)
    result = planned(agreement, [elder], people(A, 2), people(B, 3))
    assert "AA-elder" in released(result, A)
    assert (result.count(A), result.count(B)) == (2, 1)


# Totals, capacity and tranches


def test_the_agreements_maximum_caps_each_side_even_against_urgent_requests() -> None:
    urgent: dict[str, Any] = {"requested": Priority.URGENT}
    result = planned(an_agreement(maximum=2), people(A, 4, **urgent), people(B, 4, **urgent))
    assert (result.count(A), result.count(B)) == (2, 2)


def test_a_tracks_minimum_and_maximum_apply_to_that_track_alone() -> None:
    agreement = an_agreement(
        a_track("military", minimum=2), a_track("civilians", maximum=1), count=2
    )
    urgent: dict[str, Any] = {"requested": Priority.URGENT}
    result = planned(
        agreement,
        people(A, 3),
        people(B, 3),
        people(A, 3, "civilians", **urgent),
        people(B, 3, "civilians", **urgent),
    )
    for party in (A, B):
        assert result.count(party, "military") == 2
        assert result.count(party, "civilians") == 1


def test_no_side_releases_more_than_the_capacity_in_any_tranche() -> None:
    result = planned(an_agreement(count=3, capacity=2, minimum=5), people(A, 6), people(B, 6))
    assert (result.count(A), result.count(B)) == (5, 5)
    for party, k in itertools.product((A, B), (1, 2, 3)):
        assert result.count(party, tranche=k) <= 2


def test_a_separate_track_never_shares_a_tranche_with_another() -> None:
    agreement = an_agreement(
        a_track("military", minimum=1),
        a_track("civilians", minimum=1),
        count=2,
        separate=("civilians",),
    )
    result = planned(
        agreement, people(A, 2), people(B, 2), people(A, 2, "civilians"), people(B, 2, "civilians")
    )
    tracks_in = {k: {r.track for r in result.releases if r.tranche == k} for k in (1, 2)}
    assert sorted(map(sorted, tracks_in.values())) == [["civilians"], ["military"]]


# The objective and the order within a class


def test_requested_people_are_released_by_priority() -> None:
    theirs = [person(f"AA-{p.value}", requested=p) for p in Priority] + people(A, 2)
    result = planned(an_agreement(maximum=2), theirs, people(B, 3))
    assert released(result, A) == {"AA-urgent", "AA-high"}
    stages = {s.name: s.value for s in result.stages}
    assert (stages["requested urgent"], stages["requested high"]) == (1, 1)
    assert stages["requested normal"] == stages["requested low"] == 0


def test_the_seriously_ill_go_in_the_first_tranche() -> None:
    ill = person("AA-ill", seriously_ill=True, must_include=frozenset({0}))
    agreement = an_agreement(count=3, capacity=1, minimum=3, must_include=("seriously_ill",))
    result = planned(agreement, [ill], people(A, 3), people(B, 4))
    assert tranche_of(result)["AA-ill"] == 1


def test_a_seriously_ill_person_is_chosen_before_a_healthy_one() -> None:
    healthy = person("AA-healthy", born=20010101)  # younger, but well
    ill = person("AA-ill", seriously_ill=True, born=19700101)
    result = planned(an_agreement(minimum=1), [healthy, ill], people(B, 1))
    assert released(result, A) == {"AA-ill"}


def test_first_captured_first_picks_the_earliest_captured_once_the_requested_are_in() -> None:
    # Requests come first (the objective); among the rest, the earliest captured go.
    track = a_track("civilians", order=Order.FIRST_CAPTURED_FIRST, minimum=2)
    ours = [
        person("AA-march", "civilians", captured_on=date(2022, 3, 1)),
        person("AA-january", "civilians", captured_on=date(2022, 1, 15)),
        person("AA-late", "civilians", captured_on=date(2023, 6, 1), requested=Priority.URGENT),
        person("AA-february", "civilians", captured_on=date(2022, 2, 1)),
    ]
    theirs = [
        person("BB-unknown", "civilians"),  # no capture date: counts as captured last
        person("BB-early", "civilians", captured_on=date(2022, 4, 1)),
        person("BB-later", "civilians", captured_on=date(2022, 5, 1)),
    ]
    result = planned(an_agreement(track), ours, theirs)
    assert released(result, A) == {"AA-late", "AA-january"}
    assert released(result, B) == {"BB-early", "BB-later"}


def test_first_captured_first_still_releases_the_seriously_ill_and_the_requested() -> None:
    # The order says who goes within a class, not whether the class goes: releasing
    # both people is allowed, and the objective wants the seriously ill and the
    # requested out.
    track = a_track(order=Order.FIRST_CAPTURED_FIRST)
    ill = person("AA-ill", seriously_ill=True, captured_on=date(2022, 1, 1))
    asked = person("AA-asked", "military", requested=Priority.URGENT)
    for ours in (ill, asked):
        result = planned(an_agreement(track), [ours], people(B, 1))
        assert released(result) == {ours.record_id, "BB-m1"}


def test_without_an_order_the_youngest_then_the_longest_held_go_first() -> None:
    ours = [
        person("AA-old", born=19800101, captured_on=date(2022, 1, 1)),
        person("AA-unknown-age", captured_on=date(2022, 1, 1)),  # counts as oldest
        person("AA-young-recent", born=20010203, captured_on=date(2024, 1, 1)),
        person("AA-young-long", born=20010203, captured_on=date(2022, 6, 1)),
        person("AA-youngest", born=20030101),
    ]
    result = planned(an_agreement(minimum=2), ours, people(B, 2))
    assert released(result, A) == {"AA-youngest", "AA-young-long"}


# Reserves


def test_reserves_are_unreleased_people_of_the_same_side_and_track() -> None:
    agreement = an_agreement(
        a_track("military", minimum=4), a_track("civilians"), count=2, reserve_share=0.5
    )
    result = planned(
        agreement,
        people(A, 7),
        people(B, 5),
        people(A, 3, "civilians"),
        people(B, 3, "civilians"),
    )
    ranks = {
        party: sorted(r.rank for r in result.reserves if (r.party, r.track) == (party, "military"))
        for party in (A, B)
    }
    assert ranks == {A: [1, 2], B: [1]}  # half of 4 released; B has only one left
    assert not any(r.track == "civilians" for r in result.reserves)  # nobody released there
    assert not {r.record_id for r in result.reserves} & released(result)


def test_a_reserve_share_is_read_as_the_decimal_it_is_written_as() -> None:
    # 0.7 x 10 is 7 reserves; in binary floating point it is 7.000000000000001.
    agreement = an_agreement(minimum=10, reserve_share=0.7)
    result = planned(agreement, people(A, 20), people(B, 20))
    assert [sum(1 for r in result.reserves if r.party == p) for p in (A, B)] == [7, 7]


# Partial birth dates at the age boundary, through build_problem


def a_holding(party: str, record_id: str, born: PartialDate) -> Holding:
    identity = Identity("Шевчук", "Іван", birth_date=born)
    return Holding(party, record_id, identity, HoldingCategory.POW)


@pytest.mark.parametrize(
    ("born", "forced"),
    [
        (PartialDate(2001), True),  # 23 or 24 on 2025-05-16, whatever the day
        (PartialDate(2001, 12, 31), True),
        (PartialDate(2000, 5, 17), True),  # 24 until tomorrow
        (PartialDate(2000, 5, 16), False),  # 25 today
        (PartialDate(2000, 5), False),  # 24 or 25: unknown, so not forced
        (PartialDate(2000), False),
        (PartialDate(1999), False),  # 25 or 26
    ],
)
def test_under_25_forces_release_only_when_a_partial_birth_date_makes_it_certain(
    born: PartialDate, forced: bool
) -> None:
    agreement = an_agreement(must_include=("age < 25",))
    holdings = [
        a_holding(A, "AA-1", born),
        *(a_holding(B, f"BB-{i}", PartialDate(1980, 1, 1)) for i in (1, 2)),
    ]
    problem = build_problem(agreement, holdings, {})
    result = plan(problem)
    assert result.feasible
    assert check(problem, result) == []
    assert released(result, A) == ({"AA-1"} if forced else set())
    assert result.count(B) == (1 if forced else 0)


# Infeasible agreements


def _infeasible_cases() -> list[object]:
    under_25: dict[str, Any] = {"must_include": frozenset({0})}
    civilians = people(A, 2, "civilians") + people(B, 2, "civilians")
    return [
        pytest.param(
            an_agreement(must_include=("age < 25",)),
            people(A, 3, **under_25) + people(B, 2),
            {"must_include[0]", "tracks.military.formula"},
            (3, 2),
            id="mandatory-under-25s-outnumber-the-other-sides-pool",
        ),
        pytest.param(
            an_agreement(count=2, capacity=2, minimum=5),
            people(A, 6) + people(B, 6),
            {"minimum_per_side", "tranches.capacity_per_side"},
            (5, 2),
            id="minimum-above-capacity-times-tranches",
        ),
        pytest.param(
            an_agreement(
                a_track("military", minimum=1),
                a_track("civilians", minimum=1),
                separate=("civilians",),
            ),
            people(A, 2) + people(B, 2) + civilians,
            {
                "tranches.separate",
                "tracks.military.minimum_per_side",
                "tracks.civilians.minimum_per_side",
            },
            (1,),
            id="separate-tracks-need-more-tranches",
        ),
        pytest.param(
            an_agreement(must_include=("seriously_ill",), maximum=2),
            people(A, 3, must_include=frozenset({0}), seriously_ill=True) + people(B, 5),
            {"must_include[0]", "maximum_per_side"},
            (3, 2),
            id="maximum-below-the-mandatory-count",
        ),
        pytest.param(
            an_agreement(a_track(maximum=1), must_include=("age < 25",)),
            people(A, 2, **under_25) + people(B, 3),
            {"must_include[0]", "tracks.military.maximum_per_side"},
            (2, 1),
            id="track-maximum-below-the-mandatory-count",
        ),
        pytest.param(
            an_agreement(a_track("military"), a_track("civilians", minimum=3)),
            people(A, 1) + people(B, 1) + people(A, 4, "civilians") + people(B, 2, "civilians"),
            {"tracks.civilians.minimum_per_side"},
            (3, 2),
            id="track-minimum-above-a-sides-pool",
        ),
        pytest.param(
            an_agreement(count=2, capacity=1, unilateral=("age > 60",)),
            people(A, 3, unilateral=frozenset({0})) + people(B, 1),
            {"unilateral[0]", "tranches.capacity_per_side"},
            (3, 1, 2),
            id="unilateral-releases-over-capacity",
        ),
    ]


@pytest.mark.parametrize(("agreement", "candidates", "keys", "numbers"), _infeasible_cases())
def test_an_infeasible_agreement_names_its_conflict_and_relaxations_that_plan(
    agreement: Agreement, candidates: list[Candidate], keys: set[str], numbers: tuple[int, ...]
) -> None:
    problem = Problem(agreement, tuple(candidates))
    result = plan(problem)
    assert result.status is PlanStatus.INFEASIBLE
    assert not feasible(problem)
    assert (result.releases, result.reserves) == ((), ())
    assert result.conflict is not None
    named = {clause.key for clause in result.conflict.clauses}
    # The tranche count may be named, or only said as a number in the capacity or
    # separate clause's text; then more tranches is still a fix on offer.
    assert keys <= named <= keys | {"tranches.count"}
    text = result.conflict.describe()
    for number in numbers:
        assert re.search(rf"\b{number}\b", text), (number, text)
    assert not re.search(r"frozenset|FormulaKind|Priority\.|Candidate\(|\{|\}", text), text
    assert not re.search(r"\b1 (tranches|people|points)\b", text), text
    assert result.relaxations
    for relaxation in result.relaxations:
        # Changing a clause outside the conflict cannot resolve it.
        assert relaxation.key in named | {"tranches.count"}, relaxation
        assert relaxation.before != relaxation.after
        relaxed = relaxed_problem(problem, relaxation.agreement)
        replanned = plan(relaxed)
        assert replanned.feasible, relaxation
        assert check(relaxed, replanned) == [], relaxation


def test_unilateral_releases_over_capacity_are_fixed_by_raising_the_capacity() -> None:
    agreement = an_agreement(count=2, capacity=1, unilateral=("age > 60",))
    problem = Problem(agreement, (*people(A, 3, unilateral=frozenset({0})), *people(B, 1)))
    offered = {(r.key, r.before, r.after) for r in plan(problem).relaxations}
    assert ("tranches.capacity_per_side", "1", "2") in offered
    assert ("tranches.count", "2", "3") in offered


def test_an_exchange_with_nobody_to_release_plans_nothing() -> None:
    problem = Problem(an_agreement(), ())
    result = plan(problem)
    assert (result.status, result.releases) == (PlanStatus.OPTIMAL, ())
    assert check(problem, result) == []


def test_a_minimum_with_nobody_to_release_is_infeasible_and_says_so() -> None:
    result = plan(Problem(an_agreement(minimum=1), ()))
    assert result.status is PlanStatus.INFEASIBLE
    assert result.conflict is not None
    assert [clause.key for clause in result.conflict.clauses] == ["minimum_per_side"]


def test_more_tranches_than_a_dozen_are_found_and_are_the_fewest_that_work() -> None:
    # 25 mandatory people a side, 1 a side per tranche, 2 tranches: 25 tranches needed.
    agreement = an_agreement(count=2, capacity=1, must_include=("age > 60",))
    forced = frozenset({0})
    problem = Problem(agreement, (*people(A, 25, must_include=forced), *people(B, 25)))
    offered = {r.key: r for r in plan(problem).relaxations}
    assert (offered["tranches.count"].before, offered["tranches.count"].after) == ("2", "25")
    fewer = replace(offered["tranches.count"].agreement.tranches, count=24)
    assert not feasible(replace(problem, agreement=replace(agreement, tranches=fewer)))


def test_two_mandatory_clauses_each_too_many_are_relaxed_together() -> None:
    # Each clause alone forces more civilians from BB than AA can balance.
    agreement = an_agreement(a_track("civilians"), must_include=("seriously_ill", "age < 25"))
    ill, young = frozenset({0}), frozenset({1})
    problem = Problem(
        agreement,
        (
            *people(A, 1, "civilians"),
            *people(B, 3, "civilians", must_include=ill),
            *people(B, 3, "civilians", first=4, must_include=young),
        ),
    )
    result = plan(problem)
    assert result.conflict is not None
    assert "in civilians: AA 0, BB 3" in result.conflict.describe()
    [together] = result.relaxations
    assert (together.key, together.after) == ("must_include", "unilateral")
    relaxed = relaxed_problem(problem, together.agreement)
    assert check(relaxed, plan(relaxed)) == []
