"""Reconciling two plain files, with no database: ``parley reconcile --requests --holdings``.

Both files are read and checked exactly as an import checks them (the schema of
``parley.services.schema``, the same messages), nothing is stored, and the result comes
back as one row per request in the columns of ``matches.csv`` (docs/reconcile.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from parley.domain.holdings import Holding
from parley.domain.requests import Request
from parley.errors import ImportProblem, ImportRejected
from parley.matching.reconcile import reconcile as engine_reconcile
from parley.matching.results import Decision, MatchConfig, Outcome, Record
from parley.services.importing import MAX_PROBLEMS, TableSource, check_columns, report_repeat
from parley.services.readers import unknown_fields
from parley.services.reconciling import Progress, Reconciler, to_record
from parley.services.schema import schema_for

__all__ = [
    "MATCH_COLUMNS",
    "FileMatches",
    "match_files",
    "read_file_records",
    "read_match_file",
]

MATCH_COLUMNS = ("request_id", "holding_id", "probability", "decision", "explanation")


def read_file_records(
    kind: str, party: str, table: TableSource, today: date
) -> list[Holding | Request]:
    """Every record of an open holdings or requests file of ``party``, checked as an
    import checks it, and stored nowhere.

    Raises:
        ImportRejected: any problem (unknown column, empty name, unreadable date, a
            record id twice), each with its row and column, as ``parley import`` says it.
    """
    schema = schema_for(kind)
    problems = [*table.problems, *check_columns(schema, table)]
    records: list[Holding | Request] = []
    first_row: dict[str, int] = {}
    if not problems:
        for row, cells in table.rows():
            if isinstance(cells, ImportProblem):
                problems.append(cells)
                continue
            found = [] if table.columns else unknown_fields(schema, row, cells)
            record = found or schema.read(party, row, cells, today)
            if isinstance(record, list):
                problems += record
            elif record.record_id in first_row:
                problems.append(report_repeat(row, record.record_id, first_row[record.record_id]))
            else:
                first_row[record.record_id] = row
                records.append(record)
    if problems:
        raise ImportRejected(table.name, problems[:MAX_PROBLEMS], len(problems))
    if not records:
        raise ImportRejected(table.name, [ImportProblem(None, None, "has a header but no rows")])
    return records


def read_match_file(kind: str, table: TableSource, today: date) -> list[Record]:
    """Every record of an open holdings or requests file, as the matching engine reads it.

    Raises:
        ImportRejected: as :func:`read_file_records`.
    """
    return [to_record(record) for record in read_file_records(kind, "-", table, today)]


@dataclass(frozen=True, slots=True)
class FileMatches:
    """The result of matching two files: one row per request, and requests per outcome."""

    rows: list[dict[str, str]]
    counts: dict[str, int]


def _row(request_id: str, d: Decision, said: str = "") -> dict[str, str]:
    return {
        "request_id": request_id,
        "holding_id": d.holding_id or "",
        "probability": f"{d.probability:.4f}",
        "decision": d.outcome.value,
        "explanation": said + d.explanation,
    }


def match_files(
    requests: Sequence[Record],
    holdings: Sequence[Record],
    *,
    config: MatchConfig | None = None,
    on_progress: Progress | None = None,
    reconcile: Reconciler = engine_reconcile,
) -> FileMatches:
    """Match requests read from a file against holdings read from another; store nothing.

    A request merged into another (the same person asked for twice) gets the row of the
    request it was merged into, saying so.
    """
    result = reconcile(requests, holdings, config, on_progress=on_progress)
    decisions = {d.request_id: d for d in result.decisions}
    kept = {m: g.kept for g in result.duplicates for m in g.merged}
    rows: list[dict[str, str]] = []
    for r in requests:
        if r.record_id in decisions:
            rows.append(_row(r.record_id, decisions[r.record_id]))
        elif r.record_id in kept and kept[r.record_id] in decisions:
            first = kept[r.record_id]
            rows.append(_row(r.record_id, decisions[first], f"same person as request {first}; "))
        else:
            missing = Decision(
                r.record_id, Outcome.NO_MATCH, None, 0.0, "not decided by the engine"
            )
            rows.append(_row(r.record_id, missing))
    counts = {o.value: 0 for o in Outcome}
    for row in rows:
        counts[row["decision"]] += 1
    return FileMatches(rows, counts)
