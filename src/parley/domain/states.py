"""Explicit state machines: one table of allowed moves, one function that applies them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from parley.errors import TransitionNotAllowed

__all__ = ["check_transition"]

S = TypeVar("S", bound=StrEnum)


def check_transition(
    table: Mapping[S, frozenset[S]], current: S, target: S, *, subject: str, why: str = ""
) -> S:
    """Return ``target`` if the table allows ``current -> target``.

    Args:
        table: for each state, the states it may move to.
        current: the state now.
        target: the state asked for.
        subject: what is moving, for the message (e.g. ``holding RU-H-000017``).
        why: the rule behind the table, cited in the message when the move is refused.

    Raises:
        TransitionNotAllowed: the move is not in the table.
    """
    allowed = table.get(current, frozenset())
    if target not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none: it is final"
        reason = f" ({why})" if why else ""
        raise TransitionNotAllowed(
            f"{subject} cannot move from {current.value} to {target.value}{reason}; "
            f"from {current.value} it may move to: {options}"
        )
    return target
