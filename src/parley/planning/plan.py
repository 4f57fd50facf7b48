"""What the planner returns: a plan proven optimal, or a proof that none exists.

A feasible :class:`Plan` lists every release (who, by which side, in which track and
tranche) and the reserves kept for substitutions, with the value reached at each stage
of the objective. An infeasible one carries a :class:`Conflict`, one smallest set of
clauses that cannot all hold, said in plain language, and the :class:`Relaxation`\\ s
that were each re-checked to make a plan exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from parley.domain.agreements import Agreement
from parley.domain.requests import Priority

__all__ = [
    "Clause",
    "Conflict",
    "Plan",
    "PlanStatus",
    "Relaxation",
    "Release",
    "Reserve",
    "Stage",
]


class PlanStatus(StrEnum):
    """Whether a plan exists; both answers are proven, never guessed."""

    OPTIMAL = "optimal"  # every clause holds and no plan does better at any stage
    INFEASIBLE = "infeasible"  # no plan can satisfy every clause


@dataclass(frozen=True, slots=True)
class Release:
    """One person a side releases, and when (``tranche`` counts from 1)."""

    record_id: str
    party: str
    track: str
    tranche: int
    points: int = 1
    mandatory: bool = False
    unilateral: bool = False
    seriously_ill: bool = False
    requested: Priority | None = None


@dataclass(frozen=True, slots=True)
class Reserve:
    """A person kept ready to replace a release of the same side and track.

    ``rank`` 1 is the first to be called.
    """

    record_id: str
    party: str
    track: str
    rank: int
    points: int = 1


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the lexicographic objective and the optimum it reached."""

    name: str
    value: int


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause of the agreement as the explanation names it.

    ``key`` points into the agreement file (``minimum_per_side``,
    ``tracks.military.formula``, ``must_include[1]``); ``text`` says what it demands,
    with the numbers of this exchange.
    """

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """One smallest set of clauses that cannot all hold, and the facts they meet.

    There may be other such sets; removing any one clause of this one lets the rest
    hold together.
    """

    clauses: tuple[Clause, ...]
    facts: tuple[str, ...]

    def describe(self) -> str:
        """ "One conflict is: ..." in plain language."""
        parts = [clause.text for clause in self.clauses] + list(self.facts)
        return "One conflict is: " + "; ".join(parts) + "; so these cannot all hold."


@dataclass(frozen=True, slots=True)
class Relaxation:
    """A smallest change to one clause that lets a plan exist, re-checked by planning it.

    ``before`` and ``after`` are the clause's values as the file writes them.
    """

    key: str
    before: str
    after: str
    text: str
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class Plan:
    """The planner's answer for one agreement.

    ``tranches`` is the number of handovers. For an infeasible agreement ``releases``
    and ``reserves`` are empty and ``conflict`` says why.
    """

    agreement: Agreement
    status: PlanStatus
    tranches: int
    releases: tuple[Release, ...] = ()
    reserves: tuple[Reserve, ...] = ()
    stages: tuple[Stage, ...] = ()
    conflict: Conflict | None = None
    relaxations: tuple[Relaxation, ...] = ()
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        """Whether a plan exists."""
        return self.status is PlanStatus.OPTIMAL

    def count(self, party: str, track: str | None = None, tranche: int | None = None) -> int:
        """How many ``party`` releases, optionally in one track and one tranche."""
        return sum(
            1
            for release in self.releases
            if release.party == party
            and (track is None or release.track == track)
            and (tranche is None or release.tranche == tranche)
        )

    def points(self, party: str, track: str, tranche: int | None = None) -> int:
        """The tariff points ``party`` releases in ``track`` (a count outside tariffs)."""
        return sum(
            release.points
            for release in self.releases
            if release.party == party
            and release.track == track
            and (tranche is None or release.tranche == tranche)
        )
