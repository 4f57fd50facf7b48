"""Reconciliation end to end on small hand-made lists: what a reviewer would see."""

from __future__ import annotations

import pytest

from parley.matching.reconcile import reconcile
from parley.matching.results import MatchConfig, Outcome, Record
from tests.unit.matching_records import crowd, person


def decided(
    requests: list[Record], holdings: list[Record], **config: float
) -> dict[str, tuple[str, str | None]]:
    result = reconcile(requests, holdings, MatchConfig(**config) if config else None)
    return {d.request_id: (d.outcome.value, d.holding_id) for d in result.decisions}


def test_a_ukrainian_request_finds_the_russian_holding_of_the_same_man() -> None:
    holdings = [
        *crowd(300),
        person(
            "RU-1", "Лысенко", "Александр", "Николаевич", "1999-03-07", service_number="АБ123456"
        ),
    ]
    requests = [person("UA-1", "Лисенко", "Олександр", "Миколайович", "1999-03-07")]
    result = reconcile(requests, holdings)
    (decision,) = result.decisions
    assert (decision.outcome, decision.holding_id) == (Outcome.MATCH, "RU-1")
    assert decision.probability >= 0.9
    assert "given name equivalent Олександр≈Александр" in decision.explanation
    assert "family name exact after transliteration Лисенко=Лысенко" in decision.explanation


def test_a_request_nobody_holds_gets_no_match_and_no_holding() -> None:
    holdings = crowd(300)
    result = reconcile([person("UA-1", "Щербуха", "Тарас", born="1980-01-01")], holdings)
    (decision,) = result.decisions
    assert decision.outcome is Outcome.NO_MATCH
    assert decision.holding_id is None


def test_a_holding_answers_at_most_one_request() -> None:
    holdings = [*crowd(300), person("RU-1", "Лысенко", "Александр", "Николаевич", "1999-03-07")]
    requests = [
        person("UA-1", "Лисенко", "Олександр", "Миколайович", "1999-03-07"),
        person("UA-2", "Лисенко", "Олександр", born="1999"),
    ]
    result = reconcile(requests, holdings)
    proposed = [d.holding_id for d in result.decisions if d.holding_id is not None]
    assert len(proposed) == len(set(proposed))


def test_two_namesakes_born_the_same_year_go_to_review_not_match() -> None:
    holdings = [
        *crowd(300),
        person("RU-1", "Коваленко", "Иван", born="1990-03-01"),
        person("RU-2", "Коваленко", "Иван", born="1990-07-12"),
    ]
    result = reconcile([person("UA-1", "Коваленко", "Іван", born="1990")], holdings)
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REVIEW
    assert {decision.holding_id, *(c.holding_id for c in decision.alternatives)} == {"RU-1", "RU-2"}


def test_a_rejected_pair_is_never_proposed_again_and_a_confirmed_one_stays() -> None:
    holdings = [*crowd(300), person("RU-1", "Лысенко", "Александр", "Николаевич", "1999-03-07")]
    requests = [
        person("UA-1", "Лисенко", "Олександр", "Миколайович", "1999-03-07"),
        person("UA-2", "Бойко", "Петро", born="1970"),
    ]
    again = reconcile(requests, holdings, rejected=[("UA-1", "RU-1")])
    assert all(d.holding_id != "RU-1" for d in again.decisions)
    kept = reconcile(requests, holdings, confirmed=[("UA-2", "RU-1")])
    by_id = {d.request_id: d for d in kept.decisions}
    assert (by_id["UA-2"].outcome, by_id["UA-2"].holding_id) == (Outcome.MATCH, "RU-1")
    assert by_id["UA-1"].holding_id != "RU-1"


def test_one_person_requested_twice_is_merged_with_both_sources_kept() -> None:
    holdings = [*crowd(300), person("RU-1", "Лысенко", "Александр", "Николаевич", "1999-03-07")]
    requests = [
        person("UA-1", "Лисенко", "Олександр", "Миколайович", "1999-03-07", source="family"),
        *[
            person(f"UA-X{i}", r.family_name, r.given_name, born=str(r.birth_date))
            for i, r in enumerate(crowd(60)[::7])
        ],
        person(
            "UA-2",
            "Lysenko",
            "Oleksandr",
            born="1999-03-07",
            name_lang="en",
            source="official_register",
        ),
    ]
    result = reconcile(requests, holdings)
    (group,) = [g for g in result.duplicates if g.kept == "UA-1"]
    assert group.merged == ("UA-2",)
    assert group.sources == ("family", "official_register")
    assert "UA-2" not in {d.request_id for d in result.decisions}


def test_a_record_id_given_twice_is_refused_with_the_id() -> None:
    twice = [person("UA-1", "Бойко", "Петро"), person("UA-1", "Бойко", "Павло")]
    with pytest.raises(ValueError, match="requests: record id UA-1 appears twice"):
        reconcile(twice, crowd(10))


def test_a_name_without_letters_is_refused_naming_the_record() -> None:
    with pytest.raises(ValueError, match="record UA-7"):
        reconcile([person("UA-7", "123", "Петро")], crowd(10))


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="review_threshold <= match_threshold"):
        MatchConfig(match_threshold=0.5, review_threshold=0.7)


def test_counts_name_every_outcome() -> None:
    result = reconcile([person("UA-1", "Щербуха", "Тарас", born="1980-01-01")], crowd(50))
    assert result.counts() == {"match": 0, "review": 0, "no_match": 1}
