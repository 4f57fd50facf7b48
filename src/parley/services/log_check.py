"""The operator's own check of the public log as the database stores it.

``parley verify --database`` reads the log's tables the way an observer reads an
export, and more: an observer sees only what the operator exports, while the tables
also hold the tree's stored nodes and the log head, which must agree with the entries.
Changing an entry in place, deleting, reordering or inserting a row, or changing a
stored node is named by the first bad sequence number or node. What this cannot see is
a rewrite that recomputed every node after it: only a signed checkpoint (and the
parties' witnesses, who remember what they co-signed) catches that.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger import merkle
from parley.ledger.canonical import canonical
from parley.ledger.keys import VerifierKey
from parley.ledger.notes import Checkpoint, parse_note
from parley.ledger.verify import FORMAT, VERSION, CheckpointSeen, verify_log
from parley.services.ports import LogUnitOfWork, PublicLog, StoredCheckpoint

__all__ = ["DatabaseReport", "verify_database"]

_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    """What the log in the database holds, once checked (``verify_database``).

    ``origin`` and ``log_key`` come from the checkpoints; both are None when no
    checkpoint was signed yet, and then nothing vouches for the entries but themselves.
    """

    entries: int
    nodes: int
    root: bytes
    origin: str | None
    log_key: VerifierKey | None
    checkpoints: tuple[CheckpointSeen, ...]
    types: Mapping[str, int]

    @property
    def signed_size(self) -> int:
        """How many entries the latest checkpoint covers (0 without one)."""
        return self.checkpoints[-1].checkpoint.size if self.checkpoints else 0

    @property
    def unsigned(self) -> int:
        """How many entries come after the latest checkpoint."""
        return self.entries - self.signed_size


class _BadNode(Exception):
    """A stored node that the entries do not make; the message names it."""


class _Stream:
    """The database's log as the lines of an export, remembering where each came from.

    ``verify_log`` names lines; the database has none, so ``rename`` turns each line
    number in a message into the row it was read from.
    """

    def __init__(self, log: PublicLog, checkpoints: list[StoredCheckpoint]) -> None:
        self.log = log
        self.checkpoints = checkpoints
        self.current = (0, b"")  # the stored seq and bytes of the entry read last
        self._line = 0
        self._entry_line = 0
        self._checkpoint_lines: dict[int, int] = {}

    def lines(self, header: bytes) -> Iterator[bytes]:
        yield self._next(header)
        pending = list(enumerate(self.checkpoints, start=1))
        count, after = 0, 0
        while page := self.log.numbered_entries(after=after, limit=_PAGE):
            for seq, entry in page:
                while pending and pending[0][1].size <= count:
                    yield self._checkpoint(*pending.pop(0))
                self.current, self._entry_line = (seq, entry), self._line + 1
                yield self._next(entry)
                count, after = count + 1, seq
        for number, stored in pending:
            yield self._checkpoint(number, stored)

    def _next(self, data: bytes) -> bytes:
        self._line += 1
        return data + b"\n"

    def _checkpoint(self, number: int, stored: StoredCheckpoint) -> bytes:
        self._checkpoint_lines[self._line + 1] = number
        return self._next(canonical({"checkpoint": stored.note}))

    def rename(self, message: str) -> str:
        def place(found: re.Match[str]) -> str:
            line = int(found.group(2))
            if line in self._checkpoint_lines:
                where = f"stored checkpoint {self._checkpoint_lines[line]}"
            elif line == self._entry_line:
                where = f"the entry stored at seq {self.current[0]}"
            else:
                where = found.group(0)
            return f"({where})" if found.group(1) else where

        return re.sub(r"\b(on )?line (\d+)\b", place, message)


class _Level:
    """The stored nodes of one level, read in pages, lowest index first."""

    def __init__(self, log: PublicLog, level: int) -> None:
        self.log, self.level = log, level
        self.page: list[tuple[int, bytes]] = []
        self.at, self.after = 0, -1

    def next(self) -> tuple[int, bytes] | None:
        if self.at == len(self.page):
            self.page, self.at = self.log.nodes(self.level, after=self.after, limit=_PAGE), 0
            if not self.page:
                return None
        found = self.page[self.at]
        self.at, self.after = self.at + 1, found[0]
        return found


class _NodeCheck:
    """Recompute every complete subtree as the entries go by; compare it with log_nodes."""

    def __init__(self, stream: _Stream) -> None:
        self.stream = stream
        self.levels: list[_Level] = []
        self.left: list[bytes] = []  # per level, the last node with an even index
        self.size = 0
        self.compared = 0

    def entry(self, value: dict[str, Any]) -> None:
        """``verify_log``'s hook: entry ``value`` is well formed and in sequence."""
        seq, data = self.stream.current
        if seq != value["seq"]:
            raise VerificationFailed(f"is stored with sequence number {seq}")
        level, index, hash_ = 0, self.size, merkle.leaf_hash(data)
        while True:
            self._compare(level, index, hash_)
            if not index & 1:
                if level == len(self.left):
                    self.left.append(hash_)
                self.left[level] = hash_
                break
            hash_ = merkle.node_hash(self.left[level], hash_)
            level, index = level + 1, index >> 1
        self.size += 1

    def _compare(self, level: int, index: int, hash_: bytes) -> None:
        if level == len(self.levels):
            self.levels.append(_Level(self.stream.log, level))
        stored = self.levels[level].next()
        if stored is not None and stored == (index, hash_):
            self.compared += 1
            return
        if level == 0 and (stored is None or stored[0] != index):
            raise VerificationFailed(
                f"log_nodes hold no leaf for it (level 0 index {index}): "
                "it was not appended through the log"
            )
        if level == 0:
            raise VerificationFailed(
                f"its leaf hash differs from log node level 0 index {index}, stored when "
                "it was appended: the entry or that node was changed"
            )
        first, last = (index << level) + 1, (index + 1) << level
        made = f"entries {first}..{last} hash to {_b64(hash_)}"
        if stored is None or stored[0] != index:
            raise _BadNode(f"log node level {level} index {index}: missing; {made}")
        raise _BadNode(
            f"log node level {level} index {index}: holds {_b64(stored[1])}, but {made}: "
            "the node was changed (or an entry under it, with the nodes between)"
        )

    def first_extra(self, levels: Sequence[int]) -> str | None:
        """The stored node the entries do not make that covers the earliest entries."""
        found: list[tuple[int, int, int]] = []
        for level in levels:
            known = level < len(self.levels)
            cursor = self.levels[level] if known else _Level(self.stream.log, level)
            if (stored := cursor.next()) is not None:
                found.append(((stored[0] + 1) << level, level, stored[0]))
        if not found:
            return None
        _, level, index = min(found)
        first, last = (index << level) + 1, (index + 1) << level
        return (
            f"log node level {level} index {index}: stored, but the {self.size:,} entries "
            f"make no such node (it would cover entries {first}..{last})"
        )


def _identity(checkpoints: list[StoredCheckpoint]) -> tuple[str, VerifierKey] | None:
    """The origin and log key the stored checkpoints are for: those of the first."""
    if not checkpoints:
        return None
    try:
        key = VerifierKey.parse(checkpoints[0].log_key)
        origin = Checkpoint.parse(parse_note(checkpoints[0].note).text).origin
    except InvalidValue as e:
        raise VerificationFailed(f"stored checkpoint 1: {e}") from e
    return origin, key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verify_database(
    uow: LogUnitOfWork,
    *,
    witnesses: Sequence[VerifierKey] = (),
    log_key: VerifierKey | None = None,
) -> DatabaseReport:
    """Check the log as the database stores it: the operator's own tamper check.

    Reads one snapshot of the database. The entries (``events.entry``, by ``seq``) go
    through ``verify_log`` with the stored checkpoints placed as an export places them,
    so every check an observer makes is made; besides, each entry must be stored under
    its own sequence number, every node in ``log_nodes`` must be the one the entries
    make (none missing, none extra), and the log head must count the entries. Without
    a checkpoint the entries, their order and their form are still checked, but nothing
    signed vouches for them.

    Args:
        uow: a unit of work on the database; nothing is written.
        witnesses: the parties' keys, whose co-signatures are checked and reported.
        log_key: the key the checkpoints must be signed with (the mediator's).

    Raises:
        VerificationFailed: the first problem: ``entry N: ...`` (the first bad sequence
            number), ``log node level L index I: ...`` or ``stored checkpoint K: ...``
            (K counted from the oldest).
    """
    with uow:
        uow.log.snapshot()
        checkpoints = uow.log.checkpoints()
        identity = _identity(checkpoints)
        if identity and log_key and identity[1] != log_key:
            raise VerificationFailed(
                f"the log's checkpoints are signed by {identity[1].to_text()}, not by the "
                f"expected key {log_key.to_text()}"
            )
        origin, key = identity or ("unsigned", VerifierKey("UNSIGNED", bytes(32)))
        header = {"format": FORMAT, "version": VERSION, "origin": origin, "log_key": key.to_text()}
        stream = _Stream(uow.log, checkpoints)
        nodes = _NodeCheck(stream)
        try:
            report = verify_log(
                stream.lines(canonical(header)), witnesses=witnesses, on_entry=nodes.entry
            )
        except VerificationFailed as e:
            raise VerificationFailed(stream.rename(str(e))) from e
        except _BadNode as e:
            raise VerificationFailed(str(e)) from e
        head = uow.log.size()
        if head > report.entries:
            raise VerificationFailed(
                f"entry {report.entries + 1}: missing: the log head counts {head:,} entries, "
                f"the events table holds {report.entries:,}"
            )
        if head < report.entries:
            raise VerificationFailed(
                f"entry {head + 1}: not counted by the log head, which says {head:,} entries"
            )
        if (problem := nodes.first_extra(uow.log.node_levels())) is not None:
            raise VerificationFailed(problem)
    return DatabaseReport(
        report.entries,
        nodes.compared,
        report.root,
        identity[0] if identity else None,
        identity[1] if identity else None,
        report.checkpoints,
        report.types,
    )
