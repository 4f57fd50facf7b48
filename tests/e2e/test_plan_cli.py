"""``parley plan`` end to end: on files (with the matches ``parley reconcile`` writes) and
on the database, a feasible plan, an agreement that cannot hold, and bad inputs.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from parley.adapters import db
from parley.adapters.orm import PlanReleaseRow, PlanRow
from tests.e2e.conftest import Parley, Result

HEADER = (
    "record_id,family_name,given_name,patronymic,name_lang,sex,birth_date,category,"
    "seriously_ill,seriously_ill_basis\n"
)
# Who UA holds (Russians, written in Russian) and who RU holds (Ukrainians).
UA_HOLDINGS = HEADER + (
    "UA-H1,Иванов,Сергей,Петрович,ru,M,1980-02-03,pow,yes,art110_direct_1\n"
    "UA-H2,Петров,Павел,Иванович,ru,M,1985-04-05,pow,no,\n"
    "UA-H3,Сидоров,Олег,Андреевич,ru,M,1990-06-07,pow,no,\n"
    "UA-H4,Смирнов,Антон,Павлович,ru,M,1995-08-09,pow,no,\n"
    "UA-H5,Кузнецова,Анна,Олеговна,ru,F,1970-01-01,civilian_internee,no,\n"
    "UA-H6,Попова,Ольга,Ивановна,ru,F,1972-01-01,civilian_internee,no,\n"
)
RU_HOLDINGS = HEADER + (
    "RU-H1,Лисенко,Олег,Миколайович,uk,M,1979-03-04,pow,yes,art110_direct_2\n"
    "RU-H2,Коваль,Іван,Петрович,uk,M,1975-05-06,pow,no,\n"
    "RU-H3,Бондар,Петро,Іванович,uk,M,1991-07-08,pow,no,\n"
    "RU-H4,Мельник,Андрій,Олегович,uk,M,1996-09-10,pow,no,\n"
    "RU-H5,Шевченко,Марія,Іванівна,uk,F,1971-01-01,civilian_internee,no,\n"
    "RU-H6,Ткаченко,Олена,Петрівна,uk,F,1973-01-01,civilian_internee,no,\n"
)
# UA asks for Іван Коваль, whom RU holds: the oldest soldier, whom nobody else would pick.
UA_REQUESTS = (
    "record_id,family_name,given_name,patronymic,name_lang,sex,birth_date,source,priority\n"
    "UA-R1,Коваль,Іван,Петрович,uk,M,1975-05-06,family,urgent\n"
    "UA-R2,Гончаренко,Василь,Іванович,uk,M,1988-01-01,family,normal\n"
)
AGREEMENT = """\
agreement: three for three
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - name: military
    selector: not civilian
    formula: parity
  - name: civilians
    selector: civilian
    formula: parity
must_include: [seriously_ill]
minimum_per_side: 3
tranches:
  dates: [2025-05-23, 2025-05-24]
  capacity_per_side: 3
  separate: [civilians]
reserve_share: 0.5
"""
# Two tranches, one of them the civilians' own: at most 3 soldiers and 2 civilians a side.
TOO_MANY = AGREEMENT.replace("minimum_per_side: 3", "minimum_per_side: 6")
PLAN_KEYS = [
    "format",
    "version",
    "agreement",
    "status",
    "tranches",
    "stages",
    "summary",
    "totals",
    "releases",
    "reserves",
    "conflict",
    "relaxations",
]
STAGES = [
    "requested urgent",
    "requested high",
    "requested normal",
    "requested low",
    "seriously ill",
    "people released",
    "seriously ill lateness",
]
FILES = ("--holdings-a", "ua-holdings.csv", "--holdings-b", "ru-holdings.csv")


def _write(parley: Parley, files: dict[str, str]) -> None:
    for name, text in files.items():
        (parley.cwd / name).write_text(text, "utf-8")


def _setup_files(parley: Parley) -> None:
    (parley.cwd / "agreement.yaml").write_text(AGREEMENT, "utf-8")
    (parley.cwd / "too-many.yaml").write_text(TOO_MANY, "utf-8")
    _write(
        parley,
        {
            "ua-holdings.csv": UA_HOLDINGS,
            "ru-holdings.csv": RU_HOLDINGS,
            "ua-requests.csv": UA_REQUESTS,
        },
    )


def _table(output: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.lstrip().startswith("│")
    ]


def _no_traceback(*results: Result) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.describe()
        assert "internal error" not in result.stderr, result.describe()


def test_file_mode_plans_on_the_matches_reconcile_wrote_and_writes_the_plan_file(
    parley: Parley,
) -> None:
    _setup_files(parley)
    parley(
        "reconcile",
        "--requests",
        "ua-requests.csv",
        "--holdings",
        "ru-holdings.csv",
        "--out",
        "ua-matches.csv",
    )

    shown = parley(
        "plan", "agreement.yaml", *FILES, "--matches", "ua-matches.csv", "--out", "plan.json"
    )

    plan = json.loads((parley.cwd / "plan.json").read_text("utf-8"))
    assert list(plan) == PLAN_KEYS
    assert (plan["format"], plan["version"], plan["status"]) == ("parley-plan", 1, "optimal")
    assert plan["agreement"] == {"name": "three for three", "parties": ["UA", "RU"]}
    assert plan["tranches"] == [
        {"tranche": 1, "date": "2025-05-23"},
        {"tranche": 2, "date": "2025-05-24"},
    ]
    stages = {s["name"]: s["value"] for s in plan["stages"]}
    assert list(stages) == STAGES
    assert stages["requested normal"] == 1  # matches.csv says no priority: normal
    assert stages["seriously ill"] == 2
    assert stages["people released"] == 6
    released = {(r["party"], r["record_id"]) for r in plan["releases"]}
    assert ("RU", "RU-H2") in released  # asked for
    assert {("UA", "UA-H1"), ("RU", "RU-H1")} <= released  # seriously ill: must go
    assert set(plan["releases"][0]) == {
        "party", "record_id", "track", "tranche", "points", "mandatory", "unilateral",
        "seriously_ill", "requested",
    }  # fmt: skip
    assert len(plan["summary"]) == 2 * 2 * 2  # tracks x tranches x sides, zeros included
    for row in plan["summary"]:
        assert set(row) == {
            "track", "tranche", "party", "released", "points", "forced", "unilateral",
            "requested", "seriously_ill",
        }  # fmt: skip
    assert [(t["party"], t["released"]) for t in plan["totals"]] == [("UA", 3), ("RU", 3)]
    assert plan["reserves"]
    assert {(r["party"], r["rank"]) for r in plan["reserves"]} >= {("UA", 1), ("RU", 1)}
    assert not {(r["party"], r["record_id"]) for r in plan["reserves"]} & released
    assert (plan["conflict"], plan["relaxations"]) == (None, [])
    text = (parley.cwd / "plan.json").read_text("utf-8")
    for name in ("Коваль", "Иванов", "Лисенко"):
        assert name not in text  # record ids only

    # The table shows the plan file's summary: a row per side of each track and tranche
    # that holds anyone, each side's released, forced and requested.
    shown_rows = [row[3:] for row in _table(shown.stdout)]
    summary = [
        [r["party"], str(r["released"]), str(r["forced"]), str(r["requested"])]
        for r in sorted(plan["summary"], key=lambda r: r["tranche"])
        if r["released"]
    ]
    assert shown_rows == summary
    assert sum(int(row[1]) for row in shown_rows if row[0] == "RU") == 3
    lines = shown.lines("stdout")
    assert lines[0] == (
        "planning three for three: 6 candidates of UA (0 asked for), "
        "6 candidates of RU (1 asked for)"
    )
    assert "released: UA 3, RU 3; reserves: UA 1, RU 1"  # all the soldiers left in lines
    assert any(
        line.startswith("stages: requested urgent 0; requested high 0; requested normal 1;")
        for line in lines
    )
    assert any(line.startswith("proven optimal (") for line in lines)
    assert lines[-1] == "plan file written to plan.json"
    assert not (parley.cwd / "e2e.db").exists()  # file mode touches no database

    again = parley(
        "plan", "agreement.yaml", *FILES, "--matches", "ua-matches.csv", "--out", "again.json"
    )
    assert (parley.cwd / "again.json").read_bytes() == text.encode("utf-8")
    _no_traceback(shown, again)


def test_an_agreement_that_cannot_hold_exits_1_naming_the_clauses_and_the_relaxations(
    parley: Parley,
) -> None:
    _setup_files(parley)

    refused = parley("plan", "too-many.yaml", *FILES, "--out", "plan.json", code=1)

    shown = refused.stdout
    assert "no plan exists. One conflict is: " in shown
    assert "at least 6" in shown
    assert "civilians travel in tranches of their own" in shown
    assert "each of these changes lets a plan exist" in shown
    assert "  minimum_per_side: 6 -> 5: " in shown
    assert refused.lines()[-1] == (
        "error: too-many.yaml cannot be planned: no plan satisfies every clause (the "
        "conflict and the changes that would let a plan exist are above)"
    )
    plan = json.loads((parley.cwd / "plan.json").read_text("utf-8"))
    assert plan["status"] == "infeasible"
    assert (plan["releases"], plan["reserves"], plan["stages"]) == ([], [], [])
    keys = [c["key"] for c in plan["conflict"]["clauses"]]
    assert "minimum_per_side" in keys
    assert "tranches.separate" in keys
    assert plan["conflict"]["sentence"] in shown
    relaxed = {r["key"]: (r["before"], r["after"]) for r in plan["relaxations"]}
    assert relaxed["minimum_per_side"] == ("6", "5")
    assert all(set(r) == {"key", "before", "after", "text"} for r in plan["relaxations"])
    _no_traceback(refused)


def test_bad_inputs_name_the_file_and_the_row_or_line(parley: Parley) -> None:
    _setup_files(parley)
    bad_holdings = UA_HOLDINGS.replace("1985-04-05", "31.02.1999")
    bad_matches = (
        "request_id,holding_id,probability,decision,explanation\n"
        "UA-R1,RU-H2,0.99,maybe,names agree\n"
        "UA-R1,RU-H3,0.99,match,names agree\n"
        "UA-R3,RU-H4,0.99,match,names agree\n"
    )
    strange_holding = (
        "request_id,holding_id,probability,decision,explanation,priority\n"
        "UA-R1,RU-H2,0.99,match,names agree,urgent\n"
        "UA-R2,RU-H99,0.99,match,names agree,soon\n"
    )
    unknown_holding = strange_holding.replace(",soon", ",high")
    _write(
        parley,
        {
            "bad.csv": bad_holdings,
            "bad-matches.csv": bad_matches,
            "strange.csv": strange_holding,
            "unknown.csv": unknown_holding,
        },
    )
    (parley.cwd / "bad.yaml").write_text(
        AGREEMENT.replace("selector: civilian\n", "selector: civilain\n"), "utf-8"
    )
    holdings, matches, strange, unknown, agreement, half = parley.many(
        ("plan", "agreement.yaml", "--holdings-a", "bad.csv", "--holdings-b", "ru-holdings.csv"),
        ("plan", "agreement.yaml", *FILES, "--matches", "bad-matches.csv"),
        ("plan", "agreement.yaml", *FILES, "--matches", "strange.csv"),
        ("plan", "agreement.yaml", *FILES, "--matches", "unknown.csv"),
        ("plan", "bad.yaml", *FILES),
        ("plan", "agreement.yaml", "--holdings-a", "ua-holdings.csv"),
        code=None,
    )
    assert holdings.returncode == 1, holdings.describe()
    assert holdings.lines() == [
        "error: bad.csv row 3, column birth_date: '31.02.1999' is not a date: "
        "day 31 does not exist in 1999-02",
        "bad.csv: nothing was planned (1 problem)",
    ]
    assert matches.returncode == 1, matches.describe()
    assert matches.lines() == [
        "error: bad-matches.csv row 2, column decision: 'maybe' is not one of: match, "
        "review, no_match",
        "error: bad-matches.csv row 3, column request_id: 'UA-R1' repeats row 2 (each "
        "request once per file)",
        "bad-matches.csv: nothing was planned (2 problems)",
    ]
    assert strange.returncode == 1, strange.describe()
    assert strange.lines() == [
        "error: strange.csv row 3, column priority: 'soon' is not one of: urgent, high, "
        "normal, low",
        "strange.csv: nothing was planned (1 problem)",
    ]
    assert unknown.returncode == 1, unknown.describe()
    assert unknown.lines() == [
        "error: unknown.csv row 3, column holding_id: 'RU-H99' is in neither holdings file "
        "(expected a RU holding)",
        "unknown.csv: nothing was planned (1 problem)",
    ]
    assert agreement.returncode == 1, agreement.describe()
    assert agreement.lines()[0].startswith("error: bad.yaml line 9, key tracks[2].selector: ")
    assert agreement.lines()[-1] == "bad.yaml: not loaded (1 problem)"
    assert half.returncode == 2, half.describe()
    assert "give both --holdings-a and --holdings-b" in " ".join(half.stderr.split())
    _no_traceback(holdings, matches, strange, unknown, agreement, half)
    assert not (parley.cwd / "e2e.db").exists()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_parley(request: pytest.FixtureRequest) -> Parley:
    """``parley`` on SQLite, then on PostgreSQL (skipped, saying why, where there is none)."""
    name = "parley" if request.param == "sqlite" else "parley_on_postgres"
    parley: Parley = request.getfixturevalue(name)
    return parley


def test_database_mode_stores_a_draft_plan_and_an_infeasible_one_exits_1(
    any_parley: Parley,
) -> None:
    parley = any_parley
    _setup_files(parley)
    parley("parties", "add", "UA", "Ukraine")
    parley("parties", "add", "RU", "Russian Federation")
    parley.many(
        ("import", "holdings", "--party", "UA", "ua-holdings.csv"),
        ("import", "holdings", "--party", "RU", "ru-holdings.csv"),
    )
    parley("import", "requests", "--party", "UA", "ua-requests.csv")
    parley("reconcile", "--requester", "UA", "--holder", "RU")  # proposed, not confirmed

    shown = parley("plan", "agreement.yaml", "--out", "plan.json")
    refused = parley("plan", "too-many.yaml", code=1)

    lines = shown.lines("stdout")
    assert lines[0] == (
        "planning three for three: 6 candidates of UA (0 asked for), "
        "6 candidates of RU (0 asked for)"
    )  # a match nobody confirmed asks for no one
    assert any(line.startswith("proven optimal (") for line in lines)
    assert lines[-1] == "draft plan 1 stored; plan file written to plan.json"
    assert "draft plan 2 stored" in refused.stdout
    assert "no plan exists. One conflict is: " in refused.stdout
    assert refused.lines()[-1].startswith("error: too-many.yaml cannot be planned")
    assert parley.database_url is not None
    engine = db.create_db_engine(parley.database_url)
    try:
        with engine.connect() as conn:
            plans = conn.execute(select(PlanRow.id, PlanRow.status).order_by(PlanRow.id)).all()
            people = conn.execute(
                select(PlanReleaseRow.plan_id, PlanReleaseRow.tranche, PlanReleaseRow.reserve_rank)
            ).all()
            document = conn.scalar(select(PlanRow.document).where(PlanRow.id == 1))
    finally:
        engine.dispose()
    assert [tuple(p) for p in plans] == [(1, "optimal"), (2, "infeasible")]
    assert {p.plan_id for p in people} == {1}
    assert sum(p.tranche is not None for p in people) == 6
    assert document == (parley.cwd / "plan.json").read_text("utf-8")
    _no_traceback(shown, refused)
