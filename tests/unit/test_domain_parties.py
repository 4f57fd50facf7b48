"""Parties are neutral codes with a display name and a language tag."""

from __future__ import annotations

import pytest

from parley.domain.parties import Party
from parley.errors import InvalidValue


def test_a_party_is_a_code_a_name_and_a_language() -> None:
    party = Party("UA", "Party UA", "uk")
    assert (party.code, party.name, party.language) == ("UA", "Party UA", "uk")


@pytest.mark.parametrize(
    ("code", "name", "language", "message"),
    [
        ("ua", "Party", "uk", "'ua' is not a party code"),
        ("UA", " ", "uk", "needs a display name of 1-200 characters"),
        ("UA", "x" * 201, "uk", "needs a display name of 1-200 characters"),
        ("UA", "Party", "Ukrainian", "'Ukrainian' is not a language tag"),
    ],
)
def test_a_party_that_storage_could_not_hold_is_refused_with_its_reason(
    code: str, name: str, language: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        Party(code, name, language)


@pytest.mark.parametrize("name", ["\u0000", "Party\u0000A", "A\u202eB", "Tab\there"])
def test_a_display_name_with_an_invisible_character_is_refused(name: str) -> None:
    with pytest.raises(InvalidValue, match="invisible character"):
        Party("ZZ", name, "en")
