"""Selectors: a small, safe expression language over a holding's fields.

An agreement says who is in a track, who must be included and who goes unilaterally
with expressions such as ``category == pow and age < 25`` or ``seriously_ill``. They are
read by the hand-written tokenizer and parser below, never by Python's ``eval``: the
only things an expression can do are compare a known field with a literal and combine
the results with ``and``, ``or`` and ``not``.

Grammar::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | atom
    atom       := "(" expr ")" | "true" | "false" | NAME
                | NAME OP literal | NAME "in" "[" literal ("," literal)* "]"
    OP         := "<" | "<=" | "==" | "!=" | ">=" | ">"
    literal    := INTEGER | DATE (YYYY-MM-DD) | 'text' | "text" | WORD | true | false

A selector is true, false or unknown (``None``): a field the record lacks is unknown,
and a partial birth date counts only when the clause is decided either way (on
2025-05-16, born 2001 is under 25 whatever the day, born 2000 is unknown). ``and``,
``or`` and ``not`` follow Kleene's logic; :func:`selects` treats unknown as not
selected. ``docs/agreements.md`` documents the fields and the rules.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from parley.domain.holdings import Health, Holding, HoldingCategory, HoldingStatus
from parley.domain.people import Sex
from parley.errors import InvalidValue

__all__ = [
    "FIELDS",
    "Field",
    "FieldKind",
    "Selector",
    "SelectorError",
    "evaluate",
    "holding_values",
    "parse_selector",
    "selects",
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
_ORDERED = frozenset({FieldKind.INT, FieldKind.DATE})
_COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})


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

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<int>\d+)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<text>'[^'\n]*'|"[^"\n]*")
    |(?P<op><=|>=|==|!=|<|>)
    |(?P<punct>[()\[\],])""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    column: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None:
            shown = text[at] if text[at].isprintable() else f"U+{ord(text[at]):04X}"
            raise SelectorError(
                at + 1,
                f"unexpected character {shown!r}",
                "expected a field name, an operator < <= == != >= > in, and, or, not, "
                "parentheses or a value",
            )
        kind = found.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, found.group(), at + 1))
        at = found.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _valid_names() -> str:
    return ", ".join(FIELDS)


class _Parser:
    """Recursive descent over the tokens; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.text == word

    def expect(self, text: str, what: str) -> None:
        token = self.take()
        if token.text != text:
            raise SelectorError(token.column, f"unexpected {_shown(token)}", f"expected {what}")

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise SelectorError(1, "the selector is empty", "expected e.g. category == pow")
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise SelectorError(
                token.column, f"unexpected {_shown(token)}", "expected and, or, or the end"
            )
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def not_expr(self) -> Node:
        if self.is_word("not"):
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token.text == "(":
            node = self.or_expr()
            self.expect(")", "')'")
            return node
        if token.kind == "name" and token.text in ("true", "false"):
            return Constant(token.text == "true")
        if token.kind != "name" or token.text in _KEYWORDS:
            raise SelectorError(
                token.column, f"unexpected {_shown(token)}", "expected a field name or '('"
            )
        field = FIELDS.get(token.text)
        if field is None:
            raise SelectorError(
                token.column,
                f"unknown name '{token.text}'",
                f"expected one of: {_valid_names()}",
            )
        return self.comparison(field, token)

    def comparison(self, field: Field, name: _Token) -> Node:
        token = self.peek()
        if token.kind == "op":
            self.take()
            if token.text not in ("==", "!=") and field.kind not in _ORDERED:
                raise SelectorError(
                    token.column,
                    f"'{token.text}' does not apply to {field.name}, which is {field.kind}",
                    "expected == or !=",
                )
            return Comparison(field.name, token.text, (self.literal(field),))
        if self.is_word("in"):
            self.take()
            return Comparison(field.name, "in", self.literal_list(field))
        if field.kind is FieldKind.BOOL:
            return Flag(field.name)
        raise SelectorError(
            token.column,
            f"{field.name} needs a comparison, found {_shown(token)}",
            "expected < <= == != >= > or in after it",
        )

    def literal_list(self, field: Field) -> tuple[Literal, ...]:
        self.expect("[", "'[' after in")
        values = [self.literal(field)]
        while self.peek().text == ",":
            self.take()
            values.append(self.literal(field))
        self.expect("]", "',' or ']'")
        return tuple(values)

    def literal(self, field: Field) -> Literal:
        token = self.take()
        value = _literal_value(token)
        _check_literal(field, token, value)
        # Text fields compare without regard to case: "Colonel" is rank colonel.
        return (
            value.casefold() if field.kind is FieldKind.TEXT and isinstance(value, str) else value
        )


def _shown(token: _Token) -> str:
    return "the end" if token.kind == "end" else repr(token.text)


def _literal_value(token: _Token) -> Literal:
    if token.kind == "int":
        return int(token.text)
    if token.kind == "date":
        try:
            return date.fromisoformat(token.text)
        except ValueError:
            raise SelectorError(
                token.column, f"{token.text} is not a date", "expected YYYY-MM-DD"
            ) from None
    if token.kind == "text":
        return token.text[1:-1]
    if token.kind == "name" and token.text in ("true", "false"):
        return token.text == "true"
    if token.kind == "name" and token.text not in _KEYWORDS:
        return token.text
    raise SelectorError(token.column, f"unexpected {_shown(token)}", "expected a value")


_LITERAL_TYPES: Mapping[FieldKind, tuple[type, str]] = {
    FieldKind.BOOL: (bool, "true or false"),
    FieldKind.INT: (int, "a whole number"),
    FieldKind.DATE: (date, "a date YYYY-MM-DD"),
    FieldKind.ENUM: (str, "a word"),
    FieldKind.TEXT: (str, "a word or quoted text"),
}


def _check_literal(field: Field, token: _Token, value: Literal) -> None:
    expected_type, expected = _LITERAL_TYPES[field.kind]
    is_int = isinstance(value, int) and not isinstance(value, bool)
    ok = is_int if expected_type is int else isinstance(value, expected_type)
    if field.kind is FieldKind.ENUM and ok and value not in field.values:
        expected = "one of: " + ", ".join(field.values)
        ok = False
    if not ok:
        raise SelectorError(
            token.column, f"{token.text} is not a value of {field.name}", f"expected {expected}"
        )


def parse_selector(text: str) -> Selector:
    """Read a selector expression, refusing anything the grammar does not allow.

    Raises:
        SelectorError: an unknown name (the message lists the valid ones), an operator
            that does not apply to the field, a value the field cannot take, or text
            that is not part of the language; ``column`` says where.
    """
    if len(text) > MAX_SELECTOR:
        raise SelectorError(
            MAX_SELECTOR + 1, "the selector is too long", f"expected at most {MAX_SELECTOR}"
        )
    return Selector(text.strip(), _Parser(text).parse())


# --- deciding ------------------------------------------------------------------------


def holding_values(holding: Holding, age_on: date) -> dict[str, Value]:
    """A holding's field values as selectors see them, ages computed on ``age_on``.

    A partial birth date gives the set of ages the person can have on that day (at
    most two); a missing one, an unknown sex or a missing health entry is ``None``.
    """
    identity = holding.identity
    ages: frozenset[int] | None = None
    if identity.birth_date is not None:
        youngest, oldest = identity.birth_date.age_on(age_on)
        ages = frozenset(range(youngest, oldest + 1))
    return {
        "age": ages,
        "captured_on": holding.captured_on,
        "category": holding.category.value,
        "civilian": holding.category.is_civilian,
        "health": holding.health.value if holding.health is not None else None,
        "nationality": _folded(identity.nationality),
        "rank": _folded(identity.rank),
        "seriously_ill": holding.seriously_ill,
        "sex": None if identity.sex is Sex.UNKNOWN else identity.sex.value,
        "status": holding.status.value,
    }


def _folded(text: str | None) -> str | None:
    return None if text is None else text.strip().casefold()


def _compare(op: str, value: Literal, operands: tuple[Literal, ...]) -> bool:
    if op == "in":
        return value in operands
    return _COMPARISONS[op](value, operands[0])


def _decide(node: Comparison, value: Value) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, frozenset):
        return _compare(node.op, value, node.values)
    outcomes = {_compare(node.op, v, node.values) for v in value}
    return outcomes.pop() if len(outcomes) == 1 else None


def evaluate(node: Node, values: Mapping[str, Value]) -> bool | None:
    """Decide ``node`` for one person: true, false or unknown (``None``).

    ``values`` maps field names to :func:`holding_values`-style values; a name missing
    from it is unknown, which lets the law check ask "can this track hold a seriously
    ill person?" with ``{"seriously_ill": True}`` alone.
    """
    if isinstance(node, Constant):
        return node.value
    if isinstance(node, Flag):
        flag = values.get(node.field)
        return None if flag is None else bool(flag)
    if isinstance(node, Comparison):
        return _decide(node, values.get(node.field))
    if isinstance(node, Not):
        inner = evaluate(node.operand, values)
        return None if inner is None else not inner
    results = [evaluate(operand, values) for operand in node.operands]
    decisive = isinstance(node, AnyOf)  # `or` is decided by a true, `and` by a false
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def selects(selector: Selector, holding: Holding, age_on: date) -> bool:
    """Whether ``selector`` is *true* for ``holding``; unknown counts as not selected.

    So a must-include clause ``age < 25`` does not make a person with no date of birth
    mandatory, and a track selector does not put them in the track: an unknown is left
    to people to settle (enter the date), never guessed.
    """
    return evaluate(selector.tree, holding_values(holding, age_on)) is True
