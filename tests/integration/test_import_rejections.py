"""Bad import files are rejected whole, with every problem located, and change nothing.

Each case first imports a good holdings file for party RU, so that a rejected import has
something it could damage; then it imports one bad file and checks the exact lines a
person would be shown, and that every table is as it was.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine

from parley.adapters.formats import open_table
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import ImportRejected, NotFound
from parley.services.importing import MAX_PROBLEMS, ImportSummary, import_records
from tests.conftest import NOW, snapshot

Uow = Callable[[], SqlUnitOfWork]
Snapshot = dict[str, list[tuple[object, ...]]]

HEADER = "record_id,family_name,given_name,category"
REQUESTS_HEADER = "record_id,family_name,given_name"
HOLDINGS_COLUMNS = (
    "record_id, family_name, given_name, patronymic, name_lang, sex, birth_date, birth_place, "
    "nationality, mother_maiden_name, category, rank, service_number, unit, document_number, "
    "captured_on, capture_place, detention_place, health, seriously_ill, seriously_ill_basis"
)
CATEGORIES = "pow, civilian_internee, civilian_detainee, convicted, proceedings_pending"
BASES = "art110_direct_1, art110_direct_2, art110_direct_3, mmc_decision, manifest"
NAME_CHARS = "which a name cannot contain (expected letters, spaces, - ' .)"
DATE_FORMS = "expected YYYY-MM-DD, YYYY-MM, YYYY, DD.MM.YYYY or MM.YYYY"
GOOD = (
    "record_id,family_name,given_name,patronymic,category,birth_date\n"
    "RU-1,Іваненко,Петро,Іванович,pow,14.03.1999\n"
    "RU-2,Petrenko,Olena,,civilian_internee,1987-03\n"
).encode()
HUGE_CELL_BYTES = 50 * 1024 * 1024
UTF8_PREFIX_ROWS = 2700  # 27 bytes a row: the Windows-1251 row starts after 70 KB


# --- building bad files -----------------------------------------------------------------


def _csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "".join(f"{line}\n" for line in (header, *rows)).encode(encoding)


def _json(*items: Any) -> bytes:
    return json.dumps(list(items), ensure_ascii=False).encode()


def _record(**fields: Any) -> dict[str, Any]:
    return {
        "record_id": "RU-9",
        "family_name": "Петренко",
        "given_name": "Іван",
        "category": "pow",
        **fields,
    }


def _xlsx(*rows: list[Any]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return out.getvalue()


def _utf8_then_windows_1251() -> bytes:
    good = "".join(f"RU-M{i:04d},Petrenko,Ivan,pow\n" for i in range(UTF8_PREFIX_ROWS))
    assert len(good) > 70 * 1024
    return (
        _csv()
        + good.encode()
        + "RU-X,Іваненко,Петро,pow\n".encode("cp1251")
        + b"RU-Y,Petrenko,Ivan,pow\n"
    )


def _rows_then_duplicate_of_row_2(count: int) -> bytes:
    rows = [f"RU-B{i:04d},Petrenko,Ivan,pow" for i in range(count)]
    return _csv(*rows, rows[0])


@dataclass(frozen=True)
class Bad:
    """One bad file: its name, its bytes, how it is opened, and the lines expected."""

    file: str
    content: bytes | str  # bytes, or the name of a module fixture that wrote the file
    lines: tuple[str, ...]
    kind: str = "holdings"
    format: str | None = None
    encoding: str | None = None

    def path(self, request: pytest.FixtureRequest, tmp_path: Path) -> Path:
        if isinstance(self.content, str):
            written: Path = request.getfixturevalue(self.content)
            assert written.name == self.file
            return written
        path = tmp_path / self.file
        path.write_bytes(self.content)
        return path


def _case(id: str, file: str, content: bytes | str, *lines: str, **opts: Any) -> Any:
    marks = opts.pop("marks", ())
    return pytest.param(Bad(file, content, lines, **opts), id=id, marks=marks)


def _xfail(reason: str, raises: type[BaseException]) -> Any:
    return pytest.mark.xfail(strict=True, reason=reason, raises=raises)


BAD_FILES = [
    # --- encodings ---
    _case(
        "windows-1251-file-declared-utf-8",
        "cp1251.csv",
        _csv("RU-9,Іваненко,Петро,pow", encoding="cp1251"),
        "cp1251.csv: is not valid UTF-8 as declared (it looks like Windows-1251; "
        "declare that encoding, or leave --encoding out to detect it)",
        encoding="utf-8",
    ),
    _case(
        "utf-8-file-declared-windows-1251",
        "utf8.csv",
        _csv("RU-9,Іваненко,Петро,pow"),
        "utf8.csv: looks like UTF-8, not Windows-1251 as declared "
        "(leave --encoding out to detect it)",
        encoding="windows-1251",
    ),
    _case(
        "unknown-encoding-name",
        "latin.csv",
        _csv("RU-9,Petrenko,Ivan,pow"),
        "latin.csv: unknown encoding 'latin-9' (expected utf-8, utf-8-sig, windows-1251 or koi8-u)",
        encoding="latin-9",
    ),
    _case(
        "utf-8-for-70-kb-then-windows-1251",
        "mixed.csv",
        _utf8_then_windows_1251(),
        f"mixed.csv row {UTF8_PREFIX_ROWS + 2}: has a byte that is not UTF-8 (0xb2); "
        "the file mixes encodings or is damaged",
    ),
    _case(
        "koi8-u-too-short-to-tell-from-windows-1251",
        "short.csv",
        _csv("RU-9,Шевчук,Юрий,pow", encoding="koi8_u"),
        "short.csv: is not UTF-8, and its few Cyrillic letters do not tell Windows-1251 "
        "from KOI8-U: give --encoding windows-1251 or --encoding koi8-u, or save it as UTF-8",
    ),
    _case(
        "old-excel-xls",
        "old.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "old.xls: is an old Excel .xls workbook: save it as .xlsx or as CSV UTF-8",
    ),
    _case(
        "utf-16-unicode-text",
        "unicode.txt",
        "\ufeffrecord_id\tfamily_name\n".encode("utf-16-le"),
        'unicode.txt: is UTF-16 text (Excel\'s "Unicode text"): save it as CSV UTF-8',
    ),
    _case(
        "json-two-keys-for-one-column",
        "twice.json",
        b'[{"record_id": "RU-9", "family_name": "A", "Family Name": "B",'
        b' "given_name": "Ivan", "category": "pow"}]',
        "twice.json row 1, column family_name: is given twice in this record",
    ),
    _case(
        "windows-1251-json",
        "cp1251.json",
        _json(_record()).decode().encode("cp1251"),
        "cp1251.json: is not UTF-8 (JSON files must be UTF-8, RFC 8259)",
    ),
    # --- the header ---
    _case(
        "missing-required-column",
        "no-category.csv",
        _csv("RU-9,Petrenko,Ivan", header="record_id,family_name,given_name"),
        "no-category.csv column category: is missing "
        "(required: record_id, family_name, given_name, category)",
    ),
    _case(
        "unknown-column",
        "eyes.csv",
        _csv("RU-9,Petrenko,Ivan,pow,blue", header=f"{HEADER},eye_colour"),
        "eyes.csv row 1, column eye_colour: is not a holdings column "
        f"(expected: {HOLDINGS_COLUMNS})",
    ),
    _case(
        "column-twice-in-header",
        "twice.csv",
        _csv("RU-9,Petrenko,Ivan,pow,Petrenko", header=f"{HEADER},Family Name"),
        "twice.csv row 1, column family_name: appears twice in the header",
    ),
    _case(
        "hxl-unknown-hashtag",
        "hxl.csv",
        _csv(
            "#person+id,#person+name+family,#person+name+given,#status+category,#person+eyes",
            "RU-9,Petrenko,Ivan,pow,blue",
            header="ID,Surname,Name,Category,Eyes",
        ),
        "hxl.csv row 2, column #person+eyes: is not a hashtag parley knows "
        "(see docs/formats.md, HXL)",
    ),
    _case(
        "requests-missing-source-column",
        "requests.csv",
        _csv("UA-9,Petrenko,Ivan", header=REQUESTS_HEADER),
        "requests.csv column source: is missing "
        "(required: record_id, family_name, given_name, source)",
        kind="requests",
    ),
    # --- values ---
    _case(
        "unknown-category",
        "category.csv",
        _csv("RU-9,Petrenko,Ivan,prisoner"),
        f"category.csv row 2, column category: 'prisoner' is not one of: {CATEGORIES}",
    ),
    _case(
        "impossible-date-31-february",
        "feb.csv",
        _csv("RU-9,Petrenko,Ivan,pow,31.02.1999", header=f"{HEADER},birth_date"),
        "feb.csv row 2, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
    ),
    _case(
        "malformed-date",
        "slashes.csv",
        _csv("RU-9,Petrenko,Ivan,pow,1999/03/14", header=f"{HEADER},birth_date"),
        f"slashes.csv row 2, column birth_date: '1999/03/14' is not a date ({DATE_FORMS})",
    ),
    _case(
        "birth-date-in-the-future",
        "unborn.csv",
        _csv("RU-9,Petrenko,Ivan,pow,01.01.2030", header=f"{HEADER},birth_date"),
        "unborn.csv row 2, column birth_date: '01.01.2030' is in the future",
    ),
    _case(
        "captured-on-in-the-future",
        "later.csv",
        _csv("RU-9,Petrenko,Ivan,pow,2030-01-01", header=f"{HEADER},captured_on"),
        "later.csv row 2, column captured_on: '2030-01-01' is in the future",
    ),
    _case(
        "partial-captured-on",
        "month.csv",
        _csv("RU-9,Petrenko,Ivan,pow,2024-03", header=f"{HEADER},captured_on"),
        "month.csv row 2, column captured_on: '2024-03' is not a full date "
        "(expected YYYY-MM-DD or DD.MM.YYYY)",
    ),
    _case(
        "captured-on-before-birth",
        "early.csv",
        _csv(
            "RU-9,Petrenko,Ivan,pow,2001-05-01,2000-01-01",
            header=f"{HEADER},birth_date,captured_on",
        ),
        "early.csv row 2, column captured_on: 2000-01-01 is before the date of birth (2001-05-01)",
    ),
    _case(
        "record-id-with-spaces",
        "spaces.csv",
        _csv("RU 9,Petrenko,Ivan,pow"),
        "spaces.csv row 2, column record_id: 'RU 9' is not a record id "
        "(expected 1-64 letters, digits, . _ : / -)",
    ),
    _case(
        "formula-injection-in-family-name",
        "formula.csv",
        _csv('RU-9,"=HYPERLINK(""http://x"",""y"")",Ivan,pow'),
        f"formula.csv row 2, column family_name: has '=', {NAME_CHARS}",
    ),
    _case(
        "digits-in-given-name",
        "digits.csv",
        _csv("RU-9,Petrenko,Ivan2,pow"),
        f"digits.csv row 2, column given_name: has '2', {NAME_CHARS}",
    ),
    _case(
        "empty-required-value",
        "blank.csv",
        _csv("RU-9,,Ivan,pow"),
        "blank.csv row 2, column family_name: is empty (a value is required)",
    ),
    _case(
        "seriously-ill-without-basis",
        "ill.csv",
        _csv("RU-9,Petrenko,Ivan,pow,yes", header=f"{HEADER},seriously_ill"),
        "ill.csv row 2, column seriously_ill_basis: is required when seriously_ill is yes "
        f"(expected one of {BASES})",
    ),
    _case(
        "basis-without-seriously-ill",
        "basis.csv",
        _csv(
            "RU-9,Petrenko,Ivan,pow,no,manifest",
            header=f"{HEADER},seriously_ill,seriously_ill_basis",
        ),
        "basis.csv row 2, column seriously_ill_basis: is given but seriously_ill is not yes",
    ),
    _case(
        "seriously-ill-maybe",
        "maybe.csv",
        _csv("RU-9,Petrenko,Ivan,pow,maybe", header=f"{HEADER},seriously_ill"),
        "maybe.csv row 2, column seriously_ill: 'maybe' is not yes or no",
    ),
    _case(
        "bad-sex",
        "sex.csv",
        _csv("RU-9,Petrenko,Ivan,pow,X", header=f"{HEADER},sex"),
        "sex.csv row 2, column sex: 'X' is not a sex (expected M, F or U)",
    ),
    _case(
        "bad-nationality",
        "country.csv",
        _csv("RU-9,Petrenko,Ivan,pow,Ukraine", header=f"{HEADER},nationality"),
        "country.csv row 2, column nationality: 'Ukraine' is not a country code "
        "(expected e.g. UA, RU)",
    ),
    _case(
        "control-character-in-text",
        "bell.csv",
        _csv("RU-9,Petrenko,Ivan,pow,Ky\x07iv", header=f"{HEADER},birth_place"),
        "bell.csv row 2, column birth_place: has a control character "
        "(expected plain text on one line)",
    ),
    _case(
        "line-break-inside-a-cell",
        "two-lines.csv",
        _csv('RU-9,Petrenko,Ivan,pow,"Kyiv\nOblast"', header=f"{HEADER},birth_place"),
        "two-lines.csv row 2, column birth_place: has a control character "
        "(expected plain text on one line)",
    ),
    _case(
        "text-longer-than-200",
        "long.csv",
        _csv("RU-9,Petrenko,Ivan,pow," + "x" * 300, header=f"{HEADER},birth_place"),
        "long.csv row 2, column birth_place: is 300 characters long (at most 200)",
    ),
    _case(
        "requests-bad-priority",
        "priority.csv",
        _csv("UA-9,Petrenko,Ivan,family,asap", header=f"{REQUESTS_HEADER},source,priority"),
        "priority.csv row 2, column priority: 'asap' is not one of: urgent, high, normal, low",
        kind="requests",
    ),
    # --- records against each other ---
    _case(
        "duplicate-record-id",
        "dup.csv",
        _csv("RU-9,Petrenko,Ivan,pow", "RU-10,Shevchenko,Taras,pow", "RU-9,Bondar,Oleh,pow"),
        "dup.csv row 4, column record_id: 'RU-9' repeats row 2 (each record_id once per file)",
    ),
    _case(
        "duplicate-record-id-in-another-batch",
        "batches.csv",
        _rows_then_duplicate_of_row_2(1500),
        "batches.csv row 1502, column record_id: 'RU-B0000' repeats row 2 "
        "(each record_id once per file)",
    ),
    _case(
        "three-problems-in-three-rows",
        "three.csv",
        _csv(
            "RU-9,Petrenko,Ivan,pow,",
            "RU-10,Petrenko2,Ivan,pow,",
            "RU-11,Petrenko,Ivan,pow,31.02.1999",
            "RU-12,Petrenko,Ivan,pig,",
            header=f"{HEADER},birth_date",
        ),
        f"three.csv row 3, column family_name: has '2', {NAME_CHARS}",
        "three.csv row 4, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
        f"three.csv row 5, column category: 'pig' is not one of: {CATEGORIES}",
    ),
    # --- the file as a whole ---
    _case(
        "empty-file",
        "empty.csv",
        b"",
        "empty.csv: is empty (expected a header row and at least one row)",
    ),
    _case("header-only", "header.csv", _csv(), "header.csv: has a header but no rows"),
    _case(
        "png-bytes",
        "photo.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06",
        "photo.csv: is a binary file, not CSV text (it contains NUL bytes)",
    ),
    _case(
        "50-mb-cell",
        "huge.csv",
        "huge_cell_csv",
        "huge.csv row 2: is longer than 65,536 bytes; no registry row is that long",
    ),
    _case(
        "more-cells-than-header",
        "wide.csv",
        _csv("RU-9,Petrenko,Ivan,pow", "RU-10,Petrenko,Ivan,pow,extra"),
        "wide.csv row 3: has 5 cells but the header has 4",
    ),
    _case(
        "unterminated-quote",
        "quote.csv",
        _csv("RU-9,Petrenko,Ivan,pow", 'RU-10,"Petrenko,Ivan,pow', "RU-11,Petrenko,Ivan,pow"),
        'quote.csv row 3: has a quote (") that is never closed',
    ),
    _case(
        "unknown-format",
        "list.csv",
        _csv("RU-9,Petrenko,Ivan,pow"),
        "list.csv: unknown format 'xls' (expected one of csv, xlsx, json)",
        format="xls",
    ),
    # --- XLSX ---
    _case(
        "text-file-named-xlsx",
        "text.xlsx",
        _csv("RU-9,Petrenko,Ivan,pow"),
        "text.xlsx: is not an XLSX workbook (an .xlsx file is a zip archive; this one is not)",
    ),
    _case(
        "zip-that-is-not-a-workbook",
        "archive.xlsx",
        _zip(**{"readme.txt": "not a workbook"}),
        "archive.xlsx: is not a readable XLSX workbook (a part of it is missing or damaged)",
    ),
    _case(
        "workbook-declared-csv",
        "book.csv",
        _zip(**{"readme.txt": "not a workbook"}),
        "book.csv: is a zip archive (an XLSX workbook?), not CSV; use --format xlsx",
        format="csv",
    ),
    _case(
        "workbook-with-formula-and-bad-dates",
        "book.xlsx",
        _xlsx(
            [*HEADER.split(","), "birth_date"],
            ["RU-9", '=HYPERLINK("http://x","y")', "Ivan", "pow", "31.02.1999"],
            ["RU-10", "Petrenko", "Ivan", "pow", datetime(2030, 1, 1)],
        ),
        f"book.xlsx row 2, column family_name: has '=', {NAME_CHARS}",
        "book.xlsx row 2, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
        "book.xlsx row 3, column birth_date: '2030-01-01' is in the future",
    ),
    # --- JSON ---
    _case(
        "json-object-not-array",
        "object.json",
        json.dumps(_record()).encode(),
        "object.json: is not a JSON array of records (expected [ {...}, {...} ])",
    ),
    _case(
        "json-truncated-inside-a-record",
        "cut.json",
        _json(_record(), _record(record_id="RU-10"))[:-30],
        "cut.json row 2: is not valid JSON (Unterminated string starting at)",
    ),
    _case(
        "json-truncated-after-a-record",
        "cut-after.json",
        _json(_record(), _record(record_id="RU-10"))[:-1] + b",",
        "cut-after.json: ends after record 2 (the file is truncated)",
    ),
    _case(
        "json-element-is-a-list",
        "rows.json",
        _json(["RU-9", "Petrenko", "Ivan", "pow"]),
        "rows.json row 1: is a JSON list, not an object",
    ),
    _case(
        "json-value-is-nested-object",
        "nested.json",
        _json(_record(), _record(record_id="RU-10", birth_place={"city": "Kyiv"})),
        "nested.json row 2, column birth_place: is a list or object (expected text)",
    ),
    _case(
        "json-unknown-key",
        "keys.json",
        _json(_record(eye_colour="blue")),
        "keys.json row 1, column eye_colour: is not a holdings field "
        f"(expected: {HOLDINGS_COLUMNS})",
    ),
    _case(
        "json-missing-required-key",
        "nameless.json",
        _json({"record_id": "RU-9", "given_name": "Ivan", "category": "pow"}),
        "nameless.json row 1, column family_name: is missing (a value is required)",
    ),
]


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def huge_cell_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50 MB CSV file whose second row has one enormous cell."""
    path = tmp_path_factory.mktemp("huge") / "huge.csv"
    with path.open("wb") as out:
        out.write(f"{HEADER},birth_place\nRU-9,Petrenko,Ivan,pow,".encode())
        block = b"x" * (1 << 20)
        for _ in range(HUGE_CELL_BYTES // len(block)):
            out.write(block)
        out.write(b"\n")
    return path


@pytest.fixture(scope="module")
def zip_bomb_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An .xlsx whose one member unpacks to 120 MiB of zeros from about 120 KB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        block = bytes(1 << 20)
        for _ in range(120):
            member.write(block)
    return path


def _import(
    uow: Uow,
    path: Path,
    *,
    kind: str = "holdings",
    party: str = "RU",
    format: str | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    table = open_table(path, format=format, encoding=encoding)
    try:
        return import_records(uow(), kind=kind, party=party, table=table, actor="test", now=NOW)
    finally:
        table.close()


@pytest.fixture
def before(engine: Engine, uow: Uow, parties: object, tmp_path: Path) -> Snapshot:
    """Party RU has imported a good holdings file; every table, as it then stood."""
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    summary = _import(uow, good)
    assert (summary.rows, summary.created) == (2, 2)
    return snapshot(engine)


# --- tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_FILES)
def test_rejected_file_names_row_and_column_and_changes_nothing(
    bad: Bad,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: Engine,
    uow: Uow,
    before: Snapshot,
) -> None:
    path = bad.path(request, tmp_path)

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, path, kind=bad.kind, format=bad.format, encoding=bad.encoding)

    assert rejected.value.lines() == list(bad.lines)
    assert rejected.value.total == len(bad.lines)
    assert snapshot(engine) == before


def test_file_that_turns_into_windows_1251_after_70_kb_is_rejected_whole(
    tmp_path: Path, engine: Engine, uow: Uow, before: Snapshot
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(_utf8_then_windows_1251())

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, path)

    assert rejected.value.lines() == [
        f"mixed.csv row {UTF8_PREFIX_ROWS + 2}: has a byte that is not UTF-8 (0xb2); "
        "the file mixes encodings or is damaged"
    ]
    assert snapshot(engine) == before


def test_two_thousand_bad_rows_are_all_counted_and_the_first_thousand_kept(
    tmp_path: Path, engine: Engine, uow: Uow, before: Snapshot
) -> None:
    path = tmp_path / "many.csv"
    path.write_bytes(_csv(*(f"RU-E{i},Petrenko,Ivan,pig" for i in range(2000))))

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, path)

    lines = rejected.value.lines()
    assert rejected.value.total == 2000
    assert len(lines) == MAX_PROBLEMS == 1000
    assert lines[0] == f"many.csv row 2, column category: 'pig' is not one of: {CATEGORIES}"
    assert lines[-1] == f"many.csv row 1001, column category: 'pig' is not one of: {CATEGORIES}"
    assert str(rejected.value).endswith("(and 1999 more problems)")
    assert snapshot(engine) == before


def test_zip_bomb_workbook_is_refused_before_it_is_unpacked(
    zip_bomb_xlsx: Path, engine: Engine, uow: Uow, before: Snapshot
) -> None:
    with zipfile.ZipFile(zip_bomb_xlsx) as archive:
        packed = sum(info.compress_size for info in archive.infolist())

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, zip_bomb_xlsx)

    assert rejected.value.lines() == [
        f"bomb.xlsx: would unpack to 125,829,120 bytes from {packed:,} (a zip bomb?); refused"
    ]
    assert snapshot(engine) == before


def test_import_for_an_unknown_party_is_not_found_and_changes_nothing(
    tmp_path: Path, engine: Engine, uow: Uow, before: Snapshot
) -> None:
    path = tmp_path / "good-rows.csv"
    path.write_bytes(_csv("XX-1,Petrenko,Ivan,pow"))

    with pytest.raises(NotFound) as missing:
        _import(uow, path, party="XX")

    assert not isinstance(missing.value, ImportRejected)
    assert str(missing.value) == "unknown party 'XX' (known parties: RU, UA)"
    assert snapshot(engine) == before


# --- files that once were read wrongly ----------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        _case(
            "json-with-a-second-array-after-the-first",
            "two.json",
            _json(_record()) + _json(_record(record_id="RU-10")),
        ),
        _case(
            "windows-1251-file-declared-koi8-u",
            "koi.csv",
            _csv("RU-9,Петров,Иван,pow", "RU-10,Смирнов,Олег,pow", encoding="cp1251"),
            encoding="koi8-u",
        ),
        _case(
            "koi8-u-file-declared-windows-1251",
            "cp.csv",
            _csv("RU-9,Петров,Иван,pow", "RU-10,Смирнов,Олег,pow", encoding="koi8_u"),
            encoding="windows-1251",
        ),
    ],
)
def test_file_that_cannot_be_read_faithfully_is_rejected(
    bad: Bad,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: Engine,
    uow: Uow,
    before: Snapshot,
) -> None:
    path = bad.path(request, tmp_path)

    with pytest.raises(ImportRejected) as rejected:
        _import(uow, path, kind=bad.kind, format=bad.format, encoding=bad.encoding)

    assert rejected.value.lines()
    assert all(line.startswith(f"{bad.file}: ") for line in rejected.value.lines())
    assert snapshot(engine) == before


def test_hxl_column_without_a_hashtag_is_ignored_not_rejected(
    tmp_path: Path, engine: Engine, uow: Uow, before: Snapshot
) -> None:
    path = tmp_path / "hxl-notes.csv"
    path.write_bytes(
        _csv(
            "#person+id,#person+name+family,,#person+name+given,#status+category",
            "RU-9,Petrenko,a note,Ivan,pow",
            header="ID,Surname,Notes,Name,Category",
        )
    )

    summary = _import(uow, path)

    assert (summary.rows, summary.created) == (1, 1)
