"""``parley retention apply`` and ``parley person export``: data protection for the
operator (docs/data-protection.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import err, out
from parley.errors import ExportFailed
from parley.services.people import export_person
from parley.services.retention import apply_retention

__all__ = ["person_app", "retention_app"]

retention_app = typer.Typer(help="Remove what is kept longer than its retention period.")
person_app = typer.Typer(help="Everything parley holds about one person (for the mediator).")


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what is due; remove nothing.")
    ] = False,
) -> None:
    """Remove every record kept longer than its period (PARLEY_RETENTION_<KIND>_DAYS) and
    register it; what an open tranche or an unsealed manifest still needs is kept."""
    config = settings()
    lines = apply_retention(
        bootstrap.unit_of_work(bootstrap.connect(config)),
        periods=config.retention,
        now=datetime.now(UTC),
        actor=config.actor,
        dry_run=dry_run,
    )
    verb = "due" if dry_run else "removed"
    table = RichTable(title="retention (dry run: nothing removed)" if dry_run else "retention")
    for column in ("kind", "days", verb, "kept", "why"):
        table.add_column(column, justify="right" if column in ("days", verb, "kept") else "left")
    for line in lines:
        table.add_row(line.kind.value, str(line.days), f"{line.due:,}", f"{line.kept:,}", line.note)
    out.print(table)
    total = sum(line.due for line in lines)
    if dry_run:
        out.print(f"{total:,} rows are due; run without --dry-run to remove them")
    else:
        out.print(f"{total:,} rows removed and registered in the retention register")


@person_app.command("export")
def person_export(
    record_id: Annotated[str, typer.Argument(help="The record id in the party's own files.")],
    side: Annotated[str, typer.Option("--side", "-s", help="The party whose record it is.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Everything held about one person as JSON: every version of the holding and
    request, matches and reviews, plans, manifests, crossings, the neutral verifier's
    findings, the receipt salt and the access log's entries about the record."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    found = export_person(uow, party=side.upper(), record_id=record_id)
    text = json.dumps(found, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if out_file is None:
        out.out(text, end="", highlight=False)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
        out_file.chmod(0o600)  # a person's whole file: readable by its owner only
    except OSError as e:
        raise ExportFailed(f"cannot write {out_file}: {e.strerror}") from e
    err.print(f"everything held about {side.upper()}/{record_id} written to {out_file}")
