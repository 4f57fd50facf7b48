"""The registered public keys, in table ``registered_keys``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.adapters.orm import RegisteredKeyRow
from parley.errors import InvalidValue
from parley.ledger.keys import VerifierKey
from parley.services.ports import RegisteredKey

__all__ = ["SqlKeyRegistry"]


class SqlKeyRegistry:
    """Registered keys, one row per name (``parley.services.ports.KeyRegistry``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> RegisteredKey | None:
        row = self._session.get(RegisteredKeyRow, name)
        return None if row is None else _key(row)

    def put(self, key: RegisteredKey) -> None:
        row = self._session.get(RegisteredKeyRow, key.name)
        if row is None:
            row = RegisteredKeyRow(name=key.name)
            self._session.add(row)
        row.verifier_key = key.key.to_text()
        row.registered_at = key.registered_at
        self._session.flush()

    def all(self) -> list[RegisteredKey]:
        rows = self._session.scalars(select(RegisteredKeyRow).order_by(RegisteredKeyRow.name))
        return [_key(row) for row in rows]


def _key(row: RegisteredKeyRow) -> RegisteredKey:
    """The row's key, checked: a row whose text no longer parses was damaged.

    Raises:
        InvalidValue: the stored text is not valid verifier-key text for its name.
    """
    key = VerifierKey.parse(row.verifier_key)
    if key.name != row.name:
        raise InvalidValue(
            f"registered key {row.name}", f"the stored key is named {key.name}; the row is damaged"
        )
    return RegisteredKey(key, row.registered_at)
