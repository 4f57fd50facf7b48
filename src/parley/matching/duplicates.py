"""Duplicate requests: one person asked for twice, by two relatives or two registers.

The requests are compared among themselves with the fitted model: its ``m`` (how true
pairs agree) carries over, while ``u``, name frequencies and the prior are measured on
the request list itself (for a list long enough to measure them; the prior never below
the model's). A pair is a duplicate when it is sure by the match threshold and its fields
leave no room for two people (``_surely_one_person``): brothers, and namesakes with a
partial date, never merge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from parley.matching.blocking import block
from parley.matching.comparisons import (
    DATE_DIFFERENT,
    DATE_EXACT,
    DATE_SWAPPED,
    DATE_TYPO,
    DATE_YEAR,
    FIELDS,
    MISSING,
    NAME_SKELETON,
    compare,
)
from parley.matching.features import Features
from parley.matching.scoring import Model, estimate_u, name_frequencies, tf_keys

__all__ = ["find_duplicates"]

_RANDOM_PAIRS = 10_000
# Full dates of birth that are one date as typed twice: equal, a digit off, day and month
# swapped, or the year off by one with the same day and month.
_NEAR_DATES = frozenset({DATE_EXACT, DATE_TYPO, DATE_SWAPPED, DATE_YEAR})
_FIELD_NAMES = [field.name for field in FIELDS]
SERVICE_NUMBER = _FIELD_NAMES.index("service_number")
DOCUMENT_NUMBER = _FIELD_NAMES.index("document_number")
# A shorter list measures chance agreement, name frequencies and its own prior too roughly
# (on a handful of pairs the prior would chase the pairs' own scores): the model's carry
# over.
_OWN_CHANCE_FROM = 1_000


def _fit_prior(model: Model, patterns: Counter[tuple[int, ...]], comparisons: int) -> Model:
    """Re-estimate only the prior (two random requests being one person), ``m`` and ``u`` held."""
    prior = model.prior
    weights = {pattern: model.weight(pattern) for pattern in patterns}
    for _ in range(30):
        fitted = replace(model, prior=prior)
        expected = sum(fitted.probability(weights[p]) * c for p, c in patterns.items())
        prior = min(max(expected / max(comparisons, 1), 1e-12), 0.5)
    return replace(model, prior=prior)


def _surely_one_person(levels: tuple[int, ...]) -> bool:
    """Whether a pair's fields leave no room for two people, whatever the probability.

    Merging drops a request from the decisions, so two people merged by mistake would
    lose one of them: names must agree at least by skeleton, a patronymic given on both
    sides must too, and both must give one full date of birth (equal, or as one date is
    mistyped: a digit off, day and month swapped, the year off by one) or one identity
    number. Two requests that fall short stay apart and meet again in assignment, where they
    compete for one holding and go to review.
    """
    given, family, patronymic, birth = levels[:4]
    names = 0 <= given <= NAME_SKELETON and 0 <= family <= NAME_SKELETON
    patronymic_fits = patronymic == MISSING or patronymic <= NAME_SKELETON
    numbers = levels[SERVICE_NUMBER] == 0 or levels[DOCUMENT_NUMBER] == 0
    return (
        names
        and patronymic_fits
        and (birth in _NEAR_DATES or (numbers and birth != DATE_DIFFERENT))
    )


def find_duplicates(
    requests: Sequence[Features], model: Model, threshold: float, seed: int
) -> list[tuple[list[int], float]]:
    """Groups of request indices that are one person, each in list order.

    Args:
        requests: the prepared requests of one party.
        model: the model fitted on requests against holdings.
        threshold: the probability a pair needs to be merged.
        seed: for the random pairs that measure chance agreement within the list.

    Returns:
        Each group's members and the lowest probability among the pairs that joined it.
    """
    blocking = block(requests, requests, same_list=True)
    compared = [
        (first, second, *compare(requests[first], requests[second]))
        for first, seconds in enumerate(blocking.pairs)
        for second in seconds
    ]
    if not compared:
        return []
    own = model
    if len(requests) >= _OWN_CHANCE_FROM:
        chance = estimate_u(requests, requests, _RANDOM_PAIRS, seed)
        own = replace(own, u=chance, name_tf=name_frequencies(requests))
        patterns = Counter(levels for _a, _b, levels, _s in compared)
        fitted = _fit_prior(own, patterns, len(requests) * (len(requests) - 1) // 2)
        own = replace(own, prior=max(fitted.prior, model.prior))
    parent = list(range(len(requests)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    joined: list[tuple[int, float]] = []
    for first, second, levels, _swapped in compared:
        weight = own.weight(levels) + own.tf_adjustment(levels, tf_keys(requests[second]))
        probability = own.probability(weight)
        if _surely_one_person(levels) and probability >= threshold:
            low, high = sorted((root(first), root(second)))
            parent[high] = low
            joined.append((first, probability))
    groups: dict[int, list[int]] = {}
    for index in range(len(requests)):
        groups.setdefault(root(index), []).append(index)
    weakest: dict[int, float] = {}
    for member, probability in joined:
        group = root(member)
        weakest[group] = min(weakest.get(group, 1.0), probability)
    return [(members, weakest[key]) for key, members in groups.items() if len(members) > 1]
