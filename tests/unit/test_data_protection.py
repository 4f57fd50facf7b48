"""The purposes, the retention settings and who may export a person's file (no I/O)."""

from __future__ import annotations

import pytest

from parley.config import Settings
from parley.domain.access import Principal, Role
from parley.domain.purposes import EXCHANGE_PURPOSE, Purpose, parse_purpose
from parley.domain.retention import DEFAULT_DAYS, EXCHANGE_BOUND, RecordKind
from parley.errors import ConfigurationError, InvalidValue, NotPermitted, PurposeRefused
from parley.services.access import Capability, may


def test_the_exchange_serves_repatriation() -> None:
    assert EXCHANGE_PURPOSE is Purpose.REPATRIATION
    assert parse_purpose(" family_tracing ") is Purpose.FAMILY_TRACING


def test_intelligence_or_prosecution_is_no_purpose_parley_serves() -> None:
    for asked in ("intelligence", "prosecution"):
        with pytest.raises(InvalidValue) as refused:
            parse_purpose(asked)
        assert str(refused.value) == (
            f"purpose: {asked!r} is not a purpose parley serves "
            "(expected repatriation, family_tracing, detention_monitoring)"
        )


def test_a_refused_purpose_names_the_record_and_both_purposes_and_is_not_permitted() -> None:
    refused = PurposeRefused("requests", "UA", "UA-R-7", "family_tracing", "repatriation")

    assert isinstance(refused, NotPermitted)
    assert str(refused) == (
        "request UA-R-7 of UA is held for family_tracing, not repatriation: "
        "a read or export for another purpose is refused"
    )


def test_every_kind_has_a_default_period_and_the_people_of_an_exchange_wait_for_its_close() -> None:
    assert set(DEFAULT_DAYS) == set(RecordKind)
    assert Settings().retention == DEFAULT_DAYS
    assert {RecordKind.HOLDINGS, RecordKind.REQUESTS} <= EXCHANGE_BOUND
    assert RecordKind.ACCESS_LOG not in EXCHANGE_BOUND


def test_a_retention_period_is_set_per_kind_from_the_environment() -> None:
    settings = Settings.from_env(
        {"PARLEY_RETENTION_ACCESS_LOG_DAYS": "90", "PARLEY_RETENTION_HOLDINGS_DAYS": "30"}
    )

    assert settings.retention[RecordKind.ACCESS_LOG] == 90
    assert settings.retention[RecordKind.HOLDINGS] == 30
    assert settings.retention[RecordKind.SESSIONS] == DEFAULT_DAYS[RecordKind.SESSIONS]


def test_a_retention_period_that_is_not_a_positive_whole_number_is_refused() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"PARLEY_RETENTION_SESSIONS_DAYS": "forever"})
    assert str(refused.value) == (
        "PARLEY_RETENTION_SESSIONS_DAYS: 'forever' is not a positive whole number"
    )


def test_only_the_mediator_exports_a_persons_whole_file() -> None:
    allowed = {
        role
        for role in Role
        if may(
            Principal("someone", role, "UA" if role is Role.PARTY else None),
            Capability.PEOPLE_EXPORT,
            party="UA",
        )
    }
    assert allowed == {Role.MEDIATOR}
