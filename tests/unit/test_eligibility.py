"""Eligibility: who one party can list under an agreement, in which track, or why not."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.domain.agreements import Agreement, Formula, FormulaKind, Track, TrancheRules
from parley.domain.dates import PartialDate
from parley.domain.eligibility import Eligibility, Reason, assess, eligible_pool
from parley.domain.holdings import Holding, HoldingCategory, HoldingStatus, SeriousIllnessBasis
from parley.domain.people import Identity
from parley.domain.selectors import parse_selector
from parley.errors import InvalidValue

AGE_ON = date(2025, 5, 16)
BORN = PartialDate(1990, 3, 14)


def an_agreement(
    must_include: tuple[str, ...] = ("seriously_ill", "age < 25"),
    unilateral: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> Agreement:
    parity = Formula(FormulaKind.PARITY)
    return Agreement(
        name="seed",
        parties=("UA", "RU"),
        age_on=AGE_ON,
        tracks=(
            Track("military", parse_selector("category == pow"), parity),
            Track("civilians", parse_selector("civilian"), parity),
        ),
        tranches=TrancheRules(count=3),
        must_include=tuple(parse_selector(text) for text in must_include),
        unilateral=tuple(parse_selector(text) for text in unilateral),
        exclude=tuple(parse_selector(text) for text in exclude),
    )


def a_holding(
    record_id: str = "RU-H-1",
    born: PartialDate | None = BORN,
    **changes: object,
) -> Holding:
    holding = Holding(
        "RU", record_id, Identity("Шевчук", "Іван", birth_date=born), HoldingCategory.POW
    )
    return dataclasses.replace(holding, **changes) if changes else holding


def decided(holding: Holding, **sets: frozenset[str]) -> Eligibility:
    return assess(an_agreement(), "RU", holding, **sets)


def test_a_detained_prisoner_of_war_is_eligible_in_the_military_track() -> None:
    entry = decided(a_holding())
    assert (entry.track, entry.reason, entry.mandatory) == ("military", None, False)


def test_a_civilian_internee_goes_in_the_civilian_track() -> None:
    entry = decided(a_holding(category=HoldingCategory.CIVILIAN_INTERNEE))
    assert entry.track == "civilians"


def test_the_first_track_that_is_certainly_true_wins() -> None:
    parity = Formula(FormulaKind.PARITY)
    agreement = dataclasses.replace(
        an_agreement(),
        tracks=(
            Track("young", parse_selector("age < 30"), parity),
            Track("everyone", parse_selector("true"), parity),
        ),
    )
    young, unknown_age = (
        assess(agreement, "RU", a_holding(born=PartialDate(2000, 1, 1))),
        assess(agreement, "RU", a_holding(born=None)),
    )
    assert young.track == "young"
    assert unknown_age.track == "everyone"
    assert "track young: age < 30" in unknown_age.undecided


def test_a_convicted_person_in_no_track_is_refused_with_no_track() -> None:
    entry = decided(a_holding(category=HoldingCategory.CONVICTED))
    assert (entry.track, entry.reason) == (None, Reason.NO_TRACK)


def test_a_record_the_other_party_holds_is_not_held_by_the_releasing_party() -> None:
    assert decided(a_holding(party="UA")).reason is Reason.NOT_HELD


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (HoldingStatus.DECEASED, Reason.DECEASED),
        (HoldingStatus.HANDED_OVER, Reason.ALREADY_EXCHANGED),
        (HoldingStatus.RECEIVED, Reason.ALREADY_EXCHANGED),
        (HoldingStatus.FAMILY_NOTIFIED, Reason.ALREADY_EXCHANGED),
        (HoldingStatus.DECLINED_REPATRIATION, Reason.WILL_REFUSED),
        (HoldingStatus.HELD_FOR_PROCEEDINGS, Reason.HELD_FOR_PROCEEDINGS),
    ],
)
def test_a_status_that_cannot_be_released_gives_its_reason(
    status: HoldingStatus, reason: Reason
) -> None:
    assert decided(a_holding(status=status)).reason is reason


@pytest.mark.parametrize(
    "status",
    [HoldingStatus.DETAINED, HoldingStatus.ELIGIBLE, HoldingStatus.LISTED, HoldingStatus.WITHDRAWN],
)
def test_a_person_in_custody_on_the_way_to_release_stays_eligible(status: HoldingStatus) -> None:
    assert decided(a_holding(status=status)).track == "military"


def test_records_already_exchanged_on_another_manifest_or_refusing_are_not_eligible() -> None:
    holding = a_holding()
    ids = frozenset({holding.record_id})
    assert decided(holding, exchanged=ids).reason is Reason.ALREADY_EXCHANGED
    assert decided(holding, on_open_manifest=ids).reason is Reason.ON_OPEN_MANIFEST
    assert decided(holding, refused=ids).reason is Reason.WILL_REFUSED


def test_when_several_reasons_apply_the_first_in_order_is_given() -> None:
    holding = a_holding(status=HoldingStatus.DECEASED)
    ids = frozenset({holding.record_id})
    assert decided(holding, refused=ids, on_open_manifest=ids).reason is Reason.DECEASED
    assert decided(a_holding(), refused=ids, on_open_manifest=ids).reason is Reason.WILL_REFUSED


def test_the_agreements_exclude_clause_excludes_a_holding_it_is_certainly_true_for() -> None:
    agreement = an_agreement(exclude=("captured_on < 2022-01-01",))
    early = assess(agreement, "RU", a_holding(captured_on=date(2014, 8, 1)))
    late = assess(agreement, "RU", a_holding(captured_on=date(2023, 3, 1)))
    assert (early.track, early.reason) == (None, Reason.EXCLUDED)
    assert (late.track, late.reason, late.undecided) == ("military", None, ())


def test_an_unknown_exclude_clause_excludes_no_one_and_is_listed_as_undecided() -> None:
    agreement = an_agreement(exclude=("captured_on < 2022-01-01",))
    entry = assess(agreement, "RU", a_holding())  # no capture date
    assert (entry.track, entry.reason) == ("military", None)
    assert entry.undecided == ("exclude: captured_on < 2022-01-01",)


def test_an_earlier_reason_comes_before_the_exclude_clause() -> None:
    agreement = an_agreement(exclude=("true",))
    assert assess(agreement, "RU", a_holding()).reason is Reason.EXCLUDED
    deceased = a_holding(status=HoldingStatus.DECEASED)
    assert assess(agreement, "RU", deceased).reason is Reason.DECEASED


def test_the_pool_counts_the_holdings_the_agreement_excludes() -> None:
    agreement = an_agreement(exclude=("category == convicted",))
    holdings = [a_holding("RU-1"), a_holding("RU-2", category=HoldingCategory.CONVICTED)]
    pool = eligible_pool(agreement, "RU", holdings)
    assert pool.count(Reason.EXCLUDED) == 1
    assert pool.count(Reason.NO_TRACK) == 0
    assert [e.record_id for e in pool.eligible] == ["RU-1"]


@pytest.mark.parametrize(
    ("born", "mandatory", "undecided"),
    [
        (PartialDate(1999), False, False),  # 25 or 26 whatever the day
        (PartialDate(2001), True, False),  # 23 or 24 whatever the day
        (PartialDate(2000), False, True),  # 24 or 25: unknown
        (PartialDate(2000, 5), False, True),  # 24 or 25: unknown until the day
        (PartialDate(2000, 5, 17), True, False),  # 24 on the agreement date
        (PartialDate(2000, 5, 16), False, False),  # 25 on the day itself
        (PartialDate(2000, 4), False, False),  # 25 whatever the day
        (PartialDate(1998), False, False),  # 26 or 27
    ],
)
def test_must_include_under_25_counts_a_partial_birth_date_only_when_decided(
    born: PartialDate, mandatory: bool, undecided: bool
) -> None:
    entry = decided(a_holding(born=born))
    assert entry.mandatory is mandatory
    assert ("must_include: age < 25" in entry.undecided) is undecided
    assert entry.track == "military"  # a must-include clause never decides eligibility


def test_a_seriously_ill_person_is_mandatory_even_when_not_eligible() -> None:
    ill = a_holding(
        seriously_ill=True,
        seriously_ill_basis=SeriousIllnessBasis.MANIFEST,
        status=HoldingStatus.DECLINED_REPATRIATION,
    )
    entry = decided(ill)
    assert (entry.mandatory, entry.reason) == (True, Reason.WILL_REFUSED)


def test_a_unilateral_clause_is_true_false_or_named_as_undecided() -> None:
    agreement = an_agreement(unilateral=("age >= 60",))
    old, young, unknown = (
        assess(agreement, "RU", a_holding(born=born))
        for born in (PartialDate(1950), PartialDate(1990, 1, 1), PartialDate(1965))
    )
    assert (old.unilateral, young.unilateral, unknown.unilateral) == (True, False, False)
    assert "unilateral: age >= 60" in unknown.undecided
    assert "unilateral: age >= 60" not in old.undecided + young.undecided


def test_the_pool_counts_each_track_and_each_reason() -> None:
    holdings = [
        a_holding("RU-1"),
        a_holding("RU-2"),
        a_holding("RU-3", category=HoldingCategory.CIVILIAN_DETAINEE),
        a_holding("RU-4", status=HoldingStatus.DECEASED),
        a_holding("RU-5"),
        a_holding("UA-1", party="UA"),
    ]
    pool = eligible_pool(an_agreement(), "RU", holdings, on_open_manifest=frozenset({"RU-5"}))
    assert pool.per_track == (("military", 2), ("civilians", 1))
    assert pool.count("military") == 2
    assert pool.count(Reason.DECEASED) == 1
    assert pool.count(Reason.ON_OPEN_MANIFEST) == 1
    assert pool.count(Reason.NOT_HELD) == 1
    assert pool.count(Reason.NO_TRACK) == 0
    assert [e.record_id for e in pool.eligible] == ["RU-1", "RU-2", "RU-3"]


def test_a_party_outside_the_agreement_is_refused() -> None:
    with pytest.raises(InvalidValue, match="'XX' is not a party"):
        eligible_pool(an_agreement(), "XX", [a_holding()])


def test_a_record_id_listed_twice_is_refused_without_personal_data() -> None:
    with pytest.raises(InvalidValue, match="holding RU/RU-H-1 appears twice") as refused:
        eligible_pool(an_agreement(), "RU", [a_holding(), a_holding()])
    assert "Шевчук" not in str(refused.value)


_births = st.one_of(
    st.none(),
    st.builds(PartialDate, st.integers(1940, 2007)),
    st.builds(PartialDate, st.integers(1940, 2007), st.integers(1, 12)),
    st.builds(PartialDate, st.integers(1940, 2007), st.integers(1, 12), st.integers(1, 28)),
)
_holdings = st.builds(
    lambda n, party, born, category, status: a_holding(
        f"{party}-{n}", born, party=party, category=category, status=status
    ),
    st.integers(0, 10**6),
    st.sampled_from(["RU", "UA"]),
    _births,
    st.sampled_from(HoldingCategory),
    st.sampled_from(HoldingStatus),
)


@given(
    st.lists(_holdings, max_size=30, unique_by=lambda h: (h.party, h.record_id)),
    st.sets(st.sampled_from([f"RU-{n}" for n in range(20)])),
    st.sets(st.sampled_from([f"RU-{n}" for n in range(20)])),
)
def test_every_holding_gets_exactly_one_of_a_track_and_a_reason(
    holdings: list[Holding], exchanged: set[str], refused: set[str]
) -> None:
    pool = eligible_pool(
        an_agreement(), "RU", holdings, exchanged=frozenset(exchanged), refused=frozenset(refused)
    )
    assert [e.record_id for e in pool.entries] == [h.record_id for h in holdings]
    assert all((e.track is None) != (e.reason is None) for e in pool.entries)
    tracked = sum(n for _, n in pool.per_track)
    refused_count = sum(n for _, n in pool.per_reason)
    assert tracked + refused_count == len(holdings)
    assert tracked == len(pool.eligible)
