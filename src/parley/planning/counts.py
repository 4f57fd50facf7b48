"""The count model: how many of each class each tranche takes, under named clauses.

Variables are whole numbers ``x[c, k]``: people of class ``c`` released in tranche
``k``; with ``separate`` tracks, a yes/no ``u[g, k]`` says which group of tracks a
tranche carries. Every constraint row is tagged with the clause of the agreement it
comes from (``minimum_per_side``, ``tracks.military.formula``, ``must_include[1]``), or
with none for facts (nobody goes twice, a class holds what it holds). The model is
plain data; :mod:`parley.planning.highs` solves it.

Any plan gives a solution of this model (count each class in each tranche), and any
solution gives a plan (take that many of each class, in order), so the model is exact:
infeasible here means no plan exists, and optimal here is optimal for the people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parley.domain.agreements import Agreement, FormulaKind
from parley.planning.classes import PersonClass

__all__ = ["CountModel", "Row", "build", "build_totals", "clause_keys", "fix_totals"]


@dataclass(slots=True)
class Row:
    """``lower <= sum(coefficient * variable) <= upper``, from ``clause`` (None: a fact)."""

    coefficients: dict[int, float]
    lower: float
    upper: float
    clause: str | None = None


@dataclass(slots=True)
class CountModel:
    """Variables with bounds, rows, and where each class's counts live."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    counts: list[list[int]] = field(default_factory=list)  # class -> tranche -> variable

    def variable(self, lower: float, upper: float, *, integer: bool = True) -> int:
        """Add a variable; its index."""
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.lower) - 1

    def add(
        self, coefficients: Mapping[int, float], lower: float, upper: float, clause: str | None
    ) -> None:
        """Add a row."""
        self.rows.append(Row(dict(coefficients), lower, upper, clause))


_INF = float("inf")


def clause_keys(agreement: Agreement) -> list[str]:
    """Every clause of ``agreement`` that constrains a plan, in the file's order."""
    keys = [f"must_include[{i}]" for i in range(len(agreement.must_include))]
    keys += [f"unilateral[{i}]" for i in range(len(agreement.unilateral))]
    for track in agreement.tracks:
        keys.append(f"tracks.{track.name}.formula")
        if track.minimum_per_side is not None:
            keys.append(f"tracks.{track.name}.minimum_per_side")
        if track.maximum_per_side is not None:
            keys.append(f"tracks.{track.name}.maximum_per_side")
    if agreement.minimum_per_side is not None:
        keys.append("minimum_per_side")
    if agreement.maximum_per_side is not None:
        keys.append("maximum_per_side")
    if agreement.tranches.capacity_per_side is not None:
        keys.append("tranches.capacity_per_side")
    if agreement.tranches.separate:
        keys.append("tranches.separate")
    return keys


def _forced(cls: PersonClass, agreement: Agreement, enabled: frozenset[str]) -> bool:
    key = cls.key
    track = agreement.track(key.track)
    return (
        any(f"must_include[{i}]" in enabled for i in key.must_include)
        or _unilateral(cls, enabled)
        or (
            track.formula.kind is FormulaKind.ALL_FOR_ALL
            and f"tracks.{track.name}.formula" in enabled
        )
    )


def _unilateral(cls: PersonClass, enabled: frozenset[str]) -> bool:
    return any(f"unilateral[{i}]" in enabled for i in cls.key.unilateral)


def _balance_weights(agreement: Agreement, track_name: str) -> dict[str, int] | None:
    """Per party, what one counted release weighs in the track's balance row."""
    formula = agreement.track(track_name).formula
    first, second = agreement.parties
    if formula.kind is FormulaKind.PARITY or formula.kind is FormulaKind.TARIFF:
        return {first: 1, second: -1}
    if formula.kind is FormulaKind.RATIO:
        terms = dict(formula.ratio)
        return {first: terms[second], second: -terms[first]}
    return None


def _scope(
    agreement: Agreement, enabled: Iterable[str] | None, tranches: int | None
) -> tuple[frozenset[str], int]:
    """The clauses in force (default: all) and the number of tranches (default: the rules')."""
    on = frozenset(clause_keys(agreement) if enabled is None else enabled)
    return on, agreement.tranches.count if tranches is None else tranches


def _with_classes(
    agreement: Agreement, classes: list[PersonClass], on: frozenset[str], cells: int
) -> CountModel:
    """A model with ``cells`` counts per class, each class's sum within its size.

    A class is released whole when a clause in force forces it.
    """
    model = CountModel()
    for cls in classes:
        row = [model.variable(0, cls.size) for _ in range(cells)]
        model.counts.append(row)
        size = float(cls.size)
        model.add(dict.fromkeys(row, 1.0), size if _forced(cls, agreement, on) else 0, size, None)
    return model


def build(
    agreement: Agreement,
    classes: list[PersonClass],
    *,
    enabled: Iterable[str] | None = None,
    tranches: int | None = None,
) -> CountModel:
    """The count model of ``classes`` under the ``enabled`` clauses (default: all)."""
    on, count = _scope(agreement, enabled, tranches)
    model = _with_classes(agreement, classes, on, count)
    _add_balance(model, agreement, classes, on, count)
    _add_totals(model, agreement, classes, on)
    _add_capacity(model, agreement, classes, on, count)
    _add_separate(model, agreement, classes, on, count)
    return model


def build_totals(
    agreement: Agreement,
    classes: list[PersonClass],
    *,
    enabled: Iterable[str] | None = None,
    tranches: int | None = None,
) -> CountModel:
    """The count model without tranches: how many of each class go in all.

    Each tranche's balance, capacity and separation summed over the tranches: a
    relaxation of :func:`build`, so that no solution here means no plan, and the
    objective's stages that do not look at tranches can be solved on a model as small
    as the number of classes. ``counts[c]`` is a one-cell list.
    """
    on, count = _scope(agreement, enabled, tranches)
    model = _with_classes(agreement, classes, on, 1)
    _add_balance(model, agreement, classes, on, 1)
    _add_totals(model, agreement, classes, on)
    capacity = agreement.tranches.capacity_per_side
    separate = agreement.tranches.separate if "tranches.separate" in on else ()
    groups: list[str | None] = [*separate, None]
    # How many tranches each group of tracks takes (all of them, when none is separate).
    share = {name: model.variable(0, count) for name in groups} if separate else {}
    if separate:
        model.add(dict.fromkeys(share.values(), 1.0), 0, count, "tranches.separate")
        for cls, (cell,) in zip(classes, model.counts, strict=True):
            name = cls.key.track if cls.key.track in separate else None
            row = {cell: 1.0, share[name]: -float(cls.size)}
            model.add(row, -_INF, 0, "tranches.separate")
    if capacity is None or "tranches.capacity_per_side" not in on:
        return model
    for party in agreement.parties:
        for name in groups if separate else [None]:
            row = {
                cell: 1.0
                for cls, (cell,) in zip(classes, model.counts, strict=True)
                if cls.key.party == party
                and (not separate or (cls.key.track if cls.key.track in separate else None) == name)
            }
            if separate:
                row[share[name]] = -float(capacity)
                model.add(row, -_INF, 0, "tranches.capacity_per_side")
            else:
                model.add(row, -_INF, capacity * count, "tranches.capacity_per_side")
    return model


def fix_totals(model: CountModel, totals: list[int]) -> None:
    """Hold each class of a tranche model to its total (from :func:`build_totals`)."""
    for cells, total in zip(model.counts, totals, strict=True):
        model.add(dict.fromkeys(cells, 1.0), total, total, None)


def _counted(classes: list[PersonClass], on: frozenset[str]) -> list[int]:
    return [index for index, cls in enumerate(classes) if not _unilateral(cls, on)]


def _add_balance(
    model: CountModel,
    agreement: Agreement,
    classes: list[PersonClass],
    on: frozenset[str],
    count: int,
) -> None:
    counted = _counted(classes, on)
    for track in agreement.tracks:
        clause = f"tracks.{track.name}.formula"
        weights = _balance_weights(agreement, track.name)
        if weights is None or clause not in on:
            continue
        by_points = track.formula.kind is FormulaKind.TARIFF
        members = [i for i in counted if classes[i].key.track == track.name]
        for k in range(count):
            row = {
                model.counts[i][k]: float(
                    weights[classes[i].key.party] * (classes[i].key.points if by_points else 1)
                )
                for i in members
            }
            model.add(row, 0, 0, clause)


def _add_totals(
    model: CountModel, agreement: Agreement, classes: list[PersonClass], on: frozenset[str]
) -> None:
    """Minimums and maximums per side, in all and per track, over counted releases."""
    counted = _counted(classes, on)
    limits: list[tuple[str, str | None, int, bool]] = []
    if agreement.minimum_per_side is not None:
        limits.append(("minimum_per_side", None, agreement.minimum_per_side, True))
    if agreement.maximum_per_side is not None:
        limits.append(("maximum_per_side", None, agreement.maximum_per_side, False))
    for track in agreement.tracks:
        if track.minimum_per_side is not None:
            limit = (f"tracks.{track.name}.minimum_per_side", track.name)
            limits.append((*limit, track.minimum_per_side, True))
        if track.maximum_per_side is not None:
            limit = (f"tracks.{track.name}.maximum_per_side", track.name)
            limits.append((*limit, track.maximum_per_side, False))
    for clause, track_name, value, is_minimum in limits:
        if clause not in on:
            continue
        for party in agreement.parties:
            row = {
                cell: 1.0
                for i in counted
                if classes[i].key.party == party
                and (track_name is None or classes[i].key.track == track_name)
                for cell in model.counts[i]
            }
            model.add(row, value if is_minimum else -_INF, _INF if is_minimum else value, clause)


def _add_capacity(
    model: CountModel,
    agreement: Agreement,
    classes: list[PersonClass],
    on: frozenset[str],
    count: int,
) -> None:
    capacity = agreement.tranches.capacity_per_side
    if capacity is None or "tranches.capacity_per_side" not in on:
        return
    for party in agreement.parties:
        mine = [i for i, cls in enumerate(classes) if cls.key.party == party]
        for k in range(count):
            row = {model.counts[i][k]: 1.0 for i in mine}
            model.add(row, -_INF, capacity, "tranches.capacity_per_side")


def _add_separate(
    model: CountModel,
    agreement: Agreement,
    classes: list[PersonClass],
    on: frozenset[str],
    count: int,
) -> None:
    """A tranche carries one group: a separate track alone, or all the other tracks."""
    separate = agreement.tranches.separate
    if not separate or "tranches.separate" not in on:
        return
    groups = [*separate, None]
    for k in range(count):
        uses = {name: model.variable(0, 1) for name in groups}
        model.add(dict.fromkeys(uses.values(), 1.0), 0, 1, "tranches.separate")
        for i, cls in enumerate(classes):
            name = cls.key.track if cls.key.track in separate else None
            cell = model.counts[i][k]
            model.add({cell: 1.0, uses[name]: -float(cls.size)}, -_INF, 0, "tranches.separate")
