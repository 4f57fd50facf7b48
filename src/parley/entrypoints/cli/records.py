"""``parley import``, ``parley export`` and ``parley history``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from parley import bootstrap
from parley.domain.purposes import Purpose
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import LazyProgress, counted, err, out
from parley.errors import ExportFailed
from parley.services.exporting import export_columns, export_records
from parley.services.history import record_history
from parley.services.importing import ImportSummary, import_records

__all__ = ["export_app", "history", "import_app", "run_import"]

import_app = typer.Typer(help="Load a party's holdings or requests from a file (all rows or none).")
export_app = typer.Typer(help="Write a party's holdings or requests to a file.")


class Kind(StrEnum):
    HOLDINGS = "holdings"
    REQUESTS = "requests"


class InFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


PartyOpt = Annotated[str, typer.Option("--party", "-p", help="The party's code, e.g. UA.")]
FileArg = Annotated[Path, typer.Argument(help="CSV (also HXL-tagged), XLSX or JSON file.")]
FormatOpt = Annotated[
    InFormat | None, typer.Option("--format", "-f", help="File format; from the file if left out.")
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        help="CSV encoding: utf-8, utf-8-sig, windows-1251 or koi8-u; detected if left out."
    ),
]


PurposeOpt = Annotated[
    Purpose | None,
    typer.Option(
        "--purpose",
        help="What the records are held for (new records get it; a changed one must hold "
        "it already). Left out: the exchange's, repatriation.",
    ),
]
ReadPurposeOpt = Annotated[
    Purpose | None,
    typer.Option(
        "--purpose",
        help="The purpose of this export; refused if a record is held for another.",
    ),
]


def run_import(
    kind: str,
    file: Path,
    party: str,
    fmt: str | None,
    encoding: str | None,
    purpose: Purpose | None = None,
) -> ImportSummary:
    """Import ``file`` through the one import path every caller uses."""
    config = settings()
    engine = bootstrap.connect(config)
    table = bootstrap.open_table(file, format=fmt, encoding=encoding)
    try:
        with LazyProgress(f"importing {file.name}") as progress:
            return import_records(
                bootstrap.unit_of_work(engine),
                kind=kind,
                party=party.upper(),
                table=table,
                actor=config.actor,
                now=datetime.now(UTC),
                on_progress=progress.update,
                purpose=purpose,
            )
    finally:
        table.close()


def _report(summary: ImportSummary) -> None:
    out.print(
        f"{summary.source}: {counted(summary.rows, summary.kind)} of {summary.party} imported "
        f"({summary.created:,} new, {summary.updated:,} updated, {summary.unchanged:,} unchanged)"
    )


@import_app.command("holdings")
def import_holdings(
    file: FileArg,
    party: PartyOpt,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = None,
    purpose: PurposeOpt = None,
) -> None:
    """Import the people PARTY holds. Re-importing a record_id updates it, keeping history."""
    _report(run_import("holdings", file, party, fmt, encoding, purpose))


@import_app.command("requests")
def import_requests(
    file: FileArg,
    party: PartyOpt,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = None,
    purpose: PurposeOpt = None,
) -> None:
    """Import the people PARTY asks back. Re-importing a record_id updates it, keeping history."""
    _report(run_import("requests", file, party, fmt, encoding, purpose))


def _export(
    kind: str, party: str, fmt: InFormat, out_file: Path | None, purpose: Purpose | None
) -> None:
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    columns = export_columns(kind)
    with uow, LazyProgress(f"exporting {kind}", unit="rows") as progress:
        rows = export_records(
            uow, kind=kind, party=party.upper(), on_progress=progress.update, purpose=purpose
        )
        if out_file is None:
            if fmt is InFormat.XLSX and sys.stdout.isatty():
                raise ExportFailed("XLSX is binary: give --out FILE, or redirect standard output")
            n = bootstrap.write_table(rows, columns, sys.stdout.buffer, format=fmt.value)
            sys.stdout.buffer.flush()
        else:
            try:
                with out_file.open("wb") as stream:
                    n = bootstrap.write_table(rows, columns, stream, format=fmt.value)
            except OSError as e:
                raise ExportFailed(f"cannot write {out_file}: {e.strerror}") from e
    where = f" to {out_file}" if out_file else ""
    err.print(f"{counted(n, kind)} of {party.upper()} exported{where}")


OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
]
OutFormatOpt = Annotated[InFormat, typer.Option("--format", "-f", help="csv, xlsx or json.")]


@export_app.command("holdings")
def export_holdings(
    party: PartyOpt,
    fmt: OutFormatOpt = InFormat.CSV,
    out_file: OutOpt = None,
    purpose: ReadPurposeOpt = None,
) -> None:
    """Export the people PARTY holds, in the import columns (re-imports unchanged)."""
    _export("holdings", party, fmt, out_file, purpose)


@export_app.command("requests")
def export_requests(
    party: PartyOpt,
    fmt: OutFormatOpt = InFormat.CSV,
    out_file: OutOpt = None,
    purpose: ReadPurposeOpt = None,
) -> None:
    """Export the people PARTY asks back, in the import columns (re-imports unchanged)."""
    _export("requests", party, fmt, out_file, purpose)


def history(
    kind: Annotated[Kind, typer.Argument(help="holdings or requests")],
    record_id: Annotated[str, typer.Argument(help="The record's id in the party's files.")],
    party: PartyOpt,
) -> None:
    """Show every version of one record, oldest first, with what changed."""
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    versions = record_history(uow, kind=kind.value, party=party.upper(), record_id=record_id)
    table = RichTable("version", "from", "changed fields")
    previous: dict[str, object] = {}
    for v in versions:
        changed = [k for k, value in v.content.items() if previous and previous.get(k) != value]
        table.add_row(
            str(v.version), v.valid_from.isoformat(timespec="seconds"), ", ".join(changed) or "-"
        )
        previous = v.content
    out.print(table)
