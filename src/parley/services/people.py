"""Everything parley holds about one person, for the mediator (DOMAIN.md §4: the
person's own data, gathered; GC IV Art. 137: never withheld from the Central Agency).

One record id of one party: its holding and request with every version, the match
proposals naming it with their review decisions and notes, the plans and manifests
listing it, its crossings, the neutral verifier's findings (the refusal included: this
file is for the mediator only), its receipt salt and the access log's entries about it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from parley.errors import NotFound
from parley.services.parties import require_party
from parley.services.ports import UnitOfWork, protection_of, records_of

__all__ = ["export_person"]


def export_person(uow: UnitOfWork, *, party: str, record_id: str) -> dict[str, Any]:
    """The whole file on ``party``'s record ``record_id``, as JSON-ready values.

    Raises:
        NotFound: ``party`` is not a party, or nothing is held under that record id.
    """
    with uow:
        require_party(uow, party)
        versions = {
            kind: [
                {**asdict(v), "valid_from": v.valid_from.isoformat()}
                for v in records_of(uow, kind).history(party, record_id)
            ]
            for kind in ("holdings", "requests")
        }
        rest = protection_of(uow).person(party, record_id)
    held = versions["holdings"] or versions["requests"]
    if not held and not any(rest[k] for k in ("crossings", "findings", "access_log")):
        raise NotFound(f"nothing is held about {party}/{record_id}")
    return {
        "party": party,
        "record_id": record_id,
        "records": rest.pop("records"),
        "holding_versions": versions["holdings"],
        "request_versions": versions["requests"],
        **rest,
    }
