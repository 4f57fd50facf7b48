"""Reading a JSON import file: one top-level array of objects, decoded one at a time."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from parley.adapters.formats.bytes import HashingReader
from parley.adapters.formats.encodings import SHOWN
from parley.adapters.formats.table import RowResult, Table, fail, header_name, text_stream
from parley.errors import ImportProblem, ImportRejected

__all__ = ["MAX_RECORD", "open_json"]


def open_json(name: str, reader: HashingReader, size: int, codec: str) -> Table:
    text = text_stream(reader, codec)
    items = _json_array(name, text)
    table = Table(name, "json", [], _json_rows(items), reader, size)
    table.encoding = SHOWN[codec]
    return table


MAX_RECORD = 256 * 1024  # characters of one JSON record


class _JsonCursor:
    """A window on a text stream that grows as the parser needs more characters."""

    def __init__(self, text: io.TextIOWrapper, name: str) -> None:
        self.text, self.buffer, self.pos, self.eof = text, "", 0, False
        self.name = name

    def more(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.text.read(256 * 1024)
        except UnicodeDecodeError as e:  # a character cut short, or a bad byte past the head
            raise fail(
                self.name,
                f"has a byte that is not UTF-8 (0x{e.object[e.start]:02x}); the file mixes "
                "encodings, is damaged or is cut short",
            ) from e
        self.eof = not chunk
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not white space, or "" at the end of the file."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buffer) or not self.more():
                return self.buffer[self.pos : self.pos + 1]


def _json_array(name: str, text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    """The elements of one top-level JSON array, decoded one at a time.

    Anything but an array, a missing comma, or anything after the closing bracket is an
    error: a file must never be imported in part.
    """
    cursor, index = _JsonCursor(text, name), 0
    decoder = json.JSONDecoder(
        object_pairs_hook=_unique_keys, parse_int=_integer, parse_constant=_no_constant
    )
    if cursor.peek() != "[":
        raise fail(name, "is not a JSON array of records (expected [ {...}, {...} ])")
    cursor.pos += 1
    if cursor.peek() == "]":
        cursor.pos += 1
    else:
        while True:
            if cursor.peek() == "":
                raise fail(name, f"ends after record {index} (the file is truncated)")
            index += 1
            yield index, _json_value(name, cursor, decoder, index)
            following = cursor.peek()
            if following == "":
                raise fail(name, f"ends after record {index} (the file is truncated)")
            if following not in (",", "]"):
                raise fail(name, f"has {following!r} after record {index} (expected , or ])", index)
            cursor.pos += 1
            if following == "]":
                break
    if cursor.peek() != "":
        raise fail(name, "has more data after its closing ] (expected one JSON array)")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadNumber(ValueError):
    def __init__(self, problem: str) -> None:
        self.problem = problem


MAX_DIGITS = 30  # an id or a year has a few; Python refuses to convert past 4,300


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _BadNumber(f"has a number of {len(text):,} digits (expected at most {MAX_DIGITS})")
    return int(text)


def _no_constant(text: str) -> Any:
    raise _BadNumber(f"has {text}, which is not a JSON number (RFC 8259)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice (the first value would be lost)."""
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _DuplicateKey(key)
        record[key] = value
    return record


def _json_value(name: str, cursor: _JsonCursor, decoder: json.JSONDecoder, row: int) -> Any:
    while True:
        try:
            value, end = decoder.raw_decode(cursor.buffer, cursor.pos)
        except _DuplicateKey as e:
            raise fail(name, "has the same key twice", row, e.key) from e
        except _BadNumber as e:
            raise fail(name, e.problem, row) from e
        except RecursionError as e:
            raise fail(name, "is nested too deep (expected an object of text cells)", row) from e
        except json.JSONDecodeError as e:
            if len(cursor.buffer) - cursor.pos > MAX_RECORD:
                raise fail(name, f"is not valid JSON or too large ({e.msg})", row) from e
            if cursor.more():
                continue  # the record may go on in the next chunk
            raise fail(name, f"is not valid JSON ({e.msg})", row) from e
        if end == len(cursor.buffer) and not cursor.eof and isinstance(value, (int, float)):
            cursor.more()  # a number cut at the chunk's end: read on and decode again
            continue
        cursor.pos = end
        return value


def _json_cell(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def _json_rows(items: Iterator[tuple[int, Any]]) -> Iterator[RowResult]:
    """Records as cells; a problem that stops the reading is the last item."""
    try:
        yield from _json_records(items)
    except ImportRejected as e:
        for problem in e.problems:
            yield problem.row or 0, problem


def _json_records(items: Iterator[tuple[int, Any]]) -> Iterator[RowResult]:
    for index, item in items:
        if not isinstance(item, dict):
            yield (
                index,
                ImportProblem(index, None, f"is a JSON {type(item).__name__}, not an object"),
            )
            continue
        cells: dict[str, str] = {}
        for key, value in item.items():
            cell = _json_cell(value)
            if cell is None:
                yield index, ImportProblem(index, str(key), "is a list or object (expected text)")
                break
            column = header_name(str(key))
            if column in cells:
                yield index, ImportProblem(index, column, "is given twice in this record")
                break
            cells[column] = cell
        else:
            yield index, cells
