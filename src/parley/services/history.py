"""Reading the change history of one person record."""

from __future__ import annotations

from parley.errors import NotFound
from parley.services.ports import RecordVersion, UnitOfWork, records_of

__all__ = ["record_history"]


def record_history(
    uow: UnitOfWork, *, kind: str, party: str, record_id: str
) -> list[RecordVersion]:
    """Every version of ``party``'s record ``record_id`` of ``kind``, oldest first.

    Raises:
        NotFound: there is no such record.
    """
    with uow:
        versions = records_of(uow, kind).history(party, record_id)
    if not versions:
        raise NotFound(f"no {kind} record {party}/{record_id}")
    return versions
