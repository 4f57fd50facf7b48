"""Labelled cross-script data for reconciliation: the answer key holds what it promises."""

from __future__ import annotations

from collections import Counter

import pytest

from parley.matching.results import Record
from parley.synthetic.matching import MatchingData, generate_matching_data, held_out_given_names
from parley.synthetic.names import name_book

UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")


@pytest.fixture(scope="module")
def data() -> MatchingData:
    return generate_matching_data(7, 2_000, 8_000)


def _tags(data: MatchingData, record_id: str) -> set[str]:
    return set(data.kinds[record_id].split("+"))


def _names(record: Record) -> str:
    return record.family_name + record.given_name + record.patronymic


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    first, again = generate_matching_data(3, 300, 1_200), generate_matching_data(3, 300, 1_200)
    assert first == again
    assert generate_matching_data(4, 300, 1_200).requests != first.requests


def test_sizes_are_as_asked_and_ids_unique(data: MatchingData) -> None:
    assert len(data.requests) == 2_000
    assert len(data.holdings) == 8_000
    assert len({r.record_id for r in data.requests}) == 2_000
    assert len({h.record_id for h in data.holdings}) == 8_000
    assert data.kinds.keys() == {r.record_id for r in data.requests}


def test_about_thirty_percent_of_requests_have_no_true_holding(data: MatchingData) -> None:
    assert 0.25 < 1 - len(data.truth) / len(data.requests) < 0.35
    holding_ids = {h.record_id for h in data.holdings}
    assert set(data.truth.values()) <= holding_ids
    for request_id in data.truth:
        assert "held" in _tags(data, request_id)
    for record in data.requests:
        if record.record_id not in data.truth:
            assert "not_held" in _tags(data, record.record_id)


def test_only_duplicate_requests_share_a_holding(data: MatchingData) -> None:
    shared = Counter(data.truth.values())
    duplicated = {data.truth.get(second) for _, second in data.duplicates}
    assert {holding for holding, n in shared.items() if n > 1} <= duplicated
    assert 20 <= len(data.duplicates) <= 60
    for first, second in data.duplicates:
        assert data.truth.get(first) == data.truth.get(second)
        assert "duplicate" in _tags(data, second)


def test_holdings_are_russian_forms_in_russian_cyrillic(data: MatchingData) -> None:
    for holding in data.holdings:
        assert holding.name_lang == "ru"
        assert not UKRAINIAN_ONLY & set(_names(holding))


def test_requests_are_ukrainian_forms_in_cyrillic_or_in_latin(data: MatchingData) -> None:
    scripts = Counter(data.kinds[r.record_id].split("+")[0] for r in data.requests)
    assert scripts["cyrillic"] > scripts["latin_kmu2010"] > 0
    assert {"latin_icao9303_uk", "latin_icao9303_ru", "latin_gost52535_ru"} <= scripts.keys()
    for request in data.requests:
        if request.name_lang == "en":
            assert _names(request).replace("'", "").isascii()
        else:
            assert request.name_lang == "uk"
            assert not RUSSIAN_ONLY & set(_names(request))


def test_a_true_pair_speaks_of_one_person(data: MatchingData) -> None:
    holdings = {h.record_id: h for h in data.holdings}
    agree = 0
    for request in data.requests:
        holding = holdings.get(data.truth.get(request.record_id, ""))
        if holding is None or request.birth_date is None or holding.birth_date is None:
            continue
        if request.sex:
            assert request.sex == holding.sex
        agree += request.birth_date.year == holding.birth_date.year
    assert agree > 0.9 * len(data.truth) * 0.7


def test_every_kind_of_difficulty_is_present(data: MatchingData) -> None:
    tags = Counter(tag for kinds in data.kinds.values() for tag in kinds.split("+"))
    for tag in (
        "sibling", "namesake", "duplicate", "typo_family", "typo_given", "no_patronymic",
        "swapped_names", "no_date", "year_only", "year_month", "date_swapped", "date_typo",
        "year_off", "h_no_patronymic",
    ):  # fmt: skip
        assert tags[tag] > 0, tag


def test_a_held_brother_shares_surname_and_patronymic_but_not_given_name_or_birth(
    data: MatchingData,
) -> None:
    by_surname: dict[tuple[str, str], list[Record]] = {}
    for holding in data.holdings:
        by_surname.setdefault(
            (holding.family_name.replace("ё", "е"), holding.patronymic), []
        ).append(holding)
    holdings = {h.record_id: h for h in data.holdings}
    found = []
    for request_id, holding_id in data.truth.items():
        tags = _tags(data, request_id)
        if "sibling" not in tags or tags & {"h_typo", "h_no_patronymic"}:
            continue
        person = holdings[holding_id]
        brothers = [
            h for h in by_surname[(person.family_name.replace("ё", "е"), person.patronymic)]
            if h.given_name != person.given_name and h.birth_date != person.birth_date
        ]  # fmt: skip
        found.append(bool(brothers))
    # The brother's own record may have lost its patronymic or gained a typo.
    assert len(found) > 30
    assert sum(found) > 0.85 * len(found)


def test_held_out_names_are_a_fifth_of_the_generators_given_names() -> None:
    book = name_book("UA")
    names = {s.native for s in (*book.male_given, *book.female_given)}
    withheld = held_out_given_names(1)
    assert withheld <= names
    assert len(withheld) == round(len(names) * 0.2)
    assert held_out_given_names(1) == withheld
    assert held_out_given_names(2) != withheld
    assert held_out_given_names(1, 0) == frozenset()


def test_too_few_holdings_for_the_requests_is_refused() -> None:
    with pytest.raises(ValueError, match="holdings"):
        generate_matching_data(1, 1_000, 100)
