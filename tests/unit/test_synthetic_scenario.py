"""A synthetic exchange scenario: two parties' holdings and requests, and the answer key."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections import Counter
from collections.abc import Iterator

import pytest

from parley.domain.dates import PartialDate
from parley.domain.people import check_name
from parley.matching.transliteration import given_name_pairs, respell_uk_as_ru
from parley.synthetic import (
    CATEGORIES,
    HEALTH,
    HOLDING_COLUMNS,
    PRIORITIES,
    REQUEST_COLUMNS,
    SERIOUSLY_ILL_BASES,
    SOURCES,
    Scenario,
    generate_scenario,
)

ON = datetime.date(2025, 6, 2)
WAR_START = datetime.date(2022, 2, 24)
NAME_COLUMNS = ("family_name", "given_name", "patronymic", "mother_maiden_name")
UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The default-sized scenario (12,000 holdings, 4,000 requests)."""
    return generate_scenario(seed=2025, on=ON)


def all_rows(scenario: Scenario) -> Iterator[tuple[str, dict[str, str]]]:
    """("holding"|"request", row) for every row of both parties."""
    for rows in scenario.holdings.values():
        for row in rows:
            yield "holding", row
    for rows in scenario.requests.values():
        for row in rows:
            yield "request", row


def as_json(scenario: Scenario) -> str:
    return json.dumps(dataclasses.asdict(scenario), ensure_ascii=False)


def full_date(text: str) -> datetime.date | None:
    """The date if ``text`` is a full date (ISO or DD.MM.YYYY), else None."""
    partial = PartialDate.parse(text)
    return partial.earliest if partial.precision == "day" else None


def age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def share(items: list[bool]) -> float:
    return sum(items) / len(items)


def test_the_same_seed_gives_byte_identical_output() -> None:
    first = generate_scenario(seed=11, on=ON, holdings_per_side=400, requests_per_side=150)
    again = generate_scenario(seed=11, on=ON, holdings_per_side=400, requests_per_side=150)
    assert as_json(first) == as_json(again)


def test_a_different_seed_gives_a_different_scenario() -> None:
    first = generate_scenario(seed=11, on=ON, holdings_per_side=400, requests_per_side=150)
    other = generate_scenario(seed=12, on=ON, holdings_per_side=400, requests_per_side=150)
    assert as_json(first) != as_json(other)


def test_each_party_holds_and_requests_the_number_asked_for(scenario: Scenario) -> None:
    assert sorted(scenario.holdings) == ["RU", "UA"]
    assert sorted(scenario.requests) == ["RU", "UA"]
    assert all(len(rows) == 6000 for rows in scenario.holdings.values())
    assert all(len(rows) == 2000 for rows in scenario.requests.values())


def test_every_row_has_exactly_the_documented_columns_all_strings(scenario: Scenario) -> None:
    for kind, row in all_rows(scenario):
        expected = HOLDING_COLUMNS if kind == "holding" else REQUEST_COLUMNS
        assert tuple(row) == expected
        assert all(isinstance(value, str) for value in row.values())


def test_record_ids_name_the_party_and_the_list(scenario: Scenario) -> None:
    for party, rows in scenario.holdings.items():
        assert all(re.fullmatch(rf"{party}-H-\d{{6}}", row["record_id"]) for row in rows)
        assert len({row["record_id"] for row in rows}) == len(rows)
    for party, rows in scenario.requests.items():
        assert all(re.fullmatch(rf"{party}-R-\d{{6}}", row["record_id"]) for row in rows)
        assert len({row["record_id"] for row in rows}) == len(rows)


def test_every_coded_value_is_one_the_schema_allows(scenario: Scenario) -> None:
    for kind, row in all_rows(scenario):
        assert row["name_lang"] in ("uk", "ru", "en")
        assert row["sex"] in ("M", "F")
        assert row["nationality"] in ("UA", "RU")
        assert row["category"] in CATEGORIES
        if kind == "holding":
            assert row["health"] in HEALTH
            assert row["seriously_ill"] in ("yes", "no")
            basis = row["seriously_ill_basis"]
            assert basis == "" if row["seriously_ill"] == "no" else basis in SERIOUSLY_ILL_BASES
        else:
            assert row["priority"] in PRIORITIES
            assert row["source"] in SOURCES


def test_birth_dates_are_full_or_partial_dates_in_the_accepted_forms(scenario: Scenario) -> None:
    forms: Counter[str] = Counter()
    for _, row in all_rows(scenario):
        PartialDate.parse(row["birth_date"])
        forms[re.sub(r"\d", "9", row["birth_date"])] += 1
    assert set(forms) == {"9999-99-99", "99.99.9999", "9999-99", "9999"}
    full = forms["9999-99-99"] + forms["99.99.9999"]
    assert 0.25 < forms["99.99.9999"] / full < 0.42


def test_capture_dates_fall_between_the_start_of_the_war_and_the_day_before(
    scenario: Scenario,
) -> None:
    for _, row in all_rows(scenario):
        if row["category"] == "pow":
            assert row["captured_on"], row
        if row["captured_on"]:
            captured = datetime.date.fromisoformat(row["captured_on"])
            assert WAR_START <= captured < ON


def test_held_people_are_18_to_65_on_the_scenario_date(scenario: Scenario) -> None:
    for rows in scenario.holdings.values():
        born = [full_date(row["birth_date"]) for row in rows]
        ages = [age_on(day, ON) for day in born if day is not None]
        assert len(ages) > 0.9 * len(rows)
        assert min(ages) >= 18
        assert max(ages) <= 65
        assert 0.10 < share([age < 25 for age in ages]) < 0.20


def test_no_name_has_a_digit_or_a_character_a_name_cannot_have(scenario: Scenario) -> None:
    for _, row in all_rows(scenario):
        for column in NAME_COLUMNS:
            value = row[column]
            assert all(ch.isalpha() or ch in " -'" for ch in value), (column, value)
            if value:
                check_name(column, value)
        assert row["family_name"]
        assert row["given_name"]


def test_russia_writes_the_ukrainians_it_holds_in_russian_cyrillic(scenario: Scenario) -> None:
    rows = scenario.holdings["RU"]
    assert all(row["nationality"] == "UA" and row["name_lang"] == "ru" for row in rows)
    for row in rows:
        assert not set("".join(row.values())) & UKRAINIAN_ONLY, row
    given = Counter(row["given_name"] for row in rows)
    russian_forms = {ru for sex in "MF" for _, ru in given_name_pairs(sex)}
    assert set(given) <= russian_forms
    assert given["Александр"] > 0
    assert given["Олександр"] == 0


def test_ukraine_writes_the_russians_it_holds_in_ukrainian_cyrillic(scenario: Scenario) -> None:
    rows = scenario.holdings["UA"]
    assert all(row["nationality"] == "RU" and row["name_lang"] == "uk" for row in rows)
    for row in rows:
        assert not set("".join(row.values())) & RUSSIAN_ONLY, row
    ukrainian_forms = {uk for sex in "MF" for uk, _ in given_name_pairs(sex)}
    assert {row["given_name"] for row in rows} <= ukrainian_forms
    assert any(row["patronymic"] == "Олексійович" for row in rows)


def test_ranks_are_written_in_the_holding_partys_language(scenario: Scenario) -> None:
    ru_ranks = Counter(row["rank"] for row in scenario.holdings["RU"] if row["rank"])
    ua_ranks = Counter(row["rank"] for row in scenario.holdings["UA"] if row["rank"])
    assert ru_ranks.most_common(1)[0][0] == "рядовой"
    assert ua_ranks.most_common(1)[0][0] == "солдат"
    assert "младший сержант" in ru_ranks
    assert "молодший сержант" in ua_ranks


def test_each_nationality_has_many_surnames_some_common_most_rare(scenario: Scenario) -> None:
    for rows in scenario.holdings.values():
        men = Counter(row["family_name"] for row in rows if row["sex"] == "M")
        counts = sorted(men.values(), reverse=True)
        assert len(counts) >= 150
        assert counts[0] > 10 * counts[len(counts) // 2]


def test_about_nine_in_ten_held_are_prisoners_of_war(scenario: Scenario) -> None:
    for rows in scenario.holdings.values():
        assert 0.86 < share([row["category"] == "pow" for row in rows]) < 0.94
        civilians = {row["category"] for row in rows if row["category"] != "pow"}
        assert civilians == set(CATEGORIES) - {"pow"}


def test_women_are_few_among_prisoners_of_war_and_many_among_civilians(
    scenario: Scenario,
) -> None:
    for rows in scenario.holdings.values():
        soldiers = [row["sex"] == "F" for row in rows if row["category"] == "pow"]
        civilians = [row["sex"] == "F" for row in rows if row["category"] != "pow"]
        assert 0.04 < share(soldiers) < 0.10
        assert 0.25 < share(civilians) < 0.45


def test_a_few_held_are_seriously_ill_mostly_seriously_wounded_or_sick(
    scenario: Scenario,
) -> None:
    for rows in scenario.holdings.values():
        ill = [row for row in rows if row["seriously_ill"] == "yes"]
        assert 0.025 < len(ill) / len(rows) < 0.06
        grave = share([row["health"] in ("seriously_wounded", "sick") for row in ill])
        assert grave > 0.85


def test_the_answer_key_has_one_line_per_request(scenario: Scenario) -> None:
    request_ids = [(p, row["record_id"]) for p, rows in scenario.requests.items() for row in rows]
    assert sorted((party, rid) for party, rid, _ in scenario.truth) == sorted(request_ids)


def test_true_links_point_at_existing_holdings_of_the_other_party(scenario: Scenario) -> None:
    held = {
        party: {row["record_id"]: row for row in rows} for party, rows in scenario.holdings.items()
    }
    requests = {
        (party, row["record_id"]): row for party, rows in scenario.requests.items() for row in rows
    }
    linked = [(party, rid, hid) for party, rid, hid in scenario.truth if hid]
    assert len({hid for _, _, hid in linked}) == len(linked)
    for party, rid, hid in linked:
        other = "RU" if party == "UA" else "UA"
        holding, request = held[other][hid], requests[(party, rid)]
        assert holding["nationality"] == party == request["nationality"]
        assert holding["sex"] == request["sex"]


def test_about_four_in_five_requests_are_for_people_really_held(scenario: Scenario) -> None:
    for party in ("UA", "RU"):
        links = [hid != "" for p, _, hid in scenario.truth if p == party]
        assert 0.75 < share(links) < 0.85


def test_requests_are_in_the_requesters_own_language_or_passport_latin(
    scenario: Scenario,
) -> None:
    for party, native in (("UA", "uk"), ("RU", "ru")):
        rows = scenario.requests[party]
        assert {row["name_lang"] for row in rows} == {native, "en"}
        latin = [row for row in rows if row["name_lang"] == "en"]
        cyrillic = [row for row in rows if row["name_lang"] == native]
        assert 0.33 < len(latin) / len(rows) < 0.47
        assert all(re.fullmatch(r"[A-Za-z' -]+", row["family_name"]) for row in latin)
        assert share([row["patronymic"] == "" for row in latin]) > 0.9
        assert 0.05 < share([row["patronymic"] == "" for row in cyrillic]) < 0.16


def test_ukraine_writes_its_own_people_in_ukrainian_as_their_families_do(
    scenario: Scenario,
) -> None:
    rows = scenario.requests["UA"]
    cyrillic = [row for row in rows if row["name_lang"] == "uk"]
    assert not any(set(row["family_name"] + row["given_name"]) & RUSSIAN_ONLY for row in cyrillic)
    assert any(row["given_name"] == "Олександр" for row in cyrillic)


def test_a_held_ukrainian_is_one_respelling_away_in_the_two_registers(
    scenario: Scenario,
) -> None:
    held = {row["record_id"]: row for row in scenario.holdings["RU"]}
    requests = {row["record_id"]: row for row in scenario.requests["UA"]}
    pairs = [
        (requests[rid], held[hid])
        for party, rid, hid in scenario.truth
        if party == "UA" and hid and requests[rid]["name_lang"] == "uk"
    ]
    same = [respell_uk_as_ru(req["family_name"]) == hold["family_name"] for req, hold in pairs]
    assert share(same) > 0.97  # the rest have given and family name swapped


def test_request_birth_dates_are_mostly_exact_some_partial_a_few_wrong(
    scenario: Scenario,
) -> None:
    held = {row["record_id"]: row for rows in scenario.holdings.values() for row in rows}
    requests = {row["record_id"]: row for rows in scenario.requests.values() for row in rows}
    kinds: Counter[str] = Counter()
    for _, rid, hid in scenario.truth:
        if not hid or full_date(held[hid]["birth_date"]) is None:
            continue
        truth, given = (
            full_date(held[hid]["birth_date"]),
            PartialDate.parse(requests[rid]["birth_date"]),
        )
        if given.precision != "day":
            kinds[given.precision] += 1
        else:
            kinds["exact" if given.earliest == truth else "wrong"] += 1
    total = sum(kinds.values())
    assert 0.74 < kinds["exact"] / total < 0.86
    assert 0.06 < kinds["year"] / total < 0.14
    assert 0.02 < kinds["month"] / total < 0.08
    assert 0.02 < kinds["wrong"] / total < 0.08


def test_a_scenario_needs_a_date_after_the_war_began_and_sizes_not_negative() -> None:
    with pytest.raises(ValueError, match="after"):
        generate_scenario(seed=1, on=WAR_START)
    with pytest.raises(ValueError, match="negative"):
        generate_scenario(seed=1, on=ON, holdings_per_side=-1)


def test_more_requests_than_holdings_still_links_only_real_holdings() -> None:
    small = generate_scenario(seed=3, on=ON, holdings_per_side=10, requests_per_side=50)
    linked = [hid for _, _, hid in small.truth if hid]
    assert len(linked) == 20
    assert len(set(linked)) == 20
