"""Negotiation rounds: the rounds file, commitments that fall due, and their listing.

The mediator writes the rounds in a file (``docs/rounds.md``): where and when each met,
who came, the agreements it produced, and what it committed to, each commitment with
the precondition it waits on. ``load_rounds`` checks the whole document, says every
problem by its key path (``rounds[2].commitments[1].precondition.kind``; list positions
count from 1) and stores nothing unless all of it holds.

A commitment falls due by itself: ``refresh_commitments`` moves every pending one whose
precondition now holds, and the service that closes a tranche calls it in the same unit
of work, so "round 3 follows the exchange" is met on the day the last tranche closes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from parley.domain.events import CommitmentStatusChanged, RoundRecorded
from parley.domain.parties import Party
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    ExchangeFacts,
    Facts,
    Precondition,
    PreconditionKind,
    Round,
    RoundStatus,
    change_commitment_status,
    precondition_met,
    precondition_progress,
)
from parley.errors import InvalidValue, TransitionNotAllowed
from parley.services.ports import (
    RoundRepository,
    RoundUnitOfWork,
    StoredCommitment,
    StoredRound,
)

__all__ = [
    "CommitmentView",
    "LoadedRounds",
    "RoundRepository",
    "RoundUnitOfWork",
    "RoundView",
    "RoundsRejected",
    "StoredCommitment",
    "StoredRound",
    "exchange_facts",
    "load_rounds",
    "refresh_commitments",
    "rounds_status",
    "update_commitments",
]

E = TypeVar("E", bound=StrEnum)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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


# --- reading the rounds document ------------------------------------------------------


class RoundsRejected(InvalidValue):
    """A rounds document had problems; nothing of it was stored.

    Attributes:
        problems: every problem, one line each: ``KEY: what is wrong (what was expected)``.
    """

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        where, what = problems[0]
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(where, what + suffix)
        self.problems = [f"{key}: {message}" for key, message in problems]


def _key(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the document"


def _indexed(path: KeyPath) -> bool:
    return len(path) > 1 and isinstance(path[1], int)


class _Reader:
    """Checks plain values (from YAML or JSON), collecting each problem with its key path."""

    def __init__(self) -> None:
        self.problems: list[tuple[KeyPath, str]] = []

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append((path, message))

    def ordered(self) -> list[tuple[str, str]]:
        """The problems round by round (as the document runs), each as (key, message)."""
        by_round = sorted(self.problems, key=lambda p: p[0][1] if _indexed(p[0]) else 0)
        return [(_key(path), message) for path, message in by_round]

    def mapping(
        self, value: Any, path: KeyPath, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Any] | None:
        known = required + optional
        if not isinstance(value, dict):
            self.fail(path, f"is not a mapping (expected the keys {', '.join(known)})")
            return None
        for key in value:
            if isinstance(key, bool):
                what = f"{key} is what YAML makes of a bare on, off, yes or no"
                self.fail((*path, str(key)), f"{what} (expected one of: {', '.join(known)})")
            elif key not in known:
                self.fail((*path, str(key)), f"unknown key (expected one of: {', '.join(known)})")
        for key in required:
            if key not in value:
                self.fail(path, f"lacks the key {key} (required)")
        return value

    def listed(self, value: Any, path: KeyPath) -> list[tuple[KeyPath, Any]] | None:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "is not a list (expected '- ' items or [a, b])")
            return None
        return [((*path, n), item) for n, item in enumerate(value, start=1)]

    def text(self, value: Any, path: KeyPath, limit: int = 200) -> str | None:
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.fail(path, f"{value!r} is not a text of 1 to {limit} characters")
            return None
        return value

    def whole(self, value: Any, path: KeyPath, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(path, f"{value!r} is not a whole number (expected {minimum} or more)")
            return None
        return value

    def day(self, value: Any, path: KeyPath) -> date | None:
        if isinstance(value, str) and _DAY.match(value):  # JSON has no dates, YAML quoted
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.fail(path, f"{value!r} is not a date (expected YYYY-MM-DD)")
        return None

    def choice(self, value: Any, path: KeyPath, enum: type[E]) -> E | None:
        try:
            return enum(value)
        except ValueError:
            options = ", ".join(m.value for m in enum)
            self.fail(path, f"{value!r} is not allowed (expected one of: {options})")
            return None

    def rule(self, path: KeyPath, keys: Mapping[str, Any], error: InvalidValue) -> None:
        """Report a domain rule's refusal at the key it names, if the document has it."""
        self.fail((*path, error.field) if error.field in keys else path, error.message)


_ROUND_KEYS = ("starts_on", "status", "mediator", "delegations", "agreements", "commitments")
_NEEDS: dict[PreconditionKind, tuple[str, ...]] = {
    PreconditionKind.NONE: (),
    PreconditionKind.EXCHANGE_COMPLETE: ("agreement",),
    PreconditionKind.STAGES_CLOSED: ("agreement", "stages"),
    PreconditionKind.DATE_REACHED: ("date",),
}


def _delegations(r: _Reader, value: Any, path: KeyPath) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, dict):
        r.fail(path, "is not a mapping (expected party code: delegation, e.g. UA: ...)")
        return None
    start = len(r.problems)
    pairs = []
    for code, text in value.items():
        where = (*path, str(code))
        if not isinstance(code, str):  # YAML reads NO as false, 12 as a number
            r.fail(where, f"{code!r} is not a party code (expected text: quote it, e.g. 'NO')")
        else:
            try:
                Party(code, code)
            except InvalidValue as e:
                r.fail(where, e.message)
        pairs.append((str(code), r.text(text, where, 500)))
    return tuple((c, str(t)) for c, t in pairs) if len(r.problems) == start else None


def _round(r: _Reader, value: Any, path: KeyPath) -> tuple[int | None, Round | None, list[Any]]:
    """The round at ``path``: its number and the round (each None if it has a problem),
    and its commitments' raw items, read even when the round itself has a problem."""
    raw = r.mapping(value, path, ("number", "venue"), _ROUND_KEYS)
    if raw is None:
        return None, None, []
    start = len(r.problems)
    number = r.whole(raw.get("number"), (*path, "number"), 1) if "number" in raw else None
    venue = r.text(raw.get("venue"), (*path, "venue")) if "venue" in raw else None
    on = raw.get("starts_on")
    starts_on = None if on is None else r.day(on, (*path, "starts_on"))
    status = r.choice(raw.get("status", "planned"), (*path, "status"), RoundStatus)
    mediator = raw.get("mediator")
    if mediator is not None:
        mediator = r.text(mediator, (*path, "mediator"))
    delegations = _delegations(r, raw.get("delegations"), (*path, "delegations"))
    agreements = [
        r.text(v, p) for p, v in r.listed(raw.get("agreements"), (*path, "agreements")) or []
    ]
    commitments = r.listed(raw.get("commitments"), (*path, "commitments")) or []
    if len(r.problems) > start or number is None or venue is None:
        return number, None, commitments
    try:
        rnd = Round(
            number,
            venue,
            starts_on,
            status or RoundStatus.PLANNED,
            mediator,
            delegations or (),
            tuple(a for a in agreements if a is not None),
        )
    except InvalidValue as e:
        r.rule(path, raw, e)
        return number, None, commitments
    return number, rnd, commitments


def _precondition(r: _Reader, value: Any, path: KeyPath, known: set[str]) -> Precondition | None:
    if value is None or value == "none":
        return Precondition()
    raw = r.mapping(
        {"kind": value} if isinstance(value, str) else value,
        path,
        ("kind",),
        ("agreement", "stages", "date"),
    )
    if raw is None or "kind" not in raw:
        return None
    kind = r.choice(raw["kind"], (*path, "kind"), PreconditionKind)
    if kind is None:
        return None
    needs = _NEEDS[kind]
    start = len(r.problems)
    for key in ("agreement", "stages", "date"):
        if key in raw and key not in needs:
            r.fail((*path, key), f"does not apply to {kind.value} (remove it)")
        elif key not in raw and key in needs:
            r.fail(path, f"lacks the key {key} (required by {kind.value})")
    agreement = stages = on = None
    if "agreement" in needs and "agreement" in raw:
        agreement = r.text(raw["agreement"], (*path, "agreement"))
        if agreement is not None and agreement not in known:
            names = ", ".join(repr(n) for n in sorted(known)) or "none: list it under a round"
            r.fail((*path, "agreement"), f"{agreement!r} is no round's agreement ({names})")
    if "stages" in needs and "stages" in raw:
        stages = r.whole(raw["stages"], (*path, "stages"), 1)
    if "date" in needs and "date" in raw:
        on = r.day(raw["date"], (*path, "date"))
    if len(r.problems) > start:
        return None
    try:
        return Precondition(kind, agreement, stages, on)
    except InvalidValue as e:  # pragma: no cover - every rule is checked above
        r.fail(path, e.message)
        return None


def _commitment(
    r: _Reader, value: Any, path: KeyPath, number: int | None, known: set[str]
) -> Commitment | None:
    """The commitment at ``path``, its status as the document gives it or None (unsaid)."""
    raw = r.mapping(value, path, ("text",), ("ref", "precondition", "status"))
    if raw is None:
        return None
    start = len(r.problems)
    ref = r.text(raw["ref"], (*path, "ref"), 64) if "ref" in raw else f"r{number}-{path[-1]}"
    text = r.text(raw.get("text"), (*path, "text"), 2000) if "text" in raw else None
    pre = _precondition(r, raw.get("precondition"), (*path, "precondition"), known)
    status = None
    if "status" in raw:
        status = r.choice(raw["status"], (*path, "status"), CommitmentStatus)
    if len(r.problems) > start or None in (number, ref, text, pre):
        return None
    try:
        commitment = Commitment(str(ref), number or 0, str(text), pre or Precondition())
    except InvalidValue as e:
        r.rule(path, raw, e)
        return None
    return commitment if status is None else replace(commitment, status=status)


def _settle(
    r: _Reader,
    listed: list[tuple[KeyPath, Commitment, bool]],
    stored: Sequence[StoredRound],
    numbers: set[int],
    *,
    today: date,
    facts: Facts,
) -> list[Commitment]:
    """Each listed commitment (path, commitment, whether its status was given) with its
    status settled: as the document gives it, else as stored, else pending. A stored
    commitment's change of status must be a move its state machine allows."""
    before = {c.commitment.ref: c.commitment for s in stored for c in s.commitments}
    first: dict[str, KeyPath] = {}
    out: list[Commitment] = []
    for path, c, given in listed:
        old = before.get(c.ref)
        if c.ref in first:
            r.fail(
                (*path, "ref"), f"{c.ref!r} is also the ref of {_key(first[c.ref])} (expected once)"
            )
        first.setdefault(c.ref, path)
        if old is not None and old.round_number not in numbers:
            r.fail(
                (*path, "ref"),
                f"{c.ref!r} is a commitment of round {old.round_number}, which this "
                "document does not list (expected a ref of its own)",
            )
        if old is not None and not given:
            c = replace(c, status=old.status)
        elif old is not None and c.status is not old.status:
            try:
                change_commitment_status(
                    replace(c, status=old.status), c.status, today=today, facts=facts
                )
            except TransitionNotAllowed as e:
                r.fail((*path, "status"), str(e))
        out.append(c)
    return out


def _read(
    document: Any, stored: Sequence[StoredRound], *, today: date, facts: Facts
) -> list[tuple[Round, list[Commitment]]]:
    """The rounds of ``document``, each with its commitments, settled against ``stored``.

    Raises:
        RoundsRejected: anything is missing, unknown, malformed or breaks a rule.
    """
    r = _Reader()
    top = r.mapping(document, (), ("rounds",), ())
    items = r.listed(top.get("rounds"), ("rounds",)) if top and "rounds" in top else None
    if items == []:
        r.fail(("rounds",), "is empty (expected at least one round)")
    rounds = [(path, *_round(r, value, path)) for path, value in items or []]
    numbers: dict[int, KeyPath] = {}
    for path, number, _, _ in rounds:
        if number is not None and number in numbers:
            again = f"{number} is also the number of {_key(numbers[number])}"
            r.fail((*path, "number"), f"{again} (expected each round once)")
        elif number is not None:
            numbers[number] = path
    # As written, so that a round with another problem does not hide its agreements.
    known = {
        a
        for _, value in items or []
        if isinstance(value, dict) and isinstance(value.get("agreements"), list)
        for a in value["agreements"]
        if isinstance(a, str)
    }
    known |= {a for s in stored if s.round.number not in numbers for a in s.round.agreements}
    listed = []
    for _, number, _, commitments in rounds:
        for path, value in commitments:
            c = _commitment(r, value, path, number, known)
            if c is not None:
                listed.append((path, c, isinstance(value, dict) and "status" in value))
    settled = _settle(r, listed, stored, set(numbers), today=today, facts=facts)
    if r.problems:
        raise RoundsRejected(r.ordered())
    return [
        (rnd, [c for c in settled if c.round_number == rnd.number])
        for _, _, rnd, _ in rounds
        if rnd is not None
    ]


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
    uow: RoundUnitOfWork, document: Mapping[str, Any], *, actor: str, now: datetime
) -> LoadedRounds:
    """Store the rounds ``document`` lists, each replacing the stored round of its number.

    A commitment keeps its stored status unless the document gives one, which must then
    be a move its state machine allows. Each new or changed round is logged
    (``RoundRecorded``), each change of a commitment's status too
    (``CommitmentStatusChanged``); then pending commitments whose precondition holds fall
    due (``refresh_commitments``), today being ``now``'s date.

    Raises:
        RoundsRejected: the document has problems, every one listed by its key path;
            nothing is stored.
    """
    with uow:
        stored = uow.rounds.all()
        facts = exchange_facts(uow)
        rounds = _read(document, stored, today=now.date(), facts=facts)
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
