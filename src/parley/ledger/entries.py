"""Log entries: what the public log says about each event, with no one's identity in it.

An entry is RFC 8785 canonical JSON::

    {"actor": ..., "data": {...}, "seq": N, "time": "2025-05-23T09:30:00.000000Z",
     "type": "HoldingStatusChanged", "v": 1}

``data`` is the event's payload with every reference to a person's record replaced by a
**commitment**: ``SHA-256(salt || canonical person record)`` in hex, where the person
record is ``{"kind": "holding" | "request", "party": ..., "record_id": ...}`` and the
salt is 32 random bytes kept in the database, one per record. Observers see that the
same person moved from state to state, on which side and in which track and tranche,
but cannot tell who, nor guess a record id and test it; a family given the salt and the
record (in a receipt) can recompute the commitment and find the person's entries.

The person record holds the record's identity, not its name, so a commitment stays the
same when a spelling is corrected, and no name is ever needed to check one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from parley.ledger.canonical import canonical

__all__ = ["ENTRY_VERSION", "SALT_SIZE", "Salts", "commitment", "entry", "person_record"]

ENTRY_VERSION = 1
SALT_SIZE = 32

# The salt of a record, created on first use: (kind, party, record id) -> 32 bytes.
Salts = Callable[[str, str, str], bytes]


def person_record(kind: str, party: str, record_id: str) -> bytes:
    """The canonical person record a commitment is made over."""
    return canonical({"kind": kind, "party": party, "record_id": record_id})


def commitment(salt: bytes, record: bytes) -> str:
    """``SHA-256(salt || record)`` in hex.

    Raises:
        ValueError: the salt is not 32 bytes.
    """
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a salt is {SALT_SIZE} bytes, not {len(salt)}")
    return hashlib.sha256(salt + record).hexdigest()


def _time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an entry's time must carry its time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _committed(
    payload: Mapping[str, Any], persons: Mapping[str, tuple[str, str]], salts: Salts
) -> dict[str, Any]:
    data = dict(payload)
    for name, (kind, party_field) in persons.items():
        value = data.get(name)
        party = str(data[party_field])

        def commit(record_id: str, kind: str = kind, party: str = party) -> str:
            return commitment(salts(kind, party, record_id), person_record(kind, party, record_id))

        if isinstance(value, str):
            data[name] = commit(value)
        elif isinstance(value, list | tuple):
            data[name] = [commit(str(v)) for v in value]
    return data


def entry(
    seq: int,
    kind: str,
    at: datetime,
    actor: str,
    payload: Mapping[str, Any],
    persons: Mapping[str, tuple[str, str]],
    salts: Salts,
) -> bytes:
    """The canonical bytes of entry ``seq`` (from 1), hashed into the log as they are.

    Args:
        seq: the entry's position in the log, counting from 1.
        kind: the event type, e.g. ``HoldingStatusChanged``.
        at: when it happened (time-zone aware; written in UTC).
        actor: who did it (a role or party code, never a person's name).
        payload: the event's fields.
        persons: which payload fields name a person's record (``DomainEvent.PERSONS``).
        salts: the salt of each record, created on first use.
    """
    return canonical(
        {
            "v": ENTRY_VERSION,
            "seq": seq,
            "type": kind,
            "time": _time(at),
            "actor": actor,
            "data": _committed(payload, persons, salts),
        },
        name="entry",
    )
