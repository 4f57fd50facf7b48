"""``parley rounds``: the rounds of talks, their commitments, and what each waits on.

``parley rounds`` lists them; ``parley rounds load FILE.yaml`` records them from a rounds
file (docs/rounds.md); ``parley rounds refresh`` lets commitments fall due whose
precondition now holds (closing a tranche does this by itself).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from parley import bootstrap
from parley.domain.rounds import Commitment, CommitmentStatus, Round
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import counted, err, out
from parley.errors import RoundsRejected
from parley.services.rounds import (
    CommitmentView,
    load_rounds,
    rounds_status,
    update_commitments,
)

__all__ = ["rounds_app"]

rounds_app = typer.Typer(invoke_without_command=True)


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


@rounds_app.callback()
def rounds(ctx: typer.Context) -> None:
    """Rounds of talks: their agreements and commitments, and what each waits on.
    Without a command: list every round, its commitments and their status."""
    if ctx.invoked_subcommand is not None:
        return
    now = datetime.now(UTC)
    uow = bootstrap.unit_of_work(bootstrap.connect(settings()), read_only=True)
    views = rounds_status(uow, today=now.date())
    if not views:
        _say("no rounds recorded yet: parley rounds load ROUNDS.yaml")
    for view in views:
        _round(view.round)
        if view.commitments:
            out.print(_commitments(view.commitments))
        else:
            _say("  no commitments")


def _round(rnd: Round) -> None:
    when = f", {rnd.starts_on}" if rnd.starts_on else ""
    mediator = f", mediator: {rnd.mediator}" if rnd.mediator else ""
    _say(f"round {rnd.number} ({rnd.status.value}{when}) at {rnd.venue}{mediator}")
    for code, delegation in rnd.delegations:
        _say(f"  {code}: {delegation}")
    if rnd.agreements:
        _say(f"  agreements: {'; '.join(rnd.agreements)}")


def _status(view: CommitmentView) -> str:
    pending = view.commitment.status is CommitmentStatus.PENDING
    since = f" since {view.since:%Y-%m-%d}" if view.since and not pending else ""
    return f"{view.commitment.status.value}{since}"


def _commitments(views: tuple[CommitmentView, ...]) -> RichTable:
    table = RichTable("commitment", "text", "status", "precondition")
    for view in views:
        progress = view.progress
        if view.holds and view.commitment.status is CommitmentStatus.PENDING:
            progress += "; falls due at the next 'parley rounds refresh'"
        table.add_row(
            Text(view.commitment.ref), Text(view.commitment.text), _status(view), Text(progress)
        )
    return table


def _fell_due(commitments: tuple[Commitment, ...] | list[Commitment]) -> None:
    for c in commitments:
        _say(f"commitment {c.ref} of round {c.round_number} is now due")


@rounds_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="The rounds file (YAML), see docs/rounds.md.")],
) -> None:
    """Record the rounds a file lists, each replacing the round of its number; all or none."""
    config = settings()
    now = datetime.now(UTC)
    try:
        listed = bootstrap.load_rounds(path)
        uow = bootstrap.unit_of_work(bootstrap.connect(config))
        loaded = load_rounds(uow, listed, actor=config.actor, now=now)
    except RoundsRejected as e:
        for line in e.problems:
            err.print(f"error: {line}", markup=False, soft_wrap=True)
        problems = counted(len(e.problems), "problems")
        err.print(f"{e.source}: nothing was loaded ({problems})", markup=False, soft_wrap=True)
        raise typer.Exit(1) from e
    rounds = counted(len(loaded.rounds), "rounds")
    commitments = counted(loaded.commitments, "commitments")
    changed = f"{len(loaded.recorded)} new or changed (logged)" if loaded.recorded else "unchanged"
    _say(f"loaded {rounds} and {commitments} from {path.name}: {changed}")
    _fell_due(loaded.fell_due)


@rounds_app.command("refresh")
def refresh() -> None:
    """Let commitments fall due whose precondition now holds (a date reached, say)."""
    config = settings()
    now = datetime.now(UTC)
    uow = bootstrap.unit_of_work(bootstrap.connect(config))
    moved = update_commitments(uow, today=now.date(), actor=config.actor, now=now)
    if not moved:
        _say("no commitment fell due")
    _fell_due(moved)
