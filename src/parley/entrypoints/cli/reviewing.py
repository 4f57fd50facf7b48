"""``parley review``: walk the review queue in the terminal, or list it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from parley import bootstrap
from parley.domain.holdings import Holding
from parley.domain.requests import Request
from parley.domain.reviews import RejectionReason, Reviewer, Verdict
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, err, out, show_error
from parley.errors import (
    InvalidValue,
    NotPermitted,
    TransitionNotAllowed,
)
from parley.services.ports import ReviewUnitOfWork
from parley.services.reviewing import QueueEntry, decide, review_queue
from parley.services.schema import format_cell

__all__ = ["review"]


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
