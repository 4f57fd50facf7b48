"""How long parley keeps each kind of record (DOMAIN.md §4: limited retention).

Two clocks. The records of the people in an exchange (holdings, requests, the match
proposals and their review notes, the neutral verifier's findings) are kept a number
of days **after the exchange closed**: while a tranche is open or a manifest unsealed
they are still needed, whatever their age. The rest (superseded record versions, the
access log, web sessions, idempotency answers) are kept a number of days after they
were last written.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DEFAULT_DAYS", "EXCHANGE_BOUND", "RecordKind"]


class RecordKind(StrEnum):
    """The kinds of record retention removes, in the order it removes them."""

    REVIEWS = "reviews"  # match proposals and their review decisions and notes
    FINDINGS = "findings"  # the neutral verifier's findings, refusals included
    HOLDINGS = "holdings"  # with their superseded versions
    REQUESTS = "requests"  # with their superseded versions and merges
    VERSIONS = "versions"  # superseded versions of records still held
    ACCESS_LOG = "access_log"  # who read or changed what, and from which address
    SESSIONS = "sessions"  # web sessions, ended or expired
    IDEMPOTENCY = "idempotency"  # stored answers to repeated requests


# Counted from the day the exchange closed, not from the record's last change.
EXCHANGE_BOUND = frozenset(
    {RecordKind.REVIEWS, RecordKind.FINDINGS, RecordKind.HOLDINGS, RecordKind.REQUESTS}
)

# Days each kind is kept; PARLEY_RETENTION_<KIND>_DAYS overrides one (config.py).
DEFAULT_DAYS: dict[RecordKind, int] = {
    RecordKind.REVIEWS: 90,
    RecordKind.FINDINGS: 90,
    RecordKind.HOLDINGS: 180,
    RecordKind.REQUESTS: 180,
    RecordKind.VERSIONS: 365,
    RecordKind.ACCESS_LOG: 365,
    RecordKind.SESSIONS: 30,
    RecordKind.IDEMPOTENCY: 7,
}
