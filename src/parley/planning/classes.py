"""Classes of interchangeable people: what makes the planner fast and still exact.

Two candidates of the same side and track, worth the same points, forced by the same
clauses and asked for with the same priority, differ for every clause and every stage of
the objective only by their order within the class. So the planner decides how many of
each class go in each tranche, and then takes them in order (:func:`order_key`). A
class is one row of the count model, however many people it holds.

The agreement's order says who goes first among people the objective cannot tell apart:
under ``first_captured_first`` the earliest captured, otherwise the youngest, then the
longest held. Requests and illness come before either, as stages of the objective.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from parley.domain.agreements import Agreement, Order
from parley.domain.requests import Priority
from parley.planning.problem import Candidate

__all__ = ["ClassKey", "PersonClass", "group", "order_key"]

_NEVER = date.max


@dataclass(frozen=True, slots=True, order=True)
class ClassKey:
    """What the clauses and the objective see of a person."""

    party: str
    track: str
    points: int
    must_include: tuple[int, ...]
    unilateral: tuple[int, ...]
    requested: int  # Priority.rank, or len(Priority) when nobody asked
    seriously_ill: bool
    first_captured_first: bool

    @property
    def priority(self) -> Priority | None:
        """The request priority the class stands for, if any."""
        ranks = list(Priority)
        return ranks[self.requested] if self.requested < len(ranks) else None


@dataclass(frozen=True, slots=True)
class PersonClass:
    """A class and its members, in the order they are chosen."""

    key: ClassKey
    members: tuple[Candidate, ...]

    @property
    def size(self) -> int:
        """How many people the class holds."""
        return len(self.members)


def order_key(candidate: Candidate, first_captured_first: bool) -> tuple[object, ...]:
    """The order within a class: first captured first, or youngest then longest held."""
    captured = candidate.captured_on or _NEVER
    if first_captured_first:
        return (captured, candidate.record_id)
    return (-candidate.born, captured, candidate.record_id)


_Key = tuple[str, str, int, tuple[int, ...], tuple[int, ...], int, bool]


def group(agreement: Agreement, candidates: Iterable[Candidate]) -> list[PersonClass]:
    """Sort ``candidates`` into classes, each in the order its people are chosen."""
    fcfs = {
        track.name: track.formula.order is Order.FIRST_CAPTURED_FIRST for track in agreement.tracks
    }
    ranks: dict[Priority | None, int] = {p: p.rank for p in Priority}
    ranks[None] = len(Priority)
    members: dict[_Key, list[Candidate]] = {}
    for c in candidates:  # a plain tuple per person; a ClassKey per class, below
        key = (
            c.party,
            c.track,
            c.points,
            tuple(sorted(c.must_include)) if c.must_include else (),
            tuple(sorted(c.unilateral)) if c.unilateral else (),
            ranks[c.requested],
            c.seriously_ill,
        )
        members.setdefault(key, []).append(c)
    classes = []
    for fields, people in members.items():
        class_key = ClassKey(*fields, fcfs[fields[1]])
        people.sort(key=lambda c: order_key(c, class_key.first_captured_first))
        classes.append(PersonClass(class_key, tuple(people)))
    return sorted(classes, key=lambda cls: cls.key)
