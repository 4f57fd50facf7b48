"""A small exchange, ready to sign and run, for the exchange's integration tests.

Two parties hold a handful of prisoners each; the agreement is parity in two tranches
(``terms`` writes a variant where a test needs more people or another lead); the plan is
the real planner's; the three keys are seeded, so signatures are the same on every run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from parley.adapters.agreements import read_agreement
from parley.adapters.orm import EventRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.agreements import Agreement
from parley.domain.handover import Action
from parley.errors import ImportProblem
from parley.ledger.keys import SigningKey
from parley.ledger.signatures import sign_file
from parley.services.exchange import open_tranche
from parley.services.handover import HandoverResult, record
from parley.services.importing import import_records
from parley.services.keys import register_key
from parley.services.manifests import adopt_plan, export_manifest, sign_manifest
from parley.services.planning import plan_from_database
from tests.conftest import NOW
from tests.unit.fakes import FakeTable

Uow = Callable[[], SqlUnitOfWork]

KEYS = {
    "MEDIATOR": SigningKey.from_seed("MEDIATOR", bytes(range(32))),
    "UA": SigningKey.from_seed("UA", bytes(range(1, 33))),
    "RU": SigningKey.from_seed("RU", bytes(range(2, 34))),
}
HOLDINGS = [
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "category",
    "birth_date",
    "rank",
    "service_number",
]
FAMILY = ["Коваль", "Бондар", "Мельник", "Лисенко", "Шевчук", "Ткаченко", "Кравець", "Олійник"]
GIVEN = ["Олег", "Іван", "Петро", "Андрій", "Павло", "Юрій", "Богдан", "Тарас"]
FATHER = ["Олегович", "Іванович", "Петрович", "Андрійович"]
EXCHANGE = "four for four"
DAY_ONE = date(2025, 5, 23)
SIGNERS = ("UA", "RU", "MEDIATOR")


def terms(
    *,
    per_tranche: int = 2,
    tranches: int = 2,
    max_lead: int = 1,
    reserve_share: float = 0.5,
) -> str:
    """The agreement's text: parity, ``per_tranche`` a side in each of ``tranches`` days."""
    dates = ", ".join((DAY_ONE + timedelta(days=i)).isoformat() for i in range(tranches))
    return f"""\
agreement: {EXCHANGE}
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {{name: military, selector: category == pow, formula: parity}}
minimum_per_side: {per_tranche * tranches}
tranches: {{dates: [{dates}], capacity_per_side: {per_tranche}, max_lead: {max_lead}}}
reserve_share: {reserve_share}
"""


AGREEMENT = terms()


def agreement(text: str = AGREEMENT) -> Agreement:
    return read_agreement(text, "agreement.yaml").agreement


def holdings(uow: Uow, per_side: int = 7) -> None:
    """``per_side`` prisoners of war held by each party (UA-1.., RU-1..), Art. 17 fields."""
    for party in ("UA", "RU"):
        rows: list[dict[str, str] | ImportProblem] = [
            {
                "record_id": f"{party}-{i}",
                "family_name": FAMILY[i % len(FAMILY)],
                "given_name": GIVEN[i % len(GIVEN)],
                "patronymic": FATHER[i % len(FATHER)],
                "sex": "M",
                "category": "pow",
                "birth_date": f"{1980 + i % 20}-01-01",
                "rank": "private",
                "service_number": f"{party}-SN-{i:04d}",
            }
            for i in range(1, per_side + 1)
        ]
        table = FakeTable(f"{party}-holdings.csv", HOLDINGS, rows)
        import_records(uow(), kind="holdings", party=party, table=table, actor=party, now=NOW)


def planned(uow: Uow, text: str = AGREEMENT, per_side: int = 7) -> Agreement:
    """Holdings imported, the keys registered and the agreement planned (not adopted)."""
    holdings(uow, per_side)
    chosen = agreement(text)
    draft = plan_from_database(uow(), chosen, actor="mediator", now=NOW)
    assert draft.plan.feasible, draft.plan.conflict
    for key in KEYS.values():
        register_key(uow(), key.verifier, actor="mediator", now=NOW)
    return chosen


def adopted(uow: Uow, text: str = AGREEMENT, per_side: int = 7) -> Agreement:
    """The agreement planned on fresh holdings and adopted; every manifest issued."""
    chosen = planned(uow, text, per_side)
    adopt_plan(uow(), chosen, text, actor="mediator", now=NOW)
    return chosen


def signature(uow: Uow, number: int, side: str, signer: str, version: int | None = None) -> str:
    """``signer``'s signature of a version (the latest) of ``side``'s manifest of a tranche."""
    stored = export_manifest(uow(), EXCHANGE, number, side, version)
    return sign_file(hashlib.sha256(stored.document).digest(), KEYS[signer]).to_text()


def sign(uow: Uow, number: int, side: str, signer: str) -> None:
    """``signer`` signs the latest version of ``side``'s manifest of tranche ``number``."""
    sign_manifest(
        uow(), EXCHANGE, number, side, signature(uow, number, side, signer),
        actor=signer, now=NOW,
    )  # fmt: skip


def sign_all(uow: Uow, number: int, sides: tuple[str, ...] = ("UA", "RU")) -> None:
    """All three sign the latest version of each side's manifest of tranche ``number``."""
    for side in sides:
        for signer in SIGNERS:
            sign(uow, number, side, signer)


def opened(uow: Uow, text: str = AGREEMENT, per_side: int = 7) -> Agreement:
    """An exchange whose first tranche is signed and open."""
    chosen = adopted(uow, text, per_side)
    sign_all(uow, 1)
    open_tranche(uow(), EXCHANGE, 1, today=DAY_ONE, actor="mediator", now=NOW)
    return chosen


def listed(uow: Uow, number: int, side: str) -> list[str]:
    """The record ids on the latest version of ``side``'s manifest of tranche ``number``."""
    return [p.record_id for p in export_manifest(uow(), EXCHANGE, number, side).manifest.people]


def reserves(uow: Uow, number: int, side: str) -> list[str]:
    """The reserves of the latest version of ``side``'s manifest, by rank."""
    stored = export_manifest(uow(), EXCHANGE, number, side).manifest
    return [p.record_id for p in stored.reserves]


def other(side: str) -> str:
    """The other party."""
    return "RU" if side == "UA" else "UA"


def act(
    uow: Uow, number: int, side: str, record_id: str, action: Action, acting_as: str
) -> HandoverResult:
    """Record ``action`` for a person, by ``acting_as`` (who is also the log's actor)."""
    return record(
        uow(), EXCHANGE, number, side, record_id, action,
        acting_as=acting_as, actor=acting_as, now=NOW + timedelta(minutes=1),
    )  # fmt: skip


def verify(uow: Uow, number: int, side: str, record_id: str) -> None:
    """The neutral verifier confirms identity and will."""
    for action in (Action.CONFIRM_IDENTITY, Action.CONFIRM_WILL):
        record(uow(), EXCHANGE, number, side, record_id, action,
               acting_as="neutral_verifier", actor="verifier", now=NOW)  # fmt: skip


def hand_over(uow: Uow, number: int, side: str, record_id: str) -> HandoverResult:
    """Verify and hand over one person (in transit: not yet received)."""
    verify(uow, number, side, record_id)
    return act(uow, number, side, record_id, Action.HAND_OVER, side)


def cross(uow: Uow, number: int, side: str, record_id: str) -> HandoverResult:
    """Verify, hand over and receive one person; the receipt's result."""
    verify(uow, number, side, record_id)
    record(uow(), EXCHANGE, number, side, record_id, Action.HAND_OVER,
           acting_as=side, actor=side, now=NOW + timedelta(minutes=1))  # fmt: skip
    return record(uow(), EXCHANGE, number, side, record_id, Action.RECEIVE,
                  acting_as=other(side), actor=other(side),
                  now=NOW + timedelta(minutes=2))  # fmt: skip


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One row of the event log: its payload (tables only) and its public entry."""

    seq: int
    type: str
    payload: dict[str, Any]
    entry: bytes


def logged(engine: Engine, *types: str) -> list[LoggedEvent]:
    """The log's events (of ``types``, if given), in sequence order."""
    query = select(EventRow.seq, EventRow.type, EventRow.payload, EventRow.entry)
    if types:
        query = query.where(EventRow.type.in_(types))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(EventRow.seq)).all()
    return [LoggedEvent(s, t, json.loads(p), bytes(e)) for s, t, p, e in rows]
