"""One-to-one assignment and the three outcomes.

A holding answers at most one request and a request at most one holding: pairs are
taken best first while both sides are free (pairs a person confirmed go first, pairs a
person rejected never). A taken pair is a ``match`` only when its probability reaches the
match threshold, its given and family names agree at least somewhat (twins share all
else), and no rival comes close: another holding for the same request, or
another request for the same holding, whose odds are more than ``ambiguity_ratio`` of its
own. Brothers with one surname and patronymic, or two namesakes born the same year, thus
go to ``review`` together instead of one of them being proposed as sure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from parley.matching.results import MatchConfig, Outcome

__all__ = ["Assigned", "Scored", "assign"]


@dataclass(frozen=True, slots=True)
class Scored:
    """A scored request-holding pair.

    Attributes:
        probability: that the two are one person.
        request: the index of the request the pair stands for.
        holding: the holding's index.
        explanation: why, in one line.
        names_agree: given and family name agree at least somewhat; a pair whose names
            differ (twin brothers share everything else) is never a sure match.
    """

    probability: float
    request: int
    holding: int
    explanation: str
    names_agree: bool = True


@dataclass(frozen=True, slots=True)
class Assigned:
    """The outcome for one request: its pair (None when nothing qualifies) and rivals."""

    outcome: Outcome
    pair: Scored | None
    alternatives: tuple[Scored, ...]


def _odds(probability: float) -> float:
    return probability / max(1 - probability, 1e-12)


def _take(
    candidates: Mapping[int, Sequence[Scored]],
    confirmed: Collection[tuple[int, int]],
    floor: float,
) -> dict[int, Scored]:
    """Pairs taken greedily, best first, while both sides are free."""
    taken: dict[int, Scored] = {}
    held: set[int] = set()
    by_pair = {(s.request, s.holding): s for pairs in candidates.values() for s in pairs}
    for request, holding in confirmed:
        if request not in taken and holding not in held:
            taken[request] = by_pair.get((request, holding)) or Scored(1.0, request, holding, "")
            held.add(holding)
    ranked = sorted(
        (s for pairs in candidates.values() for s in pairs if s.probability >= floor),
        key=lambda s: (-s.probability, s.request, s.holding),
    )
    for pair in ranked:
        if pair.request not in taken and pair.holding not in held:
            taken[pair.request] = pair
            held.add(pair.holding)
    return taken


def _best_requests(candidates: Mapping[int, Sequence[Scored]]) -> dict[int, list[Scored]]:
    """For each holding, its two best pairs across all requests."""
    best: dict[int, list[Scored]] = {}
    for pairs in candidates.values():
        for pair in pairs:
            top = best.setdefault(pair.holding, [])
            top.append(pair)
            top.sort(key=lambda s: -s.probability)
            del top[2:]
    return best


def assign(
    candidates: Mapping[int, Sequence[Scored]],
    config: MatchConfig,
    *,
    confirmed: Collection[tuple[int, int]] = (),
) -> dict[int, Assigned]:
    """Decide every request in ``candidates``.

    Args:
        candidates: for each request index, its scored pairs (rejected ones removed).
        config: thresholds.
        confirmed: ``(request, holding)`` index pairs a person confirmed.

    Returns:
        The outcome for each request index in ``candidates``.
    """
    taken = _take(candidates, confirmed, config.review_threshold)
    rivals = _best_requests(candidates)
    locked = set(confirmed)
    decided: dict[int, Assigned] = {}
    for request, pairs in candidates.items():
        ranked = sorted(pairs, key=lambda s: -s.probability)
        pair = taken.get(request)
        if pair is None:
            decided[request] = _unassigned(ranked, config)
            continue
        floor = config.review_threshold
        others = tuple(s for s in ranked if s.holding != pair.holding and s.probability >= floor)
        others = others[: config.max_candidates - 1]
        if (request, pair.holding) in locked:
            decided[request] = Assigned(Outcome.MATCH, pair, others)
            continue
        rival = max(
            [s.probability for s in ranked if s.holding != pair.holding]
            + [s.probability for s in rivals.get(pair.holding, []) if s.request != request],
            default=0.0,
        )
        clear = _odds(rival) <= config.ambiguity_ratio * _odds(pair.probability)
        sure = pair.probability >= config.match_threshold and clear and pair.names_agree
        decided[request] = Assigned(Outcome.MATCH if sure else Outcome.REVIEW, pair, others)
    return decided


def _unassigned(ranked: Sequence[Scored], config: MatchConfig) -> Assigned:
    """A request left without a pair: its close candidates were taken, or none came close."""
    close = tuple(s for s in ranked if s.probability >= config.review_threshold)
    if close:
        return Assigned(Outcome.REVIEW, None, close[: config.max_candidates])
    return Assigned(Outcome.NO_MATCH, ranked[0] if ranked else None, ())
