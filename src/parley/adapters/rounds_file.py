"""Reading a rounds file (YAML) into rounds and commitments, or saying all that is wrong.

Values come from ``yaml.safe_load`` (no Python objects, no tags); line numbers come from
the node tree that PyYAML's ``SafeLoader`` composes from the same text. Every problem is
collected and reported as ``FILE line N, key K: what is wrong (what was expected)``, list
positions counting from 1, and any problem means nothing is returned. What depends on
the rounds already stored (a commitment's move of status, the agreement a precondition
waits on) ``parley.services.rounds.load_rounds`` checks. ``docs/rounds.md`` documents
every key.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from parley.adapters.yaml_reader import KeyPath, YamlReader, key_text, open_yaml, read_text
from parley.domain.parties import Party
from parley.domain.rounds import (
    Commitment,
    CommitmentStatus,
    Precondition,
    PreconditionKind,
    Round,
    RoundStatus,
)
from parley.errors import InvalidValue, RoundsRejected
from parley.services.rounds import ListedCommitment, ListedRound, ListedRounds

__all__ = ["load_rounds", "read_rounds"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ROUND_KEYS = ("starts_on", "status", "mediator", "delegations", "agreements", "commitments")
_PRECONDITION_KEYS = ("agreement", "stages", "date")
_NEEDS: dict[PreconditionKind, tuple[str, ...]] = {
    PreconditionKind.NONE: (),
    PreconditionKind.EXCHANGE_COMPLETE: ("agreement",),
    PreconditionKind.STAGES_CLOSED: ("agreement", "stages"),
    PreconditionKind.DATE_REACHED: ("date",),
}


def _mapping(
    reader: YamlReader,
    value: Any,
    path: KeyPath,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> dict[str, Any] | None:
    """``reader.mapping``, saying what a key that YAML read as true or false came from."""
    if not isinstance(value, dict):
        return reader.mapping(value, path, required, optional)
    for key in value:
        if isinstance(key, bool):
            expected = ", ".join(required + optional)
            what = f"{key} is what YAML makes of a bare on, off, yes or no"
            reader.fail(_as_written(reader, path, key), f"{what} (expected one of: {expected})")
    keys = {k: v for k, v in value.items() if not isinstance(k, bool)}
    return reader.mapping(keys, path, required, optional)


def _as_written(reader: YamlReader, path: KeyPath, key: object) -> KeyPath:
    """The path of ``key`` under ``path`` as the file writes it: a bare ``on`` that YAML
    read as True is found, and its line with it, under ``on``."""
    if isinstance(key, bool):
        words = {"yes", "true", "on"} if key else {"no", "false", "off"}
        for marked in reader.marks:
            under = len(marked) == len(path) + 1 and marked[:-1] == path
            if under and str(marked[-1]).lower() in words:
                return marked
    return (*path, str(key))


def _text(reader: YamlReader, value: Any, path: KeyPath, limit: int = 200) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        reader.fail(path, f"{value!r} is not a text of 1 to {limit} characters")
        return None
    return value


def _day(reader: YamlReader, value: Any, path: KeyPath) -> date | None:
    """A date, YYYY-MM-DD; quoted is accepted too, a date with a time is not."""
    if isinstance(value, str) and _DAY.match(value):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    reader.fail(path, f"{value!r} is not a date (expected YYYY-MM-DD)")
    return None


def _rule(reader: YamlReader, path: KeyPath, keys: dict[str, Any], error: InvalidValue) -> None:
    """Report a domain rule's refusal at the key it names, if the file has it."""
    reader.fail((*path, error.field) if error.field in keys else path, error.message)


def _delegations(
    reader: YamlReader, value: Any, path: KeyPath
) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, dict):
        reader.fail(path, "is not a mapping (expected party code: delegation, e.g. UA: ...)")
        return None
    pairs: list[tuple[str, str | None]] = []
    for code, text in value.items():
        where = _as_written(reader, path, code)
        if not isinstance(code, str):  # YAML reads NO as false, 12 as a number
            reader.fail(where, f"{code!r} is not a party code (expected text: quote it, e.g. 'NO')")
            pairs.append((str(code), None))
            continue
        try:
            Party(code, code)
        except InvalidValue as e:
            reader.fail(where, e.message)
            pairs.append((code, None))
            continue
        pairs.append((code, _text(reader, text, where, 500)))
    if any(text is None for _, text in pairs):
        return None
    return tuple((code, str(text)) for code, text in pairs)


def _round(
    reader: YamlReader, value: Any, path: KeyPath
) -> tuple[int | None, Round | None, list[tuple[KeyPath, Any]]]:
    """The round at ``path``: its number and the round (each None if it has a problem),
    and its commitments' raw items with their paths, read even when the round has one."""
    raw = _mapping(reader, value, path, ("number", "venue"), _ROUND_KEYS)
    if raw is None:
        return None, None, []
    start = len(reader.problems)
    number = reader.integer(raw["number"], (*path, "number"), 1) if "number" in raw else None
    venue = _text(reader, raw["venue"], (*path, "venue")) if "venue" in raw else None
    on = raw.get("starts_on")
    starts_on = None if on is None else _day(reader, on, (*path, "starts_on"))
    status = reader.choice(raw.get("status", "planned"), (*path, "status"), RoundStatus)
    mediator = raw.get("mediator")
    if mediator is not None:
        mediator = _text(reader, mediator, (*path, "mediator"))
    delegations = _delegations(reader, raw.get("delegations"), (*path, "delegations"))
    agreements = reader.listed(
        raw.get("agreements"), (*path, "agreements"), lambda v, p: _text(reader, v, p)
    )
    commitments = reader.listed(raw.get("commitments"), (*path, "commitments"), _placed)
    if len(reader.problems) > start or number is None or venue is None:
        return number, None, commitments or []
    try:
        rnd = Round(
            number,
            venue,
            starts_on,
            status or RoundStatus.PLANNED,
            mediator,
            delegations or (),
            tuple(agreements or ()),
        )
    except InvalidValue as e:
        _rule(reader, path, raw, e)
        return number, None, commitments or []
    return number, rnd, commitments or []


def _placed(value: Any, path: KeyPath) -> tuple[KeyPath, Any]:
    return path, value


def _precondition(reader: YamlReader, value: Any, path: KeyPath) -> Precondition | None:
    if value is None or value == "none":
        return Precondition()
    raw = _mapping(
        reader,
        {"kind": value} if isinstance(value, str) else value,
        path,
        ("kind",),
        _PRECONDITION_KEYS,
    )
    if raw is None or "kind" not in raw:
        return None
    kind = reader.choice(raw["kind"], (*path, "kind"), PreconditionKind)
    if kind is None:
        return None
    needs = _NEEDS[kind]
    start = len(reader.problems)
    for key in _PRECONDITION_KEYS:
        if key in raw and key not in needs:
            reader.fail((*path, key), f"does not apply to {kind.value} (remove it)")
        elif key not in raw and key in needs:
            reader.fail(path, f"lacks the key {key} (required by {kind.value})")
    agreement = stages = on = None
    if "agreement" in needs and "agreement" in raw:
        agreement = _text(reader, raw["agreement"], (*path, "agreement"))
    if "stages" in needs and "stages" in raw:
        stages = reader.integer(raw["stages"], (*path, "stages"), 1)
    if "date" in needs and "date" in raw:
        on = _day(reader, raw["date"], (*path, "date"))
    if len(reader.problems) > start:
        return None
    try:
        return Precondition(kind, agreement, stages, on)
    except InvalidValue as e:  # pragma: no cover - every rule is checked above
        reader.fail(path, e.message)
        return None


def _commitment(
    reader: YamlReader, value: Any, path: KeyPath, number: int | None
) -> ListedCommitment | None:
    """The commitment at ``path`` of round ``number``, and whether its status is given."""
    raw = _mapping(reader, value, path, ("text",), ("ref", "precondition", "status"))
    if raw is None:
        return None
    start = len(reader.problems)
    ref = _text(reader, raw["ref"], (*path, "ref"), 64) if "ref" in raw else f"r{number}-{path[-1]}"
    text = _text(reader, raw["text"], (*path, "text"), 2000) if "text" in raw else None
    pre = _precondition(reader, raw.get("precondition"), (*path, "precondition"))
    status = None
    if "status" in raw:
        status = reader.choice(raw["status"], (*path, "status"), CommitmentStatus)
    if len(reader.problems) > start or number is None or ref is None or text is None:
        return None
    try:
        commitment = Commitment(ref, number, text, pre or Precondition())
    except InvalidValue as e:
        _rule(reader, path, raw, e)
        return None
    if status is not None:
        commitment = replace(commitment, status=status)
    return ListedCommitment(commitment, status is not None, path)


def _once(
    reader: YamlReader,
    seen: dict[Any, KeyPath],
    value: Any,
    path: KeyPath,
    what: str,
    expected: str,
) -> None:
    """Say that the ``what`` of the item at ``path`` repeats one seen before, or remember
    the item as the first with it."""
    if value in seen:
        first = seen[value]
        mark = reader.marks.get(first)
        where = key_text(first) + (f" on line {mark.line}" if mark else "")
        reader.fail((*path, what), f"{value!r} is also the {what} of {where} ({expected})")
    else:
        seen[value] = path


def _rounds(reader: YamlReader, data: Any) -> tuple[ListedRound, ...] | None:
    top = _mapping(reader, data, (), ("rounds",), ())
    items = (
        reader.listed(top.get("rounds"), ("rounds",), _placed) if top and "rounds" in top else None
    )
    if items == []:
        reader.fail(("rounds",), "is empty (expected at least one round)")
    rounds = [(path, *_round(reader, value, path)) for path, value in items or []]
    numbers: dict[Any, KeyPath] = {}
    refs: dict[Any, KeyPath] = {}
    listed: list[ListedRound] = []
    for path, number, rnd, commitments in rounds:
        if number is not None:
            _once(reader, numbers, number, path, "number", "expected each round once")
        read = [_commitment(reader, value, at, number) for at, value in commitments]
        for c in read:
            if c is not None:
                _once(reader, refs, c.commitment.ref, c.at, "ref", "expected once")
        if rnd is not None:
            listed.append(ListedRound(rnd, tuple(c for c in read if c is not None)))
    return None if reader.problems else tuple(listed)


def read_rounds(text: str, source: str) -> ListedRounds:
    """Read the rounds of YAML ``text``; ``source`` names the file in messages.

    Raises:
        RoundsRejected: the text is not YAML, or any key is missing, unknown, repeated
            or wrong, or a value breaks a rule of rounds and commitments; every problem
            is listed, one line each.
    """
    data, reader = open_yaml(text, source, RoundsRejected)
    rounds = _rounds(reader, data)
    if rounds is None:
        raise RoundsRejected(source, reader.lines())
    return ListedRounds(source, rounds, lambda path, message: reader.locate(path, message)[1])


def load_rounds(path: Path | Traversable) -> ListedRounds:
    """Read the rounds file at ``path``.

    Raises:
        RoundsRejected: the file cannot be read, or has problems (all listed).
    """
    text = read_text(path, RoundsRejected)
    return read_rounds(text, path.name)
