"""``parley reconcile`` (on the database or on two files) and ``parley review``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from parley import bootstrap
from parley.domain.holdings import Holding
from parley.domain.requests import Request
from parley.domain.reviews import RejectionReason, Reviewer, Verdict
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import LazyProgress, counted, err, out, show_error
from parley.errors import (
    ExportFailed,
    ImportRejected,
    InvalidValue,
    NotPermitted,
    TransitionNotAllowed,
)
from parley.matching.results import MatchConfig, Record
from parley.services.match_files import MATCH_COLUMNS, match_files, read_match_file
from parley.services.ports import ReviewUnitOfWork
from parley.services.reconciling import reconcile_parties
from parley.services.reviewing import QueueEntry, decide, review_queue
from parley.services.schema import format_cell

__all__ = ["outcome_line", "reconcile", "review"]


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


class Role(StrEnum):
    """Who may act in review without a party (``--as``)."""

    MEDIATOR = "mediator"


def review(
    party: Annotated[
        str | None,
        typer.Option("--party", "-p", help="Act for this party: decide on its holdings."),
    ] = None,
    role: Annotated[
        Role | None,
        typer.Option("--as", help="Act as the mediator: escalate, and decide escalated ones."),
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the queue and stop, asking nothing.")
    ] = False,
) -> None:
    """Walk the review queue: confirm, reject, escalate or skip each proposal.

    Answers are read from standard input, one a line, so a script can
    answer too: c (confirm), r (reject, then the reason: not_held,
    held_different_person or deceased), e (escalate), s (skip), q (quit);
    after c, r or e, an optional note saying why.
    """
    if (party is None) == (role is None):
        raise typer.BadParameter(
            "say who is acting: --party CODE (the holding party) or --as mediator",
            param_hint="--party / --as",
        )
    reviewer = Reviewer(settings().actor, party.upper() if party else None)
    engine = bootstrap.connect(settings())
    entries = review_queue(bootstrap.unit_of_work(engine, read_only=True), reviewer=reviewer)
    whose = f"on the holdings of {reviewer.party}" if reviewer.party else "for the mediator"
    if not entries:
        out.print(f"nothing to review {whose}")
        return
    if list_only:
        _list(entries)
        return
    out.print(f"{counted(len(entries), 'proposals')} to review {whose}")
    _walk(entries, reviewer, lambda: bootstrap.unit_of_work(engine))


def _walk(
    entries: list[QueueEntry], reviewer: Reviewer, unit: Callable[[], ReviewUnitOfWork]
) -> None:
    """Show each proposal and ask what to do, until the queue or the answers run out."""
    decided = skipped = 0
    for entry in entries:
        _show(entry)
        done = _decide_one(entry, reviewer, unit)
        if done is None:
            break
        decided += done
        skipped += not done
    left = len(entries) - decided - skipped
    out.print(f"{decided:,} decided, {skipped:,} skipped, {left:,} not reached")


_FIELDS = (
    "family_name", "given_name", "patronymic", "name_lang", "sex", "birth_date", "birth_place",
    "nationality", "rank", "unit", "service_number", "document_number", "captured_on",
    "capture_place",
)  # fmt: skip
_VERDICTS = {
    "c": Verdict.CONFIRM, "confirm": Verdict.CONFIRM, "r": Verdict.REJECT,
    "reject": Verdict.REJECT, "e": Verdict.ESCALATE, "escalate": Verdict.ESCALATE,
}  # fmt: skip
_REASONS = {
    **{str(n): r for n, r in enumerate(RejectionReason, start=1)},
    **{r.value: r for r in RejectionReason},
}
_SKIP = "skip"


def _cells(record: Holding | Request | None) -> dict[str, str]:
    if record is None:
        return {}
    values = {f.name: getattr(record.identity, f.name) for f in fields(record.identity)}
    values.update(captured_on=record.captured_on, capture_place=record.capture_place)
    return {k: format_cell(v) for k, v in values.items()}


def _show(entry: QueueEntry) -> None:
    """Both records side by side, then what reconciliation said and why."""
    p = entry.proposal
    table = RichTable(
        f"proposal {p.id}",
        f"request {p.requester}/{p.request_id}",
        f"holding {p.holder}/{p.holding_id}",
    )
    asked, held = _cells(entry.request), _cells(entry.holding)
    for name in _FIELDS:
        if asked.get(name) or held.get(name):
            table.add_row(name, Text(asked.get(name, "")), Text(held.get(name, "")))
    table.add_row("source", ", ".join(entry.sources), "")
    out.print(table)
    said = f"{p.outcome.value} ({p.probability:.4f}), {p.state.value}: {p.explanation}"
    out.print(said, markup=False)
    for a in p.alternatives:
        also = f"  also close: {p.holder}/{a.holding_id} ({a.probability:.4f}): {a.explanation}"
        out.print(also, markup=False)


def _list(entries: list[QueueEntry]) -> None:
    table = RichTable("id", "request", "holding", "outcome", "probability", "state", "why")
    for e in entries:
        p = e.proposal
        table.add_row(
            str(p.id),
            f"{p.requester}/{p.request_id}",
            f"{p.holder}/{p.holding_id}",
            p.outcome.value,
            f"{p.probability:.4f}",
            p.state.value,
            Text(p.explanation),
        )
    out.print(table)


def _ask(prompt: str) -> str | None:
    """One answer from standard input; None at its end."""
    out.print(prompt, end="", markup=False)
    out.file.flush()
    line = sys.stdin.readline()
    if not sys.stdin.isatty():  # answers from a script: echo them, so the transcript reads
        out.print(line.strip(), markup=False, highlight=False)
    return line.strip() if line else None


def _ask_verdict() -> Verdict | str | None:
    while True:
        answer = _ask("[c]onfirm, [r]eject, [e]scalate, [s]kip or [q]uit? ")
        if answer is None or answer.lower() in ("q", "quit"):
            return None
        if answer.lower() in ("s", _SKIP):
            return _SKIP
        if answer.lower() in _VERDICTS:
            return _VERDICTS[answer.lower()]
        err.print(f"answer c, r, e, s or q, not {answer!r}")


def _ask_reason() -> RejectionReason | None:
    choices = ", ".join(f"[{n}] {r.value}" for n, r in enumerate(RejectionReason, start=1))
    while True:
        answer = _ask(f"reason: {choices}? ")
        if answer is None:
            return None
        if answer.lower() in _REASONS:
            return _REASONS[answer.lower()]
        err.print(f"answer 1, 2 or 3, or a reason's name, not {answer!r}")


def _decide_one(
    entry: QueueEntry, reviewer: Reviewer, unit: Callable[[], ReviewUnitOfWork]
) -> bool | None:
    """Ask until one proposal is decided (True) or skipped (False); None to stop."""
    proposal_id = entry.proposal.id
    assert proposal_id is not None  # a queued proposal is stored
    while True:
        verdict = _ask_verdict()
        if not isinstance(verdict, Verdict):
            return None if verdict is None else False
        reason = _ask_reason() if verdict is Verdict.REJECT else None
        if verdict is Verdict.REJECT and reason is None:
            return None
        note = _ask("why (optional, Enter for none)? ") or ""
        try:
            decision = decide(
                unit(),
                proposal_id=proposal_id,
                verdict=verdict,
                reviewer=reviewer,
                now=datetime.now(UTC),
                reason=reason,
                note=note,
            )
        except (NotPermitted, TransitionNotAllowed, InvalidValue) as e:
            show_error(e)
            continue
        out.print(f"proposal {proposal_id}: {decision.to_state.value}")
        return True
