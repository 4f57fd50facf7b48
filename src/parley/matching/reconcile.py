"""Reconciling one party's requests with the other party's holdings.

The steps: prepare every record once (``features``), keep the pairs worth scoring
(``blocking``), compare them field by field (``comparisons``), fit the Fellegi-Sunter
model without labels and score (``scoring``), merge duplicate requests (``duplicates``),
then assign one to one and decide (``assignment``), with an explanation per pair
(``explanations``).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from operator import itemgetter

from parley.matching.assignment import Assigned, Scored, assign
from parley.matching.blocking import block
from parley.matching.comparisons import NAME_ALIKE, compare
from parley.matching.duplicates import find_duplicates
from parley.matching.explanations import explain
from parley.matching.features import Features, prepare
from parley.matching.results import (
    Candidate,
    Decision,
    DuplicateGroup,
    MatchConfig,
    Outcome,
    Reconciliation,
    Record,
)
from parley.matching.scoring import (
    TF_LEVELS,
    Model,
    TfTerms,
    estimate_u,
    fit,
    name_frequencies,
    tf_keys,
    tf_term,
)

__all__ = ["reconcile"]

Progress = Callable[[str, int, int], None]
RANDOM_PAIRS = 20_000
Compared = tuple[int, tuple[int, ...], bool]  # holding index, levels, names swapped


def _check_unique(records: Sequence[Record], what: str) -> None:
    seen: set[str] = set()
    for record in records:
        if record.record_id in seen:
            raise ValueError(f"{what}: record id {record.record_id} appears twice")
        seen.add(record.record_id)


def _prepare_all(
    records: Sequence[Record], stage: str, on_progress: Progress | None
) -> list[Features]:
    prepared = []
    for done, record in enumerate(records, 1):
        prepared.append(prepare(record))
        if on_progress is not None and done % 5000 == 0:
            on_progress(stage, done, len(records))
    return prepared


def _compare_blocked(
    requests: Sequence[Features], holdings: Sequence[Features], on_progress: Progress | None
) -> tuple[list[list[Compared]], int, Counter[tuple[int, ...]]]:
    """The levels of every blocked pair, by request; and the level patterns to learn from.

    Pairs that only a loose blocking key reached are compared but not learnt from.
    """

    def blocking_progress(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress("blocking", done, total)

    blocking = block(requests, holdings, on_progress=blocking_progress)
    compared: list[list[Compared]] = []
    patterns: Counter[tuple[int, ...]] = Counter()
    for index, (request, chosen) in enumerate(zip(requests, blocking.pairs, strict=True)):
        row = [(h, *compare(request, holdings[h])) for h in chosen]
        loose = blocking.loose[index]
        patterns.update(levels for h, levels, _swapped in row if h not in loose)
        compared.append(row)
        if on_progress is not None and index % 1000 == 999:
            on_progress("comparing", index + 1, len(requests))
    return compared, blocking.count, patterns


def _score(
    model: Model,
    requests: Sequence[Features],
    holdings: Sequence[Features],
    compared: Sequence[Sequence[Compared]],
    config: MatchConfig,
) -> list[list[Scored]]:
    """Each request's pairs scored, best first, at most ``max_candidates`` of them.

    A pair's odds come from the model; its probability then allows for the rivals seen:
    a request is at most one holding, so the probability that ``(r, h)`` is the pair is
    its odds over one plus the odds of all of ``r``'s pairs. Two namesakes that each look
    sure alone thus share the belief between them. (Not so across requests: two
    requests for one person that were not merged would take the belief from each other.)
    """
    tf: list[TfTerms | None] = [None] * len(holdings)
    weights: dict[tuple[int, ...], float] = {}
    prior_bits = math.log2(model.prior / (1 - model.prior))
    scored: list[list[Scored]] = []
    for request, pairs in enumerate(compared):
        row, total = _odds_row(pairs, model, weights, tf, holdings, prior_bits)
        top = heapq.nlargest(config.max_candidates, row, key=itemgetter(0))
        scored.append(
            [
                _scored(
                    odds / (1 + total),
                    request,
                    h,
                    levels,
                    swapped,
                    requests,
                    holdings,
                    rank == 0 or odds / (1 + total) >= config.review_threshold,
                )
                for rank, (odds, h, levels, swapped) in enumerate(top)
            ]
        )
    return scored


_Row = list[tuple[float, int, tuple[int, ...], bool]]


def _odds_row(
    pairs: Sequence[Compared],
    model: Model,
    weights: dict[tuple[int, ...], float],
    tf: list[TfTerms | None],
    holdings: Sequence[Features],
    prior_bits: float,
) -> tuple[_Row, float]:
    """The odds of each of one request's pairs, and their sum.

    ``weights`` (by level pattern) and ``tf`` (by holding) are filled as they are first
    needed and shared across requests: most pairs repeat a pattern seen before.
    """
    row: _Row = []
    total = 0.0
    for h, levels, swapped in pairs:
        weight = weights.get(levels)
        if weight is None:
            weight = weights[levels] = model.weight(levels)
        if 0 <= levels[0] < TF_LEVELS or 0 <= levels[1] < TF_LEVELS:  # a name agrees
            terms = tf[h]
            if terms is None:
                terms = tf[h] = model.tf_weights(tf_keys(holdings[h]))
            weight += tf_term(levels, terms)
        odds = math.pow(2.0, min(weight + prior_bits, 900.0))
        total += odds
        row.append((odds, h, levels, swapped))
    return row, total


def _scored(
    probability: float,
    request: int,
    holding: int,
    levels: tuple[int, ...],
    swapped: bool,
    requests: Sequence[Features],
    holdings: Sequence[Features],
    shown: bool = True,
) -> Scored:
    """A scored pair; its explanation only when a person may read it (``shown``).

    A decision shows its pair, its alternatives in the review range, and for no match
    the closest pair: explaining every scored pair would cost more than comparing them.
    """
    why = explain(requests[request], holdings[holding], levels, swapped) if shown else ""
    given, family = levels[0], levels[1]
    agree = 0 <= given <= NAME_ALIKE and 0 <= family <= NAME_ALIKE
    return Scored(probability, request, holding, why, agree)


def _merge_groups(
    scored: list[list[Scored]], groups: Sequence[tuple[list[int], float]], limit: int
) -> None:
    """Give a group's first request the best pair with each holding among its members."""
    for members, _weakest in groups:
        best: dict[int, Scored] = {}
        for member in members:
            for pair in scored[member]:
                if pair.holding not in best or pair.probability > best[pair.holding].probability:
                    best[pair.holding] = pair
        kept = members[0]
        scored[kept] = sorted(
            (Scored(s.probability, kept, s.holding, s.explanation) for s in best.values()),
            key=lambda s: -s.probability,
        )[:limit]


def _duplicate_groups(
    requests: Sequence[Record], groups: Sequence[tuple[list[int], float]]
) -> tuple[DuplicateGroup, ...]:
    found = []
    for members, weakest in groups:
        sources = dict.fromkeys(requests[m].source for m in members if requests[m].source)
        found.append(
            DuplicateGroup(
                kept=requests[members[0]].record_id,
                merged=tuple(requests[m].record_id for m in members[1:]),
                sources=tuple(sources),
                probability=weakest,
            )
        )
    return tuple(found)


NOTHING_CLOSE = "no holding shares a name, date of birth or identity number"
TAKEN = "its closest holdings answer other requests"
ALL_REFUSED = "every close holding was rejected for it or confirmed for another request"


def _decision(
    request: Record, assigned: Assigned, holdings: Sequence[Record], all_refused: bool = False
) -> Decision:
    """The decision on one request, with holding ids in place of indices.

    ``all_refused``: every holding close to the request was rejected or confirmed for
    another request, which the explanation then says.
    """
    alternatives = tuple(
        Candidate(holdings[s.holding].record_id, s.probability, s.explanation)
        for s in assigned.alternatives
    )
    pair, request_id = assigned.pair, request.record_id
    if pair is None:
        if not alternatives:
            why = ALL_REFUSED if all_refused else NOTHING_CLOSE
            return Decision(request_id, Outcome.NO_MATCH, None, 0.0, why)
        best = alternatives[0].probability
        return Decision(request_id, assigned.outcome, None, best, TAKEN, alternatives)
    holding_id = holdings[pair.holding].record_id
    if assigned.outcome is Outcome.NO_MATCH:
        why = f"closest holding {holding_id}: {pair.explanation}"
        return Decision(request_id, Outcome.NO_MATCH, None, pair.probability, why)
    return Decision(
        request_id, assigned.outcome, holding_id, pair.probability, pair.explanation, alternatives
    )


def reconcile(
    requests: Sequence[Record],
    holdings: Sequence[Record],
    config: MatchConfig | None = None,
    *,
    confirmed: Collection[tuple[str, str]] = (),
    rejected: Collection[tuple[str, str]] = (),
    on_progress: Progress | None = None,
) -> Reconciliation:
    """Match every request to at most one holding, and every holding to at most one request.

    Duplicate requests (one person asked for twice) are merged first; each group is
    decided once, under its first request's id.

    Args:
        requests: one party's requests; record ids unique.
        holdings: the other party's holdings; record ids unique.
        config: thresholds and limits; the defaults when None.
        confirmed: ``(request_id, holding_id)`` pairs a person already confirmed: kept
            as matches, and neither side offered to anyone else.
        rejected: pairs a person already rejected: never proposed again.
        on_progress: called with a stage name, the work done and the work in all.

    Returns:
        The decisions, the merged duplicates and figures of the run.

    Raises:
        ValueError: a record id appears twice in one list, or a record's family or given
            name has no letter (the message names the record id).
    """
    config = config or MatchConfig()
    _check_unique(requests, "requests")
    _check_unique(holdings, "holdings")
    wanted = _prepare_all(requests, "preparing requests", on_progress)
    held = _prepare_all(holdings, "preparing holdings", on_progress)
    compared, pair_count, patterns = _compare_blocked(wanted, held, on_progress)
    model = _fit_model(wanted, held, patterns, config)
    scored = _score(model, wanted, held, compared, config)
    groups = find_duplicates(wanted, model, config.match_threshold, config.seed)
    _merge_groups(scored, groups, config.max_candidates)
    candidates, fixed, refused_all = _constrain(
        scored, groups, requests, holdings, confirmed, rejected
    )
    for request, holding in fixed:
        if all(s.holding != holding for s in candidates[request]):
            candidates[request].append(_score_pair(model, wanted, held, request, holding))
    if on_progress is not None:
        on_progress("assigning", 0, 1)
    outcomes = assign(candidates, config, confirmed=fixed)
    return Reconciliation(
        decisions=tuple(
            _decision(requests[i], outcomes[i], holdings, i in refused_all)
            for i in sorted(outcomes)
        ),
        duplicates=_duplicate_groups(requests, groups),
        candidate_pairs=pair_count,
        parameters=model.describe(),
    )


def _constrain(
    scored: list[list[Scored]],
    groups: Sequence[tuple[list[int], float]],
    requests: Sequence[Record],
    holdings: Sequence[Record],
    confirmed: Collection[tuple[str, str]],
    rejected: Collection[tuple[str, str]],
) -> tuple[dict[int, list[Scored]], list[tuple[int, int]], set[int]]:
    """Apply the decisions people already made to the scored pairs.

    A decision on a request merged as a duplicate applies to the request it was merged
    into. Rejected pairs are dropped; a confirmed pair's holding is offered to no other
    request.

    Returns:
        The candidates of each standing request, the confirmed pairs as indices, and the
        requests whose every candidate was rejected.
    """
    kept_as = {member: members[0] for members, _weakest in groups for member in members}
    request_at = {r.record_id: kept_as.get(i, i) for i, r in enumerate(requests)}
    holding_at = {h.record_id: i for i, h in enumerate(holdings)}
    refused = {(request_at.get(r), holding_at.get(h)) for r, h in rejected}
    fixed = [
        (request_at[r], holding_at[h]) for r, h in confirmed if r in request_at and h in holding_at
    ]
    taken = {holding: request for request, holding in fixed}
    candidates: dict[int, list[Scored]] = {}
    refused_all: set[int] = set()
    for index, pairs in enumerate(scored):
        if kept_as.get(index, index) != index:
            continue
        allowed = [
            s
            for s in pairs
            if (index, s.holding) not in refused and taken.get(s.holding, index) == index
        ]
        if pairs and not allowed:
            refused_all.add(index)
        candidates[index] = allowed
    return candidates, fixed, refused_all


def _fit_model(
    wanted: Sequence[Features],
    held: Sequence[Features],
    patterns: Counter[tuple[int, ...]],
    config: MatchConfig,
) -> Model:
    """Fit the model on the blocked pairs' level patterns, ``u`` from random pairs."""
    return fit(
        patterns,
        estimate_u(wanted, held, RANDOM_PAIRS, config.seed),
        name_frequencies(held),
        comparisons=len(wanted) * len(held),
        iterations=config.em_iterations,
    )


def _score_pair(
    model: Model, wanted: Sequence[Features], held: Sequence[Features], request: int, holding: int
) -> Scored:
    """Score one pair blocking did not keep (a pair a person confirmed)."""
    levels, swapped = compare(wanted[request], held[holding])
    weight = model.weight(levels) + model.tf_adjustment(levels, tf_keys(held[holding]))
    return _scored(model.probability(weight), request, holding, levels, swapped, wanted, held)
