"""The Fellegi-Sunter model: how much each field's agreement says, learnt without labels.

For every field level the model holds ``m``, how often the two records of a true pair
reach it, and ``u``, how often two records of different people do. A pair's match weight
is the sum over its fields of ``log2(m / u)``; a missing field adds nothing. ``u`` is
counted on random pairs (almost all of which are different people); ``m`` and the share
of true pairs among the blocked ones are fitted by expectation-maximisation on the
blocked pairs, so no labelled data is needed. As in Splink, a shared given or family name
is then weighed by how common it is among the holdings (term-frequency adjustment):
sharing a rare surname says more than sharing the commonest one.

EM runs on the distinct level patterns and their counts, not on every pair: a list of
millions of pairs has a few thousand patterns.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from parley.matching.comparisons import DATE_EXACT, FIELDS, MISSING, NAME_SKELETON, compare
from parley.matching.features import Features
from parley.matching.skeleton import skeleton

__all__ = [
    "TF_LEVELS",
    "Model",
    "TfTerms",
    "estimate_u",
    "fit",
    "name_frequencies",
    "tf_keys",
    "tf_term",
]

Levels = tuple[int, ...]
TfTerms = tuple[tuple[float, ...], tuple[float, ...]]  # given, family: by level
GIVEN, FAMILY, BIRTH = 0, 1, 3  # FIELDS indices of given_name, family_name, birth_date
TF_LEVELS = 2  # exact and equivalent names are weighed by frequency (as Splink: exact only)
_FLOOR = 1e-6
_PSEUDO_PAIRS = 20.0
_START_M: Mapping[str, tuple[float, ...]] = {
    "given_name": (0.70, 0.15, 0.07, 0.04, 0.02, 0.02),
    "family_name": (0.70, 0.15, 0.07, 0.04, 0.02, 0.02),
    "patronymic": (0.70, 0.15, 0.07, 0.04, 0.02, 0.02),
    "birth_date": (0.60, 0.05, 0.05, 0.05, 0.20, 0.05),
    "sex": (0.98, 0.02),
    "birth_place": (0.85, 0.05, 0.10),
    "unit": (0.80, 0.20),
    "service_number": (0.90, 0.05, 0.05),
    "document_number": (0.90, 0.05, 0.05),
}


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted model.

    Attributes:
        prior: the probability that two records drawn at random are one person.
        m: per field, per level, the probability a true pair reaches the level.
        u: per field, per level, the probability a chance pair reaches it.
        name_tf: how common each given and family name is among the holdings, by the
            keys of ``tf_keys``.
        iterations: the EM rounds run.
    """

    prior: float
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    name_tf: Mapping[str, float]
    iterations: int

    def weight(self, levels: Levels) -> float:
        """The match weight (log2 of the Bayes factor) of a level pattern, without TF."""
        total = 0.0
        for field, level in enumerate(levels):
            if level != MISSING:
                total += math.log2(self.m[field][level] / self.u[field][level])
        return total

    def tf_adjustment(self, levels: Levels, keys: tuple[str, str]) -> float:
        """The extra weight of sharing these names rather than average ones.

        As in Splink, an agreeing name's ``u`` (the chance of reaching its level) is
        replaced by how common the holding's name is: a shared rare surname says more
        than a shared Kovalenko.

        Args:
            levels: the pair's levels.
            keys: the holding's ``tf_keys``.
        """
        return tf_term(levels, self.tf_weights(keys))

    def tf_weights(self, keys: tuple[str, str]) -> TfTerms:
        """The frequency terms of one holding's given and family name, by level.

        ``tf_term`` picks a pair's terms by its levels; scoring keeps them per holding
        rather than computing them again for each of the holding's pairs.
        """
        terms = []
        for field, key in zip((GIVEN, FAMILY), keys, strict=True):
            frequency = self.name_tf.get(key)
            terms.append(
                tuple(
                    0.0
                    if frequency is None
                    else math.log2(self.u[field][level] / max(frequency, _FLOOR))
                    for level in range(TF_LEVELS)
                )
            )
        return terms[0], terms[1]

    def odds(self, weight: float) -> float:
        """The posterior odds of a true pair with the given match weight."""
        log_odds = math.log2(self.prior / (1 - self.prior)) + weight
        return math.pow(2.0, min(log_odds, 900.0))

    def probability(self, weight: float) -> float:
        """The posterior probability of a true pair with the given match weight, alone."""
        odds = self.odds(weight)
        return odds / (1 + odds)

    def describe(self) -> dict[str, object]:
        """The model as plain values, field by field, for the record of a run."""
        return {
            "prior": round(self.prior, 6),
            "em_iterations": self.iterations,
            "fields": {
                field.name: {
                    level: {"m": round(m, 6), "u": round(u, 6)}
                    for level, m, u in zip(field.levels, self.m[index], self.u[index], strict=True)
                }
                for index, field in enumerate(FIELDS)
            },
        }


def tf_term(levels: Levels, terms: TfTerms) -> float:
    """The frequency adjustment of a pair: its given and family name terms at its levels."""
    total = 0.0
    for field, by_level in zip((GIVEN, FAMILY), terms, strict=True):
        level = levels[field]
        if 0 <= level < TF_LEVELS:
            total += by_level[level]
    return total


def tf_keys(person: Features) -> tuple[str, str]:
    """The keys under which a holding's given and family name are counted.

    The skeletons of their Russian forms, which every spelling of the name reaches.
    """
    forms = person.forms
    return f"g:{skeleton(forms.given.ru)}", f"f:{skeleton(forms.family.ru)}"


def name_frequencies(holdings: Sequence[Features]) -> dict[str, float]:
    """The share of holdings with each given-name and family-name key (``tf_keys``)."""
    counts = Counter(key for holding in holdings for key in tf_keys(holding))
    total = max(len(holdings), 1)
    return {key: count / total for key, count in counts.items()}


def estimate_u(
    requests: Sequence[Features], holdings: Sequence[Features], samples: int, seed: int
) -> tuple[tuple[float, ...], ...]:
    """How often each field level occurs between randomly drawn request-holding pairs.

    Random pairs are almost all different people, so their level shares estimate ``u``;
    each count starts at one so that no level is impossible.
    """
    rng = random.Random(seed)
    counts = [[1] * len(field.levels) for field in FIELDS]
    if requests and holdings:
        for _ in range(samples):
            levels, _swapped = compare(rng.choice(requests), rng.choice(holdings))
            for field, level in enumerate(levels):
                if level != MISSING:
                    counts[field][level] += 1
    return tuple(tuple(c / sum(row) for c in row) for row in counts)


def _posterior(
    pattern: Levels, prior: float, m: Sequence[Sequence[float]], u: Sequence[Sequence[float]]
) -> float:
    log_odds = math.log(prior / (1 - prior))
    for field, level in enumerate(pattern):
        if level != MISSING:
            log_odds += math.log(m[field][level] / u[field][level])
    if log_odds > 50:
        return 1.0
    return 1 / (1 + math.exp(-log_odds))


def _maximise(
    patterns: Counter[Levels],
    weights: Mapping[Levels, float],
    start: Sequence[Sequence[float]],
) -> list[list[float]]:
    """Per field level, its share of the weighted pairs (``m`` for weights that are posteriors).

    ``start`` counts as ``_PSEUDO_PAIRS`` pairs already seen, so that a short list (one
    request, a handful of pairs) cannot teach the model that true pairs always disagree
    on a field; a long list outweighs it.
    """
    totals = [[_FLOOR + _PSEUDO_PAIRS * share for share in row] for row in start]
    for pattern, count in patterns.items():
        share = weights[pattern] * count
        for field, level in enumerate(pattern):
            if level != MISSING:
                totals[field][level] += share
    return [[value / sum(row) for value in row] for row in totals]


def _largest_change(old: Sequence[Sequence[float]], new: Sequence[Sequence[float]]) -> float:
    return max(abs(a - b) for x, y in zip(old, new, strict=True) for a, b in zip(x, y, strict=True))


def _em(
    patterns: Counter[Levels], u: Sequence[Sequence[float]], iterations: int
) -> tuple[list[list[float]], float, int]:
    """Expectation-maximisation of ``m`` and the share of true pairs among ``patterns``.

    Both classes are fitted: ``m``, and the other class's own level shares (blocked
    pairs that are different people still agree on what blocked them).

    Returns:
        ``m``, the share of true pairs, and the rounds run.
    """
    start_m = [list(_START_M[field.name]) for field in FIELDS]
    m: list[list[float]] = [list(row) for row in start_m]
    other: list[list[float]] = [list(row) for row in u]
    share = 0.3
    pairs = max(sum(patterns.values()), 1)
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 - the count is reported
        weights = {pattern: _posterior(pattern, share, m, other) for pattern in patterns}
        new_m = _maximise(patterns, weights, start_m)
        other = _maximise(patterns, {p: 1 - w for p, w in weights.items()}, u)
        share = min(max(sum(weights[p] * c for p, c in patterns.items()) / pairs, 1e-6), 1 - 1e-6)
        change = _largest_change(m, new_m)
        m = new_m
        if change < 1e-5:
            break
    return m, share, done


def _session(
    patterns: Counter[Levels], keep: Callable[[Levels], bool], hidden: frozenset[int]
) -> Counter[Levels]:
    """The patterns of the pairs ``keep`` selects, with the ``hidden`` fields made missing."""
    chosen: Counter[Levels] = Counter()
    for pattern, count in patterns.items():
        if keep(pattern):
            masked = tuple(MISSING if f in hidden else level for f, level in enumerate(pattern))
            chosen[masked] += count
    return chosen


def fit(
    patterns: Counter[Levels],
    u: tuple[tuple[float, ...], ...],
    name_tf: Mapping[str, float],
    *,
    comparisons: int,
    iterations: int,
) -> Model:
    """Fit ``m`` and the prior by EM over the blocked pairs' level patterns.

    As Splink trains, in two sessions, each on the pairs that agree on some fields and
    learning only the others (a session's selecting fields would teach EM that every
    pair agrees on them, and EM left to itself on all the pairs finds "same given name
    and patronymic" rather than "same person"):

    - pairs whose family names agree teach every field but the family name, and the
      share of true pairs among them;
    - pairs whose given names agree and whose full dates of birth are equal teach the
      family name.

    Scoring then uses ``m`` against the chance shares ``u`` of random pairs, with the
    prior that two random records are one person.

    Args:
        patterns: each level pattern of the blocked pairs, with how many pairs have it.
        u: the chance-agreement shares of random pairs (``estimate_u``).
        name_tf: name frequencies among the holdings (``name_frequencies``).
        comparisons: how many pairs the lists make in all (requests x holdings).
        iterations: the most EM rounds in each session.
    """
    by_family = _session(patterns, lambda p: 0 <= p[FAMILY] <= NAME_SKELETON, frozenset({FAMILY}))
    by_date = _session(
        patterns,
        lambda p: p[BIRTH] == DATE_EXACT and 0 <= p[GIVEN] <= NAME_SKELETON,
        frozenset({GIVEN, BIRTH}),
    )
    if not by_family:
        by_family = patterns
    m, share, done = _em(by_family, u, iterations)
    if by_date:
        m_date, _share, _done = _em(by_date, u, iterations)
        m[FAMILY] = m_date[FAMILY]
    family_agrees = sum(m[FAMILY][: NAME_SKELETON + 1]) if by_family is not patterns else 1.0
    true_pairs = share * sum(by_family.values()) / max(family_agrees, 1e-6)
    prior = min(max(true_pairs / max(comparisons, 1), 1e-12), 0.5)
    return Model(
        prior=prior,
        m=tuple(tuple(max(value, _FLOOR) for value in row) for row in m),
        u=u,
        name_tf=name_tf,
        iterations=done,
    )
