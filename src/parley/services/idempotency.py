"""Idempotency keys: a request sent again with its key is answered, not done again.

The semantics are those of the IETF ``Idempotency-Key`` HTTP header draft: the result of
the first request with a key is stored in the same transaction as the change it made;
the same key with the same request returns that result again, however many times it is
sent; the same key with a *different* request is refused; a key whose first request is
still being processed is refused as a conflict.

It all happens inside the request's own unit of work, so a request that fails, or a
process that dies, leaves no trace of its key and it can simply be sent again:

1. :func:`replayed` holds the key for the transaction (on PostgreSQL an advisory lock,
   which a request still in flight holds: the second is refused at once; on SQLite the
   write lock already lets one writer through at a time, so a second request waits and
   then finds the first one's result) and returns the stored result, if any; a first
   request that finishes between the read and the lock is caught when the result is
   stored;
2. the request does its work, then :func:`remember` stores its result before the commit.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from parley.errors import Conflict, InvalidValue
from parley.services.ports import IdempotentUnitOfWork

__all__ = ["MAX_KEY", "remember", "replayed"]

MAX_KEY = 200


def replayed(uow: IdempotentUnitOfWork, key: str, request_sha256: str) -> dict[str, Any] | None:
    """Inside an open unit: the stored result of ``key``'s first request, or None to go on.

    Raises:
        InvalidValue: the key is empty, too long or holds a control character.
        Conflict: the key was used for another request, or its first request is still
            being processed.
    """
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidValue("idempotency key", f"must be 1 to {MAX_KEY} printable characters")
    held, found = uow.idempotency.hold(key)
    if not held:
        raise Conflict(
            f"the request with idempotency key {key!r} is still being processed; "
            "wait for its answer"
        )
    if found is None:
        return None
    sha, response = found
    if sha != request_sha256:
        raise Conflict(
            f"idempotency key {key!r} was used for another request; use a new key for a new request"
        )
    result: dict[str, Any] = json.loads(response)
    return result


def remember(
    uow: IdempotentUnitOfWork,
    key: str,
    *,
    actor: str,
    request_sha256: str,
    response: str,
    now: datetime,
) -> None:
    """Store ``key``'s result in the open unit, to be committed with the request's change.

    Raises:
        Conflict: a request with the same key finished while this one ran (it then rolls
            back; sent again, it gets the first request's answer).
    """
    if not uow.idempotency.put(key, actor, request_sha256, response, now):
        raise Conflict(
            f"the request with idempotency key {key!r} was answered while this one ran; "
            "send it again for that answer"
        )
