"""``parley plan``: plan an agreement on the database, or on files with no database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from parley import bootstrap
from parley.domain.agreements import Agreement, FormulaKind
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, err, out, show_import_problems
from parley.errors import ExportFailed, ImportRejected

if TYPE_CHECKING:  # the planner (and its solver) loads only when a plan is made
    from parley.planning.plan import Plan
    from parley.services.planning import PlanDraft

__all__ = ["plan", "show_plan"]


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, soft_wrap=True)


def _table(plan: Plan) -> RichTable:
    """The plan file's summary as a table: per track and tranche with anyone in it, a row
    per side with its released, forced and requested (and points, where a track uses a
    tariff: elsewhere points are the count)."""
    from parley.planning.plan_file import plan_to_json

    tariff = any(t.formula.kind is FormulaKind.TARIFF for t in plan.agreement.tracks)
    figures = ["released", "points", "forced", "requested"]
    if not tariff:
        figures.remove("points")
    table = RichTable("track", "tranche", "date", "side")
    for figure in figures:
        table.add_column(figure, justify="right")
    document = plan_to_json(plan)
    dates = {t["tranche"]: t["date"] or "-" for t in document["tranches"]}
    rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for cell in document["summary"]:
        rows.setdefault((cell["track"], cell["tranche"]), []).append(cell)
    order = {track.name: i for i, track in enumerate(plan.agreement.tracks)}
    for (track, k), sides in sorted(rows.items(), key=lambda r: (r[0][1], order[r[0][0]])):
        if not any(side["released"] for side in sides):
            continue
        for i, side in enumerate(sides):
            where = (track, str(k), dates[k]) if i == 0 else ("", "", "")
            values = (f"{side[f]:,}" for f in figures)
            table.add_row(*where, side["party"], *values, end_section=i == len(sides) - 1)
    return table


def show_plan(console: Console, draft: PlanDraft) -> None:
    """Print the plan's summary, or why no plan exists and what would let one exist."""
    plan = draft.plan
    agreement = plan.agreement
    pool = ", ".join(
        f"{counted(draft.candidates.get(p, 0), 'candidates')} of {p} "
        f"({draft.requested.get(p, 0):,} asked for)"
        for p in agreement.parties
    )
    _say(console, f"planning {agreement.name or '(unnamed agreement)'}: {pool}")
    if not plan.feasible:
        _show_conflict(console, plan)
        return
    console.print(_table(plan))
    totals = ", ".join(f"{p} {plan.count(p):,}" for p in agreement.parties)
    reserves = ", ".join(
        f"{p} {sum(r.party == p for r in plan.reserves):,}" for p in agreement.parties
    )
    _say(console, f"released: {totals}; reserves: {reserves}")
    stages = "; ".join(f"{s.name} {s.value:,}" for s in plan.stages)
    _say(console, f"stages: {stages}")
    _say(console, f"proven optimal ({plan.seconds:.1f} s)")


def _show_conflict(console: Console, plan: Plan) -> None:
    if plan.conflict is not None:
        _say(console, f"no plan exists. {plan.conflict.describe()}")
    else:
        _say(console, "no plan exists (the planner was not asked why)")
    if plan.relaxations:
        _say(console, "each of these changes lets a plan exist (each was planned to check):")
    for r in plan.relaxations:
        _say(console, f"  {r.key}: {r.before} -> {r.after}: {r.text}")


def _from_database(agreement: Agreement) -> PlanDraft:
    from parley.services.planning import plan_from_database

    options = settings()
    uow = bootstrap.unit_of_work(bootstrap.connect(options))
    return plan_from_database(uow, agreement, actor=options.actor, now=datetime.now(UTC))


def _from_files(agreement: Agreement, holdings: list[Path], matches: list[Path]) -> PlanDraft:
    from parley.services.plan_files import plan_from_files

    tables = [bootstrap.open_table(path) for path in [*holdings, *matches]]
    try:
        return plan_from_files(
            agreement,
            tables[: len(holdings)],
            tables[len(holdings) :],
            today=datetime.now(UTC).date(),
        )
    except ImportRejected as e:
        show_import_problems(e, "nothing was planned")
        raise typer.Exit(1) from e
    finally:
        for table in tables:
            table.close()


def _write(plan: Plan, path: Path) -> None:
    from parley.planning.plan_file import write_plan

    try:
        with path.open("w", encoding="utf-8", newline="\n") as stream:
            write_plan(plan, stream)
    except OSError as e:
        raise ExportFailed(f"cannot write {path}: {e.strerror}") from e


def plan(
    agreement_file: Annotated[Path, typer.Argument(help="The agreement file (YAML).")],
    holdings_a: Annotated[
        Path | None,
        typer.Option("--holdings-a", help="File mode: holdings of the agreement's first party."),
    ] = None,
    holdings_b: Annotated[
        Path | None,
        typer.Option("--holdings-b", help="File mode: holdings of the agreement's second party."),
    ] = None,
    matches: Annotated[
        list[Path] | None,
        typer.Option(
            "--matches",
            metavar="<path>",
            help="File mode: a matches file of parley reconcile (once per side).",
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the plan file (JSON) here.")
    ] = None,
) -> None:
    """Plan who each side releases, and in which tranche, under an agreement.

    On the database, the stored holdings and the confirmed matches of each
    side's requests are planned on, and the plan is stored as a draft. On
    files (--holdings-a H.csv --holdings-b H.csv [--matches M.csv ...]),
    nothing is stored. Exits 1 when no plan satisfies every clause, saying
    which clauses collide and what would let a plan exist.
    """
    checked = bootstrap.load_agreement(agreement_file)
    for warning in checked.warnings:
        err.print(warning, markup=False, soft_wrap=True)
    holdings = [p for p in (holdings_a, holdings_b) if p is not None]
    if holdings or matches:
        if len(holdings) != 2:
            raise typer.BadParameter(
                "give both --holdings-a and --holdings-b (file mode), or neither (database)",
                param_hint="--holdings-a/--holdings-b",
            )
        draft = _from_files(checked.agreement, holdings, matches or [])
    else:
        draft = _from_database(checked.agreement)
    show_plan(out, draft)
    _report(draft, agreement_file, out_file)


def _report(draft: PlanDraft, agreement_file: Path, out_file: Path | None) -> None:
    if out_file is not None:
        _write(draft.plan, out_file)
    stored = f"draft plan {draft.plan_id} stored" if draft.plan_id is not None else ""
    written = f"plan file written to {out_file}" if out_file is not None else ""
    if stored or written:
        _say(out, "; ".join(part for part in (stored, written) if part))
    if not draft.plan.feasible:
        err.print(
            f"error: {agreement_file.name} cannot be planned: no plan satisfies every clause "
            "(the conflict and the changes that would let a plan exist are above)",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
