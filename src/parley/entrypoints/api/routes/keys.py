"""Routes of the API: the registered public keys, whose signatures parley accepts.

Each party's key and the mediator's, as registered with ``parley keys register``: the
keys a manifest signature, a checkpoint and a witness's co-signature are checked by.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from parley.entrypoints.api.deps import CurrentPrincipal, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.services.ports import RegisteredKey
from parley.services.secured import ledger

__all__ = ["router"]

router = APIRouter(tags=["keys"])


class KeyOut(BaseModel):
    """A registered public key."""

    name: str = Field(description="A party code, or MEDIATOR.", examples=["UA"])
    key: str = Field(
        description="The verifier key text, <name>+<hex key id>+<base64 key>.",
        examples=["UA+1a2b3c4d+AXyz..."],
    )
    key_id: str = Field(description="The 4-byte key id, hex.", examples=["1a2b3c4d"])
    registered_at: datetime = Field(examples=["2025-05-16T09:00:00Z"])


def _out(found: RegisteredKey) -> KeyOut:
    return KeyOut(
        name=found.name,
        key=found.key.to_text(),
        key_id=found.key.key_id.hex(),
        registered_at=found.registered_at,
    )


@router.get("/keys", summary="List the registered public keys")
def list_keys(principal: CurrentPrincipal, uow: Unit, paging: Paging) -> Page[KeyOut]:
    """Every registered public key, by name: the parties' and the mediator's."""
    return page_of([_out(k) for k in ledger.list_keys(uow, principal)], paging)
