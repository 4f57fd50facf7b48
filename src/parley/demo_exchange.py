"""The demo's exchange day: the plan adopted, its manifests signed, three tranches run.

``parley demo`` calls :func:`run_exchange` once the seed formula is planned. It adopts the
plan (``parley manifest issue``), writes every manifest to ``manifests/`` and has the
three demo keys sign each one (``parley sign`` then ``parley manifest accept``), loads
the rounds of talks behind the agreement (``parley rounds load``), and runs each
tranche on its date (``parley tranche open``, ``parley handover record``, ``parley
tranche close``). In the first tranche two people decline to go home when the neutral
verifier asks them, and one person is not brought to the crossing; each is replaced
from the reserves by an amendment all three sign again, while everyone else crosses.
At the end round 3's precondition is met and the final balances are printed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from parley import bootstrap
from parley.domain.agreements import Agreement
from parley.domain.handover import Action, FixKind
from parley.ledger.keys import SigningKey
from parley.ledger.signatures import sign_file
from parley.services import amendments, manifests
from parley.services import exchange as service
from parley.services import handover as crossing
from parley.services.ledger import sign_checkpoint
from parley.services.rounds import load_rounds, rounds_status

__all__ = ["Friction", "run_exchange"]

_ROUNDS = "data/demo-rounds.yaml"
LOG_ORIGIN = "parley.local/demo"


@dataclass(frozen=True, slots=True)
class Friction:
    """What happens to the person at ``position`` (from 1) on ``side``'s first manifest."""

    side: str
    position: int
    action: Action
    acting_as: str


# Two refusals (the neutral verifier asks, and the person says no) and one no-show.
FRICTIONS = (
    Friction("RU", 3, Action.DECLINE, "neutral_verifier"),
    Friction("UA", 5, Action.DECLINE, "neutral_verifier"),
    Friction("UA", 7, Action.NO_SHOW, "UA"),
)


def _sign_all(
    engine: Engine,
    folder: Path,
    exchange: str,
    number: int,
    side: str,
    keys: dict[str, SigningKey],
    now: datetime,
) -> str:
    """Write the latest version of a manifest to ``folder`` and have all three sign it."""
    stored = manifests.export_manifest(
        bootstrap.unit_of_work(engine, read_only=True), exchange, number, side
    )
    path = folder / f"tranche-{number}-{side}-v{stored.manifest.version}.json"
    path.write_bytes(stored.document)
    digest = hashlib.sha256(stored.document).digest()
    for name, key in keys.items():
        signature = sign_file(digest, key).to_text()
        (folder / f"{path.stem}.{name}.sig").write_text(signature, encoding="utf-8")
        manifests.sign_manifest(
            bootstrap.unit_of_work(engine), exchange, number, side, signature,
            actor=name, now=now,
        )  # fmt: skip
    return path.name


def _frictions(
    say: Callable[[str], object],
    engine: Engine,
    folder: Path,
    exchange: str,
    keys: dict[str, SigningKey],
    now: datetime,
) -> None:
    """Tranche 1's refusals and no-show, each fixed by a substitute from the reserves."""
    first = {
        side: manifests.export_manifest(
            bootstrap.unit_of_work(engine, read_only=True), exchange, 1, side
        ).manifest.people
        for side in ("UA", "RU")
    }
    for f in FRICTIONS:
        person = first[f.side][f.position - 1].record_id
        result = crossing.record(
            bootstrap.unit_of_work(engine), exchange, 1, f.side, person, f.action,
            acting_as=f.acting_as, actor=f.acting_as, now=now,
        )  # fmt: skip
        what = "declined to go (the parties see only" if f.action is Action.DECLINE else "was"
        shown = f"{what} {result.state})" if f.action is Action.DECLINE else "not brought"
        say(f"  {f.side} {person} {shown}")
        fix = next(x for x in result.fixes if x.kind is FixKind.SUBSTITUTE)
        reserve = fix.records[0]
        amendments.substitute(
            bootstrap.unit_of_work(engine), exchange, 1, f.side, person, reserve,
            actor="MEDIATOR", now=now,
        )  # fmt: skip
        name = _sign_all(engine, folder, exchange, 1, f.side, keys, now)
        _checkpoint(engine, keys)  # an amendment is a tranche event too
        say(
            f"    fix: reserve {reserve} takes the place; amendment {name} signed by all "
            "three; MEDIATOR signed a checkpoint"
        )


def _checkpoint(engine: Engine, keys: dict[str, SigningKey]) -> int:
    """The mediator signs a checkpoint after a tranche event, as with PARLEY_MEDIATOR_KEY."""
    stored = sign_checkpoint(
        bootstrap.unit_of_work(engine), keys["MEDIATOR"], origin=LOG_ORIGIN, now=datetime.now(UTC)
    )
    return stored.size


def _cross_tranche(engine: Engine, exchange: str, number: int) -> int:
    """Everyone still listed crosses, the two sides alternating; how many crossed."""
    people = {}
    for side in ("UA", "RU"):
        unit = bootstrap.unit_of_work(engine, read_only=True)
        with unit:
            tranche = service.require_tranche(unit, exchange, number)
            people[side] = [
                c.crossing.record_id
                for c in unit.exchange.crossings(service.tranche_id_of(tranche), side)
                if c.crossing.state.value == "listed"
            ]
    crossed = 0
    for i in range(max(len(p) for p in people.values())):
        for side, other in (("UA", "RU"), ("RU", "UA")):
            if i >= len(people[side]):
                continue
            record_id = people[side][i]
            for action, acting_as in (
                (Action.VERIFY, "neutral_verifier"),
                (Action.HAND_OVER, side),
                (Action.RECEIVE, other),
            ):
                crossing.record(
                    bootstrap.unit_of_work(engine), exchange, number, side, record_id, action,
                    acting_as=acting_as, actor=acting_as, now=datetime.now(UTC),
                )  # fmt: skip
            crossed += 1
    return crossed


def run_exchange(
    say: Callable[[str], object],
    engine: Engine,
    directory: Path,
    agreement: Agreement,
    agreement_text: str,
    keys: dict[str, SigningKey],
) -> tuple[str, str] | None:
    """Adopt the plan, sign, run every tranche; the (party, record id) of someone received."""
    exchange = agreement.name
    folder = directory / "manifests"
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*"):
        stale.unlink()
    now = datetime.now(UTC)
    rounds = bootstrap.load_rounds(resources.files("parley").joinpath(_ROUNDS))
    load_rounds(bootstrap.unit_of_work(engine), rounds, actor="MEDIATOR", now=now)
    say(f"\nthe exchange. The rounds of talks behind it: {_ROUNDS} (parley rounds)")
    stored = manifests.adopt_plan(
        bootstrap.unit_of_work(engine), agreement, agreement_text, actor="MEDIATOR", now=now
    )
    say(f"MEDIATOR adopted the plan: {len(stored)} manifests issued (parley manifest issue)")
    tranches = sorted({s.manifest.tranche for s in stored})
    for number in tranches:
        for side in ("UA", "RU"):
            _sign_all(engine, folder, exchange, number, side, keys, now)
    say(f"each manifest signed by UA, RU and MEDIATOR; files and signatures in {folder}/")
    first_received: tuple[str, str] | None = None
    for number in tranches:
        unit = bootstrap.unit_of_work(engine, read_only=True)
        with unit:
            on = service.require_tranche(unit, exchange, number).on_date
        at = datetime.now(UTC)  # the log's times only ever move forward
        today = max(on or at.date(), at.date())
        service.open_tranche(
            bootstrap.unit_of_work(engine), exchange, number, today=today, actor="MEDIATOR", now=at
        )
        _checkpoint(engine, keys)
        say(f"tranche {number} (dated {on or 'undated'}) opened; MEDIATOR signed a checkpoint")
        if number == 1:
            _frictions(say, engine, folder, exchange, keys, at)
        crossed = _cross_tranche(engine, exchange, number)
        balances = service.close_tranche(
            bootstrap.unit_of_work(engine), exchange, number, actor="MEDIATOR",
            now=datetime.now(UTC),
        )  # fmt: skip
        size = _checkpoint(engine, keys)
        shown = "; ".join(
            f"{b.track} " + ", ".join(f"{s} {v:,}" for s, v in b.received.items()) for b in balances
        )
        say(f"  {crossed:,} crossed one for one; tranche {number} closed balanced: {shown}")
        say(f"  MEDIATOR signed a checkpoint of the log at size {size:,}")
        if first_received is None:
            unit = bootstrap.unit_of_work(engine, read_only=True)
            with unit:
                tranche = service.require_tranche(unit, exchange, number)
                done = [
                    c.crossing
                    for c in unit.exchange.crossings(service.tranche_id_of(tranche), "RU")
                    if c.crossing.state.value == "received"
                ]
            first_received = ("RU", done[0].record_id) if done else None
    _final(say, engine, exchange, agreement)
    return first_received


def _final(
    say: Callable[[str], object], engine: Engine, exchange: str, agreement: Agreement
) -> None:
    unit = bootstrap.unit_of_work(engine, read_only=True)
    with unit:
        facts = unit.exchange.facts()[exchange]
        totals: dict[str, int] = dict.fromkeys(agreement.parties, 0)
        for tranche in unit.exchange.tranches(exchange):
            for c in unit.exchange.crossings(service.tranche_id_of(tranche)):
                totals[c.crossing.side] += c.crossing.state.value == "received"
    shown = ", ".join(f"{side} released {n:,}" for side, n in totals.items())
    complete = "complete" if facts.complete else "not complete"
    say(f"the exchange is {complete}: {facts.stages_closed} of {facts.stages_planned} tranches "
        f"closed; {shown} (at least {agreement.minimum_per_side or 0:,} a side)")  # fmt: skip
    today = datetime.now(UTC).date()
    for view in rounds_status(bootstrap.unit_of_work(engine, read_only=True), today=today):
        for item in view.commitments:
            promise = item.commitment
            if promise.precondition.kind.value == "exchange_complete":
                state = "met" if item.holds else "not met"
                say(f"round {view.round.number}'s commitment {promise.ref}: precondition "
                    f"{state} ({item.progress}); status {promise.status.value}")  # fmt: skip
