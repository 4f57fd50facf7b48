"""``parley reconcile``: on the database, or on two files with no database."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import LazyProgress, counted, err, out
from parley.errors import (
    ExportFailed,
    ImportRejected,
    InvalidValue,
)
from parley.matching.results import MatchConfig, Record
from parley.services.match_files import MATCH_COLUMNS, match_files, read_match_file
from parley.services.reconciling import reconcile_parties

__all__ = ["outcome_line", "reconcile"]


def outcome_line(counts: dict[str, int]) -> str:
    """``1,520 match, 80 review, 400 no_match``: requests per outcome."""
    return ", ".join(f"{counts.get(o, 0):,} {o}" for o in ("match", "review", "no_match"))


class _Stages:
    """A progress bar per stage of the engine, shown once the run passes a second."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._stage = ""
        self._bar: LazyProgress | None = None

    def __enter__(self) -> _Stages:
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        """Report ``done`` of ``total`` in ``stage`` (the engine's ``on_progress``)."""
        if stage != self._stage or self._bar is None:
            self._close()
            delay = max(0.0, 1.0 - (time.monotonic() - self._start))
            self._bar = LazyProgress(stage, delay=delay, unit="rows")
            self._stage = stage
        self._bar.update(done, total)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()


def _config(match: float | None, review: float | None) -> MatchConfig | None:
    if match is None and review is None:
        return None
    default = MatchConfig()
    try:
        return MatchConfig(
            match_threshold=default.match_threshold if match is None else match,
            review_threshold=default.review_threshold if review is None else review,
        )
    except ValueError as e:
        raise InvalidValue("thresholds", str(e)) from e


def _reconcile_database(requester: str, holder: str, config: MatchConfig | None) -> None:
    options = settings()
    uow = bootstrap.unit_of_work(bootstrap.connect(options))
    with _Stages() as stages:
        summary = reconcile_parties(
            uow,
            requester=requester.upper(),
            holder=holder.upper(),
            actor=options.actor,
            now=datetime.now(UTC),
            config=config,
            on_progress=stages.update,
        )
    c = summary.counts
    out.print(
        f"run {summary.run_id}: {counted(c.requests, 'requests')} of {summary.requester} "
        f"against {counted(c.holdings, 'holdings')} of {summary.holder}"
    )
    out.print(f"outcomes: {outcome_line(summary.outcomes)}")
    out.print(
        f"review queue: {counted(c.proposed, 'new proposals')}; kept "
        f"{c.kept_confirmed:,} confirmed and {c.kept_escalated:,} escalated; superseded "
        f"{c.superseded:,} undecided; merged {counted(c.merged, 'duplicate requests')}"
    )


def _read(kind: str, path: Path) -> list[Record]:
    table = bootstrap.open_table(path)
    try:
        return read_match_file(kind, table, datetime.now(UTC).date())
    finally:
        table.close()


def _refuse(error: ImportRejected) -> None:
    for line in error.lines():
        err.print(f"[red]error:[/red] {line}", soft_wrap=True)
    hidden = error.total - len(error.problems)
    if hidden > 0:
        err.print(f"[red]error:[/red] ... and {counted(hidden, 'more problems')}", soft_wrap=True)
    err.print(f"{error.source}: nothing was matched ({counted(error.total, 'problems')})")
    raise typer.Exit(1)


def _reconcile_files(
    requests_file: Path, holdings_file: Path, out_file: Path | None, config: MatchConfig | None
) -> None:
    try:
        requests = _read("requests", requests_file)
        holdings = _read("holdings", holdings_file)
    except ImportRejected as e:
        _refuse(e)
        return
    with _Stages() as stages:
        found = match_files(requests, holdings, config=config, on_progress=stages.update)
    columns = list(MATCH_COLUMNS)
    if out_file is None:
        bootstrap.write_table(found.rows, columns, sys.stdout.buffer, format="csv")
        sys.stdout.buffer.flush()
    else:
        try:
            with out_file.open("wb") as stream:
                bootstrap.write_table(found.rows, columns, stream, format="csv")
        except OSError as e:
            raise ExportFailed(f"cannot write {out_file}: {e.strerror}") from e
    where = f"; written to {out_file}" if out_file else ""
    err.print(
        f"{counted(len(requests), 'requests')} against {counted(len(holdings), 'holdings')}: "
        f"{outcome_line(found.counts)}{where}"
    )


_DEFAULT = MatchConfig()


def reconcile(
    requester: Annotated[
        str | None,
        typer.Option(help="Database mode: the party whose requests are matched, e.g. UA."),
    ] = None,
    holder: Annotated[
        str | None,
        typer.Option(help="Database mode: the party whose holdings are searched, e.g. RU."),
    ] = None,
    requests_file: Annotated[
        Path | None,
        typer.Option("--requests", help="File mode: a requests file (CSV, XLSX or JSON)."),
    ] = None,
    holdings_file: Annotated[
        Path | None,
        typer.Option("--holdings", help="File mode: a holdings file (CSV, XLSX or JSON)."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File mode: write matches.csv here, not to stdout."),
    ] = None,
    match_threshold: Annotated[
        float | None,
        typer.Option(
            help=f"Probability from which a pair is a match ({_DEFAULT.match_threshold})."
        ),
    ] = None,
    review_threshold: Annotated[
        float | None,
        typer.Option(
            help=f"Probability from which a pair goes to review ({_DEFAULT.review_threshold})."
        ),
    ] = None,
) -> None:
    """Match one party's requests against the other party's holdings.

    On the database (--requester UA --holder RU), proposals go to the
    review queue and decisions already made are kept. On two files
    (--requests R.csv --holdings H.csv [--out matches.csv]), nothing is
    stored: one CSV row per request comes out.
    """
    config = _config(match_threshold, review_threshold)
    database = requester is not None or holder is not None
    files = requests_file is not None or holdings_file is not None or out_file is not None
    if database and not files and requester is not None and holder is not None:
        _reconcile_database(requester, holder, config)
    elif files and not database and requests_file is not None and holdings_file is not None:
        _reconcile_files(requests_file, holdings_file, out_file, config)
    else:
        raise typer.BadParameter(
            "give --requester and --holder (on the database), or --requests and --holdings "
            "(on files, with --out optional), not a mix",
            param_hint="--requester/--holder or --requests/--holdings",
        )
