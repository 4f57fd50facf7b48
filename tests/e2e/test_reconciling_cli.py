"""``parley reconcile`` and ``parley review`` end to end, in real processes.

File mode writes one row per request and never opens a database; bad files are refused
as imports refuse them; on the database, a review driven through standard input keeps
its decisions, and a re-run keeps them too. docs/reconcile.md says what the code does.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

from parley.matching.results import MatchConfig
from parley.services.match_files import MATCH_COLUMNS
from tests.e2e.conftest import Parley, Result

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = (
    "record_id,family_name,given_name,patronymic,name_lang,sex,birth_date,source\n"
    "UA-1,Лисенко,Олексій,Іванович,uk,M,1990-05-01,family\n"
    "UA-2,Hryhorenko,Yevhen,,en,M,1985-11-20,official_register\n"
    "UA-3,Ткачук,Богдана,Петрівна,uk,F,1979-02-03,neutral_agency\n"
)
HOLDINGS = (
    "record_id,family_name,given_name,patronymic,name_lang,sex,birth_date,category\n"
    "RU-1,Лысенко,Алексей,Иванович,ru,M,1990-05-01,pow\n"
    "RU-2,Григоренко,Евгений,Николаевич,ru,M,1985-11-20,pow\n"
    "RU-3,Сидоров,Пётр,Семёнович,ru,M,1966-07-30,convicted\n"
)
BAD_REQUESTS = (
    "record_id,family_name,given_name,birth_date,source,nickname\n"
    "UA-1,Лисенко,Олексій,1990-05-01,family,\n"
    "UA-2,,Yevhen,1985-11-20,family,\n"
    "UA-3,Ткачук,Богдана,31.02.1999,family,\n"
)
BAD_LINES = [
    "error: bad.csv row 1, column nickname: is not a requests column (expected: record_id, "
    "family_name, given_name, patronymic, name_lang, sex, birth_date, birth_place, "
    "nationality, mother_maiden_name, category, rank, service_number, unit, document_number, "
    "captured_on, capture_place, priority, source)",
]


def _write(directory: Path, **files: str) -> None:
    for name, text in files.items():
        (directory / name.replace("_", ".")).write_text(text, encoding="utf-8")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _check_matches(text: str) -> list[dict[str, str]]:
    """matches.csv: the header exactly, one row per request, no holding for no_match."""
    assert text.splitlines()[0] == ",".join(MATCH_COLUMNS)
    rows = _rows(text)
    assert [r["request_id"] for r in rows] == ["UA-1", "UA-2", "UA-3"]
    for row in rows:
        assert row["decision"] in ("match", "review", "no_match"), row
        assert (row["holding_id"] == "") == (row["decision"] == "no_match"), row
        assert 0.0 <= float(row["probability"]) <= 1.0
        assert re.fullmatch(r"\d\.\d{4}", row["probability"]), row
        assert row["explanation"], row
    return rows


def test_file_mode_writes_one_row_per_request_without_a_database(tmp_path: Path) -> None:
    _write(tmp_path, r_csv=REQUESTS, h_csv=HOLDINGS)
    parley = Parley(tmp_path, database_url=None)

    to_stdout, to_file = parley.many(
        ["reconcile", "--requests", "r.csv", "--holdings", "h.csv"],
        ["reconcile", "--requests", "r.csv", "--holdings", "h.csv", "--out", "matches.csv"],
    )

    rows = _check_matches(to_stdout.stdout)
    assert (tmp_path / "matches.csv").read_bytes() == to_stdout.stdout_bytes
    assert to_file.stdout == ""
    by_id = {r["request_id"]: r for r in rows}
    assert (by_id["UA-3"]["holding_id"], by_id["UA-3"]["decision"]) == ("", "no_match")
    assert by_id["UA-1"]["holding_id"] == "RU-1"
    counts = re.fullmatch(
        r"3 requests against 3 holdings: (\d+) match, (\d+) review, (\d+) no_match",
        to_stdout.lines()[0],
    )
    assert counts is not None, to_stdout.describe()
    assert sum(int(n) for n in counts.groups()) == 3
    assert to_file.lines()[0].endswith("; written to matches.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "matches.csv", "r.csv"]


def test_file_mode_refuses_bad_input_as_an_import_would(tmp_path: Path) -> None:
    _write(tmp_path, bad_csv=BAD_REQUESTS, h_csv=HOLDINGS)
    parley = Parley(tmp_path, database_url=None)

    header, missing, usage = parley.many(
        ["reconcile", "--requests", "bad.csv", "--holdings", "h.csv", "--out", "m.csv"],
        ["reconcile", "--requests", "h.csv", "--holdings", "h.csv"],
        ["reconcile", "--requests", "bad.csv", "--holder", "RU"],
        code=None,
    )

    assert header.returncode == 1, header.describe()
    assert header.lines() == [*BAD_LINES, "bad.csv: nothing was matched (1 problem)"]
    assert missing.returncode == 1, missing.describe()
    assert missing.lines() == [
        "error: h.csv column source: is missing (required: record_id, family_name, "
        "given_name, source)",
        "h.csv: nothing was matched (1 problem)",
    ]
    assert usage.returncode == 2, usage.describe()
    assert "not a mix" in usage.stderr
    for result in (header, missing, usage):
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
    (tmp_path / "bad.csv").write_text(
        BAD_REQUESTS.replace(",nickname", "").replace("family,\n", "family\n"), encoding="utf-8"
    )
    rows = parley("reconcile", "--requests", "bad.csv", "--holdings", "h.csv", code=1)
    assert rows.lines() == [
        "error: bad.csv row 3, column family_name: is empty (a value is required)",
        "error: bad.csv row 4, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
        "bad.csv: nothing was matched (2 problems)",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "h.csv"]


def _answer(parley: Parley, answers: str, *args: str) -> Result:
    """``parley review ARGS`` with ``answers`` on its standard input."""
    done = subprocess.run(
        [sys.executable, "-m", "parley", "review", *args],
        cwd=parley.cwd,
        env=parley.env,
        input=answers.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    result = Result(("review", *args), done.returncode, done.stdout, done.stderr.decode())
    assert result.returncode == 0, result.describe()
    return result


def _queue(result: Result) -> list[tuple[str, str, str]]:
    """(id, request, state) of each proposal ``review --list`` printed."""
    rows = [
        [c.strip() for c in line.strip().strip("│").split("│")]
        for line in result.stdout.splitlines()
        if line.lstrip().startswith("│")
    ]
    return [(r[0], r[1], r[5]) for r in rows if r[0]]


def test_review_through_standard_input_keeps_decisions_across_a_rerun(parley: Parley) -> None:
    _write(parley.cwd, r_csv=REQUESTS, h_csv=HOLDINGS)
    parley("parties", "add", "UA", "Party UA")
    parley("parties", "add", "RU", "Party RU")
    parley.many(
        ["import", "requests", "r.csv", "--party", "UA"],
        ["import", "holdings", "h.csv", "--party", "RU"],
    )
    first = parley("reconcile", "--requester", "UA", "--holder", "RU")
    assert first.lines("stdout")[0] == "run 1: 3 requests of UA against 3 holdings of RU"
    assert re.fullmatch(r"outcomes: \d match, \d review, \d no_match", first.lines("stdout")[1])
    listed, nothing_for_ua = parley.many(
        ["review", "--party", "RU", "--list"], ["review", "--party", "UA", "--list"]
    )
    queue = _queue(listed)
    assert [q[1] for q in queue][:2] == ["UA/UA-1", "UA/UA-2"], listed.describe()
    assert nothing_for_ua.lines("stdout") == ["nothing to review on the holdings of UA"]

    mediator = _answer(parley, "c\n\nq\n", "--as", "mediator")
    assert "the mediator may not confirm proposal 1" in mediator.stderr
    assert mediator.lines("stdout")[-1] == "0 decided, 0 skipped, 2 not reached"
    decided = _answer(parley, "c\nservice number agrees\nr\n2\nborn elsewhere\n", "--party", "RU")
    assert "proposal 1: confirmed" in decided.stdout
    assert re.search(r"proposal \d+: rejected", decided.stdout), decided.describe()
    assert decided.lines("stdout")[-1] == "2 decided, 0 skipped, 0 not reached"
    assert "Лисенко" in decided.stdout  # the reviewer sees both records

    again = parley("reconcile", "--requester", "UA", "--holder", "RU")
    assert "kept 1 confirmed and 0 escalated" in again.stdout, again.describe()
    after = _queue(parley("review", "--party", "RU", "--list"))
    assert [q[1] for q in after if q[1] in ("UA/UA-1", "UA/UA-2")] == [], after


def test_the_docs_say_what_the_code_does() -> None:
    docs = (ROOT / "docs" / "reconcile.md").read_text("utf-8")
    default = MatchConfig()
    assert f"`--match-threshold` (default {default.match_threshold})" in docs
    assert f"`--review-threshold` (default {default.review_threshold})" in docs
    assert ",".join(MATCH_COLUMNS) in docs
    for column in MATCH_COLUMNS:
        assert f"| `{column}` |" in docs
