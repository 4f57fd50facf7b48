"""Purpose limitation: a record is read or exported only for the purpose it is held for.

DOMAIN.md §4 (ICRC Handbook): tag each record with its purpose and refuse its reuse for
another. The rule parley applies (docs/data-protection.md):

- an import may state a purpose; the records it creates hold it, and one it changes
  must already hold it. An import that states none gives new records the exchange's
  purpose, ``repatriation``, and changes no record's purpose;
- a read or an export that declares a purpose is refused, naming the first record
  held for another one and both purposes; one that declares none is for each record's
  own purpose (the exchange's, unless an import said otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence

from parley.domain.purposes import Purpose
from parley.errors import PurposeRefused
from parley.services.ports import UnitOfWork, protection_of

__all__ = ["check_purpose", "check_records_purpose", "claim_purpose"]


def claim_purpose(
    uow: UnitOfWork, *, kind: str, party: str, import_id: int, purpose: Purpose
) -> None:
    """Give the records import ``import_id`` created ``purpose``.

    Raises:
        PurposeRefused: the import changed a record held for another purpose (a record's
            purpose is fixed at its first import: re-importing it under another
            purpose would reuse it for that purpose).
    """
    clash = protection_of(uow).claim(kind, party, import_id, purpose.value)
    if clash is not None:
        record_id, held_for = clash
        raise PurposeRefused(kind, party, record_id, held_for, purpose.value)


def check_purpose(uow: UnitOfWork, *, kind: str, party: str, purpose: Purpose | None) -> None:
    """Refuse a read or export of all of ``party``'s ``kind`` for ``purpose``.

    Raises:
        PurposeRefused: naming the first record (by record id) held for another purpose.
    """
    if purpose is None:
        return
    clash = protection_of(uow).first_outside(kind, party, purpose.value)
    if clash is not None:
        raise PurposeRefused(kind, party, clash[0], clash[1], purpose.value)


def check_records_purpose(
    uow: UnitOfWork, *, kind: str, party: str, record_ids: Sequence[str], purpose: Purpose | None
) -> None:
    """Refuse a read of ``record_ids`` for ``purpose`` if one is held for another.

    Raises:
        PurposeRefused: naming the first such record (in the order given).
    """
    if purpose is None or not record_ids:
        return
    held = protection_of(uow).purposes(kind, party, record_ids)
    for record_id in record_ids:
        held_for = held.get(record_id)
        if held_for is not None and held_for != purpose.value:
            raise PurposeRefused(kind, party, record_id, held_for, purpose.value)
