"""Good files in every supported form import, and read back as exactly the same people.

Each form of one small registry (CSV in four encodings, three delimiters and two line
ends, XLSX, JSON, HXL-tagged CSV) must give the same three holdings: names exactly in
their script (an apostrophe in Дар'я, the ё in Семёнов and Фёдор), partial dates,
enums, and the counts and SHA-256 of the file. Then re-imports: the same file changes
nothing, a changed field updates the record in place and keeps the old version, and a
re-import never moves a person's status.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from parley.adapters.formats import open_table
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.dates import PartialDate
from parley.domain.holdings import (
    Health,
    Holding,
    HoldingCategory,
    HoldingStatus,
    SeriousIllnessBasis,
    change_holding_status,
)
from parley.domain.people import Identity, NameLanguage, Sex
from parley.domain.requests import Priority, Request, RequestSource
from parley.services.importing import ImportSummary, import_records
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]

COLUMNS = [
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "category",
    "service_number",
    "captured_on",
    "health",
    "seriously_ill",
    "seriously_ill_basis",
]
# As a registry clerk types them: dotted and partial dates, empty cells for nothing.
ROWS = [
    line.split("|")
    for line in (
        "RU-1|Коваленко|Дар'я|Олегівна|F|14.03.1999|Київ|UA|civilian_internee||01.03.2024|good|no|",
        "RU-2|Семёнов|Фёдор|Алексеевич|M|03.1987|Орёл|RU|pow||2023-11-05|slightly_wounded|no|",
        "RU-3|Шевченко|Тарас||M|1990||UA|pow|12345||seriously_wounded|yes|manifest",
    )
]
EXPECTED = [
    Holding(
        "RU",
        "RU-1",
        Identity(
            family_name="Коваленко",
            given_name="Дар'я",
            patronymic="Олегівна",
            name_lang=NameLanguage.UKRAINIAN,
            sex=Sex.FEMALE,
            birth_date=PartialDate(1999, 3, 14),
            birth_place="Київ",
            nationality="UA",
        ),
        HoldingCategory.CIVILIAN_INTERNEE,
        captured_on=date(2024, 3, 1),
        health=Health.GOOD,
    ),
    Holding(
        "RU",
        "RU-2",
        Identity(
            family_name="Семёнов",
            given_name="Фёдор",
            patronymic="Алексеевич",
            name_lang=NameLanguage.RUSSIAN,
            sex=Sex.MALE,
            birth_date=PartialDate(1987, 3),
            birth_place="Орёл",
            nationality="RU",
        ),
        HoldingCategory.POW,
        captured_on=date(2023, 11, 5),
        health=Health.SLIGHTLY_WOUNDED,
    ),
    Holding(
        "RU",
        "RU-3",
        Identity(
            family_name="Шевченко",
            given_name="Тарас",
            name_lang=NameLanguage.UNDETERMINED,
            sex=Sex.MALE,
            birth_date=PartialDate(1990),
            nationality="UA",
            service_number="12345",
        ),
        HoldingCategory.POW,
        health=Health.SERIOUSLY_WOUNDED,
        seriously_ill=True,
        seriously_ill_basis=SeriousIllnessBasis.MANIFEST,
    ),
]
# HXL hashtags for COLUMNS, with attributes shuffled and in mixed case.
HASHTAGS = [
    "#PERSON+ID",
    "#Person+Family+Name",
    "#person+given+NAME",
    "#person+patronymic+name",
    "#Person+Sex",
    "#date+BIRTH",
    "#Loc+Birth",
    "#country+nationality",
    "#Status+Category",
    "#person+service+id",
    "#DATE+CAPTURED",
    "#status+health",
    "#status+SERIOUSLY_ILL",
    "#status+basis+seriously_ill",
]
CAPTIONS = [
    "Номер запису",
    "Прізвище",
    "Ім'я",
    "По батькові",
    "Стать",
    "Дата народження",
    "Місце народження",
    "Громадянство",
    "Категорія",
    "Службовий номер",
    "Дата полону",
    "Стан здоров'я",
    "Тяжко хворий",
    "Підстава",
]


# --- building good files ----------------------------------------------------------------


def _csv(
    rows: list[list[str]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    newline: str = "\n",
    encoding: str = "utf-8",
    quote_all: bool = False,
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(
        text,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(COLUMNS if header is None else header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def _hxl(*, captions: bool) -> bytes:
    """The registry with its columns reversed, tagged, and a note column with no hashtag."""
    tags = [*reversed(HASHTAGS), ""]
    rows = [[*reversed(row), "службова примітка"] for row in ROWS]
    if captions:
        return _csv([tags, *rows], header=[*reversed(CAPTIONS), "Примітка"])
    return _csv(rows, header=tags)


def _xlsx(rows: list[list[Any]], header: list[str] = COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(row: list[str]) -> dict[str, Any]:
    """A row's cells as a typed writer would hold them: nothing as None, a flag as bool."""
    cells: dict[str, Any] = {c: v or None for c, v in zip(COLUMNS, row, strict=True)}
    cells["seriously_ill"] = cells["seriously_ill"] == "yes"
    return cells


def _xlsx_with_excel_dates() -> bytes:
    """Full dates as real Excel dates; numbers and a flag as Excel numbers and booleans."""
    typed: dict[str, dict[str, Any]] = {
        "RU-1": {"birth_date": date(1999, 3, 14), "captured_on": datetime(2024, 3, 1)},
        "RU-2": {"captured_on": date(2023, 11, 5)},  # 03.1987 stays text: no day to give
        "RU-3": {"birth_date": 1990, "service_number": 12345},
    }
    return _xlsx([list((_typed(row) | typed[row[0]]).values()) for row in ROWS])


def _json_records() -> bytes:
    """Numbers, booleans and null where a JSON writer would put them; a key as a caption."""
    records = []
    for row in ROWS:
        record = _typed(row)
        if row[0] == "RU-3":
            record.update(birth_date=1990, service_number=12345)
        record["Birth Date"] = record.pop("birth_date")  # normalised like a CSV header
        records.append(record)
    return json.dumps(records, ensure_ascii=False, indent=2).encode()


@dataclass(frozen=True)
class Good:
    """One good form of the registry: its file, bytes, how it is opened, what is read."""

    file: str
    content: bytes
    shown: str | None  # the encoding as the table reports it; None for XLSX
    options: dict[str, str] = field(default_factory=dict)


def _good(id: str, file: str, content: bytes, shown: str | None, **options: str) -> Any:
    return pytest.param(Good(file, content, shown, options), id=id)


GOOD_FILES = [
    _good("utf-8", "utf8.csv", _csv(ROWS), "UTF-8"),
    _good("utf-8-declared", "utf8.csv", _csv(ROWS), "UTF-8", encoding="utf-8"),
    _good("utf-8-with-bom", "bom.csv", b"\xef\xbb\xbf" + _csv(ROWS), "UTF-8 with BOM"),
    _good(
        "utf-8-with-bom-declared",
        "bom.csv",
        b"\xef\xbb\xbf" + _csv(ROWS),
        "UTF-8 with BOM",
        encoding="utf-8-sig",
    ),
    _good("windows-1251", "cp1251.csv", _csv(ROWS, encoding="cp1251"), "Windows-1251"),
    _good(
        "windows-1251-declared",
        "cp1251.csv",
        _csv(ROWS, encoding="cp1251"),
        "Windows-1251",
        encoding="windows-1251",
    ),
    _good("koi8-u", "koi8u.csv", _csv(ROWS, encoding="koi8_u"), "KOI8-U"),
    _good(
        "koi8-u-declared",
        "koi8u.csv",
        _csv(ROWS, encoding="koi8_u"),
        "KOI8-U",
        encoding="KOI8-U",
    ),
    _good("semicolons", "semicolon.csv", _csv(ROWS, delimiter=";"), "UTF-8"),
    _good("tabs", "tabs.tsv", _csv(ROWS, delimiter="\t"), "UTF-8"),
    _good("crlf-line-ends", "crlf.csv", _csv(ROWS, newline="\r\n"), "UTF-8"),
    _good(
        "windows-1251-semicolons-crlf-every-cell-quoted",
        "excel.csv",
        _csv(ROWS, delimiter=";", newline="\r\n", encoding="cp1251", quote_all=True),
        "Windows-1251",
    ),
    _good("xlsx-excel-dates", "dates.xlsx", _xlsx_with_excel_dates(), None),
    _good("xlsx-dates-as-text", "text.xlsx", _xlsx(ROWS), None),
    _good("json-typed-values", "records.json", _json_records(), "UTF-8"),
    _good(
        "json-with-bom-declared-format",
        "records.txt",
        b"\xef\xbb\xbf" + _json_records(),
        "UTF-8 with BOM",
        format="json",
    ),
    _good("hxl-hashtags-in-row-2", "hxl2.csv", _hxl(captions=True), "UTF-8"),
    _good("hxl-hashtags-in-row-1", "hxl1.csv", _hxl(captions=False), "UTF-8"),
]


# --- helpers ----------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _import(
    uow: Uow,
    path: Path,
    *,
    kind: str = "holdings",
    party: str = "RU",
    now: datetime = NOW,
    **options: Any,
) -> ImportSummary:
    table = open_table(path, **options)
    try:
        return import_records(uow(), kind=kind, party=party, table=table, actor="test", now=now)
    finally:
        table.close()


def _counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    return summary.rows, summary.created, summary.updated, summary.unchanged


def _holdings(uow: Uow, party: str = "RU") -> list[Holding]:
    with uow() as u:
        return list(u.holdings.iter_party(party))


def _holding(uow: Uow, record_id: str, party: str = "RU") -> Holding | None:
    with uow() as u:
        return u.holdings.get(party, record_id)


# --- every good form reads back the same people -----------------------------------------


@pytest.mark.parametrize("good", GOOD_FILES)
def test_good_file_reads_back_the_same_people_with_its_counts_and_hash(
    good: Good, tmp_path: Path, uow: Uow, parties: object
) -> None:
    path = _write(tmp_path, good.file, good.content)

    table = open_table(path, **good.options)
    try:
        assert table.encoding == good.shown
        summary = import_records(
            uow(), kind="holdings", party="RU", table=table, actor="t", now=NOW
        )
    finally:
        table.close()

    assert _counts(summary) == (3, 3, 0, 0)
    assert (summary.party, summary.kind, summary.source) == ("RU", "holdings", good.file)
    assert summary.sha256 == hashlib.sha256(good.content).hexdigest()
    assert _holdings(uow) == EXPECTED
    assert [_holding(uow, h.record_id) for h in EXPECTED] == EXPECTED
    assert _holdings(uow, "UA") == []


def test_bom_file_declared_utf_8_with_hashtags_in_row_1_reads_back_the_same_people(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    content = b"\xef\xbb\xbf" + _hxl(captions=False)
    path = _write(tmp_path, "bom-hxl.csv", content)

    summary = _import(uow, path, encoding="utf-8")

    assert _counts(summary) == (3, 3, 0, 0)
    assert _holdings(uow) == EXPECTED


def test_quoted_cells_keep_their_commas_and_embedded_quotes(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    content = (
        "record_id,family_name,given_name,category,unit,capture_place,detention_place\n"
        'RU-1,Коваленко,Дар\'я,pow,"Бригада ""Північ"", 3-й батальйон","Київ, Оболонь",'
        '"""Табір"" № 1"\n'
    ).encode()
    path = _write(tmp_path, "quoted.csv", content)

    summary = _import(uow, path)

    assert _counts(summary) == (1, 1, 0, 0)
    held = _holding(uow, "RU-1")
    assert held is not None
    assert held.identity.unit == 'Бригада "Північ", 3-й батальйон'
    assert held.capture_place == "Київ, Оболонь"
    assert held.detention_place == '"Табір" № 1'


@pytest.mark.parametrize(
    ("written", "born"),
    [
        ("14.03.1999", PartialDate(1999, 3, 14)),
        ("4.3.1999", PartialDate(1999, 3, 4)),
        ("1999-03-14", PartialDate(1999, 3, 14)),
        ("03.1999", PartialDate(1999, 3)),
        ("1999-03", PartialDate(1999, 3)),
        ("1999", PartialDate(1999)),
    ],
)
def test_dotted_iso_and_partial_birth_dates_are_kept_to_the_precision_given(
    written: str, born: PartialDate, tmp_path: Path, uow: Uow, parties: object
) -> None:
    content = (
        "record_id,family_name,given_name,category,birth_date,captured_on\n"
        f"RU-1,Семёнов,Фёдор,pow,{written},05.11.2023\n"
    ).encode()
    path = _write(tmp_path, "dates.csv", content)

    _import(uow, path)

    held = _holding(uow, "RU-1")
    assert held is not None
    assert held.identity.birth_date == born
    assert held.identity.birth_date.precision == born.precision
    assert held.captured_on == date(2023, 11, 5)


REQUEST_COLUMNS = [
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "birth_date",
    "category",
    "captured_on",
    "capture_place",
    "priority",
    "source",
]
REQUEST_ROWS = [
    line.split("|")
    for line in (
        "UA-R-1|Коваленко|Дар'я|Олегівна|Ж|14.03.1999|civilian_internee|||urgent|family",
        "UA-R-2|Семёнов|Фёдор||M|1987-03||2023-11-05|Бахмут||official_register",
        # The Ukrainian apostrophe (U+02BC) and a typographic one (U+2019), kept as typed.
        "UA-R-3|Мар\u02bcяненко|Ол\u2019га||||pow|||Low|neutral agency",
    )
]
EXPECTED_REQUESTS = [
    Request(
        "UA",
        "UA-R-1",
        Identity(
            family_name="Коваленко",
            given_name="Дар'я",
            patronymic="Олегівна",
            name_lang=NameLanguage.UKRAINIAN,
            sex=Sex.FEMALE,
            birth_date=PartialDate(1999, 3, 14),
        ),
        RequestSource.FAMILY,
        priority=Priority.URGENT,
        category=HoldingCategory.CIVILIAN_INTERNEE,
    ),
    Request(
        "UA",
        "UA-R-2",
        Identity(
            family_name="Семёнов",
            given_name="Фёдор",
            name_lang=NameLanguage.RUSSIAN,
            sex=Sex.MALE,
            birth_date=PartialDate(1987, 3),
        ),
        RequestSource.OFFICIAL_REGISTER,
        captured_on=date(2023, 11, 5),
        capture_place="Бахмут",
    ),
    Request(
        "UA",
        "UA-R-3",
        Identity(
            family_name="Мар\u02bcяненко",
            given_name="Ол\u2019га",
            name_lang=NameLanguage.UNDETERMINED,
        ),
        RequestSource.NEUTRAL_AGENCY,
        priority=Priority.LOW,
        category=HoldingCategory.POW,
    ),
]


@pytest.mark.parametrize("form", ["csv", "xlsx", "json"])
def test_requests_file_reads_back_the_same_requests(
    form: str, tmp_path: Path, uow: Uow, parties: object
) -> None:
    if form == "csv":
        content = _csv(REQUEST_ROWS, header=REQUEST_COLUMNS)
    elif form == "xlsx":
        content = _xlsx(REQUEST_ROWS, REQUEST_COLUMNS)
    else:
        records = [dict(zip(REQUEST_COLUMNS, row, strict=True)) for row in REQUEST_ROWS]
        content = json.dumps(records, ensure_ascii=False).encode()
    path = _write(tmp_path, f"requests.{form}", content)

    summary = _import(uow, path, kind="requests", party="UA")

    assert _counts(summary) == (3, 3, 0, 0)
    assert summary.sha256 == hashlib.sha256(content).hexdigest()
    with uow() as u:
        assert list(u.requests.iter_party("UA")) == EXPECTED_REQUESTS
        assert u.requests.get("UA", "UA-R-3") == EXPECTED_REQUESTS[2]
        assert u.holdings.count("UA") == 0


# --- re-imports -------------------------------------------------------------------------


LATER = NOW + timedelta(hours=1)


def _rows_with(record_id: str, column: str, value: str) -> list[list[str]]:
    index = COLUMNS.index(column)
    return [
        [*row[:index], value, *row[index + 1 :]] if row[0] == record_id else row for row in ROWS
    ]


def test_the_same_file_again_creates_nothing_and_leaves_every_record_unchanged(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    path = _write(tmp_path, "registry.csv", _csv(ROWS))
    first = _import(uow, path)

    again = _import(uow, path, now=LATER)

    assert _counts(again) == (3, 0, 0, 3)
    assert again.import_id != first.import_id
    assert again.sha256 == first.sha256
    assert _holdings(uow) == EXPECTED
    with uow() as u:
        assert [len(u.holdings.history("RU", h.record_id)) for h in EXPECTED] == [1, 1, 1]


def test_a_changed_field_updates_the_record_in_place_and_keeps_the_old_version(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    _import(uow, _write(tmp_path, "registry.csv", _csv(ROWS)))
    changed = _csv(_rows_with("RU-2", "birth_place", "Москва"))

    second = _import(uow, _write(tmp_path, "registry-2.csv", changed), now=LATER)

    assert _counts(second) == (3, 0, 1, 2)
    moved = replace(EXPECTED[1], identity=replace(EXPECTED[1].identity, birth_place="Москва"))
    assert _holdings(uow) == [EXPECTED[0], moved, EXPECTED[2]]
    with uow() as u:
        history = u.holdings.history("RU", "RU-2")
        assert [v.version for v in history] == [1, 2]
        assert history[0].content["birth_place"] == "Орёл"
        assert history[0].content["family_name"] == "Семёнов"
        assert history[0].content["birth_date"] == "1987-03"
        assert history[1].content["birth_place"] == "Москва"
        assert history[1].import_id == second.import_id
        assert len(u.holdings.history("RU", "RU-1")) == 1


def test_a_re_import_does_not_change_where_a_person_stands(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    path = _write(tmp_path, "registry.csv", _csv(ROWS))
    _import(uow, path)
    with uow() as u:
        held = u.holdings.get("RU", "RU-2")
        assert held is not None
        eligible, event = change_holding_status(held, HoldingStatus.ELIGIBLE, at=NOW, actor="test")
        u.holdings.save_status(eligible, NOW)
        u.record(event)
        u.commit()
    changed = _write(tmp_path, "registry-2.csv", _csv(_rows_with("RU-2", "health", "sick")))

    updated = _import(uow, changed, now=LATER)
    after_update = _holding(uow, "RU-2")
    unchanged = _import(uow, changed, now=LATER + timedelta(hours=1))
    after_same = _holding(uow, "RU-2")

    assert _counts(updated) == (3, 0, 1, 2)
    assert _counts(unchanged) == (3, 0, 0, 3)
    assert after_update is not None
    assert after_same is not None
    assert after_update.health is Health.SICK
    assert after_update.status is HoldingStatus.ELIGIBLE
    assert after_same.status is HoldingStatus.ELIGIBLE
    assert [h.status for h in _holdings(uow)] == [
        HoldingStatus.DETAINED,
        HoldingStatus.ELIGIBLE,
        HoldingStatus.DETAINED,
    ]


def test_a_file_of_new_changed_and_unchanged_ids_counts_each_right(
    tmp_path: Path, uow: Uow, parties: object
) -> None:
    _import(uow, _write(tmp_path, "registry.csv", _csv(ROWS)))
    rows = _rows_with("RU-2", "captured_on", "06.11.2023")[1:]  # RU-1 left out this time
    rows += [["RU-4", "Бондар", "Олег", "", "M", "", "", "", "pow", "", "", "", "", ""]]
    rows += [["RU-5", "Ткаченко", "Ірина", "", "F", "", "", "", "convicted", "", "", "", "", ""]]

    summary = _import(uow, _write(tmp_path, "more.csv", _csv(rows)), now=LATER)

    assert _counts(summary) == (4, 2, 1, 1)
    held = _holdings(uow)
    assert [h.record_id for h in held] == ["RU-1", "RU-2", "RU-3", "RU-4", "RU-5"]
    assert held[0] == EXPECTED[0]  # absent from the file, not removed
    assert held[1].captured_on == date(2023, 11, 6)
    assert held[4].identity.given_name == "Ірина"
    assert held[4].category is HoldingCategory.CONVICTED
    with uow() as u:
        assert u.holdings.count("RU") == 5
