"""Who is acting: a principal is a login with one role, and a party member has one party."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from parley.domain.access import USER_NAME, Principal, Role
from parley.errors import InvalidValue, NotPermitted
from parley.services.access import Capability, authorize
from parley.services.ports import TokenInfo, User

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)


def test_a_party_member_belongs_to_their_party_and_acts_as_it() -> None:
    ua = Principal("ua-office", Role.PARTY, "UA")
    assert ua.is_party("UA")
    assert not ua.is_party("RU")
    assert ua.acting_as == "UA"


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.NEUTRAL_VERIFIER, Role.OBSERVER, Role.ADMIN])
def test_anyone_but_a_party_member_acts_as_their_role_and_is_no_party(role: Role) -> None:
    principal = Principal("someone", role)
    assert principal.acting_as == role.value
    assert not principal.is_party("UA")


def test_a_party_member_without_a_party_is_refused() -> None:
    with pytest.raises(InvalidValue, match="has the party role but no party"):
        Principal("ua-office", Role.PARTY)


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.NEUTRAL_VERIFIER, Role.OBSERVER, Role.ADMIN])
def test_anyone_else_with_a_party_is_refused(role: Role) -> None:
    with pytest.raises(InvalidValue, match="who belongs to no party"):
        Principal("someone", role, "UA")


@pytest.mark.parametrize("name", ["ua-office", "m.kovalenko", "observer_2", "a1", "0-x", "a" * 63])
def test_a_login_of_lowercase_letters_digits_and_dot_dash_underscore_is_a_user_name(
    name: str,
) -> None:
    assert USER_NAME.match(name)
    assert Principal(name, Role.OBSERVER).user == name


@pytest.mark.parametrize(
    "name",
    ["", "a", "UA-office", "-office", ".hidden", "ua office", "ua@office", "a" * 64, "олена"],
)
def test_anything_else_is_not_a_user_name(name: str) -> None:
    with pytest.raises(InvalidValue, match="is not a user name"):
        Principal(name, Role.OBSERVER)


def test_a_stored_user_acts_as_the_principal_of_their_name_role_and_party() -> None:
    user = User(id=7, name="ua-office", role=Role.PARTY, party="UA", created_at=NOW)
    assert user.principal == Principal("ua-office", Role.PARTY, "UA")
    assert not user.disabled
    assert User(1, "x1", Role.ADMIN, None, NOW, disabled_at=NOW).disabled


def test_a_token_is_active_until_it_expires_or_is_revoked() -> None:
    token = TokenInfo(1, "ua-office", "upload", NOW, NOW + timedelta(days=1))
    assert token.state(NOW) == "active"
    assert token.state(NOW + timedelta(days=1)) == "expired"
    revoked = TokenInfo(1, "ua-office", "upload", NOW, NOW + timedelta(days=1), NOW)
    assert revoked.state(NOW) == "revoked"


def test_a_refusal_names_the_user_what_they_may_not_do_and_whose() -> None:
    outsider = Principal("xa-office", Role.PARTY, "XA")
    with pytest.raises(NotPermitted) as refused:
        authorize(outsider, Capability.TRANCHES_READ, parties=("UA", "RU"))
    assert str(refused.value) == (
        "user xa-office (party of XA) may not read tranches in an exchange between UA and RU"
    )
    with pytest.raises(NotPermitted, match=r"may not read access log$"):
        authorize(outsider, Capability.ACCESS_LOG_READ)
