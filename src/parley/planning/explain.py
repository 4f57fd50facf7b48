"""Why no plan exists, and the smallest changes that would let one exist.

The conflict is found by deletion on the count model: start from every clause, drop
each one in turn and keep it dropped if the rest still cannot hold. What remains is
irreducible: every clause in it is needed for the collision (there may be other such
sets, so the text says "one conflict is"). Each clause is then said in plain language
with this exchange's numbers, beside the facts it meets (how many each side can
release at all).

A relaxation changes one clause of the conflict by the least amount (the minimum down,
a maximum or the capacity up, more tranches): each such change only loosens, so the least
one is found by doubling and halving, first on the model without tranches, then on the
whole model. Moving a ``must_include`` clause to ``unilateral``, or letting a separate
track travel with the others, is tried as it is. Each relaxed agreement is checked to
let a plan exist, and one that would draw a law warning is never proposed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from parley.domain.agreements import Agreement, FormulaKind, TrancheRules, check_law
from parley.planning import counts, highs
from parley.planning.classes import PersonClass
from parley.planning.plan import Clause, Conflict, Relaxation
from parley.planning.problem import Problem

__all__ = ["explain", "find_conflict", "holds"]

_MOST_TRANCHES = 1000  # "add tranches" looks no further: handovers are counted in tens


def holds(
    agreement: Agreement,
    classes: list[PersonClass],
    *,
    enabled: list[str] | None = None,
    tranches: int | None = None,
) -> bool:
    """Whether the ``enabled`` clauses (default: all) can all hold, proven either way.

    The model without tranches answers most "no"s at once; a "yes" there is checked on
    the model with tranches.
    """
    totals = counts.build_totals(agreement, classes, enabled=enabled, tranches=tranches)
    if not highs.feasible(totals):
        return False
    return highs.feasible(counts.build(agreement, classes, enabled=enabled, tranches=tranches))


def find_conflict(agreement: Agreement, classes: list[PersonClass]) -> list[str]:
    """One irreducible set of clause keys that cannot all hold (deletion filter)."""
    kept = counts.clause_keys(agreement)
    for key in list(kept):
        trial = [k for k in kept if k != key]
        if not holds(agreement, classes, enabled=trial):
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
        self.must: Counter[tuple[str, int, str]] = Counter()
        self.unilateral: Counter[tuple[str, int, str]] = Counter()
        for c in problem.candidates:
            self.pool[(c.party, c.track)] += 1
            self.points[(c.party, c.track)] += c.points
            for i in c.must_include:
                self.must[(c.party, i, c.track)] += 1
            for i in c.unilateral:
                self.unilateral[(c.party, i, c.track)] += 1

    def each(self, counter: Counter[tuple[str, int, str]], index: int, tracks: set[str]) -> str:
        """Each side's count, in the ``tracks`` the conflict is about (all if none)."""
        a, b = self.parties

        def count(party: str) -> int:
            return sum(
                n
                for (p, i, t), n in counter.items()
                if (p, i) == (party, index) and (not tracks or t in tracks)
            )

        where = f"in {', '.join(sorted(tracks))}: " if tracks else ""
        return f"{where}{a} {_n(count(a))}, {b} {_n(count(b))}"


def _say(key: str, agreement: Agreement, numbers: _Numbers, tracks: set[str]) -> str:
    """What clause ``key`` demands, in plain words with the numbers (in ``tracks``)."""
    rules = agreement.tranches
    if key.startswith(("must_include[", "unilateral[")):
        name, index = key.rstrip("]").split("[")
        i = int(index)
        if name == "must_include":
            text = agreement.must_include[i].text
            counts_ = numbers.each(numbers.must, i, tracks)
            return f"every person `{text}` selects must be released ({counts_})"
        text = agreement.unilateral[i].text
        return (
            f"every person `{text}` selects is released regardless of balance "
            f"({numbers.each(numbers.unilateral, i, tracks)}), and travels in the tranches"
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
    apart = ", ".join(rules.separate)
    return f"{apart} travel in tranches of their own ({_of(rules.count, 'tranche')} in all)"


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


def _tracks_named(keys: list[str]) -> set[str]:
    """The tracks whose own clauses are in the conflict."""
    return {key.split(".")[1] for key in keys if key.startswith("tracks.")}


def _facts(agreement: Agreement, keys: list[str], numbers: _Numbers) -> tuple[str, ...]:
    """How many each side can release at all, in the tracks the conflict touches."""
    named = _tracks_named(keys)
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


def explain(
    problem: Problem, classes: list[PersonClass], *, relax: bool = True
) -> tuple[Conflict, list[Relaxation]]:
    """One conflict of ``problem``'s infeasible agreement, and (``relax``) changes that work."""
    agreement = problem.agreement
    keys = find_conflict(agreement, classes)
    numbers = _Numbers(problem)
    named = _tracks_named(keys)
    conflict = Conflict(
        tuple(Clause(key, _say(key, agreement, numbers, named)) for key in keys),
        _facts(agreement, keys, numbers),
    )
    relaxations: list[Relaxation] = []
    if not relax:
        return conflict, relaxations
    for key in keys:
        for relaxation in _relax(problem, classes, key):
            if all((r.key, r.after) != (relaxation.key, relaxation.after) for r in relaxations):
                relaxations.append(relaxation)
    mandatory = tuple(range(len(agreement.must_include)))
    if len(mandatory) > 1 and not relaxations and any(k.startswith("must_include") for k in keys):
        # Another conflict may need the same change to another clause: try them together.
        relaxations += _unforce(problem, classes, mandatory, "must_include")
    return conflict, relaxations


def _relax(problem: Problem, classes: list[PersonClass], key: str) -> list[Relaxation]:
    agreement = problem.agreement
    found: list[Relaxation] = []
    if key.endswith(("minimum_per_side", "maximum_per_side", "capacity_per_side")):
        largest = max(
            sum(cls.size for cls in classes if cls.key.party == p) for p in agreement.parties
        )
        found += _numeric(agreement, classes, key, largest)
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
        found += _unforce(problem, classes, (int(key[len("must_include[") : -1]),), key)
    return found


def _checked(
    agreement: Agreement,
    relaxed: Agreement,
    classes: list[PersonClass],
    key: str,
    before: str,
    after: str,
    text: str,
    *,
    known: bool = False,
) -> list[Relaxation]:
    """The relaxation if a plan exists under ``relaxed`` and the law allows it, else nothing.

    ``known``: a plan was already shown to exist. A change that would draw a law
    warning the agreement did not have (dropping the seriously ill from
    ``must_include`` makes them wait on parity, against GC III Art. 109(1)) is never
    proposed.
    """
    if len(check_law(relaxed)) > len(check_law(agreement)):
        return []
    if not known and not holds(relaxed, classes):
        return []
    return [Relaxation(key, before, after, text, relaxed)]


def _least(
    classes: list[PersonClass], change: Callable[[int], Agreement], limit: int
) -> int | None:
    """The least ``d`` in 1..``limit`` for which ``change(d)`` lets a plan exist.

    Every change here only loosens as ``d`` grows, so the answer is found by doubling
    and halving: first on the model without tranches (a relaxation: fast, and never
    above the answer), then on the whole model from there.
    """
    if limit < 1:
        return None

    def relaxed(d: int) -> bool:
        return highs.feasible(counts.build_totals(change(d), classes))

    def whole(d: int) -> bool:
        return holds(change(d), classes)

    first = _search(relaxed, 0, limit)
    if first is None or whole(first):
        return first
    return _search(whole, first, limit)


def _search(test: Callable[[int], bool], low: int, limit: int) -> int | None:
    """The least ``d`` in ``low + 1``..``limit`` that passes ``test`` (monotone), or None."""
    high = low + 1
    while not test(high):
        if high >= limit:
            return None
        low, high = high, min(high * 2, limit)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if test(middle) else (middle, high)
    return high


def _numeric(
    agreement: Agreement, classes: list[PersonClass], key: str, largest: int
) -> list[Relaxation]:
    """Move one number by the least that lets a plan exist (``largest``: no side has more)."""
    if key == "tranches.capacity_per_side":
        before = agreement.tranches.capacity_per_side or 0

        def capacity(d: int) -> Agreement:
            rules = replace(agreement.tranches, capacity_per_side=before + d)
            return replace(agreement, tranches=rules)

        d = _least(classes, capacity, largest - before)
        if d is None:
            return []
        text = f"raise the capacity per side per tranche from {_n(before)} to {_n(before + d)}"
        after = str(before + d)
        return _checked(agreement, capacity(d), classes, key, str(before), after, text, known=True)
    name, _, field = key.rpartition(".")
    lowering = field == "minimum_per_side"
    track = agreement.track(name.split(".", 1)[1]) if name else None
    before = getattr(track if track is not None else agreement, field)
    sign = -1 if lowering else 1

    def moved(d: int) -> Agreement:
        if track is None:
            return replace(agreement, **{field: before + sign * d})
        tracks = tuple(
            replace(t, **{field: before + sign * d}) if t.name == track.name else t
            for t in agreement.tracks
        )
        return replace(agreement, tracks=tracks)

    d = _least(classes, moved, before if lowering else largest - before)
    if d is None:
        return []
    after = before + sign * d
    where = f" in {track.name}" if track is not None else ""
    verb = "lower" if lowering else "raise"
    text = f"{verb} the {field.split('_')[0]} per side{where} from {_n(before)} to {_n(after)}"
    return _checked(agreement, moved(d), classes, key, str(before), str(after), text, known=True)


def _more_tranches(agreement: Agreement, classes: list[PersonClass]) -> list[Relaxation]:
    """Add the fewest tranches that let a plan exist (their dates to be agreed)."""
    rules = agreement.tranches

    def more(d: int) -> Agreement:
        return replace(
            agreement,
            tranches=TrancheRules(
                count=rules.count + d,
                capacity_per_side=rules.capacity_per_side,
                separate=rules.separate,
                max_lead=rules.max_lead,
            ),
        )

    extra = _least(classes, more, _MOST_TRANCHES - rules.count)
    if extra is None:
        return []
    count = rules.count + extra
    text = f"add {_of(extra, 'tranche')} ({count} in all; dates to agree)"
    return [Relaxation("tranches.count", str(rules.count), str(count), text, more(extra))]


def _unforce(
    problem: Problem, classes: list[PersonClass], indices: tuple[int, ...], key: str
) -> list[Relaxation]:
    """Move the ``must_include`` clauses ``indices`` to ``unilateral``, or else drop them."""
    agreement = problem.agreement
    chosen = [agreement.must_include[i] for i in indices]
    rest = tuple(c for i, c in enumerate(agreement.must_include) if i not in indices)
    texts = " or ".join(f"`{c.text}`" for c in chosen)
    before = "must_include: " + ", ".join(c.text for c in chosen)
    moved_to = {i: len(agreement.unilateral) + n for n, i in enumerate(indices)}
    options = (
        (
            replace(agreement, must_include=rest, unilateral=(*agreement.unilateral, *chosen)),
            True,
            f"release everyone {texts} selects unilaterally, outside the balance",
            "unilateral",
        ),
        (
            replace(agreement, must_include=rest),
            False,
            f"drop {texts} from must_include (they may still be chosen)",
            "(dropped)",
        ),
    )
    for relaxed, to_unilateral, text, after in options:
        # Only the classes' keys change; their members stay as they are.
        moved = [
            PersonClass(
                replace(
                    cls.key,
                    must_include=tuple(
                        i - sum(1 for j in indices if j < i)
                        for i in cls.key.must_include
                        if i not in indices
                    ),
                    unilateral=(
                        *cls.key.unilateral,
                        *(moved_to[i] for i in cls.key.must_include if i in moved_to),
                    )
                    if to_unilateral
                    else cls.key.unilateral,
                ),
                cls.members,
            )
            for cls in classes
        ]
        found = _checked(agreement, relaxed, moved, key, before, after, text)
        if found:
            return found
    return []
