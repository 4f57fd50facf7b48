"""An independent check of a plan against its agreement, and a brute-force optimum.

Written from the clause semantics (the planner notes, clauses 1-9) without the planner:
only the plain data types of ``parley.planning.problem`` and ``.plan`` are used.
:func:`check` lists every clause a plan breaks, in plain words; :func:`brute_force`
tries every assignment of a tiny problem, so the planner's optimum can be compared with
one found the slow, obvious way.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from datetime import date
from fractions import Fraction

from parley.domain.agreements import Agreement, FormulaKind, Order
from parley.domain.requests import Priority
from parley.planning.plan import Plan, PlanStatus
from parley.planning.problem import Candidate, Problem

STAGES = (
    *(f"requested {p.value}" for p in Priority),  # urgent, high, normal, low
    *("seriously ill", "people released", "seriously ill lateness"),
)
Key = tuple[str, str]  # (party, record_id)
Released = list[tuple[Candidate, int]]  # (candidate, tranche)


def _key(c: Candidate) -> Key:
    return c.party, c.record_id


def _forced(agreement: Agreement, candidate: Candidate) -> bool:
    """Clause 2: named by a must_include or unilateral clause, or in an all-for-all track."""
    kind = agreement.track(candidate.track).formula.kind
    return bool(candidate.must_include or candidate.unilateral) or kind is FormulaKind.ALL_FOR_ALL


def violations(problem: Problem, placed: Mapping[Key, int]) -> Iterator[str]:
    """Clauses 2, 4-7 and the order within a class broken by ``placed`` (key -> tranche)."""
    for c in problem.candidates:
        if _forced(problem.agreement, c) and _key(c) not in placed:
            yield f"{c.party}/{c.record_id} must be released but is not"
    released = [(c, placed[_key(c)]) for c in problem.candidates if _key(c) in placed]
    counted = [(c, k) for c, k in released if not c.unilateral]  # unilateral: capacity only
    yield from _balance_violations(problem.agreement, counted)
    yield from _total_violations(problem.agreement, counted)
    yield from _tranche_violations(problem.agreement, released)
    yield from _order_violations(problem, placed)


def _balance_violations(agreement: Agreement, counted: Released) -> Iterator[str]:
    """Clause 4: every balanced track balances in every tranche."""
    heads: Counter[tuple[str, str, int]] = Counter()
    points: Counter[tuple[str, str, int]] = Counter()
    for c, k in counted:
        heads[c.party, c.track, k] += 1
        points[c.party, c.track, k] += c.points
    a, b = agreement.parties
    for track, k in itertools.product(agreement.tracks, range(1, agreement.tranches.count + 1)):
        kind, ratio = track.formula.kind, dict(track.formula.ratio)
        na, nb = heads[a, track.name, k], heads[b, track.name, k]
        pa, pb = points[a, track.name, k], points[b, track.name, k]
        if (
            (kind is FormulaKind.PARITY and na != nb)
            or (kind is FormulaKind.RATIO and na * ratio[b] != nb * ratio[a])
            or (kind is FormulaKind.TARIFF and pa != pb)
        ):
            yield f"{track.name}, tranche {k}: {kind.value} broken, {na} ({pa} pt) for {nb} ({pb})"


def _total_violations(agreement: Agreement, counted: Released) -> Iterator[str]:
    """Clause 5: each side's counted releases, in all and per track, within the bounds."""
    bounds: list[tuple[str | None, int | None, int | None]]
    bounds = [(None, agreement.minimum_per_side, agreement.maximum_per_side)]
    bounds += [(t.name, t.minimum_per_side, t.maximum_per_side) for t in agreement.tracks]
    for (track, low, high), party in itertools.product(bounds, agreement.parties):
        n = sum(1 for c, _ in counted if c.party == party and track in (None, c.track))
        if (low is not None and n < low) or (high is not None and n > high):
            yield f"{party} releases {n} in {track or 'all'}, outside [{low}, {high}]"


def _tranche_violations(agreement: Agreement, released: Released) -> Iterator[str]:
    """Clauses 6 and 7: capacity per side per tranche, and separate tracks alone."""
    capacity = agreement.tranches.capacity_per_side
    for (party, k), n in Counter((c.party, k) for c, k in released).items():
        if capacity is not None and n > capacity:
            yield f"tranche {k}: {party} releases {n}, over the capacity {capacity}"
    tracks_in: defaultdict[int, set[str]] = defaultdict(set)
    for c, k in released:
        tracks_in[k].add(c.track)
    for k, names in tracks_in.items():
        if names & set(agreement.tranches.separate) and len(names) > 1:
            yield f"tranche {k} mixes a separate track with another: {sorted(names)}"


def _order_violations(problem: Problem, placed: Mapping[Key, int]) -> Iterator[str]:
    """Clause 9's tie rule: within a class, nobody left behind is preferred to one chosen."""
    classes: defaultdict[tuple[object, ...], list[Candidate]] = defaultdict(list)
    for c in problem.candidates:
        if _forced(problem.agreement, c):
            continue  # forced people are all released (a class of their own)
        fcf = problem.agreement.track(c.track).formula.order is Order.FIRST_CAPTURED_FIRST
        classes[(fcf, c.party, c.track, c.points, c.requested, c.seriously_ill)].append(c)
    for name, members in classes.items():
        fcf = name[0] is True
        chosen = [_rank(m, fcf) for m in members if _key(m) in placed]
        left = [_rank(m, fcf) for m in members if _key(m) not in placed]
        if chosen and left and max(chosen) > min(left):
            yield f"class {name[1:]}: someone preferred is left out for someone chosen"


def _rank(c: Candidate, first_captured_first: bool) -> tuple[object, ...]:
    """Smaller goes first; unknown capture counts as captured last, unknown birth as oldest."""
    held = (c.captured_on or date.max).toordinal()
    if first_captured_first:
        return (held,)  # equal dates may go either way
    return (-c.born, held, c.record_id)


def stage_values(problem: Problem, placed: Mapping[Key, int]) -> tuple[int, ...]:
    """The objective's stages (``STAGES`` order) reached by ``placed``."""
    released = [c for c in problem.candidates if _key(c) in placed]
    requested = [sum(1 for c in released if c.requested is p) for p in Priority]
    ill = [c for c in released if c.seriously_ill]
    lateness = sum(placed[_key(c)] - 1 for c in ill)
    return (*requested, len(ill), len(released), lateness)


def _reserve_problems(problem: Problem, plan: Plan, placed: Mapping[Key, int]) -> Iterator[str]:
    """Clause 8: reserves of the same side and track, unreleased, in the right number."""
    by_key = {_key(c): c for c in problem.candidates}
    share = Fraction(repr(problem.agreement.reserve_share))  # 0.7 is 7/10, not 0.69999...
    ranks: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for r in plan.reserves:
        c = by_key.get((r.party, r.record_id))
        if c is None or (c.track, c.points) != (r.track, r.points) or _key(c) in placed:
            yield f"reserve {r.party}/{r.record_id} is no unreleased candidate of {r.track}"
        ranks[r.party, r.track].append(r.rank)
    if len({(r.party, r.record_id) for r in plan.reserves}) < len(plan.reserves):
        yield "someone is kept as a reserve twice"
    for party, track in itertools.product(problem.agreement.parties, problem.agreement.tracks):
        mine = [c for c in problem.candidates if (c.party, c.track) == (party, track.name)]
        released = sum(1 for c in mine if _key(c) in placed)
        left = [c for c in mine if _key(c) not in placed and not _forced(problem.agreement, c)]
        want = min(math.ceil(share * released), len(left))
        got = sorted(ranks[party, track.name])
        if got != list(range(1, want + 1)):
            yield f"{party} in {track.name}: reserves ranked {got}, expected 1..{want}"


def check(problem: Problem, plan: Plan) -> list[str]:
    """Every clause ``plan`` breaks under ``problem``, in plain words; empty when all hold."""
    if plan.status is not PlanStatus.OPTIMAL:
        return [f"the plan is {plan.status.value}, not optimal"]
    broken: list[str] = []
    count = problem.agreement.tranches.count
    if plan.tranches != count:
        broken.append(f"the plan has {plan.tranches} tranches, the agreement {count}")
    by_key = {_key(c): c for c in problem.candidates}
    placed: dict[Key, int] = {}
    for r in plan.releases:
        key = (r.party, r.record_id)
        c = by_key.get(key)
        if c is None:
            broken.append(f"{r.party}/{r.record_id} is released but is not a candidate")
            continue
        if key in placed:
            broken.append(f"{r.party}/{r.record_id} is released twice")
        if not 1 <= r.tranche <= count:
            broken.append(f"{r.party}/{r.record_id} is released in tranche {r.tranche}")
        facts = (r.track, r.points, r.unilateral, r.seriously_ill, r.requested)
        if facts != (c.track, c.points, bool(c.unilateral), c.seriously_ill, c.requested):
            broken.append(f"{r.party}/{r.record_id}: release says {facts}, candidate differs")
        if c.must_include and not r.mandatory:
            broken.append(f"{r.party}/{r.record_id} is mandatory but not marked so")
        placed[key] = r.tranche
    broken += violations(problem, placed)
    broken += _reserve_problems(problem, plan, placed)
    stages = tuple((s.name, s.value) for s in plan.stages)
    expected = tuple(zip(STAGES, stage_values(problem, placed), strict=True))
    if stages != expected:
        broken.append(f"stages say {stages}, the releases give {expected}")
    return broken


def score(values: tuple[int, ...]) -> tuple[int, ...]:
    """Stage values as a key where smaller is better: five maximised, then two minimised."""
    return (*(-v for v in values[:5]), *values[5:])


def brute_force(problem: Problem) -> tuple[int, ...] | None:
    """The best stage values over every assignment of a tiny problem; None if none is feasible.

    Each candidate is left out or put in one of the tranches; assignments breaking a
    clause are dropped. Meant for at most 4 candidates a side and 2 tranches.
    """
    count, candidates = problem.agreement.tranches.count, problem.candidates
    if count > 2 or max(Counter(c.party for c in candidates).values(), default=0) > 4:
        raise ValueError("too big to brute force: at most 4 candidates a side, 2 tranches")
    options = [
        range(1, count + 1) if _forced(problem.agreement, c) else range(count + 1)
        for c in candidates
    ]
    best: tuple[int, ...] | None = None
    for choice in itertools.product(*options):
        placed = {_key(c): k for c, k in zip(candidates, choice, strict=True) if k}
        if next(violations(problem, placed), None) is not None:
            continue
        values = stage_values(problem, placed)
        if best is None or score(values) < score(best):
            best = values
    return best


def relaxed_problem(problem: Problem, agreement: Agreement) -> Problem:
    """``problem``'s candidates under a changed ``agreement``.

    A clause true for a candidate stays true wherever the change puts it: clause indices
    are carried over by the clause's text, so a must_include clause dropped, reordered or
    moved to unilateral keeps everyone's answers.
    """
    old, new = problem.agreement, agreement
    moved = []
    for c in problem.candidates:
        texts = {old.must_include[i].text for i in c.must_include}
        texts |= {old.unilateral[i].text for i in c.unilateral}
        must = frozenset(i for i, s in enumerate(new.must_include) if s.text in texts)
        alone = frozenset(i for i, s in enumerate(new.unilateral) if s.text in texts)
        moved.append(dataclasses.replace(c, must_include=must, unilateral=alone))
    return Problem(agreement, tuple(moved))
