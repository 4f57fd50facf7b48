"""The terms of the selector language: its fields, its syntax tree and its errors.

``parley.domain.selectors`` is the public face of the language (see its docstring);
``parley.domain.selector_parser`` reads text into the tree defined here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from parley.domain.holdings import Health, HoldingCategory, HoldingStatus
from parley.errors import InvalidValue

__all__ = [
    "COMPARISONS",
    "FIELDS",
    "KEYWORDS",
    "MAX_SELECTOR",
    "ORDERED",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Constant",
    "Field",
    "FieldKind",
    "Flag",
    "Literal",
    "Node",
    "Not",
    "Selector",
    "SelectorError",
    "Value",
]

MAX_SELECTOR = 1000
Literal = int | str | bool | date
# What a field holds for one person: a value, a set of possible values, or unknown.
Value = Literal | frozenset[int] | None


class SelectorError(InvalidValue):
    """A selector could not be read; ``column`` (1-based) points into its text.

    Args:
        column: where in the expression the problem is.
        problem: what is wrong.
        expected: what was expected there.
    """

    def __init__(self, column: int, problem: str, expected: str) -> None:
        super().__init__("selector", f"{problem} at column {column} ({expected})")
        self.column = column
        self.problem = problem
        self.expected = expected


class FieldKind(StrEnum):
    """The type of a field, which decides the operators and literals it accepts."""

    BOOL = "bool"
    INT = "int"
    DATE = "date"
    ENUM = "enum"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Field:
    """A field a selector may name: its type and, for enums, the values it can take."""

    name: str
    kind: FieldKind
    values: tuple[str, ...] = ()


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


FIELDS: Mapping[str, Field] = {
    f.name: f
    for f in (
        Field("age", FieldKind.INT),  # whole years on the agreement's age_on
        Field("captured_on", FieldKind.DATE),
        Field("category", FieldKind.ENUM, _values(HoldingCategory)),
        Field("civilian", FieldKind.BOOL),
        Field("health", FieldKind.ENUM, _values(Health)),
        Field("nationality", FieldKind.TEXT),
        Field("rank", FieldKind.TEXT),
        Field("seriously_ill", FieldKind.BOOL),
        Field("sex", FieldKind.ENUM, ("M", "F")),  # U in a record is unknown
        Field("status", FieldKind.ENUM, _values(HoldingStatus)),
    )
}
ORDERED = frozenset({FieldKind.INT, FieldKind.DATE})
COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})


# --- the tree ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constant:
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Flag:
    """A boolean field on its own: ``seriously_ill``."""

    field: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field OP literal``, or ``field in [..]`` (``op`` is ``"in"``)."""

    field: str
    op: str
    values: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class AllOf:
    """``a and b and ...``."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``a or b or ...``."""

    operands: tuple[Node, ...]


Node = Constant | Flag | Comparison | Not | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector and the text it was read from (shown back in summaries)."""

    text: str
    tree: Node

    def __str__(self) -> str:
        return self.text


# --- reading -------------------------------------------------------------------------
