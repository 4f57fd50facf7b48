"""Agreement files: loading good ones, every problem of bad ones, and the law check."""

from __future__ import annotations

from datetime import date
from textwrap import dedent
from typing import Any

import pytest

from parley.adapters.agreements import read_agreement
from parley.domain.agreements import (
    Agreement,
    Formula,
    FormulaKind,
    NoActiveService,
    Order,
    Track,
    TrancheRules,
    check_law,
    flags_on_return,
)
from parley.domain.parties import Party
from parley.domain.selectors import parse_selector
from parley.errors import AgreementRejected, InvalidValue

SEED = """\
agreement: 1,000 for 1,000
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - name: military
    selector: not civilian
    formula: parity
  - name: civilians
    selector: civilian
    formula: {kind: parity, order: first_captured_first}
must_include: [seriously_ill, age < 25]
minimum_per_side: 1000
tranches:
  dates: [2025-05-23, 2025-05-24, 2025-05-25]
  capacity_per_side: 400
  separate: [civilians]
reserve_share: 0.1
"""


def rejected(text: str) -> list[str]:
    with pytest.raises(AgreementRejected) as refused:
        read_agreement(dedent(text), "a.yaml")
    return refused.value.problems


def test_the_seed_formula_loads_with_every_clause() -> None:
    checked = read_agreement(SEED, "seed.yaml")
    agreement = checked.agreement
    assert agreement.parties == ("UA", "RU")
    assert agreement.age_on == date(2025, 5, 16)
    assert [t.name for t in agreement.tracks] == ["military", "civilians"]
    assert agreement.track("civilians").formula.order is Order.FIRST_CAPTURED_FIRST
    assert [s.text for s in agreement.must_include] == ["seriously_ill", "age < 25"]
    assert agreement.minimum_per_side == 1000
    assert agreement.maximum_per_side is None
    assert agreement.tranches == TrancheRules(
        3,
        (date(2025, 5, 23), date(2025, 5, 24), date(2025, 5, 25)),
        capacity_per_side=400,
        separate=("civilians",),
        max_lead=1,
    )
    assert agreement.reserve_share == 0.1
    assert agreement.exclude == ()
    assert checked.warnings == ()


def test_without_the_key_only_the_seriously_ill_are_barred_from_active_service() -> None:
    agreement = read_agreement(SEED, "seed.yaml").agreement
    assert agreement.no_active_service is NoActiveService.SERIOUSLY_ILL


@pytest.mark.parametrize("value", list(NoActiveService))
def test_the_agreement_says_whom_active_service_is_forbidden_to(value: NoActiveService) -> None:
    text = SEED + f"no_active_service: {value.value}\n"
    assert read_agreement(text, "a.yaml").agreement.no_active_service is value


@pytest.mark.parametrize(
    ("service", "seriously_ill", "flags"),
    [
        (NoActiveService.SERIOUSLY_ILL, True, ("no_active_service",)),
        (NoActiveService.SERIOUSLY_ILL, False, ()),
        (NoActiveService.EVERYONE, True, ("no_active_service",)),
        (NoActiveService.EVERYONE, False, ("no_active_service",)),
    ],
)
def test_the_seriously_ill_are_always_flagged_and_others_only_if_the_agreement_says(
    service: NoActiveService, seriously_ill: bool, flags: tuple[str, ...]
) -> None:
    agreement = an_agreement("true", FormulaKind.ALL_FOR_ALL, no_active_service=service)
    assert flags_on_return(agreement, seriously_ill) == flags


def test_an_exclude_clause_loads_as_a_list_of_selectors() -> None:
    text = SEED.replace(
        "minimum_per_side: 1000",
        "exclude:\n  - captured_on < 2022-01-01\n  - category == convicted\nminimum_per_side: 1000",
    )
    agreement = read_agreement(text, "a.yaml").agreement
    assert [s.text for s in agreement.exclude] == [
        "captured_on < 2022-01-01",
        "category == convicted",
    ]
    assert agreement.must_include == read_agreement(SEED, "a.yaml").agreement.must_include


@pytest.mark.parametrize("code", ["UA", "RU", "A1", "ABCDEFGH"])
def test_a_party_code_the_party_register_accepts_is_accepted(code: str) -> None:
    Party(code, code)  # the register's own rule
    text = SEED.replace("parties: [UA, RU]", f"parties: [{code}, ZZ]")
    assert read_agreement(text, "a.yaml").agreement.parties == (code, "ZZ")


@pytest.mark.parametrize("code", ["A", "1A", "ABCDEFGHI", "Ua", "A-B"])
def test_a_party_code_the_party_register_refuses_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue):
        Party(code, code)
    problems = rejected(SEED.replace("parties: [UA, RU]", f"parties: ['{code}', RU]"))
    assert problems == [
        f"a.yaml line 2, key parties[1]: '{code}' is not a party code "
        "(expected 2-8 capital letters or digits)"
    ]


def test_ratio_and_tariff_formulas_load() -> None:
    text = SEED.replace(
        "formula: parity",
        "formula: {kind: ratio, ratio: {UA: 1, RU: 5}}",
    ).replace(
        "formula: {kind: parity, order: first_captured_first}",
        "formula:\n      kind: tariff\n      default_points: 1\n      classes:\n"
        "        - {name: colonel, points: 15, selector: rank == colonel}\n"
        "        - {name: major, points: 8, selector: rank == major}",
    )
    agreement = read_agreement(text, "a.yaml").agreement
    assert agreement.tracks[0].formula.ratio == (("UA", 1), ("RU", 5))
    tariff = agreement.tracks[1].formula
    assert [(c.name, c.points) for c in tariff.tariff] == [("colonel", 15), ("major", 8)]
    assert tariff.describe() == "tariff (colonel 15, major 8; others 1)"


def test_a_bad_file_gets_every_problem_with_its_line_and_key_and_nothing_loads() -> None:
    problems = rejected(
        """\
        parties: [UA, UA]
        age_on: 16.05.2025
        tracks:
          - name: military
            selector: category == pow and sexx == M
            formula: {kind: ratio, ratio: {UA: 1}}
            colour: red
        must_include: [seriously_ill, __import__('os')]
        tranches:
          count: 2
          dates: [2025-05-23]
          separate: [civilians]
        consent:
          will_to_return: optional
        minimum_per_side: 10
        maximum_per_side: 5
        reserve_share: 1.5
        """
    )
    valid = "age, captured_on, category, civilian, health, nationality, rank, seriously_ill, sex"
    assert problems == [
        "a.yaml line 1, key parties: must name two different parties (expected e.g. [UA, RU])",
        "a.yaml line 2, key age_on: '16.05.2025' is not a date (expected YYYY-MM-DD)",
        "a.yaml line 5, key tracks[1].selector: unknown name 'sexx' at column 35 "
        f"(expected one of: {valid}, status)",
        "a.yaml line 6, key tracks[1].formula.ratio: is not a ratio between the two parties "
        "(expected e.g. one number per party)",
        "a.yaml line 7, key tracks[1].colour: unknown key "
        "(expected one of: name, selector, formula, minimum_per_side, maximum_per_side)",
        "a.yaml line 8, key must_include[2]: unknown name '__import__' at column 31 "
        f"(expected one of: {valid}, status)",
        "a.yaml line 10, key tranches.count: is 2 but 1 dates are given (expected equal)",
        "a.yaml line 12, key tranches.separate[1]: 'civilians' is not a track "
        "(expected one of: military)",
        "a.yaml line 14, key consent.will_to_return: cannot be waived: GC III Art. 109(3), "
        "no repatriation against a person's will (expected required)",
        "a.yaml line 15, key minimum_per_side: 10 is above maximum_per_side 5 (expected at most 5)",
        "a.yaml line 17, key reserve_share: 1.5 is not a share (expected 0 to under 1, e.g. 0.1)",
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("formula: parity", "formula: n_for_n"),
            "a.yaml line 7, key tracks[1].formula.kind: 'n_for_n' is not allowed "
            "(expected one of: parity, all_for_all, ratio, tariff)",
        ),
        (
            ("minimum_per_side: 1000", "minimum_per_side: 1,000"),
            "a.yaml line 12, key minimum_per_side: '1,000' is not a whole number "
            "(expected 0 or more)",
        ),
        (
            ("parties: [UA, RU]", "parties: [UA, ru]"),
            "a.yaml line 2, key parties[2]: 'ru' is not a party code "
            "(expected 2-8 capital letters or digits)",
        ),
        (
            ("parties: [UA, RU]", "parties: [U, RU]"),
            "a.yaml line 2, key parties[1]: 'U' is not a party code "
            "(expected 2-8 capital letters or digits)",
        ),
        (
            ("parties: [UA, RU]", "parties: [UA, NO]"),
            "a.yaml line 2, key parties[2]: False is not a party code "
            "(expected text: quote it, e.g. 'NO')",
        ),
        (
            ("minimum_per_side: 1000", "exclude:\n  - captured_on < 2022-01-01\n  - sexx == M"),
            "a.yaml line 14, key exclude[2]: unknown name 'sexx' at column 5 "
            "(expected one of: age, captured_on, category, civilian, health, nationality, "
            "rank, seriously_ill, sex, status)",
        ),
        (
            ("minimum_per_side: 1000", "exclude: captured_on < 2022-01-01"),
            "a.yaml line 12, key exclude: is not a list (expected '- ' items or [a, b])",
        ),
        (
            ("  capacity_per_side: 400", "  capacity_per_side: 400\n  capacity_per_side: 300"),
            "a.yaml line 16, key tranches.capacity_per_side: appears twice "
            "(expected each key once)",
        ),
        (
            ("reserve_share: 0.1", "reserve_share: 0.1\nno_active_service: all"),
            "a.yaml line 18, key no_active_service: 'all' is not allowed "
            "(expected one of: seriously_ill, everyone)",
        ),
        (
            ("formula: {kind: parity, order: first_captured_first}", "formula: {kind: tariff}"),
            "a.yaml line 10, key tracks[2].formula.classes: is empty "
            "(a tariff needs at least one rank class)",
        ),
        (
            ("dates: [2025-05-23, 2025-05-24, 2025-05-25]", "max_lead: 2"),
            "a.yaml line 13, key tranches: says neither count nor dates (expected one of them)",
        ),
        (
            ("    selector: civilian", '    selector: "civilian and age < x"'),
            "a.yaml line 9, key tracks[2].selector: x is not a value of age at column 35 "
            "(expected a whole number)",
        ),
    ],
)
def test_each_bad_clause_gets_its_exact_error(change: tuple[str, str], problem: str) -> None:
    old, new = change
    assert old in SEED
    assert rejected(SEED.replace(old, new)) == [problem]


def test_two_tracks_of_one_name_are_refused() -> None:
    assert rejected(SEED.replace("  - name: civilians", "  - name: military")) == [
        "a.yaml line 4, key tracks: name 'military' is used twice (expected each name once)",
        "a.yaml line 16, key tranches.separate[1]: 'civilians' is not a track "
        "(expected one of: military)",
    ]


def test_a_file_that_is_not_yaml_names_the_line() -> None:
    assert rejected("parties: [UA, RU\nage_on: 2025-05-16\n") == [
        "a.yaml line 2: not valid YAML: expected ',' or ']', but got ':'"
    ]


def test_a_file_that_is_not_a_mapping_says_what_is_expected() -> None:
    assert rejected("- just\n- a list\n") == [
        "a.yaml line 1: is not a mapping (expected keys parties, age_on, tracks, tranches, "
        "agreement, must_include, unilateral, exclude, minimum_per_side, maximum_per_side, "
        "consent, reserve_share, no_active_service)"
    ]


def test_yaml_tags_that_would_build_python_objects_are_refused() -> None:
    problems = rejected("parties: !!python/object/apply:os.system ['true']\n")
    assert len(problems) == 1
    assert "not valid YAML" in problems[0]


def test_parity_over_seriously_ill_people_gets_the_art_109_warning() -> None:
    text = SEED.replace("must_include: [seriously_ill, age < 25]", "must_include: [age < 25]")
    checked = read_agreement(text, "seed.yaml")
    assert checked.warnings == (
        "seed.yaml line 7, key tracks[1].formula: warning: track military uses parity and may "
        "hold seriously ill or wounded people, who must be repatriated regardless of number or "
        "rank, not wait on parity (add seriously_ill to must_include or unilateral) "
        "(GC III Art. 109(1))",
        "seed.yaml line 10, key tracks[2].formula: warning: track civilians uses parity and may "
        "hold seriously ill or wounded people, who must be repatriated regardless of number or "
        "rank, not wait on parity (add seriously_ill to must_include or unilateral) "
        "(GC III Art. 109(1))",
    )


def an_agreement(track_selector: str, kind: FormulaKind, **clauses: Any) -> Agreement:
    ratio = (("AA", 1), ("BB", 2)) if kind is FormulaKind.RATIO else ()
    track = Track("t", parse_selector(track_selector), Formula(kind, ratio=ratio))
    return Agreement("x", ("AA", "BB"), date(2025, 5, 16), (track,), TrancheRules(1), **clauses)


@pytest.mark.parametrize(
    ("selector", "formula", "clauses", "warned"),
    [
        ("true", FormulaKind.PARITY, {}, True),
        ("category == pow", FormulaKind.RATIO, {}, True),
        ("true", FormulaKind.ALL_FOR_ALL, {}, False),
        ("not seriously_ill", FormulaKind.PARITY, {}, False),
        ("true", FormulaKind.PARITY, {"unilateral": (parse_selector("seriously_ill"),)}, False),
        # `seriously_ill and age < 25` does not cover an older seriously ill person.
        (
            "true",
            FormulaKind.PARITY,
            {"must_include": (parse_selector("seriously_ill and age < 25"),)},
            True,
        ),
        (
            "true",
            FormulaKind.PARITY,
            {"must_include": (parse_selector("seriously_ill or age < 25"),)},
            False,
        ),
    ],
)
def test_the_art_109_check_warns_only_when_seriously_ill_people_wait_on_balance(
    selector: str, formula: FormulaKind, clauses: dict[str, Any], warned: bool
) -> None:
    warnings = check_law(an_agreement(selector, formula, **clauses))
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].article == "GC III Art. 109(1)"
        assert warnings[0].path == ("tracks", 1, "formula")


def test_a_tariff_over_prisoners_of_war_without_a_seriously_ill_clause_is_warned() -> None:
    text = (
        "parties: [AA, BB]\nage_on: 2026-01-15\n"
        "tracks:\n  - name: m\n    selector: category == pow\n"
        "    formula: {kind: tariff, classes: [{name: c, points: 15, selector: rank == colonel}]}\n"
        "tranches: {count: 1}\n"
    )
    (warning,) = read_agreement(text, "t.yaml").warnings
    assert "track m uses tariff" in warning
    assert warning.endswith("(GC III Art. 109(1))")


def test_a_missing_key_is_said_once_not_again_as_a_bad_value() -> None:
    without = SEED.replace("age_on: 2025-05-16\n", "").replace("    formula: parity\n", "", 1)
    problems = rejected(without)
    assert problems == [
        "a.yaml line 1: lacks the key age_on (required)",
        "a.yaml line 4, key tracks[1]: lacks the key formula (required)",
    ]
