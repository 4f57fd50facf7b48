"""Selectors: a small, safe expression language over a holding's fields.

An agreement says who is in a track, who must be included and who goes unilaterally
with expressions such as ``category == pow and age < 25`` or ``seriously_ill``. They are
read by the hand-written tokenizer and parser of ``selector_parser``, never by ``eval``: the
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

from collections.abc import Mapping
from datetime import date

from parley.domain.holdings import Holding
from parley.domain.people import Sex
from parley.domain.selector_parser import parse_selector
from parley.domain.selector_syntax import (
    COMPARISONS,
    FIELDS,
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
    Value,
)

__all__ = [
    "FIELDS",
    "Field",
    "FieldKind",
    "Selector",
    "SelectorError",
    "Value",
    "evaluate",
    "holding_values",
    "parse_selector",
    "selects",
]


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
    return COMPARISONS[op](value, operands[0])


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
