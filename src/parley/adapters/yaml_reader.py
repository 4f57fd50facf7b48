"""Reading YAML with every problem located: the line and key a person would look at.

Values come from ``yaml.safe_load``; the node tree that PyYAML's ``SafeLoader`` composes
from the same text gives each key's line and its value's column (``collect_marks``).
``YamlReader`` checks plain values and collects each problem as
``FILE line N, key K: what is wrong (what was expected)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import yaml

from parley.domain.selectors import Selector, SelectorError, parse_selector

__all__ = [
    "MAX_INTEGER",
    "KeyPath",
    "Mark",
    "Rejected",
    "YamlReader",
    "collect_marks",
    "key_text",
    "open_yaml",
    "read_text",
]

KeyPath = tuple[str | int, ...]
MAX_INTEGER = 1_000_000_000  # no count, number or share of an exchange comes near
E = TypeVar("E", bound=StrEnum)
# How a file's problems are raised: the file's name and every problem, one line each.
Rejected = Callable[[str, list[str]], Exception]


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a key's value sits in the file: line, column, quoting, one line or more."""

    line: int
    column: int
    quoted: bool
    one_line: bool


def key_text(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def collect_marks(
    node: yaml.Node, path: KeyPath, into: dict[KeyPath, Mark], twice: list[KeyPath]
) -> None:
    """Record the mark of every key and item under ``node``; list repeated keys."""
    into[path] = Mark(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        isinstance(node, yaml.ScalarNode) and node.style in ("'", '"'),
        node.start_mark.line == node.end_mark.line,
    )
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                twice.append((*path, name))
            seen.add(name)
            collect_marks(value, (*path, name), into, twice)
            # The line a person looks for is the key's; the column is the value's.
            into[(*path, name)] = replace(into[(*path, name)], line=key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            collect_marks(item, (*path, index), into, twice)


class YamlReader:
    """Turns plain YAML values into domain objects, collecting every problem."""

    def __init__(self, source: str, marks: Mapping[KeyPath, Mark]) -> None:
        self.source = source
        self.marks = marks
        self.problems: list[tuple[int, str]] = []
        self.missing: set[KeyPath] = set()  # required keys found absent: said once, above

    def locate(self, path: KeyPath, message: str) -> tuple[int, str]:
        """The line of ``path`` (or of its nearest parent) and ``FILE line N, key K: message``."""
        line = next(
            (self.marks[path[:n]].line for n in range(len(path), -1, -1) if path[:n] in self.marks),
            0,
        )
        where = self.source + (f" line {line}" if line else "")
        if path:
            where += f", key {key_text(path)}"
        return line, f"{where}: {message}"

    def fail(self, path: KeyPath, message: str) -> None:
        """Record a problem at ``path``, unless ``path`` lies in a key already said missing."""
        if any(path[:n] in self.missing for n in range(1, len(path) + 1)):
            return
        self.problems.append(self.locate(path, message))

    def lines(self) -> list[str]:
        """Every problem, one line each, in the order of the file."""
        return [text for _, text in sorted(self.problems, key=lambda p: p[0])]

    def mapping(
        self, value: Any, path: KeyPath, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """``value`` if it is a mapping with the required keys and no unknown ones."""
        if not isinstance(value, dict):
            self.fail(path, f"is not a mapping (expected keys {', '.join(required + optional)})")
            return None
        known = required + optional
        for key in value:
            if key not in known:
                self.fail((*path, str(key)), f"unknown key (expected one of: {', '.join(known)})")
        for key in required:
            if key not in value:
                self.fail(path, f"lacks the key {key} (required)")
                self.missing.add((*path, key))
        return value

    def integer(
        self, value: Any, path: KeyPath, minimum: int = 0, maximum: int = MAX_INTEGER
    ) -> int | None:
        """A whole number from ``minimum`` to ``maximum``, or ``None`` with a problem recorded.

        The default maximum keeps every number within a database's 64-bit integer.
        """
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(path, f"{value!r} is not a whole number (expected {minimum} or more)")
            return None
        if value > maximum:
            self.fail(path, f"{value:,} is too large (expected at most {maximum:,})")
            return None
        return value

    def a_date(self, value: Any, path: KeyPath) -> date | None:
        """A full date, YYYY-MM-DD."""
        if isinstance(value, date):
            return value
        self.fail(path, f"{value!r} is not a date (expected YYYY-MM-DD)")
        return None

    def choice(self, value: Any, path: KeyPath, enum: type[E]) -> E | None:
        """A member of ``enum`` named by its value."""
        try:
            return enum(value)
        except ValueError:
            options = ", ".join(m.value for m in enum)
            self.fail(path, f"{value!r} is not allowed (expected one of: {options})")
            return None

    def selector(self, value: Any, path: KeyPath) -> Selector | None:
        """A selector expression; a problem names its column in the file when it can."""
        if isinstance(value, bool):  # YAML reads a bare true or false as a boolean
            value = str(value).lower()
        if not isinstance(value, str):
            self.fail(path, f"{value!r} is not a selector (expected text such as 'age < 25')")
            return None
        try:
            return parse_selector(value)
        except SelectorError as e:
            mark = self.marks.get(path)
            column = e.column
            if mark is not None and mark.one_line:
                column += mark.column - 1 + (1 if mark.quoted else 0)
            self.fail(path, f"{e.problem} at column {column} ({e.expected})")
            return None

    def listed(
        self, value: Any, path: KeyPath, read: Callable[[Any, KeyPath], Any]
    ) -> list[Any] | None:
        """Each item of a list read by ``read``; ``None`` if any item failed."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "is not a list (expected '- ' items or [a, b])")
            return None
        items = [read(item, (*path, n)) for n, item in enumerate(value, start=1)]
        return None if any(item is None for item in items) else items


MAX_DEPTH = 64  # lists and mappings inside each other; an agreement needs five


def _check_shape(text: str, source: str, rejected: Rejected) -> None:
    """Refuse aliases and deep nesting from the event stream, before any tree is built.

    An alias (``*name``) repeats a value without repeating its text, so nine lines of
    them (the "billion laughs") stand for 9^9 values that checking every key would walk;
    a person writes each value out. Nesting deeper than ``MAX_DEPTH`` would exhaust the
    composer's recursion. PyYAML's parser itself is not recursive, so this scan is safe.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise rejected(
                source,
                [
                    f"{source} line {line}: uses the alias *{event.anchor}; anchors and "
                    "aliases (& and *) are not allowed (write the value out)"
                ],
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise rejected(
                    source,
                    [
                        f"{source} line {line}: is nested more than {MAX_DEPTH} lists and "
                        "mappings deep (expected a few)"
                    ],
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _unbuildable_line(root: yaml.Node | None) -> int | None:
    """The line of the first scalar in ``root`` that PyYAML cannot build, if any."""
    builder = yaml.SafeLoader("")
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                builder.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                return int(node.start_mark.line) + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return None


def open_yaml(text: str, source: str, rejected: Rejected) -> tuple[Any, YamlReader]:
    """The value of YAML ``text`` and a reader that locates its keys.

    A key given twice is already a problem of the reader.

    Raises:
        The exception ``rejected`` makes: the text is not YAML, uses aliases or is
            nested too deep (one line, with where).
    """
    try:
        _check_shape(text, source, rejected)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        reason = getattr(e, "problem", None) or "cannot be read"
        raise rejected(source, [f"{source}{where}: not valid YAML: {reason}"]) from e
    except (ValueError, OverflowError) as e:
        # PyYAML reads 2025-13-01 as a date, and a date that does not exist raises
        # Python's own error, without a line: find the value that cannot be built.
        line = _unbuildable_line(root)
        where = f" line {line}" if line is not None else ""
        raise rejected(
            source, [f"{source}{where}: not valid YAML: a value that cannot be read ({e})"]
        ) from e
    marks: dict[KeyPath, Mark] = {}
    twice: list[KeyPath] = []
    if root is not None:
        collect_marks(root, (), marks, twice)
    reader = YamlReader(source, marks)
    for path in twice:
        reader.fail(path, "appears twice (expected each key once)")
    return data, reader


class _Readable(Protocol):
    @property
    def name(self) -> str: ...
    def read_text(self, encoding: str) -> str: ...


def read_text(path: _Readable, rejected: Rejected) -> str:
    """The UTF-8 text of the file at ``path``.

    Raises:
        The exception ``rejected`` makes: the file cannot be read, or is not UTF-8.
    """
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        raise rejected(path.name, [f"{path}: cannot be read ({reason})"]) from e
