"""One-to-one assignment, distractors, review decisions kept on a re-run, and thresholds."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.matching.reconcile import NOTHING_CLOSE, reconcile
from parley.matching.results import Decision, MatchConfig, Outcome, Reconciliation, Record
from parley.synthetic.matching import MatchingData, generate_matching_data
from tests.unit.matching_records import crowd, person


def by_request(result: Reconciliation) -> dict[str, Decision]:
    return {decision.request_id: decision for decision in result.decisions}


def offered(decision: Decision) -> set[str]:
    """Every holding a decision puts before a person: the proposed one and alternatives."""
    ids = {candidate.holding_id for candidate in decision.alternatives}
    return ids | ({decision.holding_id} if decision.holding_id else set())


@pytest.fixture(scope="module")
def background() -> MatchingData:
    """A realistic run: many requests, most of them held, some distractors."""
    return generate_matching_data(11, 100, 400)


def decided_among_others(
    background: MatchingData, requests: list[Record], holdings: list[Record]
) -> dict[str, Decision]:
    result = reconcile([*background.requests, *requests], [*background.holdings, *holdings])
    return {r.record_id: d for r in requests if (d := by_request(result).get(r.record_id))}


# --- one to one, for any lists ------------------------------------------------------------

# Ukrainian and Russian forms of a few people, some of them brothers and namesakes.
UKRAINIAN = [
    ("Коваленко", "Іван", "Петрович"),
    ("Коваленко", "Петро", "Іванович"),
    ("Коваленко", "Павло", "Іванович"),
    ("Лисенко", "Олександр", "Миколайович"),
    ("Шевчук", "Андрій", "Юрійович"),
]
RUSSIAN = [
    ("Коваленко", "Иван", "Петрович"),
    ("Коваленко", "Петр", "Иванович"),
    ("Коваленко", "Павел", "Иванович"),
    ("Лысенко", "Александр", "Николаевич"),
    ("Шевчук", "Андрей", "Юрьевич"),
]
BIRTHS = ["", "1990", "1990-03", "1990-03-01", "1990-01-03", "1991-03-01", "1985-12-24"]


def drawn(forms: list[tuple[str, str, str]], prefix: str) -> st.SearchStrategy[list[Record]]:
    one = st.tuples(st.sampled_from(forms), st.sampled_from(BIRTHS), st.booleans())
    return st.lists(one, min_size=1, max_size=6).map(
        lambda rows: [
            person(f"{prefix}-{i}", family, given, patronymic if keep else "", born)
            for i, ((family, given, patronymic), born, keep) in enumerate(rows)
        ]
    )


@st.composite
def configs(draw: st.DrawFn) -> MatchConfig:
    match = draw(st.floats(0.5, 0.99))
    review = draw(st.floats(0.05, match))
    return MatchConfig(match_threshold=match, review_threshold=review)


@settings(max_examples=30, deadline=None)
@given(requests=drawn(UKRAINIAN, "UA"), holdings=drawn(RUSSIAN, "RU"), config=configs())
def test_no_holding_is_proposed_twice_and_every_request_is_decided_once(
    requests: list[Record], holdings: list[Record], config: MatchConfig
) -> None:
    result = reconcile(requests, holdings, config)
    proposed = [d.holding_id for d in result.decisions if d.holding_id is not None]
    assert len(proposed) == len(set(proposed))
    decided = [d.request_id for d in result.decisions]
    merged = [m for group in result.duplicates for m in group.merged]
    assert Counter(decided + merged) == Counter(r.record_id for r in requests)
    for decision in result.decisions:
        if decision.outcome is Outcome.NO_MATCH:
            assert decision.holding_id is None
            assert decision.alternatives == ()
        elif decision.outcome is Outcome.MATCH:
            assert decision.holding_id is not None
            assert decision.probability >= config.match_threshold
        else:
            assert decision.probability >= config.review_threshold
        assert decision.holding_id not in {c.holding_id for c in decision.alternatives}


# --- distractors ---------------------------------------------------------------------------

BROTHER_A = person("UA-B", "Шевчук", "Петро", "Іванович", "1990-05-01")


@pytest.mark.parametrize("brother_born", ["1993-11-21", "1991-05-01"])
def test_a_request_for_one_brother_is_not_matched_to_the_other_brother(
    background: MatchingData, brother_born: str
) -> None:
    brother_b = person("RU-B", "Шевчук", "Павел", "Иванович", brother_born)
    decision = decided_among_others(background, [BROTHER_A], [brother_b])["UA-B"]
    assert decision.outcome is not Outcome.MATCH


def test_a_request_for_one_twin_is_not_matched_to_the_other_twin(
    background: MatchingData,
) -> None:
    twin = person("RU-B", "Шевчук", "Павел", "Иванович", "1990-05-01")
    decision = decided_among_others(background, [BROTHER_A], [twin])["UA-B"]
    assert decision.outcome is not Outcome.MATCH


def test_a_lone_request_for_one_brother_is_not_matched_to_the_other_brother() -> None:
    brother_b = person("RU-B", "Шевчук", "Павел", "Иванович", "1991-05-01")
    (decision,) = reconcile([BROTHER_A], [*crowd(300), brother_b]).decisions
    assert decision.outcome is not Outcome.MATCH


def test_two_namesakes_born_the_same_year_are_both_put_to_review() -> None:
    holdings = [
        *crowd(300),
        person("RU-1", "Коваленко", "Иван", born="1990-03-01"),
        person("RU-2", "Коваленко", "Иван", born="1990-07-12"),
    ]
    (decision,) = reconcile([person("UA-1", "Коваленко", "Іван", born="1990")], holdings).decisions
    assert decision.outcome is Outcome.REVIEW
    assert offered(decision) == {"RU-1", "RU-2"}


# --- review decisions survive a re-run ------------------------------------------------------

NAMESAKE = person("RU-2", "Коваленко", "Иван", born="1990-07-12")
IVAN = person("UA-1", "Коваленко", "Іван", born="1990")
FIRST_IMPORT = [*crowd(300), person("RU-1", "Коваленко", "Иван", born="1990-03-01")]


def test_a_confirmed_pair_stays_a_match_when_a_new_import_brings_a_namesake() -> None:
    (before,) = reconcile([IVAN], FIRST_IMPORT).decisions
    assert (before.outcome, before.holding_id) == (Outcome.MATCH, "RU-1")
    (unconfirmed,) = reconcile([IVAN], [*FIRST_IMPORT, NAMESAKE]).decisions
    assert unconfirmed.outcome is Outcome.REVIEW  # the namesake makes it doubtful ...
    (after,) = reconcile([IVAN], [*FIRST_IMPORT, NAMESAKE], confirmed=[("UA-1", "RU-1")]).decisions
    assert (after.outcome, after.holding_id) == (Outcome.MATCH, "RU-1")  # ... unless confirmed


SECOND_REQUEST = person("UA-2", "Коваленко", "Іван", "Петрович", "1990-03-01")


def test_a_confirmed_holding_is_proposed_to_no_other_request() -> None:
    requests = [IVAN, SECOND_REQUEST]
    holdings = [*FIRST_IMPORT, NAMESAKE]
    unconfirmed = by_request(reconcile(requests, holdings))
    assert unconfirmed["UA-2"].holding_id == "RU-1"  # the better fit, left to itself
    decisions = by_request(reconcile(requests, holdings, confirmed=[("UA-1", "RU-1")]))
    assert (decisions["UA-1"].outcome, decisions["UA-1"].holding_id) == (Outcome.MATCH, "RU-1")
    assert decisions["UA-2"].holding_id != "RU-1"


def test_a_confirmed_holding_is_not_even_an_alternative_for_another_request() -> None:
    requests = [IVAN, SECOND_REQUEST]
    holdings = [*FIRST_IMPORT, NAMESAKE]
    decisions = by_request(reconcile(requests, holdings, confirmed=[("UA-1", "RU-1")]))
    assert "RU-1" not in offered(decisions["UA-2"])


LYSENKO = person("RU-1", "Лысенко", "Александр", "Николаевич", "1999-03-07")
OLEKSANDR = person("UA-1", "Лисенко", "Олександр", "Миколайович", "1999-03-07", source="family")


def test_a_rejected_pair_is_never_proposed_again() -> None:
    holdings = [*crowd(300), LYSENKO]
    (before,) = reconcile([OLEKSANDR], holdings).decisions
    assert (before.outcome, before.holding_id) == (Outcome.MATCH, "RU-1")
    (after,) = reconcile([OLEKSANDR], holdings, rejected=[("UA-1", "RU-1")]).decisions
    assert "RU-1" not in offered(after)


def test_after_a_rejection_the_explanation_does_not_claim_no_holding_is_close() -> None:
    holdings = [*crowd(300), LYSENKO]
    (after,) = reconcile([OLEKSANDR], holdings, rejected=[("UA-1", "RU-1")]).decisions
    assert after.explanation != NOTHING_CLOSE


def with_a_duplicate_request() -> list[Record]:
    """UA-1 from the family, other requests, then UA-2: the same man from a register."""
    others = [
        person(f"UA-X{i}", r.family_name, r.given_name, born=str(r.birth_date))
        for i, r in enumerate(crowd(60)[::7])
    ]
    register = person(
        "UA-2",
        "Lysenko",
        "Oleksandr",
        born="1999-03-07",
        name_lang="en",
        source="official_register",
    )
    return [OLEKSANDR, *others, register]


def test_the_duplicate_request_scenario_merges_the_register_request() -> None:
    result = reconcile(with_a_duplicate_request(), [*crowd(300), LYSENKO])
    assert [(g.kept, g.merged) for g in result.duplicates] == [("UA-1", ("UA-2",))]


def test_a_rejection_on_a_merged_duplicate_request_still_holds() -> None:
    result = reconcile(
        with_a_duplicate_request(), [*crowd(300), LYSENKO], rejected=[("UA-2", "RU-1")]
    )
    assert all("RU-1" not in offered(d) for d in result.decisions)


def test_a_confirmation_on_a_merged_duplicate_request_stays_a_match() -> None:
    result = reconcile(
        with_a_duplicate_request(), [*crowd(300), LYSENKO], confirmed=[("UA-2", "RU-1")]
    )
    decision = by_request(result)["UA-1"]
    assert (decision.outcome, decision.holding_id) == (Outcome.MATCH, "RU-1")


# --- thresholds ----------------------------------------------------------------------------

WITHOUT_DATE = person("UA-1", "Лисенко", "Олександр")


def decide(config: MatchConfig) -> Decision:
    (decision,) = reconcile([WITHOUT_DATE], [*crowd(300), LYSENKO], config).decisions
    return decision


def test_a_pair_at_the_match_threshold_is_a_match_and_just_under_it_goes_to_review() -> None:
    probability = decide(MatchConfig()).probability
    assert 0.9 <= probability < 1.0
    at = decide(MatchConfig(match_threshold=probability))
    assert (at.outcome, at.holding_id) == (Outcome.MATCH, "RU-1")
    under = decide(MatchConfig(match_threshold=min(probability + 1e-6, 0.999999)))
    assert (under.outcome, under.holding_id) == (Outcome.REVIEW, "RU-1")


def test_a_pair_under_the_review_threshold_is_no_match_without_a_holding() -> None:
    probability = decide(MatchConfig()).probability
    above = min(probability + 1e-6, 0.999999)
    decision = decide(MatchConfig(match_threshold=above, review_threshold=above))
    assert (decision.outcome, decision.holding_id) == (Outcome.NO_MATCH, None)
    assert decision.explanation.startswith("closest holding RU-1:")
