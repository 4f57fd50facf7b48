"""The ``parley`` command end to end: what a person types, and what they see.

The tests run the installed command in a subprocess (``python -m parley`` and the
``parley`` script), in a temporary folder, on a database of their own (SQLite in that
folder, or a PostgreSQL schema). Only ``--help`` of each command, found from the Typer
app, goes through ``main()`` in-process: a subprocess each would cost a second each.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import typer.main

import parley as parley_package
from parley.adapters.migrations import HEAD
from parley.entrypoints.cli import app, main
from tests.e2e.conftest import SCRIPT, Parley, Result

HOLDINGS = (
    "record_id,family_name,given_name,patronymic,name_lang,sex,birth_date,category,"
    "seriously_ill,seriously_ill_basis\n"
    "RU-1,Іваненко,Петро,Іванович,uk,M,1999-03-14,pow,no,\n"
    "RU-2,Petrenko,Olena,,en,F,1987-03,civilian_internee,no,\n"
    "RU-3,Бондар,Олег,Миколайович,uk,M,1975,pow,yes,art110_direct_1\n"
)
CHANGED_HOLDINGS = HOLDINGS.replace("Petrenko,Olena", "Petrenko,Olha")
REQUESTS = (
    "record_id,family_name,given_name,birth_date,source,priority\n"
    "UA-1,Shevchenko,Taras,1990-01-02,family,high\n"
    "UA-2,Коваленко,Марія,,neutral_agency,normal\n"
)
# RU-2 changed (which must not be written) and three problems in two rows.
BAD_HOLDINGS = (
    "record_id,family_name,given_name,category,birth_date\n"
    "RU-2,Petrenko,Oksana,civilian_internee,1987-03\n"
    "RU-4,Petrenko2,Ivan,pow,\n"
    "RU-5,Bondar,Oleh,pig,31.02.1999\n"
)
BAD_LINES = {
    "error: bad.csv row 3, column family_name: has '2', which a name cannot contain "
    "(expected letters, spaces, - ' .)",
    "error: bad.csv row 4, column category: 'pig' is not one of: pow, civilian_internee, "
    "civilian_detainee, convicted, proceedings_pending",
    "error: bad.csv row 4, column birth_date: '31.02.1999' is not a date: "
    "day 31 does not exist in 1999-02",
}
MYSQL_REFUSED = (
    "error: PARLEY_DATABASE_URL: unsupported database 'mysql' "
    "(expected sqlite:///FILE or postgresql+psycopg://...)"
)
EXPECTED_COMMANDS = {
    ("history",),
    ("demo",),
    ("import", "holdings"),
    ("import", "requests"),
    ("export", "holdings"),
    ("export", "requests"),
    ("parties", "add"),
    ("parties", "list"),
    ("db", "upgrade"),
    ("db", "current"),
}


def _commands() -> Iterator[tuple[tuple[str, ...], object]]:
    """Every command and group of the Typer app, with its path from the root."""

    def walk(path: tuple[str, ...], command: object) -> Iterator[tuple[tuple[str, ...], object]]:
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk((*path, name), sub)

    yield from walk((), typer.main.get_command(app))


COMMANDS = dict(_commands())


def _words(text: str) -> str:
    return " ".join(text.split())


def _table(output: str) -> list[list[str]]:
    """The body rows of a table the command printed, as lists of cells."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.lstrip().startswith("│")
    ]


def _csv_rows(data: bytes | str) -> list[dict[str, str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.DictReader(io.StringIO(text)))


def _no_traceback(*results: Result) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.describe()
        assert "internal error" not in result.stderr, result.describe()


# --- help and version ------------------------------------------------------------------


def test_every_command_and_option_has_help() -> None:
    assert set(COMMANDS) >= EXPECTED_COMMANDS, f"commands found: {sorted(COMMANDS)}"
    for path, command in COMMANDS.items():
        name = " ".join(("parley", *path))
        assert (getattr(command, "help", None) or "").strip(), f"{name} has no help text"
        for param in getattr(command, "params", []):
            assert (getattr(param, "help", None) or "").strip(), (
                f"{name}: {param.name} has no help text"
            )


def _check_help(path: tuple[str, ...], shown: str) -> None:
    shown = _words(shown)
    assert f"Usage: {' '.join(('parley', *path))} [OPTIONS]" in shown, shown
    first_line = str(getattr(COMMANDS[path], "help", "")).strip().splitlines()[0]
    assert _words(first_line) in shown, shown
    assert "--help" in shown
    for name in getattr(COMMANDS[path], "commands", {}):
        assert re.search(rf"│ {name}\b", shown), f"{' '.join(path)} --help does not list {name}"


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "parley")
def test_help_of_every_command(
    path: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--help`` through ``main()``, the function the script runs: in-process, as a
    subprocess for each command would cost a second each (the real command is below)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("PARLEY_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["parley", *path, "--help"])
    code: object = 0  # main() returns: the script exits 0
    try:
        main()
    except SystemExit as e:
        code = e.code
    assert code in (0, None), f"exit status {code}"
    shown = capsys.readouterr()
    _check_help(path, shown.out)
    assert shown.err == ""
    assert list(tmp_path.iterdir()) == [], "--help created files"


def test_help_and_version_of_the_real_command(tmp_path: Path) -> None:
    parley = Parley(tmp_path, database_url=None)  # help needs no database, and makes none
    assert SCRIPT.exists(), f"no parley script at {SCRIPT}"
    root = parley("--help")
    leaf, version = parley.many(["import", "holdings", "--help"], ["--version"], script=True)
    _check_help((), root.stdout)
    _check_help(("import", "holdings"), leaf.stdout)
    for result in (root, leaf, version):
        assert result.stderr == "", result.describe()
    assert version.stdout == f"parley {parley_package.__version__}\n", version.describe()
    assert list(tmp_path.iterdir()) == [], "help or --version created files"


# --- the flow of an exchange office -----------------------------------------------------


def _exchange(parley: Parley, *, script: bool) -> None:
    """Register two parties, import, export, reject a bad file, re-import, show history."""
    cwd = parley.cwd
    (cwd / "ru-holdings.csv").write_text(HOLDINGS, encoding="utf-8")
    (cwd / "ua-requests.csv").write_text(REQUESTS, encoding="utf-8")
    (cwd / "bad.csv").write_text(BAD_HOLDINGS, encoding="utf-8")

    added = parley("parties", "add", "ua", "Ukraine", "--language", "uk", script=script)
    assert added.lines("stdout") == ["party UA (Ukraine) registered"]
    added = parley("parties", "add", "RU", "Russian Federation", "-l", "ru")
    assert added.lines("stdout") == ["party RU (Russian Federation) registered"]
    # A reader and one writer at a time: SQLite serves them side by side.
    listed, imported = parley.many(
        ["parties", "list"],
        ["import", "holdings", "ru-holdings.csv", "--party", "RU"],
        script=script,
    )
    assert _table(listed.stdout) == [
        ["RU", "Russian Federation", "ru"],
        ["UA", "Ukraine", "uk"],
    ], listed.describe()
    assert imported.lines("stdout") == [
        "ru-holdings.csv: 3 holdings of RU imported (3 new, 0 updated, 0 unchanged)"
    ]
    imported = parley("import", "requests", "ua-requests.csv", "-p", "ua")
    assert imported.lines("stdout") == [
        "ua-requests.csv: 2 requests of UA imported (2 new, 0 updated, 0 unchanged)"
    ]

    as_csv, as_json, as_xlsx, requests, current = parley.many(
        ["export", "holdings", "--party", "RU"],
        ["export", "holdings", "--party", "RU", "--format", "json"],
        ["export", "holdings", "--party", "ru", "--format", "xlsx", "--out", "ru.xlsx"],
        ["export", "requests", "--party", "UA"],
        ["db", "current"],
    )
    # The CSV export has the rows imported, in the import columns, ordered by record_id.
    exported = _csv_rows(as_csv.stdout_bytes)
    for row, expected in zip(exported, _csv_rows(HOLDINGS), strict=True):
        assert {k: row[k] for k in expected} == expected
    assert as_csv.lines() == ["3 holdings of RU exported"]
    assert json.loads(as_json.stdout) == exported
    assert as_json.lines() == ["3 holdings of RU exported"]
    assert as_xlsx.stdout == ""
    assert as_xlsx.lines() == ["3 holdings of RU exported to ru.xlsx"]
    sheet = openpyxl.load_workbook(cwd / "ru.xlsx", read_only=True).active
    assert sheet is not None
    cells = [[value or "" for value in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [list(exported[0]), *(list(row.values()) for row in exported)]
    for row, expected in zip(_csv_rows(requests.stdout_bytes), _csv_rows(REQUESTS), strict=True):
        assert {k: row[k] for k in expected} == expected
    assert current.lines("stdout") == [f"database at revision {HEAD}"]

    # A bad file: every problem on its own line, nothing imported, nothing changed.
    rejected = parley("import", "holdings", "bad.csv", "--party", "RU", code=1)
    _no_traceback(rejected)
    assert rejected.stdout == ""
    *problems, last = rejected.lines()
    assert set(problems) == BAD_LINES, rejected.describe()
    assert len(problems) == len(BAD_LINES)
    located = [re.match(r"error: bad\.csv row (\d+), column \w+: ", p) for p in problems]
    rows = [int(m[1]) for m in located if m]
    assert len(rows) == len(problems), "a problem is not located as FILE row N, column C"
    assert rows == sorted(rows), "problems are not in file order"
    assert last == "bad.csv: nothing was imported (3 problems)"

    # An export re-imports unchanged; a changed file updates one record, keeping history.
    (cwd / "exported.csv").write_bytes(as_csv.stdout_bytes)
    after, again = parley.many(
        ["export", "holdings", "--party", "RU"],
        ["import", "holdings", "exported.csv", "--party", "RU"],
    )
    assert after.stdout_bytes == as_csv.stdout_bytes, "a rejected import changed the database"
    (cwd / "ru-holdings.csv").write_text(CHANGED_HOLDINGS, encoding="utf-8")
    changed = parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    assert again.lines("stdout") == [
        "exported.csv: 3 holdings of RU imported (0 new, 0 updated, 3 unchanged)"
    ]
    assert changed.lines("stdout") == [
        "ru-holdings.csv: 3 holdings of RU imported (0 new, 1 updated, 2 unchanged)"
    ]
    history, exported_after = parley.many(
        ["history", "holdings", "RU-2", "--party", "RU"],
        ["export", "holdings", "--party", "RU"],
    )
    versions = _table(history.stdout)
    assert [(v[0], v[2]) for v in versions] == [("1", "-"), ("2", "given_name")], history.describe()
    assert versions[0][1] <= versions[1][1], "versions are not oldest first"
    olha = {r["record_id"]: r["given_name"] for r in _csv_rows(exported_after.stdout_bytes)}
    assert olha == {"RU-1": "Петро", "RU-2": "Olha", "RU-3": "Олег"}


def test_exchange_flow_on_sqlite(parley: Parley) -> None:
    assert SCRIPT.exists(), f"no parley script at {SCRIPT}"
    _exchange(parley, script=True)
    assert (parley.cwd / "e2e.db").exists()
    assert not (parley.cwd / "parley.db").exists()


def test_import_reject_history_on_postgres(parley_on_postgres: Parley) -> None:
    parley = parley_on_postgres
    (parley.cwd / "ru-holdings.csv").write_text(HOLDINGS, encoding="utf-8")
    (parley.cwd / "bad.csv").write_text(BAD_HOLDINGS, encoding="utf-8")
    parley("parties", "add", "RU", "Russian Federation")
    imported = parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    assert imported.lines("stdout") == [
        "ru-holdings.csv: 3 holdings of RU imported (3 new, 0 updated, 0 unchanged)"
    ]
    before, current = parley.many(["export", "holdings", "--party", "RU"], ["db", "current"])
    assert current.lines("stdout") == [f"database at revision {HEAD}"]
    exported = _csv_rows(before.stdout_bytes)
    for row, expected in zip(exported, _csv_rows(HOLDINGS), strict=True):
        assert {k: row[k] for k in expected} == expected

    rejected = parley("import", "holdings", "bad.csv", "--party", "RU", code=1)
    _no_traceback(rejected)
    assert set(rejected.lines()[:-1]) == BAD_LINES
    assert rejected.lines()[-1] == "bad.csv: nothing was imported (3 problems)"
    after = parley("export", "holdings", "--party", "RU")
    assert after.stdout_bytes == before.stdout_bytes, "a rejected import changed the database"

    (parley.cwd / "ru-holdings.csv").write_text(CHANGED_HOLDINGS, encoding="utf-8")
    changed = parley("import", "holdings", "ru-holdings.csv", "--party", "RU")
    assert changed.lines("stdout") == [
        "ru-holdings.csv: 3 holdings of RU imported (0 new, 1 updated, 2 unchanged)"
    ]
    history = parley("history", "holdings", "RU-2", "--party", "RU")
    assert [(v[0], v[2]) for v in _table(history.stdout)] == [("1", "-"), ("2", "given_name")]
    assert not (parley.cwd / "parley.db").exists()


# --- errors -----------------------------------------------------------------------------


def test_errors_are_one_clear_line_without_traceback(parley: Parley, tmp_path: Path) -> None:
    (tmp_path / "ru-holdings.csv").write_text(HOLDINGS, encoding="utf-8")
    parley("parties", "add", "RU", "Russian Federation")
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    mysql = "mysql://nobody@nowhere/db"
    bad_variable = Parley(tmp_path, mysql)("parties", "list", code=None)
    (
        unknown_import,
        unknown_export,
        unknown_export_to_file,
        missing,
        no_record,
        taken,
        bad_option,
        empty_current,
        debug,
    ) = parley.many(
        ["import", "holdings", "ru-holdings.csv", "--party", "XX"],
        ["export", "requests", "--party", "XX"],
        ["export", "holdings", "--party", "XX", "--format", "json", "--out", "xx.json"],
        ["import", "requests", "nowhere.csv", "--party", "RU"],
        ["history", "requests", "UA-404", "--party", "RU"],
        ["parties", "add", "ru", "Again"],
        ["--database-url", mysql, "parties", "list"],
        ["--database-url", empty, "db", "current"],
        ["--debug", "import", "requests", "nowhere.csv", "--party", "RU"],
        code=None,
    )
    shown = (unknown_import, unknown_export, unknown_export_to_file, missing, no_record, taken)
    _no_traceback(*shown, bad_variable, bad_option)
    for result in (unknown_import, unknown_export, unknown_export_to_file):
        assert result.returncode == 1, result.describe()
        assert result.lines() == ["error: unknown party 'XX' (known parties: RU)"]
        assert result.stdout == "", "a header-only export was written"
    assert not (tmp_path / "xx.json").exists(), "a failed export left a file behind"
    assert missing.returncode != 0, missing.describe()
    assert missing.lines()[0] == "error: nowhere.csv: cannot be opened (No such file or directory)"
    assert missing.lines()[-1] == "nowhere.csv: nothing was imported (1 problem)"
    assert no_record.returncode == 1, no_record.describe()
    assert no_record.lines() == ["error: no requests record RU/UA-404"]
    assert taken.returncode == 1, taken.describe()
    assert taken.lines() == ["error: party: RU is already registered"]
    for result in (bad_variable, bad_option):  # the option is checked like the variable
        assert result.returncode == 1, result.describe()
        assert result.lines() == [MYSQL_REFUSED], result.describe()

    # --database-url wins over PARLEY_DATABASE_URL (which is migrated and holds party RU).
    assert empty_current.returncode == 0, empty_current.describe()
    assert empty_current.lines("stdout") == ["database at revision none (empty database)"]
    upgraded = parley("--database-url", empty, "db", "upgrade")
    assert upgraded.lines("stdout") == [f"database at revision {HEAD}"]

    assert debug.returncode != 0, debug.describe()
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ImportRejected: nowhere.csv: cannot be opened" in debug.stderr


def test_usage_errors_exit_2_with_usage(parley: Parley) -> None:
    unknown_option, missing_option, bare = parley.many(
        ["import", "holdings", "x.csv", "--party", "RU", "--bogus"],
        ["import", "holdings", "x.csv"],
        [],
        code=None,
    )
    for result, message in (
        (unknown_option, "No such option: --bogus"),
        (missing_option, "--party"),
    ):
        _no_traceback(result)
        assert result.returncode == 2, result.describe()
        assert "Usage: parley" in result.stderr, result.describe()
        assert message in result.stderr, result.describe()
    # A bare ``parley`` shows the help (no_args_is_help), and no error.
    _no_traceback(bare)
    assert "Usage: parley [OPTIONS] COMMAND" in bare.stdout + bare.stderr
    assert bare.returncode in (0, 2), bare.describe()


def test_commands_started_together_on_a_new_database_both_succeed(tmp_path: Path) -> None:
    # The first use of a database creates its schema; two first uses at once must queue
    # for SQLite's write lock, not fail with "database is locked".
    for attempt in range(4):
        runner = Parley(tmp_path, f"sqlite:///{tmp_path / f'race-{attempt}.db'}")
        results = runner.many(["parties", "list"], ["parties", "add", "UA", "Party UA"])
        assert [r.returncode for r in results] == [0, 0], [r.describe() for r in results]
        listed = runner("parties", "list")
        assert "UA" in listed.stdout
