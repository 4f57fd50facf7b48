"""On labelled synthetic lists: matches are right, the held are found, odds mean what they say."""

from __future__ import annotations

import pytest

from parley.matching import Outcome, Reconciliation, reconcile
from parley.matching.blocking import blocked_pairs
from parley.synthetic.matching import MatchingData, generate_matching_data


@pytest.fixture(scope="module")
def data() -> MatchingData:
    return generate_matching_data(7, 800, 3200)


@pytest.fixture(scope="module")
def result(data: MatchingData) -> Reconciliation:
    return reconcile(data.requests, data.holdings)


def test_proposed_matches_are_almost_always_the_right_person(
    data: MatchingData, result: Reconciliation
) -> None:
    matches = [d for d in result.decisions if d.outcome is Outcome.MATCH]
    right = sum(data.truth.get(d.request_id) == d.holding_id for d in matches)
    assert right / len(matches) >= 0.99


def test_most_people_held_are_found_and_few_requests_wait_for_review(
    data: MatchingData, result: Reconciliation
) -> None:
    decided = {d.request_id: d for d in result.decisions}
    held = [rid for rid in data.truth if rid in decided]
    found = sum(
        decided[rid].outcome is Outcome.MATCH and decided[rid].holding_id == data.truth[rid]
        for rid in held
    )
    reviewed = sum(d.outcome is Outcome.REVIEW for d in result.decisions)
    assert found / len(held) >= 0.93
    assert reviewed / len(result.decisions) <= 0.06


def test_probabilities_mean_what_they_say(data: MatchingData, result: Reconciliation) -> None:
    # Across every proposed pair and alternative, the share of true pairs in a band of
    # probability stays near the band: the figure a reviewer reads is not inflated.
    shown = [
        (p, data.truth.get(d.request_id) == h)
        for d in result.decisions
        for h, p in [
            (d.holding_id, d.probability),
            *((c.holding_id, c.probability) for c in d.alternatives),
        ]
        if h is not None
    ]
    sure = [true for p, true in shown if p >= 0.9]
    doubtful = [true for p, true in shown if p < 0.5]
    assert sum(sure) / len(sure) >= 0.98
    assert sum(doubtful) / max(len(doubtful), 1) <= 0.7


def test_blocking_keeps_nearly_every_true_pair(data: MatchingData) -> None:
    kept = blocked_pairs(data.requests, data.holdings)
    assert sum((rid, hid) in kept for rid, hid in data.truth.items()) / len(data.truth) >= 0.97
