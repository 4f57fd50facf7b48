"""Registering the parties of an exchange."""

from __future__ import annotations

from datetime import datetime

from parley.domain.events import PartyRegistered
from parley.domain.parties import Party
from parley.errors import InvalidValue
from parley.services.ports import UnitOfWork

__all__ = ["list_parties", "register_party"]


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
