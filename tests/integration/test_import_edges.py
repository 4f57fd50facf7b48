"""Files that are valid but unusual, read the way a person would expect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parley.adapters.formats import open_table
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import ImportRejected
from parley.services.importing import import_records
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]


def _import(uow: Uow, path: Path) -> object:
    table = open_table(path)
    try:
        return import_records(uow(), kind="holdings", party="RU", table=table, actor="t", now=NOW)
    finally:
        table.close()


@pytest.mark.usefixtures("parties")
def test_a_semicolon_file_that_starts_with_a_blank_line_is_read_by_its_header(
    uow: Uow, tmp_path: Path
) -> None:
    path = tmp_path / "blank-first.csv"
    path.write_text("\nrecord_id;family_name;given_name;category\nRU-1;Петренко;Іван;pow\n")

    _import(uow, path)

    with uow() as u:
        held = u.holdings.get("RU", "RU-1")
    assert held is not None
    assert (held.identity.family_name, held.identity.given_name) == ("Петренко", "Іван")


@pytest.mark.usefixtures("parties")
def test_a_header_problem_names_the_header_row_under_a_blank_line(uow: Uow, tmp_path: Path) -> None:
    path = tmp_path / "blank-first.csv"
    path.write_text("\nrecord_id,family_name,given_name,category,colour\nRU-1,A,B,pow,red\n")

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, path)

    assert rejected.value.lines()[0].startswith("blank-first.csv row 2, column colour: ")


@pytest.mark.usefixtures("parties")
def test_names_in_capitals_in_koi8_u_are_detected_and_read_right(uow: Uow, tmp_path: Path) -> None:
    path = tmp_path / "caps.csv"
    rows = (
        "record_id,family_name,given_name,category\nRU-1,ПЕТРЕНКО,ІВАН,pow\nRU-2,СМИРНОВ,ОЛЕГ,pow\n"
    )
    path.write_bytes(rows.encode("koi8_u"))

    _import(uow, path)

    with uow() as u:
        names = [
            (h.identity.family_name, h.identity.given_name) for h in u.holdings.iter_party("RU")
        ]
    assert names == [("ПЕТРЕНКО", "ІВАН"), ("СМИРНОВ", "ОЛЕГ")]
