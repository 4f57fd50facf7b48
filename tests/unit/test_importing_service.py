"""Importing a party's registry: all of a file or none of it, and a log entry without names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.domain.events import HoldingsImported, RequestsImported
from parley.domain.holdings import HoldingCategory, HoldingStatus
from parley.domain.parties import Party
from parley.errors import ImportProblem, ImportRejected, NotFound
from parley.services import importing
from parley.services.importing import import_records
from tests.unit.fakes import FakeTable, FakeUnitOfWork

NOW = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)
COLUMNS = ["record_id", "family_name", "given_name", "birth_date", "category", "captured_on"]
NAMES = ("Шевчук", "Іван", "Коваль", "Дар'я")


def a_row(
    record_id: str, family: str = "Шевчук", given: str = "Іван", **cells: str
) -> dict[str, str]:
    row = {
        "record_id": record_id,
        "family_name": family,
        "given_name": given,
        "birth_date": "14.03.1999",
        "category": "pow",
        "captured_on": "02.04.2022",
    }
    row.update(cells)
    return row


def two_people() -> FakeTable:
    return FakeTable(
        "ru-holdings.csv",
        COLUMNS,
        [a_row("RU-H-1"), a_row("RU-H-2", "Коваль", "Дар'я", category="civilian internee")],
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([Party("RU", "Party R", "ru"), Party("UA", "Party U", "uk")])


def import_holdings(
    uow: FakeUnitOfWork, table: FakeTable, party: str = "RU"
) -> importing.ImportSummary:
    return import_records(
        uow, kind="holdings", party=party, table=table, actor="registrar", now=NOW
    )


def test_an_import_stores_every_row_commits_and_says_what_it_did(uow: FakeUnitOfWork) -> None:
    table = two_people()
    summary = import_holdings(uow, table)
    assert uow.committed
    assert (summary.party, summary.kind, summary.source) == ("RU", "holdings", "ru-holdings.csv")
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (2, 2, 0, 0)
    assert summary.sha256 == table.sha256()
    stored = uow.holdings.get("RU", "RU-H-2")
    assert stored is not None
    assert stored.category is HoldingCategory.CIVILIAN_INTERNEE
    assert stored.status is HoldingStatus.DETAINED
    assert uow.holdings.count("RU") == 2
    assert uow.imports.entries[0].finished == {
        "sha256": table.sha256(),
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_an_import_records_exactly_one_event_with_counts_and_no_names(
    uow: FakeUnitOfWork,
) -> None:
    summary = import_holdings(uow, two_people())
    assert len(uow.events) == 1
    event = uow.events[0]
    assert isinstance(event, HoldingsImported)
    assert (event.occurred_at, event.actor) == (NOW, "registrar")
    assert event.payload() == {
        "party": "RU",
        "import_id": summary.import_id,
        "file_sha256": summary.sha256,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    written = repr(event)
    for name in NAMES:
        assert name not in written
    assert "14.03.1999" not in written


def test_an_import_with_a_bad_row_writes_nothing_and_reports_its_row_and_column(
    uow: FakeUnitOfWork,
) -> None:
    table = FakeTable(
        "ru-holdings.csv",
        COLUMNS,
        [a_row("RU-H-1"), a_row("RU-H-2", birth_date="31.02.1999"), a_row("RU-H-3")],
    )
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    assert rejected.value.problems == [
        ImportProblem(
            3, "birth_date", "'31.02.1999' is not a date: day 31 does not exist in 1999-02"
        )
    ]
    assert rejected.value.lines()[0].startswith("ru-holdings.csv row 3, column birth_date: ")
    assert not uow.committed
    assert uow.recorded == []
    assert uow.events == []
    assert uow.holdings.count("RU") == 0
    assert uow.imports.entries == []


def test_every_problem_of_every_row_is_reported_at_once(uow: FakeUnitOfWork) -> None:
    table = FakeTable(
        "ru-holdings.csv",
        COLUMNS,
        [a_row("RU-H-1", family="Ivan0v"), a_row("RU-H-2"), a_row("RU H 3", category="spy")],
    )
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    where = [(p.row, p.column) for p in rejected.value.problems]
    assert where == [(2, "family_name"), (4, "record_id"), (4, "category")]
    assert rejected.value.total == 3
    assert "(and 2 more problems)" in str(rejected.value)


def test_an_import_for_an_unknown_party_is_refused_naming_the_known_ones(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(NotFound) as refused:
        import_holdings(uow, two_people(), party="XX")
    assert "'XX'" in str(refused.value)
    assert "RU, UA" in str(refused.value)
    assert not uow.committed
    assert uow.recorded == []


def test_a_record_id_repeated_in_one_file_is_reported_with_both_rows(
    uow: FakeUnitOfWork,
) -> None:
    table = FakeTable(
        "ru-holdings.csv",
        COLUMNS,
        [a_row("RU-H-1"), a_row("RU-H-2"), a_row("RU-H-1", "Коваль", "Дар'я")],
    )
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    [problem] = rejected.value.problems
    assert (problem.row, problem.column) == (4, "record_id")
    assert "'RU-H-1' repeats row 2" in problem.message
    assert not uow.committed
    assert uow.recorded == []
    assert uow.holdings.count("RU") == 0


def test_a_record_id_repeated_across_batches_is_still_reported(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)
    table = FakeTable(
        "ru-holdings.csv", COLUMNS, [a_row("RU-H-1"), a_row("RU-H-2"), a_row("RU-H-1")]
    )
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(4, "record_id")]
    assert "repeats row 2" in rejected.value.problems[0].message
    assert not uow.committed


def test_importing_the_same_file_again_changes_nothing(uow: FakeUnitOfWork) -> None:
    import_holdings(uow, two_people())
    again = import_holdings(uow, two_people())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.import_id != 1
    assert [e.payload()["unchanged"] for e in uow.events] == [0, 2]


def test_a_changed_row_updates_the_stored_record(uow: FakeUnitOfWork) -> None:
    import_holdings(uow, two_people())
    changed = two_people()
    changed.data[0] = a_row("RU-H-1", captured_on="03.04.2022")
    summary = import_holdings(uow, changed)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    stored = uow.holdings.get("RU", "RU-H-1")
    assert stored is not None
    assert stored.captured_on is not None
    assert stored.captured_on.day == 3


def test_an_unknown_column_rejects_the_file_before_any_row_is_read(uow: FakeUnitOfWork) -> None:
    table = two_people()
    table.columns = [*COLUMNS, "favourite_colour"]
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    [problem] = rejected.value.problems
    assert (problem.row, problem.column) == (1, "favourite_colour")
    assert "is not a holdings column" in problem.message
    assert table.read == 0
    assert not uow.committed


def test_a_missing_required_column_rejects_the_file(uow: FakeUnitOfWork) -> None:
    table = two_people()
    table.columns = [c for c in COLUMNS if c != "category"]
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(None, "category")]


def test_a_header_without_rows_is_rejected(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ImportRejected, match="has a header but no rows"):
        import_holdings(uow, FakeTable("empty.csv", COLUMNS, []))
    assert not uow.committed
    assert uow.recorded == []


def test_a_row_the_reader_could_not_decode_rejects_the_file(uow: FakeUnitOfWork) -> None:
    broken = ImportProblem(3, None, "is not UTF-8 text")
    table = FakeTable("ru-holdings.csv", COLUMNS, [a_row("RU-H-1"), broken])
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    assert rejected.value.problems == [broken]


def test_a_json_record_with_an_unknown_field_is_reported(uow: FakeUnitOfWork) -> None:
    table = FakeTable("ru-holdings.json", [], [a_row("RU-H-1", shoe_size="44")])
    with pytest.raises(ImportRejected) as rejected:
        import_holdings(uow, table)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(2, "shoe_size")]


def test_progress_is_reported_after_each_batch(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 1)
    seen: list[tuple[int, int]] = []
    import_records(
        uow,
        kind="holdings",
        party="RU",
        table=two_people(),
        actor="registrar",
        now=NOW,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (2, 2)
    assert seen == sorted(seen)


def test_a_requests_import_records_a_requests_imported_event(uow: FakeUnitOfWork) -> None:
    table = FakeTable(
        "ua-requests.csv",
        ["record_id", "family_name", "given_name", "source"],
        [
            {
                "record_id": "UA-R-1",
                "family_name": "Шевчук",
                "given_name": "Іван",
                "source": "family",
            }
        ],
    )
    summary = import_records(uow, kind="requests", party="UA", table=table, actor="desk", now=NOW)
    assert summary.created == 1
    assert [type(e) for e in uow.events] == [RequestsImported]
    assert uow.requests.get("UA", "UA-R-1") is not None
    assert uow.holdings.count("UA") == 0
