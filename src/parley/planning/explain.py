"""Why no plan exists, and the smallest changes that would let one exist.

The conflict is found by deletion on the count model: start from every clause, drop
each one in turn and keep it dropped if the rest still cannot hold. What remains is
irreducible: every clause in it is needed for the collision (there may be other such
sets, so the text says "one conflict is"). Each clause is then said in plain language
with this exchange's numbers, beside the facts it meets (how many each side can
release at all).

A relaxation changes one clause of the conflict by the least amount: a weighted-slack
model finds how far a number must move (the minimum down, a maximum or the capacity up),
then the relaxed agreement is planned again and kept only if a plan now exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from parley.domain.agreements import Agreement, FormulaKind, TrancheRules, check_law
from parley.planning import counts, highs
from parley.planning.classes import PersonClass
from parley.planning.plan import Clause, Conflict, Relaxation
from parley.planning.problem import Problem

__all__ = ["explain", "find_conflict"]

_MORE_TRANCHES = 12  # how many extra tranches "add a tranche" tries at most


def _holds(agreement: Agreement, classes: list[PersonClass], enabled: list[str]) -> bool:
    return highs.feasible(counts.build(agreement, classes, enabled=enabled))


def find_conflict(agreement: Agreement, classes: list[PersonClass]) -> list[str]:
    """One irreducible set of clause keys that cannot all hold (deletion filter)."""
    kept = counts.clause_keys(agreement)
    for key in list(kept):
        trial = [k for k in kept if k != key]
        if not _holds(agreement, classes, trial):
            kept = trial
    return kept


def _n(value: int) -> str:
    return f"{value:,}"


def _of(value: int, noun: str, plural: str | None = None) -> str:
    """``1 tranche``, ``3 tranches``, ``1,000 people``."""
    return f"{_n(value)} {noun if value == 1 else plural or noun + 's'}"


class _Numbers:
    """The counts a conflict's sentences quote, per side."""

    def __init__(self, problem: Problem) -> None:
        self.parties = problem.agreement.parties
        self.pool: Counter[tuple[str, str]] = Counter()
        self.points: Counter[tuple[str, str]] = Counter()
        self.must: Counter[tuple[str, int]] = Counter()
        self.unilateral: Counter[tuple[str, int]] = Counter()
        for c in problem.candidates:
            self.pool[(c.party, c.track)] += 1
            self.points[(c.party, c.track)] += c.points
            for i in c.must_include:
                self.must[(c.party, i)] += 1
            for i in c.unilateral:
                self.unilateral[(c.party, i)] += 1

    def each(self, counter: Counter[tuple[str, int]], index: int) -> str:
        a, b = self.parties
        return f"{a} {_n(counter[(a, index)])}, {b} {_n(counter[(b, index)])}"


def _say(key: str, agreement: Agreement, numbers: _Numbers) -> str:
    """What clause ``key`` demands, in plain words with the numbers."""
    rules = agreement.tranches
    if key.startswith(("must_include[", "unilateral[")):
        name, index = key.rstrip("]").split("[")
        i = int(index)
        if name == "must_include":
            text = agreement.must_include[i].text
            return (
                f"every person `{text}` selects must be released ({numbers.each(numbers.must, i)})"
            )
        text = agreement.unilateral[i].text
        return (
            f"every person `{text}` selects is released regardless of balance "
            f"({numbers.each(numbers.unilateral, i)}), and travels in the tranches"
        )
    if key.startswith("tracks."):
        name, _, rest = key[len("tracks.") :].rpartition(".")
        return _say_track(agreement, name, rest, numbers)
    if key in ("minimum_per_side", "maximum_per_side"):
        word = "at least" if key == "minimum_per_side" else "at most"
        value = getattr(agreement, key)
        return f"each side must release {word} {_of(value, 'person', 'people')} in all"
    if key == "tranches.capacity_per_side":
        capacity = rules.capacity_per_side or 0
        return (
            f"each side releases at most {_n(capacity)} per tranche, "
            f"{_n(capacity * rules.count)} over {_of(rules.count, 'tranche')}"
        )
    tracks = ", ".join(rules.separate)
    return f"{tracks} travel in tranches of their own ({_of(rules.count, 'tranche')} in all)"


def _say_track(agreement: Agreement, name: str, rest: str, numbers: _Numbers) -> str:
    track = agreement.track(name)
    a, b = agreement.parties
    if rest in ("minimum_per_side", "maximum_per_side"):
        word = "at least" if rest == "minimum_per_side" else "at most"
        return f"each side must release {word} {_n(getattr(track, rest))} in {name}"
    kind = track.formula.kind
    if kind is FormulaKind.ALL_FOR_ALL:
        return (
            f"{name} is all-for-all: {a} must release all {_n(numbers.pool[(a, name)])}, "
            f"{b} all {_n(numbers.pool[(b, name)])}"
        )
    if kind is FormulaKind.PARITY:
        return f"{name} is parity: in each tranche both sides release as many in {name}"
    if kind is FormulaKind.TARIFF:
        return f"{name} is a tariff: in each tranche both sides release as many points"
    terms = dict(track.formula.ratio)
    return (
        f"{name} is a ratio: in each tranche {a} releases {terms[a]} for every "
        f"{terms[b]} {b} releases"
    )


def _facts(agreement: Agreement, keys: list[str], numbers: _Numbers) -> tuple[str, ...]:
    """How many each side can release at all, in the tracks the conflict touches."""
    named = {k.split(".")[1] for k in keys if k.startswith("tracks.")}
    facts = []
    for track in agreement.tracks:
        if named and track.name not in named:
            continue
        parts = []
        for party in agreement.parties:
            text = f"{party} can release at most {_n(numbers.pool[(party, track.name)])}"
            if track.formula.kind is FormulaKind.TARIFF:
                text += f" ({_of(numbers.points[(party, track.name)], 'point')})"
            parts.append(text)
        facts.append(" and ".join(parts) + f" in {track.name}")
    return tuple(facts)


def explain(problem: Problem, classes: list[PersonClass]) -> tuple[Conflict, list[Relaxation]]:
    """One conflict of ``problem``'s infeasible agreement, and relaxations that work."""
    agreement = problem.agreement
    keys = find_conflict(agreement, classes)
    numbers = _Numbers(problem)
    conflict = Conflict(
        tuple(Clause(key, _say(key, agreement, numbers)) for key in keys),
        _facts(agreement, keys, numbers),
    )
    relaxations: list[Relaxation] = []
    for key in keys:
        for relaxation in _relax(problem, classes, key):
            if all((r.key, r.after) != (relaxation.key, relaxation.after) for r in relaxations):
                relaxations.append(relaxation)
    return conflict, relaxations


def _relax(problem: Problem, classes: list[PersonClass], key: str) -> list[Relaxation]:
    agreement = problem.agreement
    found: list[Relaxation] = []
    if key.endswith(("minimum_per_side", "maximum_per_side", "capacity_per_side")):
        found += _numeric(agreement, classes, key)
    if key in ("tranches.capacity_per_side", "tranches.separate"):
        found += _more_tranches(agreement, classes)
    if key == "tranches.separate":
        for name in agreement.tranches.separate:
            rules = replace(
                agreement.tranches,
                separate=tuple(t for t in agreement.tranches.separate if t != name),
            )
            relaxed = replace(agreement, tranches=rules)
            text = f"let {name} travel in the same tranches as the other tracks"
            found += _checked(
                agreement,
                relaxed,
                classes,
                key,
                ", ".join(agreement.tranches.separate),
                ", ".join(rules.separate) or "(none)",
                text,
            )
    if key.startswith("must_include["):
        found += _unforce(problem, classes, int(key[len("must_include[") : -1]))
    return found


def _checked(
    agreement: Agreement,
    relaxed: Agreement,
    classes: list[PersonClass],
    key: str,
    before: str,
    after: str,
    text: str,
) -> list[Relaxation]:
    """The relaxation if a plan exists under ``relaxed`` and the law allows it, else nothing.

    A change that would draw a law warning the agreement did not have (dropping the
    seriously ill from ``must_include`` makes them wait on parity, against GC III
    Art. 109(1)) is never proposed.
    """
    if len(check_law(relaxed)) > len(check_law(agreement)):
        return []
    if not highs.feasible(counts.build(relaxed, classes)):
        return []
    return [Relaxation(key, before, after, text, relaxed)]


def _numeric(agreement: Agreement, classes: list[PersonClass], key: str) -> list[Relaxation]:
    """Move one number by the least that lets a plan exist."""
    slack = highs.minimise_slack(counts.build(agreement, classes, slack_on=key))
    if not slack:
        return []
    if key == "tranches.capacity_per_side":
        before = agreement.tranches.capacity_per_side or 0
        after = before + slack
        relaxed = replace(agreement, tranches=replace(agreement.tranches, capacity_per_side=after))
        text = f"raise the capacity per side per tranche from {_n(before)} to {_n(after)}"
        return _checked(agreement, relaxed, classes, key, str(before), str(after), text)
    name, _, field = key.rpartition(".")
    lowering = field == "minimum_per_side"
    if name:
        track = agreement.track(name.split(".", 1)[1])
        before = getattr(track, field)
        after = max(before - slack, 0) if lowering else before + slack
        tracks = tuple(
            replace(t, **{field: after}) if t.name == track.name else t for t in agreement.tracks
        )
        relaxed = replace(agreement, tracks=tracks)
        where = f" in {track.name}"
    else:
        before = getattr(agreement, field)
        after = max(before - slack, 0) if lowering else before + slack
        relaxed = replace(agreement, **{field: after})
        where = ""
    verb = "lower" if lowering else "raise"
    text = f"{verb} the {field.split('_')[0]} per side{where} from {_n(before)} to {_n(after)}"
    return _checked(agreement, relaxed, classes, key, str(before), str(after), text)


def _more_tranches(agreement: Agreement, classes: list[PersonClass]) -> list[Relaxation]:
    """Add the fewest tranches that let a plan exist (their dates to be agreed)."""
    rules = agreement.tranches
    for count in range(rules.count + 1, rules.count + _MORE_TRANCHES + 1):
        if highs.feasible(counts.build(agreement, classes, tranches=count)):
            relaxed = replace(
                agreement,
                tranches=TrancheRules(
                    count=count,
                    capacity_per_side=rules.capacity_per_side,
                    separate=rules.separate,
                    max_lead=rules.max_lead,
                ),
            )
            extra = count - rules.count
            text = f"add {extra} tranche{'s' if extra > 1 else ''} ({count} in all; dates to agree)"
            return [Relaxation("tranches.count", str(rules.count), str(count), text, relaxed)]
    return []


def _unforce(problem: Problem, classes: list[PersonClass], index: int) -> list[Relaxation]:
    """Move ``must_include[index]`` to ``unilateral``, or else make it a preference."""
    agreement = problem.agreement
    clause = agreement.must_include[index]
    rest = agreement.must_include[:index] + agreement.must_include[index + 1 :]
    key = f"must_include[{index}]"
    added = len(agreement.unilateral)
    options = (
        (
            replace(agreement, must_include=rest, unilateral=(*agreement.unilateral, clause)),
            True,
            f"release everyone `{clause.text}` selects unilaterally, outside the balance",
            "unilateral",
        ),
        (
            replace(agreement, must_include=rest),
            False,
            f"drop `{clause.text}` from must_include (they may still be chosen)",
            "(dropped)",
        ),
    )
    for relaxed, to_unilateral, text, after in options:
        # Only the classes' keys change; their members stay as they are.
        moved = [
            PersonClass(
                replace(
                    cls.key,
                    must_include=tuple(i - (i > index) for i in cls.key.must_include if i != index),
                    unilateral=(*cls.key.unilateral, added)
                    if to_unilateral and index in cls.key.must_include
                    else cls.key.unilateral,
                ),
                cls.members,
            )
            for cls in classes
        ]
        found = _checked(agreement, relaxed, moved, key, "must_include", after, text)
        if found:
            return found
    return []
