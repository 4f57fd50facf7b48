"""The planning problem: who each side can release, as the planner needs to see them.

A :class:`Candidate` is an eligible holding reduced to what the clauses and the
objective read: its track, its tariff points, which ``must_include`` and ``unilateral``
clauses are certainly true for it, whether it is seriously ill, the priority of the other
side's confirmed request for it (if any), and the dates that order people within a class
(youngest first, longest held first, or first captured first). Nothing else about the
person reaches the planner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import date

from parley.domain.agreements import Agreement, Track
from parley.domain.eligibility import eligible_pool
from parley.domain.holdings import Holding
from parley.domain.requests import Priority
from parley.domain.selectors import Selector, Value, evaluate, holding_values
from parley.errors import InvalidValue

__all__ = ["Candidate", "Problem", "build_problem", "points_of"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person a side can release.

    ``must_include`` and ``unilateral`` hold the indices (from 0) of the agreement's
    clauses that are certainly true for the person. ``requested`` is the priority of the
    other side's confirmed request for them, ``None`` when nobody asked. ``born`` orders
    by age (``yyyymmdd``, unknown parts 0, so an unknown date counts as oldest);
    ``captured_on`` orders by time held (unknown counts as captured last).
    """

    record_id: str
    party: str
    track: str
    points: int = 1
    must_include: frozenset[int] = frozenset()
    unilateral: frozenset[int] = frozenset()
    seriously_ill: bool = False
    requested: Priority | None = None
    born: int = 0
    captured_on: date | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """An agreement and both sides' candidates: everything the planner decides over.

    Raises:
        InvalidValue: a candidate of a party or track the agreement does not have, or
            one record listed twice by the same side.
    """

    agreement: Agreement
    candidates: tuple[Candidate, ...]

    def __post_init__(self) -> None:
        tracks = {track.name for track in self.agreement.tracks}
        seen: set[tuple[str, str]] = set()
        for candidate in self.candidates:
            key = (candidate.party, candidate.record_id)
            if candidate.party not in self.agreement.parties:
                raise InvalidValue("party", f"candidate {key[0]}/{key[1]}: not a party")
            if candidate.track not in tracks:
                raise InvalidValue(
                    "track", f"candidate {key[0]}/{key[1]}: no track {candidate.track!r}"
                )
            if key in seen:
                raise InvalidValue("record_id", f"candidate {key[0]}/{key[1]} appears twice")
            seen.add(key)


def points_of(track: Track, values: Mapping[str, Value]) -> int:
    """What one person is worth in ``track``: 1 unless the track uses a tariff.

    Under a tariff the first class whose selector is certainly true prices the person;
    anyone else (a rank that is missing or in no class) is worth ``default_points``.
    """
    formula = track.formula
    for tariff_class in formula.tariff:
        if evaluate(tariff_class.selector.tree, values) is True:
            return tariff_class.points
    return formula.default_points if formula.tariff else 1


def _true_clauses(clauses: Iterable[Selector], values: Mapping[str, Value]) -> frozenset[int]:
    return frozenset(
        index for index, clause in enumerate(clauses) if evaluate(clause.tree, values) is True
    )


def _born(holding: Holding) -> int:
    birth = holding.identity.birth_date
    if birth is None:
        return 0
    return birth.year * 10000 + (birth.month or 0) * 100 + (birth.day or 0)


def build_problem(
    agreement: Agreement,
    holdings: Iterable[Holding],
    requested: Mapping[tuple[str, str], Priority],
    *,
    exchanged: Set[str] = frozenset(),
    on_open_manifest: Set[str] = frozenset(),
    refused: Set[str] = frozenset(),
) -> Problem:
    """The candidates of both parties under ``agreement``.

    Args:
        agreement: the formula.
        holdings: both parties' holdings (others are ignored).
        requested: ``(holding party, holding record id)`` to the priority of the other
            side's confirmed request for that holding.
        exchanged, on_open_manifest, refused: record ids, as for
            :func:`parley.domain.eligibility.assess`.
    """
    by_party: dict[str, list[Holding]] = {party: [] for party in agreement.parties}
    for holding in holdings:
        if holding.party in by_party:
            by_party[holding.party].append(holding)
    candidates: list[Candidate] = []
    for party, party_holdings in by_party.items():
        pool = eligible_pool(
            agreement,
            party,
            party_holdings,
            exchanged=exchanged,
            on_open_manifest=on_open_manifest,
            refused=refused,
        )
        for holding, entry in zip(party_holdings, pool.entries, strict=True):
            if entry.track is None:
                continue
            values = holding_values(holding, agreement.age_on)
            candidates.append(
                Candidate(
                    record_id=holding.record_id,
                    party=party,
                    track=entry.track,
                    points=points_of(agreement.track(entry.track), values),
                    must_include=_true_clauses(agreement.must_include, values),
                    unilateral=_true_clauses(agreement.unilateral, values),
                    seriously_ill=holding.seriously_ill,
                    requested=requested.get((party, holding.record_id)),
                    born=_born(holding),
                    captured_on=holding.captured_on,
                )
            )
    return Problem(agreement, tuple(candidates))
