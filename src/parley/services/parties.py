"""Registering the parties of an exchange."""

from __future__ import annotations

from datetime import datetime

from parley.domain.events import PartyRegistered
from parley.domain.parties import Party
from parley.errors import InvalidValue, NotFound
from parley.services.ports import UnitOfWork

__all__ = ["list_parties", "register_party", "require_party"]


def register_party(uow: UnitOfWork, party: Party, *, actor: str, now: datetime) -> Party:
    """Add ``party``; a party already registered under that code is an error.

    Raises:
        InvalidValue: the code is taken.
    """
    with uow:
        if uow.parties.get(party.code) is not None:
            raise InvalidValue("party", f"{party.code} is already registered")
        uow.parties.add(party)
        uow.record(PartyRegistered(occurred_at=now, actor=actor, party=party.code))
        uow.commit()
    return party


def list_parties(uow: UnitOfWork) -> list[Party]:
    """Every registered party, by code."""
    with uow:
        return uow.parties.all()


def require_party(uow: UnitOfWork, code: str) -> Party:
    """The party ``code``, inside an open unit of work.

    Raises:
        NotFound: no such party; the message lists the parties there are.
    """
    party = uow.parties.get(code)
    if party is None:
        known = ", ".join(p.code for p in uow.parties.all()) or "none yet"
        raise NotFound(f"unknown party {code!r} (known parties: {known})")
    return party
