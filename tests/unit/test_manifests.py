"""Manifests: the document every signer signs, its versions, amendments and diffs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.domain.manifests import (
    MANIFEST_FORMAT,
    MEDIATOR,
    Manifest,
    ManifestPerson,
    diff_manifests,
    manifest_from_document,
    required_signers,
)
from parley.errors import InvalidValue

SHA = "a" * 64


def person(record_id: str, **fields: Any) -> ManifestPerson:
    return ManifestPerson(record_id=record_id, track=fields.pop("track", "military"), **fields)


def reserve(record_id: str, position: int, **fields: Any) -> ManifestPerson:
    return person(record_id, reserve_rank=position, **fields)


def manifest(
    people: tuple[str, ...] = ("UA-1", "UA-2", "UA-3"),
    reserves: tuple[str, ...] = ("UA-R1", "UA-R2", "UA-R3"),
    **fields: Any,
) -> Manifest:
    return Manifest(
        exchange=fields.pop("exchange", "spring"),
        tranche=fields.pop("tranche", 1),
        side=fields.pop("side", "UA"),
        receiver=fields.pop("receiver", "RU"),
        version=fields.pop("version", 1),
        date=fields.pop("date", "2025-05-23"),
        people=tuple(person(r) for r in people),
        reserves=tuple(reserve(r, i) for i, r in enumerate(reserves, 1)),
        **fields,
    )


def ids(people: tuple[ManifestPerson, ...]) -> list[str]:
    return [p.record_id for p in people]


# The document and its round trip


def test_a_full_manifest_survives_its_document() -> None:
    sergeant = person(
        "UA-1",
        points=3,
        family_name="Шевченко",
        given_name="Тарас",
        patronymic="Григорович",
        name_lang="uk",
        sex="M",
        birth_date="1990-03-09",
        rank="сержант",
        service_number="A-0001",
    )
    reserve_officer = reserve("UA-R1", 1, rank="lieutenant", service_number="B-7", points=5)
    original = Manifest(
        exchange="spring",
        tranche=2,
        side="UA",
        receiver="RU",
        version=3,
        date="2025-05-24",
        people=(sergeant, person("UA-2", track="civilians")),
        reserves=(reserve_officer, reserve("UA-R2", 2)),
        reason="substitution after a refusal",
        previous_sha256=SHA,
        plan_id=7,
    )
    assert manifest_from_document(original.document()) == original


def test_a_reserves_military_rank_is_not_overwritten_by_its_reserve_rank() -> None:
    original = manifest(people=("UA-1",), reserves=())
    original = dataclasses.replace(original, reserves=(reserve("UA-R1", 1, rank="captain"),))
    document = original.document()
    assert document["reserves"][0]["rank"] == "captain"
    assert document["reserves"][0]["reserve_rank"] == 1
    back = manifest_from_document(document)
    assert back.reserves[0].rank == "captain"
    assert back.reserves[0].reserve_rank == 1


def test_the_document_names_its_format_and_counts_people_and_points_per_track() -> None:
    m = Manifest(
        "spring",
        1,
        "UA",
        "RU",
        1,
        None,
        people=(
            person("UA-1", points=2),
            person("UA-2", points=3),
            person("UA-3", track="civilians"),
        ),
        reserves=(reserve("UA-R1", 1, points=9),),
    )
    document = m.document()
    assert document["format"] == MANIFEST_FORMAT
    assert document["counts"] == {
        "military": {"people": 2, "points": 5},
        "civilians": {"people": 1, "points": 1},
    }
    assert [line["record_id"] for line in document["people"]] == ["UA-1", "UA-2", "UA-3"]


identity_text = st.text(min_size=0, max_size=12)
optional_text = st.none() | st.text(min_size=1, max_size=12)


@st.composite
def people_lists(draw: st.DrawFn) -> tuple[tuple[ManifestPerson, ...], tuple[ManifestPerson, ...]]:
    ids_ = draw(st.lists(st.text("ABC0123456789-", min_size=1), unique=True, max_size=8))
    cut = draw(st.integers(0, len(ids_)))
    out = []
    for index, record_id in enumerate(ids_):
        out.append(
            ManifestPerson(
                record_id=record_id,
                track=draw(st.sampled_from(["military", "civilians"])),
                points=draw(st.integers(1, 20)),
                family_name=draw(identity_text),
                given_name=draw(identity_text),
                patronymic=draw(optional_text),
                name_lang=draw(st.sampled_from(["uk", "ru", "und"])),
                sex=draw(st.sampled_from(["M", "F", "U"])),
                birth_date=draw(st.none() | st.sampled_from(["1990", "1990-03", "1990-03-09"])),
                rank=draw(optional_text),
                service_number=draw(optional_text),
                reserve_rank=None if index < cut else index - cut + 1,
            )
        )
    return tuple(out[:cut]), tuple(out[cut:])


@settings(max_examples=60, deadline=None)
@given(lists=people_lists(), version=st.integers(1, 5))
def test_any_manifest_survives_its_document(
    lists: tuple[tuple[ManifestPerson, ...], tuple[ManifestPerson, ...]], version: int
) -> None:
    people, reserves = lists
    original = Manifest(
        "spring",
        1,
        "UA",
        "RU",
        version,
        None,
        people,
        reserves,
        previous_sha256=None if version == 1 else SHA,
    )
    assert manifest_from_document(original.document()) == original


# The rules of a version


def test_a_person_listed_twice_is_refused_naming_the_record() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-1 appears twice in tranche 1 of UA"):
        manifest(people=("UA-1", "UA-2", "UA-1"), reserves=())


def test_a_person_both_listed_and_in_reserve_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-2 appears twice"):
        manifest(people=("UA-1", "UA-2"), reserves=("UA-2",))


def test_version_one_needs_no_previous_hash_and_takes_none() -> None:
    assert manifest(version=1).previous_sha256 is None
    with pytest.raises(InvalidValue, match="previous_sha256"):
        manifest(version=1, previous_sha256=SHA)


def test_a_later_version_must_chain_to_the_one_it_amends() -> None:
    assert manifest(version=2, previous_sha256=SHA).version == 2
    with pytest.raises(InvalidValue, match="previous_sha256"):
        manifest(version=2)


def test_version_zero_is_refused() -> None:
    with pytest.raises(InvalidValue, match="version: 0 must be 1 or more"):
        manifest(version=0, previous_sha256=SHA)


def test_the_subject_names_side_tranche_and_version() -> None:
    assert manifest(tranche=2).subject == "manifest of UA, tranche 2, version 1"


def test_both_parties_and_the_mediator_must_sign() -> None:
    assert required_signers(manifest()) == frozenset({"UA", "RU", MEDIATOR})


# Amendments


def test_a_substitute_takes_the_place_of_the_person_it_replaces() -> None:
    amended = manifest().amend(
        previous_sha256=SHA, reason="UA-2 declined", remove=["UA-2"], add=["UA-R2"]
    )
    assert ids(amended.people) == ["UA-1", "UA-R2", "UA-3"]
    assert amended.people[1].reserve_rank is None
    assert ids(amended.reserves) == ["UA-R1", "UA-R3"]
    assert [r.reserve_rank for r in amended.reserves] == [1, 2]


def test_an_amendment_is_the_next_version_chained_to_the_last() -> None:
    amended = manifest().amend(previous_sha256=SHA, reason="no-show", remove=["UA-1"])
    assert (amended.version, amended.previous_sha256, amended.reason) == (2, SHA, "no-show")
    again = amended.amend(previous_sha256="b" * 64, reason="again", remove=["UA-2"])
    assert (again.version, again.previous_sha256) == (3, "b" * 64)


def test_a_removal_without_substitute_shortens_the_list() -> None:
    amended = manifest().amend(previous_sha256=SHA, reason="died", remove=["UA-1", "UA-3"])
    assert ids(amended.people) == ["UA-2"]
    assert ids(amended.reserves) == ["UA-R1", "UA-R2", "UA-R3"]


def test_substitutes_pair_with_removals_in_step_and_extras_go_to_the_end() -> None:
    amended = manifest().amend(
        previous_sha256=SHA, reason="two gone", remove=["UA-3", "UA-1"], add=["UA-R1", "UA-R3"]
    )
    assert ids(amended.people) == ["UA-R3", "UA-2", "UA-R1"]
    extra = manifest().amend(previous_sha256=SHA, reason="more", add=["UA-R2"])
    assert ids(extra.people) == ["UA-1", "UA-2", "UA-3", "UA-R2"]
    assert [(r.record_id, r.reserve_rank) for r in extra.reserves] == [("UA-R1", 1), ("UA-R3", 2)]


def test_an_amendment_leaves_the_version_it_amends_unchanged() -> None:
    original = manifest()
    original.amend(previous_sha256=SHA, reason="x", remove=["UA-1"], add=["UA-R1"])
    assert ids(original.people) == ["UA-1", "UA-2", "UA-3"]
    assert original.version == 1


def test_removing_someone_not_listed_is_refused_naming_the_record() -> None:
    with pytest.raises(
        InvalidValue, match=r"record UA-9 is not on the manifest of UA, tranche 1, version 1"
    ):
        manifest().amend(previous_sha256=SHA, reason="x", remove=["UA-9"])


def test_a_reserve_cannot_be_removed_as_if_listed() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-R1 is not on the manifest"):
        manifest().amend(previous_sha256=SHA, reason="x", remove=["UA-R1"])


def test_adding_someone_who_is_not_a_reserve_is_refused_naming_the_record() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-2 is not a reserve of the manifest of UA"):
        manifest().amend(previous_sha256=SHA, reason="x", remove=["UA-1"], add=["UA-2"])
    with pytest.raises(InvalidValue, match=r"record RU-5 is not a reserve"):
        manifest().amend(previous_sha256=SHA, reason="x", add=["RU-5"])


def test_naming_one_person_twice_to_remove_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-1 is named twice to remove"):
        manifest().amend(
            previous_sha256=SHA, reason="x", remove=["UA-1", "UA-1"], add=["UA-R1", "UA-R2"]
        )


def test_adding_one_reserve_twice_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"record UA-R1 appears twice"):
        manifest().amend(previous_sha256=SHA, reason="x", add=["UA-R1", "UA-R1"])


# Diffs


def test_the_diff_lists_who_left_and_who_came_in() -> None:
    old = manifest()
    new = old.amend(previous_sha256=SHA, reason="refusal", remove=["UA-2"], add=["UA-R1"])
    diff = diff_manifests(old, new)
    assert (diff.old_version, diff.new_version, diff.reason) == (1, 2, "refusal")
    assert ids(diff.removed) == ["UA-2"]
    assert ids(diff.added) == ["UA-R1"]
    assert diff.lines() == [
        "version 1 -> 2: refusal",
        "- UA-2 (military, 1 pt)",
        "+ UA-R1 (military, 1 pt)",
    ]


def test_a_version_diffed_with_itself_has_no_changes() -> None:
    m = manifest()
    diff = diff_manifests(m, m)
    assert (diff.removed, diff.added) == ((), ())


@pytest.mark.parametrize(
    "other",
    [
        {"side": "RU", "receiver": "UA"},
        {"tranche": 2},
        {"exchange": "autumn"},
    ],
)
def test_manifests_of_different_sides_tranches_or_exchanges_are_not_diffed(
    other: dict[str, Any],
) -> None:
    with pytest.raises(InvalidValue, match="not versions of one manifest"):
        diff_manifests(manifest(), manifest(**other))


# Malformed documents


def good_document() -> dict[str, Any]:
    return manifest().document()


def test_a_document_of_another_format_is_refused_naming_both() -> None:
    document = good_document() | {"format": "parley-plan"}
    with pytest.raises(InvalidValue, match=r"format: expected 'parley-manifest', found"):
        manifest_from_document(document)


@pytest.mark.parametrize("key", ["exchange", "tranche", "side", "version", "people", "reason"])
def test_a_document_lacking_a_field_names_it(key: str) -> None:
    document = good_document()
    del document[key]
    with pytest.raises(InvalidValue, match=f"lacks '{key}'"):
        manifest_from_document(document)


def test_a_person_line_lacking_a_field_names_the_line_and_field() -> None:
    document = good_document()
    del document["people"][1]["record_id"]
    with pytest.raises(InvalidValue, match=r"people line 2: .*lacks 'record_id'"):
        manifest_from_document(document)


def test_a_reserve_line_lacking_its_reserve_rank_names_the_line() -> None:
    document = good_document()
    del document["reserves"][2]["reserve_rank"]
    with pytest.raises(InvalidValue, match=r"reserves line 3: lacks 'reserve_rank'"):
        manifest_from_document(document)


@pytest.mark.parametrize("points", [0, -1, "3", None, 1.5])
def test_points_that_are_not_a_positive_whole_number_are_refused(points: object) -> None:
    document = good_document()
    document["people"][0]["points"] = points
    with pytest.raises(InvalidValue, match=r"people line 1: points: .* positive whole number"):
        manifest_from_document(document)


def test_a_tranche_that_is_no_number_is_refused() -> None:
    document = good_document() | {"tranche": "first"}
    with pytest.raises(InvalidValue, match="malformed"):
        manifest_from_document(document)


def test_people_that_are_not_a_list_are_refused() -> None:
    document = good_document() | {"people": "UA-1, UA-2"}
    with pytest.raises(InvalidValue, match="people: expected a list of people, found str"):
        manifest_from_document(document)


def test_a_person_line_that_is_not_an_object_is_refused() -> None:
    document = good_document()
    document["people"][1] = "UA-2"
    with pytest.raises(InvalidValue, match="people line 2: expected an object, found str"):
        manifest_from_document(document)


def test_a_document_breaking_a_manifest_rule_keeps_the_rules_own_message() -> None:
    document = good_document()
    document["people"].append(dict(document["people"][0]))
    with pytest.raises(InvalidValue) as refused:
        manifest_from_document(document)
    assert refused.value.field == "manifest"
    assert "record UA-1 appears twice" in str(refused.value)
    document = good_document() | {"version": 2}
    with pytest.raises(InvalidValue) as refused:
        manifest_from_document(document)
    assert refused.value.field == "previous_sha256"
