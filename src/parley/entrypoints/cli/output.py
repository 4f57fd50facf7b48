"""How the command line talks: one console, errors as sentences, lazy progress bars."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from parley.errors import FileRejected, ImportRejected, ParleyError

__all__ = ["LazyProgress", "counted", "err", "out", "show_error", "show_import_problems"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def counted(n: int, noun: str) -> str:
    """``1 holding``, ``2 holdings``, ``1 entry``: ``noun`` is the plural."""
    if n == 1:
        noun = noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")
    return f"{n:,} {noun}"


def show_import_problems(error: ImportRejected, verdict: str) -> None:
    """Print each problem of a rejected file on a line, then ``FILE: verdict (N problems)``."""
    lines = error.lines()
    for line in lines:
        err.print(f"[red]error:[/red] {line}", markup=True, soft_wrap=True)
    hidden = error.total - len(lines)
    if hidden > 0:
        more = counted(hidden, "more problems")
        err.print(f"[red]error:[/red] ... and {more} (fix these first)", soft_wrap=True)
    err.print(f"{error.source}: {verdict} ({counted(error.total, 'problems')})", soft_wrap=True)


def show_error(error: ParleyError) -> None:
    """Print ``error`` for a person: one sentence, or one line per file problem."""
    if isinstance(error, ImportRejected):
        show_import_problems(error, "nothing was imported")
        return
    if isinstance(error, FileRejected):
        for line in error.problems:
            err.print(f"error: {line}", markup=False, soft_wrap=True)
        problems = counted(len(error.problems), "problems")
        err.print(f"{error.source}: not loaded ({problems})", markup=False, soft_wrap=True)
        return
    err.print(f"[red]error:[/red] {error}", soft_wrap=True)


class LazyProgress:
    """A progress bar that appears only once the work has taken more than ``delay`` seconds."""

    def __init__(self, description: str, *, delay: float = 1.0, unit: str = "bytes") -> None:
        self._description = description
        self._unit = unit
        self._delay = delay
        self._start = time.monotonic()
        self._progress: Progress | None = None
        self._task = TaskID(0)

    def __enter__(self) -> LazyProgress:
        return self

    def update(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` (bytes or rows, as ``unit`` said)."""
        if self._progress is None:
            if time.monotonic() - self._start < self._delay or not err.is_terminal:
                return
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn() if self._unit == "bytes" else MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
