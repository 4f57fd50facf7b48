"""The public log, checkpoints, receipts, keys and reports, as a principal may use them.

The log is public: its entries name people only by salted commitments, so anyone, signed
in or not, may read it and its proofs (``principal`` is then None). Signing a checkpoint
is the mediator's, co-signing one a party's for itself, issuing a person's receipt the
mediator's (a receipt holds the salt that links the person to the log: it goes to the
family only). Checking a receipt needs no login: a family has none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from parley.domain.access import Principal
from parley.errors import Conflict, NotPermitted
from parley.ledger.keys import SigningKey
from parley.ledger.receipt_format import Receipt
from parley.ledger.receipts import ReceiptReport
from parley.services import ledger, public_log, receipts, reports
from parley.services.access import Capability, authorize
from parley.services.exchange import require_exchange
from parley.services.keys import list_keys as plain_list_keys
from parley.services.ports import KeyUnitOfWork, LogUnitOfWork, RegisteredKey, StoredCheckpoint
from parley.services.public_log import (
    ConsistencyProof,
    InclusionProof,
    LogEntries,
    LogHead,
    WitnessUnitOfWork,
)
from parley.services.reports import ExchangeReport, ReportUnitOfWork

__all__ = [
    "add_cosignature",
    "check_receipt",
    "consistency_proof",
    "exchange_report",
    "inclusion_proof",
    "issue_receipt",
    "list_keys",
    "log_checkpoints",
    "log_entries",
    "log_head",
    "sign_checkpoint",
]


def _read_log(principal: Principal | None) -> None:
    """Anyone may read the public log; a signed-in user by the policy's leave."""
    if principal is not None:
        authorize(principal, Capability.LOG_READ)


def log_head(uow: LogUnitOfWork, principal: Principal | None) -> LogHead:
    """The log's size, root and latest checkpoint (public)."""
    _read_log(principal)
    return public_log.log_head(uow)


def log_checkpoints(uow: LogUnitOfWork, principal: Principal | None) -> list[StoredCheckpoint]:
    """Every signed checkpoint, oldest first (public)."""
    _read_log(principal)
    return public_log.log_checkpoints(uow)


def log_entries(
    uow: LogUnitOfWork, principal: Principal | None, *, after: int, limit: int
) -> LogEntries:
    """Canonical entries numbered above ``after`` (public: people appear as commitments).

    Raises:
        InvalidValue: ``after`` negative or ``limit`` not positive.
    """
    _read_log(principal)
    return public_log.log_entries(uow, after=after, limit=limit)


def inclusion_proof(
    uow: LogUnitOfWork, principal: Principal | None, *, index: int, size: int | None
) -> InclusionProof:
    """An entry's inclusion proof (public).

    Raises:
        InvalidValue: a size the log never had, or an index not below it.
    """
    _read_log(principal)
    return public_log.inclusion_proof(uow, index=index, size=size)


def consistency_proof(
    uow: LogUnitOfWork, principal: Principal | None, *, first: int, second: int | None
) -> ConsistencyProof:
    """A consistency proof between two sizes of the log (public).

    Raises:
        InvalidValue: a size the log never had, or ``first`` not 1 to ``second``.
    """
    _read_log(principal)
    return public_log.consistency_proof(uow, first=first, second=second)


def sign_checkpoint(
    uow: LogUnitOfWork,
    principal: Principal,
    key: Callable[[], SigningKey | None],
    *,
    origin: str,
    now: datetime,
) -> StoredCheckpoint:
    """Sign the log as it stands with the server's mediator key (the mediator).

    Args:
        key: loads the mediator's key from the server's settings; None when none is set.

    Raises:
        NotPermitted: the principal is not the mediator.
        Conflict: the server has no mediator key configured.
        VerificationFailed: earlier checkpoints were signed by another key or origin.
    """
    authorize(principal, Capability.CHECKPOINTS_SIGN)
    signing_key = key()
    if signing_key is None:
        raise Conflict(
            "this server has no mediator key (set PARLEY_MEDIATOR_KEY to the mediator's key "
            "file), or sign with 'parley log checkpoint --key KEY' on the server"
        )
    return ledger.sign_checkpoint(uow, signing_key, origin=origin, now=now)


def add_cosignature(
    uow: WitnessUnitOfWork, principal: Principal, *, size: int, line: str, now: datetime
) -> StoredCheckpoint:
    """Add the principal's party's co-signature to the latest checkpoint (a party, for
    itself only: the line must be signed in its own party's name, by its registered key).

    Raises:
        NotPermitted: the principal is no party member, or the line is signed in another
            party's name.
        NotFound: no checkpoint yet, or the party has no registered key.
        Conflict: the latest checkpoint is not of ``size``.
        InvalidValue: the line is not a signature line.
        VerificationFailed: the co-signature does not verify.
    """
    authorize(principal, Capability.CHECKPOINTS_WITNESS, party=principal.party)
    if principal.party is None:  # pragma: no cover - the policy grants parties only
        raise NotPermitted(f"user {principal.user} co-signs for no party")
    return public_log.add_cosignature(uow, principal.party, size, line, now=now)


def issue_receipt(
    uow: LogUnitOfWork, principal: Principal, *, kind: str, side: str, record_id: str
) -> Receipt:
    """A person's receipt, for their family (the mediator).

    Raises:
        NotPermitted: the principal is not the mediator.
        InvalidValue: ``kind`` is not ``holding`` or ``request``.
        NotFound: the record never appeared in the log, or no checkpoint covers it yet.
    """
    authorize(principal, Capability.RECEIPTS_ISSUE)
    return receipts.issue_receipt(uow, kind, side, record_id)


def check_receipt(uow: WitnessUnitOfWork, data: str | bytes) -> ReceiptReport:
    """Verify a receipt against this server's log (public: a family has no login).

    Raises:
        VerificationFailed: naming the first check that failed, and no one.
    """
    return receipts.check_receipt(uow, data)


def list_keys(uow: KeyUnitOfWork, principal: Principal) -> list[RegisteredKey]:
    """The registered public keys, by name.

    Raises:
        NotPermitted: never for a signed-in user; kept for the policy's sake.
    """
    authorize(principal, Capability.KEYS_READ)
    return plain_list_keys(uow)


def exchange_report(uow: ReportUnitOfWork, principal: Principal, exchange: str) -> ExchangeReport:
    """The exchange in numbers (its parties, the mediator, verifier and observers).

    Raises:
        NotFound: no such exchange.
        NotPermitted: the principal is a party member of neither party of the exchange.
    """
    with uow:
        parties = tuple(require_exchange(uow, exchange).agreement.parties)
    authorize(principal, Capability.REPORTS_READ, parties=parties)
    return reports.exchange_report(uow, exchange)
