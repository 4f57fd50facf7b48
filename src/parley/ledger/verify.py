"""Verify a public log export from its bytes alone: the code an observer audits.

The export (``parley-log`` version 1) is UTF-8 text, one item a line, each line ending
in ``\\n``. Line 1, the header, is the canonical JSON of ``{"format", "version",
"origin", "log_key"}``, ``log_key`` being the mediator's C2SP verifier key. Every other
line is an entry, its RFC 8785 canonical JSON exactly as hashed into the RFC 9162 tree
(``{"v": 1, "seq": N, "type", "time", "actor", "data"}``, entry N being leaf N - 1), or
a checkpoint, ``{"checkpoint": NOTE}`` with NOTE a C2SP checkpoint signed by the log key
(perhaps co-signed by the parties' witnesses) for the first SIZE entries. Each root is
recomputed from the entries, which also shows every checkpoint consistent with those
before it, with no consistency proof needed. The balance of every closed tranche is
recounted from its entries (``parley.ledger.balances``).

``verify_log`` reads the lines once and keeps, of the tree, only the complete subtrees a
checkpoint up to ``MAX_LAG`` entries behind may need: a fixed window and O(log n) above
it. The first problem raises ``VerificationFailed``: ``entry N: ...`` names the first
bad sequence number, ``line L: ...`` a bad header or checkpoint (and, when a checkpoint's
root shows that an entry was changed, that entry or the range it must lie in).
"""

from __future__ import annotations

import base64
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from parley.errors import InvalidValue, VerificationFailed
from parley.ledger import merkle
from parley.ledger.balances import BalanceAudit, TrackCount
from parley.ledger.canonical import MAX_EXACT_INTEGER, canonical
from parley.ledger.keys import VerifierKey
from parley.ledger.notes import Checkpoint, Note, open_checkpoint, verify_note

__all__ = ["FORMAT", "MAX_LAG", "VERSION", "CheckpointSeen", "LogReport", "verify_log", "write_log"]

FORMAT = "parley-log"
VERSION = 1
MAX_LAG = 4096
"""How many entries a checkpoint's line may come after the last entry it covers."""

_ENTRY_KEYS = frozenset({"v", "seq", "type", "time", "actor", "data"})
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
# JCS sorts keys by UTF-16 code units, Python by code points; the two orders differ only
# between characters from U+E000 up, so text holding none can take the fast check.
_ORDER_MAY_DIFFER = re.compile("[\ue000-\U0010ffff]")


_Hook = Callable[[dict[str, Any]], None] | None


class _Unreadable(Exception):
    """A line that is not the canonical JSON of a value; the message says why."""


class _NotPlain(Exception):
    """A float, NaN or an infinity: left to ``canonical`` itself."""


def _exact_int(text: str) -> int:
    # Checked before int() so that a line of a million digits costs nothing to refuse.
    if len(text.lstrip("-")) <= 16 and abs(value := int(text)) <= MAX_EXACT_INTEGER:
        return value
    raise _Unreadable(f"holds integer {text[:20]}, beyond the ±2**53 of canonical JSON")


def _not_plain(text: str) -> Any:
    raise _NotPlain(text)


def _decode(line: bytes, name: str) -> Any:
    """The value of a line that must be canonical JSON.

    The fast check compares the line with ``json.dumps`` (sorted keys, no spaces, UTF-8),
    which writes exactly the RFC 8785 bytes of a value without floats whose keys sort the
    same in both orders; any other value is written by ``canonical``.
    """
    try:
        text = line.decode("utf-8")
        try:
            value = json.loads(
                text, parse_int=_exact_int, parse_float=_not_plain, parse_constant=_not_plain
            )
            fast = line.isascii() or not _ORDER_MAY_DIFFER.search(text)
        except _NotPlain:
            value, fast = json.loads(text, parse_int=_exact_int), False
        expected = b""
        if fast:
            plain = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            expected = plain.encode("utf-8", "surrogatepass")
        if not fast or expected != line:
            expected = canonical(value, name=name)
    except UnicodeDecodeError as e:
        raise _Unreadable(f"is not UTF-8 (byte {e.start + 1})") from e
    except json.JSONDecodeError as e:
        raise _Unreadable(f"is not JSON ({e.msg} at column {e.colno})") from e
    except RecursionError as e:
        raise _Unreadable("is nested too deeply") from e
    except InvalidValue as e:
        raise _Unreadable(f"is not canonical JSON: {e}") from e
    if expected != line:
        pairs = enumerate(zip(line, expected, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(line), len(expected)))
        raise _Unreadable(
            f"is not canonical JSON (RFC 8785): byte {at + 1} should begin "
            f"{expected[at : at + 24].decode('utf-8', 'replace')!r}"
        )
    return value


class _Frontier:
    """The RFC 9162 tree of the entries so far, as far as checkpoints can still ask.

    Level l keeps its last (MAX_LAG >> l) + 3 complete subtrees, enough for the root of
    any size down to ``size - MAX_LAG``: O(MAX_LAG + log n) hashes in all.
    """

    def __init__(self, window: int = MAX_LAG) -> None:
        self.window = window
        self.size = 0
        self.levels: list[deque[bytes]] = []

    def append(self, leaf: bytes) -> None:
        level, index, hash_ = 0, self.size, leaf
        while True:
            if level == len(self.levels):
                self.levels.append(deque(maxlen=(self.window >> level) + 3))
            nodes = self.levels[level]
            nodes.append(hash_)
            if not index & 1:
                break
            hash_ = merkle.node_hash(nodes[-2], hash_)
            level, index = level + 1, index >> 1
        self.size += 1

    def root(self, size: int) -> bytes:
        """MTH(D[size]), for ``self.size - self.window <= size <= self.size``."""
        hashes = []
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:  # the complete subtree (level, (size >> level) - 1)
                back = (self.size >> level) - (size >> level)
                hashes.append(self.levels[level][-1 - back])
        result = hashes.pop() if hashes else merkle.EMPTY_ROOT
        while hashes:
            result = merkle.node_hash(hashes.pop(), result)
        return result


@dataclass(frozen=True, slots=True)
class CheckpointSeen:
    """A checkpoint that verified: its line, itself, and the witnesses that co-signed it."""

    line: int
    checkpoint: Checkpoint
    witnesses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LogReport:
    """What a verified log holds.

    ``root`` is the root of all ``entries``; entries after the latest checkpoint
    (``unsigned``) are well formed, but nobody has signed them yet.
    """

    origin: str
    log_key: VerifierKey
    entries: int
    root: bytes
    checkpoints: tuple[CheckpointSeen, ...]
    types: Mapping[str, int]
    closed_tranches: tuple[tuple[str, int], ...] = ()
    balances: Mapping[tuple[str, int, str], TrackCount] | None = None

    @property
    def latest(self) -> Checkpoint | None:
        """The latest checkpoint, or None if the log has none."""
        return self.checkpoints[-1].checkpoint if self.checkpoints else None

    @property
    def signed_size(self) -> int:
        """How many entries the latest checkpoint covers."""
        return self.latest.size if self.latest else 0

    @property
    def unsigned(self) -> int:
        """How many entries come after the latest checkpoint's size."""
        return self.entries - self.signed_size


class _Reader:
    """The state of one pass over a log: the tree, the last entry and checkpoint."""

    def __init__(self, header: bytes, witnesses: Sequence[VerifierKey], on_entry: _Hook) -> None:
        self.origin, self.log_key = _read_header(header)
        self.witnesses = {(k.name, k.key_id): k for k in witnesses if k != self.log_key}
        self.on_entry = on_entry
        self.tree = _Frontier()
        self.previous = b""
        self.seen: list[CheckpointSeen] = []
        self.types: dict[str, int] = {}
        self.audit = BalanceAudit()

    def read(self, line: bytes, number: int) -> None:
        n = self.tree.size + 1
        try:
            value = _decode(line, "entry")
        except _Unreadable as e:
            if line.startswith(b'{"checkpoint":'):
                raise VerificationFailed(f"line {number}: the checkpoint line {e}") from e
            raise VerificationFailed(f"entry {n}: line {number} {e}") from e
        if isinstance(value, dict) and "checkpoint" in value:
            self.checkpoint(value, number)
            return
        problem = _entry_problem(value, n)
        if problem is None and value["seq"] != n:
            problem = self._sequence_problem(value["seq"], n, line)
        if problem:
            raise VerificationFailed(f"{problem} (line {number})")
        self.tree.append(merkle.leaf_hash(line))
        self.previous = line
        self.types[value["type"]] = self.types.get(value["type"], 0) + 1
        try:
            self.audit(value)
            if self.on_entry is not None:
                self.on_entry(value)
        except VerificationFailed as e:
            raise VerificationFailed(f"entry {n}: {e} (line {number})") from e

    def _sequence_problem(self, seq: int, n: int, line: bytes) -> str:
        if seq == n - 1 and line != self.previous:
            return f"entry {seq}: two different entries claim sequence number {seq}"
        if seq == n - 1:
            return f"entry {n}: repeats entry {seq}"
        gone = "missing or out of place" if seq > n else "out of place; this one is repeated"
        return f"entry {n}: sequence number {seq} where {n} was expected: entry {n} is {gone}"

    def checkpoint(self, value: dict[str, Any], number: int) -> None:
        if value.keys() != {"checkpoint"} or not isinstance(value["checkpoint"], str):
            raise VerificationFailed(f'line {number}: expected {{"checkpoint": NOTE}} alone')
        try:
            checkpoint, note = open_checkpoint(value["checkpoint"], self.log_key, self.origin)
        except VerificationFailed as e:
            raise VerificationFailed(f"line {number}: {e}") from e
        size, n = checkpoint.size, self.tree.size
        last = self.seen[-1] if self.seen else None
        before = last.checkpoint.size if last else 0
        where = f"line {number}: checkpoint of size {size}"
        if size > n:
            raise VerificationFailed(f"{where} follows {n} entries: entry {n + 1} is missing")
        if last and size < before:
            raise VerificationFailed(
                f"{where} is smaller than the checkpoint of size {before} "
                f"on line {last.line}; a log never shrinks"
            )
        if n - size > MAX_LAG:
            raise VerificationFailed(f"{where} comes {n - size} entries late; at most {MAX_LAG}")
        root = self.tree.root(size)
        if root != checkpoint.root_hash:
            signed, found = _b64(checkpoint.root_hash), _b64(root)
            if last and size == before:
                culprit = f"the checkpoint on line {last.line} signed {found}: a fork"
            elif size - before == 1:
                culprit = f"entries 1..{size} hash to {found}: entry {size} was changed"
            else:
                culprit = f"entries 1..{size} hash to {found}: one of entries {before + 1}.."
                culprit += f"{size} was changed"
            raise VerificationFailed(f"{where} signs root {signed}, but {culprit}")
        cosigners = self._cosigners(note, f"{where}:")
        self.seen.append(CheckpointSeen(number, checkpoint, cosigners))

    def _cosigners(self, note: Note, where: str) -> tuple[str, ...]:
        if not any((s.name, s.key_id) in self.witnesses for s in note.signatures):
            return ()
        try:
            return tuple(key.name for key in verify_note(note, self.witnesses.values()))
        except VerificationFailed as e:
            raise VerificationFailed(f"{where} witness {e}") from e

    def report(self) -> LogReport:
        size = self.tree.size
        return LogReport(
            self.origin,
            self.log_key,
            size,
            self.tree.root(size),
            tuple(self.seen),
            self.types,
            tuple(self.audit.closed),
            dict(self.audit.counts),
        )


def _read_header(line: bytes) -> tuple[str, VerifierKey]:
    try:
        value = _decode(line, "header")
    except _Unreadable as e:
        raise VerificationFailed(f"line 1: the header {e}") from e
    keys = {"format", "version", "origin", "log_key"}
    if not isinstance(value, dict) or value.keys() != keys or value["format"] != FORMAT:
        raise VerificationFailed(f"line 1: is not a {FORMAT} header (expected {sorted(keys)})")
    if type(value["version"]) is not int or value["version"] != VERSION:
        raise VerificationFailed(f"line 1: version {value['version']!r} is not {VERSION}")
    if not isinstance(value["origin"], str) or not value["origin"]:
        raise VerificationFailed("line 1: origin must be a non-empty string")
    try:
        return value["origin"], VerifierKey.parse(str(value["log_key"]))
    except InvalidValue as e:
        raise VerificationFailed(f"line 1: log_key: {e}") from e


def _entry_problem(value: object, n: int) -> str | None:
    """What makes ``value`` no entry, or None; the sequence number is checked later."""
    if not isinstance(value, dict) or value.keys() != _ENTRY_KEYS:
        return f"entry {n}: expected an object with exactly the keys {sorted(_ENTRY_KEYS)}"
    if type(value["v"]) is not int or value["v"] != 1:
        return f"entry {n}: v is {value['v']!r}, expected 1"
    if type(value["seq"]) is not int:
        return f"entry {n}: seq is {value['seq']!r}, expected a sequence number"
    for key in ("type", "actor"):
        if not isinstance(value[key], str) or not value[key]:
            return f"entry {n}: {key} must be a non-empty string"
    time = value["time"]
    if not isinstance(time, str) or not _TIME.fullmatch(time) or not _is_time(time[:-1]):
        return f"entry {n}: time {time!r} is not a UTC time YYYY-MM-DDTHH:MM:SS.ffffffZ"
    if not isinstance(value["data"], dict):
        return f"entry {n}: data must be an object"
    return None


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _b64(hash_: bytes) -> str:
    return base64.b64encode(hash_).decode()


def verify_log(
    lines: Iterable[bytes],
    *,
    witnesses: Sequence[VerifierKey] = (),
    on_entry: _Hook = None,
) -> LogReport:
    """Verify a log export line by line, in constant memory (see the module docstring).

    Args:
        lines: the export's lines, each ending in ``b"\\n"`` (a file opened ``"rb"``).
        witnesses: the parties' keys; their co-signatures are checked and reported.
        on_entry: called with each entry once it is well formed and in sequence,
            before the checkpoint that covers it has been checked; a
            ``VerificationFailed`` it raises is reported as that entry's.

    Raises:
        VerificationFailed: the first problem, ``entry N: ...`` or ``line L: ...``.
    """
    reader: _Reader | None = None
    for number, line in enumerate(lines, start=1):
        if not line.endswith(b"\n"):
            raise VerificationFailed(f"line {number}: does not end in a newline (cut short?)")
        if reader is None:
            reader = _Reader(line[:-1], witnesses, on_entry)
        else:
            reader.read(line[:-1], number)
    if reader is None:
        raise VerificationFailed("line 1: the log is empty; expected its header")
    return reader.report()


class _Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


def write_log(
    stream: _Sink,
    origin: str,
    log_key: VerifierKey,
    entries_and_checkpoints: Iterable[Mapping[str, Any] | bytes | Note],
) -> int:
    """Write a log export: the header, then each item on its own line, in the order given.

    Entries given as mappings are written as their canonical JSON, entries given as bytes
    as they are (they must be what was hashed), checkpoints as ``{"checkpoint": NOTE}``.
    Nothing else is checked: ``verify_log`` is the judge.

    Returns:
        The number of entries written.

    Raises:
        InvalidValue: the origin is empty, an entry is not canonical-JSON-able, or an
            entry's bytes hold a newline.
    """
    if not origin:
        raise InvalidValue("origin", "must not be empty")
    header = {"format": FORMAT, "version": VERSION, "origin": origin, "log_key": log_key.to_text()}
    stream.write(canonical(header) + b"\n")
    entries = 0
    for item in entries_and_checkpoints:
        if isinstance(item, Note):
            stream.write(canonical({"checkpoint": item.format()}) + b"\n")
            continue
        entries += 1
        line = item if isinstance(item, bytes) else canonical(dict(item), name=f"entry {entries}")
        if b"\n" in line:
            raise InvalidValue(f"entry {entries}", "holds a newline; an entry is one line")
        stream.write(line + b"\n")
    return entries
