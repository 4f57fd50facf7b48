"""Clients' idempotency keys behind ``parley.services.ports.IdempotencyKeys``.

Each key is stored with its request's result in the transaction of the change the
request made (``parley.services.idempotency``), by the handover's driver
(``adapters.fastpath``): every handover sent with a key reads and stores one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, Table, Text, bindparam, column, select, text
from sqlalchemy.dialects import postgresql

from parley.adapters.fastpath import Driver, SessionSource, session_of
from parley.adapters.orm import IdempotencyKeyRow
from parley.adapters.statements import Statement

__all__ = ["SqlIdempotencyKeys"]

_IDEMPOTENCY = cast(Table, IdempotencyKeyRow.__table__)
_READ_KEY = Statement(
    select(_IDEMPOTENCY.c.request_sha256, _IDEMPOTENCY.c.response).where(
        _IDEMPOTENCY.c.key == bindparam("b_key")
    )
)
# 64 bits of the key's hash name its advisory lock; a collision only makes a request wait.
# The lock and the row in one round trip (PostgreSQL).
_HOLD_KEY = Statement(
    text(
        "SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0)), "
        "(SELECT request_sha256 FROM idempotency_keys WHERE key = :key), "
        "(SELECT response FROM idempotency_keys WHERE key = :key)"
    ).columns(column("held", Boolean), column("sha", Text), column("response", Text))
)
_KEY_VALUES: dict[str, Any] = {
    name: bindparam(name) for name in ("key", "actor", "request_sha256", "response", "recorded_at")
}
_ADD_KEY = Statement(_IDEMPOTENCY.insert().values(_KEY_VALUES))
_PUT_KEY = Statement(
    postgresql.insert(_IDEMPOTENCY)
    .values(_KEY_VALUES)
    .on_conflict_do_nothing(index_elements=[_IDEMPOTENCY.c.key])
    .returning(_IDEMPOTENCY.c.key)
)


class SqlIdempotencyKeys:
    """Idempotency keys in ``idempotency_keys``, each stored with its request's result."""

    def __init__(self, session: SessionSource, driver: Driver | None = None) -> None:
        self._driver = driver or Driver.of(session_of(session))
        self._postgres = self._driver.dialect.name == "postgresql"

    def hold(self, key: str) -> tuple[bool, tuple[str, str] | None]:
        """Hold ``key`` for the transaction and read what is stored for it.

        On PostgreSQL an advisory lock, tried without waiting, and the stored row, in one
        statement (False: another transaction holds the key). On SQLite the write lock
        taken at BEGIN already excludes every other writer.
        """
        if not self._postgres:
            found = self._driver.first(_READ_KEY, {"b_key": key})
            return True, None if found is None else (found[0], found[1])
        held, sha, response = self._driver.first(_HOLD_KEY, {"key": key})
        return bool(held), None if sha is None else (sha, response)

    def put(self, key: str, actor: str, request_sha256: str, response: str, at: datetime) -> bool:
        """Store a result (in the transaction of the change it reports); False if a
        request with the same key committed first (PostgreSQL: between this one's read of
        the key and its lock)."""
        values = {
            "key": key,
            "actor": actor[:100],
            "request_sha256": request_sha256,
            "response": response,
            "recorded_at": at,
        }
        if not self._postgres:
            self._driver.execute(_ADD_KEY, values)
            return True
        return self._driver.first(_PUT_KEY, values) is not None
