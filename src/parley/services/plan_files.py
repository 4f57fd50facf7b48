"""Planning on plain files, with no database: ``parley plan --holdings-a --holdings-b``.

Each side's holdings file is read and checked exactly as an import checks it. A matches
file is what ``parley reconcile --requests --holdings --out`` writes (docs/reconcile.md):
one row per request of one side, with the holding of the other side it matched. Only
rows whose ``decision`` is ``match`` count as asked for (on files nobody reviews; a
``review`` row is not sure enough); an optional ``priority`` column gives the request's
priority, ``normal`` where it is absent or empty. Which side's holdings a file matched
is read from its holding ids. Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from parley.domain.agreements import Agreement
from parley.domain.holdings import Holding
from parley.domain.requests import Priority
from parley.errors import ImportProblem, ImportRejected
from parley.planning.problem import build_problem
from parley.services.importing import MAX_PROBLEMS, TableSource
from parley.services.match_files import MATCH_COLUMNS, read_file_records
from parley.services.planning import PlanDraft, Planner, more_urgent, pool_counts, run_planner

__all__ = ["MATCHES_COLUMNS", "FileRequests", "plan_from_files", "read_matches"]

MATCHES_COLUMNS = (*MATCH_COLUMNS, "priority")
_REQUIRED = ("request_id", "holding_id", "decision")
_DECISIONS = ("match", "review", "no_match")


@dataclass(frozen=True, slots=True)
class FileRequests:
    """What one matches file asks for: ``holder``'s holdings by record id, with priority.

    ``holder`` is None when the file matched nothing (then nobody is asked for).
    """

    holder: str | None
    asked: dict[str, Priority]


def _header_problems(table: TableSource) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    expected = ", ".join(MATCHES_COLUMNS)
    for column in table.columns:
        if column and column not in MATCHES_COLUMNS:
            message = f"is not a matches column (expected: {expected})"
            problems.append(ImportProblem(table.header_row, column, message))
    if table.columns:
        for column in _REQUIRED:
            if column not in table.columns:
                message = f"is missing (expected the columns parley reconcile writes: {expected})"
                problems.append(ImportProblem(None, column, message))
    return problems


@dataclass(slots=True)
class _Reading:
    """The rows of one matches file read so far."""

    problems: list[ImportProblem]
    matched: dict[str, tuple[int, Priority]]  # holding id -> (row, priority)
    requests: dict[str, int]  # request id -> row


def _read_row(reading: _Reading, row: int, cells: Mapping[str, str]) -> None:
    def fail(column: str | None, message: str) -> None:
        reading.problems.append(ImportProblem(row, column, message))

    for column in cells:
        if column not in MATCHES_COLUMNS:
            fail(column, f"is not a matches field (expected: {', '.join(MATCHES_COLUMNS)})")
    request_id = cells.get("request_id", "").strip()
    holding_id = cells.get("holding_id", "").strip()
    decision = cells.get("decision", "").strip()
    priority_text = cells.get("priority", "").strip() or Priority.NORMAL.value
    if not request_id:
        fail("request_id", "is empty (expected the request's record_id)")
    elif request_id in reading.requests:
        first = reading.requests[request_id]
        fail("request_id", f"{request_id!r} repeats row {first} (each request once per file)")
    else:
        reading.requests[request_id] = row
    if decision not in _DECISIONS:
        fail("decision", f"{decision!r} is not one of: {', '.join(_DECISIONS)}")
    if priority_text not in {p.value for p in Priority}:
        fail("priority", f"{priority_text!r} is not one of: {', '.join(p.value for p in Priority)}")
    if decision != "match":
        return
    if not holding_id:
        fail("holding_id", "is empty, but the decision is match (expected the holding's record_id)")
    elif holding_id in reading.matched:
        first = reading.matched[holding_id][0]
        fail(
            "holding_id",
            f"{holding_id!r} is matched in row {first} too (a holding answers one request)",
        )
    elif priority_text in {p.value for p in Priority}:
        reading.matched[holding_id] = (row, Priority(priority_text))


def _holder(reading: _Reading, held: Mapping[str, set[str]]) -> str | None:
    """The party whose holdings every matched holding id names; problems where none does."""
    if not reading.matched:
        return None
    missing = {
        party: [(row, h) for h, (row, _) in reading.matched.items() if h not in ids]
        for party, ids in held.items()
    }
    complete = [party for party, rows in missing.items() if not rows]
    if len(complete) == 1:
        return complete[0]
    if complete:
        reading.problems.append(
            ImportProblem(
                None,
                "holding_id",
                "every matched holding is in both holdings files, so whose holdings the file "
                "matched cannot be told (expected record ids that tell the sides apart)",
            )
        )
        return None
    party = min(missing, key=lambda p: len(missing[p]))
    for row, holding_id in missing[party]:
        if any(holding_id in ids for ids in held.values()):
            message = (
                f"{holding_id!r} is a holding of the other side, but the file's other "
                f"matched holdings are {party}'s (expected one side's matches per file)"
            )
        else:
            message = f"{holding_id!r} is in neither holdings file (expected a {party} holding)"
        reading.problems.append(ImportProblem(row, "holding_id", message))
    return None


def read_matches(table: TableSource, held: Mapping[str, set[str]]) -> FileRequests:
    """What an open matches file asks for, checked row by row.

    Args:
        table: the matches file (CSV, XLSX or JSON), as ``parley reconcile`` writes it.
        held: each party's holding record ids, to tell whose holdings the file matched.

    Raises:
        ImportRejected: any problem (a missing or unknown column, an empty request id, a
            request or a holding twice, a decision or priority not known, a matched
            holding in no holdings file), each with its row and column.
    """
    reading = _Reading([*table.problems, *_header_problems(table)], {}, {})
    if not reading.problems:
        for row, cells in table.rows():
            if isinstance(cells, ImportProblem):
                reading.problems.append(cells)
            else:
                _read_row(reading, row, cells)
    holder = None if reading.problems else _holder(reading, held)
    problems = sorted(reading.problems, key=lambda p: (p.row or 0, p.column or ""))
    if problems:
        raise ImportRejected(table.name, problems[:MAX_PROBLEMS], len(problems))
    if not reading.requests:
        raise ImportRejected(table.name, [ImportProblem(None, None, "has a header but no rows")])
    return FileRequests(holder, {h: p for h, (_, p) in reading.matched.items()})


def plan_from_files(
    agreement: Agreement,
    holdings: Sequence[TableSource],
    matches: Sequence[TableSource],
    *,
    today: date,
    planner: Planner = run_planner,
) -> PlanDraft:
    """Plan ``agreement`` on each side's holdings file and the matches files; store nothing.

    Args:
        agreement: the formula.
        holdings: one open holdings file per party, in the agreement's party order.
        matches: open matches files (each side's requests matched in the other's holdings).
        today: dates after it are refused, as on import.

    Raises:
        ImportRejected: a file has problems (the first file with any, all its problems).
    """
    held: dict[str, list[Holding]] = {}
    for party, table in zip(agreement.parties, holdings, strict=True):
        records = read_file_records("holdings", party, table, today)
        held[party] = [r for r in records if isinstance(r, Holding)]
    ids = {party: {h.record_id for h in records} for party, records in held.items()}
    requested: dict[tuple[str, str], Priority] = {}
    for table in matches:
        found = read_matches(table, ids)
        for holding_id, priority in found.asked.items():
            if found.holder is not None:
                key = (found.holder, holding_id)
                requested[key] = more_urgent(requested.get(key), priority)
    problem = build_problem(agreement, [h for records in held.values() for h in records], requested)
    candidates, asked_for = pool_counts(problem)
    return PlanDraft(planner(problem), candidates, asked_for, problem=problem)
