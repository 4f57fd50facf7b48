"""The registry of public keys: whose signature parley accepts, for each party and the mediator.

A party hands its public key (``ua.pub``) to the mediator, who registers it; from then
on a file that party signs (a manifest) is accepted only if its signature verifies with
that key. Registering is a logged event (``KeyRegistered``), so the public log shows
which key each side signs with, and from when. A name keeps its key: a different key is
refused unless the change is asked for (``replace``), and the change is logged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parley.domain.events import KeyRegistered
from parley.errors import InvalidValue, NotFound
from parley.ledger.keys import VerifierKey
from parley.services.ports import KeyUnitOfWork, RegisteredKey

__all__ = ["MEDIATOR", "KeyRegistration", "list_keys", "register_key", "registered_key"]

MEDIATOR = "MEDIATOR"
"""The name of the mediator's key; every other key is named by a party code."""


@dataclass(frozen=True, slots=True)
class KeyRegistration:
    """What registering a key did.

    Attributes:
        key: the key now registered under the name.
        replaced: the key it replaced, if any.
        changed: False when exactly this key was registered already (nothing logged).
    """

    key: RegisteredKey
    replaced: VerifierKey | None
    changed: bool


def register_key(
    uow: KeyUnitOfWork, key: VerifierKey, *, replace: bool = False, actor: str, now: datetime
) -> KeyRegistration:
    """Register ``key`` under its name, logging ``KeyRegistered``.

    Registering the key a name has already changes nothing. A different key replaces
    the registered one only with ``replace``: signatures by the old key are no longer
    accepted, and the log says which key id replaced which.

    Raises:
        NotFound: the key's name is neither ``MEDIATOR`` nor a registered party.
        InvalidValue: the name has another key registered and ``replace`` is not set.
    """
    with uow:
        if key.name != MEDIATOR and uow.parties.get(key.name) is None:
            known = ", ".join([MEDIATOR, *(p.code for p in uow.parties.all())])
            raise NotFound(
                f"key {key.name}: no party {key.name!r} is registered; a key is named "
                f"after a party or is the mediator's (known: {known})"
            )
        before = uow.keys.get(key.name)
        if before is not None and before.key == key:
            return KeyRegistration(before, None, changed=False)
        if before is not None and not replace:
            raise InvalidValue(
                f"key {key.name}",
                f"another key is registered ({before.key.key_id.hex()}, since "
                f"{before.registered_at:%Y-%m-%d %H:%M} UTC); replacing it must be asked "
                "for (--replace), and is logged",
            )
        registered = RegisteredKey(key, now)
        uow.keys.put(registered)
        uow.record(
            KeyRegistered(
                occurred_at=now,
                actor=actor,
                key_name=key.name,
                key_id=key.key_id.hex(),
                key=key.to_text(),
                replaces=before.key.key_id.hex() if before else None,
            )
        )
        uow.commit()
    return KeyRegistration(registered, before.key if before else None, changed=True)


def list_keys(uow: KeyUnitOfWork) -> list[RegisteredKey]:
    """Every registered key, by name."""
    with uow:
        return uow.keys.all()


def registered_key(uow: KeyUnitOfWork, name: str) -> VerifierKey | None:
    """The key registered under ``name``, or None."""
    with uow:
        found = uow.keys.get(name)
    return found.key if found else None
