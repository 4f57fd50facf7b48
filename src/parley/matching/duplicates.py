"""Duplicate requests: one person asked for twice, by two relatives or two registers.

The requests are compared among themselves with the fitted model: its ``m`` (how true
pairs agree) carries over, while ``u``, name frequencies and the prior are measured on
the request list itself (for a list long enough to measure them; the prior never below
the model's). A pair is a duplicate when it is sure by the match threshold and its fields
leave no room for two people (``_surely_one_person``): brothers, and namesakes with a
partial or mistyped date, never merge.
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
# Full dates of birth that may be one date typed twice: a digit off, day and month
# swapped, or the year off by one with the same day and month.
_SLIPS = frozenset({DATE_TYPO, DATE_SWAPPED, DATE_YEAR})
_SLIP_WITHOUT_PATRONYMIC = 0.99
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


def _surely_one_person(levels: tuple[int, ...], full_dates: bool, probability: float) -> bool:
    """Whether a pair's fields leave no room for two people, whatever the probability.

    Merging drops a request from the decisions, so two people merged by mistake would
    lose one of them. Names must agree at least by skeleton, and a patronymic given on
    both sides must too. Then one of: the same full date of birth; the same identity
    number (dates not disagreeing); or full dates one typing slip apart (a digit, day and
    month swapped, the year) with the patronymic on both sides agreeing or, without it, a
    probability of at least ``_SLIP_WITHOUT_PATRONYMIC``. Two requests
    that fall short stay apart and meet again in assignment, where they compete for one
    holding and go to review.

    Args:
        levels: the pair's comparison levels.
        full_dates: both requests give a full date of birth.
        probability: the pair's probability under the model.
    """
    given, family, patronymic, birth = levels[:4]
    if not (0 <= given <= NAME_SKELETON and 0 <= family <= NAME_SKELETON):
        return False
    if patronymic > NAME_SKELETON:
        return False
    numbers = levels[SERVICE_NUMBER] == 0 or levels[DOCUMENT_NUMBER] == 0
    sure = patronymic != MISSING or probability >= _SLIP_WITHOUT_PATRONYMIC
    slip = full_dates and birth in _SLIPS and sure
    return birth == DATE_EXACT or (numbers and birth != DATE_DIFFERENT) or slip


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
        full = requests[first].born % 100 > 0 and requests[second].born % 100 > 0
        if probability >= threshold and _surely_one_person(levels, full, probability):
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
