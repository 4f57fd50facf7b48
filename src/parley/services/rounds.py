"""Negotiation rounds: loading the rounds file, commitments that fall due, their listing.

The mediator writes the rounds in a file (``docs/rounds.md``): where and when each met,
who came, the agreements it produced, and what it committed to, each commitment with
the precondition it waits on. ``parley.adapters.rounds_file`` reads and checks the file
on its own (every problem by line and key path); ``load_rounds`` checks what depends on
what is stored, says every problem the same way, and stores nothing unless all of it
holds.

A commitment falls due by itself: ``refresh_commitments`` moves every pending one whose
precondition now holds, and the service that closes a tranche calls it in the same unit
of work, so "round 3 follows the exchange" is met on the day the last tranche closes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from parley.domain.events import CommitmentStatusChanged, RoundRecorded
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Facts,
    Precondition,
    Round,
    change_commitment_status,
    precondition_met,
    precondition_progress,
)
from parley.errors import RoundsRejected, TransitionNotAllowed
from parley.services.ports import (
    RoundRepository,
    RoundUnitOfWork,
    StoredCommitment,
    StoredRound,
)

__all__ = [
    "CommitmentView",
    "KeyPath",
    "ListedCommitment",
    "ListedRound",
    "ListedRounds",
    "LoadedRounds",
    "RoundRepository",
    "RoundUnitOfWork",
    "RoundView",
    "StoredCommitment",
    "StoredRound",
    "exchange_facts",
    "load_rounds",
    "refresh_commitments",
    "rounds_status",
    "update_commitments",
]

KeyPath = tuple[str | int, ...]


# --- the port -----------------------------------------------------------------------


class _ExchangeSource(Protocol):
    def facts(self) -> Mapping[str, ExchangeFacts]: ...


def exchange_facts(uow: object) -> dict[str, ExchangeFacts]:
    """What each exchange has done so far, by agreement name, inside an open unit of work.

    The unit's ``exchange`` repository counts it; a unit without one, or one that cannot
    count yet, knows of none, and every exchange precondition then waits.
    """
    exchange: _ExchangeSource | None = getattr(uow, "exchange", None)
    if exchange is None or not callable(getattr(exchange, "facts", None)):
        return {}
    return dict(exchange.facts())


# --- the rounds as a file lists them ----------------------------------------------


def _at_key(path: KeyPath, message: str) -> str:
    """A problem at ``path`` as ``rounds[2].commitments[1].status: message``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"{text or 'the rounds'}: {message}"


@dataclass(frozen=True, slots=True)
class ListedCommitment:
    """A commitment as a rounds file lists it.

    Attributes:
        commitment: the commitment, its status as the file gives it, else pending.
        status_given: whether the file gives its status; if not, a stored commitment
            keeps its own.
        at: its key path in the file, ``("rounds", 2, "commitments", 1)``, where a
            problem with it is reported.
    """

    commitment: Commitment
    status_given: bool = False
    at: KeyPath = ()


@dataclass(frozen=True, slots=True)
class ListedRound:
    """A round as a rounds file lists it, with its commitments."""

    round: Round
    commitments: tuple[ListedCommitment, ...] = ()


@dataclass(frozen=True, slots=True)
class ListedRounds:
    """The rounds a file lists, each checked on its own (``parley.adapters.rounds_file``):
    each round number once, each commitment ref once. What depends on what is stored
    (a commitment's move of status, the agreement a precondition waits on) ``load_rounds``
    checks.

    Attributes:
        source: the file's name, as messages give it.
        rounds: the rounds, in the file's order.
        locate: a problem at a key path as a person reads it, e.g.
            ``rounds.yaml line 14, key rounds[2].commitments[1].status: ...``.
    """

    source: str
    rounds: tuple[ListedRound, ...]
    locate: Callable[[KeyPath, str], str] = _at_key


def _agreement_problem(pre: Precondition, known: set[str]) -> str | None:
    """Why ``pre`` waits on no round's agreement, or None when it is one (or waits on none)."""
    if pre.agreement_ref is None or pre.agreement_ref in known:
        return None
    names = ", ".join(repr(n) for n in sorted(known)) or "none: list it under a round"
    return f"{pre.agreement_ref!r} is no round's agreement ({names})"


def _settle(
    listed: ListedRounds, stored: Sequence[StoredRound], *, today: date, facts: Facts
) -> list[tuple[Round, list[Commitment]]]:
    """The listed rounds, each commitment's status settled: as the file gives it, else as
    stored, else pending. A stored commitment's change of status must be a move its state
    machine allows; a stored ref stays with the rounds the file lists; a precondition
    waits on an agreement of a listed round or of a stored one the file leaves as it is.

    Raises:
        RoundsRejected: any of that does not hold; every problem is listed.
    """
    numbers = {item.round.number for item in listed.rounds}
    known = {a for item in listed.rounds for a in item.round.agreements}
    known |= {a for s in stored if s.round.number not in numbers for a in s.round.agreements}
    before = {c.commitment.ref: c.commitment for s in stored for c in s.commitments}
    problems: list[str] = []
    out: list[tuple[Round, list[Commitment]]] = []
    for item in listed.rounds:
        settled: list[Commitment] = []
        for entry in item.commitments:
            c, old = entry.commitment, before.get(entry.commitment.ref)
            found: list[tuple[KeyPath, str | None]] = [
                (("precondition", "agreement"), _agreement_problem(c.precondition, known))
            ]
            if old is not None and old.round_number not in numbers:
                found.append((("ref",), _elsewhere(c, old)))
            if old is not None and not entry.status_given:
                c = replace(c, status=old.status)
            elif old is not None and c.status is not old.status:
                found.append((("status",), _refused_move(c, old.status, today=today, facts=facts)))
            problems += [listed.locate((*entry.at, *key), why) for key, why in found if why]
            settled.append(c)
        out.append((item.round, settled))
    if problems:
        raise RoundsRejected(listed.source, problems)
    return out


def _elsewhere(c: Commitment, old: Commitment) -> str:
    return (
        f"{c.ref!r} is a commitment of round {old.round_number}, which this document "
        "does not list (expected a ref of its own)"
    )


def _refused_move(
    c: Commitment, before: CommitmentStatus, *, today: date, facts: Facts
) -> str | None:
    """Why a stored commitment may not move from ``before`` to ``c.status``, or None."""
    try:
        change_commitment_status(replace(c, status=before), c.status, today=today, facts=facts)
    except TransitionNotAllowed as e:
        return str(e)
    return None


# --- the use cases -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedRounds:
    """What loading a rounds document did.

    Attributes:
        rounds: the numbers of the rounds it lists.
        commitments: how many commitments they hold.
        recorded: the rounds that were new or changed, each logged as ``RoundRecorded``.
        fell_due: the commitments that fell due at once, their precondition holding.
    """

    rounds: tuple[int, ...]
    commitments: int
    recorded: tuple[int, ...]
    fell_due: tuple[Commitment, ...]


def load_rounds(
    uow: RoundUnitOfWork, listed: ListedRounds, *, actor: str, now: datetime
) -> LoadedRounds:
    """Store the rounds a file lists, each replacing the stored round of its number.

    A commitment keeps its stored status unless the file gives one, which must then
    be a move its state machine allows. Each new or changed round is logged
    (``RoundRecorded``), each change of a commitment's status too
    (``CommitmentStatusChanged``); then pending commitments whose precondition holds fall
    due (``refresh_commitments``), today being ``now``'s date.

    Raises:
        RoundsRejected: the rounds do not fit what is stored (a move of status the state
            machine refuses, a stored ref under a round the file leaves out, a precondition
            on no round's agreement); every problem is listed, and nothing is stored.
    """
    with uow:
        stored = uow.rounds.all()
        facts = exchange_facts(uow)
        rounds = _settle(listed, stored, today=now.date(), facts=facts)
        before = {s.round.number: s for s in stored}
        statuses = {c.commitment.ref: c.commitment.status for s in stored for c in s.commitments}
        recorded: list[int] = []
        changed: list[tuple[Round, list[Commitment]]] = []
        for rnd, commitments in rounds:
            old = before.get(rnd.number)
            was = (old.round, _terms(c.commitment for c in old.commitments)) if old else None
            moved = [c for c in commitments if c.ref in statuses and statuses[c.ref] != c.status]
            if was != (rnd, _terms(commitments)):
                uow.record(_recorded(rnd, actor, now))
                recorded.append(rnd.number)
            if was != (rnd, _terms(commitments)) or moved:
                changed.append((rnd, commitments))
            for c in moved:
                uow.record(_status_changed(c, statuses[c.ref], actor, now))
        if changed:
            uow.rounds.put(changed, now)
        fell_due = refresh_commitments(uow, facts=facts, today=now.date(), actor=actor, now=now)
        uow.commit()
    count = sum(len(c) for _, c in rounds)
    return LoadedRounds(tuple(r.number for r, _ in rounds), count, tuple(recorded), tuple(fell_due))


def _terms(commitments: Iterable[Commitment]) -> set[Commitment]:
    """The commitments as promised, their statuses aside: what a round's record holds."""
    return {replace(c, status=CommitmentStatus.PENDING) for c in commitments}


def refresh_commitments(
    uow: RoundUnitOfWork, *, facts: Facts, today: date, actor: str, now: datetime
) -> list[Commitment]:
    """Move every pending commitment whose precondition holds to due, inside an open unit.

    The caller commits: the service that closes a tranche calls this in its own unit of
    work, with the exchanges' facts as that closing leaves them. Each move is logged
    (``CommitmentStatusChanged``).

    Returns:
        The commitments that fell due, as they now stand.
    """
    moved: list[Commitment] = []
    for stored in uow.rounds.all():
        for item in stored.commitments:
            c = item.commitment
            if c.status is not CommitmentStatus.PENDING:
                continue
            if not precondition_met(c.precondition, today=today, facts=facts):
                continue
            due = change_commitment_status(c, CommitmentStatus.DUE, today=today, facts=facts)
            uow.rounds.save_status(due, now)
            uow.record(_status_changed(due, c.status, actor, now))
            moved.append(due)
    return moved


def update_commitments(
    uow: RoundUnitOfWork, *, today: date, actor: str, now: datetime
) -> list[Commitment]:
    """Let pending commitments fall due on today's date and the exchanges as they stand.

    Returns:
        The commitments that fell due.
    """
    with uow:
        moved = refresh_commitments(
            uow, facts=exchange_facts(uow), today=today, actor=actor, now=now
        )
        uow.commit()
    return moved


@dataclass(frozen=True, slots=True)
class CommitmentView:
    """A commitment as listed: its status since when, and where its precondition stands."""

    commitment: Commitment
    since: datetime | None
    holds: bool
    progress: str


@dataclass(frozen=True, slots=True)
class RoundView:
    """A round as listed, with its commitments."""

    round: Round
    commitments: tuple[CommitmentView, ...]


def rounds_status(
    uow: RoundUnitOfWork, *, facts: Facts | None = None, today: date
) -> list[RoundView]:
    """Every round with its commitments, and whether each precondition holds today.

    ``facts`` are the exchanges' facts by agreement name; without them the unit of work
    counts them (``exchange_facts``).
    """
    with uow:
        known = exchange_facts(uow) if facts is None else facts
        return [
            RoundView(
                s.round,
                tuple(
                    _view(c, today=today, facts=known)
                    for c in sorted(s.commitments, key=lambda c: _ref_order(c.commitment.ref))
                ),
            )
            for s in uow.rounds.all()
        ]


def _view(item: StoredCommitment, *, today: date, facts: Facts) -> CommitmentView:
    pre = item.commitment.precondition
    holds = precondition_met(pre, today=today, facts=facts)
    words = precondition_progress(pre, today=today, facts=facts)
    return CommitmentView(item.commitment, item.since, holds, words)


def _ref_order(ref: str) -> tuple[tuple[int, str], ...]:
    """``r2-9`` before ``r2-10``: digits compare as numbers."""
    parts = re.split(r"(\d+)", ref)
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts if p)


def _recorded(rnd: Round, actor: str, now: datetime) -> RoundRecorded:
    return RoundRecorded(
        occurred_at=now,
        actor=actor,
        number=rnd.number,
        venue=rnd.venue,
        starts_on=None if rnd.starts_on is None else rnd.starts_on.isoformat(),
        status=rnd.status.value,
        agreements=rnd.agreements,
    )


def _status_changed(
    c: Commitment, before: CommitmentStatus, actor: str, now: datetime
) -> CommitmentStatusChanged:
    return CommitmentStatusChanged(
        occurred_at=now,
        actor=actor,
        ref=c.ref,
        round_number=c.round_number,
        from_status=before.value,
        to_status=c.status.value,
    )
