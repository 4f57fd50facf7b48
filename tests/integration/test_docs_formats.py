"""docs/formats.md and docs/examples/ say what parley really reads and writes.

The page's column tables, HXL table and listed values are compared with the schema;
every example file is imported; and every rejected-file example on the page is built,
imported, and must print exactly the lines the page shows.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

from parley.adapters.formats import open_table, write_table
from parley.adapters.formats.hxl import hashtag_table
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.holdings import Health, HoldingCategory, SeriousIllnessBasis
from parley.domain.requests import Priority, RequestSource
from parley.entrypoints.cli.output import err, show_error
from parley.errors import ImportRejected
from parley.services import schema
from parley.services.exporting import export_columns, export_records
from parley.services.importing import ImportSummary, import_records
from parley.services.schema import HOLDINGS, REQUESTS, RecordSchema
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]

DOCS = Path(__file__).resolve().parents[2] / "docs"
FORMATS = DOCS / "formats.md"
EXAMPLES = DOCS / "examples"
REQUIRED_EXAMPLES = {"holdings.csv", "requests.csv", "holdings-hxl.csv", "holdings.json"}
LISTED: tuple[type[StrEnum], ...] = (
    HoldingCategory,
    Health,
    SeriousIllnessBasis,
    Priority,
    RequestSource,
)
COLUMN_OF_LIST = {
    "category": HoldingCategory,
    "health": Health,
    "seriously_ill_basis": SeriousIllnessBasis,
    "priority": Priority,
    "source": RequestSource,
}
# Files the rejected examples name but do not show, built from the shown example files.
DERIVED: dict[str, Callable[[], bytes]] = {
    "holdings-1251.csv": lambda: (
        (EXAMPLES / "holdings.csv").read_text(encoding="utf-8").encode("cp1251")
    ),
}
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`([^`]+)`")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- reading the page ---------------------------------------------------------------


def _page() -> str:
    return FORMATS.read_text(encoding="utf-8")


def _section(heading: str, level: int = 2) -> str:
    """The text under ``## heading``, up to the next heading of the same level or above."""
    text = _page()
    marks = "#" * level
    start = text.index(f"\n{marks} {heading}\n")
    ends = [text.find(f"\n{'#' * n} ", start + 1) for n in range(1, level + 1)]
    return text[start : min((e for e in ends if e != -1), default=len(text))]


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table in a section whose first cell is code, as cells."""
    rows = []
    for line in _section(heading).splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def _code_in(cell: str) -> list[str]:
    return CODE.findall(cell)


def _fences() -> list[tuple[str, str]]:
    """Every fenced block on the page: its info string and its body."""
    return [(m.group(1).strip(), m.group(2)) for m in FENCE.finditer(_page())]


def _shown_files() -> dict[str, str]:
    """Files shown in full on the page, in blocks such as ```csv file=NAME."""
    shown = {}
    for info, body in _fences():
        for word in info.split()[1:]:
            if word.startswith("file="):
                shown[word.removeprefix("file=")] = body
    return shown


@dataclass(frozen=True)
class Rejection:
    """One rejected-file example: the command the page shows, and what it printed."""

    command: str
    printed: tuple[str, ...]

    @property
    def args(self) -> dict[str, str]:
        words = shlex.split(self.command.removeprefix("$ "))
        assert words[:2] == ["parley", "import"], self.command
        args = {"kind": words[2], "file": words[3]}
        options = words[4:]
        for name, value in zip(options[::2], options[1::2], strict=True):
            args[name.removeprefix("--")] = value
        return args


def _rejections() -> list[Rejection]:
    found = []
    for info, body in _fences():
        lines = body.splitlines()
        if not any(line.startswith("error: ") for line in lines):
            continue
        where = f"an error example must be a console block that begins with its command: {body}"
        assert info == "console", where
        assert lines[0].startswith("$ parley import "), where
        assert not any(line.startswith("$ ") for line in lines[1:]), lines[0]
        found.append(Rejection(lines[0], tuple(lines[1:])))
    return found


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_file())


# --- importing ----------------------------------------------------------------------


def _import(
    uow: Uow,
    path: Path,
    *,
    kind: str,
    party: str,
    format: str | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    table = open_table(path, format=format, encoding=encoding)
    try:
        return import_records(uow(), kind=kind, party=party, table=table, actor="test", now=NOW)
    finally:
        table.close()


def _kind_of(path: Path) -> str:
    kind = path.name.split("-")[0].split(".")[0]
    assert kind in ("holdings", "requests"), f"{path.name}: name it holdings* or requests*"
    return kind


def _party_of(path: Path) -> str:
    """The party whose registry an example is: its record ids begin with the party code."""
    table = open_table(path)
    try:
        parties = {
            cells["record_id"].split("-")[0] for _, cells in table.rows() if isinstance(cells, dict)
        }
    finally:
        table.close()
    assert len(parties) == 1, f"{path.name}: record ids of more than one party: {parties}"
    return parties.pop()


# --- the tables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind"),
    [("Holdings columns", HOLDINGS), ("Requests columns", REQUESTS)],
    ids=["holdings", "requests"],
)
def test_column_table_lists_every_column_in_schema_order_with_what_is_required(
    heading: str, kind: RecordSchema
) -> None:
    rows = _table(heading)

    assert tuple(_code_in(row[0])[0] for row in rows) == kind.columns
    assert {_code_in(row[0])[0] for row in rows if row[1] == "**yes**"} == set(kind.required)


@pytest.mark.parametrize(
    ("heading", "kind"),
    [("Holdings columns", HOLDINGS), ("Requests columns", REQUESTS)],
    ids=["holdings", "requests"],
)
def test_column_table_lists_exactly_the_values_each_listed_column_accepts(
    heading: str, kind: RecordSchema
) -> None:
    accepted = {_code_in(row[0])[0]: row[3] for row in _table(heading)}

    for column, enum in COLUMN_OF_LIST.items():
        if column in kind.columns:
            assert set(_code_in(accepted[column])) == {m.value for m in enum}, column


def test_hxl_table_pairs_every_hashtag_with_its_column() -> None:
    documented = {_code_in(row[0])[0]: _code_in(row[1])[0] for row in _table("HXL hashtags")}

    assert documented == hashtag_table()


@pytest.mark.parametrize("enum", LISTED, ids=lambda e: e.__name__)
def test_every_listed_value_is_documented(enum: type[StrEnum]) -> None:
    page = _page()

    missing = [m.value for m in enum if f"`{m.value}`" not in page]

    assert not missing, f"{enum.__name__} values not in docs/formats.md: {missing}"


def test_every_sex_alias_and_yes_no_word_is_documented() -> None:
    sex = {code.lower() for code in _code_in(_section("Sex", level=3))}
    flags = set(_code_in(_section("Yes and no", level=3)))

    assert {alias for alias in schema._SEX if alias} <= sex
    assert {word for word in schema._TRUE | schema._FALSE if word} <= flags


# --- the example files --------------------------------------------------------------


def test_the_examples_folder_has_the_files_the_page_describes() -> None:
    names = {p.name for p in _examples()}

    assert names >= REQUIRED_EXAMPLES
    assert all(f"(examples/{name})" in _page() for name in names)


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_example_file_imports_without_a_problem(path: Path, uow: Uow, parties: object) -> None:
    kind, party = _kind_of(path), _party_of(path)

    summary = _import(uow, path, kind=kind, party=party)

    assert summary.rows > 0
    assert (summary.created, summary.updated, summary.unchanged) == (summary.rows, 0, 0)


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_an_export_of_the_examples_imports_again_unchanged(
    format: str, uow: Uow, parties: object, tmp_path: Path
) -> None:
    imported = _import(uow, EXAMPLES / "holdings.csv", kind="holdings", party="RU")
    exported = tmp_path / f"holdings-export.{format}"
    with uow() as unit, exported.open("wb") as out:
        rows = export_records(unit, kind="holdings", party="RU")
        write_table(rows, export_columns("holdings"), out, format=format)

    again = _import(uow, exported, kind="holdings", party="RU")

    assert (again.rows, again.unchanged) == (imported.rows, imported.rows)


# --- the rejected-file examples -----------------------------------------------------


def test_the_page_shows_three_to_five_rejected_files() -> None:
    assert 3 <= len(_rejections()) <= 5


@pytest.mark.parametrize("example", _rejections(), ids=lambda r: r.args["file"])
def test_rejected_file_example_prints_exactly_what_the_page_shows(
    example: Rejection, uow: Uow, parties: object, tmp_path: Path
) -> None:
    args = example.args
    name = args["file"]
    shown = _shown_files()
    assert name in shown or name in DERIVED, f"{name}: show the file, or build it in DERIVED"
    path = tmp_path / name
    path.write_bytes(shown[name].encode() if name in shown else DERIVED[name]())

    with pytest.raises(ImportRejected) as rejected:
        _import(
            uow,
            path,
            kind=args["kind"],
            party=args["party"].upper(),
            format=args.get("format"),
            encoding=args.get("encoding"),
        )
    with err.capture() as captured:
        show_error(rejected.value)

    assert ANSI.sub("", captured.get()).splitlines() == list(example.printed)
