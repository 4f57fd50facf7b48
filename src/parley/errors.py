"""The one error tree of parley.

Every error parley raises on purpose is a ``ParleyError``; the CLI prints its message
and exits non-zero, and the API (a later layer) maps each branch to one HTTP status.
Messages name the record id and the field, never a person's name. The one exception is
an import problem, which may quote the offending cell (a date that is no date) back to
the person who uploaded that file, as STYLE.md asks; such messages are never logged.

::

    ParleyError
    ├── InvalidValue            a value breaks a domain rule (a date that is no date)
    ├── TransitionNotAllowed    a state machine refused a move (handed_over -> detained)
    ├── NotFound                a party, record or object that does not exist
    ├── NotAuthenticated        no valid credentials: a token unknown, expired or revoked
    ├── NotPermitted            the one acting may not do this (a party on the other's data)
    │   └── PurposeRefused      a read or export for a purpose the record is not held for
    ├── Conflict                a request collides with another (an idempotency key reused)
    ├── ImportRejected          an import file had problems; nothing was written
    ├── FileRejected            a file a person wrote had problems; nothing of it was taken
    │   ├── AgreementRejected   an agreement file had problems; nothing of it was loaded
    │   └── RoundsRejected      a rounds file had problems; nothing of it was stored
    ├── ExportFailed            an export could not be written
    ├── VerificationFailed      a proof, signature, checkpoint or log did not verify
    ├── DatabaseBusy            another command holds the database; try again
    └── ConfigurationError      a setting is missing, malformed or unsafe
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AgreementRejected",
    "ConfigurationError",
    "Conflict",
    "DatabaseBusy",
    "ExportFailed",
    "FileRejected",
    "ImportProblem",
    "ImportRejected",
    "InvalidValue",
    "NotAuthenticated",
    "NotFound",
    "NotPermitted",
    "ParleyError",
    "PurposeRefused",
    "RoundsRejected",
    "TransitionNotAllowed",
    "VerificationFailed",
]


class ParleyError(Exception):
    """Root of every error parley raises on purpose."""


class InvalidValue(ParleyError, ValueError):
    """A value breaks a domain rule.

    Args:
        field: the name of the field concerned, e.g. ``birth_date``.
        message: what is wrong and what was expected.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransitionNotAllowed(ParleyError):
    """A state machine refused a move that its table of transitions does not allow."""


class NotFound(ParleyError, LookupError):
    """Something named by the user does not exist."""


class NotAuthenticated(ParleyError):
    """No valid credentials: a token or session unknown, expired or revoked, or a wrong
    password. The message never says which, so it cannot be used to probe accounts."""


class NotPermitted(ParleyError, PermissionError):
    """The one acting may not do this (a party deciding on the other party's holdings)."""


class PurposeRefused(NotPermitted):
    """A read or export declared a purpose a record is not held for (DOMAIN.md §4,
    purpose limitation). The message names the record id and both purposes, nothing
    else of the person."""

    def __init__(self, kind: str, party: str, record_id: str, held_for: str, asked: str) -> None:
        noun = "holding" if kind == "holdings" else "request"
        super().__init__(
            f"{noun} {record_id} of {party} is held for {held_for}, not {asked}: "
            "a read or export for another purpose is refused"
        )
        self.record_id = record_id
        self.held_for = held_for
        self.asked = asked


class ConfigurationError(ParleyError):
    """A setting is missing, malformed or unsafe."""


class Conflict(ParleyError):
    """The request collides with another: an idempotency key reused for another request,
    or one whose first request is still being processed."""


class DatabaseBusy(ParleyError):
    """Another command held the database's write lock for longer than parley waits."""


class VerificationFailed(ParleyError):
    """A proof, signature, checkpoint, receipt or log did not verify.

    The message says what failed and where (a sequence number, a proof step, a key
    name), never whose record it was.
    """


class ExportFailed(ParleyError):
    """An export could not be produced."""


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One problem in an import file, located as a person would look for it.

    ``row`` is the row number as a spreadsheet shows it (the header is row 1); ``None``
    for problems of the whole file. ``column`` is ``None`` for problems of a whole row.
    """

    row: int | None
    column: str | None
    message: str

    def describe(self, source: str) -> str:
        """Return ``FILE row N, column C: message`` with the parts that apply."""
        where = source
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        return f"{where}: {self.message}"


class ImportRejected(ParleyError):
    """An import file had problems; nothing was written.

    Args:
        source: the file name shown to the user.
        problems: the problems found (possibly the first of many, see ``total``).
        total: how many problems were found in all.
    """

    def __init__(self, source: str, problems: Sequence[ImportProblem], total: int | None = None):
        self.source = source
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        first = self.problems[0].describe(source) if self.problems else source
        more = self.total - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix)

    def lines(self) -> list[str]:
        """Every recorded problem as one line, for a person to act on."""
        return [p.describe(self.source) for p in self.problems]


class FileRejected(ParleyError):
    """A file a person wrote (an agreement, the rounds) had problems; nothing of it was
    taken.

    Args:
        source: the file name shown to the user.
        lines: every problem, one line each, ``FILE line N, key K: what (expected)``.
    """

    def __init__(self, source: str, lines: list[str]) -> None:
        self.source = source
        self.problems = lines
        more = len(lines) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__((lines[0] if lines else source) + suffix)


class AgreementRejected(FileRejected):
    """An agreement file had problems; nothing of it was loaded."""


class RoundsRejected(FileRejected):
    """A rounds file had problems; nothing of it was stored."""
