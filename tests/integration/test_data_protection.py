"""Purpose limitation, retention and one person's file (DOMAIN.md §4), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from parley.adapters.orm import AccessLogRow, HoldingRow, RecordVersionRow, RetentionRunRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.access import Principal, Role
from parley.domain.purposes import Purpose
from parley.domain.retention import DEFAULT_DAYS, RecordKind
from parley.errors import NotPermitted, PurposeRefused
from parley.services.exchange import cancel_tranche, close_tranche
from parley.services.exporting import export_records
from parley.services.importing import import_records
from parley.services.people import export_person
from parley.services.ports import RecordQuery
from parley.services.replay import replay_balances
from parley.services.retention import apply_retention
from parley.services.secured import people, records
from tests.conftest import NOW, snapshot
from tests.integration import exchange_support as ex
from tests.unit.fakes import FakeTable

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")
MEDIATOR = Principal("mediator", Role.MEDIATOR)
CLOSED = NOW + timedelta(hours=1)


def _import(uow: Uow, rows: list[dict[str, str]], purpose: Purpose | None = None) -> None:
    columns = ["record_id", "family_name", "given_name", "sex", "category", "rank"]
    table = FakeTable("ua.csv", columns, list(rows))
    import_records(
        uow(), kind="holdings", party="UA", table=table, actor="UA", now=NOW, purpose=purpose
    )


def _row(record_id: str, rank: str = "private") -> dict[str, str]:
    return {
        "record_id": record_id,
        "family_name": "Коваль",
        "given_name": "Олег",
        "sex": "M",
        "category": "pow",
        "rank": rank,
    }


def _export(uow: Uow, purpose: Purpose | None) -> list[str]:
    with uow() as u:
        return [
            r["record_id"] for r in export_records(u, kind="holdings", party="UA", purpose=purpose)
        ]


# --- purpose ----------------------------------------------------------------------------


def test_records_imported_without_a_purpose_are_held_for_repatriation(
    uow: Uow, engine: Engine
) -> None:
    _import(uow, [_row("UA-1"), _row("UA-2")])

    with engine.connect() as conn:
        assert set(conn.scalars(select(HoldingRow.purpose))) == {"repatriation"}
    assert _export(uow, Purpose.REPATRIATION) == ["UA-1", "UA-2"]
    assert _export(uow, None) == ["UA-1", "UA-2"]


def test_an_export_for_another_purpose_is_refused_naming_the_record_and_both_purposes(
    uow: Uow,
) -> None:
    _import(uow, [_row("UA-1"), _row("UA-2")])

    with pytest.raises(PurposeRefused) as refused:
        _export(uow, Purpose.FAMILY_TRACING)

    assert str(refused.value) == (
        "holding UA-1 of UA is held for repatriation, not family_tracing: "
        "a read or export for another purpose is refused"
    )


def test_an_import_that_states_a_purpose_gives_it_to_its_new_records(uow: Uow) -> None:
    _import(uow, [_row("UA-1")])
    _import(uow, [_row("UA-2")], purpose=Purpose.FAMILY_TRACING)

    with pytest.raises(PurposeRefused, match="holding UA-1 of UA is held for repatriation"):
        _export(uow, Purpose.FAMILY_TRACING)
    with pytest.raises(PurposeRefused, match="holding UA-2 of UA is held for family_tracing"):
        _export(uow, Purpose.REPATRIATION)


def test_reimporting_a_record_for_another_purpose_is_refused_and_changes_nothing(
    uow: Uow, engine: Engine
) -> None:
    _import(uow, [_row("UA-1")])
    before = snapshot(engine)

    with pytest.raises(PurposeRefused) as refused:
        _import(uow, [_row("UA-1", rank="sergeant")], purpose=Purpose.FAMILY_TRACING)

    assert str(refused.value) == (
        "holding UA-1 of UA is held for repatriation, not family_tracing: "
        "a read or export for another purpose is refused"
    )
    assert snapshot(engine) == before


def test_a_read_through_the_secured_services_for_another_purpose_is_refused(uow: Uow) -> None:
    _import(uow, [_row("UA-1")], purpose=Purpose.DETENTION_MONITORING)
    own = Principal("ua-office", Role.PARTY, "UA")

    shown = records.get_holding(
        uow(), own, party="UA", record_id="UA-1", purpose=Purpose.DETENTION_MONITORING
    )
    assert shown.record.record_id == "UA-1"
    with pytest.raises(PurposeRefused, match="held for detention_monitoring, not repatriation"):
        records.get_holding(uow(), own, party="UA", record_id="UA-1", purpose=Purpose.REPATRIATION)
    with pytest.raises(PurposeRefused, match="holding UA-1 of UA"):
        records.list_holdings(
            uow(),
            own,
            party="UA",
            query=RecordQuery(),
            limit=10,
            offset=0,
            purpose=Purpose.FAMILY_TRACING,
        )


# --- retention --------------------------------------------------------------------------


def _closed_exchange(uow: Uow) -> None:
    """Tranche 1 handed over and closed, tranche 2 cancelled: the exchange is done."""
    ex.opened(uow)
    for ua, ru in zip(ex.listed(uow, 1, "UA"), ex.listed(uow, 1, "RU"), strict=True):
        ex.cross(uow, 1, "UA", ua)
        ex.cross(uow, 1, "RU", ru)
    close_tranche(uow(), ex.EXCHANGE, 1, actor="mediator", now=CLOSED)
    cancel_tranche(uow(), ex.EXCHANGE, 2, actor="mediator", now=CLOSED)


def _old_access(engine: Engine, days: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(AccessLogRow).values(
                at=NOW - timedelta(days=days), user_name="mediator", role="mediator",
                party=None, client="127.0.0.1", method="GET",
                route="/parties/{party}/holdings/{record_id}", object_kind="holdings",
                object_id="UA/UA-1", action="read", status=200,
            )
        )  # fmt: skip


def _count(engine: Engine, row: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(row)) or 0)


def _lines(uow: Uow, now_days: int, *, dry_run: bool = False) -> dict[str, tuple[int, int, str]]:
    done = apply_retention(
        uow(),
        periods=DEFAULT_DAYS,
        now=NOW + timedelta(days=now_days),
        actor="operator",
        dry_run=dry_run,
    )
    return {line.kind.value: (line.due, line.kept, line.note) for line in done}


def test_nothing_an_open_tranche_still_needs_is_removed_and_the_answer_says_why(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    holdings = _count(engine, HoldingRow)

    lines = _lines(uow, 1000)

    assert lines["holdings"] == (
        0, holdings, "kept while tranche 1 of exchange four for four is open"
    )  # fmt: skip
    assert lines["reviews"][2] == "kept while tranche 1 of exchange four for four is open"
    assert _count(engine, HoldingRow) == holdings


def test_a_manifest_awaiting_signatures_keeps_the_records(uow: Uow) -> None:
    ex.adopted(uow)  # manifests issued, nobody has signed

    lines = _lines(uow, 1000)

    assert lines["holdings"][:2] == (0, 14)
    assert lines["holdings"][2] == (
        "kept while tranche 1 of exchange four for four is awaiting_signatures"
    )


def test_records_are_kept_their_days_after_the_exchange_closed_then_removed_and_registered(
    uow: Uow, engine: Engine
) -> None:
    _closed_exchange(uow)
    holdings = _count(engine, HoldingRow)
    assert holdings == 14

    early = _lines(uow, 179)
    assert early["holdings"] == (
        0, 14, "kept until 2025-11-12, 180 days after the exchange closed on 2025-05-16"
    )  # fmt: skip
    assert _count(engine, HoldingRow) == 14

    late = _lines(uow, 181)
    assert late["holdings"] == (
        14, 0, "180 days after the exchange closed on 2025-05-16"
    )  # fmt: skip
    assert _count(engine, HoldingRow) == 0
    with engine.connect() as conn:
        registered = conn.execute(
            select(RetentionRunRow.kind, RetentionRunRow.removed, RetentionRunRow.actor)
            .where(RetentionRunRow.kind == "holdings")
            .order_by(RetentionRunRow.id)
        ).all()
    assert [tuple(r) for r in registered] == [
        ("holdings", 0, "operator"),
        ("holdings", 14, "operator"),
    ]
    # The balances the log recounts still agree with the tables: crossings stay.
    assert replay_balances(uow()).closed == 1


def test_a_dry_run_counts_what_is_due_and_removes_and_registers_nothing(
    uow: Uow, engine: Engine
) -> None:
    _closed_exchange(uow)
    _old_access(engine, 400)
    before = snapshot(engine)

    lines = _lines(uow, 400, dry_run=True)

    assert lines["holdings"][0] == 14
    assert lines["access_log"] == (1, 0, "older than 365 days")
    assert snapshot(engine) == before


def test_access_log_entries_older_than_their_period_are_removed_whatever_the_exchange(
    uow: Uow, engine: Engine
) -> None:
    ex.opened(uow)
    _old_access(engine, 400)
    _old_access(engine, 10)

    lines = _lines(uow, 0)

    assert lines["access_log"] == (1, 1, "older than 365 days")
    assert _count(engine, AccessLogRow) == 1


def test_superseded_versions_older_than_their_period_are_removed(uow: Uow, engine: Engine) -> None:
    _import(uow, [_row("UA-1")])
    _import(uow, [_row("UA-1", rank="sergeant")])
    assert _count(engine, RecordVersionRow) == 1

    assert _lines(uow, DEFAULT_DAYS[RecordKind.VERSIONS] - 1)["versions"][0] == 0
    assert _lines(uow, DEFAULT_DAYS[RecordKind.VERSIONS] + 1)["versions"][0] == 1
    assert _count(engine, RecordVersionRow) == 0
    assert _count(engine, HoldingRow) == 1


# --- one person's file ------------------------------------------------------------------


def test_the_mediator_exports_everything_held_about_one_person(uow: Uow, engine: Engine) -> None:
    _closed_exchange(uow)
    record_id = ex.listed(uow, 1, "UA")[0]
    _old_access(engine, 1)  # about UA/UA-1

    found = export_person(uow(), party="UA", record_id=record_id)

    assert found["party"] == "UA"
    assert found["record_id"] == record_id
    assert found["records"]["holdings"]["purpose"] == "repatriation"
    assert [v["version"] for v in found["holding_versions"]] == [1]
    assert found["holding_versions"][0]["content"]["category"] == "pow"
    assert found["request_versions"] == []
    assert {m["tranche_id"] for m in found["manifests"]} == {1}
    assert "document" not in found["manifests"][0]
    assert [c["state"] for c in found["crossings"]] == ["received"]
    assert len(found["receipts"]) == 1
    if record_id == "UA-1":
        assert [a["object_id"] for a in found["access_log"]] == ["UA/UA-1"]


def test_nothing_held_about_a_record_id_is_not_found(uow: Uow) -> None:
    from parley.errors import NotFound

    with pytest.raises(NotFound) as missing:
        export_person(uow(), party="UA", record_id="UA-99")
    assert str(missing.value) == "nothing is held about UA/UA-99"


def test_only_the_mediator_may_export_a_persons_file(uow: Uow) -> None:
    _import(uow, [_row("UA-1")])
    own = Principal("ua-office", Role.PARTY, "UA")

    with pytest.raises(NotPermitted) as refused:
        people.export_person(uow(), own, party="UA", record_id="UA-1")

    assert (
        str(refused.value) == "user ua-office (party of UA) may not export people on UA's records"
    )
    assert (
        people.export_person(uow(), MEDIATOR, party="UA", record_id="UA-1")["record_id"] == "UA-1"
    )
