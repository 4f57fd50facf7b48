"""Reading a selector's text: a hand-written tokenizer and recursive-descent parser.

Never Python's ``eval``: the grammar (``parley.domain.selectors``) allows only known
fields compared with literals, combined with ``and``, ``or`` and ``not``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from parley.domain.selector_syntax import (
    FIELDS,
    KEYWORDS,
    MAX_SELECTOR,
    ORDERED,
    AllOf,
    AnyOf,
    Comparison,
    Constant,
    Field,
    FieldKind,
    Flag,
    Literal,
    Node,
    Not,
    Selector,
    SelectorError,
)

__all__ = ["MAX_NESTING", "parse_selector"]

MAX_NESTING = 32  # a person writes two or three; each level costs the parser 4 frames


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
        self.depth = 0  # parentheses and nots open around the token being read

    def deeper(self, token: _Token) -> None:
        """Count one more level; refuse more than ``MAX_NESTING`` before recursion runs out."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SelectorError(
                token.column,
                f"parentheses and not nest more than {MAX_NESTING} deep",
                f"expected at most {MAX_NESTING} levels",
            )

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
            self.deeper(self.take())
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token.text == "(":
            self.deeper(token)
            node = self.or_expr()
            self.expect(")", "')'")
            self.depth -= 1
            return node
        if token.kind == "name" and token.text in ("true", "false"):
            return Constant(token.text == "true")
        if token.kind != "name" or token.text in KEYWORDS:
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
            if token.text not in ("==", "!=") and field.kind not in ORDERED:
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
    if token.kind == "name" and token.text not in KEYWORDS:
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
